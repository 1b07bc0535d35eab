//! The public coefficient types: the reduced coefficients at an event, their three-way
//! cross-checks, smallness ratios, options and the normal-form classification.

use crate::error::Result;
use crate::models::two_layer::theory::{ClosedFormCoefficients, Decomposed};
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

/// The paper's closed forms (25)–(26) as a callback: (θ, λ, φ) ↦ coefficients, e.g.
/// `&|t, l, phi| closed_form_coefficients(&model, t, l, phi)` with
/// [`crate::models::two_layer::theory::directional::closed_form_coefficients`]. An error it returns is returned
/// by [`coefficients`] unchanged.
///
/// [`coefficients`]: super::coefficients
pub type ClosedForm<'a> =
    &'a dyn Fn(ArrayView1<f64>, f64, ArrayView1<f64>) -> Result<ClosedFormCoefficients>;

/// A coefficient computed three ways.
///
/// Relative errors are taken against |ad|, or against the coefficient's scale (see
/// [`Smallness`]) when the AD value counts as zero, so that a vanishing coefficient does not
/// produce 0/0.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ThreeWay {
    /// The paper's closed form with its terms, where one exists.
    pub formula: Option<Decomposed>,
    /// Exact AD value.
    pub ad: f64,
    /// The paper's finite-difference stencil.
    pub fd: f64,
    /// |formula − ad| / |ad|.
    pub rel_err_formula: Option<f64>,
    /// |fd − ad| / |ad|.
    pub rel_err_fd: f64,
}

impl ThreeWay {
    pub(super) fn new(formula: Option<Decomposed>, ad: f64, fd: f64, denom: f64) -> Self {
        let rel = |x: f64| {
            let diff = (x - ad).abs();
            if diff == 0.0 {
                0.0
            } else {
                diff / denom.max(f64::MIN_POSITIVE)
            }
        };
        ThreeWay {
            rel_err_formula: formula.as_ref().map(|f| rel(f.value)),
            rel_err_fd: rel(fd),
            formula,
            ad,
            fd,
        }
    }
}

/// Normal form of a simple-kernel singular point of a gradient family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// g_µ ≠ 0: saddle-node; the branch turns back.
    Fold,
    /// g_µ = 0, g_aa ≠ 0.
    Transcritical,
    /// g_µ = g_aa = 0, g_aaa ≠ 0.
    Pitchfork,
    /// Every tested coefficient vanishes at the stated tolerance.
    Degenerate,
}

/// Options of [`coefficients`].
///
/// [`coefficients`]: super::coefficients
///
/// ```
/// let o = actbif::normal_form::CoefficientOptions::default();
/// assert_eq!(o.zero_tol, 1e-8);
/// assert_eq!(o.fd_step, 1e-3);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CoefficientOptions {
    /// A coefficient counts as zero when its size relative to its terms' scale is below this.
    pub zero_tol: f64,
    /// Step of the paper's finite-difference stencils for D³L and D⁴L along φ.
    pub fd_step: f64,
}

impl Default for CoefficientOptions {
    fn default() -> Self {
        CoefficientOptions {
            zero_tol: 1e-8,
            fd_step: 1e-3,
        }
    }
}

/// Each coefficient divided by the scale of the terms it is built from; all lie in \[0, 1\]
/// (each scale bounds its coefficient), 0/0 counts as 0. A coefficient is zero for the
/// classification when its ratio is ≤ [`CoefficientOptions::zero_tol`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Smallness {
    /// |g_µ| / ‖∂λ∇L‖: the cosine between φ and ∂λ∇L.
    pub g_mu: f64,
    /// |g_aa| / max(‖D³L\[φ, φ, ·\]‖, Σ|closed-form terms|): the cosine between φ and
    /// D³L\[φ, φ, ·\] (or the cancellation among the paper's terms if larger).
    pub g_aa: f64,
    /// |g_aaa_reduced| / (|D⁴L\[φ⁴\]| + 3|D³L\[φ, φ, ψ20\]|).
    pub g_aaa: f64,
    /// |g_aµ| / (|φᵀ∂λHφ| + |D³L\[φ, φ, ψ01\]|).
    pub g_amu: f64,
}

/// Reduced coefficients at an event.
///
/// φ is an eigenvector and so defined only up to sign (events fix the sign by a convention, see
/// [`Event::kernel`]). Under φ → −φ the odd coefficients g_µ and g_aa (with g_aa's closed-form
/// terms and FD value) change sign, while g_µ·g_aa, g_aµ, both g_aaa, the crossing speed,
/// |g_aa/g_aaa|, ψ01, ψ20 and the classification do not: compare signs of g_µ or g_aa only
/// together with φ.
///
/// [`Event::kernel`]: crate::continuation::Event::kernel
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Coefficients {
    /// λ*.
    pub lambda_star: f64,
    /// The two Hessian eigenvalues of smallest modulus, λ1 (nearest 0) and λ2.
    pub lambda1: f64,
    /// Second eigenvalue.
    pub lambda2: f64,
    /// |λ1/λ2|.
    pub eig_ratio: f64,
    /// g_µ = φᵀ∂λ∇L.
    pub g_mu: f64,
    /// g_aµ = φᵀ(∂λH)φ + D³L\[φ, φ, ψ01\].
    pub g_amu: f64,
    /// dλ1/dλ along the branch (paper Prop 7.13), where the branch is a graph over λ.
    ///
    /// Computed as φᵀ(∂λH + D³L\[dθ/dλ, ·, ·\])φ (Hellmann–Feynman) with dθ/dλ = ψ01, the
    /// solution of H dθ/dλ = −∂λ∇L without φ-component: the speed along the branch through
    /// the event whose tangent is orthogonal to φ (the paper's straightened trivial branch).
    /// It equals g_aµ (Prop 7.13); along the other branch of a transcritical point it is
    /// −g_aµ. `None` at a fold, where dθ/dλ is infinite (λ1 ∝ √|λ − λ*| there).
    pub crossing_speed: Option<f64>,
    /// g_aa = D³L\[φ³\].
    pub g_aa: ThreeWay,
    /// raw g_aaa = D⁴L\[φ⁴\] (the paper's (26)).
    pub g_aaa: ThreeWay,
    /// corrected g_aaa = D⁴L\[φ⁴\] + 3 D³L\[φ, φ, ψ20\].
    pub g_aaa_reduced: f64,
    /// |g_aa / g_aaa_reduced|.
    pub ratio_aa_aaa: f64,
    /// Classification.
    pub classification: Classification,
    /// Human-readable statement of the criteria applied and the relative sizes.
    pub criteria: String,
    /// g_aµ with its two terms φᵀ∂λHφ and D³L\[φ, φ, ψ01\].
    pub g_amu_terms: Decomposed,
    /// g_aaa_reduced with its two terms D⁴L\[φ⁴\] and 3D³L\[φ, φ, ψ20\].
    pub g_aaa_reduced_terms: Decomposed,
    /// Coefficients relative to their scales (the classification's criteria).
    pub smallness: Smallness,
    /// ‖∇L(θ*, λ*)‖: how critical the event point is.
    pub grad_norm: f64,
    /// ‖∂λ∇L(θ*, λ*)‖.
    pub grad_lambda_norm: f64,
    /// ‖D³L\[φ, φ, ·\]‖.
    pub d3_phi_phi_norm: f64,
    /// ‖Hφ‖: how well φ spans the kernel.
    pub kernel_residual: f64,
    /// |φᵀu1| with u1 the unit eigenvector of λ1.
    pub kernel_alignment: f64,
    /// The unit kernel vector φ used (the event's, normalised).
    pub phi: Vec<f64>,
    /// ψ01 (H ψ01 = −(I − φφᵀ)∂λ∇L, ψ01 ⟂ φ).
    pub psi01: Vec<f64>,
    /// ψ20 (H ψ20 = −(I − φφᵀ)D³L\[φ, φ, ·\], ψ20 ⟂ φ).
    pub psi20: Vec<f64>,
}

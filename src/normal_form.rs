//! Lyapunov–Schmidt coefficients at a located event and normal-form classification.

use crate::continuation::{Branch, Event};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::theory::{ClosedFormCoefficients, Decomposed};
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

/// The paper's closed forms (25)–(26) as a callback: (θ, λ, φ) ↦ coefficients.
pub type ClosedForm<'a> =
    &'a dyn Fn(ArrayView1<f64>, f64, ArrayView1<f64>) -> ClosedFormCoefficients;

/// A coefficient computed three ways.
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
/// ```
/// let o = actbif::normal_form::CoefficientOptions::default();
/// assert_eq!(o.zero_tol, 1e-8);
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

/// Reduced coefficients at an event.
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
    /// g_aµ = φᵀ(∂λH)φ + D³L[φ, φ, ψ01].
    pub g_amu: f64,
    /// dλ1/dλ along the branch (paper Prop 7.13), where the branch is a graph over λ.
    pub crossing_speed: Option<f64>,
    /// g_aa = D³L[φ³].
    pub g_aa: ThreeWay,
    /// raw g_aaa = D⁴L[φ⁴] (the paper's (26)).
    pub g_aaa: ThreeWay,
    /// corrected g_aaa = D⁴L[φ⁴] + 3 D³L[φ, φ, ψ20].
    pub g_aaa_reduced: f64,
    /// |g_aa / g_aaa_reduced|.
    pub ratio_aa_aaa: f64,
    /// Classification.
    pub classification: Classification,
    /// Human-readable statement of the criteria applied and the relative sizes.
    pub criteria: String,
}

/// Computes the reduced coefficients at a located event.
pub fn coefficients<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
    closed_form: Option<ClosedForm<'_>>,
    opts: &CoefficientOptions,
) -> Result<Coefficients> {
    let _ = (obj, event, closed_form, opts);
    todo!("normal-form helper")
}

/// Agreement of the normal-form prediction with the traced branch near the event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BranchCheck {
    /// What was compared.
    pub description: String,
    /// Points compared: (a, λ on branch, λ predicted).
    pub samples: Vec<(f64, f64, f64)>,
    /// Largest relative deviation |λ_branch − λ_pred| / |λ_branch − λ*|.
    pub max_rel_deviation: f64,
}

/// Compares the normal form (fold parabola λ(a) ≈ λ* − g_aa a²/(2 g_µ)) with the branch points
/// near the event.
pub fn branch_check(coeffs: &Coefficients, event: &Event, branch: &Branch) -> Result<BranchCheck> {
    let _ = (coeffs, event, branch);
    todo!("normal-form helper")
}

//! Lyapunov–Schmidt coefficients at a located event and normal-form classification.
//!
//! At an event (θ*, λ*) with unit kernel vector φ of the symmetric Hessian H, write
//! θ = θ* + aφ + w(a, µ), w ⟂ φ, λ = λ* + µ, and let w solve the range equation
//! (I − φφᵀ)∇L = 0. The reduced equation g(a, µ) = φᵀ∇L(θ* + aφ + w(a, µ), λ* + µ) has
//!
//! * g_µ = φᵀ∂λ∇L (the imperfection: g_µ ≠ 0 makes the event a fold),
//! * g_aµ = φᵀ(∂λH)φ + D³L\[φ, φ, ψ01\], with Hψ01 = −(I − φφᵀ)∂λ∇L, ψ01 ⟂ φ,
//! * g_aa = D³L\[φ³\],
//! * g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\], with Hψ20 = −(I − φφᵀ)D³L\[φ, φ, ·\], ψ20 ⟂ φ.
//!
//! The paper's (26) drops the ψ20 term ("raw" g_aaa = D⁴L\[φ⁴\]); it is exact only when
//! D³L\[φ, φ, ·\] is parallel to φ. Both are reported. The ψ's come from the bordered system
//! \[H φ; φᵀ 0\], which is regular at a simple kernel.
//!
//! [`potential`] holds the paper's reduced-potential slices and polynomial fits (B.2, B.3).

pub mod potential;

pub use potential::{
    fit_polynomial, potential_slices, transversality, PolyBasis, PolyFit, PotentialSlice,
    PotentialSlices, TransversalityFit,
};

use crate::continuation::{Backend, Branch, Event, Hess, Solver};
use crate::derivatives::Objective;
use crate::error::{ensure_finite, ensure_nonnegative, ensure_positive, Error, Result};
use crate::linalg;
use crate::models::two_layer::theory::{ClosedFormCoefficients, Decomposed};
use ndarray::{Array1, ArrayView1};
use serde::{Deserialize, Serialize};

/// The paper's closed forms (25)–(26) as a callback: (θ, λ, φ) ↦ coefficients, e.g.
/// `&|t, l, phi| closed_form_coefficients(&model, t, l, phi)` with
/// [`crate::models::two_layer::theory::directional::closed_form_coefficients`]. An error it returns is returned
/// by [`coefficients`] unchanged.
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
    fn new(formula: Option<Decomposed>, ad: f64, fd: f64, denom: f64) -> Self {
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

/// |num| / den with 0/0 = 0, capped at 1 (den bounds num up to rounding).
fn smallness(num: f64, den: f64) -> f64 {
    let num = num.abs();
    if num == 0.0 {
        0.0
    } else {
        (num / den.max(f64::MIN_POSITIVE)).min(1.0)
    }
}

/// Validated θ*, λ*, unit φ of an event.
pub(crate) fn event_point<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
) -> Result<(Array1<f64>, f64, Array1<f64>)> {
    let n = obj.dim();
    if event.theta.len() != n {
        return Err(Error::shape(
            "event θ*",
            format!("{n} entries (the objective's dimension)"),
            event.theta.len(),
        ));
    }
    if event.kernel.len() != n {
        return Err(Error::shape(
            "event kernel φ",
            format!("{n} entries (the objective's dimension)"),
            event.kernel.len(),
        ));
    }
    ensure_finite("event θ*", event.theta.iter())?;
    ensure_finite("event kernel φ", event.kernel.iter())?;
    if !event.lambda.is_finite() {
        return Err(Error::param(
            "event λ*",
            format!("must be finite, got {}", event.lambda),
        ));
    }
    let phi = Array1::from(event.kernel.clone());
    let nphi = linalg::norm(phi.view());
    if nphi == 0.0 || !nphi.is_finite() {
        return Err(Error::param("event kernel φ", "must be a nonzero vector"));
    }
    Ok((Array1::from(event.theta.clone()), event.lambda, phi / nphi))
}

/// Solves \[H φ; φᵀ 0\]\[ψ; s\] = \[−(I − φφᵀ)r; 0\]: the ψ ⟂ φ with Hψ = −(I − φφᵀ)r.
fn bordered_solve(h: &Hess, phi: &Array1<f64>, r: &Array1<f64>) -> Result<Array1<f64>> {
    let proj = r - &(phi * phi.dot(r));
    let singular = |e: String| {
        Error::Linalg(format!(
            "bordered system [H φ; φᵀ 0] is singular (kernel not simple?): {e}"
        ))
    };
    match h {
        Hess::Dense(h) => {
            let (x, _) =
                linalg::solve_bordered(h.view(), phi.view(), phi.view(), 0.0, (-proj).view(), 0.0)
                    .map_err(|e| singular(e.to_string()))?;
            Ok(x)
        }
        Hess::Free(_) => {
            let n = phi.len();
            let row = crate::continuation::join_theta_lambda(phi.view(), 0.0);
            let rhs = crate::continuation::join_theta_lambda((-proj).view(), 0.0);
            let x = h
                .bordered(phi, row.view())
                .solve(&rhs)
                .map_err(|f| singular(f.at(f64::NAN).to_string()))?;
            Ok(x.slice(ndarray::s![..n]).to_owned())
        }
    }
}

/// Central five-point stencils for f‴(0) and f⁗(0) of f(t) = L(θ + tφ, λ), both O(h²).
fn fd_stencils<O: Objective + ?Sized>(
    obj: &O,
    theta: &Array1<f64>,
    lambda: f64,
    phi: &Array1<f64>,
    h: f64,
) -> (f64, f64) {
    let f = |t: f64| obj.value((theta + &(phi * t)).view(), lambda);
    let (fm2, fm1, f0, fp1, fp2) = (f(-2.0 * h), f(-h), f(0.0), f(h), f(2.0 * h));
    let d3 = (fp2 - 2.0 * fp1 + 2.0 * fm1 - fm2) / (2.0 * h * h * h);
    let d4 = (fp2 - 4.0 * fp1 + 6.0 * f0 - 4.0 * fm1 + fm2) / (h * h * h * h);
    (d3, d4)
}

/// Computes the reduced coefficients at a located event.
///
/// φ is the event's kernel vector, normalised. Costs one Hessian, its full eigendecomposition,
/// two bordered (n + 1) solves, and a few third/fourth directional derivatives.
///
/// Classification (see [`Smallness`] for the ratios, `tol` = [`CoefficientOptions::zero_tol`]):
/// fold if |g_µ|/‖∂λ∇L‖ > tol; otherwise transcritical if the g_aa ratio > tol; otherwise
/// pitchfork if the g_aaa_reduced ratio > tol; otherwise degenerate.
pub fn coefficients<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
    closed_form: Option<ClosedForm<'_>>,
    opts: &CoefficientOptions,
) -> Result<Coefficients> {
    coefficients_with(obj, event, closed_form, opts, Solver::Dense)
}

/// [`coefficients`] with the Hessian systems solved by `solver`: [`Solver::MatrixFree`] forms no
/// n × n matrix (λ1, λ2 by subspace iteration, ψ01 and ψ20 by bordered GMRES, φᵀ∂λHφ from
/// [`Objective::hessian_lambda_vec`]).
pub fn coefficients_with<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
    closed_form: Option<ClosedForm<'_>>,
    opts: &CoefficientOptions,
    solver: Solver,
) -> Result<Coefficients> {
    ensure_nonnegative("zero_tol", opts.zero_tol)?;
    ensure_positive("fd_step", opts.fd_step)?;
    let (theta, lambda, phi) = event_point(obj, event)?;
    let backend = Backend::new(solver, obj.dim());
    let r = raw_derivatives(
        obj,
        &backend,
        (&theta, lambda, &phi),
        closed_form,
        opts.fd_step,
    )?;
    let tv = theta.view();
    let tol = opts.zero_tol;
    let terms_sum = |d: &Option<Decomposed>| {
        d.as_ref()
            .map_or(0.0, |d| d.terms.iter().map(|(_, t)| t.abs()).sum::<f64>())
    };

    let aa_scale = r.d3_phi_phi_norm.max(terms_sum(&r.cf_aa));
    let aaa_scale = r.d4.abs() + 3.0 * r.d3_psi20.abs();
    let small = Smallness {
        g_mu: smallness(r.g_mu, r.grad_lambda_norm),
        g_aa: smallness(r.g_aa_ad, aa_scale),
        g_aaa: smallness(r.g_aaa_reduced, aaa_scale),
        g_amu: smallness(r.g_amu, r.phi_hl_phi.abs() + r.d3_psi01.abs()),
    };
    let aa_zero = small.g_aa <= tol;
    let amu_zero = small.g_amu <= tol;
    let classification = classify(&small, tol);
    let free = backend.kind == Solver::MatrixFree; // Hellmann–Feynman, tangent ⟂ φ (docs)
    let crossing_speed = (classification != Classification::Fold)
        .then(|| crossing_speed(obj, (tv, lambda), &r, &phi, free));

    let g_aa = ThreeWay::new(
        r.cf_aa,
        r.g_aa_ad,
        r.fd3,
        if aa_zero { aa_scale } else { r.g_aa_ad.abs() },
    );
    let raw_scale = r.d4.abs().max(terms_sum(&r.cf_aaa));
    let g_aaa = ThreeWay::new(
        r.cf_aaa,
        r.d4,
        r.fd4,
        if r.d4 != 0.0 { r.d4.abs() } else { raw_scale },
    );

    let ratio_aa_aaa = if r.g_aa_ad == 0.0 {
        0.0
    } else {
        (r.g_aa_ad / r.g_aaa_reduced).abs()
    };

    let criteria = criteria_text(&CriteriaInput {
        tol,
        g_mu: r.g_mu,
        grad_lambda_norm: r.grad_lambda_norm,
        g_aa: r.g_aa_ad,
        aa_scale,
        g_aaa_raw: r.d4,
        g_aaa_reduced: r.g_aaa_reduced,
        aaa_scale,
        g_amu: r.g_amu,
        amu_zero,
        small: &small,
        ratio_aa_aaa,
        classification,
        grad_norm: r.grad_norm,
        lambda1: r.lambda1,
        lambda2: r.lambda2,
        kernel_alignment: r.kernel_alignment,
    });

    Ok(Coefficients {
        lambda_star: lambda,
        lambda1: r.lambda1,
        lambda2: r.lambda2,
        eig_ratio: smallness(r.lambda1, r.lambda2.abs()),
        g_mu: r.g_mu,
        g_amu: r.g_amu,
        crossing_speed,
        g_aa,
        g_aaa,
        g_aaa_reduced: r.g_aaa_reduced,
        ratio_aa_aaa,
        classification,
        criteria,
        g_amu_terms: Decomposed {
            value: r.g_amu,
            terms: vec![
                ("φᵀ∂λHφ".into(), r.phi_hl_phi),
                ("D3L[φ,φ,ψ01]".into(), r.d3_psi01),
            ],
        },
        g_aaa_reduced_terms: Decomposed {
            value: r.g_aaa_reduced,
            terms: vec![
                ("D4L[φ⁴]".into(), r.d4),
                ("3·D3L[φ,φ,ψ20]".into(), 3.0 * r.d3_psi20),
            ],
        },
        smallness: small,
        grad_norm: r.grad_norm,
        grad_lambda_norm: r.grad_lambda_norm,
        d3_phi_phi_norm: r.d3_phi_phi_norm,
        kernel_residual: r.kernel_residual,
        kernel_alignment: r.kernel_alignment,
        phi: phi.to_vec(),
        psi01: r.psi01.to_vec(),
        psi20: r.psi20.to_vec(),
    })
}

/// φᵀ(∂λH + D³L\[ψ01, ·, ·\])φ; matrix-free as φᵀ∂λHφ + D³L\[φ, φ, ψ01\] (the same number,
/// without the n × n directional Hessian).
fn crossing_speed<O: Objective + ?Sized>(
    obj: &O,
    (tv, lambda): (ArrayView1<f64>, f64),
    r: &Raw,
    phi: &Array1<f64>,
    free: bool,
) -> f64 {
    if free {
        r.phi_hl_phi + r.d3_psi01
    } else {
        let dh = obj.hessian_directional(tv, lambda, r.psi01.view());
        r.phi_hl_phi + phi.dot(&dh.dot(phi))
    }
}

/// The raw derivatives at an event, before classification: the two softest eigenvalues,
/// the λ-derivatives with the slaved correction ψ01, the higher a-derivatives with ψ20, the
/// finite-difference stencils and the closed forms.
struct Raw {
    lambda1: f64,
    lambda2: f64,
    kernel_alignment: f64,
    kernel_residual: f64,
    grad_norm: f64,
    grad_lambda_norm: f64,
    g_mu: f64,
    phi_hl_phi: f64,
    psi01: Array1<f64>,
    d3_psi01: f64,
    g_amu: f64,
    g_aa_ad: f64,
    d3_phi_phi_norm: f64,
    d4: f64,
    psi20: Array1<f64>,
    d3_psi20: f64,
    g_aaa_reduced: f64,
    fd3: f64,
    fd4: f64,
    cf_aa: Option<Decomposed>,
    cf_aaa: Option<Decomposed>,
}

/// Computes [`Raw`] at (θ, λ) with kernel vector φ.
fn raw_derivatives<O: Objective + ?Sized>(
    obj: &O,
    backend: &Backend,
    (theta, lambda, phi): (&Array1<f64>, f64, &Array1<f64>),
    closed_form: Option<ClosedForm<'_>>,
    fd_step: f64,
) -> Result<Raw> {
    let n = obj.dim();
    if n < 2 {
        return Err(Error::param(
            "objective dimension",
            "need at least 2 parameters for λ1 and λ2",
        ));
    }
    let tv = theta.view();
    let pv = phi.view();

    // Spectrum: the two eigenvalues of smallest modulus.
    let h = backend.at(obj, tv, lambda);
    let (lambda1, lambda2, kernel_alignment) = match &h {
        Hess::Dense(hd) => {
            let eig = linalg::sym_eigen(hd)?;
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&i, &j| eig.values[i].abs().total_cmp(&eig.values[j].abs()));
            let align = eig.vectors.column(order[0]).dot(phi).abs();
            (eig.values[order[0]], eig.values[order[1]], align)
        }
        Hess::Free(f) => {
            let (mu, v, second) = f.kernel().map_err(|e| Error::Linalg(e.to_string()))?;
            (mu, second, v.dot(phi).abs())
        }
    };
    let kernel_residual = linalg::norm(h.apply(pv).view());
    let grad_norm = linalg::norm(obj.gradient(tv, lambda).view());

    // λ-derivatives.
    let gl = obj.grad_lambda(tv, lambda);
    let grad_lambda_norm = linalg::norm(gl.view());
    let g_mu = phi.dot(&gl);
    let phi_hl_phi = match &h {
        Hess::Dense(_) => phi.dot(&obj.hessian_lambda(tv, lambda).dot(phi)),
        Hess::Free(_) => phi.dot(&obj.hessian_lambda_vec(tv, lambda, pv)),
    };
    let psi01 = bordered_solve(&h, phi, &gl)?;
    let d3pp = obj.d3_vec(tv, lambda, pv);
    let d3_psi01 = d3pp.dot(&psi01);
    let g_amu = phi_hl_phi + d3_psi01;

    // Higher a-derivatives.
    // D³L[φ³] via the objective's own d3 (AD implementations use a separate dual type).
    let g_aa_ad = obj.d3(tv, lambda, pv);
    let d3_phi_phi_norm = linalg::norm(d3pp.view());
    let d4 = obj.d4(tv, lambda, pv);
    let psi20 = bordered_solve(&h, phi, &d3pp)?;
    let d3_psi20 = d3pp.dot(&psi20);
    let g_aaa_reduced = d4 + 3.0 * d3_psi20;

    let (fd3, fd4) = fd_stencils(obj, theta, lambda, phi, fd_step);
    let cf = closed_form.map(|f| f(tv, lambda, pv)).transpose()?;
    let (cf_aa, cf_aaa) = match cf {
        Some(c) => (Some(c.g_aa), Some(c.g_aaa)),
        None => (None, None),
    };
    Ok(Raw {
        lambda1,
        lambda2,
        kernel_alignment,
        kernel_residual,
        grad_norm,
        grad_lambda_norm,
        g_mu,
        phi_hl_phi,
        psi01,
        d3_psi01,
        g_amu,
        g_aa_ad,
        d3_phi_phi_norm,
        d4,
        psi20,
        d3_psi20,
        g_aaa_reduced,
        fd3,
        fd4,
        cf_aa,
        cf_aaa,
    })
}

/// The normal form from the smallness of each coefficient: the first nonzero of g_µ, g_aa,
/// g_aaa decides (a NaN smallness counts as nonzero).
fn classify(small: &Smallness, tol: f64) -> Classification {
    let mu_zero = small.g_mu <= tol;
    let aa_zero = small.g_aa <= tol;
    let aaa_zero = small.g_aaa <= tol;
    if !mu_zero {
        Classification::Fold
    } else if !aa_zero {
        Classification::Transcritical
    } else if !aaa_zero {
        Classification::Pitchfork
    } else {
        Classification::Degenerate
    }
}

struct CriteriaInput<'a> {
    tol: f64,
    g_mu: f64,
    grad_lambda_norm: f64,
    g_aa: f64,
    aa_scale: f64,
    g_aaa_raw: f64,
    g_aaa_reduced: f64,
    aaa_scale: f64,
    g_amu: f64,
    amu_zero: bool,
    small: &'a Smallness,
    ratio_aa_aaa: f64,
    classification: Classification,
    grad_norm: f64,
    lambda1: f64,
    lambda2: f64,
    kernel_alignment: f64,
}

fn cmp(ratio: f64, tol: f64) -> &'static str {
    if ratio > tol {
        "> tol: nonzero"
    } else {
        "≤ tol: zero"
    }
}

fn criteria_text(c: &CriteriaInput<'_>) -> String {
    let mut s = format!(
        "zero means |coefficient|/scale ≤ tol = {:.1e}.\n\
         imperfection: g_µ = {:.6e}, ‖∂λ∇L‖ = {:.6e}, ratio {:.3e} ({}).\n\
         quadratic: g_aa = {:.6e}, scale max(‖D3L[φ,φ,·]‖, Σ|terms|) = {:.6e}, ratio {:.3e} ({}).\n\
         cubic: g_aaa (reduced) = {:.6e} (raw D4L[φ⁴] = {:.6e}), scale {:.6e}, ratio {:.3e} ({}).\n\
         transversality: g_aµ = {:.6e}, ratio {:.3e} ({}).\n\
         |g_aa/g_aaa| = {:.3e}: the quadratic term dominates the cubic for |a| < 3|g_aa/g_aaa| = {:.3e}.\n\
         point: ‖∇L‖ = {:.3e}, λ1 = {:.6e}, λ2 = {:.6e}, |λ1/λ2| = {:.3e}, |φᵀu1| = {:.12}.\n",
        c.tol,
        c.g_mu,
        c.grad_lambda_norm,
        c.small.g_mu,
        cmp(c.small.g_mu, c.tol),
        c.g_aa,
        c.aa_scale,
        c.small.g_aa,
        cmp(c.small.g_aa, c.tol),
        c.g_aaa_reduced,
        c.g_aaa_raw,
        c.aaa_scale,
        c.small.g_aaa,
        cmp(c.small.g_aaa, c.tol),
        c.g_amu,
        c.small.g_amu,
        cmp(c.small.g_amu, c.tol),
        c.ratio_aa_aaa,
        3.0 * c.ratio_aa_aaa,
        c.grad_norm,
        c.lambda1,
        c.lambda2,
        smallness(c.lambda1, c.lambda2.abs()),
        c.kernel_alignment,
    );
    let verdict = match c.classification {
        Classification::Fold => {
            let mut v = String::from(
                "verdict: fold (g_µ ≠ 0): the branch turns back at λ*; it does not persist \
                 through a branch point.",
            );
            if c.small.g_aa <= c.tol {
                v.push_str(
                    " g_aa is also zero: degenerate fold (cusp-like), the parabola λ(a) fails.",
                );
            }
            v.push_str(&format!(
                " Distance from a pitchfork (g_µ = g_aa = 0): imperfection ratio {:.3e}, \
                 quadratic ratio {:.3e}, |g_aa/g_aaa| = {:.3e}.",
                c.small.g_mu, c.small.g_aa, c.ratio_aa_aaa
            ));
            v
        }
        Classification::Transcritical => "verdict: transcritical (g_µ = 0, g_aa ≠ 0).".to_string(),
        Classification::Pitchfork => "verdict: pitchfork (g_µ = g_aa = 0, g_aaa ≠ 0).".to_string(),
        Classification::Degenerate => {
            "verdict: degenerate (g_µ = g_aa = g_aaa = 0 at this tolerance).".to_string()
        }
    };
    s.push_str(&verdict);
    if c.amu_zero && c.classification != Classification::Fold {
        s.push_str(" Warning: g_aµ = 0, the transversality condition fails.");
    }
    s
}

/// Options of [`branch_check_with`].
///
/// ```
/// let o = actbif::normal_form::BranchCheckOptions::default();
/// assert_eq!(o.max_abs_a, None);
/// assert_eq!(o.min_abs_dlambda, 1e-8);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BranchCheckOptions {
    /// Only points with |a| ≤ this are compared. `None`: 0.1/r with r the rate at which the
    /// neglected terms grow (r = max(|g_aµ/g_µ|, |g_aaa/(3g_aa)|) for a fold,
    /// |g_aaa/(3g_aa)| for a transcritical point); no limit when r = 0 (pitchfork).
    pub max_abs_a: Option<f64>,
    /// Points with |λ − λ*| ≤ this · max(1, |λ*|) are skipped: there the relative deviation is
    /// dominated by the location error of λ*.
    pub min_abs_dlambda: f64,
}

impl Default for BranchCheckOptions {
    fn default() -> Self {
        BranchCheckOptions {
            max_abs_a: None,
            min_abs_dlambda: 1e-8,
        }
    }
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
    /// Least-squares slope p of log(relative deviation) against log|a|: the deviation shrinks
    /// like |a|^p (p ≈ 1 generically, ≈ 2 for a Z2 pitchfork). `None` with < 2 usable samples.
    pub order_estimate: Option<f64>,
    /// The |a| window used.
    pub max_abs_a: f64,
}

/// Compares the normal form (fold parabola λ(a) ≈ λ* − g_aa a²/(2 g_µ)) with the branch points
/// near the event, with default [`BranchCheckOptions`].
pub fn branch_check(coeffs: &Coefficients, event: &Event, branch: &Branch) -> Result<BranchCheck> {
    branch_check_with(coeffs, event, branch, &BranchCheckOptions::default())
}

/// Compares the normal-form prediction λ(a) with branch points (a = φᵀ(θ − θ*)).
///
/// * Fold: `branch` is the traced branch; λ(a) = λ* − g_aa a²/(2g_µ).
/// * Transcritical: `branch` is the bifurcating (branch-switched) trace;
///   λ(a) = λ* − g_aa a/(2g_aµ).
/// * Pitchfork: `branch` is a bifurcating trace; λ(a) = λ* − g_aaa a²/(6g_aµ) with the reduced
///   g_aaa.
///
/// The branch-point predictions assume the other branch through the event has tangent ⟂ φ
/// (g_µµ = 0, as for the paper's straightened trivial branch or a symmetric one).
/// Samples are the contiguous run of branch points around the one nearest (θ*, λ*) with
/// |a| ≤ `max_abs_a`.
pub fn branch_check_with(
    coeffs: &Coefficients,
    event: &Event,
    branch: &Branch,
    opts: &BranchCheckOptions,
) -> Result<BranchCheck> {
    validate_branch_check(coeffs, event, branch, opts)?;
    let ls = coeffs.lambda_star;
    let c = coeffs;
    let (description, rate, predict) = prediction(c)?;
    let max_abs_a = match opts.max_abs_a {
        Some(a) => a,
        None if rate > 0.0 => 0.1 / rate,
        None => f64::INFINITY,
    };

    let theta_star = Array1::from(event.theta.clone());
    let phi = Array1::from(c.phi.clone());
    let a_of: Vec<f64> = branch
        .points
        .iter()
        .map(|p| phi.dot(&(&p.theta - &theta_star)))
        .collect();
    let dist = |i: usize| {
        let p = &branch.points[i];
        linalg::norm((&p.theta - &theta_star).view()) + (p.lambda - ls).abs()
    };
    let i0 = (0..branch.points.len())
        .min_by(|&i, &j| dist(i).total_cmp(&dist(j)))
        .expect("non-empty");
    let mut lo = i0;
    while lo > 0 && a_of[lo - 1].abs() <= max_abs_a {
        lo -= 1;
    }
    let mut hi = i0;
    while hi + 1 < a_of.len() && a_of[hi + 1].abs() <= max_abs_a {
        hi += 1;
    }
    let floor = opts.min_abs_dlambda * ls.abs().max(1.0);
    let mut samples = Vec::new();
    let mut max_rel = 0.0f64;
    let mut logs = Vec::new();
    for (&a, p) in a_of[lo..=hi].iter().zip(&branch.points[lo..=hi]) {
        let lb = p.lambda;
        if a.abs() > max_abs_a || (lb - ls).abs() <= floor {
            continue;
        }
        let lp = predict(a);
        let rel = (lb - lp).abs() / (lb - ls).abs();
        max_rel = max_rel.max(rel);
        samples.push((a, lb, lp));
        if rel > 0.0 && a != 0.0 {
            logs.push((a.abs().ln(), rel.ln()));
        }
    }
    if samples.is_empty() {
        return Err(Error::param(
            "branch",
            format!(
                "no branch point with {floor:.1e} < |λ − λ*| and |a| ≤ {max_abs_a:.3e} near the event"
            ),
        ));
    }
    let order_estimate = slope(&logs);
    Ok(BranchCheck {
        description,
        samples,
        max_rel_deviation: max_rel,
        order_estimate,
        max_abs_a,
    })
}

/// Checks that the event, the branch and the options fit the coefficients.
fn validate_branch_check(
    coeffs: &Coefficients,
    event: &Event,
    branch: &Branch,
    opts: &BranchCheckOptions,
) -> Result<()> {
    let n = coeffs.phi.len();
    if event.theta.len() != n {
        return Err(Error::shape(
            "event θ*",
            format!("{n} entries (as the coefficients' φ)"),
            event.theta.len(),
        ));
    }
    if let Some(a) = opts.max_abs_a {
        ensure_positive("max_abs_a", a)?;
    }
    ensure_nonnegative("min_abs_dlambda", opts.min_abs_dlambda)?;
    if branch.points.is_empty() {
        return Err(Error::param("branch", "has no points"));
    }
    if let Some(i) = branch.points.iter().position(|p| p.theta.len() != n) {
        return Err(Error::shape(
            "branch point θ (θ is not stored in JSON; pass an in-memory branch)",
            n,
            format!("{} at point {i}", branch.points[i].theta.len()),
        ));
    }
    Ok(())
}

/// (description, rate, λ(a)) of [`prediction`].
type Prediction = (String, f64, Box<dyn Fn(f64) -> f64>);

/// The normal form's prediction λ(a) near the event with its description and the rate that
/// sets the default window (|a| ≤ 0.1/rate); a degenerate event has none.
fn prediction(c: &Coefficients) -> Result<Prediction> {
    let ls = c.lambda_star;
    let g_aaa = c.g_aaa_reduced;
    let g_aa = c.g_aa.ad;
    let (g_mu, g_amu) = (c.g_mu, c.g_amu);
    let safe = |x: f64| if x.is_finite() { x.abs() } else { 0.0 };
    Ok(match c.classification {
        Classification::Fold => (
            format!(
                "fold: traced branch vs parabola λ(a) = λ* − g_aa a²/(2g_µ), \
                     g_aa = {g_aa:.6e}, g_µ = {:.6e}",
                c.g_mu
            ),
            safe(c.g_amu / c.g_mu).max(safe(g_aaa / (3.0 * g_aa))),
            Box::new(move |a| ls - g_aa * a * a / (2.0 * g_mu)),
        ),
        Classification::Transcritical => (
            format!(
                "transcritical: bifurcating trace vs line λ(a) = λ* − g_aa a/(2g_aµ), \
                     g_aa = {g_aa:.6e}, g_aµ = {:.6e} (assumes the other branch ⟂ φ)",
                c.g_amu
            ),
            safe(g_aaa / (3.0 * g_aa)),
            Box::new(move |a| ls - g_aa * a / (2.0 * g_amu)),
        ),
        Classification::Pitchfork => (
            format!(
                "pitchfork: bifurcating trace vs parabola λ(a) = λ* − g_aaa a²/(6g_aµ), \
                     reduced g_aaa = {g_aaa:.6e}, g_aµ = {:.6e} (assumes the other branch ⟂ φ)",
                c.g_amu
            ),
            0.0,
            Box::new(move |a| ls - g_aaa * a * a / (6.0 * g_amu)),
        ),
        Classification::Degenerate => {
            return Err(Error::param(
                "coefficients",
                "degenerate event: no normal form to compare with",
            ))
        }
    })
}

/// Least-squares slope of y against x; `None` if fewer than two distinct x.
fn slope(xy: &[(f64, f64)]) -> Option<f64> {
    if xy.len() < 2 {
        return None;
    }
    let k = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / k;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 0.0 {
        None
    } else {
        Some(sxy / sxx)
    }
}

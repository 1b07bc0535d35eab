//! The raw derivatives at an event before classification: the validated event point, the
//! spectrum, the λ- and a-derivatives (AD), the bordered solves for ψ01 and ψ20 (dense or
//! matrix-free), the finite-difference stencils, the closed forms and the crossing speed.

use super::types::ClosedForm;
use crate::continuation::{Backend, Event, Hess};
use crate::derivatives::Objective;
use crate::error::{ensure_finite, Error, Result};
use crate::linalg;
use crate::models::two_layer::theory::Decomposed;
use ndarray::{Array1, ArrayView1};

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
    h.solve_with_kernel(phi, &(-proj))
        .map_err(|e| singular(e.to_string()))
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

/// The raw derivatives at an event, before classification: the two softest eigenvalues,
/// the λ-derivatives with the slaved correction ψ01, the higher a-derivatives with ψ20, the
/// finite-difference stencils and the closed forms.
pub(super) struct Raw {
    pub(super) lambda1: f64,
    pub(super) lambda2: f64,
    pub(super) kernel_alignment: f64,
    pub(super) kernel_residual: f64,
    pub(super) grad_norm: f64,
    pub(super) grad_lambda_norm: f64,
    pub(super) g_mu: f64,
    pub(super) phi_hl_phi: f64,
    pub(super) psi01: Array1<f64>,
    pub(super) d3_psi01: f64,
    pub(super) g_amu: f64,
    pub(super) g_aa_ad: f64,
    pub(super) d3_phi_phi_norm: f64,
    pub(super) d4: f64,
    pub(super) psi20: Array1<f64>,
    pub(super) d3_psi20: f64,
    pub(super) g_aaa_reduced: f64,
    pub(super) fd3: f64,
    pub(super) fd4: f64,
    pub(super) cf_aa: Option<Decomposed>,
    pub(super) cf_aaa: Option<Decomposed>,
}

/// Computes [`Raw`] at (θ, λ) with kernel vector φ.
pub(super) fn raw_derivatives<O: Objective + ?Sized>(
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
    let (lambda1, lambda2, v) = h.softest_two().map_err(|e| Error::Linalg(e.to_string()))?;
    let kernel_alignment = v.dot(phi).abs();
    let kernel_residual = linalg::norm(h.apply(pv).view());
    let grad_norm = linalg::norm(obj.gradient(tv, lambda).view());

    // λ-derivatives.
    let gl = obj.grad_lambda(tv, lambda);
    let grad_lambda_norm = linalg::norm(gl.view());
    let g_mu = phi.dot(&gl);
    let phi_hl_phi = h.phi_hl_phi(obj, tv, lambda, pv);
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

/// φᵀ(∂λH + D³L\[ψ01, ·, ·\])φ; matrix-free as φᵀ∂λHφ + D³L\[φ, φ, ψ01\] (the same number,
/// without the n × n directional Hessian).
pub(super) fn crossing_speed<O: Objective + ?Sized>(
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

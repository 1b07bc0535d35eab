//! [`coefficients`] and [`coefficients_with`]: the raw derivatives at an event assembled into
//! [`Coefficients`] with their smallness ratios, three-way checks and classification.

use super::classify::{classify, criteria_text, smallness, CriteriaInput};
use super::raw::{crossing_speed, event_point, raw_derivatives, Raw};
use super::types::{
    Classification, ClosedForm, CoefficientOptions, Coefficients, Smallness, ThreeWay,
};
use crate::continuation::{Backend, Event, Solver};
use crate::derivatives::Objective;
use crate::error::{ensure_nonnegative, ensure_positive, Result};
use crate::models::two_layer::theory::Decomposed;

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

    let ratio_aa_aaa = if r.g_aa_ad == 0.0 {
        0.0
    } else {
        (r.g_aa_ad / r.g_aaa_reduced).abs()
    };

    let criteria = criteria_of(
        &r,
        &small,
        (tol, aa_scale, aaa_scale),
        amu_zero,
        ratio_aa_aaa,
        classification,
    );
    let (g_amu_terms, g_aaa_reduced_terms) = (g_amu_terms(&r), g_aaa_reduced_terms(&r));

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
        g_amu_terms,
        g_aaa_reduced_terms,
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

/// The classification's criteria text for the raw derivatives `r` with their smallness ratios,
/// the zero tolerance and the g_aa, g_aaa scales `(tol, aa_scale, aaa_scale)`.
fn criteria_of(
    r: &Raw,
    small: &Smallness,
    (tol, aa_scale, aaa_scale): (f64, f64, f64),
    amu_zero: bool,
    ratio_aa_aaa: f64,
    classification: Classification,
) -> String {
    criteria_text(&CriteriaInput {
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
        small,
        ratio_aa_aaa,
        classification,
        grad_norm: r.grad_norm,
        lambda1: r.lambda1,
        lambda2: r.lambda2,
        kernel_alignment: r.kernel_alignment,
    })
}

/// g_aµ = φᵀ∂λHφ + D3L[φ,φ,ψ01] with its terms.
fn g_amu_terms(r: &Raw) -> Decomposed {
    Decomposed {
        value: r.g_amu,
        terms: vec![
            ("φᵀ∂λHφ".into(), r.phi_hl_phi),
            ("D3L[φ,φ,ψ01]".into(), r.d3_psi01),
        ],
    }
}

/// g_aaa reduced = D4L[φ⁴] + 3·D3L[φ,φ,ψ20] with its terms.
fn g_aaa_reduced_terms(r: &Raw) -> Decomposed {
    Decomposed {
        value: r.g_aaa_reduced,
        terms: vec![
            ("D4L[φ⁴]".into(), r.d4),
            ("3·D3L[φ,φ,ψ20]".into(), 3.0 * r.d3_psi20),
        ],
    }
}

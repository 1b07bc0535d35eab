//! λ1′(0) at the linear endpoint as the experiments report it, and the width fit K/m + K2/m².

use crate::activation::Activation;
use crate::derivatives::Objective;
use crate::error::Result;
use crate::models::two_layer::TwoLayer;
use ndarray::ArrayView1;
use serde::Serialize;

/// λ1′(0) at the linear endpoint, exactly and by the paper's formulas (a summary of
/// `theory::linear_endpoint::EndpointSlope` without its vectors, plus λ1(0) at the polished
/// start point).
#[derive(Clone, Debug, Serialize)]
pub struct EndpointReport {
    /// λ1(0): smallest exact Hessian eigenvalue at the start point (= α by Thm 7.6(i)).
    pub lambda1_at_0: f64,
    /// Dimension (m − 1)d of the flat space {vᵀδW = 0}.
    pub flat_dim: usize,
    /// Exact λ1′(0) by degenerate perturbation theory (smallest eigenvalue of Qᵀ(dH/dλ)Q).
    pub exact: f64,
    /// The largest splitting rate (spread of the α-cluster's first-order slopes).
    pub exact_max: f64,
    /// ‖H0,α u0 − αu0‖/α (checks that u0 lies in the α-eigenspace).
    pub eigenspace_residual: f64,
    /// u0ᵀ(∂λH)u0 in closed form: Gauss–Newton term (0 on the flat space) + residual term.
    pub closed_form: crate::models::two_layer::theory::Decomposed,
    /// The paper's (22) at the exact u0 ((18) with (22)'s sign for non-tanh σ).
    pub paper_22: f64,
    /// The paper's (18) at u0.
    pub paper_18: f64,
    /// Remark 7.8's polynomial approximation at u0.
    pub remark_7_8: f64,
    /// First-order prediction λ* ≈ α/|λ1′(0)| (∞ when λ1′(0) ≥ 0).
    pub lambda_star_first_order: f64,
    /// The same from the paper's (22).
    pub lambda_star_first_order_paper: f64,
}

/// λ1′(0) by `theory::linear_endpoint::lambda1_prime`, with λ1(0) at `theta0`.
pub fn endpoint_slope<A: Activation>(
    model: &TwoLayer<A>,
    theta0: ArrayView1<f64>,
) -> Result<EndpointReport> {
    use crate::models::two_layer::theory::linear_endpoint::{
        first_order_lambda_star, lambda1_prime,
    };
    let s = lambda1_prime(model)?;
    let lambda1_at_0 = crate::linalg::sym_eigenvalues(&model.hessian(theta0, 0.0))?[0];
    let paper_22 = s.paper.eq22.unwrap_or(s.paper.eq18);
    let inf = |x: Option<f64>| x.unwrap_or(f64::INFINITY);
    Ok(EndpointReport {
        lambda1_at_0,
        flat_dim: s.splitting_rates.len(),
        exact: s.lambda1_prime,
        exact_max: s.splitting_rates.last().copied().unwrap_or(f64::NAN),
        eigenspace_residual: s.eigenspace_residual,
        closed_form: s.closed_form,
        paper_22,
        paper_18: s.paper.eq18,
        remark_7_8: s.paper.remark_7_8,
        lambda_star_first_order: inf(s.lambda_star_first_order),
        lambda_star_first_order_paper: inf(first_order_lambda_star(model.alpha(), paper_22)),
    })
}

/// The width fit λ1′(0) = K/m + K2/m² (`theory::linear_endpoint::fit_width_constant`).
#[derive(Clone, Debug, Serialize)]
pub struct WidthFit {
    /// K.
    pub k: f64,
    /// K2.
    pub k2: f64,
    /// Widths used.
    pub widths: Vec<usize>,
    /// Critical width m* = |K|/α where the first-order λ* reaches 1.
    pub critical_width: f64,
}

/// Fits λ1′(0) = K/m + K2/m² over the given widths.
pub fn width_fit(widths: &[usize], slopes: &[f64], alpha: f64) -> Result<WidthFit> {
    let pts: Vec<(usize, f64)> = widths.iter().copied().zip(slopes.iter().copied()).collect();
    let (k, k2) = crate::models::two_layer::theory::linear_endpoint::fit_width_constant(&pts)?;
    Ok(WidthFit {
        k,
        k2,
        widths: widths.to_vec(),
        critical_width: k.abs() / alpha,
    })
}

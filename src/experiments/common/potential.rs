//! The reduced potential ϕ(a) = L(θ + aφ, λ) − L(θ, λ) along a line and its polynomial fit.

use super::linspace;
use crate::derivatives::Objective;
use crate::error::Result;
use crate::linalg::poly_fit;
use ndarray::ArrayView1;
use serde::Serialize;

/// ϕ(a) = L(θ + aφ, λ) − L(θ, λ) on the grid `a`.
pub fn reduced_potential<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    phi: ArrayView1<f64>,
    lambda: f64,
    a: &[f64],
) -> Vec<f64> {
    let l0 = obj.value(theta, lambda);
    a.iter()
        .map(|&ai| {
            let t = &theta + &(&phi * ai);
            obj.value(t.view(), lambda) - l0
        })
        .collect()
}

/// A fit of ϕ(a) by a polynomial with its Taylor reference c3 = g_aa/6, c4 = g_aaa/24.
#[derive(Clone, Debug, Serialize)]
pub struct PotentialFit {
    /// Half-width A of the symmetric fit window [−A, A].
    pub half_width: f64,
    /// Fit degree.
    pub degree: usize,
    /// Coefficients c0..c_degree.
    pub coefficients: Vec<f64>,
    /// |c3/c4| (the paper's symmetry ratio).
    pub ratio_c3_c4: f64,
}

/// Fits ϕ on a symmetric grid of `n` points in [−A, A].
pub fn fit_potential<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    phi: ArrayView1<f64>,
    lambda: f64,
    half_width: f64,
    n: usize,
    degree: usize,
) -> Result<(Vec<f64>, Vec<f64>, PotentialFit)> {
    let a = linspace(-half_width, half_width, n);
    let y = reduced_potential(obj, theta, phi, lambda, &a);
    let c = poly_fit(&a, &y, degree)?;
    let ratio = if degree >= 4 {
        (c[3] / c[4]).abs()
    } else {
        f64::NAN
    };
    Ok((
        a,
        y,
        PotentialFit {
            half_width,
            degree,
            coefficients: c,
            ratio_c3_c4: ratio,
        },
    ))
}

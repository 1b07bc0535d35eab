//! The Hessian eigenvalue nearest zero, which the codim-2 point records report.

use crate::derivatives::Objective;
use crate::linalg::sym_eigenvalues;
use ndarray::ArrayView1;

/// The nearest-zero entry of a spectrum (NaN if empty).
pub(super) fn nearest_zero(eigs: &[f64]) -> f64 {
    eigs.iter().copied().fold(f64::NAN, |m, v| {
        if m.is_nan() || v.abs() < m.abs() {
            v
        } else {
            m
        }
    })
}

/// The Hessian eigenvalue nearest zero at (θ, λ) (dense; NaN if the eigensolver fails).
pub(super) fn nearest_zero_eigenvalue<O: Objective>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
) -> f64 {
    sym_eigenvalues(&obj.hessian(theta, lambda))
        .map(|e| nearest_zero(&e.to_vec()))
        .unwrap_or(f64::NAN)
}

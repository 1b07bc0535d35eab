//! Plain gradient descent θ ← θ − η∇L(θ, λ): the explicit-Euler discretisation of gradient
//! flow θ̇ = −∇L, with its step η stated in every result.

use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::sym_eigenvalues;
use ndarray::{Array1, ArrayView1};

/// Fraction of the stability limit 2/µ_max used as the default step: η = STEP_FRACTION/µ_max
/// keeps every mode monotone (|1 − ηµ| < 1 with no sign flip) and resolves the slow dynamics
/// as gradient flow (ηµ1 ≪ 1 for the soft mode).
pub const STEP_FRACTION: f64 = 1.0;

/// The default descent step 1/µ_max at (θ, λ) (dense Hessian spectrum; fine for n ≤ a few hundred).
pub fn default_step<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
) -> Result<f64> {
    let ev = sym_eigenvalues(&obj.hessian(theta, lambda))?;
    let top = ev[ev.len() - 1];
    if !(top > 0.0 && top.is_finite()) {
        return Err(Error::param(
            "descent step",
            format!("the largest Hessian eigenvalue is {top}: no stable step exists"),
        ));
    }
    Ok(STEP_FRACTION / top)
}

/// Runs `steps` descent steps from `theta` (in place), calling `observe(k, θ_k)` after step k
/// (k = 1..=steps); `observe` returning false stops early. Returns the steps taken.
pub fn descend<O: Objective + ?Sized>(
    obj: &O,
    theta: &mut Array1<f64>,
    lambda: f64,
    eta: f64,
    steps: usize,
    mut observe: impl FnMut(usize, &Array1<f64>) -> bool,
) -> usize {
    for k in 1..=steps {
        let g = obj.gradient(theta.view(), lambda);
        theta.scaled_add(-eta, &g);
        if !observe(k, theta) {
            return k;
        }
    }
    steps
}

/// Ordinary least squares y = a + b x with the standard error of b (n − 2 degrees of freedom).
/// Returns (a, b, se_b).
pub fn ols_with_se(x: &[f64], y: &[f64]) -> Result<(f64, f64, f64)> {
    let n = x.len();
    if n != y.len() || n < 3 {
        return Err(Error::param(
            "fit",
            format!("need ≥ 3 paired points, got {} and {}", x.len(), y.len()),
        ));
    }
    let nf = n as f64;
    let mx = x.iter().sum::<f64>() / nf;
    let my = y.iter().sum::<f64>() / nf;
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return Err(Error::param("fit", "abscissae are all equal"));
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let b = sxy / sxx;
    let a = my - b * mx;
    let rss: f64 = x.iter().zip(y).map(|(u, v)| (v - a - b * u).powi(2)).sum();
    let se = (rss / (nf - 2.0) / sxx).sqrt();
    Ok((a, b, se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_recovers_a_line_and_its_standard_error_vanishes() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y: Vec<f64> = x.iter().map(|v| 0.5 - 2.0 * v).collect();
        let (a, b, se) = ols_with_se(&x, &y).unwrap();
        assert!((a - 0.5).abs() < 1e-14 && (b + 2.0).abs() < 1e-14 && se < 1e-14);
    }

    #[test]
    fn ols_standard_error_matches_a_hand_computation() {
        // x̄ = ȳ = 2.5, Sxx = Sxy = 5 → b = 1, a = 0; residuals ±1 → RSS = 4, se = √(4/2/5).
        let (a, b, se) = ols_with_se(&[1.0, 2.0, 3.0, 4.0], &[2.0, 1.0, 2.0, 5.0]).unwrap();
        assert!(a.abs() < 1e-14 && (b - 1.0).abs() < 1e-14);
        assert!((se - 0.4f64.sqrt()).abs() < 1e-14);
    }
}

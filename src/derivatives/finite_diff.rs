//! Finite-difference baselines (the paper's method): forward-difference Hessian of the
//! analytic gradient (ε = 1e-5), central differences, and the third/fourth-order stencils.
//! For comparison and benchmarking only.

/// The paper's forward-difference step ε = 1e-5.
pub const PAPER_FD_STEP: f64 = 1e-5;

use super::Objective;
use ndarray::{Array2, ArrayView1};

/// The paper's Hessian: forward differences of the analytic gradient with step `eps`,
/// symmetrised, H_{:,k} ≈ (∇L(θ + ε e_k) − ∇L(θ))/ε. Costs n + 1 gradient evaluations.
pub fn forward_hessian<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    eps: f64,
) -> Array2<f64> {
    let n = obj.dim();
    let g0 = obj.gradient(theta, lambda);
    let mut h = Array2::zeros((n, n));
    let mut t = theta.to_owned();
    for k in 0..n {
        let orig = t[k];
        t[k] = orig + eps;
        let g = obj.gradient(t.view(), lambda);
        t[k] = orig;
        h.column_mut(k).assign(&((g - &g0) / eps));
    }
    let ht = h.t().to_owned();
    (h + ht) * 0.5
}

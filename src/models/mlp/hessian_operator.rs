//! The MLP Hessian at one point as a [`HessianOperator`] for the matrix-free continuation
//! (one trained layer, α > 0): products H·u by forward-over-reverse, and as "preconditioner" an
//! inner GMRES solve of H x = r preconditioned by the Gauss–Newton Woodbury inverse
//! ([`super::gauss_newton`]).
//!
//! Why an inner solve rather than P⁻¹ itself: H = P + (curvature part), and at λ = 0 the
//! n − rank(J) eigenvalues of H nearest zero all sit at α (a cluster P cannot split: P = αI
//! there). The engine uses the preconditioner also as the inverse of its shift-invert
//! eigensolver, which with P⁻¹ alone would iterate on P's spectrum, not H's. The inner solve
//! makes it H⁻¹ to [`INNER_TOL`]; P only makes that solve cheap (the iteration count no longer
//! grows with the large Gauss–Newton eigenvalues). No exact inertia: the engine then certifies
//! the Morse index only while some of its k smallest eigenvalues are positive.

use super::gauss_newton::GaussNewton;
use super::Mlp;
use crate::activation::Activation;
use crate::derivatives::Objective;
use crate::linalg::krylov::{gmres, HessianOperator, KRYLOV_MAX_ITERS};
use ndarray::{Array1, ArrayView1};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Relative residual of the inner solve: below the engine's outer Krylov tolerance (1e-10) so
/// that the outer GMRES converges in one or two iterations.
pub const INNER_TOL: f64 = 1e-11;

/// The MLP Hessian at (θ, λ) with a Gauss–Newton-preconditioned inverse.
pub struct MlpHessian<A: Activation> {
    model: Arc<Mlp<A>>,
    theta: Array1<f64>,
    lambda: f64,
    gn: GaussNewton,
    inner_iters: AtomicUsize,
    inner_solves: AtomicUsize,
}

impl<A: Activation + Clone + 'static> MlpHessian<A> {
    /// At (θ, λ); `None` when [`Mlp::gauss_newton`] has no preconditioner (several trained
    /// layers, α = 0).
    pub fn new(model: Arc<Mlp<A>>, theta: ArrayView1<f64>, lambda: f64) -> Option<Self> {
        let gn = model.gauss_newton(theta, lambda)?;
        Some(MlpHessian {
            model,
            theta: theta.to_owned(),
            lambda,
            gn,
            inner_iters: AtomicUsize::new(0),
            inner_solves: AtomicUsize::new(0),
        })
    }
    /// The Gauss–Newton part.
    pub fn gauss_newton(&self) -> &GaussNewton {
        &self.gn
    }
    /// (inner solves, inner GMRES iterations) so far.
    pub fn inner_counts(&self) -> (usize, usize) {
        (
            self.inner_solves.load(Ordering::Relaxed),
            self.inner_iters.load(Ordering::Relaxed),
        )
    }
    /// H x = r by GMRES with the Gauss–Newton preconditioner to relative residual `tol`.
    pub fn solve(
        &self,
        r: &Array1<f64>,
        tol: f64,
        max_iters: usize,
    ) -> std::result::Result<
        crate::linalg::krylov::KrylovSolution,
        crate::linalg::krylov::KrylovFailure,
    > {
        let a = |u: ArrayView1<f64>| self.apply(u);
        let m = |u: ArrayView1<f64>| self.gn.solve(u);
        let s = gmres(&a, &m, r, None, tol, max_iters);
        self.inner_solves.fetch_add(1, Ordering::Relaxed);
        if let Ok(s) = &s {
            self.inner_iters.fetch_add(s.iters, Ordering::Relaxed);
        }
        s
    }
}

impl<A: Activation + Clone + 'static> HessianOperator for MlpHessian<A> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        self.model.hessian_vec(self.theta.view(), self.lambda, u)
    }
    /// H⁻¹ r to [`INNER_TOL`]; P⁻¹ r if the inner solve misses it (still a preconditioner:
    /// the outer Krylov method then iterates more, or reports its own failure).
    fn precondition(&self, r: ArrayView1<f64>) -> Option<Array1<f64>> {
        let x = match self.solve(&r.to_owned(), INNER_TOL, KRYLOV_MAX_ITERS) {
            Ok(s) => s.x,
            Err(_) => self.gn.solve(r),
        };
        x.iter().all(|v| v.is_finite()).then_some(x)
    }
    fn has_preconditioner(&self) -> bool {
        true
    }
}

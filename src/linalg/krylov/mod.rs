//! Matrix-free Krylov solvers for the continuation engine's large-n path, written by hand
//! because `faer::operator` (0.24) offers CG, BiCGSTAB, LSMR and Krylov–Schur but neither
//! MINRES (symmetric indefinite H) nor GMRES (the non-symmetric bordered systems):
//!
//! * [`gmres`]: restarted, right-preconditioned GMRES (bordered PALC / fold systems);
//! * [`minres`]: MINRES (Paige–Saunders) for symmetric, possibly indefinite operators;
//! * [`block_lanczos`]: thick-restart block Lanczos (extreme eigenvalues of a shift-inverted
//!   Hessian, multiplicities resolved up to the block size);
//! * [`lobpcg`]: block LOBPCG with an SPD preconditioner (the smallest eigenpairs of operators
//!   without an exact inverse);
//! * [`nearest_zero_pairs`]: block subspace iteration on an inverse operator with
//!   Rayleigh–Ritz on the operator itself (the eigenpairs nearest zero);
//! * [`HessianOperator`]: what a model offers beyond H·u (a preconditioner, exact inertia).
//!
//! A solve that misses its tolerance is a typed [`KrylovFailure`], never a silent result.

mod gmres;
mod lanczos;
mod lobpcg;
mod minres;
mod subspace;

pub use gmres::{gmres, gmres_backward};
pub use lanczos::{block_lanczos, BlockMap, LanczosOptions, LanczosPairs, Which};
pub use lobpcg::{lobpcg, LobpcgOptions, LobpcgPairs};
pub use minres::minres;
pub use subspace::{largest_abs_estimate, nearest_zero_pairs, smallest_pairs, RitzPairs};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Relative residual ‖b − A x‖ ≤ tol·‖b‖ asked of the engine's Krylov solves: Newton on the
/// PALC system contracts by about this factor per inexact step (far below the factor 4 that
/// triggers a refresh), and it stays above the rounding floor ε·κ ≈ 1e-16·1e4 of the bordered
/// systems, which are well conditioned even at folds. The continuation's bordered solves also
/// accept a normwise backward error ≤ this ([`gmres_backward`]): a Newton correction along a
/// fold's near-kernel is far larger than ‖b‖/‖A‖, and its computed residual cannot drop below
/// ≈ ε·‖A‖·‖x‖ (measured 2e-10·‖b‖ at m = 100, α = 5e-4).
pub const KRYLOV_TOL: f64 = 1e-10;

/// Iterations allowed per Krylov solve (GMRES/MINRES): with the structured preconditioner the
/// engine's solves take 1–4; without one (generic objectives) the count grows like √κ(H).
pub const KRYLOV_MAX_ITERS: usize = 300;

/// A Krylov method that did not reach its tolerance.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{method} did not converge in {iters} iterations (relative residual {residual:.3e} > {tol:.1e})")]
pub struct KrylovFailure {
    /// The method.
    pub method: &'static str,
    /// Iterations performed.
    pub iters: usize,
    /// Relative residual reached.
    pub residual: f64,
    /// Tolerance asked for.
    pub tol: f64,
}

/// A converged Krylov solve.
#[derive(Clone, Debug)]
pub struct KrylovSolution {
    /// The solution.
    pub x: Array1<f64>,
    /// Operator applications (iterations).
    pub iters: usize,
    /// Relative residual ‖b − A x‖/‖b‖ (recomputed, not the recurrence's estimate).
    pub residual: f64,
}

/// A linear map on vectors (an operator application or a preconditioner).
pub type VecMap<'a> = dyn Fn(ArrayView1<f64>) -> Array1<f64> + 'a;

/// The Hessian at one point as an operator, with what a model's structure adds: an
/// (approximate or exact) inverse and the exact inertia. Implemented by
/// `models::two_layer::woodbury` (Woodbury identity, Haynsworth inertia); generic objectives
/// offer only products.
pub trait HessianOperator: Send + Sync {
    /// Dimension n.
    fn dim(&self) -> usize;
    /// H u.
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64>;
    /// An approximation of H⁻¹r (a preconditioner); `None` if the operator has none.
    fn precondition(&self, _r: ArrayView1<f64>) -> Option<Array1<f64>> {
        None
    }
    /// Whether [`HessianOperator::precondition`] returns anything.
    fn has_preconditioner(&self) -> bool {
        false
    }
    /// Whether [`HessianOperator::precondition`] is H⁻¹ up to rounding (else only nearby).
    fn exact_inverse(&self) -> bool {
        false
    }
    /// H − σI in the same form (for shift-invert eigensolves), when the structure allows it.
    fn shifted(&self, _sigma: f64) -> Option<Box<dyn HessianOperator>> {
        None
    }
    /// The exact number of negative eigenvalues of H, when the structure gives it.
    fn negative_count(&self) -> Option<usize> {
        None
    }
    /// H U for the columns of U (n × b); structured operators do it as GEMMs.
    fn apply_block(&self, u: ArrayView2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros(u.dim());
        for (j, col) in u.columns().into_iter().enumerate() {
            out.column_mut(j).assign(&self.apply(col));
        }
        out
    }
    /// [`HessianOperator::precondition`] of the columns of R (n × b).
    fn precondition_block(&self, r: ArrayView2<f64>) -> Option<Array2<f64>> {
        let mut out = Array2::zeros(r.dim());
        for (j, col) in r.columns().into_iter().enumerate() {
            out.column_mut(j).assign(&self.precondition(col)?);
        }
        Some(out)
    }
    /// An SPD approximation T ≈ (H − σI)⁻¹ (σ below the spectrum) applied to the columns of R,
    /// for preconditioned eigensolvers ([`lobpcg`]); `None` if the operator has none.
    fn eigen_preconditioner_block(&self, _r: ArrayView2<f64>) -> Option<Array2<f64>> {
        None
    }
    /// Approximate eigenpairs of H at this point (values, orthonormal vectors as columns, true
    /// residuals ‖Hv − θv‖) that an operator may use to deflate
    /// [`HessianOperator::precondition`]; ignored by default.
    fn deflate(&self, _values: ArrayView1<f64>, _vectors: ArrayView2<f64>, _residuals: &[f64]) {}
    /// A lower bound of the smallest eigenvalue of H, when the structure gives one cheaply.
    fn lower_bound(&self) -> Option<f64> {
        None
    }
}

/// ‖v‖₂.
pub(crate) fn vnorm(v: ArrayView1<f64>) -> f64 {
    v.dot(&v).sqrt()
}

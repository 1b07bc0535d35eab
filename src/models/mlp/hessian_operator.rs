//! The MLP Hessian at one point as a [`HessianOperator`] for the matrix-free continuation
//! (one trained layer, α > 0): products H·u by forward-over-reverse, and as preconditioner the
//! exact inverse of an SPD approximation P of H − σI:
//!
//! * a hidden trained layer: P_σ = Gauss–Newton + the block-diagonal curvature, shifted
//!   ([`super::curvature_precond`]); σ = α/2 and P_σ = H − σI at λ = 0;
//! * the trained output layer: the loss is quadratic, H = αI + JᵀJ/N is its Gauss–Newton
//!   matrix ([`super::gauss_newton`]) and P = H.
//!
//! Why P⁻¹ itself and not an inner Krylov solve of H x = r: the engine's GMRES already
//! iterates on H with P⁻¹ as right preconditioner (one Krylov space instead of nested ones),
//! and its eigensolver for operators without an exact inverse is LOBPCG, which needs an SPD
//! preconditioner, not H⁻¹. P is built on first use (one O(N²n) GEMM), so operators the
//! engine only multiplies with cost nothing extra. No exact inertia: the engine then certifies
//! the Morse index only while some of its k smallest eigenvalues are positive.
//!
//! Once the engine has the point's smallest eigenpairs (its LOBPCG spectrum or kernel), it
//! hands them over ([`HessianOperator::deflate`]) and the GMRES preconditioner becomes the
//! deflated M⁻¹ of [`super::deflation`] (exact on those pairs, P⁻¹ on the rest): near a fold
//! the eigenvalue going to zero is exactly where P⁻¹ is worst. The LOBPCG preconditioner stays
//! the SPD P⁻¹.

use super::curvature_precond::CurvaturePreconditioner;
use super::deflation::Deflation;
use super::gauss_newton::GaussNewton;
use super::Mlp;
use crate::activation::Activation;
use crate::linalg::krylov::{gmres, HessianOperator, KrylovFailure, KrylovSolution};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use std::sync::{Arc, OnceLock, RwLock};

/// The SPD preconditioner of [`MlpHessian`].
pub enum MlpPreconditioner {
    /// Gauss–Newton plus block-diagonal curvature, shifted (hidden trained layer).
    Curvature(CurvaturePreconditioner),
    /// The Gauss–Newton matrix (trained output layer: H itself).
    GaussNewton(GaussNewton),
}

impl MlpPreconditioner {
    /// P u.
    pub fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        match self {
            MlpPreconditioner::Curvature(p) => p.apply(u),
            MlpPreconditioner::GaussNewton(p) => p.apply(u),
        }
    }
    /// P⁻¹ R for the columns of R (GEMMs with b-wide right-hand sides).
    pub fn solve_block(&self, r: ArrayView2<f64>) -> Array2<f64> {
        match self {
            MlpPreconditioner::Curvature(p) => p.solve_block(r),
            MlpPreconditioner::GaussNewton(p) => p.solve_block(r),
        }
    }
    /// P⁻¹ r.
    pub fn solve(&self, r: ArrayView1<f64>) -> Array1<f64> {
        match self {
            MlpPreconditioner::Curvature(p) => p.solve(r),
            MlpPreconditioner::GaussNewton(p) => p.solve(r),
        }
    }
}

/// The MLP Hessian at (θ, λ) with a structured SPD preconditioner.
pub struct MlpHessian<A: Activation> {
    model: Arc<Mlp<A>>,
    theta: Array1<f64>,
    lambda: f64,
    pre: OnceLock<Option<MlpPreconditioner>>,
    /// The point's smallest eigenpairs, once known ([`HessianOperator::deflate`]).
    deflation: RwLock<Option<Deflation>>,
}

impl<A: Activation + Clone + 'static> MlpHessian<A> {
    /// At (θ, λ); `None` without one trained layer and α > 0 (no preconditioner).
    pub fn new(model: Arc<Mlp<A>>, theta: ArrayView1<f64>, lambda: f64) -> Option<Self> {
        (model.trained().len() == 1 && model.alpha() > 0.0).then(|| MlpHessian {
            model,
            theta: theta.to_owned(),
            lambda,
            pre: OnceLock::new(),
            deflation: RwLock::new(None),
        })
    }
    /// The preconditioner (built on first use); `None` if it does not factorise.
    pub fn preconditioner(&self) -> Option<&MlpPreconditioner> {
        self.pre
            .get_or_init(|| {
                let (m, t, l) = (&self.model, self.theta.view(), self.lambda);
                match m.curvature_preconditioner(t, l) {
                    Some(p) => Some(MlpPreconditioner::Curvature(p)),
                    None => m.gauss_newton(t, l).map(MlpPreconditioner::GaussNewton),
                }
            })
            .as_ref()
    }
    /// P⁻¹ r (module docs); `None` without P or if the result is not finite.
    fn structured_inverse(&self, r: ArrayView1<f64>) -> Option<Array1<f64>> {
        let x = self.preconditioner()?.solve(r);
        x.iter().all(|v| v.is_finite()).then_some(x)
    }
    /// H x = r by GMRES right-preconditioned with P⁻¹, to relative residual `tol`.
    pub fn solve(
        &self,
        r: &Array1<f64>,
        tol: f64,
        max_iters: usize,
    ) -> std::result::Result<KrylovSolution, KrylovFailure> {
        let a = |u: ArrayView1<f64>| self.apply(u);
        let m = |u: ArrayView1<f64>| self.precondition(u).unwrap_or_else(|| u.to_owned());
        gmres(&a, &m, r, None, tol, max_iters)
    }
}

impl<A: Activation + Clone + 'static> HessianOperator for MlpHessian<A> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    /// The block pass with b = 1 ([`super::block_hvp`]: no per-entry allocations).
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let h = self
            .model
            .hessian_block(self.theta.view(), self.lambda, u.insert_axis(Axis(1)));
        h.index_axis_move(Axis(1), 0)
    }
    /// All columns in one block forward-over-reverse pass ([`super::block_hvp`]).
    fn apply_block(&self, u: ArrayView2<f64>) -> Array2<f64> {
        self.model.hessian_block(self.theta.view(), self.lambda, u)
    }
    /// P⁻¹ r, deflated with the point's eigenpairs once they are known
    /// ([`super::deflation`]).
    fn precondition(&self, r: ArrayView1<f64>) -> Option<Array1<f64>> {
        let guard = self.deflation.read().ok()?;
        match guard.as_ref() {
            Some(d) => d.apply(r, |q| self.structured_inverse(q)),
            None => self.structured_inverse(r),
        }
    }
    /// Keeps (Θ, V) for the deflation of [`HessianOperator::precondition`].
    fn deflate(&self, values: ArrayView1<f64>, vectors: ArrayView2<f64>, residuals: &[f64]) {
        if let Ok(mut slot) = self.deflation.write() {
            *slot = Deflation::new(values, vectors, residuals);
        }
    }
    fn has_preconditioner(&self) -> bool {
        true
    }
    /// P⁻¹ without the deflation: SPD by construction; all columns at once
    /// ([`MlpPreconditioner::solve_block`]).
    fn eigen_preconditioner_block(&self, r: ArrayView2<f64>) -> Option<Array2<f64>> {
        let x = self.preconditioner()?.solve_block(r);
        x.iter().all(|v| v.is_finite()).then_some(x)
    }
}

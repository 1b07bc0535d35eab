//! The matrix-free Hessian at one point: preconditioned solves and the eigenpairs nearest zero.

use super::*;

/// The matrix-free Hessian at one point.
#[derive(Clone)]
pub(crate) struct FreeHess<'o> {
    pub op: Arc<dyn HessianOperator + 'o>,
    pub(super) counter: Arc<AtomicUsize>,
}

/// Power iterations of the scale estimate (largest |eigenvalue|, a few digits suffice).
const SCALE_ITERS: usize = 30;
/// Residual ‖Hv − θv‖ ≤ POINT_EIGEN_RTOL·‖H‖ asked of the eigenpairs recorded at each point on
/// the matrix-free path: every value is then within that of an eigenvalue (Weyl), and within
/// res²/gap ≈ 1e-16·‖H‖²/gap of it when separated; the Morse index comes from the exact inertia,
/// not from these values. Tighter (the dense path's 1e-10) costs many iterations on the
/// clusters of near-equal eigenvalues near λ = 0 (n − d of them equal α at λ = 0).
const POINT_EIGEN_RTOL: f64 = 1e-8;
/// Residual ‖Hφ − µφ‖ ≤ KERNEL_RTOL·‖H‖ asked of a kernel vector at an event: φ then carries
/// an error ≈ KERNEL_RTOL·‖H‖/gap ≲ 1e-9 into the normal-form coefficients (gap ≥ 1e-4 at the
/// experiments' events), while the rounding floor of H·u is ≈ 1e-15·‖H‖.
const KERNEL_RTOL: f64 = 1e-13;

impl FreeHess<'_> {
    pub(super) fn count(&self, k: usize) {
        self.counter.fetch_add(k, Ordering::Relaxed);
    }
    /// H⁻¹ b by GMRES preconditioned with the structured inverse, or MINRES without one.
    pub fn solve(&self, b: &Array1<f64>) -> std::result::Result<Array1<f64>, KrylovFailure> {
        let a = |u: ArrayView1<f64>| self.op.apply(u);
        let sol = if self.op.has_preconditioner() {
            let m = |u: ArrayView1<f64>| {
                self.op
                    .precondition(u)
                    .unwrap_or_else(|| Array1::from_elem(u.len(), f64::NAN))
            };
            gmres(&a, &m, b, None, KRYLOV_TOL, KRYLOV_MAX_ITERS)
        } else {
            minres(&a, b, KRYLOV_TOL, KRYLOV_MAX_ITERS)
        };
        sol.map(|s| {
            self.count(s.iters);
            s.x
        })
    }
    /// Largest |eigenvalue| (estimate).
    pub fn scale(&self) -> f64 {
        let a = |u: ArrayView1<f64>| self.op.apply(u);
        largest_abs_estimate(&a, self.op.dim(), SCALE_ITERS)
    }
    /// One step of inverse iteration: needs no accurate solve (Rayleigh–Ritz with H and the
    /// residual test decide), so the structured inverse as it is, else a loose MINRES.
    fn inverse_iterate(
        &self,
        u: ArrayView1<f64>,
    ) -> std::result::Result<Array1<f64>, KrylovFailure> {
        match self.op.precondition(u) {
            Some(x) => Ok(x),
            None => {
                let a = |v: ArrayView1<f64>| self.op.apply(v);
                let s = minres(&a, &u.to_owned(), INNER_TOL, KRYLOV_MAX_ITERS)?;
                self.count(s.iters);
                Ok(s.x)
            }
        }
    }
    /// The `p` Ritz pairs nearest zero with the pairs `accept` picks converged to `tol`.
    fn ritz(
        &self,
        p: usize,
        warm: Option<&Array2<f64>>,
        tol: (f64, f64),
        max_iters: usize,
        accept: &dyn Fn(&Array1<f64>) -> Vec<usize>,
    ) -> std::result::Result<crate::linalg::krylov::RitzPairs, KrylovFailure> {
        let a = |u: ArrayView1<f64>| self.op.apply(u);
        let inv = |u: ArrayView1<f64>| self.inverse_iterate(u);
        let r = nearest_zero_pairs(&a, &inv, self.op.dim(), p, warm, tol, max_iters, accept)?;
        self.count(r.iters);
        Ok(r)
    }
    /// The `k` smallest eigenpairs and the negative count (exact from the structure's inertia;
    /// otherwise counted among the eigenvalues nearest zero, an error if all k are negative).
    pub fn smallest(
        &self,
        k: usize,
        warm: Option<&Array2<f64>>,
    ) -> std::result::Result<PartialEigen, StepFailure> {
        let n = self.op.dim();
        let k = k.min(n);
        let p = (2 * k).max(k + 8).min(n);
        let scale = self.scale();
        let tol = (POINT_EIGEN_RTOL * scale, CLUSTER_EIGEN_RTOL * scale);
        let a = |u: ArrayView1<f64>| self.op.apply(u);
        let inv = |u: ArrayView1<f64>| self.inverse_iterate(u);
        let r = smallest_pairs(
            &a,
            &inv,
            n,
            (p, k, KRYLOV_DEPTH),
            warm,
            tol,
            POINT_MAX_ITERS,
        )
        .map_err(StepFailure::Krylov)?;
        self.count(r.iters);
        let found = r.values.iter().filter(|&&v| v < 0.0).count();
        let negative_count = match self.op.negative_count() {
            Some(neg) if neg == found => neg,
            Some(neg) => {
                return Err(StepFailure::Eigen(format!(
                    "matrix-free eigensolver: {found} negative Ritz values among the {p} nearest \
                     zero but the inertia says {neg}; the {k} smallest are not resolved"
                )))
            }
            None if found >= k => {
                return Err(StepFailure::Eigen(format!(
                    "matrix-free eigensolver: all {k} computed eigenvalues are negative, so the \
                     Morse index is not certified (no inertia without a structured Hessian)"
                )))
            }
            None => found,
        };
        Ok(PartialEigen {
            values: r.values.slice(s![..k]).to_owned(),
            vectors: r.vectors.slice(s![.., ..k]).to_owned(),
            negative_count,
            dense: false,
        })
    }

    /// The eigenpair nearest zero (µ, φ) and the second-nearest eigenvalue (±∞ if n = 1).
    pub fn kernel(&self) -> std::result::Result<(f64, Array1<f64>, f64), KrylovFailure> {
        let scale = self.scale();
        let tol = (KERNEL_RTOL * scale, KERNEL_FLOOR_RTOL * scale);
        let nearest2 = |v: &Array1<f64>| {
            let mut idx: Vec<usize> = (0..v.len()).collect();
            idx.sort_by(|&i, &j| v[i].abs().total_cmp(&v[j].abs()));
            idx.truncate(1);
            idx
        };
        let r = self.ritz(KERNEL_BLOCK, None, tol, KERNEL_MAX_ITERS, &nearest2)?;
        let mut idx: Vec<usize> = (0..r.values.len()).collect();
        idx.sort_by(|&i, &j| r.values[i].abs().total_cmp(&r.values[j].abs()));
        let second = idx.get(1).map_or(f64::INFINITY, |&i| r.values[i]);
        Ok((
            r.values[idx[0]],
            r.vectors.column(idx[0]).to_owned(),
            second,
        ))
    }
}

/// Blocks A⁻¹X, …, A⁻ᵈX per cycle of the point eigensolver: deeper Krylov spaces resolve the
/// quasi-continuum of eigenvalues near α (n − d of them) in far fewer cycles.
const KRYLOV_DEPTH: usize = 4;
/// Iterations of the shift-0 point spectrum before the [`CLUSTER_EIGEN_RTOL`] fallback.
const POINT_MAX_ITERS: usize = 25;
/// After the iteration budget, point eigenpairs are accepted with residual ≤ this·‖H‖: every
/// value is then within that of an eigenvalue (Weyl). It serves the clusters of near-equal
/// eigenvalues near α (n − d of them equal α at λ = 0), which no subspace method separates
/// quickly; the Morse index never depends on it (exact inertia), and events use the kernel
/// vector, resolved to [`KERNEL_RTOL`].
const CLUSTER_EIGEN_RTOL: f64 = 1e-6;

/// Kernel iterations before the [`KERNEL_FLOOR_RTOL`] acceptance: the nearest-zero pair of a
/// located fold converges in a few (its eigenvalue ratio to the next is ~1e-10), so more only
/// means the residual sits at its rounding floor.
const KERNEL_MAX_ITERS: usize = 40;
/// A kernel residual at the rounding floor of H·u (≈ √n·ε·‖H‖, above [`KERNEL_RTOL`] for
/// n ≳ 100) is accepted up to this·‖H‖: µ is then exact to res²/gap ≈ 1e-22/gap.
const KERNEL_FLOOR_RTOL: f64 = 1e-11;

/// Relative residual of the inner MINRES solves of inverse iteration without a structured
/// inverse (only the subspace matters; Rayleigh–Ritz with H and the residual test decide).
const INNER_TOL: f64 = 1e-8;

/// Block size of the kernel search (nearest-zero pair plus room for fast convergence).
const KERNEL_BLOCK: usize = 8;

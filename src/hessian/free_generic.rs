//! The eigenpairs of a matrix-free Hessian WITHOUT an exact inverse or inertia (the MLP; plain
//! H·u objectives): block LOBPCG on H with the operator's SPD preconditioner
//! ([`HessianOperator::eigen_preconditioner_block`], else none).
//!
//! What is certified, for each accepted pair (θ, y), ‖y‖ = 1, with the TRUE residual
//! ‖Hy − θy‖ ≤ tol·‖H‖ (AX recomputed, not carried):
//! * θ is within tol·‖H‖ of an eigenvalue of H (Weyl) — also inside a cluster, where the
//!   individual vectors are not determined;
//! * the i-th smallest Ritz value is ≥ the i-th smallest eigenvalue (min–max), so the count of
//!   negative Ritz values is a LOWER bound of the Morse index; it is reported as the index
//!   only while some of the k values are positive (else an error), and an eigenvalue the
//!   subspace missed below the k-th would go unseen — the exact inertia is not available.
//!
//! ‖H‖ is the block Lanczos estimate of [`FreeHess::scale`] (a lower bound, to 1e-3).

use super::free_hess::{KERNEL_FLOOR_RTOL, KERNEL_RTOL, POINT_EIGEN_RTOL};
use super::*;
use crate::linalg::krylov::{lobpcg, LobpcgOptions, LobpcgPairs};
use ndarray::ArrayView2;
use std::sync::atomic::AtomicUsize;

/// Point spectra accepted at the [`CLUSTER_EIGEN_RTOL`] fallback instead of
/// [`POINT_EIGEN_RTOL`], in this process ([`relaxed_acceptances`]).
static RELAXED_POINT: AtomicUsize = AtomicUsize::new(0);
/// Kernels accepted at the [`KERNEL_FLOOR_RTOL`] fallback instead of [`KERNEL_RTOL`].
static RELAXED_KERNEL: AtomicUsize = AtomicUsize::new(0);

/// How often the generic (LOBPCG) path accepted pairs at its loose fallback tolerance since
/// the process started: (point spectra at 1e-6·‖H‖, kernels at the floor). A case reports the
/// difference over its run, so the looser acceptance is never silent.
pub(crate) fn relaxed_acceptances() -> (usize, usize) {
    (
        RELAXED_POINT.load(Ordering::Relaxed),
        RELAXED_KERNEL.load(Ordering::Relaxed),
    )
}

/// Counts an acceptance in `counter` when some residual exceeds `tol`·`scale`.
fn count_relaxed(r: &LobpcgPairs, tol: f64, scale: f64, counter: &AtomicUsize) {
    if r.residuals.iter().any(|&res| res > tol * scale) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Guard columns of the LOBPCG block beyond the k wanted: the k-th value converges at the
/// rate set by its gap to the (k + GUARD)-th, not to the (k + 1)-th, in a quasi-continuum.
const GUARD: usize = 4;
/// LOBPCG iterations of the point spectrum before the [`CLUSTER_EIGEN_RTOL`] acceptance.
const POINT_MAX_ITERS: usize = 25;
/// After [`POINT_MAX_ITERS`], point eigenpairs are accepted with residual ≤ this·‖H‖: every
/// value is then within that of an eigenvalue (Weyl). It serves the quasi-continuum near α
/// (n − d eigenvalues equal α at λ = 0, spread by the curvature part for λ > 0), which no
/// subspace method separates quickly; events use the kernel, resolved to [`KERNEL_RTOL`].
const CLUSTER_EIGEN_RTOL: f64 = 1e-6;
/// Smallest pairs computed first for the kernel (doubled while all are negative).
const KERNEL_K: usize = 2;
/// Largest number of smallest pairs tried for the kernel (a Morse index above it falls back
/// to subspace iteration).
const KERNEL_K_MAX: usize = 16;
/// LOBPCG iterations of the kernel before the [`KERNEL_FLOOR_RTOL`] acceptance.
const KERNEL_MAX_ITERS: usize = 80;
/// Iterations of the subspace fallback of the kernel.
const SUBSPACE_KERNEL_ITERS: usize = 40;
/// Block size of the subspace fallback (nearest-zero pair plus room).
const SUBSPACE_KERNEL_BLOCK: usize = 8;
/// Relative residual of the inner MINRES solves of the subspace fallback without a
/// preconditioner (only the subspace matters; Rayleigh–Ritz with H decides).
const INNER_TOL: f64 = 1e-8;

impl FreeHess<'_> {
    /// The `k` smallest pairs by LOBPCG to `tol`·‖H‖ (after the budget `tol_last`·‖H‖).
    fn lobpcg_smallest(
        &self,
        k: usize,
        warm: Option<&Array2<f64>>,
        tol: (f64, f64),
        max_iters: usize,
    ) -> std::result::Result<LobpcgPairs, KrylovFailure> {
        let n = self.op.dim();
        let a = |x: ArrayView2<f64>| Ok(self.op.apply_block(x));
        let t = |x: ArrayView2<f64>| {
            Ok(self
                .op
                .eigen_preconditioner_block(x)
                .unwrap_or_else(|| x.to_owned()))
        };
        let opts = LobpcgOptions {
            block: (k + GUARD).min(n),
            tol: tol.0,
            scale: self.scale(),
            max_iters,
            tol_last: tol.1,
        };
        let r = lobpcg(&a, &t, n, k, warm, &opts)?;
        self.count(r.applications);
        Ok(r)
    }

    /// [`FreeHess::smallest`] without exact inertia (module docs for what is certified).
    pub(super) fn smallest_generic(
        &self,
        k: usize,
        warm: Option<&Array2<f64>>,
    ) -> std::result::Result<PartialEigen, HessianError> {
        let tol = (POINT_EIGEN_RTOL, CLUSTER_EIGEN_RTOL);
        let r = self
            .lobpcg_smallest(k, warm, tol, POINT_MAX_ITERS)
            .map_err(HessianError::Krylov)?;
        count_relaxed(&r, POINT_EIGEN_RTOL, self.scale(), &RELAXED_POINT);
        self.op
            .deflate(r.values.view(), r.vectors.view(), &r.residuals);
        let found = r.values.iter().filter(|&&v| v < 0.0).count();
        if found >= k {
            return Err(HessianError::Eigen(format!(
                "matrix-free eigensolver: all {k} computed eigenvalues are negative, so the \
                 Morse index is not certified (no inertia without a structured Hessian)"
            )));
        }
        Ok(PartialEigen {
            values: r.values,
            vectors: r.vectors,
            negative_count: found,
            dense: false,
        })
    }

    /// [`FreeHess::kernel`] without an exact inverse: the smallest pairs by LOBPCG at the
    /// point tolerance pick the one nearest zero (index i), then the i + 1 smallest are
    /// converged to [`KERNEL_RTOL`]·‖H‖ (floor [`KERNEL_FLOOR_RTOL`]). Falls back to subspace
    /// iteration when LOBPCG fails or all computed values are negative.
    pub(super) fn kernel_generic(
        &self,
        warm: Option<&Array2<f64>>,
    ) -> std::result::Result<(f64, Array1<f64>, f64), KrylovFailure> {
        match self.kernel_lobpcg(warm) {
            Ok(Some(k)) => Ok(k),
            Ok(None) | Err(_) => self.kernel_subspace(),
        }
    }

    /// The rough stage starts from `warm` (then pseudo-random columns): a nearby point's kernel
    /// and eigenvectors cut its iterations, the accepted pairs are tested as from a cold start.
    fn kernel_lobpcg(
        &self,
        warm: Option<&Array2<f64>>,
    ) -> std::result::Result<Option<(f64, Array1<f64>, f64)>, KrylovFailure> {
        let n = self.op.dim();
        // Widen until a computed value is ≥ 0 (then the nearest-zero one is among them).
        let mut k = KERNEL_K.min(n);
        let rough = loop {
            let rough = self.lobpcg_smallest(
                k,
                warm,
                (POINT_EIGEN_RTOL, CLUSTER_EIGEN_RTOL),
                POINT_MAX_ITERS,
            )?;
            if rough.values[k - 1] >= 0.0 || k == n {
                break rough;
            }
            if 2 * k > KERNEL_K_MAX {
                return Ok(None);
            }
            k = (2 * k).min(n);
        };
        let nearest = nearest_index(&rough.values);
        let tight = self.lobpcg_smallest(
            nearest + 1,
            Some(&rough.vectors),
            (KERNEL_RTOL, KERNEL_FLOOR_RTOL),
            KERNEL_MAX_ITERS,
        )?;
        count_relaxed(&tight, KERNEL_RTOL, self.scale(), &RELAXED_KERNEL);
        self.op
            .deflate(tight.values.view(), tight.vectors.view(), &tight.residuals);
        let mu = tight.values[nearest];
        // The second-nearest value: among the converged ones and the next Ritz value.
        let mut others: Vec<f64> = tight.values.iter().copied().take(nearest).collect();
        others.extend(rough.values.iter().copied().skip(nearest + 1));
        if let Some(v) = tight.next_value {
            others.push(v);
        }
        let second = others
            .into_iter()
            .min_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap_or(f64::INFINITY);
        Ok(Some((mu, tight.vectors.column(nearest).to_owned(), second)))
    }

    /// The nearest-zero pair by block subspace iteration on the preconditioner (or MINRES)
    /// with Rayleigh–Ritz on H.
    fn kernel_subspace(&self) -> std::result::Result<(f64, Array1<f64>, f64), KrylovFailure> {
        let scale = self.scale();
        let tol = (KERNEL_RTOL * scale, KERNEL_FLOOR_RTOL * scale);
        let nearest1 = |v: &Array1<f64>| vec![nearest_index(v)];
        let a = |u: ArrayView1<f64>| self.op.apply(u);
        let inv = |u: ArrayView1<f64>| self.inverse_iterate(u);
        let p = SUBSPACE_KERNEL_BLOCK.min(self.op.dim());
        let r = nearest_zero_pairs(
            &a,
            &inv,
            self.op.dim(),
            p,
            None,
            tol,
            SUBSPACE_KERNEL_ITERS,
            &nearest1,
        )?;
        self.count(r.iters);
        let mut idx: Vec<usize> = (0..r.values.len()).collect();
        idx.sort_by(|&i, &j| r.values[i].abs().total_cmp(&r.values[j].abs()));
        let second = idx.get(1).map_or(f64::INFINITY, |&i| r.values[i]);
        Ok((
            r.values[idx[0]],
            r.vectors.column(idx[0]).to_owned(),
            second,
        ))
    }

    /// One step of inverse iteration: the preconditioner as it is, else a loose MINRES.
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
}

/// Index of the value nearest zero.
pub(super) fn nearest_index(v: &Array1<f64>) -> usize {
    (0..v.len())
        .min_by(|&i, &j| v[i].abs().total_cmp(&v[j].abs()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Builtin;
    use crate::data::paper_teacher;
    use crate::linalg::{sym_eigenvalues, SplitMix64};
    use crate::models::mlp::{Mlp, MlpSpec};

    fn model() -> Mlp {
        let spec = MlpSpec {
            layers: vec![5, 6, 4, 1],
            trained: vec![0],
        };
        Mlp::with_default_weights(paper_teacher(77, 20), &spec, 1e-2, Builtin::Tanh).unwrap()
    }

    /// The k = 6 smallest values of the generic path against the dense eigenvalues of the
    /// AD Hessian. Accepted residuals ≤ POINT_EIGEN_RTOL·‖H‖ put each value within that of an
    /// eigenvalue (Weyl) and above the i-th (min–max), so within it of the i-th as long as the
    /// subspace holds the lowest ones; twice that leaves room for the estimate of ‖H‖.
    fn check(m: &Mlp, theta: &Array1<f64>, lambda: f64) -> PartialEigen {
        let backend = Backend::new(Solver::MatrixFree, m.n_params());
        let Hess::Free(f) = backend.at(m, theta.view(), lambda) else {
            panic!("matrix-free backend");
        };
        let got = f.smallest(6, None).expect("converges");
        let dense = sym_eigenvalues(&m.hessian(theta.view(), lambda)).unwrap();
        let norm = dense.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for i in 0..6 {
            let err = (got.values[i] - dense[i]).abs();
            assert!(
                err <= 2.0 * POINT_EIGEN_RTOL * norm,
                "λ = {lambda}, value {i}: {} vs dense {} (err {err:e})",
                got.values[i],
                dense[i]
            );
        }
        let neg = dense.iter().filter(|&&v| v < 0.0).count();
        assert_eq!(got.negative_count, neg, "Morse index at λ = {lambda}");
        got
    }

    #[test]
    fn smallest_values_match_the_dense_spectrum_with_a_cluster() {
        let m = model();
        let theta0 = m.lambda0_start().unwrap();
        // λ = 0: n − d = 25 eigenvalues equal α (P = H − σI, exact preconditioner).
        let e = check(&m, &theta0, 0.0);
        assert!(e.values.iter().all(|v| (v - 1e-2).abs() <= 1e-12));
        // λ = 1e-6: the cluster spread by a tiny curvature part.
        check(&m, &theta0, 1e-6);
        // The λ = 0 minimiser at λ = 0.9 and nearby: curvature spreads the spectrum.
        check(&m, &theta0, 0.9);
        let mut rng = SplitMix64::new(17);
        let near = &theta0 + &Array1::from_shape_fn(m.n_params(), |_| 0.3 * rng.next_signed());
        check(&m, &near, 0.9);
    }

    /// With ≥ k negative eigenvalues (dense count) the Morse index is not certified: an error,
    /// never a count.
    #[test]
    fn all_negative_values_are_refused() {
        let m = model();
        let mut rng = SplitMix64::new(17);
        let theta = Array1::from_shape_fn(m.n_params(), |_| 2.0 * rng.next_signed());
        let dense = sym_eigenvalues(&m.hessian(theta.view(), 0.9)).unwrap();
        assert!(
            dense[5] < 0.0,
            "the test point needs ≥ 6 negative eigenvalues"
        );
        let backend = Backend::new(Solver::MatrixFree, m.n_params());
        let Hess::Free(f) = backend.at(&m, theta.view(), 0.9) else {
            panic!("matrix-free backend");
        };
        assert!(matches!(f.smallest(6, None), Err(HessianError::Eigen(_))));
    }

    /// The kernel pair nearest zero against the dense eigenvalue nearest zero.
    #[test]
    fn kernel_matches_the_dense_nearest_eigenvalue() {
        let m = model();
        let mut rng = SplitMix64::new(23);
        let theta0 = m.lambda0_start().unwrap();
        let theta = &theta0 + &Array1::from_shape_fn(m.n_params(), |_| 0.3 * rng.next_signed());
        let backend = Backend::new(Solver::MatrixFree, m.n_params());
        let Hess::Free(f) = backend.at(&m, theta.view(), 0.9) else {
            panic!("matrix-free backend");
        };
        let (mu, phi, _) = f.kernel().expect("converges");
        let h = m.hessian(theta.view(), 0.9);
        let dense = sym_eigenvalues(&h).unwrap();
        let norm = dense.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let nearest = dense
            .iter()
            .copied()
            .min_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap();
        assert!(
            (mu - nearest).abs() <= 2.0 * KERNEL_FLOOR_RTOL * norm,
            "{mu} vs {nearest}"
        );
        let res = &h.dot(&phi) - &(&phi * mu);
        assert!(res.dot(&res).sqrt() <= 2.0 * KERNEL_FLOOR_RTOL * norm);
    }

    /// The kernel started from a nearby point's eigenvectors (as fold Newton does) equals the
    /// cold-started one: same eigenvalue to the kernel accuracy, same vector up to sign (a
    /// gap ≥ 1e-4·‖H‖ to the next value bounds the angle by residual/gap ≤ 1e-7, so
    /// 1 − |cos| ≲ 1e-14), and the warm start costs no more operator applications.
    #[test]
    fn warm_started_kernel_equals_the_cold_one() {
        let m = model();
        let theta = m.lambda0_start().unwrap();
        let backend = Backend::new(Solver::MatrixFree, m.n_params());
        let at = |t: &Array1<f64>, l: f64| match backend.at(&m, t.view(), l) {
            Hess::Free(f) => f,
            Hess::Dense(_) => panic!("matrix-free backend"),
        };
        let near = at(&theta, 0.89).smallest(6, None).expect("converges");
        let cold = at(&theta, 0.9);
        let (mu_c, phi_c, _) = cold.kernel().expect("converges");
        let cold_cost = cold.counter.swap(0, Ordering::Relaxed);
        let warm = at(&theta, 0.9);
        let (mu_w, phi_w, _) = warm.kernel_warm(Some(&near.vectors)).expect("converges");
        let warm_cost = warm.counter.load(Ordering::Relaxed);
        let dense = sym_eigenvalues(&m.hessian(theta.view(), 0.9)).unwrap();
        let norm = dense.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mut by_abs: Vec<f64> = dense.iter().map(|v| v.abs()).collect();
        by_abs.sort_by(f64::total_cmp);
        assert!(
            by_abs[1] - by_abs[0] >= 1e-4 * norm,
            "test point needs a gap: {by_abs:?}"
        );
        assert!(
            (mu_c - mu_w).abs() <= 2.0 * KERNEL_FLOOR_RTOL * norm,
            "{mu_c} vs {mu_w}"
        );
        let cos = phi_c.dot(&phi_w).abs();
        assert!(1.0 - cos <= 1e-8, "angle: 1 − |cos| = {:e}", 1.0 - cos);
        assert!(
            warm_cost <= cold_cost,
            "warm {warm_cost} vs cold {cold_cost} applications"
        );
    }
}

//! The matrix-free Hessian at one point: preconditioned solves and the eigenpairs nearest zero.

use super::*;

/// The matrix-free Hessian at one point.
#[derive(Clone)]
pub(crate) struct FreeHess<'o> {
    pub op: Arc<dyn HessianOperator + 'o>,
    pub(super) counter: Arc<AtomicUsize>,
    /// [`FreeHess::scale`], computed once per point.
    pub(super) scale: Arc<std::sync::OnceLock<f64>>,
}

/// Power iterations of the scale estimate (largest |eigenvalue|, a few digits suffice).
const SCALE_ITERS: usize = 30;
/// Residual ‖Hv − θv‖ ≤ POINT_EIGEN_RTOL·‖H‖ asked of the eigenpairs recorded at each point on
/// the matrix-free path: every value is then within that of an eigenvalue (Weyl), and within
/// res²/gap ≈ 1e-16·‖H‖²/gap of it when separated; the Morse index comes from the exact inertia,
/// not from these values. Tighter (the dense path's 1e-10) costs many iterations on the
/// clusters of near-equal eigenvalues near λ = 0 (n − d of them equal α at λ = 0).
pub(super) const POINT_EIGEN_RTOL: f64 = 1e-8;
/// Residual ‖Hφ − µφ‖ ≤ KERNEL_RTOL·‖H‖ asked of a kernel vector at an event: φ then carries
/// an error ≈ KERNEL_RTOL·‖H‖/gap ≲ 1e-9 into the normal-form coefficients (gap ≥ 1e-4 at the
/// experiments' events), while the rounding floor of H·u is ≈ 1e-15·‖H‖.
pub(super) const KERNEL_RTOL: f64 = 1e-13;

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
    /// Largest |eigenvalue| (estimate, a lower bound; computed once per point).
    pub fn scale(&self) -> f64 {
        *self.scale.get_or_init(|| self.estimate_scale())
    }
    fn estimate_scale(&self) -> f64 {
        let a = |x: ndarray::ArrayView2<f64>| Ok(self.op.apply_block(x));
        let opts = LanczosOptions {
            block: SCALE_BLOCK,
            max_basis: SCALE_BASIS,
            tol: SCALE_RTOL,
            max_restarts: SCALE_RESTARTS,
            tol_last: f64::INFINITY,
        };
        match block_lanczos(&a, self.op.dim(), 1, None, Which::LargestMagnitude, &opts) {
            Ok(r) => {
                self.count(r.applications);
                r.values[0].abs()
            }
            Err(_) => {
                let a = |u: ArrayView1<f64>| self.op.apply(u);
                largest_abs_estimate(&a, self.op.dim(), SCALE_ITERS)
            }
        }
    }
    /// The `k` smallest eigenpairs and the negative count: by shift-invert block Lanczos when
    /// the structure gives the exact inverse and inertia ([`Self::smallest_shift_invert`]),
    /// else by block Krylov iteration on H⁻¹ with the count among the eigenvalues nearest zero
    /// (an error if all k are negative).
    pub fn smallest(
        &self,
        k: usize,
        warm: Option<&Array2<f64>>,
    ) -> std::result::Result<PartialEigen, HessianError> {
        let n = self.op.dim();
        let k = k.min(n);
        if let Some(neg) = self.op.negative_count() {
            return self.smallest_shift_invert(k, warm, neg);
        }
        self.smallest_generic(k, warm)
    }

    /// The `k` smallest eigenpairs by thick-restart block Lanczos on (H − σI)⁻¹ with σ below
    /// the spectrum (checked by the exact inertia of H − σI, so the inverse is positive
    /// definite and the wanted values are its largest); θ = σ + 1/ν carries the rounding of
    /// the structured inverse, ≈ ε·(θ − σ), not the ε·‖H‖ of a Rayleigh quotient of H.
    /// The Morse index `neg` is the exact inertia of H.
    ///
    /// Lanczos runs in rounds of [`LANCZOS_ROUND_RESTARTS`] restarts. A round ends early when
    /// every pair has ‖(H − σI)⁻¹y − νy‖ ≤ [`POINT_LANCZOS_RTOL`]·ν; otherwise its pairs are
    /// accepted when their TRUE residual ‖Hy − θy‖ (one block product with H) is at most
    /// [`POINT_EIGEN_RTOL`]·‖H‖ — the matrix-free point accuracy. Inside the quasi-continuum of
    /// eigenvalues near α (n − d of them at λ = 0) the first test asks for ~1e-16·‖H‖ and
    /// takes hundreds of products, while the second holds after one round. Either way each θ
    /// is within its residual of an eigenvalue (Weyl) and, by min–max, the i-th θ is ≥ the
    /// i-th smallest eigenvalue. A round that meets neither warm-starts the next.
    fn smallest_shift_invert(
        &self,
        k: usize,
        warm: Option<&Array2<f64>>,
        neg: usize,
    ) -> std::result::Result<PartialEigen, HessianError> {
        let n = self.op.dim();
        let (sigma, shifted) = self.lower_shift(warm, neg)?;
        let op: &dyn HessianOperator = shifted.as_deref().unwrap_or(&*self.op);
        let fail = |method| KrylovFailure {
            method,
            iters: 0,
            residual: f64::NAN,
            tol: POINT_LANCZOS_RTOL,
        };
        let inv = |x: ndarray::ArrayView2<f64>| {
            op.precondition_block(x)
                .ok_or_else(|| fail("shift-invert (structured inverse not finite)"))
        };
        let block = k.max(MIN_LANCZOS_BLOCK).min(n);
        let opts = LanczosOptions {
            block,
            max_basis: LANCZOS_BASIS_BLOCKS * block,
            tol: POINT_LANCZOS_RTOL,
            max_restarts: LANCZOS_ROUND_RESTARTS,
            tol_last: f64::INFINITY,
        };
        let mut start = warm.cloned();
        let (mut worst, mut applications) = (f64::NAN, 0);
        for _round in 0..LANCZOS_ROUNDS {
            let r = block_lanczos(&inv, n, k, start.as_ref(), Which::LargestAlgebraic, &opts)
                .map_err(HessianError::Krylov)?;
            self.count(r.applications);
            applications += r.applications;
            let strict = r
                .residuals
                .iter()
                .zip(&r.values)
                .all(|(res, nu)| *res <= POINT_LANCZOS_RTOL * nu.abs());
            // ν descending ↔ θ ascending; ν > 0 as H − σI is positive definite.
            // The ‖H‖ estimate is only needed (and only computed) for the true-residual test.
            let (values, vectors) = if strict {
                worst = 0.0;
                (r.values.mapv(|nu| sigma + 1.0 / nu), r.vectors)
            } else {
                let (values, vectors, worst_abs) = self.purify(&inv, &r.vectors)?;
                worst = worst_abs / self.scale();
                (values, vectors)
            };
            if worst <= POINT_EIGEN_RTOL {
                return Ok(PartialEigen {
                    values,
                    vectors,
                    negative_count: neg,
                    dense: false,
                });
            }
            start = Some(vectors);
        }
        Err(HessianError::Krylov(KrylovFailure {
            method: "shift-invert block Lanczos (true residual ‖Hy − θy‖/‖H‖)",
            iters: applications,
            residual: worst,
            tol: POINT_EIGEN_RTOL,
        }))
    }

    /// Ritz pairs of H on span((H − σI)⁻¹Y): one more application of the inverse damps the
    /// components of unconverged shift-invert Ritz vectors Y along the large eigenvalues
    /// (by (θ − σ)/‖H‖ ≈ 1e-9 here), which H would otherwise amplify into residuals of
    /// ‖H‖ times their size (purification, Ericsson–Ruhe); Rayleigh–Ritz with H then gives
    /// the values, ascending, with max_i ‖H yᵢ − θᵢ yᵢ‖.
    #[allow(clippy::type_complexity)]
    fn purify(
        &self,
        inv: &dyn Fn(ndarray::ArrayView2<f64>) -> std::result::Result<Array2<f64>, KrylovFailure>,
        y: &Array2<f64>,
    ) -> std::result::Result<(Array1<f64>, Array2<f64>, f64), HessianError> {
        let z = inv(y.view()).map_err(HessianError::Krylov)?;
        self.count(y.ncols());
        let eig = |m: &Array2<f64>| {
            crate::linalg::sym_eigen(&((m + &m.t()) * 0.5))
                .map_err(|e| HessianError::Eigen(e.to_string()))
        };
        // Orthonormal basis of span(Z) from its Gram matrix (Z has full rank: Y orthonormal).
        let g = eig(&z.t().dot(&z))?;
        let scale = g.values.mapv(|v| 1.0 / v.max(f64::MIN_POSITIVE).sqrt());
        let q = z.dot(&g.vectors) * &scale;
        let hq = self.op.apply_block(q.view());
        self.count(q.ncols());
        let t = eig(&q.t().dot(&hq))?;
        let (y, hy) = (q.dot(&t.vectors), hq.dot(&t.vectors));
        let worst = (0..t.values.len())
            .map(|i| {
                let r = &hy.column(i) - &(&y.column(i) * t.values[i]);
                r.dot(&r).sqrt()
            })
            .fold(0.0, f64::max);
        Ok((t.values, y, worst))
    }

    /// A shift σ below the spectrum of H and H − σI in structured form (`None`: σ = 0, the
    /// operator itself). σ = 0 when H is positive definite: a shift between 0 and the smallest
    /// eigenvalues costs a new structured setup (an N²n GEMM, ≈ 10 s at digits m = 1000) and
    /// saved no Lanczos application (measured: 120 either way at digits m = 1000 and at the
    /// paper's m = 10⁴, λ ≤ 0.12). Else from the Rayleigh quotients of `warm` (the previous
    /// point's vectors) when H − σI then has no negative eigenvalue; else below B's smallest
    /// eigenvalue (Weyl: λ_min(B) ≤ λ_min(H)).
    #[allow(clippy::type_complexity)]
    fn lower_shift(
        &self,
        warm: Option<&Array2<f64>>,
        neg: usize,
    ) -> std::result::Result<(f64, Option<Box<dyn HessianOperator>>), HessianError> {
        let below = |lo: f64, hi: f64| lo - SHIFT_MARGIN * lo.abs().max(hi - lo);
        if neg == 0 {
            return Ok((0.0, None));
        }
        if let Some(w) = warm.filter(|w| w.ncols() > 0) {
            let hw = self.op.apply_block(w.view());
            let q: Vec<f64> = (0..w.ncols())
                .map(|j| w.column(j).dot(&hw.column(j)) / w.column(j).dot(&w.column(j)))
                .collect();
            let lo = q.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sigma = below(lo, hi);
            if sigma.is_finite() {
                if let Some(sh) = self.op.shifted(sigma) {
                    if sh.negative_count() == Some(0) {
                        return Ok((sigma, Some(sh)));
                    }
                }
            }
        }
        let lb = self.op.lower_bound().unwrap_or(f64::NAN);
        let sigma = below(lb, lb);
        self.op
            .shifted(sigma)
            .filter(|sh| sh.negative_count() == Some(0))
            .map(|sh| (sigma, Some(sh)))
            .ok_or_else(|| {
                HessianError::Eigen(format!(
                    "matrix-free eigensolver: no shift below the spectrum (B's smallest \
                     eigenvalue {lb:.3e}, shift {sigma:.3e} not certified by the inertia)"
                ))
            })
    }

    /// The eigenpair nearest zero (µ, φ) and the second-nearest eigenvalue (±∞ if n = 1).
    pub fn kernel(&self) -> std::result::Result<(f64, Array1<f64>, f64), KrylovFailure> {
        self.kernel_warm(None)
    }
    /// [`FreeHess::kernel`] with start vectors (n × p, e.g. a nearby point's kernel and
    /// smallest eigenvectors) for the eigensolver without an exact inverse.
    pub fn kernel_warm(
        &self,
        warm: Option<&Array2<f64>>,
    ) -> std::result::Result<(f64, Array1<f64>, f64), KrylovFailure> {
        if self.op.exact_inverse() {
            if let Ok(k) = self.kernel_lanczos() {
                return Ok(k);
            }
        }
        self.kernel_generic(warm.filter(|w| w.nrows() == self.op.dim() && w.ncols() > 0))
    }
}

impl FreeHess<'_> {
    /// [`FreeHess::kernel`] by block Lanczos on the exact structured H⁻¹ (largest |ν| ↔ µ = 1/ν
    /// nearest zero): ‖H⁻¹φ − νφ‖ ≤ tol·|ν| gives ‖Hφ − µφ‖ ≤ tol·‖H‖, the dense path's
    /// kernel accuracy, without a scale estimate. The second value is the next Ritz value (an
    /// estimate, as on the subspace path). A pair stalled above [`KERNEL_FLOOR_RTOL`] by the
    /// inverse's rounding is finished by `polish_kernel`; on failure the caller falls back to
    /// the subspace path.
    fn kernel_lanczos(&self) -> std::result::Result<(f64, Array1<f64>, f64), KrylovFailure> {
        let n = self.op.dim();
        let inv = |x: ndarray::ArrayView2<f64>| {
            self.op.precondition_block(x).ok_or(KrylovFailure {
                method: "kernel (structured inverse not finite)",
                iters: 0,
                residual: f64::NAN,
                tol: KERNEL_RTOL,
            })
        };
        let opts = LanczosOptions {
            block: KERNEL_LANCZOS_BLOCK,
            max_basis: LANCZOS_BASIS_BLOCKS * KERNEL_LANCZOS_BLOCK,
            tol: KERNEL_RTOL,
            max_restarts: KERNEL_LANCZOS_RESTARTS,
            tol_last: KERNEL_POLISH_RTOL,
        };
        // Only the nearest pair is converged: the rounding of H⁻¹ is relative to its largest
        // |ν|, so a second pair's relative residual cannot go below ε·|ν₁/ν₂| near a fold.
        let r = block_lanczos(&inv, n, 1, None, Which::LargestMagnitude, &opts)?;
        self.count(r.applications);
        let second = r.next_value.map_or(f64::INFINITY, |nu| 1.0 / nu);
        let phi = r.vectors.column(0).to_owned();
        if r.residuals[0] <= KERNEL_FLOOR_RTOL * r.values[0].abs() {
            return Ok((1.0 / r.values[0], phi, second));
        }
        // Stalled at the inverse's rounding (a located fold): finish by inverse iteration.
        let tol = KERNEL_RTOL * self.scale();
        let (mu, phi) = self.polish_kernel(&phi, tol).ok_or(KrylovFailure {
            method: "kernel (bordered inverse iteration)",
            iters: r.applications,
            residual: r.residuals[0] / r.values[0].abs(),
            tol: KERNEL_RTOL,
        })?;
        Ok((mu, phi, second))
    }
}

/// Block of the kernel's Lanczos (the nearest-zero pair and the second, with room).
const KERNEL_LANCZOS_BLOCK: usize = 4;
/// Restarts of the kernel's Lanczos before the [`KERNEL_FLOOR_RTOL`] acceptance or the
/// polish: a well-separated nearest-zero pair converges in one or two, and one stalled at
/// the inverse's rounding does not move after that (m = 500: the same 1.8e-9 after 10 or 100).
const KERNEL_LANCZOS_RESTARTS: usize = 4;
/// A stalled kernel pair with relative residual ≤ this on H⁻¹ (its direction is then right
/// to far better than the ratio to the next eigenvalue needs) is finished by
/// `FreeHess::polish_kernel`.
const KERNEL_POLISH_RTOL: f64 = 1e-6;
/// Block and basis of the scale estimate (largest |eigenvalue|): a few digits suffice.
const SCALE_BLOCK: usize = 4;
/// See [`SCALE_BLOCK`].
const SCALE_BASIS: usize = 16;
/// Relative residual of the scale estimate's Ritz value (it only scales tolerances).
const SCALE_RTOL: f64 = 1e-3;
/// Restarts of the scale estimate (then accepted as it is: a lower bound of ‖H‖).
const SCALE_RESTARTS: usize = 3;

/// A kernel residual at the rounding floor of H·u (≈ √n·ε·‖H‖, above [`KERNEL_RTOL`] for
/// n ≳ 100) is accepted up to this·‖H‖: µ is then exact to res²/gap ≈ 1e-22/gap.
pub(super) const KERNEL_FLOOR_RTOL: f64 = 1e-11;

/// Relative residual ‖(H − σI)⁻¹y − νy‖ ≤ this·ν asked of the shift-invert Ritz pairs: each
/// θ = σ + 1/ν is then within this·(θ − σ) of an eigenvalue (Weyl), far closer when separated
/// (residual²/gap), while the structured inverse's rounding is ≈ 1e-15 relative.
const POINT_LANCZOS_RTOL: f64 = 1e-10;
/// Restarts of one round of the point eigensolver (see `smallest_shift_invert`): the
/// quasi-continuum near α meets the ‖H‖-relative test after one round; separated pairs meet
/// the strict test within it.
const LANCZOS_ROUND_RESTARTS: usize = 3;
/// Rounds before the point eigensolver gives up (a typed step failure: the step shrinks).
const LANCZOS_ROUNDS: usize = 8;
/// Smallest Lanczos block: a few vectors per GEMM amortise the sweep through J.
const MIN_LANCZOS_BLOCK: usize = 6;
/// Basis size in blocks before a thick restart (memory 2·n·blocks·b doubles).
const LANCZOS_BASIS_BLOCKS: usize = 8;
/// σ = θ_lo − SHIFT_MARGIN·max(|θ_lo|, θ_hi − θ_lo) below the warm start's Rayleigh quotients:
/// close enough for fast shift-invert convergence, far enough that the eigenvalues drift
/// between points rarely cross it (the inertia check catches it when they do).
const SHIFT_MARGIN: f64 = 0.5;

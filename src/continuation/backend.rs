//! The linear-algebra backend of the continuation engine: how the Hessian systems at a point
//! are solved. [`Solver::Dense`] assembles H and uses LU / LBLᵀ / dense eigensolvers (the
//! engine's original path, bit for bit); [`Solver::MatrixFree`] never forms H: products come
//! from [`Objective::hessian_operator`] (the two-layer Woodbury form: exact inverse and inertia)
//! or [`Objective::hessian_vec`], bordered systems are solved by GMRES preconditioned by block
//! elimination with the structured inverse, and eigenpairs by subspace iteration on H⁻¹.

use super::failure::StepFailure;
use super::Spectrum;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::krylov::{
    gmres, largest_abs_estimate, minres, nearest_zero_pairs, smallest_pairs, HessianOperator,
    KrylovFailure, KRYLOV_MAX_ITERS, KRYLOV_TOL,
};
use crate::linalg::PartialEigen;
use ndarray::{s, Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How the Hessian systems of the continuation are solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Dense up to [`AUTO_DENSE_MAX_DIM`] parameters, matrix-free above.
    Auto,
    /// Dense factorisations and eigensolvers (O(n²) memory, O(n³) per point).
    #[default]
    Dense,
    /// Krylov solves and subspace iteration on operators (no n × n matrix anywhere).
    MatrixFree,
}

/// [`Solver::Auto`] uses the dense path up to this many parameters. Measured on the paper
/// model (2 cores, shared): the dense path is faster at every size tried (m = 10: 0.6 s vs
/// 10 s for the whole trace; m = 100, α = 5e-4: the matrix-free path needs ≈ 1 s per point),
/// so auto switches only where the dense path's memory (≈ 24·8n² bytes, 3 GB at n = 4000) and
/// its O(n³) per point become the limit.
pub const AUTO_DENSE_MAX_DIM: usize = 4000;

impl Solver {
    /// The name used on the command line and in JSON (`matrix_free` also read as
    /// `matrix-free`).
    pub fn name(self) -> &'static str {
        match self {
            Solver::Auto => "auto",
            Solver::Dense => "dense",
            Solver::MatrixFree => "matrix_free",
        }
    }
    /// The concrete solver for `n` parameters ([`Solver::Auto`] resolved).
    pub fn resolve(self, n: usize) -> Solver {
        match self {
            Solver::Auto if n <= AUTO_DENSE_MAX_DIM => Solver::Dense,
            Solver::Auto => Solver::MatrixFree,
            s => s,
        }
    }
}

impl FromStr for Solver {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Solver::Auto),
            "dense" => Ok(Solver::Dense),
            "matrix_free" | "matrix-free" => Ok(Solver::MatrixFree),
            other => Err(Error::param(
                "solver",
                format!("unknown solver `{other}` (expected `auto`, `dense` or `matrix-free`)"),
            )),
        }
    }
}

/// The engine's backend: the resolved solver and a counter of Krylov iterations.
#[derive(Clone, Debug)]
pub(crate) struct Backend {
    pub kind: Solver,
    counter: Arc<AtomicUsize>,
}

impl Backend {
    /// `solver` resolved for `n` parameters.
    pub fn new(solver: Solver, n: usize) -> Self {
        Backend {
            kind: solver.resolve(n),
            counter: Arc::new(AtomicUsize::new(0)),
        }
    }
    /// The dense backend.
    pub fn dense() -> Self {
        Backend::new(Solver::Dense, 0)
    }
    /// Krylov iterations so far.
    pub fn iterations(&self) -> usize {
        self.counter.load(Ordering::Relaxed)
    }
    /// The Hessian at (θ, λ) in this backend's form.
    pub fn at<'o, O: Objective + ?Sized>(
        &self,
        obj: &'o O,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Hess<'o> {
        match self.kind {
            Solver::MatrixFree => {
                let op: Arc<dyn HessianOperator + 'o> = match obj.hessian_operator(theta, lambda) {
                    Some(op) => Arc::from(op),
                    None => Arc::new(HvpOperator {
                        obj,
                        theta: theta.to_owned(),
                        lambda,
                    }),
                };
                Hess::Free(FreeHess {
                    op,
                    counter: self.counter.clone(),
                })
            }
            _ => Hess::Dense(obj.hessian(theta, lambda)),
        }
    }
}

/// H·u from [`Objective::hessian_vec`] (no preconditioner, no inertia).
struct HvpOperator<'o, O: ?Sized> {
    obj: &'o O,
    theta: Array1<f64>,
    lambda: f64,
}

impl<O: Objective + ?Sized> HessianOperator for HvpOperator<'_, O> {
    fn dim(&self) -> usize {
        self.theta.len()
    }
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        self.obj.hessian_vec(self.theta.view(), self.lambda, u)
    }
}

/// Why a linear solve failed.
#[derive(Clone, Debug)]
pub(crate) enum SolveFail {
    /// Numerically singular (dense LU) or non-finite.
    Singular,
    /// A Krylov solve missed its tolerance.
    Krylov(KrylovFailure),
}

impl SolveFail {
    /// As a step failure at λ.
    pub fn at(self, lambda: f64) -> StepFailure {
        match self {
            SolveFail::Singular => StepFailure::SingularBordered { lambda },
            SolveFail::Krylov(k) => StepFailure::Krylov(k),
        }
    }
}

/// The Hessian at one point.
pub(crate) enum Hess<'o> {
    /// Assembled.
    Dense(Array2<f64>),
    /// As an operator.
    Free(FreeHess<'o>),
}

/// The matrix-free Hessian at one point.
#[derive(Clone)]
pub(crate) struct FreeHess<'o> {
    pub op: Arc<dyn HessianOperator + 'o>,
    counter: Arc<AtomicUsize>,
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
    fn count(&self, k: usize) {
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

impl<'o> Hess<'o> {
    /// H u.
    pub fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        match self {
            Hess::Dense(h) => h.dot(&u),
            Hess::Free(f) => f.op.apply(u),
        }
    }
    /// The bordered matrix \[\[H, c\], \[rowᵀ\]\] (row: n + 1 entries) ready for solves.
    pub fn bordered(&self, c: &Array1<f64>, row: ArrayView1<f64>) -> Bordered<'o> {
        match self {
            Hess::Dense(h) => Bordered::Dense(crate::linalg::DenseBordered::new(h, c, row)),
            Hess::Free(f) => {
                let hc = f.op.precondition(c.view());
                Bordered::Free(FreeBordered {
                    h: f.clone(),
                    c: c.clone(),
                    row: row.to_owned(),
                    hc,
                })
            }
        }
    }
}

/// A bordered matrix \[\[H, c\], \[rowᵀ\]\] ready for solves.
pub(crate) enum Bordered<'o> {
    /// Dense LU.
    Dense(crate::linalg::DenseBordered),
    /// GMRES.
    Free(FreeBordered<'o>),
}

/// The matrix-free bordered matrix: GMRES right-preconditioned by block elimination with the
/// structured H⁻¹ (exact away from singular H; near a fold the elimination loses accuracy and
/// GMRES recovers it in a few more iterations, since the bordered matrix itself stays regular).
pub(crate) struct FreeBordered<'o> {
    h: FreeHess<'o>,
    c: Array1<f64>,
    row: Array1<f64>,
    /// H⁻¹c from the preconditioner.
    hc: Option<Array1<f64>>,
}

impl FreeBordered<'_> {
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let n = self.c.len();
        let mut out = Array1::zeros(n + 1);
        let mut top = self.h.op.apply(u.slice(s![..n]));
        top.scaled_add(u[n], &self.c);
        out.slice_mut(s![..n]).assign(&top);
        out[n] = self.row.dot(&u);
        out
    }
    fn precondition(&self, r: ArrayView1<f64>) -> Array1<f64> {
        let n = self.c.len();
        let (Some(hc), Some(y1)) = (&self.hc, self.h.op.precondition(r.slice(s![..n]))) else {
            return r.to_owned();
        };
        let rt = self.row.slice(s![..n]);
        let den = self.row[n] - rt.dot(hc);
        let sv = (r[n] - rt.dot(&y1)) / den;
        if !(sv.is_finite() && den != 0.0) {
            return r.to_owned();
        }
        let mut out = Array1::zeros(n + 1);
        out.slice_mut(s![..n]).assign(&(&y1 - &(hc * sv)));
        out[n] = sv;
        out
    }
}

impl Bordered<'_> {
    /// Solves with the bordered matrix.
    pub fn solve(&self, rhs: &Array1<f64>) -> std::result::Result<Array1<f64>, SolveFail> {
        match self {
            Bordered::Dense(b) => b.solve(rhs).ok_or(SolveFail::Singular),
            Bordered::Free(f) => {
                let a = |u: ArrayView1<f64>| f.apply(u);
                let m = |u: ArrayView1<f64>| f.precondition(u);
                let s = gmres(&a, &m, rhs, None, KRYLOV_TOL, KRYLOV_MAX_ITERS)
                    .map_err(SolveFail::Krylov)?;
                f.h.count(s.iters);
                Ok(s.x)
            }
        }
    }
    /// Sign of the determinant on the dense path (`None` matrix-free: see
    /// [`free_det_sign`]).
    pub fn dense_det_sign(&self) -> Option<f64> {
        match self {
            Bordered::Dense(b) => Some(b.det_sign),
            Bordered::Free(_) => None,
        }
    }
}

/// sign det \[\[H, c\], \[rowᵀ\]\] without a determinant: with z the solution for e_{n+1},
/// z_{n+1} = det H / det M (Cramer), so sign det M = (−1)^neg(H) · sign z_{n+1}.
pub(crate) fn free_det_sign(negative_count: usize, z_last: f64) -> f64 {
    let s = if negative_count.is_multiple_of(2) {
        1.0
    } else {
        -1.0
    };
    if z_last == 0.0 {
        0.0
    } else {
        s * z_last.signum()
    }
}

/// The spectrum at a point per `spectrum` on either backend (see `tracer::spectrum_of` for the
/// dense path's rules).
pub(crate) fn spectrum_at(
    hess: &Hess,
    spectrum: Spectrum,
    warm: Option<&Array2<f64>>,
    dense_values_only: bool,
) -> std::result::Result<PartialEigen, StepFailure> {
    match hess {
        Hess::Dense(h) => super::tracer::spectrum_of(h, spectrum, warm, dense_values_only)
            .map_err(|e| StepFailure::Eigen(e.to_string())),
        Hess::Free(f) => {
            let k = match spectrum {
                Spectrum::Smallest(k) => k,
                Spectrum::Full => f.op.dim(),
            };
            let warm = warm.filter(|w| w.ncols() > 0 && w.nrows() == f.op.dim());
            f.smallest(k, warm)
        }
    }
}

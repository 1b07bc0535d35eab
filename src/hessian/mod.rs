//! The Hessian backend: how the Hessian systems at a point are solved and its spectrum and
//! kernel computed, for continuation, events and normal forms alike (callers use the methods
//! of `Hess` / `Bordered`; nobody else matches on their variants). [`Solver::Dense`]
//! assembles H and uses LU / LBLᵀ / dense eigensolvers (the engine's original path, bit for
//! bit); [`Solver::MatrixFree`] never forms H: products come
//! from [`Objective::hessian_operator`] (the two-layer Woodbury form: exact inverse and inertia)
//! or [`Objective::hessian_vec`], bordered systems are solved by GMRES preconditioned by mixed
//! block elimination with the structured inverse (stable at folds: `bordered.rs`), and
//! eigenpairs by subspace iteration on H⁻¹.

use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::krylov::{
    block_lanczos, gmres, gmres_backward, largest_abs_estimate, minres, nearest_zero_pairs,
    HessianOperator, KrylovFailure, LanczosOptions, Which, KRYLOV_MAX_ITERS, KRYLOV_TOL,
};
use crate::linalg::PartialEigen;
use ndarray::{s, Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

mod bordered;
mod error;
mod free_generic;
mod free_hess;
mod kernel_polish;
mod methods;
mod spectrum;

pub(crate) use bordered::{free_det_sign, Bordered, FreeBordered};
pub use error::HessianError;
pub(crate) use free_generic::relaxed_acceptances;
pub(crate) use free_hess::FreeHess;
pub use methods::EventSpectrum;

/// How much of the Hessian spectrum to record at each accepted point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spectrum {
    /// The k smallest eigenvalues (partial eigensolver).
    Smallest(usize),
    /// The full spectrum (dense eigendecomposition at every point).
    Full,
}

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
    /// Krylov iterations so far.
    pub fn iterations(&self) -> usize {
        self.counter.load(Ordering::Relaxed)
    }
    /// [`Hess::nearest_zero_value`] at (θ, λ) for the kernel estimate `phi`; matrix-free, the
    /// Rayleigh quotient from one [`Objective::hessian_vec`], without the structured setup
    /// (an N²n GEMM for the two-layer Woodbury form) that [`Backend::at`] would do for it.
    pub fn nearest_zero_value<O: Objective + ?Sized>(
        &self,
        obj: &O,
        theta: ArrayView1<f64>,
        lambda: f64,
        phi: ArrayView1<f64>,
    ) -> f64 {
        match self.kind {
            Solver::MatrixFree => phi.dot(&obj.hessian_vec(theta, lambda, phi)) / phi.dot(&phi),
            _ => self.at(obj, theta, lambda).nearest_zero_value(phi),
        }
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
                    scale: Default::default(),
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

/// The Hessian at one point.
pub(crate) enum Hess<'o> {
    /// Assembled.
    Dense(Array2<f64>),
    /// As an operator.
    Free(FreeHess<'o>),
}

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
            Hess::Free(f) => Bordered::Free(FreeBordered {
                h: f.clone(),
                c: c.clone(),
                row: row.to_owned(),
                mixed: bordered::MixedElimination::new(f, c, row),
                norm: std::sync::OnceLock::new(),
            }),
        }
    }
}

/// The spectrum at a point per `spectrum` on either backend (see `spectrum::spectrum_of` for the
/// dense path's rules).
pub(crate) fn spectrum_at(
    hess: &Hess,
    spectrum: Spectrum,
    warm: Option<&Array2<f64>>,
    dense_values_only: bool,
) -> std::result::Result<PartialEigen, HessianError> {
    match hess {
        Hess::Dense(h) => spectrum::spectrum_of(h, spectrum, warm, dense_values_only)
            .map_err(|e| HessianError::Eigen(e.to_string())),
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

//! Continuation of critical branches {∇L(θ, λ) = 0}: pseudo-arclength predictor–corrector
//! with exact derivatives, step control, event detection and location; and the paper's
//! natural-parameter minimiser method for comparison.

use ndarray::Array1;
use serde::{Deserialize, Serialize};

/// Which continuation method produced a branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Pseudo-arclength continuation with exact derivatives.
    #[default]
    Exact,
    /// The paper's warm-started L-BFGS on a λ grid with finite-difference Hessians.
    Paper,
}

/// One accepted point of a branch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    /// λ.
    pub lambda: f64,
    /// ‖∇L(θ, λ)‖ (2-norm).
    pub grad_norm: f64,
    /// L(θ, λ).
    pub loss: f64,
    /// The smallest Hessian eigenvalues, ascending (all of them on request).
    pub eigenvalues: Vec<f64>,
    /// λ-component of the unit tangent (0 for the paper method, which has none).
    pub tangent_lambda: f64,
    /// Number of negative Hessian eigenvalues.
    pub morse_index: usize,
    /// Arclength from the start of the branch (in (θ, λ) space).
    pub arclength: f64,
    /// θ (not written to JSON: large).
    #[serde(skip)]
    pub theta: Array1<f64>,
}

/// Kind of a located event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// λ turns back along the branch (saddle-node; g_µ ≠ 0).
    Fold,
    /// Singular Hessian without a fold: another branch crosses (g_µ = 0).
    BranchPoint,
    /// The Morse index changed without a located singularity of the above kinds.
    MorseChange,
    /// The paper method's eigenvalue crossing, found by linear interpolation on its λ grid.
    EigenvalueCrossing,
}

/// A located degenerate point (θ*, λ*) with its kernel.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    /// Kind of event.
    pub kind: EventKind,
    /// λ*.
    pub lambda: f64,
    /// Residual of the defining system at the located point (max of ‖∇L‖ and |λ_min|).
    pub residual: f64,
    /// Smallest Hessian eigenvalues at the located point, ascending.
    pub eigenvalues: Vec<f64>,
    /// Unit kernel vector φ (eigenvector of the eigenvalue nearest zero).
    pub kernel: Vec<f64>,
    /// θ*.
    pub theta: Vec<f64>,
    /// Morse index just before and just after the event along the branch.
    pub morse_before: usize,
    /// Morse index just after.
    pub morse_after: usize,
    /// Arclength position along the branch.
    pub arclength: f64,
}

/// Why a trace stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum Status {
    /// λ left [λ_min, λ_max] at the upper end (the final point is on the boundary).
    ReachedLambdaMax,
    /// λ returned to λ_min (e.g. after a fold).
    ReachedLambdaMin,
    /// The step budget was spent.
    StepBudgetExhausted,
    /// The step size fell below its minimum without a converged corrector.
    Stalled(String),
    /// The paper method's optimiser moved to another branch (detected jump).
    BranchJump(String),
}

/// A traced branch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Branch {
    /// Method used.
    pub method: Method,
    /// Accepted points, in order along the branch.
    pub points: Vec<Point>,
    /// Located events, in order along the branch.
    pub events: Vec<Event>,
    /// Largest ‖∇L‖ over the recorded points.
    pub max_grad_norm: f64,
    /// Why the trace stopped.
    pub status: Status,
}

use crate::derivatives::Objective;
use crate::error::Result;
use ndarray::ArrayView1;

/// How much of the Hessian spectrum to record at each accepted point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spectrum {
    /// The k smallest eigenvalues (partial eigensolver).
    Smallest(usize),
    /// The full spectrum (dense eigendecomposition at every point).
    Full,
}

/// Parameters of pseudo-arclength continuation.
///
/// ```
/// use actbif::continuation::{ContinuationParams, Spectrum};
/// let p = ContinuationParams::default();
/// assert_eq!((p.lambda_min, p.lambda_max), (0.0, 1.0));
/// assert_eq!(p.spectrum, Spectrum::Smallest(6));
/// assert_eq!(p.grad_tol, 1e-13);
/// assert_eq!(p.event_tol, 1e-12);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContinuationParams {
    /// Lower end of the λ window; the trace stops when λ leaves it.
    pub lambda_min: f64,
    /// Upper end of the λ window.
    pub lambda_max: f64,
    /// First arclength step.
    pub ds_initial: f64,
    /// Smallest step before the trace is declared stalled.
    pub ds_min: f64,
    /// Largest step.
    pub ds_max: f64,
    /// Step budget (accepted + rejected steps).
    pub max_steps: usize,
    /// Corrector tolerance on ‖∇L‖.
    pub grad_tol: f64,
    /// Newton iterations per corrector before the step is rejected.
    pub max_newton_iters: usize,
    /// Largest angle (radians) between consecutive tangents of an accepted step.
    pub max_turn: f64,
    /// Eigenvalues recorded per point.
    pub spectrum: Spectrum,
    /// Locate detected events by Newton on an extended system.
    pub locate_events: bool,
    /// Residual required of a located event.
    pub event_tol: f64,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl Default for ContinuationParams {
    fn default() -> Self {
        ContinuationParams {
            lambda_min: 0.0,
            lambda_max: 1.0,
            ds_initial: 1e-2,
            ds_min: 1e-10,
            ds_max: 5e-2,
            max_steps: 5000,
            grad_tol: 1e-13,
            max_newton_iters: 10,
            max_turn: 0.3,
            spectrum: Spectrum::Smallest(6),
            locate_events: true,
            event_tol: 1e-12,
            progress: false,
        }
    }
}

/// Parameters of the paper's method: natural-parameter continuation by warm-started L-BFGS on
/// a uniform λ grid, forward-difference Hessians, crossings by linear interpolation.
///
/// ```
/// let p = actbif::continuation::PaperParams::default();
/// assert_eq!(p.n_steps, 400);
/// assert_eq!(p.gtol, 1e-14);
/// assert_eq!(p.fd_step, 1e-5);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaperParams {
    /// λ grid end (start is 0).
    pub lambda_max: f64,
    /// Number of grid steps (Δλ = lambda_max / n_steps).
    pub n_steps: usize,
    /// L-BFGS gradient tolerance (the paper's gtol).
    pub gtol: f64,
    /// L-BFGS iteration cap per grid point.
    pub max_iters: u64,
    /// Forward-difference step of the Hessian.
    pub fd_step: f64,
    /// Eigenvalues recorded per point.
    pub spectrum: Spectrum,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl Default for PaperParams {
    fn default() -> Self {
        PaperParams {
            lambda_max: 1.0,
            n_steps: 400,
            gtol: 1e-14,
            max_iters: 15000,
            fd_step: 1e-5,
            spectrum: Spectrum::Smallest(6),
            progress: false,
        }
    }
}

/// Newton's method on ∇L(·, λ) = 0 from `theta0` to ‖∇L‖ ≤ `tol`.
pub fn newton_critical_point<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    lambda: f64,
    tol: f64,
) -> Result<Array1<f64>> {
    let _ = (obj, theta0, lambda, tol);
    todo!("continuation helper")
}

/// Follows the critical branch through (θ0, λ0) by pseudo-arclength continuation, initially
/// towards increasing λ, recording points and locating events.
pub fn trace<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    lambda0: f64,
    params: &ContinuationParams,
) -> Result<Branch> {
    let _ = (obj, theta0, lambda0, params);
    todo!("continuation helper")
}

/// The paper's method from (θ0, 0) on its λ grid.
pub fn trace_paper<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    params: &PaperParams,
) -> Result<Branch> {
    let _ = (obj, theta0, params);
    todo!("continuation helper")
}

/// A branch point interpolated onto a λ grid.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GridPoint {
    /// λ.
    pub lambda: f64,
    /// Interpolated loss.
    pub loss: f64,
    /// Interpolated eigenvalues.
    pub eigenvalues: Vec<f64>,
}

/// Resamples the part of a branch that is a graph over λ (up to the first fold) onto `grid`;
/// grid values outside that part are omitted.
pub fn resample(branch: &Branch, grid: &[f64]) -> Vec<GridPoint> {
    let _ = (branch, grid);
    todo!("continuation helper")
}

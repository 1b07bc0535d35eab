//! Continuation of critical branches {∇L(θ, λ) = 0}: pseudo-arclength predictor–corrector
//! with exact derivatives, step control, event detection and location; and the paper's
//! natural-parameter minimiser method for comparison.
//!
//! Exact method ([`trace`]): the branch {∇L(θ, λ) = 0} is followed in x = (θ, λ) by
//! pseudo-arclength continuation. The unit tangent τ solves the bordered system
//! \[\[H, ∂λ∇L\], \[τ_prevᵀ\]\] τ̃ = e_{n+1} (so τᵀτ_prev > 0 keeps the orientation); the corrector is
//! Newton on \[\[H, ∂λ∇L\], \[νᵀ\]\] (ν the border, a hyperplane transversal to the branch), started as
//! a chord iteration with the factorisation from the tangent solve and refreshed whenever it
//! contracts poorly, to ‖∇L‖ ≤ `grad_tol`. Test functions between accepted points: the sign of
//! τ_λ (fold), the sign of det\[\[H, ∂λ∇L\], \[τᵀ\]\] from the LU of the tangent solve (branch point),
//! and the Morse index (inertia of an LBLᵀ factorisation or the dense spectrum).
//!
//! Event location: a fold by Newton on (∇L, µ) = 0 with µ the Hessian eigenvalue nearest zero;
//! a branch point (where that system is singular), an index change without either test firing,
//! or a fold whose Newton failed, by Brent's method on the crossing eigenvalue along the chord
//! of the step, every trial point corrected onto the branch in the hyperplane orthogonal to the
//! chord. An event's `residual` is always evaluated at the recorded point; a residual above
//! `event_tol` means location failed there.
//!
//! # Layout
//!
//! The engine keeps problem, algorithm, step control, events and observers apart:
//! [`ContinuationProblem`] (an objective and the lens of the continued parameter,
//! [`crate::derivatives::family::FixedLambda`] for a second parameter), [`ContinuationAlgorithm`] ([`PseudoArclength`],
//! [`NaturalParameter`]), [`StepController`], [`TestFunction`] (fold, branch point, user
//! defined; with the admissibility rules of [`test_functions::rejection`]), [`Observer`]
//! ([`CancelFlag`], [`ProgressBar`], [`JsonLines`]), typed [`StepFailure`]s; the Hessian systems
//! are solved by [`crate::hessian`]. [`trace`], [`trace_observed`] and [`trace_paper`] are thin
//! wrappers.

mod algorithm;
mod checkpoint;
pub mod codim2;
mod corrector;
mod dcsrch;
mod events;
mod failure;
mod observer;
mod paper;
mod params;
mod problem;
mod resample_impl;
pub mod scipy_lbfgs;
mod step;
pub mod test_functions;
mod tracer;

pub(crate) use crate::hessian::{relaxed_acceptances, Backend, Hess};
pub use crate::hessian::{Solver, AUTO_DENSE_MAX_DIM};
pub use algorithm::{ContinuationAlgorithm, NaturalParameter, PseudoArclength};
pub use checkpoint::JsonLines;
pub use failure::StepFailure;
pub use observer::{CancelFlag, Control, NoObserver, Observer, Observers, ProgressBar, StopReason};
pub use params::{ContinuationParams, PaperParams, PaperStopping, Spectrum};
pub use problem::{ContinuationProblem, Lens};
pub use step::StepController;
pub use test_functions::{event_tolerance, is_located, RejectedEvent, TestFunction, TestPoint};
pub use tracer::SINGULAR_START_RTOL;

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
    /// Krylov iterations (solver and eigensolver operator applications) spent since the
    /// previous point, rejected steps included; 0 on the dense path.
    #[serde(default)]
    pub krylov_iterations: usize,
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
    /// A sign change of a user-defined [`TestFunction`].
    UserDefined,
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
    /// Unit kernel vector φ (eigenvector of the eigenvalue nearest zero; for the paper
    /// method's crossings, of the smallest eigenvalue at the nearer grid point).
    ///
    /// An eigenvector is defined only up to sign; φ is oriented so that its entry of largest
    /// modulus is positive (the first such on exact ties; [`crate::linalg::orient`]). The
    /// signs of g_µ and g_aa in [`crate::normal_form::Coefficients`] follow φ's.
    pub kernel: Vec<f64>,
    /// θ*.
    pub theta: Vec<f64>,
    /// Morse index just before and just after the event along the branch.
    pub morse_before: usize,
    /// Morse index just after.
    pub morse_after: usize,
    /// Arclength position along the branch.
    pub arclength: f64,
    /// Whether the defining system was solved to tolerance ([`event_tolerance`]); `false`: a
    /// real crossing (a test function changed sign) whose location is only as good as
    /// `residual` (or a grid crossing of the paper method). Counted by `max_events` either way.
    #[serde(default = "located_default")]
    pub located: bool,
}

/// Events written before `located` existed were all located to tolerance.
fn located_default() -> bool {
    true
}

/// Why a trace stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum Status {
    /// λ left \[λ_min, λ_max\] at the upper end (the final point is on the boundary).
    ReachedLambdaMax,
    /// λ returned to λ_min (e.g. after a fold).
    ReachedLambdaMin,
    /// The step budget was spent.
    StepBudgetExhausted,
    /// The step size fell below its minimum without a converged corrector.
    Stalled(String),
    /// The paper method's optimiser moved to another branch (detected jump).
    BranchJump(String),
    /// Stopped from outside (SIGINT/SIGTERM, a [`CancelFlag`], an [`Observer`]); the detail
    /// says why. Every accepted point is kept.
    Interrupted(String),
    /// `max_seconds` was spent.
    TimeBudgetExhausted,
    /// `max_events` events were located.
    MaxEvents,
    /// The trace is still running (only observers see this).
    InProgress,
    /// The branch returned to its start point: a closed loop (diagram branches).
    ClosedLoop,
}

impl Status {
    /// Whether the trace ended before its natural end because it was interrupted or ran out of
    /// a step or time budget (the CLI exits with code 3 then).
    pub fn is_incomplete(&self) -> bool {
        matches!(
            self,
            Status::Interrupted(_)
                | Status::StepBudgetExhausted
                | Status::TimeBudgetExhausted
                | Status::InProgress
        )
    }
}

/// What is needed to continue a trace from its last point: θ, λ, the unit tangent (oriented
/// along the direction of travel) and the step size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResumeState {
    /// θ at the last point.
    pub theta: Vec<f64>,
    /// λ at the last point.
    pub lambda: f64,
    /// Unit tangent in (θ, λ) (n + 1 entries).
    pub tangent: Vec<f64>,
    /// The next step size.
    pub ds: f64,
    /// Arclength at the last point.
    pub arclength: f64,
}

/// A trace with what the engine knows beyond the [`Branch`].
#[derive(Clone, Debug)]
pub struct Trace {
    /// The branch.
    pub branch: Branch,
    /// Detected singular points not reported as events, with the reason.
    pub rejected_events: Vec<RejectedEvent>,
    /// State to continue from (exact method).
    pub resume: Option<ResumeState>,
    /// Steps attempted (accepted and rejected; grid points for the paper method).
    pub steps: usize,
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
use crate::error::{ensure_finite, ensure_positive, Error, Result};
use ndarray::ArrayView1;

/// Newton's method on ∇L(·, λ) = 0 from `theta0` to ‖∇L‖ ≤ `tol` (with backtracking on
/// ‖∇L‖; at most 50 iterations; accepted at ‖∇L‖ ≤ 10·tol once a full Newton step no longer
/// halves ‖∇L‖, the rounding floor). Errors with [`crate::Error::NoConvergence`] otherwise.
/// Linear solves as [`Solver::Auto`] picks them (matrix-free above [`AUTO_DENSE_MAX_DIM`]).
pub fn newton_critical_point<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    lambda: f64,
    tol: f64,
) -> Result<Array1<f64>> {
    let n = obj.dim();
    if theta0.len() != n {
        return Err(crate::Error::shape("initial θ", n, theta0.len()));
    }
    crate::error::ensure_finite("initial θ", theta0.iter())?;
    if !lambda.is_finite() {
        return Err(crate::Error::param(
            "lambda",
            format!("must be finite, got {lambda}"),
        ));
    }
    if !(tol > 0.0 && tol.is_finite()) {
        return Err(crate::Error::param(
            "tol",
            format!("must be positive, got {tol}"),
        ));
    }
    // Auto: dense up to AUTO_DENSE_MAX_DIM (unchanged there); above it no n × n Hessian is
    // formed (at n = 64,000 the dense one alone would take 33 GB).
    corrector::newton_fixed_lambda(
        obj,
        &Backend::new(Solver::Auto, n),
        theta0,
        lambda,
        tol,
        tracer::NATURAL_NEWTON_ITERS,
    )
    .map(|(theta, _)| theta)
    .map_err(|f| crate::Error::NoConvergence {
        method: "Newton on ∇L = 0".into(),
        reason: f.to_string(),
    })
}

/// Follows the critical branch through (θ0, λ0) by pseudo-arclength continuation, initially
/// towards increasing λ, recording points and locating events.
///
/// θ0 is first corrected by Newton at λ0 to `grad_tol`. Every recorded point was reached by the
/// corrector (‖∇L‖ ≤ `grad_tol`, see its rounding fallback); a step whose corrector fails,
/// corrects by more than half the step, turns the tangent by more than `max_turn`, contains more
/// than one event, or contains an event that cannot be located (residual > 1e-8: the corrector
/// jumped to a nearby branch, e.g. at an imperfect bifurcation) is retried with half the step;
/// below `ds_min` the trace ends [`Status::Stalled`]. The step grows ×2 (×1.3) after correctors
/// that converged by chord iterations alone (with one Jacobian refresh), up to `ds_max`. A step that leaves
/// \[λ_min, λ_max\] is replaced by a point exactly on the boundary (Newton at fixed λ from the
/// interpolated θ), and the trace ends there.
///
/// A start whose Hessian is singular (smallest |eigenvalue| ≤ [`SINGULAR_START_RTOL`] × the
/// largest, e.g. a valley of minimisers at α = 0) is refused with
/// [`crate::Error::InvalidParameter`]. An event is reported only if it passes
/// [`test_functions::rejection`] (located to `event_tol`, one-dimensional kernel, Morse index
/// change ±1); others are listed in [`Trace::rejected_events`] by [`PseudoArclength`].
pub fn trace<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    lambda0: f64,
    params: &ContinuationParams,
) -> Result<Branch> {
    trace_observed(obj, theta0, lambda0, params, &mut NoObserver)
}

/// [`trace`] with an [`Observer`] called at every accepted point and event; a
/// [`Control::Stop`] ends the trace with [`Status::Interrupted`], keeping every accepted point.
/// `params.progress` adds a [`ProgressBar`].
///
/// ```
/// use actbif::continuation::{trace_observed, CancelFlag, ContinuationParams, Status};
/// use actbif::models::two_layer::TwoLayer;
/// let model = TwoLayer::paper(3)?;
/// let theta0 = actbif::app::start_point(&model)?;
/// let flag = CancelFlag::new();
/// flag.cancel(); // e.g. from a signal handler
/// let b = trace_observed(&model, theta0.view(), 0.0, &ContinuationParams::default(),
///                        &mut flag.clone())?;
/// assert!(matches!(b.status, Status::Interrupted(_)));
/// assert_eq!(b.points.len(), 1); // the start point is kept
/// # Ok::<(), actbif::Error>(())
/// ```
pub fn trace_observed<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    lambda0: f64,
    params: &ContinuationParams,
    observer: &mut dyn Observer,
) -> Result<Branch> {
    let alg = PseudoArclength::new(params.clone());
    with_progress(params.progress, "exact trace", params, observer, |o| {
        alg.run(obj, theta0, lambda0, o)
    })
    .map(|t| t.branch)
}

/// Runs `f` with `observer`, preceded by a progress bar when `progress`.
pub(crate) fn with_progress<T>(
    progress: bool,
    label: &str,
    params: &ContinuationParams,
    observer: &mut dyn Observer,
    f: impl FnOnce(&mut dyn Observer) -> T,
) -> T {
    if progress {
        let mut bar = ProgressBar::new(label, params.lambda_min, params.lambda_max);
        let list: Vec<&mut dyn Observer> = vec![&mut bar, observer];
        let mut both = Observers(list);
        f(&mut both)
    } else {
        f(observer)
    }
}

/// The paper's method from (θ0, 0) on its λ grid: at each λ_i = i·lambda_max/n_steps, L-BFGS
/// (argmin, More–Thuente line search, memory 10) warm-started at the previous minimiser, the
/// forward-difference Hessian (step `fd_step`) and its dense eigendecomposition. When the
/// smallest eigenvalue changes sign from positive to non-positive between grid points, an
/// [`EventKind::EigenvalueCrossing`] is recorded at the linearly interpolated λ*, with θ and φ
/// from the nearest grid point and the residual evaluated at that (θ, λ*). A jump in θ (see
/// [`PaperParams::jump_ratio`]) or the smallest eigenvalue snapping from negative to positive
/// ends the trace with [`Status::BranchJump`] (unless `continue_after_jump`).
pub fn trace_paper<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    params: &PaperParams,
) -> Result<Branch> {
    let window = ContinuationParams {
        lambda_max: params.lambda_max.max(f64::MIN_POSITIVE),
        ..Default::default()
    };
    with_progress(
        params.progress,
        "paper trace",
        &window,
        &mut NoObserver,
        |o| paper::trace_paper_impl(obj, theta0, params, o),
    )
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

/// Resamples the part of a branch that is a graph over λ (the leading points on which λ
/// increases and, for exact branches, the tangent points to increasing λ: up to the first fold)
/// onto `grid` by linear interpolation in λ of the loss and of each recorded eigenvalue; grid
/// values outside that part are omitted.
pub fn resample(branch: &Branch, grid: &[f64]) -> Vec<GridPoint> {
    resample_impl::resample_impl(branch, grid)
}

/// Checks the start and the parameters of pseudo-arclength continuation.
pub(crate) fn validate(
    n: usize,
    theta0: ArrayView1<f64>,
    lambda0: f64,
    p: &ContinuationParams,
) -> Result<()> {
    if theta0.len() != n {
        return Err(Error::shape("initial θ", n, theta0.len()));
    }
    ensure_finite("initial θ", theta0.iter())?;
    let finite = |name: &str, v: f64| {
        if v.is_finite() {
            Ok(())
        } else {
            Err(Error::param(name, format!("must be finite, got {v}")))
        }
    };
    finite("lambda_min", p.lambda_min)?;
    finite("lambda_max", p.lambda_max)?;
    finite("lambda0", lambda0)?;
    if p.lambda_min >= p.lambda_max {
        return Err(Error::param(
            "lambda_max",
            format!(
                "must exceed lambda_min = {}, got {}",
                p.lambda_min, p.lambda_max
            ),
        ));
    }
    if !(p.lambda_min..=p.lambda_max).contains(&lambda0) {
        return Err(Error::param(
            "lambda0",
            format!(
                "must lie in [{}, {}], got {lambda0}",
                p.lambda_min, p.lambda_max
            ),
        ));
    }
    if !(p.ds_min > 0.0
        && p.ds_min <= p.ds_initial
        && p.ds_initial <= p.ds_max
        && p.ds_max.is_finite())
    {
        return Err(Error::param(
            "ds_initial",
            format!(
                "need 0 < ds_min ≤ ds_initial ≤ ds_max < ∞, got {} ≤ {} ≤ {}",
                p.ds_min, p.ds_initial, p.ds_max
            ),
        ));
    }
    ensure_positive("grad_tol", p.grad_tol)?;
    ensure_positive("event_tol", p.event_tol)?;
    if !(p.max_turn > 0.0 && p.max_turn < std::f64::consts::PI) {
        return Err(Error::param(
            "max_turn",
            format!("must lie in (0, π), got {}", p.max_turn),
        ));
    }
    if p.max_newton_iters == 0 {
        return Err(Error::param("max_newton_iters", "must be at least 1"));
    }
    if p.spectrum == Spectrum::Smallest(0) {
        return Err(Error::param("spectrum", "Smallest(k) needs k ≥ 1"));
    }
    if let Some(t) = p.max_seconds {
        ensure_positive("max_seconds", t)?;
    }
    if p.max_events == Some(0) {
        return Err(Error::param("max_events", "must be at least 1"));
    }
    Ok(())
}

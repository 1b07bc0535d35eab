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

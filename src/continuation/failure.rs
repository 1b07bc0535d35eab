//! Typed step failures: why a corrector, a boundary landing or an accepted-step check rejected
//! a step. A rejected step is retried with half the step size; the last failure is reported
//! in [`super::Status::Stalled`] when the step size falls below its minimum.

use crate::hessian::HessianError;

/// Why a continuation step (or a Newton solve) failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StepFailure {
    /// ∇L evaluated to NaN or ±inf.
    #[error("non-finite gradient at λ = {lambda}")]
    NonFiniteGradient {
        /// λ at the evaluation.
        lambda: f64,
    },
    /// ‖∇L‖ grew far beyond its value at the predictor.
    #[error("corrector diverged (‖∇L‖ = {grad_norm:.3e})")]
    Diverged {
        /// ‖∇L‖ when the corrector gave up.
        grad_norm: f64,
    },
    /// The corrector used up its linear solves.
    #[error("corrector did not converge in {iters} iterations (‖∇L‖ = {grad_norm:.3e})")]
    SolveBudget {
        /// Linear solves performed.
        iters: usize,
        /// ‖∇L‖ at the end.
        grad_norm: f64,
    },
    /// The corrector used up its Jacobian evaluations.
    #[error(
        "corrector did not converge in {refreshes} Newton iterations (‖∇L‖ = {grad_norm:.3e})"
    )]
    NewtonBudget {
        /// Jacobian evaluations performed.
        refreshes: usize,
        /// ‖∇L‖ at the end.
        grad_norm: f64,
    },
    /// Exact Newton steps made no net progress (a predictor outside Newton's basin).
    #[error(
        "corrector made no progress in {refreshes} Newton iterations (‖∇L‖ = {start:.3e} at \
         the first, {grad_norm:.3e} after)"
    )]
    NewtonNoProgress {
        /// Jacobian evaluations performed.
        refreshes: usize,
        /// ‖∇L‖ when the first was taken.
        start: f64,
        /// ‖∇L‖ at the end.
        grad_norm: f64,
    },
    /// The bordered Jacobian \[\[H, ∂λ∇L\], \[νᵀ\]\] is numerically singular.
    #[error("singular bordered Jacobian at λ = {lambda}")]
    SingularBordered {
        /// λ there.
        lambda: f64,
    },
    /// The Hessian of a fixed-λ Newton solve is numerically singular.
    #[error("singular Hessian at λ = {lambda}")]
    SingularHessian {
        /// λ there.
        lambda: f64,
    },
    /// Backtracking found no decrease of ‖∇L‖ above the rounding floor.
    #[error("Newton stagnated at ‖∇L‖ = {grad_norm:.3e} (tolerance {tol:.1e}) at λ = {lambda}")]
    Stagnated {
        /// ‖∇L‖ reached.
        grad_norm: f64,
        /// Tolerance asked for.
        tol: f64,
        /// λ.
        lambda: f64,
    },
    /// A fixed-λ Newton solve used up its iterations.
    #[error(
        "Newton did not reach ‖∇L‖ ≤ {tol:.1e} in {iters} iterations (‖∇L‖ = {grad_norm:.3e}) at λ = {lambda}"
    )]
    NaturalBudget {
        /// Tolerance asked for.
        tol: f64,
        /// Iterations allowed.
        iters: usize,
        /// ‖∇L‖ reached.
        grad_norm: f64,
        /// λ.
        lambda: f64,
    },
    /// The corrector moved further than half the step (likely onto another branch).
    #[error("correction {dist:.3e} too large for step {ds:.3e}")]
    CorrectionTooLarge {
        /// ‖x − x_pred‖.
        dist: f64,
        /// The step.
        ds: f64,
    },
    /// Newton at the window boundary converged too far from the interpolated guess.
    #[error("boundary landing at λ = {bound} jumped")]
    BoundaryJump {
        /// The boundary value of λ.
        bound: f64,
    },
    /// Newton at the window boundary failed.
    #[error("boundary landing failed: {0}")]
    BoundaryFailed(Box<StepFailure>),
    /// Consecutive tangents differ by more than `max_turn`.
    #[error("tangent turned by {angle:.3} rad")]
    TurnTooLarge {
        /// Angle between the tangents.
        angle: f64,
    },
    /// The test functions signal more than one event in the step.
    #[error("several events in one step")]
    SeveralEvents,
    /// A detected event could not be located (typically a jump between branches).
    #[error("event between λ = {from} and λ = {to} could not be located (possible branch jump)")]
    EventNotLocated {
        /// λ at the start of the step.
        from: f64,
        /// λ at its end.
        to: f64,
    },
    /// A Krylov solve of the matrix-free backend missed its tolerance.
    #[error("{0}")]
    Krylov(crate::linalg::krylov::KrylovFailure),
    /// The eigensolver failed at the new point.
    #[error("{0}")]
    Eigen(String),
}

impl StepFailure {
    /// A backend failure at λ (a singular system becomes a singular bordered matrix there).
    pub(crate) fn hessian(e: HessianError, lambda: f64) -> Self {
        match e {
            HessianError::Singular => StepFailure::SingularBordered { lambda },
            HessianError::Krylov(k) => StepFailure::Krylov(k),
            HessianError::Eigen(m) => StepFailure::Eigen(m),
        }
    }
}

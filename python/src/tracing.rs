//! What `TwoLayer.trace` and `Mlp.trace` share: checking the arguments into
//! `ContinuationParams`, and turning an unfinished branch into a `ContinuationError`.

use crate::branch::PyBranch;
use crate::errors::{continuation_error, to_py, value_error};
use actbif::app::sweep::Solver;
use actbif::continuation::{ContinuationParams, Status};
use pyo3::prelude::*;

/// The trace arguments every model class takes.
pub struct TraceArgs<'a> {
    /// Upper end of the λ window.
    pub lambda_max: f64,
    /// "auto" | "dense" | "matrix-free".
    pub solver: &'a str,
    /// Show a progress bar.
    pub progress: bool,
    /// Step budget.
    pub max_steps: Option<usize>,
    /// Wall-time budget in seconds.
    pub max_seconds: Option<f64>,
}

/// Validated continuation parameters (ValueError naming the bad argument otherwise).
pub fn trace_params(a: &TraceArgs<'_>) -> PyResult<ContinuationParams> {
    actbif::app::commands::validate_lambda_max(a.lambda_max).map_err(to_py)?;
    let solver: Solver = a.solver.parse().map_err(to_py)?;
    if a.max_steps == Some(0) {
        return Err(value_error("max_steps must be at least 1"));
    }
    if let Some(t) = a.max_seconds {
        if !(t > 0.0 && t.is_finite()) {
            return Err(value_error(format!(
                "max_seconds must be positive, got {t}"
            )));
        }
    }
    let defaults = ContinuationParams::default();
    Ok(ContinuationParams {
        lambda_max: a.lambda_max,
        progress: a.progress,
        max_steps: a.max_steps.unwrap_or(defaults.max_steps),
        max_seconds: a.max_seconds,
        // `auto`: dense up to `continuation::AUTO_DENSE_MAX_DIM` parameters, matrix-free above.
        solver,
        ..defaults
    })
}

/// The status name and reason of a branch that did not finish its window; `None` when it did.
pub fn unfinished(status: &Status) -> Option<(&'static str, String)> {
    match status {
        Status::Stalled(why) => Some(("stalled", why.clone())),
        Status::StepBudgetExhausted => {
            Some(("step_budget_exhausted", "the step budget was spent".into()))
        }
        Status::BranchJump(why) => Some(("branch_jump", why.clone())),
        Status::Interrupted(why) => Some(("interrupted", why.clone())),
        Status::TimeBudgetExhausted => {
            Some(("time_budget_exhausted", "the time budget was spent".into()))
        }
        Status::InProgress => Some(("in_progress", "the trace did not finish".into())),
        Status::ReachedLambdaMax
        | Status::ReachedLambdaMin
        | Status::MaxEvents
        | Status::ClosedLoop => None,
    }
}

/// The branch, or a ContinuationError carrying it when it did not finish and
/// `raise_on_failure` is set.
pub fn finish(py: Python<'_>, out: PyBranch, raise_on_failure: bool) -> PyResult<PyBranch> {
    match unfinished(out.status_ref()) {
        Some((status, why)) if raise_on_failure => {
            let last = out.last_lambda();
            let b = Py::new(py, out)?.into_any();
            Err(continuation_error(
                py,
                format!("continuation {status} at λ = {last}: {why}"),
                status,
                Some(b),
            ))
        }
        _ => Ok(out),
    }
}

//! [`TraceReport`]: the JSON output of `actbif trace`, shared by `actbif sweep` and the Python
//! package.

use crate::app::{self as common, Setting};
use crate::continuation::{
    resample, Branch, Event, GridPoint, Method, Point, RejectedEvent, ResumeState, Solver, Status,
};
use crate::models::two_layer::TwoLayer;
use serde::Serialize;

/// Output of `actbif trace` (the setting type differs by model family: [`Setting`] for the
/// two-layer model, `app::mlp::MlpSetting` for the MLP).
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport<S = Setting> {
    /// Model setting.
    pub setting: S,
    /// Method.
    pub method: Method,
    /// λ window end.
    pub lambda_max: f64,
    /// Points.
    pub points: Vec<Point>,
    /// Events.
    pub events: Vec<Event>,
    /// Largest ‖∇L‖.
    pub max_grad_norm: f64,
    /// Why the trace stopped.
    pub status: Status,
    /// The branch resampled on a uniform λ grid ([`GRID_POINTS`] points over [0, λ_max]) where
    /// it is a graph over λ (up to its first fold), for plotting.
    pub grid: Vec<GridPoint>,
    /// Detected singular points that are not events (kernel not one-dimensional, Morse index
    /// change inconsistent with the kind, or not located), with the reason.
    pub rejected_events: Vec<RejectedEvent>,
    /// What `--resume` needs to continue from the last point (exact method; null otherwise).
    pub resume: Option<ResumeState>,
    /// The linear-algebra backend used (`dense` or `matrix_free`; `auto` resolved).
    pub solver: Solver,
}

/// Points of the uniform λ grid in `actbif trace` output (the paper's Δλ = 1/400 on [0, 1]).
pub const GRID_POINTS: usize = 401;

/// Packs a traced branch of `model` (data described by `data`) as the `trace` JSON report,
/// resampled on the [`GRID_POINTS`]-point grid over \[0, λ_max\]. Shared by `actbif trace`,
/// `actbif sweep` and the Python package, so that all three write the same JSON.
pub fn trace_report(model: &TwoLayer, data: &str, lambda_max: f64, b: Branch) -> TraceReport {
    TraceReport::from_branch(Setting::of(model, data), lambda_max, b)
}

impl<S> TraceReport<S> {
    /// A traced branch with its model `setting`, resampled on the [`GRID_POINTS`]-point grid
    /// over \[0, λ_max\] (dense solver, no rejected events or resume state: callers that have
    /// them set those fields). One packer for every model family.
    pub fn from_branch(setting: S, lambda_max: f64, b: Branch) -> Self {
        let grid = resample(&b, &common::linspace(0.0, lambda_max, GRID_POINTS));
        TraceReport {
            setting,
            method: b.method,
            lambda_max,
            points: b.points,
            events: b.events,
            max_grad_norm: b.max_grad_norm,
            status: b.status,
            grid,
            rejected_events: Vec::new(),
            resume: None,
            solver: Solver::Dense,
        }
    }
}

//! The fold curve of a two-layer model through the first fold of its λ-branch
//! (`actbif fold-curve`).

use crate::app::{start_point, Setting};
use crate::continuation::codim2::{
    family_of, fold_curve, Codim2Event, Curve, CurveEnd, CurvePoint, Direction, FoldCurveParams,
    FoldStart,
};
use crate::continuation::{
    CancelFlag, ContinuationAlgorithm, ContinuationParams, Control, Event, EventKind, Observer,
    Observers, PseudoArclength, StopReason,
};
use crate::error::{Error, Result};
use crate::hessian::Solver;
use crate::models::two_layer::TwoLayer;
use serde::Serialize;
use std::time::Instant;

/// Default p window of α: the phase-boundary scan range \[1e-4, 1e-1\].
pub const ALPHA_WINDOW: (f64, f64) = (1e-4, 1e-1);

/// JSON of a codim-2 curve (`actbif fold-curve`, `actbif branch-point-curve`).
#[derive(Clone, Debug, Serialize)]
pub struct CurveReport<P> {
    /// The model.
    pub setting: Setting,
    /// Name of p.
    pub parameter: String,
    /// The singular point of the λ-branch the curve starts from: (λ, p).
    pub start: (f64, f64),
    /// The (λ, p) window.
    pub window: [(f64, f64); 2],
    /// Points along the curve.
    pub points: Vec<P>,
    /// Cusps, g_µ = 0 points (fold curves) and window exits, in order along the curve.
    pub events: Vec<Codim2Event>,
    /// `complete` (both directions left the window or the curve closed) or `incomplete`.
    pub status: String,
    /// How each direction ended.
    pub ends: Vec<(Direction, CurveEnd)>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// JSON of `actbif fold-curve`.
pub type FoldCurveReport = CurveReport<CurvePoint>;

impl<P> CurveReport<P> {
    /// The report of `curve`, followed from `start` within the window of `params`, timed from
    /// `started`.
    pub fn new(
        setting: Setting,
        curve: Curve<P>,
        start: (f64, f64),
        params: &FoldCurveParams,
        started: Instant,
    ) -> Self {
        CurveReport {
            setting,
            parameter: curve.parameter.clone(),
            start,
            window: [
                (params.lambda_min, params.lambda_max),
                (params.p_min, params.p_max),
            ],
            status: if curve.complete() {
                "complete"
            } else {
                "incomplete"
            }
            .into(),
            points: curve.points,
            events: curve.events,
            ends: curve.ends,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// Stops a trace at its first located fold (all a fold curve needs of the λ-branch).
struct FirstFold;

impl Observer for FirstFold {
    fn on_event(&mut self, event: &Event) -> Control {
        if event.kind == EventKind::Fold {
            Control::Stop(StopReason::Other("first fold located".into()))
        } else {
            Control::Continue
        }
    }
}

/// The first located fold of the λ-branch from the λ = 0 minimum of `model` (traced over
/// λ ∈ \[0, 1\] on the dense backend up to its first fold); an input error if there is none
/// (no curve can start).
pub fn first_fold(model: &TwoLayer) -> Result<FoldStart> {
    first_fold_with(model, Solver::Dense, &CancelFlag::new())
}

/// [`first_fold`] with the λ-branch traced on `solver`'s backend, stopped by `cancel`.
pub fn first_fold_with(model: &TwoLayer, solver: Solver, cancel: &CancelFlag) -> Result<FoldStart> {
    let theta0 = start_point(model)?;
    let params = ContinuationParams {
        solver,
        ..ContinuationParams::default()
    };
    let b = PseudoArclength::new(params)
        .run(
            model,
            theta0.view(),
            0.0,
            &mut Observers(vec![&mut FirstFold, &mut cancel.clone()]),
        )?
        .branch;
    let e = b
        .events
        .iter()
        .find(|e| e.kind == EventKind::Fold)
        .ok_or_else(|| {
            Error::param(
                "width",
                format!(
                    "the λ-branch of this model (m = {}, α = {}) has no located fold in [0, 1] \
                     (status {:?}): there is no fold curve to start from",
                    model.width(),
                    model.alpha(),
                    b.status
                ),
            )
        })?;
    Ok(FoldStart {
        theta: e.theta.clone().into(),
        lambda: e.lambda,
        p: model.alpha(),
        kernel: e.kernel.clone().into(),
    })
}

/// Follows the fold curve of `model` in parameter `param` through its first fold, within
/// λ ∈ \[0, 1\] and p ∈ `window` (default [`ALPHA_WINDOW`] for α).
pub fn run_fold_curve(
    model: &TwoLayer,
    data: &str,
    param: &str,
    window: Option<(f64, f64)>,
) -> Result<FoldCurveReport> {
    run_fold_curve_with(model, data, param, window, Solver::Auto, None)
}

/// [`run_fold_curve`] with the Hessian systems (of the λ trace to the first fold and of the
/// curve) solved on `solver`'s backend ([`Solver::Auto`]: dense up to
/// [`crate::hessian::AUTO_DENSE_MAX_DIM`] parameters), stopped by `cancel` when it is set
/// (the trace with an error, the curve with its points so far, `interrupted`).
pub fn run_fold_curve_with(
    model: &TwoLayer,
    data: &str,
    param: &str,
    window: Option<(f64, f64)>,
    solver: Solver,
    cancel: Option<CancelFlag>,
) -> Result<FoldCurveReport> {
    let t = Instant::now();
    let fam = family_of(model, param)?;
    let (p_min, p_max) = window.unwrap_or(ALPHA_WINDOW);
    let solver = solver.resolve(model.n_params());
    let params = FoldCurveParams {
        solver,
        cancel: cancel.clone(),
        ..FoldCurveParams::new(p_min, p_max)
    };
    // Check the window before the (costlier) trace.
    params.validate(0.5, model.alpha())?;
    let start = first_fold_with(model, solver, &cancel.unwrap_or_default())?;
    let c = fold_curve(&fam, &start, &params)?;
    Ok(CurveReport::new(
        Setting::of(model, data),
        c,
        (start.lambda, start.p),
        &params,
        t,
    ))
}

//! The one pseudo-arclength stepper of the codim-2 curves: predictor along the tangent,
//! corrector on the curve's bordered system with the arclength row, step control (grow after
//! an easy corrector, halve on rejection, stop below `ds_min`), events between accepted
//! points, exact window exits and closed-curve detection, in both directions of p.

use super::curve_system::CurveSystem;
use super::curve_system::{Correction, Tangent};
use super::window_exit::{exit_of, exit_point, inside};
use super::{Codim2Event, Curve, CurveEnd, Direction, Directions, FoldCurveParams};
use crate::continuation::StepController;
use crate::error::Result;
use crate::linalg::norm;
use ndarray::Array1;

/// A correction longer than this fraction of the step means the predictor was poor.
const MAX_CORRECTION: f64 = 0.5;
/// Steps before a return to the start may count as a closed curve.
const CLOSE_MIN_STEPS: usize = 10;

/// Follows `sys` from the corrected start `y0` (border `b0`) in the directions of `params`,
/// joined into one curve in order of signed arclength (the start once).
pub(crate) fn follow_curve<S: CurveSystem>(
    sys: &S,
    parameter: &str,
    y0: &Array1<f64>,
    b0: &Array1<f64>,
    params: &FoldCurveParams,
) -> Result<Curve<S::Point>> {
    let dirs: Vec<Direction> = match params.directions {
        Directions::Both => vec![Direction::DecreasingP, Direction::IncreasingP],
        Directions::Only(d) => vec![d],
    };
    let mut curve = Curve {
        parameter: parameter.to_string(),
        points: vec![],
        events: vec![],
        ends: vec![],
    };
    for dir in dirs {
        let (mut pts, mut evs, end) = follow(sys, y0, b0, dir, params)?;
        let stop = end == CurveEnd::Interrupted;
        if dir == Direction::DecreasingP {
            pts.reverse();
            evs.reverse();
            if params.directions == Directions::Both && !stop {
                pts.pop(); // the start, pushed again by the other direction
            }
        }
        curve.points.extend(pts);
        curve.events.extend(evs);
        curve.ends.push((dir, end));
        if stop {
            break;
        }
    }
    Ok(curve)
}

/// State of one direction.
pub(super) struct Walker {
    /// The last accepted point.
    pub y: Array1<f64>,
    /// The border there.
    pub b: Array1<f64>,
    /// The unit tangent there.
    pub t: Array1<f64>,
    /// The step controller (the λ tracer's type, Newton growth).
    pub ctrl: StepController,
    /// Signed arclength there.
    pub s: f64,
}

/// What one direction produced.
type Followed<P> = (Vec<P>, Vec<Codim2Event>, CurveEnd);

/// Follows one direction to its end.
fn follow<S: CurveSystem>(
    sys: &S,
    y0: &Array1<f64>,
    b0: &Array1<f64>,
    dir: Direction,
    params: &FoldCurveParams,
) -> Result<Followed<S::Point>> {
    let sign = if dir == Direction::IncreasingP {
        1.0
    } else {
        -1.0
    };
    let up = sys.initial_tangent(y0, b0)?;
    let t0 = match dir {
        Direction::IncreasingP => up,
        Direction::DecreasingP => -up,
    };
    let mut w = Walker {
        y: y0.clone(),
        b: b0.clone(),
        t: t0.clone(),
        ctrl: StepController::with_bounds(params.ds_initial, params.ds_min, params.ds_max),
        s: 0.0,
    };
    let lin0 = sys.linearise(y0, b0)?.lin;
    let mut points = vec![sys.record(y0, b0, &lin0, &t0, 0.0)?];
    let mut events = Vec::new();
    for step in 0..params.max_steps {
        let Some((Correction { y, lin, iters }, t)) = try_step(sys, &w, params) else {
            w.ctrl.reject();
            if w.ctrl.stalled() {
                let n = w.y.len();
                let at = format!("at (λ, p) = ({}, {})", w.y[n - 2], w.y[n - 1]);
                return Ok((points, events, CurveEnd::Stalled(at)));
            }
            continue;
        };
        let s_new = w.s + sign * norm((&y - &w.y).view());
        let q = sys.record(&y, &w.b, &lin, &t, s_new)?;
        let prev = points.last().expect("start recorded");
        let exit = exit_of(prev, &q, params);
        if params.locate {
            for ev in sys.events_between(prev, &q, &w.y, &y, dir) {
                if exit.is_none() || inside(&ev, params) {
                    events.push(ev);
                }
            }
        }
        if let Some((side, f)) = exit {
            let (pt, ev) = exit_point(sys, &w, &y, (side, f), dir, params, sign)?;
            points.push(pt);
            events.push(ev);
            return Ok((points, events, CurveEnd::LeftWindow));
        }
        w.b = sys.next_border(&q);
        w.y = y;
        w.t = t;
        w.s = s_new;
        points.push(q);
        w.ctrl.accept_newton(iters);
        if params.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            return Ok((points, events, CurveEnd::Interrupted));
        }
        if step >= CLOSE_MIN_STEPS && norm((&w.y - y0).view()) < 0.5 * w.ctrl.ds() {
            return Ok((points, events, CurveEnd::Closed));
        }
    }
    Ok((points, events, CurveEnd::StepBudgetExhausted))
}

/// One predictor–corrector step (the correction and its tangent); `None` if it must be
/// retried with a smaller step.
fn try_step<S: CurveSystem>(
    sys: &S,
    w: &Walker,
    params: &FoldCurveParams,
) -> Option<(Correction<S::Lin>, Array1<f64>)> {
    let ds = w.ctrl.ds();
    let pred = &w.y + &(&w.t * ds);
    let c = sys.correct(
        &pred,
        &w.b,
        &w.t,
        w.t.dot(&pred),
        params.tol,
        params.max_newton_iters,
    )?;
    if norm((&c.y - &pred).view()) > MAX_CORRECTION * ds {
        return None;
    }
    let t = c.lin.tangent(&w.t).ok()?;
    if t.dot(&w.t).clamp(-1.0, 1.0).acos() > params.max_turn {
        return None;
    }
    Some((c, t))
}

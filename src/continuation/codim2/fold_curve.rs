//! The fold-curve driver: pseudo-arclength predictor–corrector on the minimally augmented
//! system, with sign tests of g_aa and g_µ between accepted points and exact window exits.

use super::codim2_points::{cubic_coefficient, locate, scaled_residual, Which, LOCATE_TOL};
use super::family::Family;
use super::min_aug_fold::{correct, fold_system, join, lambda_of, p_of, tangent, theta_of};
use super::{
    Codim2Event, Codim2Kind, CurveEnd, CurvePoint, Direction, Directions, FoldCurve,
    FoldCurveParams, FoldStart, LocateStatus, WindowSide,
};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{norm, sym_eigenvalues};
use ndarray::Array1;

/// Step growth after a corrector that needed at most [`EASY_ITERS`] iterations.
const GROW: f64 = 1.5;
/// Corrector iterations that count as easy.
const EASY_ITERS: usize = 3;
/// A correction longer than this fraction of the step means the predictor was poor.
const MAX_CORRECTION: f64 = 0.5;
/// A cubic coefficient below this relative size counts as vanishing (degenerate cusp).
const CUBIC_ZERO: f64 = 1e-8;
/// Steps before a return to the start may count as a closed curve.
const CLOSE_MIN_STEPS: usize = 10;

/// Follows the fold curve through `start` (a located fold at p = `start.p`) in the window of
/// `params`, in both directions of p by default. Errors when the start is not a fold to
/// within 1e-8 (Newton on the fold system at fixed p fails) or the parameters are invalid.
pub fn fold_curve<F: Family>(
    fam: &F,
    start: &FoldStart,
    params: &FoldCurveParams,
) -> Result<FoldCurve> {
    params.validate(start.lambda, start.p)?;
    let n = fam.at(start.p).dim();
    if start.theta.len() != n || start.kernel.len() != n {
        return Err(Error::shape("fold start θ / kernel", n, start.theta.len()));
    }
    let kn = norm(start.kernel.view());
    if !(kn > 0.0 && kn.is_finite()) {
        return Err(Error::param(
            "kernel",
            "the start kernel vector must be non-zero",
        ));
    }
    let b = &start.kernel / kn;
    let y0 = join(start.theta.view(), start.lambda, start.p);
    let mut e_p = Array1::zeros(n + 2);
    e_p[n + 1] = 1.0;
    // At a cusp (e.g. a symmetric pitchfork unfolded by p) p is not a local coordinate of
    // the curve (its tangent is (φ, 0, 0)): fix the kernel coordinate φᵀθ instead.
    let along_kernel = join(b.view(), 0.0, 0.0);
    let c = correct(
        fam,
        &y0,
        &b,
        &e_p,
        start.p,
        params.tol,
        4 * params.max_newton_iters,
    )
    .or_else(|| {
        let t = along_kernel.dot(&y0);
        correct(
            fam,
            &y0,
            &b,
            &along_kernel,
            t,
            params.tol,
            4 * params.max_newton_iters,
        )
    })
    .ok_or_else(|| Error::NoConvergence {
        method: "fold system at the start".into(),
        reason: format!(
            "no fold near (λ, p) = ({}, {}): the start is not a located fold",
            start.lambda, start.p
        ),
    })?;
    let dirs: Vec<Direction> = match params.directions {
        Directions::Both => vec![Direction::DecreasingP, Direction::IncreasingP],
        Directions::Only(d) => vec![d],
    };
    let mut curve = FoldCurve {
        parameter: fam.name().to_string(),
        points: vec![],
        events: vec![],
        ends: vec![],
    };
    for dir in dirs {
        let (mut pts, mut evs, end) = follow(fam, &c.y, &b, dir, params)?;
        if dir == Direction::DecreasingP {
            pts.reverse();
            evs.reverse();
            pts.pop(); // the start, pushed again by the other direction
            if params.directions != Directions::Both {
                pts.push(record(fam, &c.y, &b, &e_p, 0.0)?);
            }
        }
        curve.points.extend(pts);
        curve.events.extend(evs);
        curve.ends.push((dir, end));
    }
    Ok(curve)
}

/// The initial unit tangent in direction `dir` (p-component of the chosen sign; the λ
/// direction decides if the curve starts with p′ = 0).
fn initial_tangent<F: Family>(
    fam: &F,
    y: &Array1<f64>,
    b: &Array1<f64>,
    dir: Direction,
) -> Result<Array1<f64>> {
    let n = y.len() - 2;
    let sys = fold_system(fam, y, b)?;
    let mut e = Array1::zeros(n + 2);
    e[n + 1] = 1.0;
    let t = tangent(&sys.jacobian, &e)
        .or_else(|_| {
            e[n + 1] = 0.0;
            e[n] = 1.0;
            tangent(&sys.jacobian, &e)
        })
        .or_else(|_| tangent(&sys.jacobian, &join(b.view(), 0.0, 0.0)))?;
    Ok(match dir {
        Direction::IncreasingP => t,
        Direction::DecreasingP => -t,
    })
}

/// The point record at y (border b: φ = v/‖v‖ keeps the border's orientation).
fn record<F: Family>(
    fam: &F,
    y: &Array1<f64>,
    b: &Array1<f64>,
    t: &Array1<f64>,
    arclength: f64,
) -> Result<CurvePoint> {
    let sys = fold_system(fam, y, b)?;
    let (theta, lam, p) = (theta_of(y), lambda_of(y), p_of(y));
    let obj = fam.at(p);
    let phi = &sys.v / norm(sys.v.view());
    let n = theta.len();
    Ok(CurvePoint {
        lambda: lam,
        p,
        kernel_eigenvalue: nearest_zero_eigenvalue(&obj, y),
        g_mu: phi.dot(&sys.grad_lambda),
        g_aa: obj.d3(theta, lam, phi.view()),
        grad_norm: sys.grad_norm(),
        tangent_lambda: t[n],
        tangent_p: t[n + 1],
        arclength,
        theta: theta.to_owned(),
        phi,
    })
}

/// The Hessian eigenvalue nearest zero (dense).
fn nearest_zero_eigenvalue<O: Objective>(obj: &O, y: &Array1<f64>) -> f64 {
    sym_eigenvalues(&obj.hessian(theta_of(y), lambda_of(y)))
        .map(|e| {
            e.iter().copied().fold(f64::NAN, |m, v| {
                if m.is_nan() || v.abs() < m.abs() {
                    v
                } else {
                    m
                }
            })
        })
        .unwrap_or(f64::NAN)
}

/// Which window side the segment from `a` to `b` leaves through first, with the fraction of
/// the segment at which it does.
fn exit_of(a: &CurvePoint, b: &CurvePoint, w: &FoldCurveParams) -> Option<(WindowSide, f64)> {
    let frac = |x0: f64, x1: f64, bound: f64| (bound - x0) / (x1 - x0);
    let mut out: Option<(WindowSide, f64)> = None;
    let mut consider = |side, hit: bool, f: f64| {
        if hit && out.is_none_or(|(_, g)| f < g) {
            out = Some((side, f));
        }
    };
    consider(
        WindowSide::LambdaMin,
        b.lambda < w.lambda_min,
        frac(a.lambda, b.lambda, w.lambda_min),
    );
    consider(
        WindowSide::LambdaMax,
        b.lambda > w.lambda_max,
        frac(a.lambda, b.lambda, w.lambda_max),
    );
    consider(WindowSide::PMin, b.p < w.p_min, frac(a.p, b.p, w.p_min));
    consider(WindowSide::PMax, b.p > w.p_max, frac(a.p, b.p, w.p_max));
    out
}

/// State of one direction.
struct Walker {
    y: Array1<f64>,
    b: Array1<f64>,
    t: Array1<f64>,
    ds: f64,
    s: f64,
}

/// Follows one direction to its end.
fn follow<F: Family>(
    fam: &F,
    y0: &Array1<f64>,
    b0: &Array1<f64>,
    dir: Direction,
    params: &FoldCurveParams,
) -> Result<(Vec<CurvePoint>, Vec<Codim2Event>, CurveEnd)> {
    let sign = if dir == Direction::IncreasingP {
        1.0
    } else {
        -1.0
    };
    let t0 = initial_tangent(fam, y0, b0, dir)?;
    let mut w = Walker {
        y: y0.clone(),
        b: b0.clone(),
        t: t0.clone(),
        ds: params.ds_initial,
        s: 0.0,
    };
    let mut points = vec![record(fam, y0, b0, &t0, 0.0)?];
    let mut events = Vec::new();
    for step in 0..params.max_steps {
        let Some((y, t, iters)) = try_step(fam, &w, params) else {
            w.ds *= 0.5;
            if w.ds < params.ds_min {
                let at = format!("at (λ, p) = ({}, {})", lambda_of(&w.y), p_of(&w.y));
                return Ok((points, events, CurveEnd::Stalled(at)));
            }
            continue;
        };
        let s_new = w.s + sign * norm((&y - &w.y).view());
        let q = record(fam, &y, &w.b, &t, s_new)?;
        let prev = points.last().expect("start recorded").clone();
        let exit = exit_of(&prev, &q, params);
        if params.locate {
            for ev in codim2_between(fam, &prev, &q, &w.y, &y, dir) {
                if exit.is_none() || inside(&ev, params) {
                    events.push(ev);
                }
            }
        }
        if let Some((side, f)) = exit {
            let (pt, ev) = exit_point(fam, &w, &y, side, f, dir, params, sign)?;
            points.push(pt);
            events.push(ev);
            return Ok((points, events, CurveEnd::LeftWindow));
        }
        w.b = q.phi.clone();
        w.y = y;
        w.t = t;
        w.s = s_new;
        points.push(q);
        if iters <= EASY_ITERS {
            w.ds = (w.ds * GROW).min(params.ds_max);
        }
        if step >= CLOSE_MIN_STEPS && norm((&w.y - y0).view()) < 0.5 * w.ds {
            return Ok((points, events, CurveEnd::Closed));
        }
    }
    Ok((points, events, CurveEnd::StepBudgetExhausted))
}

/// One predictor–corrector step; `None` if it must be retried with a smaller step.
fn try_step<F: Family>(
    fam: &F,
    w: &Walker,
    params: &FoldCurveParams,
) -> Option<(Array1<f64>, Array1<f64>, usize)> {
    let pred = &w.y + &(&w.t * w.ds);
    let c = correct(
        fam,
        &pred,
        &w.b,
        &w.t,
        w.t.dot(&pred),
        params.tol,
        params.max_newton_iters,
    )?;
    if norm((&c.y - &pred).view()) > MAX_CORRECTION * w.ds {
        return None;
    }
    let t = tangent(&c.sys.jacobian, &w.t).ok()?;
    if t.dot(&w.t).clamp(-1.0, 1.0).acos() > params.max_turn {
        return None;
    }
    Some((c.y, t, c.iters))
}

fn inside(ev: &Codim2Event, w: &FoldCurveParams) -> bool {
    (w.lambda_min..=w.lambda_max).contains(&ev.lambda) && (w.p_min..=w.p_max).contains(&ev.p)
}

/// Locates the exit through `side` between the walker's point and `y` (Newton on the fold
/// system with the boundary coordinate fixed), returning the final point and the event.
#[allow(clippy::too_many_arguments)]
fn exit_point<F: Family>(
    fam: &F,
    w: &Walker,
    y: &Array1<f64>,
    side: WindowSide,
    f: f64,
    dir: Direction,
    params: &FoldCurveParams,
    sign: f64,
) -> Result<(CurvePoint, Codim2Event)> {
    let n = y.len() - 2;
    let (k, bound) = match side {
        WindowSide::LambdaMin => (n, params.lambda_min),
        WindowSide::LambdaMax => (n, params.lambda_max),
        WindowSide::PMin => (n + 1, params.p_min),
        WindowSide::PMax => (n + 1, params.p_max),
    };
    let guess = &w.y + &((y - &w.y) * f.clamp(0.0, 1.0));
    let mut e = Array1::zeros(n + 2);
    e[k] = 1.0;
    let c = correct(
        fam,
        &guess,
        &w.b,
        &e,
        bound,
        params.tol,
        4 * params.max_newton_iters,
    );
    let (yb, status, reason) = match c {
        Some(c) => (c.y, LocateStatus::Located, None),
        None => (
            guess,
            LocateStatus::NotLocated,
            Some("Newton with the boundary coordinate fixed did not converge".to_string()),
        ),
    };
    let sys = fold_system(fam, &yb, &w.b)?;
    let t = tangent(&sys.jacobian, &w.t)?;
    let pt = record(fam, &yb, &w.b, &t, w.s + sign * norm((&yb - &w.y).view()))?;
    let ev = Codim2Event {
        kind: Codim2Kind::LeavesWindow,
        lambda: pt.lambda,
        p: pt.p,
        status,
        reason,
        residual: sys.size(),
        kernel_eigenvalue: pt.kernel_eigenvalue,
        g_mu: pt.g_mu,
        g_aa: pt.g_aa,
        g_p: pt.phi.dot(&fam.grad_p(theta_of(&yb), pt.lambda, pt.p)),
        cubic_coefficient: None,
        cubic_relative: None,
        boundary: Some(side),
        direction: dir,
        theta: theta_of(&yb).to_owned(),
    };
    Ok((pt, ev))
}

/// Sign changes of g_aa (cusp) and g_µ (g_µ = 0 point) between two accepted points, each
/// located by Newton on its extended system from the secant estimate.
fn codim2_between<F: Family>(
    fam: &F,
    a: &CurvePoint,
    b: &CurvePoint,
    ya: &Array1<f64>,
    yb: &Array1<f64>,
    dir: Direction,
) -> Vec<Codim2Event> {
    let mut found: Vec<(f64, Codim2Event)> = Vec::new();
    for (which, fa, fb) in [
        (Which::Cusp, a.g_aa, b.g_aa),
        (Which::GmuZero, a.g_mu, b.g_mu),
    ] {
        if fa * fb < 0.0 {
            let s = fa / (fa - fb);
            let y0 = ya + &((yb - ya) * s);
            let phi0 = &a.phi + &((&b.phi - &a.phi) * s);
            let ev = codim2_event(fam, which, &y0, &phi0, norm((yb - ya).view()), dir);
            // Order along the step by the point's projection on it.
            let d = yb - ya;
            let at = (&join(ev.theta.view(), ev.lambda, ev.p) - ya).dot(&d) / d.dot(&d);
            found.push((at, ev));
        }
    }
    found.sort_by(|x, y| x.0.total_cmp(&y.0));
    found.into_iter().map(|(_, e)| e).collect()
}

/// Locates one codimension-two point from (y0, φ0) and builds its event; `span` is the length
/// of the step that bracketed it (Newton must stay within it).
fn codim2_event<F: Family>(
    fam: &F,
    which: Which,
    y0: &Array1<f64>,
    phi0: &Array1<f64>,
    span: f64,
    dir: Direction,
) -> Codim2Event {
    let sol = locate(fam, which, y0, phi0);
    let moved = norm((&sol.y - y0).view());
    let ok = sol.residual <= LOCATE_TOL && moved <= 2.0 * span + LOCATE_TOL;
    let (y, phi, status, mut reason) = if ok {
        (sol.y, sol.phi, LocateStatus::Located, None)
    } else {
        let why = if sol.residual > LOCATE_TOL {
            format!(
                "Newton on the extended system reached residual {:.1e} only",
                sol.residual
            )
        } else {
            format!("Newton left the bracketing step (moved {moved:.1e}, step {span:.1e})")
        };
        (
            y0.clone(),
            phi0 / norm(phi0.view()),
            LocateStatus::NotLocated,
            Some(why),
        )
    };
    let (theta, lam, p) = (theta_of(&y), lambda_of(&y), p_of(&y));
    let obj = fam.at(p);
    let (cubic, rel) = match (which, cubic_coefficient(&obj, &y, &phi)) {
        (Which::Cusp, Some((c, scale))) => (Some(c), Some(c.abs() / scale)),
        _ => (None, None),
    };
    if rel.is_some_and(|r| r <= CUBIC_ZERO) {
        reason = Some("the cubic coefficient vanishes: a degenerate cusp".into());
    }
    Codim2Event {
        kind: match which {
            Which::Cusp => Codim2Kind::Cusp,
            Which::GmuZero => Codim2Kind::GmuZero,
        },
        lambda: lam,
        p,
        status,
        reason,
        residual: scaled_residual(fam, which, &y, &phi),
        kernel_eigenvalue: nearest_zero_eigenvalue(&obj, &y),
        g_mu: obj.grad_lambda(theta, lam).dot(&phi),
        g_aa: obj.d3(theta, lam, phi.view()),
        g_p: fam.grad_p(theta, lam, p).dot(&phi),
        cubic_coefficient: cubic,
        cubic_relative: rel,
        boundary: None,
        direction: dir,
        theta: theta.to_owned(),
    }
}

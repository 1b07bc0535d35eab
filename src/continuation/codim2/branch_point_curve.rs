//! Two-parameter continuation of a symmetry-breaking branch point (pitchfork) in (λ, p) for a
//! family that keeps the symmetry S (e.g. the Tikhonov α): pseudo-arclength on the system of
//! `branch_point` in z = (c, λ, p), θ = Pc on Fix(S), with exact window exits. Each point
//! records the pitchfork's coefficients: the transversality g_aµ = φᵀ∂λHφ + D³L\[φ, φ, ξ\]
//! (ξ the tangent of the symmetric branch), g_aa = D³L\[φ³\] (0 by symmetry) and the cubic
//! g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\] (its sign: super- or subcritical).

use super::branch_point::{bp_correct, bp_system, theta_of};
use super::family::Family;
use super::min_aug_fold::tangent;
use super::symmetry::Symmetry;
use super::{
    Codim2Event, Codim2Kind, Curve, CurveEnd, Direction, Directions, FoldCurveParams, FoldStart,
    LocateStatus, WindowSide,
};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{norm, solve, sym_eigenvalues};
use ndarray::{concatenate, Array1, Axis};
use serde::{Deserialize, Serialize};

/// Step growth after a corrector that needed at most [`EASY_ITERS`] iterations.
const GROW: f64 = 1.5;
/// Corrector iterations that count as easy.
const EASY_ITERS: usize = 3;
/// A correction longer than this fraction of the step means the predictor was poor.
const MAX_CORRECTION: f64 = 0.5;
/// Largest ‖θ − PPᵀθ‖/max(1, ‖θ‖) of a start on Fix(S): a trace of an S-invariant objective
/// from a symmetric start keeps θ symmetric up to rounding (≈ 1e-15).
const START_SYMMETRY_TOL: f64 = 1e-8;
/// Smallest antisymmetric fraction ‖Qᵀφ‖/‖φ‖ of the start kernel.
const MIN_ANTISYMMETRIC: f64 = 0.5;

/// One accepted point of a branch-point curve.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BranchPointPoint {
    /// λ.
    pub lambda: f64,
    /// p.
    pub p: f64,
    /// Hessian eigenvalue nearest zero (dense spectrum of the full H).
    pub kernel_eigenvalue: f64,
    /// Eigenvalue nearest zero of the antisymmetric block QᵀHQ (dense).
    pub antisymmetric_eigenvalue: f64,
    /// Transversality g_aµ (the λ-speed of the antisymmetric eigenvalue along the symmetric
    /// branch, for unit φ).
    pub g_a_mu: f64,
    /// g_aa = D³L\[φ, φ, φ\] (0 by symmetry: a check).
    pub g_aa: f64,
    /// The pitchfork's cubic coefficient g_aaa.
    pub g_aaa: f64,
    /// ‖∇L‖ (the full gradient).
    pub grad_norm: f64,
    /// ‖Qᵀ∇L‖: the antisymmetric part of the gradient (0 when the family keeps S).
    pub asymmetric_gradient: f64,
    /// λ-component of the unit tangent in (c, λ, p).
    pub tangent_lambda: f64,
    /// p-component of the unit tangent.
    pub tangent_p: f64,
    /// Signed arclength from the start (negative on the decreasing-p side).
    pub arclength: f64,
    /// θ (not written to JSON).
    #[serde(skip)]
    pub theta: Array1<f64>,
    /// Unit antisymmetric kernel φ (not written to JSON).
    #[serde(skip)]
    pub phi: Array1<f64>,
}

/// A followed branch-point curve (events: window exits, kind `leaves_window`).
pub type BranchPointCurve = Curve<BranchPointPoint>;

/// Follows the branch-point curve through `start` (a branch point on Fix(S) with an
/// antisymmetric kernel, at p = `start.p`) within the window of `params`. Errors when the
/// start is not on Fix(S), its kernel is not antisymmetric, or Newton at fixed p fails.
pub fn branch_point_curve<F: Family>(
    fam: &F,
    sym: &Symmetry,
    start: &FoldStart,
    params: &FoldCurveParams,
) -> Result<BranchPointCurve> {
    params.validate(start.lambda, start.p)?;
    let n = fam.at(start.p).dim();
    if start.theta.len() != n || start.kernel.len() != n || sym.fix().nrows() != n {
        return Err(Error::shape(
            "branch-point start θ / kernel / symmetry",
            n,
            start.theta.len(),
        ));
    }
    let c0 = sym.fix().t().dot(&start.theta);
    let defect = norm((&start.theta - &sym.fix().dot(&c0)).view());
    if defect > START_SYMMETRY_TOL * norm(start.theta.view()).max(1.0) {
        return Err(Error::param(
            "symmetry",
            format!("the start θ is not on Fix(S) (‖θ − Sθ‖-part {defect:.1e})"),
        ));
    }
    let b0 = sym.anti().t().dot(&start.kernel);
    let (nb, nk) = (norm(b0.view()), norm(start.kernel.view()));
    if !(nb > MIN_ANTISYMMETRIC * nk && nb.is_finite()) {
        return Err(Error::param(
            "kernel",
            "the start kernel is not antisymmetric: not a symmetry-breaking branch point",
        ));
    }
    let b = b0 / nb;
    let k = c0.len();
    let z0 = concatenate![Axis(0), c0, Array1::from(vec![start.lambda, start.p])];
    let mut e_p = Array1::zeros(k + 2);
    e_p[k + 1] = 1.0;
    let (z, _, _) = bp_correct(
        fam,
        sym,
        &z0,
        &b,
        &e_p,
        start.p,
        params.tol,
        4 * params.max_newton_iters,
    )
    .ok_or_else(|| Error::NoConvergence {
        method: "branch-point system at the start".into(),
        reason: format!(
            "no symmetry-breaking branch point near (λ, p) = ({}, {})",
            start.lambda, start.p
        ),
    })?;
    let dirs: Vec<Direction> = match params.directions {
        Directions::Both => vec![Direction::DecreasingP, Direction::IncreasingP],
        Directions::Only(d) => vec![d],
    };
    let mut curve = BranchPointCurve {
        parameter: fam.name().to_string(),
        points: vec![],
        events: vec![],
        ends: vec![],
    };
    for dir in dirs {
        let (mut pts, mut evs, end) = follow(fam, sym, &z, &b, dir, params)?;
        if dir == Direction::DecreasingP {
            pts.reverse();
            evs.reverse();
            if params.directions == Directions::Both {
                pts.pop(); // the start, pushed again by the other direction
            }
        }
        curve.points.extend(pts);
        curve.events.extend(evs);
        curve.ends.push((dir, end));
    }
    Ok(curve)
}

/// The initial unit tangent in direction `dir` (p-component of its sign; the λ direction
/// decides if the curve starts with p′ = 0).
fn initial_tangent<F: Family>(
    fam: &F,
    sym: &Symmetry,
    z: &Array1<f64>,
    b: &Array1<f64>,
    dir: Direction,
) -> Result<Array1<f64>> {
    let k = z.len() - 2;
    let sys = bp_system(fam, sym, z, b)?;
    let mut e = Array1::zeros(k + 2);
    e[k + 1] = 1.0;
    let t = tangent(&sys.jacobian, &e).or_else(|_| {
        e[k + 1] = 0.0;
        e[k] = 1.0;
        tangent(&sys.jacobian, &e)
    })?;
    Ok(match dir {
        Direction::IncreasingP => t,
        Direction::DecreasingP => -t,
    })
}

/// The nearest-zero entry of a spectrum.
fn nearest_zero(eigs: &[f64]) -> f64 {
    eigs.iter().copied().fold(f64::NAN, |m, v| {
        if m.is_nan() || v.abs() < m.abs() {
            v
        } else {
            m
        }
    })
}

/// The point record at z (border b: φ = u/‖u‖ keeps the border's orientation).
fn record<F: Family>(
    fam: &F,
    sym: &Symmetry,
    z: &Array1<f64>,
    b: &Array1<f64>,
    t: &Array1<f64>,
    arclength: f64,
) -> Result<BranchPointPoint> {
    let sys = bp_system(fam, sym, z, b)?;
    let k = z.len() - 2;
    let (lam, p) = (z[k], z[k + 1]);
    let theta = theta_of(sym, z);
    let th = theta.view();
    let obj = fam.at(p);
    let phi = &sys.u / norm(sys.u.view());
    let h = obj.hessian(th, lam);
    let pf = sym.fix();
    let hs = pf.t().dot(&h).dot(pf);
    // ξ: tangent of the symmetric branch; ψ20: its quadratic correction along φ.
    let xi = pf.dot(&solve(&hs, &(-pf.t().dot(&obj.grad_lambda(th, lam))))?);
    let d3v = obj.d3_vec(th, lam, phi.view());
    let psi = pf.dot(&solve(&hs, &(-pf.t().dot(&d3v)))?);
    let anti_h = sym.anti().t().dot(&h).dot(sym.anti());
    Ok(BranchPointPoint {
        lambda: lam,
        p,
        kernel_eigenvalue: nearest_zero(&sym_eigenvalues(&h)?.to_vec()),
        antisymmetric_eigenvalue: nearest_zero(&sym_eigenvalues(&anti_h)?.to_vec()),
        g_a_mu: phi.dot(&obj.hessian_lambda_vec(th, lam, phi.view())) + d3v.dot(&xi),
        g_aa: obj.d3(th, lam, phi.view()),
        g_aaa: obj.d4(th, lam, phi.view()) + 3.0 * d3v.dot(&psi),
        grad_norm: norm(sys.grad.view()),
        asymmetric_gradient: norm(sym.anti().t().dot(&sys.grad).view()),
        tangent_lambda: t[k],
        tangent_p: t[k + 1],
        arclength,
        theta,
        phi,
    })
}

/// Which window side the segment from `a` to `b` leaves through first, with the fraction of
/// the segment at which it does.
fn exit_of(
    a: &BranchPointPoint,
    b: &BranchPointPoint,
    w: &FoldCurveParams,
) -> Option<(WindowSide, f64)> {
    let frac = |x0: f64, x1: f64, bound: f64| (bound - x0) / (x1 - x0);
    [
        (
            WindowSide::LambdaMin,
            b.lambda < w.lambda_min,
            frac(a.lambda, b.lambda, w.lambda_min),
        ),
        (
            WindowSide::LambdaMax,
            b.lambda > w.lambda_max,
            frac(a.lambda, b.lambda, w.lambda_max),
        ),
        (WindowSide::PMin, b.p < w.p_min, frac(a.p, b.p, w.p_min)),
        (WindowSide::PMax, b.p > w.p_max, frac(a.p, b.p, w.p_max)),
    ]
    .into_iter()
    .filter(|x| x.1)
    .map(|(s, _, f)| (s, f))
    .min_by(|x, y| x.1.total_cmp(&y.1))
}

/// State of one direction.
struct Walker {
    z: Array1<f64>,
    b: Array1<f64>,
    t: Array1<f64>,
    ds: f64,
    s: f64,
}

/// Follows one direction to its end.
fn follow<F: Family>(
    fam: &F,
    sym: &Symmetry,
    z0: &Array1<f64>,
    b0: &Array1<f64>,
    dir: Direction,
    params: &FoldCurveParams,
) -> Result<(Vec<BranchPointPoint>, Vec<Codim2Event>, CurveEnd)> {
    let sign = if dir == Direction::IncreasingP {
        1.0
    } else {
        -1.0
    };
    let t0 = initial_tangent(fam, sym, z0, b0, dir)?;
    let mut w = Walker {
        z: z0.clone(),
        b: b0.clone(),
        t: t0.clone(),
        ds: params.ds_initial,
        s: 0.0,
    };
    let mut points = vec![record(fam, sym, z0, b0, &t0, 0.0)?];
    for step in 0..params.max_steps {
        let Some((z, t, iters)) = try_step(fam, sym, &w, params) else {
            w.ds *= 0.5;
            if w.ds < params.ds_min {
                let k = w.z.len() - 2;
                let at = format!("at (λ, p) = ({}, {})", w.z[k], w.z[k + 1]);
                return Ok((points, vec![], CurveEnd::Stalled(at)));
            }
            continue;
        };
        let s_new = w.s + sign * norm((&z - &w.z).view());
        let q = record(fam, sym, &z, &w.b, &t, s_new)?;
        let prev = points.last().expect("start recorded");
        if let Some((side, f)) = exit_of(prev, &q, params) {
            let (pt, ev) = exit_point(fam, sym, &w, &z, (side, f), dir, params, sign)?;
            points.push(pt);
            return Ok((points, vec![ev], CurveEnd::LeftWindow));
        }
        w.b = sym.anti().t().dot(&q.phi);
        w.z = z;
        w.t = t;
        w.s = s_new;
        points.push(q);
        if iters <= EASY_ITERS {
            w.ds = (w.ds * GROW).min(params.ds_max);
        }
        if step >= CLOSE_MIN_STEPS && norm((&w.z - z0).view()) < 0.5 * w.ds {
            return Ok((points, vec![], CurveEnd::Closed));
        }
    }
    Ok((points, vec![], CurveEnd::StepBudgetExhausted))
}

/// Steps before a return to the start may count as a closed curve.
const CLOSE_MIN_STEPS: usize = 10;

/// One predictor–corrector step; `None` if it must be retried with a smaller step.
fn try_step<F: Family>(
    fam: &F,
    sym: &Symmetry,
    w: &Walker,
    params: &FoldCurveParams,
) -> Option<(Array1<f64>, Array1<f64>, usize)> {
    let pred = &w.z + &(&w.t * w.ds);
    let (z, sys, iters) = bp_correct(
        fam,
        sym,
        &pred,
        &w.b,
        &w.t,
        w.t.dot(&pred),
        params.tol,
        params.max_newton_iters,
    )?;
    if norm((&z - &pred).view()) > MAX_CORRECTION * w.ds {
        return None;
    }
    let t = tangent(&sys.jacobian, &w.t).ok()?;
    if t.dot(&w.t).clamp(-1.0, 1.0).acos() > params.max_turn {
        return None;
    }
    Some((z, t, iters))
}

/// Locates the exit through `side` between the walker's point and `z` (Newton with the
/// boundary coordinate fixed), returning the final point and the event.
#[allow(clippy::too_many_arguments)]
fn exit_point<F: Family>(
    fam: &F,
    sym: &Symmetry,
    w: &Walker,
    z: &Array1<f64>,
    (side, f): (WindowSide, f64),
    dir: Direction,
    params: &FoldCurveParams,
    sign: f64,
) -> Result<(BranchPointPoint, Codim2Event)> {
    let k = z.len() - 2;
    let (idx, bound) = match side {
        WindowSide::LambdaMin => (k, params.lambda_min),
        WindowSide::LambdaMax => (k, params.lambda_max),
        WindowSide::PMin => (k + 1, params.p_min),
        WindowSide::PMax => (k + 1, params.p_max),
    };
    let guess = &w.z + &((z - &w.z) * f.clamp(0.0, 1.0));
    let mut e = Array1::zeros(k + 2);
    e[idx] = 1.0;
    let located = bp_correct(
        fam,
        sym,
        &guess,
        &w.b,
        &e,
        bound,
        params.tol,
        4 * params.max_newton_iters,
    );
    let (zb, status, reason) = match located {
        Some((zb, _, _)) => (zb, LocateStatus::Located, None),
        None => (
            guess,
            LocateStatus::NotLocated,
            Some("Newton with the boundary coordinate fixed did not converge".to_string()),
        ),
    };
    let sys = bp_system(fam, sym, &zb, &w.b)?;
    let t = tangent(&sys.jacobian, &w.t)?;
    let pt = record(
        fam,
        sym,
        &zb,
        &w.b,
        &t,
        w.s + sign * norm((&zb - &w.z).view()),
    )?;
    let obj = fam.at(pt.p);
    let th = pt.theta.view();
    let ev = Codim2Event {
        kind: Codim2Kind::LeavesWindow,
        lambda: pt.lambda,
        p: pt.p,
        status,
        reason,
        residual: sys.size(),
        kernel_eigenvalue: pt.antisymmetric_eigenvalue,
        g_mu: pt.phi.dot(&obj.grad_lambda(th, pt.lambda)),
        g_aa: pt.g_aa,
        g_p: pt.phi.dot(&fam.grad_p(th, pt.lambda, pt.p)),
        cubic_coefficient: Some(pt.g_aaa),
        cubic_relative: None,
        boundary: Some(side),
        direction: dir,
        theta: pt.theta.clone(),
    };
    Ok((pt, ev))
}

//! Events along a fold curve: sign changes of g_aa (cusp) and g_µ (g_µ = 0 point) between two
//! accepted points, each located from the secant estimate — on the dense backend by Newton on
//! its extended system (`codim2_points`), matrix-free on the curve itself (`on_curve`: no
//! 2n + 2 system to solve).

use super::codim2_points::{cubic_coefficient, locate, scaled_residual, Solved, Which, LOCATE_TOL};
use super::fold_curve::FoldSystemOf;
use super::min_aug_fold::{join, lambda_of, p_of, theta_of};
use super::on_curve::locate_on_curve;
use super::{Codim2Event, Codim2Kind, CurvePoint, Direction, LocateStatus};
use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::hessian::Solver;
use crate::linalg::norm;
use ndarray::Array1;

/// A cubic coefficient below this relative size counts as vanishing (degenerate cusp).
const CUBIC_ZERO: f64 = 1e-8;

/// The cusps and g_µ = 0 points between accepted points a (at `ya`) and b (at `yb`), in
/// order along the step.
pub(super) fn codim2_between<F: Family>(
    sys: &FoldSystemOf<F>,
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
            let sol = if sys.backend.kind == Solver::MatrixFree {
                locate_on_curve(sys, which, (a, ya), (b, yb))
            } else {
                locate(sys.fam, which, &y0, &phi0)
            };
            let ev = codim2_event(sys, which, sol, (&y0, &phi0), norm((yb - ya).view()), dir);
            // Order along the step by the point's projection on it.
            let d = yb - ya;
            let at = (&join(ev.theta.view(), ev.lambda, ev.p) - ya).dot(&d) / d.dot(&d);
            found.push((at, ev));
        }
    }
    found.sort_by(|x, y| x.0.total_cmp(&y.0));
    found.into_iter().map(|(_, e)| e).collect()
}

/// The event of one codimension-two point located as `sol` from the secant estimate
/// (y0, φ0); `span` is the length of the step that bracketed it (the solution must stay
/// within it).
fn codim2_event<F: Family>(
    sys: &FoldSystemOf<F>,
    which: Which,
    sol: Solved,
    (y0, phi0): (&Array1<f64>, &Array1<f64>),
    span: f64,
    dir: Direction,
) -> Codim2Event {
    let fam = sys.fam;
    let moved = norm((&sol.y - y0).view());
    let ok = sol.residual <= LOCATE_TOL && moved <= 2.0 * span + LOCATE_TOL;
    let (y, phi, status, mut reason) = if ok {
        (sol.y, sol.phi, LocateStatus::Located, None)
    } else {
        let why = if sol.residual > LOCATE_TOL {
            format!("the location reached residual {:.1e} only", sol.residual)
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
    let hess = sys.backend.at(&obj, theta, lam);
    let (cubic, rel) = match (which, cubic_coefficient(&obj, &hess, &y, &phi)) {
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
        kernel_eigenvalue: hess.nearest_zero_value(phi.view()),
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

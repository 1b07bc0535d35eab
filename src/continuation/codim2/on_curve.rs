//! Location of a codimension-two point on the fold curve itself (the matrix-free path): the
//! test (g_aa or g_µ) changes sign between two accepted points a and b; Illinois regula falsi
//! in the step's own pseudo-arclength coordinate σ = τ_aᵀ(y − y_a) ∈ \[0, σ_b\] (τ_a the unit
//! tangent at a), each iterate corrected onto the fold curve on that hyperplane from the chord
//! point, so every iterate is a fold point to the corrector's tolerance, the iterates stay on
//! the arc the step followed (the chord's own normal hyperplanes can cut a sharply turning
//! curve twice: at a g_µ = 0 point next to a cusp), and only the test has to vanish. It needs the fold system's
//! solves only — no 2n + 2 extended system, which the matrix-free backend cannot factorise.
//! Illinois keeps the bracket and converges superlinearly (order ≈ 1.44).

use super::codim2_points::{scaled_residual, test_value, Solved, Which, LOCATE_TOL};
use super::curve_system::Tangent;
use super::fold_curve::FoldSystemOf;
use super::min_aug_fold::{correct, fold_system, p_of};
use super::CurvePoint;
use crate::derivatives::family::Family;
use crate::linalg::norm;
use ndarray::Array1;

/// Regula-falsi iterations (each a fold-curve correction).
const MAX_ITERS: usize = 40;
/// Corrector tolerance of the iterates (the fold curve's own), the fallback.
const CORRECT_TOL: f64 = 1e-12;
/// Increments of the walk from a bracket end when Newton fails from the interpolated guess.
const WALK_STEPS: usize = 8;
/// Corrector tolerance tried first (accepted at 10× once Newton stalls at rounding).
const TIGHT_TOL: f64 = 1e-14;
/// Newton iterations per correction.
const CORRECT_ITERS: usize = 30;

/// The test of `which` at an accepted point.
fn test_of(which: Which, pt: &CurvePoint) -> f64 {
    match which {
        Which::Cusp => pt.g_aa,
        Which::GmuZero => pt.g_mu,
    }
}

/// A bracket end: the fraction s of the step's arclength coordinate, the test there, the
/// point and its unit kernel.
#[derive(Clone)]
struct End {
    s: f64,
    f: f64,
    y: Array1<f64>,
    phi: Array1<f64>,
}

/// Locates the zero of `which`'s test between the accepted points a (at `ya`) and b (at
/// `yb`), whose tests have opposite signs. Returns the best iterate (the caller judges it by
/// its residual against [`LOCATE_TOL`]); the secant estimate if no correction converged.
pub(super) fn locate_on_curve<F: Family>(
    sys: &FoldSystemOf<F>,
    which: Which,
    (a, ya): (&CurvePoint, &Array1<f64>),
    (b, yb): (&CurvePoint, &Array1<f64>),
) -> Solved {
    let d = yb - ya;
    let mut e0 = End {
        s: 0.0,
        f: test_of(which, a),
        y: ya.clone(),
        phi: a.phi.clone(),
    };
    let mut e1 = End {
        s: 1.0,
        f: test_of(which, b),
        y: yb.clone(),
        phi: b.phi.clone(),
    };
    let (y_sec, phi_sec) = interpolate(&e0, &e1, e0.f / (e0.f - e1.f));
    let mut best = Solved {
        y: y_sec,
        phi: phi_sec,
        residual: f64::INFINITY,
    };
    let Ok(tau) = fold_system(sys.fam, &sys.backend, ya, &a.phi).and_then(|l| l.tangent(&d)) else {
        return best;
    };
    // s is σ/σ_b: the fraction of the step's arclength coordinate σ = τ_aᵀ(y − y_a).
    let (sigma_a, sigma_b) = (tau.dot(ya), tau.dot(&d));
    for _ in 0..MAX_ITERS {
        let s = (e0.s * e1.f - e1.s * e0.f) / (e1.f - e0.f);
        let w = (s - e0.s) / (e1.s - e0.s);
        let plane = |s: f64| sigma_a + s * sigma_b;
        let Some((y, phi)) = reach(sys, (&e0, &e1), w, &tau, plane) else {
            break;
        };
        let obj = sys.fam.at(p_of(&y));
        let (f, _) = test_value(&obj, which, &y, &phi);
        let residual = scaled_residual(sys.fam, which, &y, &phi);
        if residual < best.residual {
            best = Solved {
                y: y.clone(),
                phi: phi.clone(),
                residual,
            };
        }
        if residual <= LOCATE_TOL || !f.is_finite() {
            break;
        }
        let new = End { s, f, y, phi };
        // Illinois: keep the bracket; halve the retained end's test when it is kept twice.
        if f * e1.f < 0.0 {
            e0 = std::mem::replace(&mut e1, new);
        } else {
            e0.f *= 0.5;
            e1 = new;
        }
        if (e1.s - e0.s).abs() <= f64::EPSILON {
            break;
        }
    }
    best
}

/// The point and unit border at fraction w of the bracket \[e0, e1\].
fn interpolate(e0: &End, e1: &End, w: f64) -> (Array1<f64>, Array1<f64>) {
    let y = &e0.y + &((&e1.y - &e0.y) * w);
    let phi = unit(&(&e0.phi + &((&e1.phi - &e0.phi) * w)));
    (y, phi)
}

/// The fold point at fraction w of the bracket, on the hyperplane τᵀy = plane(s): corrected
/// from the interpolated guess, or, where Newton fails from there (a sharply turning arc),
/// walked to from the nearer end in [`WALK_STEPS`] increments of the hyperplane.
fn reach<F: Family>(
    sys: &FoldSystemOf<F>,
    (e0, e1): (&End, &End),
    w: f64,
    tau: &Array1<f64>,
    plane: impl Fn(f64) -> f64,
) -> Option<(Array1<f64>, Array1<f64>)> {
    let s_at = |w: f64| e0.s + w * (e1.s - e0.s);
    let (guess, border) = interpolate(e0, e1, w);
    if let Some(found) = on_hyperplane(sys, &guess, &border, tau, plane(s_at(w))) {
        return Some(found);
    }
    let (from, w_from) = if w < 0.5 { (e0, 0.0) } else { (e1, 1.0) };
    let (mut y, mut phi) = (from.y.clone(), from.phi.clone());
    for k in 1..=WALK_STEPS {
        let wk = w_from + (w - w_from) * k as f64 / WALK_STEPS as f64;
        let shift = (&e1.y - &e0.y) * ((w - w_from) / WALK_STEPS as f64);
        (y, phi) = on_hyperplane(sys, &(&y + &shift), &phi, tau, plane(s_at(wk)))?;
    }
    Some((y, phi))
}

/// The fold point on the hyperplane τᵀy = `target` from `guess`: corrected to
/// [`TIGHT_TOL`] where rounding allows (the test is evaluated there, and a cusp's g_aa moves
/// fast with the point), else to the fold curve's own [`CORRECT_TOL`].
fn on_hyperplane<F: Family>(
    sys: &FoldSystemOf<F>,
    guess: &Array1<f64>,
    border: &Array1<f64>,
    tau: &Array1<f64>,
    target: f64,
) -> Option<(Array1<f64>, Array1<f64>)> {
    let (be, fam) = (&sys.backend, sys.fam);
    [TIGHT_TOL, CORRECT_TOL].into_iter().find_map(|tol| {
        correct(fam, be, guess, border, tau, target, tol, CORRECT_ITERS)
            .map(|c| (c.y, unit(&c.sys.v)))
    })
}

/// v/‖v‖.
fn unit(v: &Array1<f64>) -> Array1<f64> {
    v / norm(v.view())
}

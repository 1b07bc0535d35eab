//! Location of detected events: folds by Newton on the extended system (∇L = 0, µ = 0), branch
//! points and other index changes by Brent's method in the chord parameter of the step with every
//! trial point corrected onto the branch.

use super::corrector::{correct, join, lambda_of, norm, theta_of};
use super::{ContinuationParams, Event, EventKind, Spectrum};
use crate::derivatives::Objective;
use crate::linalg::{orient, solve, sym_eigen, SymEigen};
use ndarray::{s, Array1};

/// What the locator needs to know about an accepted point.
pub(crate) struct Endpoint<'a> {
    pub x: &'a Array1<f64>,
    pub morse: usize,
    pub arclength: f64,
}

/// Newton iterations of the fold system.
const FOLD_MAX_ITERS: usize = 40;
/// Brent iterations on the chord.
const BRENT_MAX_ITERS: usize = 100;
/// Newton budget of each corrector inside the chord search (near-singular near a branch point).
const CHORD_NEWTON: usize = 60;

/// Index of the eigenvalue nearest zero.
fn nearest_zero(e: &SymEigen) -> usize {
    (0..e.values.len())
        .min_by(|&i, &j| e.values[i].abs().total_cmp(&e.values[j].abs()))
        .unwrap_or(0)
}

/// Builds the event record at x: residual max(‖∇L‖, |µ|) with µ the eigenvalue nearest zero, φ
/// its unit eigenvector, oriented by [`orient`] (largest-modulus entry positive).
fn make_event<O: Objective + ?Sized>(
    obj: &O,
    kind: EventKind,
    x: &Array1<f64>,
    a: &Endpoint,
    b: &Endpoint,
    params: &ContinuationParams,
) -> Event {
    let theta = theta_of(x);
    let lam = lambda_of(x);
    let g = obj.gradient(theta, lam);
    let h = obj.hessian(theta, lam);
    let (mu, phi, eigenvalues) = match sym_eigen(&h) {
        Ok(e) if !e.values.is_empty() => {
            let i = nearest_zero(&e);
            let phi = orient(e.vectors.column(i).to_owned());
            let k = match params.spectrum {
                Spectrum::Smallest(k) => k.min(e.values.len()),
                Spectrum::Full => e.values.len(),
            };
            (e.values[i], phi.to_vec(), e.values.slice(s![..k]).to_vec())
        }
        _ => (f64::NAN, vec![], vec![]),
    };
    let residual = norm(g.view()).max(mu.abs());
    Event {
        kind,
        lambda: lam,
        residual: if residual.is_nan() {
            f64::INFINITY
        } else {
            residual
        },
        eigenvalues,
        kernel: phi,
        theta: theta.to_vec(),
        morse_before: a.morse,
        morse_after: b.morse,
        arclength: a.arclength + norm((x - a.x).view()),
    }
}

/// Newton on the fold system F(θ, λ) = (∇L, µ) with Jacobian
/// \[\[H, ∂λ∇L\], \[D³L\[φ, φ, ·\]ᵀ, φᵀ(∂λH)φ\]\] (µ simple, Hellmann–Feynman). Returns the point when
/// max(‖∇L‖, |µ|) ≤ tol and it stays near the step.
fn fold_newton<O: Objective + ?Sized>(
    obj: &O,
    x0: Array1<f64>,
    a: &Endpoint,
    b: &Endpoint,
    tol: f64,
) -> Option<Array1<f64>> {
    let mut x = x0;
    let n = x.len() - 1;
    let reach = 2.0 * norm((b.x - a.x).view()) + 1e-8;
    for _ in 0..FOLD_MAX_ITERS {
        let theta = theta_of(&x).to_owned();
        let lam = lambda_of(&x);
        let g = obj.gradient(theta.view(), lam);
        let h = obj.hessian(theta.view(), lam);
        let e = sym_eigen(&h).ok()?;
        let i = nearest_zero(&e);
        let mu = e.values[i];
        let phi = e.vectors.column(i).to_owned();
        if norm(g.view()).max(mu.abs()) <= tol {
            return (norm((&x - a.x).view()) <= reach).then_some(x);
        }
        let gl = obj.grad_lambda(theta.view(), lam);
        let d3 = obj.d3_vec(theta.view(), lam, phi.view());
        let hl = obj.hessian_lambda(theta.view(), lam);
        let mut j = ndarray::Array2::zeros((n + 1, n + 1));
        j.slice_mut(s![..n, ..n]).assign(&h);
        j.slice_mut(s![..n, n]).assign(&gl);
        j.slice_mut(s![n, ..n]).assign(&d3);
        j[[n, n]] = phi.dot(&hl.dot(&phi));
        let mut rhs = Array1::zeros(n + 1);
        rhs.slice_mut(s![..n]).assign(&g);
        rhs[n] = mu;
        let dx = solve(&j, &rhs).ok()?;
        x -= &dx;
        if !x.iter().all(|v| v.is_finite()) || norm((&x - a.x).view()) > reach {
            return None;
        }
    }
    None
}

/// The point of the chord x_a + t(x_b − x_a) corrected onto the branch in the hyperplane
/// orthogonal to the chord, and the ascending eigenvalue number `idx` there.
fn chord_point<O: Objective + ?Sized>(
    obj: &O,
    a: &Endpoint,
    b: &Endpoint,
    t: f64,
    idx: usize,
    tol: f64,
) -> Option<(Array1<f64>, f64)> {
    let c = b.x - a.x;
    let u = &c / norm(c.view());
    let xp = a.x + &(&c * t);
    let x = correct(obj, &xp, u.view(), None, tol, CHORD_NEWTON).ok()?.x;
    let h = obj.hessian(theta_of(&x), lambda_of(&x));
    let e = sym_eigen(&h).ok()?;
    let f = *e.values.get(idx)?;
    Some((x, f))
}

/// Brent's method (zeroin) on the crossing eigenvalue along the chord; returns the best point
/// found (not necessarily within tolerance).
fn chord_brent<O: Objective + ?Sized>(
    obj: &O,
    a: &Endpoint,
    b: &Endpoint,
    tol: f64,
    corr_tol: f64,
) -> Option<Array1<f64>> {
    let idx = a.morse.min(b.morse);
    let (xa, fa0) = chord_point(obj, a, b, 0.0, idx, corr_tol)?;
    let (xb, fb0) = chord_point(obj, a, b, 1.0, idx, corr_tol)?;
    let (mut ta, mut fa, mut tb, mut fb) = (0.0f64, fa0, 1.0f64, fb0);
    let mut best = if fa.abs() < fb.abs() {
        (xa, fa)
    } else {
        (xb, fb)
    };
    if fa * fb > 0.0 {
        return Some(best.0);
    }
    let (mut tc, mut fc) = (ta, fa);
    let mut d = tb - ta;
    let mut e = d;
    for _ in 0..BRENT_MAX_ITERS {
        if fb.abs() <= tol {
            break;
        }
        if (fb > 0.0) == (fc > 0.0) {
            tc = ta;
            fc = fa;
            d = tb - ta;
            e = d;
        }
        if fc.abs() < fb.abs() {
            ta = tb;
            tb = tc;
            tc = ta;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * tb.abs() + 1e-16;
        let xm = 0.5 * (tc - tb);
        if xm.abs() <= tol1 {
            break;
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s_ = fb / fa;
            let (mut p, mut q);
            if ta == tc {
                p = 2.0 * xm * s_;
                q = 1.0 - s_;
            } else {
                let q0 = fa / fc;
                let r = fb / fc;
                p = s_ * (2.0 * xm * q0 * (q0 - r) - (tb - ta) * (r - 1.0));
                q = (q0 - 1.0) * (r - 1.0) * (s_ - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            if 2.0 * p < (3.0 * xm * q - (tol1 * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        ta = tb;
        fa = fb;
        tb += if d.abs() > tol1 {
            d
        } else {
            tol1 * xm.signum()
        };
        match chord_point(obj, a, b, tb, idx, corr_tol) {
            Some((x, f)) => {
                fb = f;
                if f.abs() < best.1.abs() {
                    best = (x, f);
                }
            }
            None => break,
        }
    }
    Some(best.0)
}

/// Locates an event detected between accepted points a and b.
pub(crate) fn locate<O: Objective + ?Sized>(
    obj: &O,
    kind: EventKind,
    a: &Endpoint,
    b: &Endpoint,
    a_tau_lambda: f64,
    b_tau_lambda: f64,
    params: &ContinuationParams,
) -> Event {
    let tol = params.event_tol;
    let corr_tol = params.grad_tol.min(tol);
    let nearer = || {
        if a.morse <= b.morse {
            a.x.clone()
        } else {
            b.x.clone()
        }
    };
    if !params.locate_events {
        return make_event(obj, kind, &nearer(), a, b, params);
    }
    let mut located = None;
    if kind == EventKind::Fold {
        // Start where the λ-component of the tangent interpolates to zero.
        let t = a_tau_lambda / (a_tau_lambda - b_tau_lambda);
        let x0 = a.x + &((b.x - a.x) * t.clamp(0.0, 1.0));
        let x0 = join(theta_of(&x0), lambda_of(&x0));
        located = fold_newton(obj, x0, a, b, tol);
    }
    if located.is_none() {
        located = chord_brent(obj, a, b, tol, corr_tol);
    }
    let x = located.unwrap_or_else(nearer);
    make_event(obj, kind, &x, a, b, params)
}

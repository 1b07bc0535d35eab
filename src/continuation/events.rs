//! Location of detected events: folds by Newton on the extended system (∇L = 0, µ = 0), branch
//! points, other index changes and user-defined test functions by Brent's method in the chord
//! parameter of the step with every trial point corrected onto the branch. Both iterate until
//! the residual stops decreasing (not merely until it is below `event_tol`), so a located
//! event is as accurate as the arithmetic allows; the achieved residual is the event's.

use super::corrector::{correct, join, lambda_of, norm, theta_of};
use super::test_functions::{is_located, TestFunction, TestPoint};
use super::{ContinuationParams, Event, EventKind, Spectrum};
use crate::derivatives::Objective;
use crate::hessian::{Backend, EventSpectrum, Hess};
use ndarray::{s, Array1};

/// What the locator needs to know about an accepted point.
pub(crate) struct Endpoint<'a> {
    pub x: &'a Array1<f64>,
    pub morse: usize,
    pub arclength: f64,
    pub tau_lambda: f64,
    /// Its smallest eigenvalues, ascending (all on the dense path with the full spectrum).
    pub eigenvalues: &'a [f64],
    /// Their eigenvectors on the matrix-free path (warm starts of the kernel eigensolves).
    pub vectors: Option<&'a ndarray::Array2<f64>>,
}

/// The nearer end point's eigenvectors (the one with the smaller Morse index), else either's.
fn near_vectors<'e>(a: &Endpoint<'e>, b: &Endpoint<'e>) -> Option<&'e ndarray::Array2<f64>> {
    let near = if a.morse <= b.morse { a } else { b };
    near.vectors.or(a.vectors).or(b.vectors)
}

/// `phi` (if any) followed by the columns of `vectors` (if any); `None` without either.
fn warm_block(
    phi: Option<&Array1<f64>>,
    vectors: Option<&ndarray::Array2<f64>>,
) -> Option<ndarray::Array2<f64>> {
    let mut cols: Vec<ndarray::ArrayView1<f64>> = phi.map(|p| p.view()).into_iter().collect();
    if let Some(v) = vectors {
        cols.extend(v.columns());
    }
    (!cols.is_empty()).then(|| ndarray::stack(ndarray::Axis(1), &cols).expect("same length"))
}

/// A located (or recorded) event and what its validation needs.
pub(crate) struct Located {
    pub event: Event,
    /// The eigenvalue nearest zero there (the event's rounding level when located).
    pub mu: f64,
    /// |eigenvalue| second nearest zero at the event (∞ if n = 1): a one-dimensional kernel
    /// needs it well away from zero.
    pub second: f64,
    /// Largest |eigenvalue| there (the Hessian's scale).
    pub scale: f64,
}

/// Newton iterations of the fold system.
const FOLD_MAX_ITERS: usize = 40;
/// Brent iterations on the chord.
const BRENT_MAX_ITERS: usize = 100;
/// Newton budget of each corrector inside the chord search (near-singular near a branch point).
const CHORD_NEWTON: usize = 60;
/// Slack of the "stays within the step" test of the fold Newton, for steps of ~zero length.
const REACH_SLACK: f64 = 1e-8;

/// A test value at a corrected trial point from its smallest eigenvalues, ascending (all of them
/// on the dense path, the spectrum's k on the matrix-free one).
type TestValue<'f> = dyn Fn(&Array1<f64>, &[f64]) -> Option<f64> + 'f;

/// Builds the event record at x: residual max(‖∇L‖, |µ|) with µ the eigenvalue nearest zero, φ
/// its unit eigenvector, oriented by [`orient`] (largest-modulus entry positive).
pub(crate) fn make_event<O: Objective + ?Sized>(
    obj: &O,
    be: &Backend,
    kind: EventKind,
    x: &Array1<f64>,
    a: &Endpoint,
    b: &Endpoint,
    params: &ContinuationParams,
) -> Located {
    let theta = theta_of(x);
    let lam = lambda_of(x);
    let g = obj.gradient(theta, lam);
    let info = be
        .at(obj, theta, lam)
        .event_spectrum(params.spectrum, near_vectors(a, b));
    finish_event(kind, x, g.view(), info, (a, b), params)
}

fn finish_event(
    kind: EventKind,
    x: &Array1<f64>,
    g: ndarray::ArrayView1<f64>,
    info: EventSpectrum,
    (a, b): (&Endpoint, &Endpoint),
    params: &ContinuationParams,
) -> Located {
    let EventSpectrum {
        mu,
        phi,
        smallest: eigenvalues,
        second,
        scale,
    } = info;
    let theta = theta_of(x);
    let lam = lambda_of(x);
    let residual = norm(g).max(mu.abs());
    let event = Event {
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
        located: is_located(residual, scale, params),
    };
    Located {
        event,
        mu,
        second,
        scale,
    }
}

/// The fold system at a point: residual max(‖∇L‖, |µ|), µ (eigenvalue nearest zero), its unit
/// eigenvector φ, ∇L and H.
struct FoldState<'o> {
    r: f64,
    mu: f64,
    phi: Array1<f64>,
    g: Array1<f64>,
    h: Hess<'o>,
}

fn fold_state<'o, O: Objective + ?Sized>(
    obj: &'o O,
    be: &Backend,
    x: &Array1<f64>,
    warm: Option<&ndarray::Array2<f64>>,
) -> Option<FoldState<'o>> {
    let theta = theta_of(x);
    let lam = lambda_of(x);
    let g = obj.gradient(theta, lam);
    let h = be.at(obj, theta, lam);
    let (mu, phi) = h.nearest_zero_pair(warm).ok()?;
    Some(FoldState {
        r: norm(g.view()).max(mu.abs()),
        mu,
        phi,
        g,
        h,
    })
}

/// Newton on the fold system F(θ, λ) = (∇L, µ) with Jacobian
/// \[\[H, ∂λ∇L\], \[D³L\[φ, φ, ·\]ᵀ, φᵀ(∂λH)φ\]\] (µ simple, Hellmann–Feynman). Iterates until the
/// residual max(‖∇L‖, |µ|) stops decreasing (or `budget.stall` iterations have not halved
/// it); returns the best point and its kernel vector φ if its residual is ≤ tol and it lies
/// within the `region`.
pub(crate) fn fold_newton<O: Objective + ?Sized>(
    obj: &O,
    be: &Backend,
    x0: Array1<f64>,
    region: &FoldRegion,
    budget: FoldBudget,
    tol: f64,
) -> Option<(Array1<f64>, Array1<f64>)> {
    let FoldRegion {
        anchor,
        reach,
        vectors,
    } = *region;
    let mut x = x0;
    let n = x.len() - 1;
    let mut best: Option<(Array1<f64>, f64, Array1<f64>)> = None;
    let mut slow = 0;
    // The previous iterate's kernel vector warm-starts the next kernel eigensolve.
    let mut prev_phi: Option<Array1<f64>> = None;
    for _ in 0..budget.iters {
        let warm = warm_block(prev_phi.as_ref(), vectors);
        let Some(FoldState { r, mu, phi, g, h }) = fold_state(obj, be, &x, warm.as_ref()) else {
            break;
        };
        prev_phi = Some(phi.clone());
        let improved = best.as_ref().is_none_or(|(_, rb, _)| r < *rb);
        let settled = best
            .as_ref()
            .is_some_and(|(_, rb, _)| *rb <= tol && r >= budget.settle * *rb);
        if settled {
            // converged: below the tolerance the residual stopped decreasing (by `settle`)
            if improved {
                best = Some((x.clone(), r, phi));
            }
            break;
        }
        let halved = best.as_ref().is_none_or(|(_, rb, _)| r <= 0.5 * *rb);
        if !halved {
            slow += 1;
            if slow >= budget.stall {
                break;
            }
        }
        if improved {
            best = Some((x.clone(), r, phi.clone()));
        }
        if r == 0.0 {
            break;
        }
        let theta = theta_of(&x).to_owned();
        let lam = lambda_of(&x);
        let gl = obj.grad_lambda(theta.view(), lam);
        let d3 = obj.d3_vec(theta.view(), lam, phi.view());
        let mut rhs = Array1::zeros(n + 1);
        rhs.slice_mut(s![..n]).assign(&g);
        rhs[n] = mu;
        let corner = h.phi_hl_phi(obj, theta.view(), lam, phi.view());
        let row = join(d3.view(), corner);
        let dx = h.solve_bordered_once(&gl, row.view(), &rhs).ok();
        let Some(dx) = dx else {
            break;
        };
        x -= &dx;
        if !x.iter().all(|v| v.is_finite()) || norm((&x - anchor).view()) > reach {
            break;
        }
    }
    let (x, r, phi) = best?;
    (r <= tol && norm((&x - anchor).view()) <= reach).then_some((x, phi))
}

/// Where [`fold_newton`] searches: within `reach` of `anchor`, its kernel eigensolves
/// warm-started by the previous iterate's φ and `vectors` (matrix-free path).
#[derive(Clone, Copy)]
pub(crate) struct FoldRegion<'r> {
    pub anchor: &'r Array1<f64>,
    pub reach: f64,
    pub vectors: Option<&'r ndarray::Array2<f64>>,
}

/// Iterations of [`fold_newton`] and its two early ends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FoldBudget {
    pub iters: usize,
    /// Iterations (in all) that do not halve the best residual before the iteration gives up:
    /// inside its basin Newton gains digits at every step.
    pub stall: usize,
    /// Below the tolerance, an iteration whose residual is above this fraction of the best
    /// ends the iteration (1: one that does not decrease it).
    pub settle: f64,
}

/// The budget of a fold located between two accepted points (converges in a few iterations
/// from the tangent-interpolated start; the rest is headroom).
const FOLD_BETWEEN: FoldBudget = FoldBudget {
    iters: FOLD_MAX_ITERS,
    stall: usize::MAX,
    settle: 1.0,
};

/// The point of the chord x_a + t(x_b − x_a) corrected onto the branch in the hyperplane
/// orthogonal to the chord, its full spectrum and the test value `f` there.
#[allow(clippy::too_many_arguments)]
fn chord_point<O: Objective + ?Sized>(
    obj: &O,
    be: &Backend,
    k: usize,
    a: &Endpoint,
    b: &Endpoint,
    t: f64,
    tol: f64,
    f: &TestValue,
) -> Option<(Array1<f64>, f64)> {
    let c = b.x - a.x;
    let u = &c / norm(c.view());
    let xp = a.x + &(&c * t);
    let x = correct(obj, be, &xp, u.view(), None, tol, CHORD_NEWTON)
        .ok()?
        .x;
    let values = be
        .at(obj, theta_of(&x), lambda_of(&x))
        .test_eigenvalues(k)
        .ok()?;
    let v = f(&x, values.as_slice()?)?;
    Some((x, v))
}

/// Brent's method (zeroin) on the test value `f` along the chord, run until the bracket is at
/// machine precision (or `f` vanishes exactly); returns the point of smallest |f| found.
fn chord_brent<O: Objective + ?Sized>(
    obj: &O,
    be: &Backend,
    k: usize,
    (a, b): (&Endpoint, &Endpoint),
    corr_tol: f64,
    f: &TestValue,
    reuse_ends: bool,
) -> Option<Array1<f64>> {
    // The accepted end points are on the branch with their spectra known: no solve needed
    // (each would cost an operator setup and an eigensolve on the matrix-free path).
    // Only for the built-in tests, which read one eigenvalue: a user's test may count the
    // whole spectrum, which a partial one at an end point does not have.
    let end = |e: &Endpoint, t: f64| {
        let known = (reuse_ends && e.eigenvalues.len() >= k)
            .then(|| f(e.x, e.eigenvalues))
            .flatten();
        match known {
            Some(v) => Some((e.x.clone(), v)),
            None => chord_point(obj, be, k, a, b, t, corr_tol, f),
        }
    };
    let (xa, fa0) = end(a, 0.0)?;
    let (xb, fb0) = end(b, 1.0)?;
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
        if fb == 0.0 {
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
        (d, e) = brent_step((ta, fa), (tb, fb), (tc, fc), (xm, tol1), (d, e));
        ta = tb;
        fa = fb;
        tb += if d.abs() > tol1 {
            d
        } else {
            tol1 * xm.signum()
        };
        match chord_point(obj, be, k, a, b, tb, corr_tol, f) {
            Some((x, v)) => {
                fb = v;
                if v.abs() < best.1.abs() {
                    best = (x, v);
                }
            }
            None => break,
        }
    }
    Some(best.0)
}

/// The step of one zeroin iteration from the bracket (ta, fa), (tb, fb), (tc, fc), half-width
/// `xm`, tolerance `tol1` and the previous steps (d, e): inverse quadratic interpolation (the
/// secant when ta = tc) when it is acceptable, else bisection. Returns the new (d, e).
fn brent_step(
    (ta, fa): (f64, f64),
    (tb, fb): (f64, f64),
    (tc, fc): (f64, f64),
    (xm, tol1): (f64, f64),
    (d, e): (f64, f64),
) -> (f64, f64) {
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
            (p / q, d)
        } else {
            (xm, xm)
        }
    } else {
        (xm, xm)
    }
}

/// Locates an event detected between accepted points a and b (`test` for user-defined ones).
pub(crate) fn locate<O: Objective + ?Sized>(
    obj: &O,
    be: &Backend,
    kind: EventKind,
    test: Option<&dyn TestFunction>,
    a: &Endpoint,
    b: &Endpoint,
    params: &ContinuationParams,
) -> Located {
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
        return make_event(obj, be, kind, &nearer(), a, b, params);
    }
    let mut located = None;
    if kind == EventKind::Fold {
        // Start where the λ-component of the tangent interpolates to zero.
        let t = a.tau_lambda / (a.tau_lambda - b.tau_lambda);
        let x0 = a.x + &((b.x - a.x) * t.clamp(0.0, 1.0));
        let x0 = join(theta_of(&x0), lambda_of(&x0));
        let reach = 2.0 * norm((b.x - a.x).view()) + REACH_SLACK;
        let region = FoldRegion {
            anchor: a.x,
            reach,
            vectors: near_vectors(a, b),
        };
        located = fold_newton(obj, be, x0, &region, FOLD_BETWEEN, tol).map(|(x, _)| x);
    }
    // Eigenvalues the matrix-free path computes at trial points (the dense path has all).
    let k_test = match params.spectrum {
        Spectrum::Smallest(k) => k,
        Spectrum::Full => obj.dim(),
    };
    if located.is_none() {
        located = match test {
            Some(tf) => {
                let f = |x: &Array1<f64>, e: &[f64]| {
                    let values = e.to_vec();
                    let p = TestPoint {
                        theta: theta_of(x),
                        lambda: lambda_of(x),
                        tangent_lambda: f64::NAN,
                        det_sign: f64::NAN,
                        morse_index: values.iter().filter(|&&v| v < 0.0).count(),
                        eigenvalues: &values,
                    };
                    Some(tf.value(&p))
                };
                chord_brent(obj, be, k_test, (a, b), corr_tol, &f, false)
            }
            None => {
                let idx = a.morse.min(b.morse);
                let f = |_: &Array1<f64>, e: &[f64]| e.get(idx).copied();
                chord_brent(obj, be, k_test.max(idx + 1), (a, b), corr_tol, &f, true)
            }
        };
    }
    let x = located.unwrap_or_else(nearer);
    make_event(obj, be, kind, &x, a, b, params)
}

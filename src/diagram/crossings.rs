//! Where a traced branch crosses a given λ: the critical points of L(·, λ) on it, Newton-
//! polished from the interpolated neighbours.

use crate::continuation::{newton_critical_point, Point};
use crate::derivatives::Objective;
use crate::linalg::sym_eigenvalues;
use ndarray::{Array1, ArrayView1};

/// Largest n for which a crossing's Morse index comes from the full spectrum; above it, from
/// the nearer traced point (the tracer's exact inertia count).
pub const DENSE_MORSE_MAX_DIM: usize = 2000;

/// One crossing of a branch with a λ.
#[derive(Clone, Debug)]
pub struct Crossing {
    /// θ (polished when `polished`).
    pub theta: Array1<f64>,
    /// λ.
    pub lambda: f64,
    /// ‖∇L‖ at θ.
    pub grad_norm: f64,
    /// Whether Newton reached the tolerance; if not θ is the interpolant.
    pub polished: bool,
    /// Index of the traced point just before the crossing.
    pub segment: usize,
    /// Morse index.
    pub morse_index: usize,
}

/// Morse index of the critical point θ at λ (dense spectrum up to [`DENSE_MORSE_MAX_DIM`],
/// else `fallback`), counting eigenvalues below −`tol`·max|eigenvalue|.
pub fn morse_index<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    fallback: usize,
) -> usize {
    if obj.dim() > DENSE_MORSE_MAX_DIM {
        return fallback;
    }
    match sym_eigenvalues(&obj.hessian(theta, lambda)) {
        Ok(ev) => {
            let scale = ev.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            ev.iter().filter(|&&x| x < -1e-13 * scale).count()
        }
        Err(_) => fallback,
    }
}

/// Every crossing of the branch `points` with λ = `lambda`: points exactly at it and segments
/// whose ends lie on either side, each polished by Newton at `lambda` to `tol`. Crossings that
/// polish to one point (max-norm ≤ 1e-8·(1 + ‖θ‖∞)) are reported once.
pub fn crossings<O: Objective + ?Sized>(
    obj: &O,
    points: &[Point],
    lambda: f64,
    tol: f64,
) -> Vec<Crossing> {
    let mut out: Vec<Crossing> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let guess = if p.lambda == lambda {
            Some((p.theta.clone(), 1.0, i))
        } else if let Some(q) = points.get(i + 1) {
            let (a, b) = (p.lambda - lambda, q.lambda - lambda);
            (a * b < 0.0 && q.lambda != lambda).then(|| {
                let t = a / (a - b);
                (&p.theta * (1.0 - t) + &q.theta * t, t, i)
            })
        } else {
            None
        };
        let Some((theta0, t, seg)) = guess else {
            continue;
        };
        let near = if t < 0.5 || seg + 1 >= points.len() {
            &points[seg]
        } else {
            &points[seg + 1]
        };
        let c = polish(obj, theta0, lambda, tol, seg, near.morse_index);
        let scale = 1e-8 * (1.0 + c.theta.iter().fold(0.0f64, |m, x| m.max(x.abs())));
        if !out
            .iter()
            .any(|o| super::max_dist(o.theta.view(), c.theta.view()) <= scale)
        {
            out.push(c);
        }
    }
    out
}

fn polish<O: Objective + ?Sized>(
    obj: &O,
    theta0: Array1<f64>,
    lambda: f64,
    tol: f64,
    segment: usize,
    fallback_morse: usize,
) -> Crossing {
    let (theta, polished) = match newton_critical_point(obj, theta0.view(), lambda, tol) {
        Ok(t) => (t, true),
        Err(_) => (theta0, false),
    };
    let grad_norm = crate::linalg::norm(obj.gradient(theta.view(), lambda).view());
    let morse_index = morse_index(obj, theta.view(), lambda, fallback_morse);
    Crossing {
        theta,
        lambda,
        grad_norm,
        polished,
        segment,
        morse_index,
    }
}

//! MINRES (Paige & Saunders 1975) for symmetric, possibly indefinite operators, without a
//! preconditioner; restarted from the current iterate when the recurrence's residual estimate
//! and the recomputed residual disagree.

use super::{vnorm, KrylovFailure, KrylovSolution, VecMap};
use ndarray::Array1;

/// Solves A x = b (A symmetric) to ‖b − A x‖ ≤ tol·‖b‖ within `max_iters` applications of A.
///
/// ```
/// use actbif::linalg::krylov::minres;
/// use ndarray::{array, ArrayView1};
/// let a = array![[1.0, 2.0], [2.0, -3.0]]; // indefinite
/// let op = |u: ArrayView1<f64>| a.dot(&u);
/// let s = minres(&op, &array![3.0, -1.0], 1e-13, 10).unwrap();
/// assert!((s.x[0] - 1.0).abs() < 1e-12 && (s.x[1] - 1.0).abs() < 1e-12);
/// ```
pub fn minres(
    a: &VecMap,
    b: &Array1<f64>,
    tol: f64,
    max_iters: usize,
) -> Result<KrylovSolution, KrylovFailure> {
    let n = b.len();
    let bn = vnorm(b.view());
    let mut x = Array1::zeros(n);
    if bn == 0.0 {
        return Ok(KrylovSolution {
            x,
            iters: 0,
            residual: 0.0,
        });
    }
    let mut total = 0usize;
    loop {
        let r = b - &a(x.view());
        let rel = vnorm(r.view()) / bn;
        if rel <= tol {
            return Ok(KrylovSolution {
                x,
                iters: total,
                residual: rel,
            });
        }
        if !rel.is_finite() || total >= max_iters {
            return Err(KrylovFailure {
                method: "MINRES",
                iters: total,
                residual: rel,
                tol,
            });
        }
        let (dx, used) = run(a, r, tol * bn, max_iters - total);
        total += used;
        if used == 0 || !dx.iter().all(|v| v.is_finite()) {
            return Err(KrylovFailure {
                method: "MINRES",
                iters: total,
                residual: rel,
                tol,
            });
        }
        x += &dx;
    }
}

/// One MINRES run on A dx = r; the update and the number of applications.
fn run(a: &VecMap, r: Array1<f64>, abs_tol: f64, budget: usize) -> (Array1<f64>, usize) {
    let n = r.len();
    let beta1 = vnorm(r.view());
    let mut x = Array1::<f64>::zeros(n);
    let (mut r1, mut r2, mut y) = (r.clone(), r.clone(), r);
    let (mut oldb, mut beta, mut dbar, mut epsln) = (0.0, beta1, 0.0, 0.0);
    let (mut phibar, mut cs, mut sn) = (beta1, -1.0, 0.0);
    let mut w = Array1::<f64>::zeros(n);
    let mut w2 = Array1::<f64>::zeros(n);
    let mut used = 0;
    while used < budget {
        used += 1;
        let v = &y / beta;
        y = a(v.view());
        if used >= 2 {
            y.scaled_add(-beta / oldb, &r1);
        }
        let alfa = v.dot(&y);
        y.scaled_add(-alfa / beta, &r2);
        r1 = std::mem::replace(&mut r2, y.clone());
        oldb = beta;
        beta = vnorm(y.view());
        let oldeps = epsln;
        let delta = cs * dbar + sn * alfa;
        let gbar = sn * dbar - cs * alfa;
        epsln = sn * beta;
        dbar = -cs * beta;
        let gamma = gbar.hypot(beta).max(f64::EPSILON);
        cs = gbar / gamma;
        sn = beta / gamma;
        let phi = cs * phibar;
        phibar *= sn;
        let w1 = std::mem::replace(&mut w2, w.clone());
        w = (&v - &(&w1 * oldeps) - &(&w2 * delta)) / gamma;
        x.scaled_add(phi, &w);
        if phibar <= abs_tol || beta == 0.0 {
            break;
        }
    }
    (x, used)
}

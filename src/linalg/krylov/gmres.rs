//! Restarted GMRES with right preconditioning (Saad, "Iterative Methods for Sparse Linear
//! Systems", Alg. 9.5), modified Gram–Schmidt with one reorthogonalisation pass.

use super::{vnorm, KrylovFailure, KrylovSolution, VecMap};
use ndarray::Array1;

/// Krylov basis size per restart cycle.
const RESTART: usize = 40;

/// Solves A x = b to ‖b − A x‖ ≤ tol·‖b‖ with the right preconditioner `m` (≈ A⁻¹), from `x0`
/// (zero if `None`), within `max_iters` applications of A. The residual is recomputed at every
/// restart and at the end, so a returned solution meets the tolerance in fact.
///
/// ```
/// use actbif::linalg::krylov::gmres;
/// use ndarray::{array, Array1, ArrayView1};
/// let a = array![[2.0, 1.0], [0.0, 3.0]];
/// let op = |u: ArrayView1<f64>| a.dot(&u);
/// let id = |u: ArrayView1<f64>| u.to_owned();
/// let s = gmres(&op, &id, &array![3.0, 3.0], None, 1e-14, 10).unwrap();
/// assert!((s.x[0] - 1.0).abs() < 1e-14 && (s.x[1] - 1.0).abs() < 1e-14);
/// ```
pub fn gmres(
    a: &VecMap,
    m: &VecMap,
    b: &Array1<f64>,
    x0: Option<Array1<f64>>,
    tol: f64,
    max_iters: usize,
) -> Result<KrylovSolution, KrylovFailure> {
    gmres_impl(a, m, b, x0, tol, max_iters, None)
}

/// [`gmres`] that also stops once the normwise backward error (Rigal & Gaches 1967)
///
///   η = ‖b − A x‖ / (‖A‖·‖x‖ + ‖b‖) ≤ tol,
///
/// i.e. x solves (A + δA) x = b + δb exactly with ‖δA‖ ≤ tol·‖A‖ and ‖δb‖ ≤ tol·‖b‖. When the
/// solution is much larger than ‖b‖/‖A‖ (a near-singular system, e.g. a Newton correction
/// along a fold's kernel) the computed residual itself carries a rounding error
/// ≈ ε·‖A‖·‖x‖, so ‖b − A x‖ ≤ tol·‖b‖ may be unreachable while η sits at ε. `norm_a` returns
/// ‖A‖ (an estimate from below keeps η an overestimate); it is called at most once, and only
/// if the relative-residual test fails at a restart.
pub fn gmres_backward(
    a: &VecMap,
    m: &VecMap,
    b: &Array1<f64>,
    x0: Option<Array1<f64>>,
    tol: f64,
    max_iters: usize,
    norm_a: &dyn Fn() -> f64,
) -> Result<KrylovSolution, KrylovFailure> {
    gmres_impl(a, m, b, x0, tol, max_iters, Some(norm_a))
}

fn gmres_impl(
    a: &VecMap,
    m: &VecMap,
    b: &Array1<f64>,
    x0: Option<Array1<f64>>,
    tol: f64,
    max_iters: usize,
    norm_a: Option<&dyn Fn() -> f64>,
) -> Result<KrylovSolution, KrylovFailure> {
    let n = b.len();
    let bn = vnorm(b.view());
    let mut x = x0.unwrap_or_else(|| Array1::zeros(n));
    if bn == 0.0 {
        return Ok(KrylovSolution {
            x: Array1::zeros(n),
            iters: 0,
            residual: 0.0,
        });
    }
    let mut total = 0usize;
    let mut a_norm: Option<f64> = None;
    loop {
        let r = b - &a(x.view());
        let beta = vnorm(r.view());
        let rel = beta / bn;
        let backward_ok = rel.is_finite()
            && rel > tol
            && norm_a.is_some_and(|f| {
                let na = *a_norm.get_or_insert_with(f);
                beta <= tol * (na * vnorm(x.view()) + bn)
            });
        if !rel.is_finite() || total >= max_iters || rel <= tol || backward_ok {
            return if rel <= tol || backward_ok {
                Ok(KrylovSolution {
                    x,
                    iters: total,
                    residual: rel,
                })
            } else {
                Err(KrylovFailure {
                    method: "GMRES",
                    iters: total,
                    residual: rel,
                    tol,
                })
            };
        }
        let budget = RESTART.min(max_iters - total);
        let (dx, used) = cycle(a, m, r / beta, beta, budget, tol * bn);
        total += used;
        if used == 0 || !dx.iter().all(|v| v.is_finite()) {
            return Err(KrylovFailure {
                method: "GMRES",
                iters: total,
                residual: rel,
                tol,
            });
        }
        x += &dx;
    }
}

/// One GMRES cycle from the unit residual direction `v0` (residual norm `beta`); the update
/// of x and the number of operator applications.
fn cycle(
    a: &VecMap,
    m: &VecMap,
    v0: Array1<f64>,
    beta: f64,
    budget: usize,
    abs_tol: f64,
) -> (Array1<f64>, usize) {
    let n = v0.len();
    let mut v: Vec<Array1<f64>> = vec![v0];
    let mut z: Vec<Array1<f64>> = Vec::new();
    let mut h: Vec<Vec<f64>> = Vec::new(); // column j: h[0..=j+1][j]
    let (mut cs, mut sn): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    let mut g = vec![beta];
    for j in 0..budget {
        let zj = m(v[j].view());
        let mut w = a(zj.view());
        z.push(zj);
        let mut col = vec![0.0; j + 2];
        for _pass in 0..2 {
            for (i, vi) in v.iter().enumerate() {
                let hij = vi.dot(&w);
                col[i] += hij;
                w.scaled_add(-hij, vi);
            }
        }
        let hn = vnorm(w.view());
        col[j + 1] = hn;
        for i in 0..j {
            let t = cs[i] * col[i] + sn[i] * col[i + 1];
            col[i + 1] = -sn[i] * col[i] + cs[i] * col[i + 1];
            col[i] = t;
        }
        let den = col[j].hypot(col[j + 1]);
        let (c, s) = if den == 0.0 {
            (1.0, 0.0)
        } else {
            (col[j] / den, col[j + 1] / den)
        };
        col[j] = den;
        col[j + 1] = 0.0;
        cs.push(c);
        sn.push(s);
        g.push(-s * g[j]);
        g[j] *= c;
        h.push(col);
        if g[j + 1].abs() <= abs_tol || hn == 0.0 {
            break;
        }
        v.push(w / hn);
    }
    let k = h.len();
    let mut y = vec![0.0; k];
    for i in (0..k).rev() {
        let mut s = g[i];
        for (l, yl) in y.iter().enumerate().take(k).skip(i + 1) {
            s -= h[l][i] * yl;
        }
        y[i] = if h[i][i] != 0.0 { s / h[i][i] } else { 0.0 };
    }
    let mut dx = Array1::zeros(n);
    for (zi, yi) in z.iter().zip(&y) {
        dx.scaled_add(*yi, zi);
    }
    (dx, k)
}

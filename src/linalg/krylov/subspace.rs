//! Eigenpairs nearest zero by block subspace iteration on an inverse operator, with
//! Rayleigh–Ritz on the operator itself (the matrix-free twin of
//! [`crate::linalg::sym_eigen_smallest`]).

use super::{vnorm, KrylovFailure, VecMap};
use crate::linalg::{sym_eigen, SplitMix64};
use ndarray::{Array1, Array2, ArrayView1};

/// Ritz pairs of a symmetric operator.
#[derive(Clone, Debug)]
pub struct RitzPairs {
    /// Ritz values, ascending.
    pub values: Array1<f64>,
    /// Orthonormal Ritz vectors (n × p), column i for `values[i]`.
    pub vectors: Array2<f64>,
    /// Residual ‖A v − θ v‖ of each pair.
    pub residuals: Vec<f64>,
    /// Subspace iterations used.
    pub iters: usize,
}

/// Orthonormalises the columns of `x` (modified Gram–Schmidt, twice); columns that vanish are
/// replaced by pseudo-random ones.
fn orthonormalise(x: &mut Array2<f64>, rng: &mut SplitMix64) {
    let p = x.ncols();
    for j in 0..p {
        for attempt in 0..3 {
            for _pass in 0..2 {
                for i in 0..j {
                    let qi = x.column(i).to_owned();
                    let c = qi.dot(&x.column(j));
                    x.column_mut(j).scaled_add(-c, &qi);
                }
            }
            let nj = vnorm(x.column(j));
            if nj > 0.0 && nj.is_finite() && (attempt > 0 || nj > 1e-300) {
                x.column_mut(j).mapv_inplace(|v| v / nj);
                break;
            }
            x.column_mut(j).mapv_inplace(|_| rng.next_signed());
        }
    }
}

/// Rayleigh–Ritz of `a` on the span of the orthonormal columns of `q`.
fn rayleigh_ritz(a: &VecMap, q: &Array2<f64>) -> crate::error::Result<RitzPairs> {
    let p = q.ncols();
    let mut aq = Array2::zeros(q.dim());
    for j in 0..p {
        aq.column_mut(j).assign(&a(q.column(j)));
    }
    let t = q.t().dot(&aq);
    let t = (&t + &t.t()) * 0.5;
    let e = sym_eigen(&t)?;
    let vectors = q.dot(&e.vectors);
    let avec = aq.dot(&e.vectors);
    let residuals = (0..p)
        .map(|i| vnorm((&avec.column(i) - &(&vectors.column(i) * e.values[i])).view()))
        .collect();
    Ok(RitzPairs {
        values: e.values,
        vectors,
        residuals,
        iters: 0,
    })
}

/// The `p` eigenpairs of the symmetric operator `a` nearest zero, by block subspace iteration
/// on `inv` (≈ A⁻¹, shift 0), seeded with `warm` columns and pseudo-random ones. Converged when
/// the Ritz pairs selected by `accept` (given the ascending Ritz values, the indices to check)
/// have residual ≤ `tol`; a typed failure after `max_iters` iterations or when `inv` fails.
#[allow(clippy::too_many_arguments)]
pub fn nearest_zero_pairs(
    a: &VecMap,
    inv: &dyn Fn(ArrayView1<f64>) -> Result<Array1<f64>, KrylovFailure>,
    n: usize,
    p: usize,
    warm: Option<&Array2<f64>>,
    tol: f64,
    max_iters: usize,
    accept: &dyn Fn(&Array1<f64>) -> Vec<usize>,
) -> Result<RitzPairs, KrylovFailure> {
    let p = p.min(n).max(1);
    let mut rng = SplitMix64::new(0x5EED_u64 ^ (n as u64));
    let q0 = warm.map_or(0, |w| w.ncols().min(p));
    let mut x = Array2::from_shape_fn((n, p), |(i, j)| {
        if j < q0 {
            warm.expect("q0 > 0")[[i, j]]
        } else {
            0.0
        }
    });
    for j in q0..p {
        x.column_mut(j).mapv_inplace(|_| rng.next_signed());
    }
    let fail = |iters: usize, residual: f64| KrylovFailure {
        method: "subspace iteration",
        iters,
        residual,
        tol,
    };
    let apply_inv = |x: &mut Array2<f64>| -> Result<(), KrylovFailure> {
        for j in 0..x.ncols() {
            let c = inv(x.column(j))?;
            x.column_mut(j).assign(&c);
        }
        Ok(())
    };
    apply_inv(&mut x)?;
    for it in 1..=max_iters {
        orthonormalise(&mut x, &mut rng);
        let mut rr = rayleigh_ritz(a, &x).map_err(|_| fail(it, f64::NAN))?;
        let worst = accept(&rr.values)
            .into_iter()
            .map(|i| rr.residuals[i])
            .fold(0.0, f64::max);
        if worst <= tol {
            rr.iters = it;
            return Ok(rr);
        }
        if it == max_iters {
            return Err(fail(it, worst));
        }
        x = rr.vectors;
        apply_inv(&mut x)?;
    }
    Err(fail(max_iters, f64::NAN))
}

/// An estimate of the largest |eigenvalue| of a symmetric operator: the Rayleigh quotient
/// after `iters` power iterations from a fixed pseudo-random start (a lower bound, accurate to
/// a few digits for the scale tests it serves).
pub fn largest_abs_estimate(a: &VecMap, n: usize, iters: usize) -> f64 {
    let mut rng = SplitMix64::new(0xA11CE ^ (n as u64));
    let mut v = Array1::from_shape_fn(n, |_| rng.next_signed());
    let mut est = 0.0f64;
    for _ in 0..iters {
        let nv = vnorm(v.view());
        if nv == 0.0 || !nv.is_finite() {
            break;
        }
        v /= nv;
        let w = a(v.view());
        est = est.max(vnorm(w.view()));
        v = w;
    }
    est
}

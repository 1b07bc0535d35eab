//! Eigenpairs nearest zero by block subspace iteration on an inverse operator, with
//! Rayleigh–Ritz on the operator itself (the matrix-free twin of
//! [`crate::linalg::sym_eigen_smallest`]).

use super::{vnorm, KrylovFailure, VecMap};
use crate::linalg::{sym_eigen, SplitMix64};
use ndarray::{Array1, Array2, ArrayView1};

/// An (approximate) inverse operator application that may fail.
pub type InverseMap<'a> = dyn Fn(ArrayView1<f64>) -> Result<Array1<f64>, KrylovFailure> + 'a;

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
        for _attempt in 0..3 {
            let n0 = vnorm(x.column(j));
            for _pass in 0..2 {
                for i in 0..j {
                    let qi = x.column(i).to_owned();
                    let c = qi.dot(&x.column(j));
                    x.column_mut(j).scaled_add(-c, &qi);
                }
            }
            let nj = vnorm(x.column(j));
            // A column that lost all but DEPENDENT_RTOL of its norm is (numerically) in the
            // span of the previous ones: replace it.
            if nj.is_finite() && nj > DEPENDENT_RTOL * n0 && nj > 0.0 {
                x.column_mut(j).mapv_inplace(|v| v / nj);
                break;
            }
            x.column_mut(j).mapv_inplace(|_| rng.next_signed());
        }
    }
}

/// The orthonormal n × p start block of the subspace iterations: the columns of `warm` first,
/// then seeded random columns (deterministic per n), and the generator for later refills.
fn start_block(n: usize, p: usize, warm: Option<&Array2<f64>>) -> (Array2<f64>, SplitMix64) {
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
    orthonormalise(&mut x, &mut rng);
    (x, rng)
}

/// See [`orthonormalise`]: two Gram–Schmidt passes keep orthogonality to ≈ ε/DEPENDENT_RTOL.
const DEPENDENT_RTOL: f64 = 1e-8;

/// Ritz pairs of `a` from vectors `v` (n × p, orthonormal): θ_i = v_iᵀAv_i, residuals.
fn ritz_of(a: &VecMap, v: Array2<f64>, iters: usize) -> RitzPairs {
    let p = v.ncols();
    let mut values = Array1::zeros(p);
    let mut residuals = vec![0.0; p];
    for i in 0..p {
        let av = a(v.column(i));
        values[i] = v.column(i).dot(&av);
        residuals[i] = vnorm((&av - &(&v.column(i) * values[i])).view());
    }
    // Ascending order.
    let mut idx: Vec<usize> = (0..p).collect();
    idx.sort_by(|&x, &y| values[x].total_cmp(&values[y]));
    RitzPairs {
        values: idx.iter().map(|&i| values[i]).collect(),
        vectors: v.select(ndarray::Axis(1), &idx),
        residuals: idx.iter().map(|&i| residuals[i]).collect(),
        iters,
    }
}

/// The `p` eigenpairs of the symmetric operator `a` nearest zero: Rayleigh–Ritz for A⁻¹ (`inv`,
/// shift 0) on the two-block Krylov space span\[X, A⁻¹X\] (converges like block Lanczos on
/// A⁻¹, also on clustered spectra; the wanted eigenvalues are extremal for A⁻¹, so no spurious
/// interior Ritz values), seeded with `warm` columns and pseudo-random ones; eigenvalues are
/// the Rayleigh quotients of A. Converged when the pairs `accept` picks (given the ascending
/// values) have ‖Av − θv‖ ≤ `tol`, or after `max_iters` iterations ≤ `tol_last` (each Ritz
/// value is then within its residual of an eigenvalue, Weyl's bound: the fallback for clusters
/// of near-equal eigenvalues that subspace methods resolve slowly); a typed failure otherwise
/// or when `inv` fails.
#[allow(clippy::too_many_arguments)]
pub fn nearest_zero_pairs(
    a: &VecMap,
    inv: &InverseMap,
    n: usize,
    p: usize,
    warm: Option<&Array2<f64>>,
    (tol, tol_last): (f64, f64),
    max_iters: usize,
    accept: &dyn Fn(&Array1<f64>) -> Vec<usize>,
) -> Result<RitzPairs, KrylovFailure> {
    let p = p.min(n).max(1);
    let (mut x, mut rng) = start_block(n, p, warm);
    let fail = |iters: usize, residual: f64| KrylovFailure {
        method: "subspace iteration",
        iters,
        residual,
        tol,
    };
    let apply_inv = |x: &Array2<f64>| -> Result<Array2<f64>, KrylovFailure> {
        let mut out = Array2::zeros(x.dim());
        for j in 0..x.ncols() {
            out.column_mut(j).assign(&inv(x.column(j))?);
        }
        Ok(out)
    };
    let mut y = apply_inv(&x)?;
    for it in 1..=max_iters {
        let mut q =
            ndarray::concatenate(ndarray::Axis(1), &[x.view(), y.view()]).expect("same row count");
        if q.ncols() > n {
            q = q.slice(ndarray::s![.., ..n]).to_owned();
        }
        orthonormalise(&mut q, &mut rng);
        let w = apply_inv(&q)?;
        let t = q.t().dot(&w);
        let t = (&t + &t.t()) * 0.5;
        let e = sym_eigen(&t).map_err(|_| fail(it, f64::NAN))?;
        // The p Ritz values of A⁻¹ of largest modulus ↔ eigenvalues of A nearest zero.
        let mut idx: Vec<usize> = (0..e.values.len()).collect();
        idx.sort_by(|&i, &j| e.values[j].abs().total_cmp(&e.values[i].abs()));
        idx.truncate(p);
        let u = e.vectors.select(ndarray::Axis(1), &idx);
        x = q.dot(&u);
        y = w.dot(&u);
        let rr = ritz_of(a, x.clone(), it);
        let worst = accept(&rr.values)
            .into_iter()
            .map(|i| rr.residuals[i])
            .fold(0.0, f64::max);
        if worst <= tol || (it == max_iters && worst <= tol_last) {
            return Ok(rr);
        }
        if it == max_iters {
            return Err(fail(it, worst));
        }
    }
    Err(fail(max_iters, f64::NAN))
}

/// The `p` algebraically smallest eigenpairs of the symmetric operator `a` (the extremal end
/// of the spectrum, so Rayleigh–Ritz with A itself has no spurious values) by restarted block
/// Krylov iteration in the inverse `inv`: each cycle builds span\[X, A⁻¹X, …, A⁻ᵈX\]
/// (`depth` = d), keeps the p smallest Ritz pairs as the next X (a thick restart), and stops
/// when the first `k` have residual ≤ `tol.0`, or after `max_iters` cycles ≤ `tol.1` (Weyl).
#[allow(clippy::too_many_arguments)]
pub fn smallest_pairs(
    a: &VecMap,
    inv: &InverseMap,
    n: usize,
    (p, k, depth): (usize, usize, usize),
    warm: Option<&Array2<f64>>,
    (tol, tol_last): (f64, f64),
    max_iters: usize,
) -> Result<RitzPairs, KrylovFailure> {
    let p = p.min(n).max(1);
    let k = k.min(p);
    let (mut x, mut rng) = start_block(n, p, warm);
    let fail = |iters: usize, residual: f64| KrylovFailure {
        method: "block Krylov eigensolver",
        iters,
        residual,
        tol,
    };
    for it in 1..=max_iters {
        let mut blocks = vec![x.clone()];
        for _ in 0..depth {
            let prev = blocks.last().expect("non-empty");
            let mut next = Array2::zeros(prev.dim());
            for j in 0..prev.ncols() {
                let c = inv(prev.column(j))?;
                let nc = vnorm(c.view());
                next.column_mut(j).assign(&if nc > 0.0 && nc.is_finite() {
                    c / nc
                } else {
                    c
                });
            }
            blocks.push(next);
        }
        let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
        let mut q = ndarray::concatenate(ndarray::Axis(1), &views).expect("same rows");
        if q.ncols() > n {
            q = q.slice(ndarray::s![.., ..n]).to_owned();
        }
        orthonormalise(&mut q, &mut rng);
        let mut aq = Array2::zeros(q.dim());
        for j in 0..q.ncols() {
            aq.column_mut(j).assign(&a(q.column(j)));
        }
        let t = q.t().dot(&aq);
        let e = sym_eigen(&((&t + &t.t()) * 0.5)).map_err(|_| fail(it, f64::NAN))?;
        let u = e.vectors.slice(ndarray::s![.., ..p]);
        x = q.dot(&u);
        let au = aq.dot(&u);
        let residuals: Vec<f64> = (0..p)
            .map(|i| vnorm((&au.column(i) - &(&x.column(i) * e.values[i])).view()))
            .collect();
        let worst = residuals[..k].iter().fold(0.0f64, |m, &r| m.max(r));
        if worst <= tol || (it == max_iters && worst <= tol_last) {
            return Ok(RitzPairs {
                values: e.values.slice(ndarray::s![..p]).to_owned(),
                vectors: x,
                residuals,
                iters: it,
            });
        }
        if it == max_iters {
            return Err(fail(it, worst));
        }
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

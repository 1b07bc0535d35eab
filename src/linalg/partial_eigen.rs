//! The k smallest eigenpairs of a symmetric matrix: LBLᵀ + subspace iteration on A⁻¹.

use super::dense::{check_square, sym_eigen};
use super::inertia::lblt_inertia;
use super::{clear_simd_upper_state, SplitMix64};
use crate::error::{Error, Result};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use ndarray::{Array1, Array2};

/// Matrices up to this order are always handled by the dense eigensolver in
/// [`sym_eigen_smallest`].
///
/// ```
/// assert_eq!(actbif::linalg::DENSE_EIGEN_MAX, 60);
/// ```
pub const DENSE_EIGEN_MAX: usize = 60;

/// Relative residual ‖A v − θ v‖ ≤ tol·‖A‖∞ required of every returned Ritz pair of
/// [`sym_eigen_smallest`] (eigenvalue errors are then ≲ tol²‖A‖²/gap).
pub const PARTIAL_EIGEN_RESIDUAL: f64 = 1e-10;

/// Subspace iterations before [`sym_eigen_smallest`] falls back to the dense solver (at n = 500
/// about the cost of a few dense eigendecompositions; tightly clustered spectra, where subspace
/// iteration converges slowly, are then done densely).
const PARTIAL_EIGEN_MAX_ITERS: usize = 30;

/// The k algebraically smallest eigenpairs of a symmetric matrix and its exact negative count.
#[derive(Clone, Debug)]
pub struct PartialEigen {
    /// The k smallest eigenvalues, ascending.
    pub values: Array1<f64>,
    /// Orthonormal eigenvectors (n × k), column i for `values[i]`.
    pub vectors: Array2<f64>,
    /// Number of negative eigenvalues of the whole matrix (from the inertia of an LBLᵀ
    /// factorisation, or counted in the full spectrum on the dense path).
    pub negative_count: usize,
    /// Whether the dense eigensolver was used.
    pub dense: bool,
}

fn dense_smallest(a: &Array2<f64>, k: usize) -> Result<PartialEigen> {
    let e = sym_eigen(a)?;
    let negative_count = e.values.iter().filter(|&&x| x < 0.0).count();
    Ok(PartialEigen {
        values: e.values.slice(ndarray::s![..k]).to_owned(),
        vectors: e.vectors.slice(ndarray::s![.., ..k]).to_owned(),
        negative_count,
        dense: true,
    })
}

/// The `k` smallest eigenpairs of a symmetric matrix (lower triangle used).
///
/// For n ≤ [`DENSE_EIGEN_MAX`] (or k > n/4) this is the dense decomposition. Otherwise A is
/// factorised once as LBLᵀ (Bunch–Kaufman), which also gives the exact number of negative
/// eigenvalues, and block subspace iteration on A⁻¹ (shift 0, block size max(2k, k + 8)) with
/// Rayleigh–Ritz converges to the eigenvalues nearest zero; these are the k smallest whenever all
/// negative eigenvalues are among them, which is checked against the inertia. `warm` (n × q,
/// e.g. the eigenvectors at a nearby matrix) seeds the block. Every returned pair has residual
/// ≤ [`PARTIAL_EIGEN_RESIDUAL`]·‖A‖∞. Falls back to the dense solver when A has k or more
/// negative eigenvalues, is singular to working precision, or the iteration does not converge.
///
/// ```
/// use ndarray::Array2;
/// let a = Array2::from_shape_fn((100, 100), |(i, j)| if i == j { i as f64 - 2.5 } else { 0.0 });
/// let e = actbif::linalg::sym_eigen_smallest(&a, 3, None).unwrap();
/// assert!((e.values[0] + 2.5).abs() < 1e-12 && (e.values[2] + 0.5).abs() < 1e-12);
/// assert_eq!(e.negative_count, 3);
/// ```
pub fn sym_eigen_smallest(
    a: &Array2<f64>,
    k: usize,
    warm: Option<&Array2<f64>>,
) -> Result<PartialEigen> {
    let out = sym_eigen_smallest_impl(a, k, warm);
    clear_simd_upper_state();
    out
}

fn sym_eigen_smallest_impl(
    a: &Array2<f64>,
    k: usize,
    warm: Option<&Array2<f64>>,
) -> Result<PartialEigen> {
    check_square(a, "symmetric matrix")?;
    let n = a.nrows();
    let k = k.min(n);
    if let Some(w) = warm {
        if w.nrows() != n {
            return Err(Error::shape("warm-start block rows", n, w.nrows()));
        }
        crate::error::ensure_finite("warm-start block", w.iter())?;
    }
    if n <= DENSE_EIGEN_MAX || 4 * k > n {
        return dense_smallest(a, k);
    }
    // Symmetrise from the lower triangle so A·X and the factorisation see the same matrix.
    let af = Mat::from_fn(n, n, |i, j| if i >= j { a[[i, j]] } else { a[[j, i]] });
    let fact = af.lblt(Side::Lower);
    let inert = lblt_inertia(&fact);
    if inert.zero > 0 || inert.negative >= k {
        return dense_smallest(a, k);
    }
    let anorm = (0..n)
        .map(|i| (0..n).map(|j| af[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    if anorm == 0.0 {
        return dense_smallest(a, k);
    }
    let tol = PARTIAL_EIGEN_RESIDUAL * anorm;
    let p = (2 * k).max(k + 8).min(n);

    // Starting block: warm vectors, then pseudo-random columns.
    let mut rng = SplitMix64::new(0x5EED_u64 ^ (n as u64));
    let q = warm.map_or(0, |w| w.ncols().min(p));
    let mut x = Mat::from_fn(n, p, |i, j| if j < q { warm.unwrap()[[i, j]] } else { 0.0 });
    for j in q..p {
        for i in 0..n {
            x[(i, j)] = rng.next_signed();
        }
    }
    // Apply A⁻¹ once before the first Rayleigh–Ritz (damps the unwanted end of the spectrum).
    fact.solve_in_place(x.as_mut());
    for _ in 0..PARTIAL_EIGEN_MAX_ITERS {
        if x.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
            return dense_smallest(a, k);
        }
        let qmat = x.qr().compute_thin_Q();
        let ax = &af * &qmat;
        let t = qmat.transpose() * &ax;
        let t = Mat::from_fn(p, p, |i, j| 0.5 * (t[(i, j)] + t[(j, i)]));
        let evd = match t.self_adjoint_eigen(Side::Lower) {
            Ok(e) => e,
            Err(_) => return dense_smallest(a, k),
        };
        let s = evd.S();
        let u = evd.U();
        let ritz_vecs = &qmat * u;
        let a_ritz = &ax * u;
        // Residuals of the k smallest Ritz pairs (Ritz values ascending).
        let mut converged = true;
        for i in 0..k {
            let mut r2 = 0.0;
            for row in 0..n {
                let r = a_ritz[(row, i)] - s[i] * ritz_vecs[(row, i)];
                r2 += r * r;
            }
            if r2.sqrt() > tol {
                converged = false;
                break;
            }
        }
        let neg_found = (0..p).filter(|&i| s[i] < 0.0).count();
        if converged && neg_found == inert.negative {
            return Ok(PartialEigen {
                values: Array1::from_shape_fn(k, |i| s[i]),
                vectors: Array2::from_shape_fn((n, k), |(r, c)| ritz_vecs[(r, c)]),
                negative_count: inert.negative,
                dense: false,
            });
        }
        x = ritz_vecs;
        fact.solve_in_place(x.as_mut());
    }
    dense_smallest(a, k)
}

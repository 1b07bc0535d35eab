//! Dense symmetric eigendecomposition and LU solves.

use super::{clear_simd_upper_state, from_faer, to_faer};
use crate::error::{Error, Result};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use ndarray::{Array1, Array2};

/// Eigenpairs of a symmetric matrix, eigenvalues ascending, eigenvectors as columns.
#[derive(Clone, Debug)]
pub struct SymEigen {
    /// Eigenvalues in ascending order.
    pub values: Array1<f64>,
    /// Orthonormal eigenvectors, column k for `values[k]`.
    pub vectors: Array2<f64>,
}

pub(super) fn check_square(a: &Array2<f64>, what: &str) -> Result<()> {
    // Every public entry point checks its matrix first: fix faer's parallelism here.
    super::fix_parallelism();
    if a.nrows() != a.ncols() {
        return Err(Error::shape(
            what,
            "a square matrix",
            format!("{} × {}", a.nrows(), a.ncols()),
        ));
    }
    crate::error::ensure_finite(what, a.iter())
}

/// Full symmetric eigendecomposition (lower triangle used).
pub fn sym_eigen(a: &Array2<f64>) -> Result<SymEigen> {
    check_square(a, "symmetric matrix")?;
    let m = to_faer(a);
    let evd = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Linalg(format!("symmetric eigendecomposition failed: {e:?}")))?;
    clear_simd_upper_state();
    let s = evd.S();
    let values = Array1::from_shape_fn(a.nrows(), |k| s[k]);
    Ok(SymEigen {
        values,
        vectors: from_faer(evd.U()),
    })
}

/// Eigenvalues only of a symmetric matrix, ascending.
pub fn sym_eigenvalues(a: &Array2<f64>) -> Result<Array1<f64>> {
    check_square(a, "symmetric matrix")?;
    let m = to_faer(a);
    let v = m
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::Linalg(format!("symmetric eigenvalues failed: {e:?}")))?;
    clear_simd_upper_state();
    Ok(Array1::from(v))
}

/// Solves A x = b by LU with partial pivoting; errors if the result is not finite
/// (A numerically singular).
pub fn solve(a: &Array2<f64>, b: &Array1<f64>) -> Result<Array1<f64>> {
    check_square(a, "linear system matrix")?;
    if b.len() != a.nrows() {
        return Err(Error::shape("right-hand side", a.nrows(), b.len()));
    }
    let lu = to_faer(a).partial_piv_lu();
    let rhs = Mat::from_fn(b.len(), 1, |i, _| b[i]);
    let x = lu.solve(&rhs);
    clear_simd_upper_state();
    let out = Array1::from_shape_fn(b.len(), |i| x[(i, 0)]);
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(Error::Linalg("singular linear system".into()))
    }
}

//! ndarray ↔ faer conversions.

use faer::{Mat, MatRef};
use ndarray::Array2;

/// Copies an ndarray matrix into a faer matrix.
pub fn to_faer(a: &Array2<f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

/// Copies a faer matrix into an ndarray matrix.
pub fn from_faer(m: MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// A faer view of a standard-layout (row-major, contiguous) ndarray matrix, without copying;
/// `None` for other layouts.
pub fn faer_view(a: &Array2<f64>) -> Option<MatRef<'_, f64>> {
    let s = a.as_slice()?;
    Some(MatRef::from_row_major_slice(s, a.nrows(), a.ncols()))
}

//! Least squares: min ‖A x − y‖ by Householder QR (faer), and polynomial fits built on it.

use crate::error::{Error, Result};
use faer::linalg::solvers::SolveLstsq;
use faer::Mat;
use ndarray::{Array1, Array2};

/// Least squares min ‖A x − y‖ by Householder QR; errors on non-finite output.
///
/// ```
/// use ndarray::array;
/// let x = actbif::linalg::lstsq(&array![[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], &array![1.0, 3.0, 5.0]).unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-14 && (x[1] - 2.0).abs() < 1e-14);
/// ```
pub fn lstsq(a: &Array2<f64>, y: &Array1<f64>) -> Result<Array1<f64>> {
    let (rows, cols) = a.dim();
    if rows < cols {
        return Err(Error::shape(
            "least-squares system",
            format!("at least {cols} rows"),
            rows,
        ));
    }
    if y.len() != rows {
        return Err(Error::shape("least-squares right-hand side", rows, y.len()));
    }
    let m = Mat::from_fn(rows, cols, |i, j| a[[i, j]]);
    let rhs = Mat::from_fn(rows, 1, |i, _| y[i]);
    let x = m.qr().solve_lstsq(&rhs);
    super::clear_simd_upper_state();
    let out = Array1::from_shape_fn(cols, |i| x[(i, 0)]);
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(Error::Linalg("rank-deficient least-squares system".into()))
    }
}

/// Least-squares polynomial fit y ≈ Σ_k c_k x^k, k = 0..=degree (QR on the Vandermonde matrix
/// of x scaled to \[−1, 1\] for conditioning; coefficients returned in the unscaled variable).
///
/// ```
/// let c = actbif::linalg::poly_fit(&[-1.0, 0.0, 1.0, 2.0], &[2.0, 1.0, 2.0, 5.0], 2).unwrap();
/// assert!((c[0] - 1.0).abs() < 1e-13 && c[1].abs() < 1e-13 && (c[2] - 1.0).abs() < 1e-13);
/// ```
pub fn poly_fit(x: &[f64], y: &[f64], degree: usize) -> Result<Vec<f64>> {
    let n = x.len();
    let p = degree + 1;
    if y.len() != n {
        return Err(Error::shape("fit values", n, y.len()));
    }
    if n < p {
        return Err(Error::param(
            "fit",
            format!("{n} points cannot determine {p} coefficients"),
        ));
    }
    let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return Err(Error::param(
            "fit",
            "abscissae must be finite and not all 0",
        ));
    }
    let a = Array2::from_shape_fn((n, p), |(i, k)| (x[i] / scale).powi(k as i32));
    let c = lstsq(&a, &Array1::from(y.to_vec()))?;
    Ok(c.iter()
        .enumerate()
        .map(|(k, ck)| ck / scale.powi(k as i32))
        .collect())
}

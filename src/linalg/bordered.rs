//! Dense bordered solves \[\[A, b\], \[cᵀ, d\]\] x = r: the extended systems of continuation
//! (tangents, correctors) and of Lyapunov–Schmidt reduction (ψ ⟂ φ).

use super::solve;
use crate::error::Result;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};

/// Solves the (n + 1) × (n + 1) system \[\[A, b\], \[cᵀ, d\]\] \[x; s\] = \[r; t\] by LU with partial
/// pivoting and returns (x, s). Errors when it is numerically singular.
///
/// ```
/// use ndarray::array;
/// // [[2, 1], [1, 0]] [x; s] = [3; 1]  →  x = 1, s = 1.
/// let (x, s) = actbif::linalg::solve_bordered(
///     array![[2.0]].view(), array![1.0].view(), array![1.0].view(), 0.0, array![3.0].view(), 1.0,
/// ).unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-15 && (s - 1.0).abs() < 1e-15);
/// ```
pub fn solve_bordered(
    a: ArrayView2<f64>,
    b: ArrayView1<f64>,
    c: ArrayView1<f64>,
    d: f64,
    r: ArrayView1<f64>,
    t: f64,
) -> Result<(Array1<f64>, f64)> {
    let n = b.len();
    let mut m = Array2::zeros((n + 1, n + 1));
    m.slice_mut(s![..n, ..n]).assign(&a);
    m.slice_mut(s![..n, n]).assign(&b);
    m.slice_mut(s![n, ..n]).assign(&c);
    m[[n, n]] = d;
    let mut rhs = Array1::zeros(n + 1);
    rhs.slice_mut(s![..n]).assign(&r);
    rhs[n] = t;
    let x = solve(&m, &rhs)?;
    Ok((x.slice(s![..n]).to_owned(), x[n]))
}

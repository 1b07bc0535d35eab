//! Dense bordered solves \[\[A, b\], \[cᵀ, d\]\] x = r: the extended systems of continuation
//! (tangents, correctors) and of Lyapunov–Schmidt reduction (ψ ⟂ φ).

use super::{lu_det_sign, solve};
use crate::error::Result;
use faer::linalg::solvers::{PartialPivLu, Solve};
use faer::Mat;
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

/// The (n+1) × (n+1) matrix \[\[H, ∂λ∇L\], \[rowᵀ\]\] with last-row entries `row(j)`.
fn bordered_matrix(h: &Array2<f64>, gl: &Array1<f64>, row: impl Fn(usize) -> f64) -> Mat<f64> {
    let n = h.nrows();
    Mat::from_fn(n + 1, n + 1, |i, j| match (i < n, j < n) {
        (true, true) => h[[i, j]],
        (true, false) => gl[i],
        (false, _) => row(j),
    })
}

/// Dense LU factorisation of the bordered matrix \[\[H, ∂λ∇L\], \[rowᵀ\]\] ((n+1) × (n+1)).
pub struct DenseBordered {
    lu: PartialPivLu<f64>,
    /// Sign of its determinant (0 if exactly singular).
    pub det_sign: f64,
}

impl DenseBordered {
    /// Factorises \[\[h, gl\], \[row\]\].
    pub fn new(h: &Array2<f64>, gl: &Array1<f64>, row: ArrayView1<f64>) -> Self {
        let lu = bordered_matrix(h, gl, |j| row[j]).partial_piv_lu();
        let det_sign = lu_det_sign(&lu);
        DenseBordered { lu, det_sign }
    }

    /// Solves the bordered system; `None` if the result is not finite (singular matrix).
    pub fn solve(&self, rhs: &Array1<f64>) -> Option<Array1<f64>> {
        let b = Mat::from_fn(rhs.len(), 1, |i, _| rhs[i]);
        let x = self.lu.solve(&b);
        let out = Array1::from_shape_fn(rhs.len(), |i| x[(i, 0)]);
        out.iter().all(|v| v.is_finite()).then_some(out)
    }

    /// Sign of the determinant (0 if exactly singular): the branch-point test function.
    pub fn det_sign(&self) -> f64 {
        self.det_sign
    }
}

//! Operator traits for the linear algebra the continuation engine needs, with the dense
//! implementations wired in: a matrix-free solver is an added implementation, not a patch.
//!
//! * [`LinearOperator`]: H as products H·u (a dense matrix is one);
//! * [`BorderedSolver`] / [`BorderedFactor`]: factorise and solve \[\[H, c\], \[rᵀ\]\] (dense LU);
//! * [`EigenSolver`]: the smallest eigenpairs and the inertia (dense / partial shift-invert).

use super::DenseBordered;
use crate::error::Result;
use crate::linalg::{sym_eigen, sym_eigen_smallest, sym_eigenvalues, PartialEigen, SymEigen};
use faer::MatRef;
use ndarray::{Array1, Array2, ArrayView1};

/// A symmetric linear operator u ↦ A u.
pub trait LinearOperator {
    /// Dimension n.
    fn dim(&self) -> usize;
    /// A u.
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64>;
    /// The matrix, if the operator holds one (dense solvers need it).
    fn dense(&self) -> Option<&Array2<f64>> {
        None
    }
}

impl LinearOperator for Array2<f64> {
    fn dim(&self) -> usize {
        self.nrows()
    }
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        self.dot(&u)
    }
    fn dense(&self) -> Option<&Array2<f64>> {
        Some(self)
    }
}

/// A factorised bordered matrix \[\[H, c\], \[rᵀ\]\] ((n+1) × (n+1)).
pub trait BorderedFactor {
    /// Solves with the factorised matrix; `None` if the result is not finite (singular).
    fn solve(&self, rhs: &Array1<f64>) -> Option<Array1<f64>>;
    /// Sign of the determinant (0 if exactly singular): the branch-point test function.
    fn det_sign(&self) -> f64;
}

/// Factorises bordered matrices \[\[H, c\], \[rᵀ\]\].
pub trait BorderedSolver {
    /// The factorisation type.
    type Factor: BorderedFactor;
    /// Factorises \[\[h, c\], \[row\]\]; `None` if this solver cannot handle `h`.
    fn factor(
        &self,
        h: &dyn LinearOperator,
        c: &Array1<f64>,
        row: ArrayView1<f64>,
    ) -> Option<Self::Factor>;
}

/// Dense LU with partial pivoting (faer) of the assembled bordered matrix.
#[derive(Clone, Copy, Debug, Default)]
pub struct DenseLu;

impl BorderedSolver for DenseLu {
    type Factor = DenseBordered;
    fn factor(
        &self,
        h: &dyn LinearOperator,
        c: &Array1<f64>,
        row: ArrayView1<f64>,
    ) -> Option<Self::Factor> {
        Some(DenseBordered::new(h.dense()?, c, row))
    }
}

/// Symmetric eigensolvers.
pub trait EigenSolver {
    /// The `k` smallest eigenpairs and the exact count of negative eigenvalues, optionally
    /// warm-started from previous eigenvectors.
    fn smallest(
        &self,
        h: &dyn LinearOperator,
        k: usize,
        warm: Option<&Array2<f64>>,
    ) -> Result<PartialEigen>;
    /// All eigenvalues, ascending.
    fn values(&self, h: &dyn LinearOperator) -> Result<Array1<f64>>;
    /// All eigenpairs.
    fn full(&self, h: &dyn LinearOperator) -> Result<SymEigen>;
}

/// The dense eigensolvers of [`crate::linalg`] (partial shift-invert for large n).
#[derive(Clone, Copy, Debug, Default)]
pub struct DenseEigen;

fn need_dense(h: &dyn LinearOperator) -> Result<&Array2<f64>> {
    h.dense().ok_or_else(|| {
        crate::Error::Linalg("the dense eigensolver needs an assembled matrix".into())
    })
}

impl EigenSolver for DenseEigen {
    fn smallest(
        &self,
        h: &dyn LinearOperator,
        k: usize,
        warm: Option<&Array2<f64>>,
    ) -> Result<PartialEigen> {
        sym_eigen_smallest(need_dense(h)?, k, warm)
    }
    fn values(&self, h: &dyn LinearOperator) -> Result<Array1<f64>> {
        sym_eigenvalues(need_dense(h)?)
    }
    fn full(&self, h: &dyn LinearOperator) -> Result<SymEigen> {
        sym_eigen(need_dense(h)?)
    }
}

/// A faer view of a standard-layout (row-major, contiguous) ndarray matrix, without copying;
/// `None` for other layouts.
pub fn faer_view(a: &Array2<f64>) -> Option<MatRef<'_, f64>> {
    let s = a.as_slice()?;
    Some(MatRef::from_row_major_slice(s, a.nrows(), a.ncols()))
}

/// A faer column view of a contiguous ndarray vector, without copying.
pub fn faer_col(v: &Array1<f64>) -> Option<faer::ColRef<'_, f64>> {
    v.as_slice().map(faer::ColRef::from_slice)
}

//! Dense linear algebra on ndarray types, backed by faer: symmetric eigensolvers (full and
//! smallest-k), LU solves, inertia and determinant signs, least squares, bordered solves, and
//! small vector helpers. One file per concept; everything is re-exported here.

mod bordered;
mod convert;
mod dense;
mod inertia;
pub mod krylov;
mod lstsq;
mod parallelism;
mod partial_eigen;
mod rng;
mod simd;
mod vector;

pub use bordered::{solve_bordered, DenseBordered};
pub use convert::{faer_view, from_faer, to_faer};
pub use dense::{solve, sym_eigen, sym_eigenvalues, SymEigen};
pub(crate) use inertia::lu_det_sign;
pub use inertia::{inertia, Inertia, SymFactor};
pub use lstsq::{lstsq, poly_fit};
pub use parallelism::{fix_parallelism, FAER_PARALLELISM};
pub use partial_eigen::{
    sym_eigen_smallest, PartialEigen, DENSE_EIGEN_MAX, PARTIAL_EIGEN_RESIDUAL,
};
pub use rng::SplitMix64;
pub(crate) use simd::clear_simd_upper_state;
pub use vector::{norm, orient};

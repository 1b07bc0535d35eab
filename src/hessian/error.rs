//! The backend's own error: what a solve or an eigensolve can fail with.

use crate::linalg::krylov::KrylovFailure;

/// Why a Hessian solve or eigensolve failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum HessianError {
    /// Numerically singular (dense LU) or non-finite.
    #[error("numerically singular system")]
    Singular,
    /// A Krylov solve missed its tolerance.
    #[error("{0}")]
    Krylov(#[from] KrylovFailure),
    /// An eigensolver failed or did not converge.
    #[error("eigensolver: {0}")]
    Eigen(String),
}

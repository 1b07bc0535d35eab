//! The crate's single public error type.

use std::path::PathBuf;

/// Every failure the library reports. Messages name the offending input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its admissible range (α < 0, λ outside \[0, λ_max\], width 0, ...).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Name of the parameter as the user sees it.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Arrays whose shapes do not fit together.
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    Shape {
        /// Which input.
        what: String,
        /// Expected shape.
        expected: String,
        /// Actual shape.
        got: String,
    },
    /// NaN or ±inf where finite numbers are required.
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// Which input.
        what: String,
        /// Flat index of the first offending entry.
        index: usize,
    },
    /// Finite data too large for the model's sums (a moment such as E\[xxᵀ\] overflows).
    #[error("{what} out of range: {reason}")]
    DataOutOfRange {
        /// Which data.
        what: String,
        /// Which moment overflows, and what to do.
        reason: String,
    },
    /// An activation violating the normalisation σ(0) = 0, σ′(0) = 1.
    #[error("activation `{name}` violates {condition} (got {value:e})")]
    BadActivation {
        /// Activation name.
        name: String,
        /// The violated condition, e.g. "σ(0) = 0".
        condition: String,
        /// The value found.
        value: f64,
    },
    /// Unknown activation name.
    #[error("unknown activation `{0}` (expected one of: tanh, erf, softplus, sigmoid)")]
    UnknownActivation(String),
    /// A file that could not be read or written.
    #[error("cannot access `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file that was read but could not be understood.
    #[error("malformed file `{path}`: {reason}")]
    Parse {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A linear-algebra failure (singular matrix where a solve was required, ...).
    #[error("linear algebra: {0}")]
    Linalg(String),
    /// An iterative method that did not reach its tolerance.
    #[error("no convergence in {method}: {reason}")]
    NoConvergence {
        /// Which method.
        method: String,
        /// Why it stopped.
        reason: String,
    },
    /// JSON (de)serialisation failure.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Shorthand for `Result<T, actbif::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Convenience constructor for [`Error::InvalidParameter`].
    pub fn param(name: &str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            reason: reason.into(),
        }
    }

    /// Convenience constructor for [`Error::Shape`].
    pub fn shape(what: &str, expected: impl ToString, got: impl ToString) -> Self {
        Error::Shape {
            what: what.to_string(),
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }
}

/// Returns an error naming the first non-finite entry of `values`.
pub fn ensure_finite<'a>(what: &str, values: impl IntoIterator<Item = &'a f64>) -> Result<()> {
    match values.into_iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            what: what.to_string(),
            index,
        }),
        None => Ok(()),
    }
}

/// Errors ([`Error::InvalidParameter`] naming `name`) unless `value` is finite and ≥ 0.
pub(crate) fn ensure_nonnegative(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::param(
            name,
            format!("must be finite and ≥ 0, got {value}"),
        ))
    }
}

/// Errors ([`Error::InvalidParameter`] naming `name`) unless `value` is finite and > 0.
pub(crate) fn ensure_positive(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::param(
            name,
            format!("must be finite and > 0, got {value}"),
        ))
    }
}

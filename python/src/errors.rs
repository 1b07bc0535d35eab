//! actbif errors as Python exceptions: bad input → ValueError, a continuation that did not
//! finish → `actbif.ContinuationError` (with `.status`), anything else → RuntimeError.

use actbif::app::commands::is_input_error;
use actbif::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    actbif,
    ContinuationError,
    PyRuntimeError,
    "A continuation that did not reach the end of its λ window. `.status` names why \
     (`stalled`, `step_budget_exhausted`, `no_convergence`, ...); `.branch` holds the part \
     traced so far, when there is one."
);

/// A ContinuationError carrying `status` (and `branch`, when given).
pub fn continuation_error(
    py: Python<'_>,
    message: String,
    status: &str,
    branch: Option<Py<PyAny>>,
) -> PyErr {
    let err = ContinuationError::new_err(message);
    let value = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail in practice; if it did,
    // the exception is still raised without them.
    let _ = value.setattr("status", status);
    let _ = value.setattr("branch", branch);
    err
}

/// Maps a library error to the Python exception a caller expects.
pub fn to_py(e: Error) -> PyErr {
    if is_input_error(&e) {
        return PyValueError::new_err(e.to_string());
    }
    match e {
        Error::NoConvergence { .. } | Error::Linalg(_) => {
            Python::attach(|py| continuation_error(py, e.to_string(), "no_convergence", None))
        }
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

/// ValueError with `msg`.
pub fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

//! numpy inputs: float64 only, the expected number of dimensions and shape, finite values. A
//! conforming array is read in place (a read-only view, no copy, any strides).

use crate::errors::value_error;
use numpy::ndarray::{ArrayView1, Dimension};
use numpy::prelude::*;
use numpy::{dtype, PyArray, PyReadonlyArray, PyReadonlyArray1, PyUntypedArray};
use pyo3::prelude::*;

/// A read-only float64 view of `obj`, which must be a numpy array with `D::NDIM` dimensions.
pub fn f64_array<'py, D: Dimension>(
    obj: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<PyReadonlyArray<'py, f64, D>> {
    let py = obj.py();
    let untyped = obj.cast::<PyUntypedArray>().map_err(|_| {
        let ty = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        value_error(format!(
            "{name} must be a numpy array of dtype float64, got {ty} \
             (convert with np.asarray({name}, dtype=np.float64))"
        ))
    })?;
    if !untyped.dtype().is_equiv_to(&dtype::<f64>(py)) {
        return Err(value_error(format!(
            "{name} must have dtype float64, got {} (convert with {name}.astype(np.float64))",
            untyped.dtype()
        )));
    }
    let ndim = D::NDIM.unwrap_or(untyped.ndim());
    if untyped.ndim() != ndim {
        return Err(value_error(format!(
            "{name} must be {ndim}-dimensional, got shape {:?}",
            untyped.shape()
        )));
    }
    let typed = untyped
        .cast::<PyArray<f64, D>>()
        .map_err(|e| value_error(format!("{name}: {e}")))?;
    typed
        .try_readonly()
        .map_err(|e| value_error(format!("{name} cannot be borrowed: {e}")))
}

/// A float64 vector of length `len` with finite entries.
pub fn vector<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    len: usize,
) -> PyResult<PyReadonlyArray1<'py, f64>> {
    let a = f64_array::<numpy::Ix1>(obj, name)?;
    check_vector(a.as_array(), name, len)?;
    Ok(a)
}

/// Checks the length and finiteness of a vector.
pub fn check_vector(a: ArrayView1<f64>, name: &str, len: usize) -> PyResult<()> {
    if a.len() != len {
        return Err(value_error(format!(
            "{name} must have {len} entries, got {}",
            a.len()
        )));
    }
    if let Some(i) = a.iter().position(|x| !x.is_finite()) {
        return Err(value_error(format!(
            "{name} has a non-finite value (NaN or inf) at index {i}"
        )));
    }
    Ok(())
}

/// A finite λ.
pub fn finite_lambda(lam: f64) -> PyResult<f64> {
    if lam.is_finite() {
        Ok(lam)
    } else {
        Err(value_error(format!("lam must be finite, got {lam}")))
    }
}

//! Python bindings of actbif (module `actbif._actbif`; the package `actbif` re-exports it
//! with pure-Python helpers).

mod branch;
mod convert;
mod curves;
mod diagram;
mod diagram_checkpoint;
mod errors;
mod interrupt;
mod methods;
mod mlp;
mod model;
mod net;
mod report;
mod sweep;
mod tracing;

use actbif::data::{paper_teacher, PAPER_N, PAPER_SEED};
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;

/// (x, y) as numpy arrays.
type XY<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>);

/// The paper's teacher data (x (n, 5), y (n,)), bit-identical in x to numpy's
/// `np.random.seed(seed); x = np.random.randn(n, 5); eps = np.random.randn(n)` and
/// y = x w_ℓ + 0.4 tanh(1.5 x w_nl) + 0.05 eps.
#[pyfunction]
#[pyo3(signature = (seed = PAPER_SEED as i64, n = PAPER_N as i64))]
fn paper_data<'py>(py: Python<'py>, seed: i64, n: i64) -> PyResult<XY<'py>> {
    let seed = u32::try_from(seed)
        .map_err(|_| errors::value_error(format!("seed must be in [0, 2**32 - 1], got {seed}")))?;
    let n = usize::try_from(n)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| errors::value_error(format!("n must be at least 1, got {n}")))?;
    let d = paper_teacher(seed, n);
    Ok((d.x.into_pyarray(py), d.y.into_pyarray(py)))
}

/// The 8 × 8 handwritten digits (UCI; the copy scikit-learn ships): x (1797, 64) standardised
/// per pixel, y the standardised digit value (see the README's data section).
#[pyfunction]
fn digits_data<'py>(py: Python<'py>) -> PyResult<XY<'py>> {
    let d = actbif::data::digits().map_err(errors::to_py)?;
    Ok((d.x.into_pyarray(py), d.y.into_pyarray(py)))
}

#[pymodule]
fn _actbif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "ContinuationError",
        m.py().get_type::<errors::ContinuationError>(),
    )?;
    m.add_class::<model::PyTwoLayer>()?;
    m.add_class::<mlp::PyMlp>()?;
    m.add_class::<branch::PyBranch>()?;
    m.add_class::<branch::PyEvent>()?;
    m.add_class::<branch::PyCoefficients>()?;
    m.add_function(wrap_pyfunction!(model::check_derivatives_json, m)?)?;
    m.add_function(wrap_pyfunction!(paper_data, m)?)?;
    m.add_function(wrap_pyfunction!(digits_data, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::run_config, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::expand_grid, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::config_id, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::finished_rows, m)?)?;
    Ok(())
}

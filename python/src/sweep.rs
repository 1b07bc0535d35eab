//! The native half of `actbif.sweep`: the library's grid expansion, resume bookkeeping and
//! `run_config`, with configurations and rows passed as JSON text (the shared schema).

use crate::errors::{to_py, value_error};
use actbif::app::sweep::{grid, run_config_with_branch, runner, SweepConfig};
use pyo3::prelude::*;
use std::path::Path;

fn parse_config(config_json: &str) -> PyResult<SweepConfig> {
    serde_json::from_str(config_json).map_err(|e| value_error(format!("sweep configuration: {e}")))
}

/// Expands a grid (JSON: a table of lists, or an array of configurations) into validated,
/// de-duplicated configurations (JSON array). Raises ValueError on a bad grid.
#[pyfunction]
pub fn expand_grid(grid_json: &str) -> PyResult<String> {
    let configs = grid::configs_from_json_str(grid_json).map_err(to_py)?;
    serde_json::to_string(&configs).map_err(|e| to_py(e.into()))
}

/// The file-name-safe id of a configuration (JSON).
#[pyfunction]
pub fn config_id(config_json: &str) -> PyResult<String> {
    Ok(parse_config(config_json)?.id())
}

/// Runs one configuration (JSON) with the GIL released; returns (row JSON, branch JSON or
/// None). Never raises for a failing configuration: the row carries the error.
#[pyfunction]
pub fn run_config(py: Python<'_>, config_json: &str) -> PyResult<(String, Option<String>)> {
    let config = parse_config(config_json)?;
    let (row, report) = py.detach(|| run_config_with_branch(&config));
    let row = serde_json::to_string(&row).map_err(|e| to_py(e.into()))?;
    let branch = report
        .map(|r| serde_json::to_string_pretty(&r))
        .transpose()
        .map_err(|e| to_py(e.into()))?;
    Ok((row, branch))
}

/// Rows of the configurations finished in `out_dir` (JSON object id → row), as `actbif sweep`
/// counts them: a row without error whose branch file exists.
#[pyfunction]
pub fn finished_rows(out_dir: &str) -> PyResult<String> {
    let rows = runner::finished_ids(Path::new(out_dir)).map_err(to_py)?;
    serde_json::to_string(&rows).map_err(|e| to_py(e.into()))
}

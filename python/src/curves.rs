//! `TwoLayer.fold_curve` and `TwoLayer.phase_boundary`: the codim-2 fold curve in (λ, p) and
//! the exact phase boundary α_c(m), returned as `actbif.FoldCurve` / `actbif.PhaseBoundary`
//! (pure-Python wrappers of the JSON of `actbif fold-curve` / `actbif phase-boundary`).

use crate::errors::{to_py, value_error};
use crate::interrupt::run_interruptible;
use crate::net::PYTHON_DATA;
use actbif::app::curves::{self, run_fold_curve, run_phase_boundary, ALPHA_WINDOW};
use actbif::models::two_layer::TwoLayer;
use pyo3::prelude::*;
use std::sync::Arc;

/// `actbif._results.<class>(json)`.
pub fn wrap<'py>(py: Python<'py>, class: &str, json: String) -> PyResult<Bound<'py, PyAny>> {
    py.import("actbif._results")?.getattr(class)?.call1((json,))
}

/// The fold curve of `model` in `param` (worker thread; Ctrl-C raises at once).
pub fn fold_curve<'py>(
    py: Python<'py>,
    model: Arc<TwoLayer>,
    param: &str,
    p_min: Option<f64>,
    p_max: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let window = curves::window(p_min, p_max, ALPHA_WINDOW);
    if let Some((lo, hi)) = window {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(value_error(format!(
                "p_min and p_max must be finite, got [{lo}, {hi}]"
            )));
        }
    }
    let param = param.to_string();
    let json = run_interruptible(py, move |_| {
        let r = run_fold_curve(&model, PYTHON_DATA, &param, window)?;
        Ok::<_, actbif::Error>(serde_json::to_string(&r)?)
    })?
    .map_err(to_py)?;
    wrap(py, "FoldCurve", json)
}

/// The phase boundary of the paper's model at `widths` (worker thread; Ctrl-C raises at once).
pub fn phase_boundary<'py>(
    py: Python<'py>,
    widths: &[i64],
    per_decade: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let widths = widths
        .iter()
        .map(|&w| {
            usize::try_from(w)
                .map_err(|_| value_error(format!("widths must be integers ≥ 2, got {w}")))
        })
        .collect::<PyResult<Vec<usize>>>()?;
    let per_decade = usize::try_from(per_decade)
        .map_err(|_| value_error(format!("per_decade must be at least 1, got {per_decade}")))?;
    let json = run_interruptible(py, move |_| {
        let r = run_phase_boundary(&widths, per_decade)?;
        Ok::<_, actbif::Error>(serde_json::to_string(&r)?)
    })?
    .map_err(to_py)?;
    wrap(py, "PhaseBoundary", json)
}

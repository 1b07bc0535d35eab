//! `TwoLayer.fold_curve` and `TwoLayer.phase_boundary`: the codim-2 fold curve in (λ, p) and
//! the exact phase boundary α_c(m), returned as `actbif.FoldCurve` / `actbif.PhaseBoundary`
//! (pure-Python wrappers of the JSON of `actbif fold-curve` / `actbif phase-boundary`).

use crate::errors::{to_py, value_error};
use crate::interrupt::run_interruptible;
use crate::net::PYTHON_DATA;
use actbif::app::curves::{self, run_fold_curve_with, run_phase_boundary, ALPHA_WINDOW};
use actbif::continuation::Solver;
use actbif::models::two_layer::TwoLayer;
use pyo3::prelude::*;
use std::sync::Arc;

/// `actbif._results.<class>(json)`.
pub fn wrap<'py>(py: Python<'py>, class: &str, json: String) -> PyResult<Bound<'py, PyAny>> {
    py.import("actbif._results")?.getattr(class)?.call1((json,))
}

/// The fold curve of `model` in `param` on `solver`'s backend (worker thread; Ctrl-C raises
/// at once and stops the worker at its next step).
pub fn fold_curve<'py>(
    py: Python<'py>,
    model: Arc<TwoLayer>,
    param: &str,
    window: (Option<f64>, Option<f64>),
    solver: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let (p_min, p_max) = window;
    let solver: Solver = solver.parse().map_err(to_py)?;
    let window = curves::window(p_min, p_max, ALPHA_WINDOW);
    if let Some((lo, hi)) = window {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(value_error(format!(
                "p_min and p_max must be finite, got [{lo}, {hi}]"
            )));
        }
    }
    let param = param.to_string();
    let json = run_interruptible(py, move |cancel| {
        let cancel = actbif::continuation::CancelFlag(cancel);
        let r = run_fold_curve_with(&model, PYTHON_DATA, &param, window, solver, Some(cancel))?;
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

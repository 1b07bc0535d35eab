//! `TwoLayer.coefficients` and `actbif.check_derivatives`: the reports of `actbif
//! coefficients` and `actbif check-derivatives`, computed by the same library functions on the
//! Python model and returned as JSON for the pure-Python wrappers (`actbif.CoefficientsReport`,
//! a pandas DataFrame).

use crate::convert::vector;
use crate::curves::wrap;
use crate::errors::{to_py, value_error};
use crate::interrupt::run_interruptible;
use crate::net::PYTHON_DATA;
use actbif::app::check::{check_derivatives, random_point, CheckOptions};
use actbif::app::commands::{coefficients_on, validate_lambda};
use actbif::app::mlp::{check_at, check_point};
use actbif::continuation::Method;
use actbif::models::mlp::Mlp;
use actbif::models::two_layer::TwoLayer;
use numpy::ndarray::Array1;
use pyo3::prelude::*;
use std::sync::Arc;

/// "exact" | "paper".
fn parse_method(method: &str) -> PyResult<Method> {
    match method {
        "exact" => Ok(Method::Exact),
        "paper" => Ok(Method::Paper),
        other => Err(value_error(format!(
            "method must be \"exact\" or \"paper\", got {other:?}"
        ))),
    }
}

/// The coefficients report at event `event` of `model`'s branch (worker thread; Ctrl-C
/// raises at once).
pub fn coefficients<'py>(
    py: Python<'py>,
    model: Arc<TwoLayer>,
    event: i64,
    method: &str,
    progress: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let method = parse_method(method)?;
    let index = usize::try_from(event)
        .map_err(|_| value_error(format!("event must be a non-negative index, got {event}")))?;
    let json = run_interruptible(py, move |_| {
        let r = coefficients_on(&model, PYTHON_DATA, method, index, progress)?;
        Ok::<_, actbif::Error>(serde_json::to_string(&r)?)
    })?
    .map_err(to_py)?;
    wrap(py, "CoefficientsReport", json)
}

/// The derivative check of `actbif check-derivatives --json` on `model` at λ = `lam`: θ and
/// the unit direction u from `seed` as the CLI draws them, unless given. Returns the JSON.
pub fn check_derivatives_json(
    py: Python<'_>,
    model: Arc<TwoLayer>,
    lam: f64,
    seed: u64,
    theta: Option<&Bound<'_, PyAny>>,
    u: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    validate_lambda(lam, 1.0).map_err(to_py)?;
    let n = model.n_params();
    let (theta, u) = point(n, random_point(n, seed), theta, u)?;
    let c = py
        .detach(move || {
            check_derivatives(
                &model,
                theta.view(),
                lam,
                u.view(),
                &CheckOptions::default(),
            )
        })
        .map_err(to_py)?;
    serde_json::to_string(&c).map_err(|e| to_py(e.into()))
}

/// θ and u as given (length n), else the seed's.
fn point(
    n: usize,
    (theta0, u0): (Array1<f64>, Array1<f64>),
    theta: Option<&Bound<'_, PyAny>>,
    u: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Array1<f64>, Array1<f64>)> {
    let theta = match theta {
        Some(t) => vector(t, "theta", n)?.as_array().to_owned(),
        None => theta0,
    };
    let u = match u {
        Some(u) => vector(u, "u", n)?.as_array().to_owned(),
        None => u0,
    };
    Ok((theta, u))
}

/// `actbif check-derivatives --model mlp --json` on `model` at λ = `lam`: θ and u from `seed`
/// as the CLI draws them ([`actbif::app::mlp::check_point`]), unless given.
pub fn check_mlp_json(
    py: Python<'_>,
    model: Arc<Mlp>,
    lam: f64,
    seed: u64,
    theta: Option<&Bound<'_, PyAny>>,
    u: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    validate_lambda(lam, 1.0).map_err(to_py)?;
    let n = model.n_params();
    let (theta, u) = point(n, check_point(n, seed), theta, u)?;
    let c = py
        .detach(move || check_at(&model, PYTHON_DATA, lam, theta.view(), u.view()))
        .map_err(to_py)?;
    serde_json::to_string(&c).map_err(|e| to_py(e.into()))
}

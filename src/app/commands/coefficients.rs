//! `actbif coefficients`: the reduced coefficients at an event of the traced branch, with the
//! normal form checked against the branch.

use super::spec::ModelSpec;
use crate::app::tracing::trace_branch;
use crate::app::{paper_event_at, paper_singular_point, Setting};
use crate::continuation::{Event, Method};
use crate::error::{Error, Result};
use crate::models::two_layer::theory::directional::closed_form_coefficients;
use crate::models::two_layer::TwoLayer;
use crate::normal_form::{
    branch_check, coefficients, BranchCheck, CoefficientOptions, Coefficients,
};
use ndarray::ArrayView1;
use serde::Serialize;

/// Output of `actbif coefficients`.
#[derive(Clone, Debug, Serialize)]
pub struct CoefficientsReport {
    /// Model setting.
    pub setting: Setting,
    /// Method that located the point.
    pub method: Method,
    /// Index of the event used.
    pub event_index: usize,
    /// The event (θ*, φ, eigenvalues, ...).
    pub event: Event,
    /// The coefficients (λ*, eig_ratio, g_µ, g_aµ, g_aa/g_aaa three ways, corrected g_aaa,
    /// classification).
    #[serde(flatten)]
    pub coefficients: Coefficients,
    /// Normal form vs traced branch, or why it could not be checked.
    #[serde(serialize_with = "crate::app::ok_or_error")]
    pub branch_check: std::result::Result<BranchCheck, String>,
}

/// `actbif coefficients`: reduced coefficients at the `index`-th event of the branch of the
/// model `spec` describes ([`coefficients_on`] on the built model).
pub fn run_coefficients(
    spec: &ModelSpec,
    method: Method,
    index: usize,
    progress: bool,
) -> Result<CoefficientsReport> {
    let model = spec.build()?;
    coefficients_on(&model, &spec.data.to_string(), method, index, progress)
}

/// The reduced coefficients at the `index`-th event of the branch of `model` traced over
/// λ ∈ \[0, 1\] by `method` (the paper method's "event" is its grid point nearest the
/// interpolated crossing, kernel from its forward-difference Hessian), with the normal form
/// checked against the branch. `data` names the data in the report's setting. Shared by
/// `actbif coefficients` and Python's `TwoLayer.coefficients`.
pub fn coefficients_on(
    model: &TwoLayer,
    data: &str,
    method: Method,
    index: usize,
    progress: bool,
) -> Result<CoefficientsReport> {
    let b = trace_branch(model, method, 1.0, progress)?;
    let event = match method {
        Method::Exact => b.events.get(index).cloned().ok_or_else(|| {
            Error::param(
                "event",
                format!(
                    "the exact branch has {} event(s) on [0, 1]; index {index} does not exist",
                    b.events.len()
                ),
            )
        })?,
        Method::Paper => {
            // The paper method has one "event": its crossing, or closest approach to λ1 = 0.
            let c = paper_singular_point(&b.points).filter(|_| index == 0).ok_or_else(|| {
                Error::param(
                    "event",
                    format!("the paper method has one point of interest (index 0); index {index} does not exist"),
                )
            })?;
            paper_event_at(model, &b.points[c.index_nearest])?
        }
    };
    let closed_form =
        |t: ArrayView1<f64>, l: f64, p: ArrayView1<f64>| closed_form_coefficients(model, t, l, p);
    let c = coefficients(
        model,
        &event,
        Some(&closed_form),
        &CoefficientOptions::default(),
    )?;
    let check = branch_check(&c, &event, &b).map_err(|e| e.to_string());
    Ok(CoefficientsReport {
        setting: Setting::of(model, data),
        method,
        event_index: index,
        event,
        coefficients: c,
        branch_check: check,
    })
}

//! The two-way analysis of a model that B.2, B.3, B.6 and Remark 7.17 share: the branch traced
//! exactly and by the paper's method, the events with their coefficients and normal-form checks,
//! and the paper method's crossing.

use super::{paper_event_at, paper_singular_point, start_point, w0_closed_form, Crossing};
use crate::activation::Activation;
use crate::continuation::{
    trace, trace_paper, Branch, ContinuationParams, Event, PaperParams, Point, Status,
};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::experiments::Context;
use crate::models::two_layer::theory::directional::closed_form_coefficients;
use crate::models::two_layer::TwoLayer;
use crate::normal_form::{
    branch_check, coefficients, BranchCheck, CoefficientOptions, Coefficients,
};
use ndarray::{Array1, ArrayView1};
use serde::Serialize;

/// Number of recorded eigenvalues (the paper plots the 6 smallest).
pub const N_EIGS: usize = 6;

/// An event with its coefficients and normal-form check (each may fail independently).
#[derive(Clone, Debug, Serialize)]
pub struct EventReport {
    /// The located event.
    pub event: Event,
    /// Reduced coefficients and classification, or why they could not be computed.
    #[serde(serialize_with = "super::ok_or_error")]
    pub coefficients: std::result::Result<Coefficients, String>,
    /// Agreement of the normal form with the traced branch, or why it failed.
    #[serde(serialize_with = "super::ok_or_error")]
    pub branch_check: std::result::Result<BranchCheck, String>,
}

/// Computes coefficients (with the closed forms when available) and the branch check.
pub fn report_event<A: Activation>(
    model: &TwoLayer<A>,
    event: &Event,
    branch: &Branch,
) -> EventReport {
    let closed_form =
        |t: ArrayView1<f64>, l: f64, p: ArrayView1<f64>| closed_form_coefficients(model, t, l, p);
    let coeffs = coefficients(
        model,
        event,
        Some(&closed_form),
        &CoefficientOptions::default(),
    )
    .map_err(|e| e.to_string());
    let check = match &coeffs {
        Ok(c) => branch_check(c, event, branch).map_err(|e| e.to_string()),
        Err(e) => Err(format!("no coefficients: {e}")),
    };
    EventReport {
        event: event.clone(),
        coefficients: coeffs,
        branch_check: check,
    }
}

/// A traced branch as written to JSON (θ omitted).
#[derive(Clone, Debug, Serialize)]
pub struct BranchSummary {
    /// Method.
    pub method: String,
    /// Why it stopped.
    pub status: Status,
    /// Number of points.
    pub n_points: usize,
    /// Largest ‖∇L‖ over the points.
    pub max_grad_norm: f64,
    /// λ range covered.
    pub lambda_range: (f64, f64),
    /// Points (λ, ‖∇L‖, L, smallest eigenvalues, tangent, Morse index, arclength).
    pub points: Vec<Point>,
}

impl BranchSummary {
    /// Summarises a branch.
    pub fn of(branch: &Branch) -> Self {
        let lo = branch
            .points
            .iter()
            .map(|p| p.lambda)
            .fold(f64::INFINITY, f64::min);
        let hi = branch
            .points
            .iter()
            .map(|p| p.lambda)
            .fold(f64::NEG_INFINITY, f64::max);
        BranchSummary {
            method: format!("{:?}", branch.method).to_lowercase(),
            status: branch.status.clone(),
            n_points: branch.points.len(),
            max_grad_norm: branch.max_grad_norm,
            lambda_range: (lo, hi),
            points: branch.points.clone(),
        }
    }
}

/// A model traced both ways (the shared m = 10 analysis of B.2, B.3 and B.6; Remark 7.17).
pub struct Analysis<A: Activation = crate::activation::Builtin> {
    /// The model.
    pub model: TwoLayer<A>,
    /// The polished start point W0.
    pub theta0: Array1<f64>,
    /// ‖∇L(W0closed, 0)‖ before polishing.
    pub w0_grad_norm: f64,
    /// Exact branch.
    pub exact: Branch,
    /// Paper-method branch.
    pub paper: Branch,
    /// Reports of the exact events, in order.
    pub events: Vec<EventReport>,
    /// The paper method's crossing (or closest approach to a singular Hessian).
    pub crossing: Option<Crossing>,
    /// The paper method's "event": its grid point nearest the crossing, with its FD-Hessian
    /// kernel, and the coefficients computed there (as the paper did).
    pub paper_event: Option<EventReport>,
}

/// Traces the model both ways and reports events (shared by B.2, B.6 and Remark 7.17).
pub fn analyse<A: Activation>(
    model: TwoLayer<A>,
    ctx: &Context,
    label: &str,
    paper_steps: usize,
) -> Result<Analysis<A>> {
    let w0 = w0_closed_form(&model)?;
    let g0 = model.gradient(w0.view(), 0.0);
    let theta0 = start_point(&model)?;
    ctx.message(&format!("{label}: exact trace"));
    let exact = trace(&model, theta0.view(), 0.0, &ContinuationParams::default())?;
    ctx.message(&format!(
        "{label}: paper-method trace ({paper_steps} steps)"
    ));
    let paper = trace_paper(
        &model,
        theta0.view(),
        &PaperParams {
            n_steps: paper_steps,
            ..Default::default()
        },
    )?;
    ctx.message(&format!("{label}: coefficients at events"));
    let events = exact
        .events
        .iter()
        .map(|e| report_event(&model, e, &exact))
        .collect();
    let crossing = paper_singular_point(&paper.points);
    let paper_event = match &crossing {
        Some(c) => {
            let p = &paper.points[c.index_nearest];
            let ev = paper_event_at(&model, p)?;
            Some(report_event(&model, &ev, &paper))
        }
        None => None,
    };
    Ok(Analysis {
        w0_grad_norm: g0.dot(&g0).sqrt(),
        model,
        theta0,
        exact,
        paper,
        events,
        crossing,
        paper_event,
    })
}

/// A short description of what the exact trace found.
pub fn describe_events<A: Activation>(m: &Analysis<A>) -> String {
    if m.events.is_empty() {
        return format!(
            "The exact branch has no singular point for λ ∈ [0, 1] (status {:?}).",
            m.exact.status
        );
    }
    let mut parts = Vec::new();
    for r in &m.events {
        let mut s = String::new();
        let e = &r.event;
        s.push_str(&format!(
            "{:?} at λ* = {:.6} (residual {:.1e}, Morse {}→{})",
            e.kind, e.lambda, e.residual, e.morse_before, e.morse_after
        ));
        match &r.coefficients {
            Ok(c) => s.push_str(&format!(
                ", g_µ = {:.3e}, g_aa = {:.3e}, classified {:?}",
                c.g_mu, c.g_aa.ad, c.classification
            )),
            Err(err) => s.push_str(&format!(", coefficients failed: {err}")),
        }
        parts.push(s);
    }
    format!("Exact branch: {}.", parts.join("; then "))
}

/// A short description of the paper method's crossing.
pub fn describe_paper(c: Option<&Crossing>) -> String {
    match c {
        Some(c) if c.sign_change => format!(
            "λ1 crosses 0 at λ ≈ {:.4} (interpolated), |λ1/λ2| = {:.3} at the nearest grid point",
            c.lambda, c.eig_ratio
        ),
        Some(c) => format!(
            "λ1 never changes sign on its grid; closest approach λ1 = {:.3e} at λ = {:.4} \
             (|λ1/λ2| = {:.3})",
            c.lambda1, c.lambda, c.eig_ratio
        ),
        None => "no points".into(),
    }
}

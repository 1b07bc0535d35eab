//! B.2: the symmetry-broken model d = 5, m = 10, α = 4e-3 (`TwoLayer::paper(10)`): the branch
//! from the regularised minimum, traced exactly (pseudo-arclength, events located and
//! classified) and by the paper's method (L-BFGS on a 401-point λ grid, FD Hessians).

use super::common::{
    event_at, paper_singular_point, start_point, w0_closed_form, Crossing, HessianSource, Setting,
};
use super::output::{LinePlot, Series, Style};
use super::{Context, Outcome};
use crate::activation::Activation;
use crate::continuation::{
    resample, trace, trace_paper, Branch, ContinuationParams, Event, EventKind, PaperParams, Point,
    Status,
};
use crate::derivatives::Objective;
use crate::error::Result;
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
    #[serde(serialize_with = "super::common::ok_or_error")]
    pub coefficients: std::result::Result<Coefficients, String>,
    /// Agreement of the normal form with the traced branch, or why it failed.
    #[serde(serialize_with = "super::common::ok_or_error")]
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

/// Everything B.2, B.3 and B.6 share: the m = 10 model and both branches.
pub struct M10<A: Activation> {
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
) -> Result<M10<A>> {
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
            let ev = event_at(
                &model,
                p.theta.view(),
                p.lambda,
                EventKind::EigenvalueCrossing,
                HessianSource::PAPER,
                p.arclength,
            )?;
            Some(report_event(&model, &ev, &paper))
        }
        None => None,
    };
    Ok(M10 {
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

/// Exact vs paper eigenvalues on the paper grid, where the exact branch is a graph over λ.
#[derive(Clone, Debug, Serialize)]
pub struct MethodComparison {
    /// Number of paper grid points compared.
    pub n_compared: usize,
    /// Largest |λ1_exact − λ1_paper| on the compared points before the paper crossing.
    pub max_diff_lambda1_before_crossing: f64,
    /// Largest λ compared.
    pub lambda_max_compared: f64,
}

/// Result of B.2.
#[derive(Clone, Debug, Serialize)]
pub struct Exp2Result {
    /// Model setting.
    pub setting: Setting,
    /// ‖∇L‖ at the closed-form W0 (before the Newton polish).
    pub w0_grad_norm: f64,
    /// Smallest exact Hessian eigenvalues at λ = 0 (λ1(0) = α).
    pub eigenvalues_at_0: Vec<f64>,
    /// Exact branch.
    pub exact: BranchSummary,
    /// Located events with coefficients and classification.
    pub events: Vec<EventReport>,
    /// Paper-method branch.
    pub paper: BranchSummary,
    /// The paper method's interpolated crossing, or its closest approach when λ1 never
    /// changes sign on its grid.
    pub paper_crossing: Option<Crossing>,
    /// Paper vs exact on the common λ range.
    pub comparison: MethodComparison,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

/// A short description of what the exact trace found.
pub fn describe_events<A: Activation>(m: &M10<A>) -> String {
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

/// Runs B.2 from the shared analysis.
pub fn run<A: Activation>(_ctx: &Context, m: &M10<A>) -> Result<Outcome<Exp2Result>> {
    let h0 = m.model.hessian(m.theta0.view(), 0.0);
    let eig0: Vec<f64> = crate::linalg::sym_eigenvalues(&h0)?
        .iter()
        .take(N_EIGS)
        .copied()
        .collect();
    let grid: Vec<f64> = m.paper.points.iter().map(|p| p.lambda).collect();
    let res = resample(&m.exact, &grid);
    let cross = m
        .crossing
        .as_ref()
        .filter(|c| c.sign_change)
        .map(|c| c.lambda)
        .unwrap_or(f64::INFINITY);
    let mut maxdiff = 0.0f64;
    let mut lmax = f64::NAN;
    let mut n_cmp = 0;
    for gp in &res {
        if let Some(p) = m.paper.points.iter().find(|p| p.lambda == gp.lambda) {
            n_cmp += 1;
            lmax = gp.lambda;
            if gp.lambda < cross {
                if let (Some(a), Some(b)) = (gp.eigenvalues.first(), p.eigenvalues.first()) {
                    maxdiff = maxdiff.max((a - b).abs());
                }
            }
        }
    }
    let finding = format!(
        "{} Paper method: {}; status {:?}, max ‖∇L‖ = {:.1e} (exact: {:.1e}).",
        describe_events(m),
        describe_paper(m.crossing.as_ref()),
        m.paper.status,
        m.paper.max_grad_norm,
        m.exact.max_grad_norm
    );
    let result = Exp2Result {
        setting: Setting::of(&m.model, "paper_teacher(77, 500) (numpy-compatible)"),
        w0_grad_norm: m.w0_grad_norm,
        eigenvalues_at_0: eig0,
        exact: BranchSummary::of(&m.exact),
        events: m.events.clone(),
        paper: BranchSummary::of(&m.paper),
        paper_crossing: m.crossing.clone(),
        comparison: MethodComparison {
            n_compared: n_cmp,
            max_diff_lambda1_before_crossing: maxdiff,
            lambda_max_compared: lmax,
        },
        finding,
    };
    let figures = eigen_figures(m, "hd")?;
    Ok(Outcome { result, figures })
}

/// The eigenvalue figures of a traced model: vs λ (exact and paper overlaid) and vs arclength.
pub fn eigen_figures<A: Activation>(m: &M10<A>, prefix: &str) -> Result<Vec<(String, String)>> {
    let ev_lambdas: Vec<f64> = m.events.iter().map(|r| r.event.lambda).collect();
    let mut vs_l = LinePlot {
        title: format!(
            "{} smallest Hessian eigenvalues (exact: solid, paper method: dashed)",
            N_EIGS
        ),
        x_label: "λ".into(),
        y_label: "eigenvalue".into(),
        hlines: vec![0.0],
        vlines: ev_lambdas.clone(),
        ..Default::default()
    };
    for k in 0..N_EIGS {
        vs_l.series.push(Series::new(
            if k == 0 { "exact" } else { "" },
            m.exact
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.lambda, e)))
                .collect(),
            Style::Line,
            k,
        ));
        vs_l.series.push(Series::new(
            if k == 0 { "paper method" } else { "" },
            m.paper
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.lambda, e)))
                .collect(),
            Style::Dashed,
            k,
        ));
    }
    let mut vs_s = LinePlot {
        title: format!(
            "{} smallest Hessian eigenvalues vs arclength (exact)",
            N_EIGS
        ),
        x_label: "arclength s".into(),
        y_label: "eigenvalue".into(),
        hlines: vec![0.0],
        vlines: m.events.iter().map(|r| r.event.arclength).collect(),
        ..Default::default()
    };
    for k in 0..N_EIGS {
        vs_s.series.push(Series::new(
            format!("λ{}", k + 1),
            m.exact
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.arclength, e)))
                .collect(),
            Style::Line,
            k,
        ));
    }
    let mut lam_s = LinePlot {
        title: "λ along the exact branch (a fold shows as a turning point)".into(),
        x_label: "arclength s".into(),
        y_label: "λ".into(),
        ..Default::default()
    };
    lam_s.series.push(Series::new(
        "λ(s)",
        m.exact
            .points
            .iter()
            .map(|p| (p.arclength, p.lambda))
            .collect(),
        Style::Line,
        0,
    ));
    // Zoom on the first event (the paper's Fig. 1, row 3 right).
    let zoom = m.events.first().map(|r| {
        let l = r.event.lambda;
        let mut z = vs_l.clone();
        z.title = format!("zoom near the first event, λ* = {l:.4}");
        z.x_range = Some((l - 0.1, l + 0.02));
        z.y_range = Some((-1e-3, 1.5e-3));
        z
    });
    let mut figs = vec![
        (
            format!("figures/{prefix}_eigenvalues_vs_lambda.svg"),
            vs_l.to_svg()?,
        ),
        (
            format!("figures/{prefix}_eigenvalues_vs_arclength.svg"),
            vs_s.to_svg()?,
        ),
        (
            format!("figures/{prefix}_lambda_vs_arclength.svg"),
            lam_s.to_svg()?,
        ),
    ];
    if let Some(z) = zoom {
        figs.push((
            format!("figures/{prefix}_eigenvalues_zoom.svg"),
            z.to_svg()?,
        ));
    }
    Ok(figs)
}

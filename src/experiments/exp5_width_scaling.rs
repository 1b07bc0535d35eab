//! B.5: width scaling, m ∈ {3, 5, 8, 10, 15, 20, 30, 50, 75, 100}, α = 4e-3, the paper's data
//! and v_j = 0.5 + j/(m − 1). Per width: λ1(0) = α, λ1′(0) exactly (degenerate perturbation
//! theory) and by the paper's (22), λ* on the exact branch (first located event) and by the
//! paper method (interpolated crossing on its grid), |λ1/λ2| there, the K fit, and where
//! interior events stop.

use super::common::{
    closest_approach, endpoint_slope, first_crossing, fmt, par_map, report_event, start_point,
    width_fit, EndpointReport, Setting, WidthFit,
};
use super::table1::{opt, paper_lambda_star, Row, WIDTHS as SECTION};
use super::{Context, Experiment, Meta, Outcome};
use crate::continuation::{trace, trace_paper, ContinuationParams, PaperParams, Status};
use crate::error::{Error, Result};
use crate::models::two_layer::TwoLayer;
use serde::Serialize;
use std::time::Instant;

mod figures;
use figures::{curves_figure, width_figures};

/// The paper's widths.
pub const WIDTHS: [usize; 10] = [3, 5, 8, 10, 15, 20, 30, 50, 75, 100];
/// Widths of the quick run.
pub const QUICK_WIDTHS: [usize; 3] = [3, 10, 20];

/// Exact side of one width.
#[derive(Clone, Debug, Serialize)]
pub struct ExactWidth {
    /// Why the trace stopped.
    pub status: Status,
    /// Number of points.
    pub n_points: usize,
    /// Largest ‖∇L‖.
    pub max_grad_norm: f64,
    /// First located event: kind.
    pub event_kind: Option<String>,
    /// λ* of the first event.
    pub lambda_star: Option<f64>,
    /// λ2 at the event (λ1 = 0 there to the event tolerance).
    pub lambda2_at_event: Option<f64>,
    /// |λ1/λ2| at the event.
    pub eig_ratio: Option<f64>,
    /// Classification of the first event.
    pub classification: Option<String>,
    /// g_µ at the first event.
    pub g_mu: Option<f64>,
    /// (λ, λ1) along the branch.
    pub curve: Vec<(f64, f64)>,
    /// Wall time of the trace (s).
    pub seconds: f64,
}

/// Paper-method side of one width.
#[derive(Clone, Debug, Serialize)]
pub struct PaperWidth {
    /// Grid steps used at this width.
    pub steps: usize,
    /// Why it stopped.
    pub status: Status,
    /// Largest ‖∇L‖ over the grid.
    pub max_grad_norm: f64,
    /// Interpolated crossing λ* (a sign change of λ1 on the grid).
    pub lambda_star: Option<f64>,
    /// |λ1/λ2| at the grid point nearest the crossing.
    pub eig_ratio: Option<f64>,
    /// Closest approach of λ1 to 0 on the grid: (λ, λ1).
    pub closest_approach: Option<(f64, f64)>,
    /// The last grid λ before L-BFGS jumped to another branch (status `branch_jump`).
    pub jump_after: Option<f64>,
    /// The paper's FD estimate of λ1′(0): (λ1(Δλ) − λ1(0))/Δλ on its grid.
    pub slope_fd: f64,
    /// (λ, λ1) along the grid.
    pub curve: Vec<(f64, f64)>,
    /// Wall time (s).
    pub seconds: f64,
}

/// One width.
#[derive(Clone, Debug, Serialize)]
pub struct WidthRow {
    /// m.
    pub m: usize,
    /// λ1′(0) and λ1(0) at the linear endpoint.
    pub endpoint: EndpointReport,
    /// |λ1(0) − α|.
    pub lambda1_0_minus_alpha: f64,
    /// Exact trace.
    #[serde(serialize_with = "super::common::ok_or_error")]
    pub exact: std::result::Result<ExactWidth, String>,
    /// Paper method.
    #[serde(serialize_with = "super::common::ok_or_error")]
    pub paper: std::result::Result<PaperWidth, String>,
}

/// Result of B.5.
#[derive(Clone, Debug, Serialize)]
pub struct Exp5Result {
    /// Setting at the smallest width (v varies with m).
    pub setting: Setting,
    /// Paper-method grid steps per width (see `Context::width_paper_steps`).
    pub paper_steps: Vec<(usize, usize)>,
    /// Rows.
    pub rows: Vec<WidthRow>,
    /// K fit from the exact λ1′(0).
    pub k_fit_exact: WidthFit,
    /// K fit from the paper's (22).
    pub k_fit_paper_22: WidthFit,
    /// K fit from the paper method's FD slopes.
    pub k_fit_paper_fd: Option<WidthFit>,
    /// Smallest width from which on no exact interior event occurs in [0, 1].
    pub exact_events_stop_at: Option<usize>,
    /// Same for the paper method's crossings.
    pub paper_crossings_stop_at: Option<usize>,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

fn exact_width(model: &TwoLayer, theta0: &ndarray::Array1<f64>) -> Result<ExactWidth> {
    let t = Instant::now();
    let b = trace(model, theta0.view(), 0.0, &ContinuationParams::default())?;
    let ev = b.events.first();
    let rep = ev.map(|e| report_event(model, e, &b));
    let coeffs = rep.as_ref().and_then(|r| r.coefficients.as_ref().ok());
    Ok(ExactWidth {
        status: b.status.clone(),
        n_points: b.points.len(),
        max_grad_norm: b.max_grad_norm,
        event_kind: ev.map(|e| format!("{:?}", e.kind)),
        lambda_star: ev.map(|e| e.lambda),
        lambda2_at_event: ev.and_then(|e| {
            let mut s = e.eigenvalues.clone();
            s.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
            s.get(1).copied()
        }),
        eig_ratio: coeffs.map(|c| c.eig_ratio),
        classification: coeffs.map(|c| format!("{:?}", c.classification)),
        g_mu: coeffs.map(|c| c.g_mu),
        curve: b
            .points
            .iter()
            .filter_map(|p| p.eigenvalues.first().map(|&e| (p.lambda, e)))
            .collect(),
        seconds: t.elapsed().as_secs_f64(),
    })
}

fn paper_width(
    model: &TwoLayer,
    theta0: &ndarray::Array1<f64>,
    steps: usize,
) -> Result<PaperWidth> {
    let t = Instant::now();
    let b = trace_paper(
        model,
        theta0.view(),
        &PaperParams {
            n_steps: steps,
            ..Default::default()
        },
    )?;
    let c = first_crossing(&b.points);
    let curve: Vec<(f64, f64)> = b
        .points
        .iter()
        .filter_map(|p| p.eigenvalues.first().map(|&e| (p.lambda, e)))
        .collect();
    let slope_fd = if curve.len() >= 2 {
        (curve[1].1 - curve[0].1) / (curve[1].0 - curve[0].0)
    } else {
        f64::NAN
    };
    Ok(PaperWidth {
        steps,
        status: b.status.clone(),
        max_grad_norm: b.max_grad_norm,
        lambda_star: c.as_ref().map(|c| c.lambda),
        eig_ratio: c.as_ref().map(|c| c.eig_ratio),
        closest_approach: closest_approach(&b.points).map(|c| (c.lambda, c.lambda1)),
        jump_after: matches!(b.status, Status::BranchJump(_))
            .then(|| b.points.last().map(|p| p.lambda))
            .flatten(),
        slope_fd,
        curve,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// The smallest width from which on every row has no event (None if the last has one).
fn stop_width(rows: &[WidthRow], has_event: impl Fn(&WidthRow) -> Option<bool>) -> Option<usize> {
    let mut stop = None;
    for r in rows.iter().rev() {
        match has_event(r) {
            Some(false) => stop = Some(r.m),
            _ => break,
        }
    }
    stop
}

fn stop_text(stop: Option<usize>, first: usize) -> String {
    match stop {
        Some(m) if m == first => "none at any width".into(),
        Some(m) => format!("stop from m = {m}"),
        None => "up to the largest width".into(),
    }
}

/// Runs B.5.
pub fn run(ctx: &Context) -> Result<Outcome<Exp5Result>> {
    let mut rows = width_rows(ctx)?;
    rows.sort_by_key(|r| r.m);
    let ws: Vec<usize> = rows.iter().map(|r| r.m).collect();
    let alpha = crate::models::two_layer::PAPER_ALPHA;
    let ex: Vec<f64> = rows.iter().map(|r| r.endpoint.exact).collect();
    let p22: Vec<f64> = rows.iter().map(|r| r.endpoint.paper_22).collect();
    let k_exact = width_fit(&ws, &ex, alpha)?;
    let k_p22 = width_fit(&ws, &p22, alpha)?;
    let fd: Vec<(usize, f64)> = rows
        .iter()
        .filter_map(|r| r.paper.as_ref().ok().map(|p| (r.m, p.slope_fd)))
        .collect();
    let k_fd = if fd.len() >= 2 {
        let (w, s): (Vec<usize>, Vec<f64>) = fd.into_iter().unzip();
        Some(width_fit(&w, &s, alpha)?)
    } else {
        None
    };
    let exact_stop = stop_width(&rows, |r| {
        r.exact
            .as_ref()
            .ok()
            .map(|e| e.lambda_star.is_some_and(|l| l <= 1.0))
    });
    let paper_stop = stop_width(&rows, |r| {
        r.paper.as_ref().ok().map(|p| p.lambda_star.is_some())
    });
    if rows.iter().all(|r| r.exact.is_err()) {
        return Err(Error::NoConvergence {
            method: "B.5".into(),
            reason: format!(
                "every exact trace failed, first: {}",
                rows[0].exact.as_ref().err().cloned().unwrap_or_default()
            ),
        });
    }
    let finding = finding(&rows, &k_exact, &k_p22, (exact_stop, paper_stop));
    let result = Exp5Result {
        setting: Setting::of(
            &TwoLayer::paper(ws[0])?,
            "paper_teacher(77, 500) (numpy-compatible)",
        ),
        paper_steps: ws.iter().map(|&m| (m, ctx.width_paper_steps(m))).collect(),
        rows,
        k_fit_exact: k_exact,
        k_fit_paper_22: k_p22,
        k_fit_paper_fd: k_fd,
        exact_events_stop_at: exact_stop,
        paper_crossings_stop_at: paper_stop,
        finding,
    };

    let mut figures = vec![(
        "figures/width_eigenvalue_curves.svg".to_string(),
        curves_figure(&result)?,
    )];
    figures.extend(width_figures(&result)?);
    Ok(Outcome { result, figures })
}

/// One row per width (largest first on the thread pool).
fn width_rows(ctx: &Context) -> Result<Vec<WidthRow>> {
    let widths: Vec<usize> = if ctx.quick {
        QUICK_WIDTHS.to_vec()
    } else {
        WIDTHS.to_vec()
    };
    let bar = ctx.bar(widths.len() as u64, "B.5 widths");
    // Largest widths first so the two cores stay busy to the end.
    let mut order = widths.clone();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let rows: Vec<WidthRow> = par_map(&order, |&m| -> Result<WidthRow> {
        let model = TwoLayer::paper(m)?;
        let theta0 = start_point(&model)?;
        let endpoint = endpoint_slope(&model, theta0.view())?;
        let row = WidthRow {
            m,
            lambda1_0_minus_alpha: (endpoint.lambda1_at_0 - model.alpha()).abs(),
            endpoint,
            exact: exact_width(&model, &theta0).map_err(|e| e.to_string()),
            paper: paper_width(&model, &theta0, ctx.width_paper_steps(m))
                .map_err(|e| e.to_string()),
        };
        bar.inc(1);
        Ok(row)
    })
    .into_iter()
    .collect::<Result<_>>()?;
    bar.finish_and_clear();
    Ok(rows)
}

/// B.5's finding, from the numbers.
fn finding(
    rows: &[WidthRow],
    k_exact: &WidthFit,
    k_p22: &WidthFit,
    stops: (Option<usize>, Option<usize>),
) -> String {
    let first = rows[0].m;
    let (exact_stop, paper_stop) = stops;
    let per: Vec<String> = rows
        .iter()
        .map(|r| {
            let e = r.exact.as_ref().ok().and_then(|e| e.lambda_star);
            let p = r.paper.as_ref().ok().and_then(|p| p.lambda_star);
            format!(
                "m={}: exact {} / paper {} / α/|λ1′(0)| {:.3}",
                r.m,
                e.map(|x| format!("{x:.4}")).unwrap_or("none".into()),
                p.map(|x| format!("{x:.4}")).unwrap_or("none".into()),
                r.endpoint.lambda_star_first_order
            )
        })
        .collect();
    format!(
        "max |λ1(0) − α| = {:.1e}. K (exact λ1′(0)) = {:.5}, K (paper (22)) = {:.5} (paper printed \
         −0.0705); m* = |K|/α = {:.1} (exact). λ* per width: {}. Interior events: {} (exact) / {} \
         (paper method: sign changes of λ1 on its grid).",
        rows.iter().map(|r| r.lambda1_0_minus_alpha).fold(0.0, f64::max),
        k_exact.k,
        k_p22.k,
        k_exact.critical_width,
        per.join("; "),
        stop_text(exact_stop, first),
        stop_text(paper_stop, first),
    )
}

/// B.5 as an [`Experiment`] (the most expensive: runs on its own thread).
pub struct WidthScaling;

impl Experiment for WidthScaling {
    type Result = Exp5Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "B.5",
            title: "width scaling",
            file: "exp5_width_scaling.json",
            own_thread: true,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp5Result>> {
        run(ctx)
    }

    fn table_rows(&self, _ctx: &Context, result: Option<&Exp5Result>) -> Vec<Row> {
        match result {
            Some(e5) => table_rows(e5),
            None => vec![Row::missing(SECTION, "B.5")],
        }
    }
}

/// The paper method's λ* cell at one width: crossing, or closest approach (and branch jump).
fn paper_lambda_star_cell(r: &WidthRow) -> String {
    match &r.paper {
        Ok(p) => match (p.lambda_star, p.jump_after, p.closest_approach) {
            (Some(l), _, _) => fmt(l),
            (None, Some(j), Some((l, e))) => format!(
                "none (min λ1 = {} at {}; jumps branch after {})",
                fmt(e),
                fmt(l),
                fmt(j)
            ),
            (None, None, Some((l, e))) => format!("none (min λ1 = {} at {})", fmt(e), fmt(l)),
            _ => "none".into(),
        },
        Err(e) => format!("failed: {e}"),
    }
}

/// The exact λ* cell at one width: the first event and its kind.
fn exact_lambda_star_cell(r: &WidthRow) -> String {
    match &r.exact {
        Ok(e) => match (&e.lambda_star, &e.event_kind) {
            (Some(l), Some(k)) => format!("{} ({k})", fmt(*l)),
            _ => "none".into(),
        },
        Err(e) => format!("failed: {e}"),
    }
}

/// B.5's Table 1 rows.
fn table_rows(e5: &Exp5Result) -> Vec<Row> {
    let mut t = Vec::new();
    if let Some(r) = e5.rows.iter().find(|r| r.m == 10) {
        t.push(Row::new(
            SECTION,
            "λ1′(0), m = 10",
            "−0.00561 ((22)); −0.00655 (poly.)",
            format!(
                "{} ((22)); FD {}",
                fmt(r.endpoint.paper_22),
                opt(r.paper.as_ref().ok().map(|p| p.slope_fd))
            ),
            fmt(r.endpoint.exact),
        ));
    }
    t.push(Row::new(
        SECTION,
        "max |λ1(0) − α| over m",
        "0 (= α)",
        "—".into(),
        fmt(e5
            .rows
            .iter()
            .map(|r| r.lambda1_0_minus_alpha)
            .fold(0.0, f64::max)),
    ));
    t.push(Row::new(
        SECTION,
        "K (fit λ1′(0) = K/m + K2/m²)",
        "−0.0705",
        format!(
            "{} ((22)); {} (FD on grid)",
            fmt(e5.k_fit_paper_22.k),
            opt(e5.k_fit_paper_fd.as_ref().map(|k| k.k))
        ),
        fmt(e5.k_fit_exact.k),
    ));
    t.push(Row::new(
        SECTION,
        "m* = |K|/α",
        "17.6",
        fmt(e5.k_fit_paper_22.critical_width),
        fmt(e5.k_fit_exact.critical_width),
    ));
    for r in &e5.rows {
        t.push(Row::new(
            SECTION,
            &format!("λ*, m = {}", r.m),
            paper_lambda_star(r.m).unwrap_or("—"),
            paper_lambda_star_cell(r),
            exact_lambda_star_cell(r),
        ));
    }
    let first = e5.rows.first().map(|r| r.m);
    let stop = |s: Option<usize>| match s {
        Some(m) if Some(m) == first => "none at any width".to_string(),
        Some(m) => format!("m ≥ {m}"),
        None => "events up to the largest width".into(),
    };
    t.push(Row::new(
        SECTION,
        "interior events stop from",
        "m ≥ 20",
        stop(e5.paper_crossings_stop_at),
        stop(e5.exact_events_stop_at),
    ));
    t
}

//! Case `width_sweep`: the B.5 width scaling extended to m = 1000. At each width m and each
//! product α·m (α scaled with m so that the first-order law λ* ≈ α·m/|K|, K = −0.0705, keeps
//! events inside [0, 1]; the exact phase boundary has α_c·m ≈ 0.06–0.1 for m = 5…100, so
//! α·m ≤ 0.04 stays below it) the branch from the λ = 0 minimum of the paper's teacher data is
//! traced to its first event (dense up to n = [`DENSE_MAX_DIM`], matrix-free above).
//! The figure plots λ* against α·m on log axes next to the first-order law.

use super::{is_natural_end, status_parts, CaseOutcome, ScaleOptions};
use crate::app::commands::{run_trace_with, DataSource, ModelSpec, TraceOptions};
use crate::continuation::Solver;
use crate::error::{Error, Result};
use crate::models::two_layer::theory::PAPER_K;
use crate::report::{LegendPosition, LinePlot, LineStyle, Rgb, Scale, Series};
use serde::Serialize;
use std::time::Instant;

/// Widths of the sweep (n = 5m ≤ 5000).
pub const WIDTHS: [usize; 7] = [10, 20, 50, 100, 200, 500, 1000];
/// Products α·m: six per width, so that λ*(α·m) is drawn as a curve, about evenly spaced in
/// log over the range below the phase boundary (first-order λ* ≈ 0.035 … 0.57).
pub const ALPHA_M: [f64; 6] = [0.0025, 0.005, 0.01, 0.02, 0.03, 0.04];
/// Largest width accepted by `--widths` (n = 5m; the case is about m ≤ 1000, 5× headroom).
pub const MAX_WIDTH: usize = 5000;
/// The figure, next to the case JSON.
pub const FIGURE_FILE: &str = "width_sweep.svg";
/// Stop each trace at its first event.
const MAX_EVENTS: usize = 1;
/// Dense solver up to this n, matrix-free above. Measured on the shared 2-core machine under
/// load: a dense trace to the first event took 90 s at m = 200 (n = 1000), and the dense
/// per-point cost grows as n³ (15× at m = 500), while the matrix-free path at m = 500 took
/// ≈ 15 s per point with the exact Woodbury inverse.
pub const DENSE_MAX_DIM: usize = 1000;

/// Checks `--widths` and `--alpha-m`.
pub fn validate(widths: &[usize], alpha_m: &[f64]) -> Result<()> {
    if widths.is_empty() || alpha_m.is_empty() {
        return Err(Error::param(
            "widths",
            "need at least one width and one α·m",
        ));
    }
    if let Some(&m) = widths.iter().find(|&&m| !(2..=MAX_WIDTH).contains(&m)) {
        return Err(Error::param(
            "widths",
            format!("width {m} outside [2, {MAX_WIDTH}]"),
        ));
    }
    if let Some(&a) = alpha_m.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
        return Err(Error::param("alpha-m", format!("must be > 0, got {a}")));
    }
    Ok(())
}

/// One trace of the sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    /// Width m.
    pub m: usize,
    /// α·m.
    pub alpha_m: f64,
    /// α.
    pub alpha: f64,
    /// n = 5m.
    pub n_params: usize,
    /// Backend used.
    pub solver: Option<Solver>,
    /// Trace status (`max_events`: an event was located; `reached_lambda_max`: none in
    /// [0, 1]; `time_budget_exhausted`: the case's budget ran out during or before it).
    pub status: String,
    /// Status detail or error.
    pub status_detail: Option<String>,
    /// λ of the first event.
    pub lambda_star: Option<f64>,
    /// Its kind (`fold`, `branch_point`, …).
    pub kind: Option<String>,
    /// λ of the first crossing the tracer detected: the event, or a crossing before it that
    /// the tracer rejected (then [`SweepRow::first_crossing_rejected`] says why).
    pub first_crossing_lambda: Option<f64>,
    /// Why the tracer rejected the first crossing, if it did: the branch then went on past it
    /// (e.g. around a fold onto the saddle branch), and `lambda_star` is a later event.
    pub first_crossing_rejected: Option<String>,
    /// First-order law α·m/|K|.
    pub lambda_star_first_order: f64,
    /// Smallest eigenvalue at λ = 0 (should equal α).
    pub lambda1_at_0: Option<f64>,
    /// Largest ‖∇L‖ along the trace.
    pub max_grad_norm: Option<f64>,
    /// Accepted points.
    pub points: usize,
    /// Seconds.
    pub wall_s: f64,
}

/// The case's JSON body.
#[derive(Clone, Debug, Serialize)]
pub struct SweepReport {
    /// K of the first-order law λ* ≈ α·m/|K|.
    pub paper_k: f64,
    /// One row per (m, α·m), m ascending.
    pub rows: Vec<SweepRow>,
    /// The figure file (relative to the case JSON).
    pub figure: String,
}

fn trace_row(m: usize, alpha_m: f64, seconds: f64, opts: &ScaleOptions) -> SweepRow {
    let alpha = alpha_m / m as f64;
    let spec = ModelSpec {
        width: m,
        alpha,
        data: DataSource::Paper,
        ..Default::default()
    };
    let mut row = SweepRow {
        m,
        alpha_m,
        alpha,
        n_params: m * crate::data::PAPER_D,
        solver: None,
        status: "time_budget_exhausted".into(),
        status_detail: Some("not started: the case's time budget was spent".into()),
        lambda_star: None,
        kind: None,
        first_crossing_lambda: None,
        first_crossing_rejected: None,
        lambda_star_first_order: alpha_m / PAPER_K.abs(),
        lambda1_at_0: None,
        max_grad_norm: None,
        points: 0,
        wall_s: 0.0,
    };
    if seconds <= 0.0 {
        return row;
    }
    let topts = TraceOptions {
        lambda_max: 1.0,
        max_seconds: Some(seconds),
        max_events: Some(MAX_EVENTS),
        progress: opts.progress,
        solver: if row.n_params <= DENSE_MAX_DIM {
            Solver::Dense
        } else {
            Solver::MatrixFree
        },
        ..Default::default()
    };
    let start = Instant::now();
    match run_trace_with(&spec, &topts) {
        Ok(r) => {
            (row.status, row.status_detail) = status_parts(&r.status);
            row.solver = Some(r.solver);
            row.points = r.points.len();
            row.max_grad_norm = Some(r.max_grad_norm);
            row.lambda1_at_0 = r
                .points
                .first()
                .and_then(|p| p.eigenvalues.first().copied());
            if let Some(e) = r.events.first() {
                row.lambda_star = Some(e.lambda);
                row.kind = serde_json::to_value(e.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string));
            }
            // The trace stops at its first event, so any rejected crossing came before it.
            row.first_crossing_lambda = row.lambda_star;
            if let Some(x) = r.rejected_events.first() {
                row.first_crossing_lambda = Some(x.lambda);
                row.first_crossing_rejected = Some(x.reason.clone());
            }
        }
        Err(e) => {
            row.status = "error".into();
            row.status_detail = Some(e.to_string());
        }
    }
    row.wall_s = start.elapsed().as_secs_f64();
    row
}

/// Runs the sweep (m ascending, each α·m), within the case's budget.
pub fn run(opts: &ScaleOptions) -> Result<CaseOutcome> {
    validate(&opts.widths, &opts.alpha_m)?;
    let start = Instant::now();
    let mut widths = opts.widths.clone();
    widths.sort_unstable();
    widths.dedup();
    let mut rows = Vec::new();
    for &m in &widths {
        for &am in &opts.alpha_m {
            let left = opts.max_seconds - start.elapsed().as_secs_f64();
            let row = trace_row(m, am, left, opts);
            if opts.progress {
                eprintln!(
                    "width_sweep: m = {m}, α·m = {am}: {} (λ* = {}) in {:.1} s",
                    row.status,
                    row.lambda_star.map_or("—".into(), |l| format!("{l:.6}")),
                    row.wall_s
                );
            }
            rows.push(row);
        }
    }
    let svg = figure(&rows)?;
    crate::app::output::write_atomic(&opts.out.join(FIGURE_FILE), svg.as_bytes())?;
    Ok(outcome(rows))
}

fn outcome(rows: Vec<SweepRow>) -> CaseOutcome {
    let unfinished = rows.iter().find(|r| !is_natural_end(&r.status));
    let (status, status_detail) = match unfinished {
        None => ("complete".to_string(), None),
        Some(r) => (
            r.status.clone(),
            Some(format!(
                "m = {}, α·m = {}: {}",
                r.m,
                r.alpha_m,
                r.status_detail.clone().unwrap_or_default()
            )),
        ),
    };
    let mut checks = std::collections::BTreeMap::new();
    checks.insert(
        "grad_norm_le_1e-10".to_string(),
        rows.iter().all(|r| {
            r.max_grad_norm
                .is_some_and(|g| g <= super::GRAD_NORM_TARGET)
        }),
    );
    checks.insert(
        "first_crossing_accepted".to_string(),
        rows.iter().all(|r| r.first_crossing_rejected.is_none()),
    );
    CaseOutcome {
        status,
        status_detail,
        solver: rows.iter().filter_map(|r| r.solver).next_back(),
        points: rows.iter().map(|r| r.points).sum(),
        n_params: rows.iter().map(|r| r.n_params).max().unwrap_or(0),
        checks,
        body: serde_json::to_value(SweepReport {
            paper_k: PAPER_K,
            rows,
            figure: FIGURE_FILE.into(),
        })
        .unwrap_or_default(),
    }
}

/// The row's first crossing λ, if positive (log axes).
fn first_crossing(r: &SweepRow) -> Option<f64> {
    r.first_crossing_lambda.filter(|&l| l > 0.0)
}

/// The first crossing λ* against α·m on log axes, one series per width (viridis by width:
/// ordered, colour-blind safe), with the first-order law α·m/|K| in black. A crossing the
/// tracer rejected is ringed in red (its later event is in the JSON, not here).
pub fn figure(rows: &[SweepRow]) -> Result<String> {
    let mut plot = LinePlot::new("Width sweep: first crossing λ* against α·m")
        .x_label("α · m")
        .y_label("λ* (first crossing)")
        .x_scale(Scale::Log)
        .y_scale(Scale::Log)
        .legend(LegendPosition::UpperLeft);
    let rejected: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.first_crossing_rejected.is_some())
        .filter_map(|r| first_crossing(r).map(|l| (r.alpha_m, l)))
        .collect();
    // Drawn first and larger: a red ring around the width's own marker.
    if !rejected.is_empty() {
        plot.push_series(
            Series::new("first crossing rejected by the tracer", rejected)
                .style(LineStyle::Points)
                .color(Rgb::RED)
                .width(4),
        );
    }
    let mut widths: Vec<usize> = rows.iter().map(|r| r.m).collect();
    widths.dedup();
    let last = widths.len().saturating_sub(1).max(1) as f64;
    for (k, &m) in widths.iter().enumerate() {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.m == m)
            .filter_map(|r| first_crossing(r).map(|l| (r.alpha_m, l)))
            .collect();
        if !pts.is_empty() {
            // Viridis up to 0.85: its yellow end is too pale for a line on white.
            let color = Rgb::viridis(0.85 * k as f64 / last);
            plot.push_series(
                Series::new(format!("m = {m}"), pts)
                    .style(LineStyle::LinePoints)
                    .color(color),
            );
        }
    }
    let (lo, hi) = rows.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
        (lo.min(r.alpha_m), hi.max(r.alpha_m))
    });
    let law: Vec<(f64, f64)> = [lo * 0.8, hi * 1.25]
        .iter()
        .map(|&x| (x, x / PAPER_K.abs()))
        .collect();
    // Whole decades around the data: every axis has labelled decades (and 2, 5 between).
    let ys = rows
        .iter()
        .filter_map(first_crossing)
        .chain(law.iter().map(|p| p.1));
    let (ylo, yhi) = ys.fold((f64::INFINITY, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let decade_below = |v: f64| 10f64.powf(v.log10().floor());
    let decade_above = |v: f64| 10f64.powf(v.log10().ceil());
    plot.push_series(
        Series::new("α·m/|K| (first order)", law)
            .style(LineStyle::Dashed)
            .color(Rgb::BLACK),
    );
    plot.x_range(decade_below(lo * 0.8), decade_above(hi * 1.25))
        .y_range(decade_below(ylo), decade_above(yhi))
        .render_svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(m: usize, alpha_m: f64, lambda: f64, rejected: bool) -> SweepRow {
        SweepRow {
            m,
            alpha_m,
            alpha: alpha_m / m as f64,
            n_params: 5 * m,
            solver: None,
            status: "max_events".into(),
            status_detail: None,
            lambda_star: Some(if rejected { lambda / 40.0 } else { lambda }),
            kind: Some("fold".into()),
            first_crossing_lambda: Some(lambda),
            first_crossing_rejected: rejected.then(|| "kernel not one-dimensional".into()),
            lambda_star_first_order: alpha_m / PAPER_K.abs(),
            lambda1_at_0: None,
            max_grad_norm: None,
            points: 1,
            wall_s: 0.0,
        }
    }

    /// (text-anchor, text) of every numeric label in the SVG.
    fn numeric_labels(svg: &str) -> Vec<(String, String)> {
        let flat = svg.replace('\n', " ");
        flat.split("<text")
            .skip(1)
            .filter_map(|t| {
                let anchor = t.split("text-anchor=\"").nth(1)?.split('"').next()?;
                let body = t.split('>').nth(1)?.split('<').next()?.trim();
                body.parse::<f64>()
                    .is_ok()
                    .then(|| (anchor.to_string(), body.to_string()))
            })
            .collect()
    }

    #[test]
    fn figure_has_enough_distinct_ticks_and_marks_rejected_crossings() {
        let rows: Vec<SweepRow> = [10, 1000]
            .iter()
            .flat_map(|&m| {
                ALPHA_M
                    .iter()
                    .map(move |&a| row(m, a, 7.0 * a, m == 1000 && a == 0.02))
            })
            .collect();
        let svg = figure(&rows).unwrap();
        let labels = numeric_labels(&svg);
        assert!(labels.len() >= 6, "{labels:?}");
        for axis in ["end", "middle"] {
            let mut on: Vec<&String> = labels
                .iter()
                .filter(|l| l.0 == axis)
                .map(|l| &l.1)
                .collect();
            assert!(on.len() >= 3, "{axis}: {on:?}");
            let n = on.len();
            on.sort();
            on.dedup();
            assert_eq!(on.len(), n, "duplicate tick labels on {axis}");
        }
        // x spans 0.001…0.1, y 0.01…1: decades and 2, 5 between.
        for t in [
            "0.001", "0.002", "0.005", "0.01", "0.05", "0.1", "0.2", "0.5", "1",
        ] {
            assert!(labels.iter().any(|l| l.1 == t), "no tick {t}: {labels:?}");
        }
        assert!(svg.contains("first crossing rejected by the tracer"));
        assert!(svg.contains("m = 1000"));
    }
}

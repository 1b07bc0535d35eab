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
use crate::report::{LegendPosition, LinePlot, LineStyle, Scale, Series};
use serde::Serialize;
use std::time::Instant;

/// Widths of the sweep (n = 5m ≤ 5000).
pub const WIDTHS: [usize; 7] = [10, 20, 50, 100, 200, 500, 1000];
/// Products α·m (first-order λ* ≈ 0.28 and 0.57).
pub const ALPHA_M: [f64; 2] = [0.02, 0.04];
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

/// λ* against α·m on log axes, one series per width, with the first-order law α·m/|K|.
pub fn figure(rows: &[SweepRow]) -> Result<String> {
    let mut plot = LinePlot::new("Width sweep: first event λ* against α·m")
        .x_label("α · m")
        .y_label("λ* (first event)")
        .x_scale(Scale::Log)
        .y_scale(Scale::Log)
        .legend(LegendPosition::LowerRight);
    let mut widths: Vec<usize> = rows.iter().map(|r| r.m).collect();
    widths.dedup();
    for m in widths {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.m == m)
            .filter_map(|r| r.lambda_star.filter(|&l| l > 0.0).map(|l| (r.alpha_m, l)))
            .collect();
        if !pts.is_empty() {
            plot.push_series(
                Series::new(format!("exact, m = {m}"), pts).style(LineStyle::LinePoints),
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
    // Whole decades around the data, so that the log axes carry tick labels.
    let ys = rows
        .iter()
        .filter_map(|r| r.lambda_star)
        .chain(law.iter().map(|p| p.1));
    let (ylo, yhi) = ys.fold((f64::INFINITY, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let decade_below = |v: f64| 10f64.powf(v.log10().floor());
    let decade_above = |v: f64| 10f64.powf(v.log10().ceil());
    plot.push_series(
        Series::new("first order: λ* = α·m/|K|, K = −0.0705", law).style(LineStyle::Dashed),
    );
    plot.x_range(decade_below(lo * 0.8), decade_above(hi * 1.25))
        .y_range(decade_below(ylo), decade_above(yhi))
        .render_svg()
}

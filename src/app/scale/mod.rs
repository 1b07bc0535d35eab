//! `actbif scale`: the large cases of issue 10 (m = 10⁴ on the paper data, digits at m = 1000,
//! the digits MLP, the width sweep to m = 1000), each timed, its peak memory measured, and
//! written to `<out>/<case>.json` with an honest status; `<out>/summary.json` lists them.
//!
//! A case that runs out of its `--max-seconds` says `time_budget_exhausted`; a case that
//! fails says `error` with the message; neither stops the other cases.

pub mod diagram;
mod digits_m1000;
pub mod measure;
pub mod mlp_digits;
pub mod paper_m10000;
pub mod width_sweep;

use super::commands::{ModelSpec, TraceOptions, TraceReport};
use crate::continuation::{Solver, Status};
use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

/// Per-case wall-clock budget by default: the 10-minute target.
pub const DEFAULT_MAX_SECONDS: f64 = 600.0;
/// Default output directory.
pub const DEFAULT_OUT: &str = "results/scale";
/// The summary file in the output directory.
pub const SUMMARY_FILE: &str = "summary.json";
/// The gradient-norm target for every reported point.
pub const GRAD_NORM_TARGET: f64 = 1e-10;
/// The peak-memory target for the m = 10⁴ case (MiB).
pub const PEAK_RSS_TARGET_MB: f64 = 2048.0;

/// One large case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    /// Paper data, m = 10⁴, α = 5e-6, first event, matrix-free.
    PaperM10000,
    /// Digits, two-layer m = 1000 (n = 64,000), matrix-free.
    DigitsM1000,
    /// Digits, MLP \[64, 128, 128, 1\], first layer trained (n = 8192), matrix-free.
    MlpDigits,
    /// B.5 width scaling to m = 1000 at α·m fixed.
    WidthSweep,
    /// Whole diagram of the paper's m = 10 model with 400 starts.
    DiagramM10,
    /// Whole diagram of the digits two-layer model at m = 100 with 100 starts.
    DiagramDigitsM100,
}

impl Case {
    /// Every case, in the order they run.
    pub const ALL: [Case; 6] = [
        Case::WidthSweep,
        Case::MlpDigits,
        Case::PaperM10000,
        Case::DigitsM1000,
        Case::DiagramM10,
        Case::DiagramDigitsM100,
    ];
    /// The name on the command line and of the JSON file.
    pub fn name(self) -> &'static str {
        match self {
            Case::PaperM10000 => "paper_m10000",
            Case::DigitsM1000 => "digits_m1000",
            Case::MlpDigits => "mlp_digits",
            Case::WidthSweep => "width_sweep",
            Case::DiagramM10 => "diagram_m10",
            Case::DiagramDigitsM100 => "diagram_digits_m100",
        }
    }
}

impl FromStr for Case {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Case::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Case::ALL.iter().map(|c| c.name()).collect();
                Error::param(
                    "case",
                    format!("unknown case `{s}` (expected one of {})", names.join(", ")),
                )
            })
    }
}

/// Options of [`run_scale`].
#[derive(Clone, Debug)]
pub struct ScaleOptions {
    /// Cases to run (empty: all, in [`Case::ALL`] order).
    pub cases: Vec<Case>,
    /// Wall-clock budget per case (seconds).
    pub max_seconds: f64,
    /// Output directory.
    pub out: PathBuf,
    /// Progress bars on stderr.
    pub progress: bool,
    /// Width sweep: widths m.
    pub widths: Vec<usize>,
    /// Width sweep: the products α·m.
    pub alpha_m: Vec<f64>,
}

impl Default for ScaleOptions {
    fn default() -> Self {
        ScaleOptions {
            cases: Vec::new(),
            max_seconds: DEFAULT_MAX_SECONDS,
            out: PathBuf::from(DEFAULT_OUT),
            progress: true,
            widths: width_sweep::WIDTHS.to_vec(),
            alpha_m: width_sweep::ALPHA_M.to_vec(),
        }
    }
}

impl ScaleOptions {
    /// Checks the options before anything runs.
    pub fn validate(&self) -> Result<()> {
        crate::error::ensure_positive("max-seconds", self.max_seconds)?;
        width_sweep::validate(&self.widths, &self.alpha_m)
    }
}

/// What a case computed, before the runner adds its measurements.
#[derive(Clone, Debug, Default)]
pub struct CaseOutcome {
    /// Status name (the trace's `status.reason`, `complete`, or `time_budget_exhausted`).
    pub status: String,
    /// The status detail, if any.
    pub status_detail: Option<String>,
    /// Linear-algebra backend used (resolved).
    pub solver: Option<Solver>,
    /// Accepted points (summed over the traces of the case).
    pub points: usize,
    /// Parameter count n (the largest of the case).
    pub n_params: usize,
    /// Issue targets checked on the result (name → met).
    pub checks: BTreeMap<String, bool>,
    /// The case's own JSON (a trace report, or the sweep's rows).
    pub body: serde_json::Value,
}

/// `<out>/<case>.json`: the case's JSON with its measurements.
#[derive(Clone, Debug, Serialize)]
pub struct CaseRecord {
    /// Case name.
    pub case: String,
    /// `reached_lambda_max`, `max_events`, `time_budget_exhausted`, `stalled`, `complete`
    /// (width sweep), `error`, …
    pub status: String,
    /// The status detail or the error message.
    pub status_detail: Option<String>,
    /// Wall-clock seconds of the whole case (model set-up included).
    pub wall_s: f64,
    /// Peak resident memory during the case (MiB), if measurable.
    pub peak_rss_mb: Option<f64>,
    /// Whether `peak_rss_mb` covers this case only (`case`) or the whole process (`process`).
    pub peak_rss_scope: String,
    /// 1-minute load average at the start and the end of the case (the machine is shared:
    /// wall times above the core count's load are stretched accordingly).
    pub load_average: [Option<f64>; 2],
    /// Linear-algebra backend.
    pub solver: Option<Solver>,
    /// Accepted points.
    pub points: usize,
    /// Parameter count n.
    pub n_params: usize,
    /// The case's budget (seconds).
    pub max_seconds: f64,
    /// Issue targets: name → met (false also when not reached).
    pub checks: BTreeMap<String, bool>,
    /// The trace JSON (`trace`/`trace --model mlp` format) or the sweep's rows and figure.
    pub result: serde_json::Value,
}

/// The cases run by one [`run_scale`] call (`<out>/summary.json` lists every case file in
/// the directory, these included).
#[derive(Clone, Debug, Serialize)]
pub struct ScaleSummary {
    /// One row per case run (the `result` field left out).
    pub cases: Vec<CaseSummaryRow>,
}

/// A case in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct CaseSummaryRow {
    /// Case name.
    pub case: String,
    /// Status (as in the case file).
    pub status: String,
    /// Status detail.
    pub status_detail: Option<String>,
    /// Seconds.
    pub wall_s: f64,
    /// Peak RSS (MiB).
    pub peak_rss_mb: Option<f64>,
    /// Backend.
    pub solver: Option<Solver>,
    /// Accepted points.
    pub points: usize,
    /// n.
    pub n_params: usize,
    /// Targets met.
    pub checks: BTreeMap<String, bool>,
    /// The case file.
    pub file: String,
}

impl ScaleSummary {
    /// Whether every case ended naturally (no budget exhausted, no error).
    pub fn all_complete(&self) -> bool {
        self.cases.iter().all(|c| is_natural_end(&c.status))
    }
    /// Whether some case failed with an error.
    pub fn any_error(&self) -> bool {
        self.cases.iter().any(|c| c.status == "error")
    }
}

/// Status names of a trace or case that ended by itself.
pub fn is_natural_end(status: &str) -> bool {
    matches!(
        status,
        "reached_lambda_max" | "reached_lambda_min" | "max_events" | "complete"
    )
}

/// (name, detail) of a trace status as its JSON writes it (`reason`, `detail`).
pub fn status_parts(status: &Status) -> (String, Option<String>) {
    let v = serde_json::to_value(status).unwrap_or_default();
    let name = v
        .get("reason")
        .and_then(|r| r.as_str())
        .unwrap_or("unknown")
        .to_string();
    let detail = v.get("detail").and_then(|d| d.as_str()).map(str::to_string);
    (name, detail)
}

/// A two-layer trace case: `spec` traced by `solver` with `max_events`, as a [`CaseOutcome`].
/// The start is the closed-form λ = 0 minimiser W0, polished by the engine's own Newton on
/// its backend (`commands::run_trace_with` polishes with the dense Hessian first, which at
/// n = 64,000 asks for 8n² = 33 GB).
pub(crate) fn two_layer_trace(
    spec: &ModelSpec,
    solver: Solver,
    max_events: Option<usize>,
    opts: &ScaleOptions,
) -> Result<CaseOutcome> {
    let topts = TraceOptions {
        lambda_max: 1.0,
        max_seconds: Some(opts.max_seconds),
        max_events,
        progress: opts.progress,
        solver,
        ..Default::default()
    };
    let model = spec.build_for(solver)?;
    let w0 = crate::app::w0_closed_form(&model)?;
    let t = super::commands::trace_objective(&model, &topts, &|| Ok(w0.clone()))?;
    let mut r = super::commands::trace_report(&model, &spec.data.to_string(), 1.0, t.branch);
    r.solver = solver.resolve(model.n_params());
    r.rejected_events = t.rejected_events;
    r.resume = t.resume;
    let mut out = trace_outcome(&r, model.n_params())?;
    if !r.events.is_empty() {
        out.body["coefficients"] = event_coefficients(&model, &r.events, solver)?;
    }
    Ok(out)
}

/// Normal-form coefficients at each located event with the trace's solver (matrix-free: no
/// n × n matrix), AD against the paper's closed forms (25)–(26) and finite differences; an
/// event where they could not be computed records why instead.
fn event_coefficients(
    model: &crate::models::two_layer::TwoLayer,
    events: &[crate::continuation::Event],
    solver: Solver,
) -> Result<serde_json::Value> {
    use crate::models::two_layer::theory::directional::closed_form_coefficients;
    use crate::normal_form::{coefficients_with, CoefficientOptions};
    let closed = |t: ndarray::ArrayView1<f64>, l: f64, p: ndarray::ArrayView1<f64>| {
        closed_form_coefficients(model, t, l, p)
    };
    let opts = CoefficientOptions::default();
    let per_event = events
        .iter()
        .map(
            |e| match coefficients_with(model, e, Some(&closed), &opts, solver) {
                Ok(c) => serde_json::to_value(c),
                Err(err) => Ok(serde_json::json!({ "error": err.to_string() })),
            },
        )
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(serde_json::Value::Array(per_event))
}

/// A trace report as a [`CaseOutcome`] (status, points, the gradient-norm target).
pub(crate) fn trace_outcome<S: Serialize>(r: &TraceReport<S>, n: usize) -> Result<CaseOutcome> {
    let (status, status_detail) = status_parts(&r.status);
    let mut checks = BTreeMap::new();
    checks.insert(
        "grad_norm_le_1e-10".to_string(),
        r.max_grad_norm <= GRAD_NORM_TARGET && !r.points.is_empty(),
    );
    checks.insert(
        "events_have_kernel_and_theta".to_string(),
        r.events
            .iter()
            .all(|e| e.kernel.len() == n && e.theta.len() == n),
    );
    Ok(CaseOutcome {
        status,
        status_detail,
        solver: Some(r.solver),
        points: r.points.len(),
        n_params: n,
        checks,
        body: serde_json::to_value(r)?,
    })
}

fn run_case(case: Case, opts: &ScaleOptions) -> Result<CaseOutcome> {
    match case {
        Case::PaperM10000 => paper_m10000::run(opts),
        Case::DigitsM1000 => digits_m1000::run(opts),
        Case::MlpDigits => mlp_digits::run(opts),
        Case::WidthSweep => width_sweep::run(opts),
        Case::DiagramM10 => diagram::run_m10(opts),
        Case::DiagramDigitsM100 => diagram::run_digits_m100(opts),
    }
}

/// Runs one case with its measurements and writes `<out>/<case>.json`.
fn measured(case: Case, opts: &ScaleOptions) -> Result<CaseRecord> {
    let scoped = measure::reset_peak_rss();
    let load_start = measure::load_average();
    let start = Instant::now();
    let outcome = run_case(case, opts);
    let wall_s = start.elapsed().as_secs_f64();
    let load_average = [load_start, measure::load_average()];
    let peak_rss_mb = measure::peak_rss_mb();
    let o = outcome.unwrap_or_else(|e| CaseOutcome {
        status: "error".into(),
        status_detail: Some(e.to_string()),
        ..Default::default()
    });
    let mut checks = o.checks;
    checks.insert(
        "wall_s_le_budget".into(),
        wall_s <= opts.max_seconds && is_natural_end(&o.status),
    );
    if case == Case::PaperM10000 {
        checks.insert(
            "peak_rss_le_2gb".into(),
            peak_rss_mb.is_some_and(|p| p <= PEAK_RSS_TARGET_MB),
        );
    }
    let record = CaseRecord {
        case: case.name().into(),
        status: o.status,
        status_detail: o.status_detail,
        wall_s,
        peak_rss_mb,
        peak_rss_scope: if scoped { "case" } else { "process" }.into(),
        load_average,
        solver: o.solver,
        points: o.points,
        n_params: o.n_params,
        max_seconds: opts.max_seconds,
        checks,
        result: o.body,
    };
    let path = opts.out.join(format!("{}.json", case.name()));
    super::output::write_json_atomic(&path, &record)?;
    Ok(record)
}

/// `actbif scale`: runs the chosen cases (all by default), each to `<out>/<case>.json`, then
/// `<out>/summary.json`. Errors only on bad options or unwritable output; a failed case is a
/// record with status `error`.
pub fn run_scale(opts: &ScaleOptions) -> Result<ScaleSummary> {
    opts.validate()?;
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::Io {
        path: opts.out.clone(),
        source: e,
    })?;
    let cases = if opts.cases.is_empty() {
        Case::ALL.to_vec()
    } else {
        opts.cases.clone()
    };
    let mut rows = Vec::new();
    for case in cases {
        if opts.progress {
            eprintln!("scale: {} (budget {} s)", case.name(), opts.max_seconds);
        }
        let r = measured(case, opts)?;
        write_summary(&opts.out)?;
        if opts.progress {
            eprintln!(
                "scale: {} → {} in {:.1} s, peak {} MiB, {} points",
                r.case,
                r.status,
                r.wall_s,
                r.peak_rss_mb.map_or("?".into(), |p| format!("{p:.0}")),
                r.points
            );
        }
        rows.push(CaseSummaryRow {
            file: format!("{}.json", r.case),
            case: r.case,
            status: r.status,
            status_detail: r.status_detail,
            wall_s: r.wall_s,
            peak_rss_mb: r.peak_rss_mb,
            solver: r.solver,
            points: r.points,
            n_params: r.n_params,
            checks: r.checks,
        });
    }
    Ok(ScaleSummary { cases: rows })
}

/// Writes the summary from every `<case>.json` in the directory (cases run earlier, or by
/// another `actbif scale` process into the same directory, are kept), in [`Case::ALL`] order.
fn write_summary(dir: &Path) -> Result<()> {
    let mut rows = Vec::new();
    for case in Case::ALL {
        let file = format!("{}.json", case.name());
        let Some(mut v) = std::fs::read_to_string(dir.join(&file))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        if let Some(o) = v.as_object_mut() {
            o.remove("result");
            o.insert("file".into(), file.into());
        }
        rows.push(v);
    }
    super::output::write_json_atomic(
        &dir.join(SUMMARY_FILE),
        &serde_json::json!({ "cases": rows }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_round_trip_and_unknown_is_input_error() {
        for c in Case::ALL {
            assert_eq!(c.name().parse::<Case>().unwrap(), c);
        }
        let e = "paper_m1000".parse::<Case>().unwrap_err();
        assert!(super::super::commands::is_input_error(&e));
        assert!(e.to_string().contains("width_sweep"), "{e}");
    }

    #[test]
    fn status_parts_reads_the_json_names() {
        assert_eq!(
            status_parts(&Status::TimeBudgetExhausted),
            ("time_budget_exhausted".to_string(), None)
        );
        assert_eq!(
            status_parts(&Status::Stalled("x".into())),
            ("stalled".to_string(), Some("x".to_string()))
        );
    }
}

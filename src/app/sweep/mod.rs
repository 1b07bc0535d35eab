//! Parameter sweeps: each configuration (width, α, activation, data seed, solver) is traced
//! from its λ = 0 minimum and summarised in one [`SweepRow`]. Shared by `actbif sweep` (rayon,
//! in process; [`runner`]) and the Python package (one Dask task per configuration), so both
//! produce the same rows and the same per-configuration branch JSON.
//!
//! [`run_config`] never panics and never fails: a configuration that cannot be built or traced
//! is a row whose `error` says why.

pub mod grid;
pub mod runner;

pub use grid::Grid;
pub use runner::{finished_ids, run_sweep, SweepSummary, ROWS_FILE};

use super::tracing::{trace_branch_with, trace_report, TraceReport};
use crate::activation::Builtin;
use crate::continuation::{Method, Status};
use crate::data::{paper_output_weights, paper_teacher, PAPER_N, PAPER_SEED};
use crate::error::{Error, Result};
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use crate::normal_form::{coefficients_with, CoefficientOptions};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The sweep's solver names are the engine's (`auto`, `dense`, `matrix_free`).
pub use crate::continuation::Solver;

fn default_alpha() -> f64 {
    PAPER_ALPHA
}
fn default_activation() -> String {
    "tanh".into()
}
fn default_seed() -> u32 {
    PAPER_SEED
}
fn default_n() -> usize {
    PAPER_N
}
fn default_solver() -> String {
    "auto".into()
}
fn default_lambda_max() -> f64 {
    1.0
}

/// One configuration of a sweep: the paper's teacher model (d = 5, v_j = 0.5 + j/(m − 1))
/// with the given width, α, activation and data seed. Missing fields take the paper's values.
///
/// ```
/// use actbif::app::sweep::SweepConfig;
/// let c: SweepConfig = serde_json::from_str(r#"{"width": 10}"#).unwrap();
/// assert_eq!((c.alpha, c.activation.as_str(), c.data_seed), (4e-3, "tanh", 77));
/// assert_eq!(c.id(), "m10_a0.004_tanh_s77_n500_auto_l1");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// Width m.
    pub width: usize,
    /// Tikhonov α ≥ 0.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Activation name (tanh, erf, softplus, sigmoid).
    #[serde(default = "default_activation")]
    pub activation: String,
    /// Seed of the teacher data (numpy legacy stream; the paper's is 77).
    #[serde(default = "default_seed")]
    pub data_seed: u32,
    /// Number of samples N (the paper's is 500).
    #[serde(default = "default_n")]
    pub n_samples: usize,
    /// Solver name (`auto`, `dense`).
    #[serde(default = "default_solver")]
    pub solver: String,
    /// Upper end of the λ window.
    #[serde(default = "default_lambda_max")]
    pub lambda_max: f64,
}

impl SweepConfig {
    /// The paper's setting at width `width`.
    pub fn paper(width: usize) -> Self {
        SweepConfig {
            width,
            alpha: PAPER_ALPHA,
            activation: default_activation(),
            data_seed: PAPER_SEED,
            n_samples: PAPER_N,
            solver: default_solver(),
            lambda_max: default_lambda_max(),
        }
    }

    /// A file-name-safe identifier, unique per configuration (floats in shortest round-trip
    /// form).
    pub fn id(&self) -> String {
        let safe: String = self
            .activation
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        format!(
            "m{}_a{}_{}_s{}_n{}_{}_l{}",
            self.width,
            self.alpha,
            safe,
            self.data_seed,
            self.n_samples,
            self.solver,
            self.lambda_max
        )
    }

    /// Checks every field (no data generated).
    pub fn validate(&self) -> Result<(Builtin, Solver)> {
        if self.width == 0 {
            return Err(Error::param("width", "must be at least 1"));
        }
        if self.n_samples == 0 {
            return Err(Error::param("n_samples", "must be at least 1"));
        }
        crate::error::ensure_nonnegative("alpha", self.alpha)?;
        super::tracing::validate_lambda_max(self.lambda_max)?;
        let act = self.activation.parse::<Builtin>()?;
        let solver = self.solver.parse::<Solver>()?;
        Ok((act, solver))
    }

    /// Builds the validated model.
    pub fn build(&self) -> Result<TwoLayer> {
        let (act, _) = self.validate()?;
        TwoLayer::new(
            paper_teacher(self.data_seed, self.n_samples),
            paper_output_weights(self.width),
            self.alpha,
            act,
        )
    }

    /// The data description written into the branch JSON's `setting`.
    fn data_description(&self) -> String {
        format!("paper_teacher({}, {})", self.data_seed, self.n_samples)
    }
}

/// The result of one configuration (the sweep's schema, shared with the Python package).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// [`SweepConfig::id`].
    pub config_id: String,
    /// Width m.
    pub width: usize,
    /// α.
    pub alpha: f64,
    /// Activation name.
    pub activation: String,
    /// Data seed.
    pub data_seed: u32,
    /// Number of samples.
    pub n_samples: usize,
    /// Solver name.
    pub solver: String,
    /// λ window end.
    pub lambda_max: f64,
    /// Why the trace stopped (`reached_lambda_max`, `stalled`, ...), or `error`.
    pub status: String,
    /// The status's reason text, if it has one (e.g. why the trace stalled).
    pub status_detail: Option<String>,
    /// Number of located events.
    pub n_events: usize,
    /// Kind of the first event (`fold`, `branch_point`, ...), if any.
    pub first_event_kind: Option<String>,
    /// λ* of the first event.
    pub lambda_star: Option<f64>,
    /// Normal form of the first event (`fold`, `transcritical`, ...).
    pub classification: Option<String>,
    /// g_µ at the first event.
    pub g_mu: Option<f64>,
    /// g_aa = D³L\[φ³\] (AD) at the first event.
    pub g_aa: Option<f64>,
    /// Corrected g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\] at the first event.
    pub g_aaa: Option<f64>,
    /// Raw g_aaa = D⁴L\[φ⁴\] (the paper's (26)) at the first event.
    pub g_aaa_raw: Option<f64>,
    /// Wall-clock seconds for this configuration.
    pub seconds: f64,
    /// What went wrong, if anything: the configuration could not be built or traced, the
    /// trace did not reach the end of its λ window (status `stalled`, ...), or the
    /// coefficients failed. The row is complete up to that point.
    pub error: Option<String>,
}

impl SweepRow {
    fn empty(c: &SweepConfig) -> Self {
        SweepRow {
            config_id: c.id(),
            width: c.width,
            alpha: c.alpha,
            activation: c.activation.clone(),
            data_seed: c.data_seed,
            n_samples: c.n_samples,
            solver: c.solver.clone(),
            lambda_max: c.lambda_max,
            status: "error".into(),
            status_detail: None,
            n_events: 0,
            first_event_kind: None,
            lambda_star: None,
            classification: None,
            g_mu: None,
            g_aa: None,
            g_aaa: None,
            g_aaa_raw: None,
            seconds: 0.0,
            error: None,
        }
    }
}

/// The snake_case name of a JSON-tagged enum value (e.g. `"fold"`, `{"reason": "stalled"}`).
pub fn tag_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => m
            .get("reason")
            .and_then(|r| r.as_str())
            .unwrap_or("unknown")
            .to_string(),
        _ => "unknown".into(),
    }
}

fn status_detail(s: &Status) -> Option<String> {
    match s {
        Status::Stalled(d) | Status::BranchJump(d) => Some(d.clone()),
        _ => None,
    }
}

/// Fills `row` from a trace of `config`; returns the branch report.
fn trace_into(config: &SweepConfig, row: &mut SweepRow) -> Result<TraceReport> {
    let model = config.build()?;
    let (_, solver) = config.validate()?;
    let b = trace_branch_with(&model, Method::Exact, config.lambda_max, false, solver)?;
    row.status = tag_name(&b.status);
    row.status_detail = status_detail(&b.status);
    if !matches!(
        b.status,
        Status::ReachedLambdaMax | Status::ReachedLambdaMin
    ) {
        // As in Python, where such a trace raises ContinuationError: a failed configuration
        // (retried on resume), with its partial branch still written.
        let detail = row
            .status_detail
            .as_deref()
            .unwrap_or("the step budget was spent");
        row.error = Some(format!("continuation {}: {detail}", row.status));
    }
    row.n_events = b.events.len();
    if let Some(ev) = b.events.first() {
        row.first_event_kind = Some(tag_name(&ev.kind));
        row.lambda_star = Some(ev.lambda);
        match coefficients_with(&model, ev, None, &CoefficientOptions::default(), solver) {
            Ok(c) => {
                row.classification = Some(tag_name(&c.classification));
                row.g_mu = Some(c.g_mu);
                row.g_aa = Some(c.g_aa.ad);
                row.g_aaa = Some(c.g_aaa_reduced);
                row.g_aaa_raw = Some(c.g_aaa.ad);
            }
            Err(e) => row.error = Some(format!("coefficients at the first event: {e}")),
        }
    }
    let mut report = trace_report(&model, &config.data_description(), config.lambda_max, b);
    report.solver = solver.resolve(model.n_params());
    Ok(report)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs one configuration: its row and, unless it failed before tracing, its full branch
/// report (the JSON of `actbif trace`). Never panics: errors and panics become the row's
/// `error`.
pub fn run_config_with_branch(config: &SweepConfig) -> (SweepRow, Option<TraceReport>) {
    let start = Instant::now();
    let mut row = SweepRow::empty(config);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        trace_into(config, &mut row)
    }));
    let report = match outcome {
        Ok(Ok(r)) => Some(r),
        Ok(Err(e)) => {
            row.status = "error".into();
            row.error = Some(e.to_string());
            None
        }
        Err(p) => {
            row.status = "error".into();
            row.error = Some(format!("internal error (panic): {}", panic_message(&*p)));
            None
        }
    };
    row.seconds = start.elapsed().as_secs_f64();
    (row, report)
}

/// Runs one configuration and returns its row (see [`run_config_with_branch`]).
pub fn run_config(config: &SweepConfig) -> SweepRow {
    run_config_with_branch(config).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configurations_are_error_rows() {
        let mut bad_width = SweepConfig::paper(0);
        bad_width.n_samples = 20;
        let mut bad_act = SweepConfig::paper(2);
        bad_act.activation = "relu".into();
        let mut bad_alpha = SweepConfig::paper(2);
        bad_alpha.alpha = -1.0;
        let mut bad_solver = SweepConfig::paper(2);
        bad_solver.solver = "cholesky".into();
        for (c, word) in [
            (bad_width, "width"),
            (bad_act, "relu"),
            (bad_alpha, "alpha"),
            (bad_solver, "unknown solver"),
        ] {
            let (row, report) = run_config_with_branch(&c);
            assert_eq!(row.status, "error");
            let e = row.error.expect("an error row");
            assert!(e.contains(word), "{e} should name {word}");
            assert!(report.is_none());
        }
    }

    #[test]
    fn ids_differ_per_field() {
        let base = SweepConfig::paper(3);
        let mut others = vec![];
        for f in 0..6 {
            let mut c = base.clone();
            match f {
                0 => c.width = 4,
                1 => c.alpha = 1e-3,
                2 => c.activation = "erf".into(),
                3 => c.data_seed = 1,
                4 => c.n_samples = 100,
                _ => c.lambda_max = 0.5,
            }
            others.push(c.id());
        }
        others.push(base.id());
        let unique: std::collections::HashSet<_> = others.iter().collect();
        assert_eq!(unique.len(), others.len());
    }
}

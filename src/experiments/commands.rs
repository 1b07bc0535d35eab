//! The library side of the `actbif` subcommands: validated model specifications and the
//! `trace`, `coefficients`, `check-derivatives` and `bench-derivatives` computations. The
//! binary only parses arguments and prints.

use super::common::{event_at, paper_singular_point, start_point, HessianSource, Setting};
use crate::activation::Builtin;
use crate::continuation::{
    resample, trace, trace_paper, Branch, CancelFlag, ContinuationAlgorithm, ContinuationParams,
    Event, EventKind, GridPoint, JsonLines, Method, NaturalParameter, NoObserver, Observer,
    Observers, PaperParams, PaperStopping, Point, ProgressBar, PseudoArclength, RejectedEvent,
    ResumeState, Solver, Status, Trace,
};
use crate::data::{self, Dataset};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::models::two_layer::theory::directional::closed_form_coefficients;
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use crate::normal_form::{
    branch_check, coefficients, BranchCheck, CoefficientOptions, Coefficients,
};
use ndarray::{Array1, ArrayView1};
use serde::Serialize;
use std::path::PathBuf;
use std::str::FromStr;

/// Where the data come from.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum DataSource {
    /// The paper's teacher data (seed 77, N = 500, d = 5).
    #[default]
    Paper,
    /// The B.1 toy data (seed 42, N = 2000, d = 1).
    Toy,
    /// The shipped 8 × 8 handwritten digits ([`data::digits`], N = 1797, d = 64).
    Digits,
    /// A file read by [`data::load`] (.npy pair or CSV).
    File(PathBuf),
}

impl FromStr for DataSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "" => Err(Error::param(
                "data",
                "expected `paper`, `toy`, `digits` or a file path",
            )),
            "paper" => Ok(DataSource::Paper),
            "toy" => Ok(DataSource::Toy),
            "digits" => Ok(DataSource::Digits),
            path => Ok(DataSource::File(PathBuf::from(path))),
        }
    }
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataSource::Paper => f.write_str("paper_teacher(77, 500)"),
            DataSource::Toy => f.write_str("toy(42, 2000)"),
            DataSource::Digits => f.write_str("digits(1797, 64)"),
            DataSource::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

/// A model as the CLI describes it; defaults are the paper's Appendix B setting.
///
/// ```
/// use actbif::experiments::commands::{DataSource, ModelSpec};
/// let s = ModelSpec::default();
/// assert_eq!((s.width, s.alpha), (10, 4e-3));
/// assert_eq!(s.activation, actbif::activation::Builtin::Tanh);
/// assert_eq!(s.data, DataSource::Paper);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Width m (v_j = 0.5 + j/(m − 1)).
    pub width: usize,
    /// Tikhonov α.
    pub alpha: f64,
    /// Activation.
    pub activation: Builtin,
    /// Data.
    pub data: DataSource,
    /// Model family (`--model`).
    pub model: ModelKind,
    /// MLP widths d, n_1, …, 1 (`--layers`; `--model mlp` only).
    pub layers: Vec<usize>,
    /// MLP trained layer indices (`--trained`; `--model mlp` only).
    pub trained: Vec<usize>,
}

/// Model family of a [`ModelSpec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// [`TwoLayer`] (`--width`).
    #[default]
    TwoLayer,
    /// [`crate::models::mlp::Mlp`] (`--layers`, `--trained`).
    Mlp,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            width: 10,
            alpha: PAPER_ALPHA,
            activation: Builtin::Tanh,
            data: DataSource::Paper,
            model: ModelKind::TwoLayer,
            layers: Vec::new(),
            trained: vec![0],
        }
    }
}

impl ModelSpec {
    /// Checks the scalar parameters (before any data is generated or read).
    pub fn validate(&self) -> Result<()> {
        if self.model == ModelKind::Mlp && self.layers.is_empty() {
            return Err(Error::param(
                "layers",
                "--model mlp needs --layers, e.g. 64,128,1",
            ));
        }
        if self.model == ModelKind::TwoLayer && self.width == 0 {
            return Err(Error::param("width", "must be at least 1"));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::param(
                "alpha",
                format!("must be finite and ≥ 0, got {}", self.alpha),
            ));
        }
        Ok(())
    }

    /// Builds the validated model, after checking that the dense solver's memory estimate
    /// fits ([`super::memory::ensure_fits`]).
    pub fn build(&self) -> Result<TwoLayer> {
        self.build_for(Solver::Dense)
    }

    /// [`ModelSpec::build`] with the memory check of `solver` (resolved for this width).
    pub fn build_for(&self, solver: Solver) -> Result<TwoLayer> {
        self.validate()?;
        crate::linalg::fix_parallelism();
        if self.model == ModelKind::Mlp {
            return Err(Error::param(
                "model",
                "this command supports only --model two-layer",
            ));
        }
        let data = self.load_data()?;
        // Refuse a model too large for this machine before allocating it.
        match solver.resolve(self.width.saturating_mul(data.dim())) {
            Solver::MatrixFree => {
                super::memory::ensure_fits_matrix_free(self.width, data.dim(), data.n_samples())?
            }
            _ => super::memory::ensure_fits(self.width, data.dim(), data.n_samples())?,
        }
        TwoLayer::new(
            data,
            data::paper_output_weights(self.width),
            self.alpha,
            self.activation,
        )
    }

    /// The data set the spec names (files validated, with a warning for an ill-conditioned Σ).
    pub fn load_data(&self) -> Result<Dataset> {
        Ok(match &self.data {
            DataSource::Paper => data::paper_teacher(data::PAPER_SEED, data::PAPER_N),
            DataSource::Toy => data::toy(data::TOY_SEED, data::TOY_N),
            DataSource::Digits => data::digits()?,
            DataSource::File(p) => {
                if !p.exists() {
                    return Err(Error::Io {
                        path: p.clone(),
                        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                    });
                }
                let d = data::load(p)?;
                // A warning, not an error: an ill-conditioned Σ is legal but makes H0,α nearly
                // singular beyond the α floor.
                if let Some(w) = d.condition_warning() {
                    eprintln!("warning: {}: {w}", p.display());
                }
                d
            }
        })
    }

    /// The setting description of a built model.
    pub fn setting(&self, model: &TwoLayer) -> Setting {
        Setting::of(model, &self.data.to_string())
    }
}

/// Checks an upper λ bound.
pub fn validate_lambda_max(lambda_max: f64) -> Result<()> {
    if !(lambda_max.is_finite() && lambda_max > 0.0) {
        return Err(Error::param(
            "lambda-max",
            format!("must be finite and > 0, got {lambda_max}"),
        ));
    }
    Ok(())
}

/// Checks λ ∈ [0, λ_max].
pub fn validate_lambda(lambda: f64, lambda_max: f64) -> Result<()> {
    if !(lambda.is_finite() && (0.0..=lambda_max).contains(&lambda)) {
        return Err(Error::param(
            "lambda",
            format!("must lie in [0, {lambda_max}], got {lambda}"),
        ));
    }
    Ok(())
}

/// Output of `actbif trace` (the setting type differs by model family: [`Setting`] for the
/// two-layer model, `experiments::mlp::MlpSetting` for the MLP).
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport<S = Setting> {
    /// Model setting.
    pub setting: S,
    /// Method.
    pub method: Method,
    /// λ window end.
    pub lambda_max: f64,
    /// Points.
    pub points: Vec<Point>,
    /// Events.
    pub events: Vec<Event>,
    /// Largest ‖∇L‖.
    pub max_grad_norm: f64,
    /// Why the trace stopped.
    pub status: Status,
    /// The branch resampled on a uniform λ grid ([`GRID_POINTS`] points over [0, λ_max]) where
    /// it is a graph over λ (up to its first fold), for plotting.
    pub grid: Vec<GridPoint>,
    /// Detected singular points that are not events (kernel not one-dimensional, Morse index
    /// change inconsistent with the kind, or not located), with the reason.
    pub rejected_events: Vec<RejectedEvent>,
    /// What `--resume` needs to continue from the last point (exact method; null otherwise).
    pub resume: Option<ResumeState>,
    /// The linear-algebra backend used (`dense` or `matrix_free`; `auto` resolved).
    pub solver: Solver,
}

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: internal error (a computation failed).
pub const EXIT_INTERNAL: u8 = 1;
/// Exit code: bad input.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: interrupted, or a step or time budget was spent (the output is partial).
pub const EXIT_INCOMPLETE: u8 = 3;

/// The exit code of a finished trace with this status (the one place of that mapping).
pub fn status_exit_code(status: &Status) -> u8 {
    if status.is_incomplete() {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    }
}

/// The exit code of an error.
pub fn error_exit_code(e: &Error) -> u8 {
    if is_input_error(e) {
        EXIT_BAD_INPUT
    } else {
        EXIT_INTERNAL
    }
}

/// Options of `actbif trace` beyond the model.
#[derive(Clone, Debug, Default)]
pub struct TraceOptions {
    /// Continuation method.
    pub method: Method,
    /// Upper end of the λ window.
    pub lambda_max: f64,
    /// λ of the start point (Newton-polished there).
    pub lambda0: f64,
    /// θ of the start point (.npy or JSON array); default W0.
    pub start: Option<PathBuf>,
    /// A previous `trace` JSON output to continue from its last point.
    pub resume: Option<PathBuf>,
    /// Step budget (default 5000).
    pub max_steps: Option<usize>,
    /// Wall-clock budget in seconds.
    pub max_seconds: Option<f64>,
    /// Stop after this many events.
    pub max_events: Option<usize>,
    /// Stream points and events as JSON Lines here.
    pub checkpoint: Option<PathBuf>,
    /// Stops the trace when set (signal handlers).
    pub cancel: Option<CancelFlag>,
    /// Progress bar on stderr.
    pub progress: bool,
    /// Stopping rule of the paper method's minimiser (ignored by the exact method).
    pub paper_stopping: PaperStopping,
    /// Linear-algebra backend of the exact method (`--solver`; [`Solver::Dense`] by default
    /// in the library, `auto` on the command line).
    pub solver: Solver,
}

/// The checkpoint file written next to `out`: the extension replaced by `jsonl`.
pub fn checkpoint_path(out: &std::path::Path) -> PathBuf {
    out.with_extension("jsonl")
}

/// θ from a .npy file (1-D float64) or a JSON array of numbers.
pub fn load_theta(path: &std::path::Path) -> Result<ndarray::Array1<f64>> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let parse = |reason: String| Error::Parse {
        path: path.to_path_buf(),
        reason,
    };
    let theta = if path.extension().is_some_and(|e| e == "npy") {
        let f = std::fs::File::open(path).map_err(io)?;
        ndarray_npy::ReadNpyExt::read_npy(f).map_err(|e: ndarray_npy::ReadNpyError| {
            parse(format!("expected a 1-D float64 array: {e}"))
        })?
    } else {
        let text = std::fs::read_to_string(path).map_err(io)?;
        let v: Vec<f64> = serde_json::from_str(&text)
            .map_err(|e| parse(format!("expected a JSON array of numbers: {e}")))?;
        ndarray::Array1::from(v)
    };
    crate::error::ensure_finite("start θ", theta.iter())?;
    Ok(theta)
}

/// The parts of a previous `trace` output that `--resume` continues.
#[derive(serde::Deserialize)]
struct Saved {
    points: Vec<Point>,
    events: Vec<Event>,
    #[serde(default)]
    rejected_events: Vec<RejectedEvent>,
    resume: Option<ResumeState>,
}

fn read_saved(path: &std::path::Path) -> Result<Saved> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        reason: format!("not an `actbif trace` output: {e}"),
    })
}

/// Appends a resumed trace to the saved one (the resumed trace starts at the saved last point).
fn splice(saved: Saved, mut t: Trace) -> Trace {
    let mut points = saved.points;
    points.extend(t.branch.points.drain(..).skip(1));
    let mut events = saved.events;
    events.append(&mut t.branch.events);
    let mut rejected = saved.rejected_events;
    rejected.append(&mut t.rejected_events);
    t.branch.max_grad_norm = points.iter().map(|p| p.grad_norm).fold(0.0, f64::max);
    t.branch.points = points;
    t.branch.events = events;
    t.rejected_events = rejected;
    t
}

/// Adds the CLI's way out to the library's refusal of a non-isolated start.
fn explain_start(e: Error) -> Error {
    match e {
        Error::InvalidParameter { name, reason } if name == "start point" => Error::InvalidParameter {
            name,
            reason: format!(
                "{reason}. On the command line: use --alpha > 0, or give a start point at λ0 > 0                  with --start FILE --lambda0 X (FILE: .npy or JSON array of θ; Newton-polished at X)"
            ),
        },
        other => other,
    }
}

/// Points of the uniform λ grid in `actbif trace` output (the paper's Δλ = 1/400 on [0, 1]).
pub const GRID_POINTS: usize = 401;

/// The observers of a CLI trace: checkpoint stream, cancellation, progress bar.
fn run_observed(
    opts: &TraceOptions,
    window: &ContinuationParams,
    f: impl FnOnce(&mut dyn Observer) -> Result<Trace>,
) -> Result<Trace> {
    let mut jsonl = match &opts.checkpoint {
        Some(p) => Some(JsonLines::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| Error::Io {
                path: p.clone(),
                source: e,
            })?,
        ))),
        None => None,
    };
    let mut cancel = opts.cancel.clone();
    let mut bar = opts
        .progress
        .then(|| ProgressBar::new("trace", window.lambda_min, window.lambda_max));
    let mut list: Vec<&mut dyn Observer> = Vec::new();
    if let Some(o) = jsonl.as_mut() {
        list.push(o);
    }
    if let Some(o) = cancel.as_mut() {
        list.push(o);
    }
    if let Some(o) = bar.as_mut() {
        list.push(o);
    }
    if list.is_empty() {
        return f(&mut NoObserver);
    }
    f(&mut Observers(list))
}

/// The trace of `actbif trace` with all its options.
fn trace_with(model: &TwoLayer, opts: &TraceOptions) -> Result<Trace> {
    trace_objective(model, opts, &|| start_point(model))
}

/// [`trace_with`] for any objective: `default_start` gives the start θ at λ₀ when the
/// options name no `--start` file (budgets, checkpoints, signals and resume as for the
/// two-layer model).
pub(crate) fn trace_objective<O: Objective + ?Sized>(
    model: &O,
    opts: &TraceOptions,
    default_start: &dyn Fn() -> Result<Array1<f64>>,
) -> Result<Trace> {
    validate_lambda_max(opts.lambda_max)?;
    validate_lambda(opts.lambda0, opts.lambda_max).map_err(|_| {
        Error::param(
            "lambda0",
            format!("must lie in [0, {}], got {}", opts.lambda_max, opts.lambda0),
        )
    })?;
    let mut params = ContinuationParams {
        lambda_max: opts.lambda_max,
        max_seconds: opts.max_seconds,
        max_events: opts.max_events,
        solver: opts.solver,
        ..Default::default()
    };
    if let Some(k) = opts.max_steps {
        if k == 0 {
            return Err(Error::param("max-steps", "must be at least 1"));
        }
        params.max_steps = k;
    }
    if let Some(t) = opts.max_seconds {
        crate::error::ensure_positive("max-seconds", t)?;
    }
    if opts.max_events == Some(0) {
        return Err(Error::param("max-events", "must be at least 1"));
    }
    if let Some(path) = &opts.resume {
        if opts.method != Method::Exact {
            return Err(Error::param("resume", "needs --method exact"));
        }
        let saved = read_saved(path)?;
        let state = saved.resume.clone().ok_or_else(|| Error::Parse {
            path: path.clone(),
            reason: "no `resume` state (written by the exact method only)".into(),
        })?;
        let alg = PseudoArclength::new(params.clone());
        let t = run_observed(opts, &params, |o| alg.resume(model, &state, o))?;
        return Ok(splice(saved, t));
    }
    let theta0 = match &opts.start {
        Some(p) => load_theta(p)?,
        None => default_start()?,
    };
    let t = match opts.method {
        Method::Exact => {
            let alg = PseudoArclength::new(params.clone());
            run_observed(opts, &params, |o| {
                alg.run(model, theta0.view(), opts.lambda0, o)
            })
        }
        Method::Paper => {
            let alg = NaturalParameter {
                params: PaperParams {
                    lambda_max: opts.lambda_max,
                    stopping: opts.paper_stopping,
                    ..Default::default()
                },
            };
            run_observed(opts, &params, |o| {
                alg.run(model, theta0.view(), opts.lambda0, o)
            })
        }
    };
    t.map_err(explain_start)
}

pub(crate) fn trace_branch(
    model: &TwoLayer,
    method: Method,
    lambda_max: f64,
    progress: bool,
) -> Result<Branch> {
    trace_branch_with(model, method, lambda_max, progress, Solver::Dense)
}

/// [`trace_branch`] with the exact method's linear-algebra backend.
pub(crate) fn trace_branch_with(
    model: &TwoLayer,
    method: Method,
    lambda_max: f64,
    progress: bool,
    solver: Solver,
) -> Result<Branch> {
    validate_lambda_max(lambda_max)?;
    let theta0 = start_point(model)?;
    match method {
        Method::Exact => trace(
            model,
            theta0.view(),
            0.0,
            &ContinuationParams {
                lambda_max,
                progress,
                solver,
                ..Default::default()
            },
        ),
        Method::Paper => trace_paper(
            model,
            theta0.view(),
            &PaperParams {
                lambda_max,
                progress,
                ..Default::default()
            },
        ),
    }
}

/// `actbif trace`: the branch from W0 by the chosen method.
pub fn run_trace(
    spec: &ModelSpec,
    method: Method,
    lambda_max: f64,
    progress: bool,
) -> Result<TraceReport> {
    run_trace_with(
        spec,
        &TraceOptions {
            method,
            lambda_max,
            progress,
            ..Default::default()
        },
    )
}

/// `actbif trace` with start point, resume, budgets, checkpoint and cancellation.
pub fn run_trace_with(spec: &ModelSpec, opts: &TraceOptions) -> Result<TraceReport> {
    validate_lambda_max(opts.lambda_max)?;
    let model = spec.build_for(opts.solver)?;
    let t = trace_with(&model, opts)?;
    let mut report = trace_report(&model, &spec.data.to_string(), opts.lambda_max, t.branch);
    report.solver = opts.solver.resolve(model.n_params());
    report.rejected_events = t.rejected_events;
    report.resume = t.resume;
    Ok(report)
}

/// Packs a traced branch of `model` (data described by `data`) as the `trace` JSON report,
/// resampled on the [`GRID_POINTS`]-point grid over \[0, λ_max\]. Shared by `actbif trace`,
/// `actbif sweep` and the Python package, so that all three write the same JSON.
pub fn trace_report(model: &TwoLayer, data: &str, lambda_max: f64, b: Branch) -> TraceReport {
    TraceReport::from_branch(Setting::of(model, data), lambda_max, b)
}

impl<S> TraceReport<S> {
    /// A traced branch with its model `setting`, resampled on the [`GRID_POINTS`]-point grid
    /// over \[0, λ_max\] (dense solver, no rejected events or resume state: callers that have
    /// them set those fields). One packer for every model family.
    pub fn from_branch(setting: S, lambda_max: f64, b: Branch) -> Self {
        let grid = resample(&b, &super::common::linspace(0.0, lambda_max, GRID_POINTS));
        TraceReport {
            setting,
            method: b.method,
            lambda_max,
            points: b.points,
            events: b.events,
            max_grad_norm: b.max_grad_norm,
            status: b.status,
            grid,
            rejected_events: Vec::new(),
            resume: None,
            solver: Solver::Dense,
        }
    }
}

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
    #[serde(serialize_with = "super::common::ok_or_error")]
    pub branch_check: std::result::Result<BranchCheck, String>,
}

/// `actbif coefficients`: reduced coefficients at the `index`-th event of the branch (the
/// paper method's "event" is its grid point nearest the interpolated crossing, kernel from its
/// forward-difference Hessian).
pub fn run_coefficients(
    spec: &ModelSpec,
    method: Method,
    index: usize,
    progress: bool,
) -> Result<CoefficientsReport> {
    let model = spec.build()?;
    let b = trace_branch(&model, method, 1.0, progress)?;
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
            let p = &b.points[c.index_nearest];
            event_at(
                &model,
                p.theta.view(),
                p.lambda,
                EventKind::EigenvalueCrossing,
                HessianSource::PAPER,
                p.arclength,
            )?
        }
    };
    let closed_form =
        |t: ArrayView1<f64>, l: f64, p: ArrayView1<f64>| closed_form_coefficients(&model, t, l, p);
    let c = coefficients(
        &model,
        &event,
        Some(&closed_form),
        &CoefficientOptions::default(),
    )?;
    let check = branch_check(&c, &event, &b).map_err(|e| e.to_string());
    Ok(CoefficientsReport {
        setting: spec.setting(&model),
        method,
        event_index: index,
        event,
        coefficients: c,
        branch_check: check,
    })
}

/// `actbif check-derivatives`: structured derivatives vs generic AD, the paper's closed forms
/// and finite differences at a random point θ ~ N(0, 0.3²) with a random unit direction
/// (`experiments::check`); a text table, or JSON with `json`.
pub fn run_check_derivatives(
    spec: &ModelSpec,
    lambda: f64,
    seed: u64,
    json: bool,
) -> Result<String> {
    use crate::experiments::check::{check_derivatives, random_point, CheckOptions};
    if spec.model == ModelKind::Mlp {
        return super::mlp::check_report(spec, lambda, seed, json);
    }
    spec.validate()?;
    validate_lambda(lambda, 1.0)?;
    let model = spec.build()?;
    let (theta, u) = random_point(model.n_params(), seed);
    let c = check_derivatives(
        &model,
        theta.view(),
        lambda,
        u.view(),
        &CheckOptions::default(),
    )?;
    if json {
        return Ok(serde_json::to_string_pretty(&c)?);
    }
    let t = crate::experiments::check::error_table(&[
        ("generic AD", &c.ad_rel_err),
        ("closed form", &c.closed_form_rel_err),
        ("finite differences", &c.fd_rel_err),
    ])?;
    let mut out = format!(
        "derivative check: m = {}, n = {}, λ = {}, seed {seed}\nmax exact-vs-exact relative error: {}\n\n{}",
        c.width,
        c.dim,
        c.lambda,
        crate::report::fmt_sci(c.max_rel_err_exact, 3),
        t.to_text()
    );
    for s in &c.skipped {
        out.push_str(&format!("skipped: {s}\n"));
    }
    Ok(out)
}

/// Widths timed by `actbif bench-derivatives` without `--width`.
pub const BENCH_WIDTHS: [usize; 4] = [3, 10, 30, 100];

/// `actbif bench-derivatives`: median timings of structured, AD and FD derivatives
/// (`experiments::check::bench_derivatives`) as a text table.
pub fn run_bench_derivatives(width: Option<usize>) -> Result<String> {
    use crate::experiments::check::{bench_derivatives, BenchOptions};
    let widths: Vec<usize> = match width {
        Some(0) => return Err(Error::param("width", "must be at least 1")),
        Some(m) => vec![m],
        None => BENCH_WIDTHS.to_vec(),
    };
    crate::linalg::fix_parallelism();
    for &m in &widths {
        super::memory::ensure_fits(m, data::PAPER_D, data::PAPER_N)?;
    }
    let rows = bench_derivatives(&widths, &BenchOptions::default())?;
    let mut t = crate::report::Table::new([
        "m",
        "n",
        "quantity",
        "method",
        "seconds",
        "rel. error",
        "note",
    ]);
    for r in rows {
        t.push_row([
            r.width.to_string(),
            r.dim.to_string(),
            r.quantity,
            r.method,
            crate::report::fmt_sci(r.seconds, 3),
            r.rel_err
                .map(|e| crate::report::fmt_sci(e, 2))
                .unwrap_or_else(|| "—".into()),
            r.note,
        ])?;
    }
    Ok(t.to_text())
}

/// `actbif sweep`: runs the grid file's unfinished configurations into `out` (see
/// [`super::sweep::run_sweep`]), one stderr line per configuration and a summary. Ok(false)
/// when some configuration failed (its row says why).
pub fn run_sweep_command(grid: &std::path::Path, out: &std::path::Path) -> Result<bool> {
    use super::sweep::{grid::load_configs, run_sweep, ROWS_FILE};
    let configs = load_configs(grid)?;
    let s = run_sweep(&configs, out, &|r| {
        let what = match (&r.error, &r.first_event_kind, r.lambda_star) {
            (Some(e), _, _) => format!("error: {e}"),
            (None, Some(k), Some(l)) => format!("{}, first event {k} at λ* = {l:.6}", r.status),
            _ => format!("{}, no event", r.status),
        };
        eprintln!("{} ({:.1} s): {what}", r.config_id, r.seconds);
    })?;
    eprintln!(
        "{} configuration(s): {} run, {} already finished, {} failed; rows in {}",
        s.rows.len(),
        s.ran,
        s.skipped,
        s.failed,
        out.join(ROWS_FILE).display()
    );
    Ok(s.failed == 0)
}

/// Whether an error comes from bad user input (exit code 2) rather than a failed computation.
pub fn is_input_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidParameter { .. }
            | Error::Shape { .. }
            | Error::NonFinite { .. }
            | Error::DataOutOfRange { .. }
            | Error::BadActivation { .. }
            | Error::UnknownActivation(_)
            | Error::Io { .. }
            | Error::Parse { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_validation_names_the_parameter() {
        let bad_w = ModelSpec {
            width: 0,
            ..Default::default()
        };
        assert!(bad_w.validate().unwrap_err().to_string().contains("width"));
        for a in [-1e-3, f64::NAN, f64::INFINITY] {
            let s = ModelSpec {
                alpha: a,
                ..Default::default()
            };
            assert!(s.validate().unwrap_err().to_string().contains("alpha"));
        }
        assert!(ModelSpec::default().validate().is_ok());
    }

    #[test]
    fn lambda_checks() {
        assert!(validate_lambda(0.0, 1.0).is_ok());
        assert!(validate_lambda(1.0, 1.0).is_ok());
        assert!(validate_lambda(1.5, 1.0).is_err());
        assert!(validate_lambda(-0.1, 1.0).is_err());
        assert!(validate_lambda(f64::NAN, 1.0).is_err());
        assert!(validate_lambda_max(0.0).is_err());
        assert!(validate_lambda_max(2.0).is_ok());
    }

    #[test]
    fn data_source_parses() {
        assert_eq!("paper".parse::<DataSource>().unwrap(), DataSource::Paper);
        assert_eq!("toy".parse::<DataSource>().unwrap(), DataSource::Toy);
        assert_eq!(
            "x.csv".parse::<DataSource>().unwrap(),
            DataSource::File(PathBuf::from("x.csv"))
        );
        assert!("".parse::<DataSource>().is_err());
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let s = ModelSpec {
            data: DataSource::File(PathBuf::from("/nonexistent/actbif.csv")),
            ..Default::default()
        };
        let e = s.build().unwrap_err();
        assert!(is_input_error(&e));
        assert!(e.to_string().contains("/nonexistent/actbif.csv"));
    }
}

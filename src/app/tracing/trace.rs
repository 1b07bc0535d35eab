//! `actbif trace`: its options, the start point, the observers and the runner (exact or
//! paper method, with budgets, checkpoints, cancellation and resume).

use super::report::{trace_report, TraceReport};
use super::resume::{read_saved, splice};
use super::spec::{validate_lambda, validate_lambda_max, ModelSpec};
use crate::app::start_point;
use crate::continuation::{
    trace, trace_paper, Branch, CancelFlag, ContinuationAlgorithm, ContinuationParams, JsonLines,
    Method, NaturalParameter, NoObserver, Observer, Observers, PaperParams, PaperStopping,
    ProgressBar, PseudoArclength, Solver, Trace,
};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::models::two_layer::TwoLayer;
use ndarray::{Array1, ArrayView1};
use std::path::PathBuf;

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
    trace_from(model, theta0.view(), method, lambda_max, progress, solver)
}

/// The branch from a critical point `theta0` at λ = 0 by `method` (the exact method with
/// `solver`); shared by the two-layer and the MLP commands.
pub(crate) fn trace_from<O: Objective + ?Sized>(
    model: &O,
    theta0: ArrayView1<f64>,
    method: Method,
    lambda_max: f64,
    progress: bool,
    solver: Solver,
) -> Result<Branch> {
    match method {
        Method::Exact => trace(
            model,
            theta0,
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
            theta0,
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

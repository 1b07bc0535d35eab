//! The library side of the `actbif` subcommands: validated model specifications and the
//! `trace`, `coefficients`, `check-derivatives` and `bench-derivatives` computations. The
//! binary only parses arguments and prints.

use super::common::{event_at, paper_singular_point, start_point, HessianSource, Setting};
use crate::activation::Builtin;
use crate::continuation::{
    resample, trace, trace_paper, Branch, ContinuationParams, Event, EventKind, GridPoint, Method,
    PaperParams, Point, Status,
};
use crate::data::{self, Dataset};
use crate::error::{Error, Result};
use crate::model::{TwoLayer, PAPER_ALPHA};
use crate::normal_form::{
    branch_check, coefficients, BranchCheck, CoefficientOptions, Coefficients,
};
use crate::theory::directional::closed_form_coefficients;
use ndarray::ArrayView1;
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

    /// Builds the validated model.
    pub fn build(&self) -> Result<TwoLayer> {
        self.validate()?;
        if self.model == ModelKind::Mlp {
            return Err(Error::param(
                "model",
                "this command supports only --model two-layer",
            ));
        }
        TwoLayer::new(
            self.load_data()?,
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

/// Output of `actbif trace`.
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    /// Model setting.
    pub setting: Setting,
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
}

/// Points of the uniform λ grid in `actbif trace` output (the paper's Δλ = 1/400 on [0, 1]).
pub const GRID_POINTS: usize = 401;

fn trace_branch(
    model: &TwoLayer,
    method: Method,
    lambda_max: f64,
    progress: bool,
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
    validate_lambda_max(lambda_max)?;
    let model = spec.build()?;
    let b = trace_branch(&model, method, lambda_max, progress)?;
    let grid = resample(&b, &super::common::linspace(0.0, lambda_max, GRID_POINTS));
    Ok(TraceReport {
        setting: spec.setting(&model),
        method,
        lambda_max,
        points: b.points,
        events: b.events,
        max_grad_norm: b.max_grad_norm,
        status: b.status,
        grid,
    })
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
/// (`derivatives::check`); a text table, or JSON with `json`.
pub fn run_check_derivatives(
    spec: &ModelSpec,
    lambda: f64,
    seed: u64,
    json: bool,
) -> Result<String> {
    use crate::derivatives::check::{check_derivatives, random_point, CheckOptions};
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
    let mut t = crate::report::Table::new(["quantity", "compared with", "relative error"]);
    for (what, map) in [
        ("generic AD", &c.ad_rel_err),
        ("closed form", &c.closed_form_rel_err),
        ("finite differences", &c.fd_rel_err),
    ] {
        for (q, e) in map {
            t.push_row([q.clone(), what.to_string(), crate::report::fmt_sci(*e, 3)])?;
        }
    }
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
/// (`derivatives::check::bench_derivatives`) as a text table.
pub fn run_bench_derivatives(width: Option<usize>) -> Result<String> {
    use crate::derivatives::check::{bench_derivatives, BenchOptions};
    let widths: Vec<usize> = match width {
        Some(0) => return Err(Error::param("width", "must be at least 1")),
        Some(m) => vec![m],
        None => BENCH_WIDTHS.to_vec(),
    };
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

/// Whether an error comes from bad user input (exit code 2) rather than a failed computation.
pub fn is_input_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidParameter { .. }
            | Error::Shape { .. }
            | Error::NonFinite { .. }
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

//! `actbif diagram`: the model a command describes, its held-out data, output weights, user
//! points and symmetry, handed to [`crate::diagram::diagram`]; JSON and figures out.

use super::spec::ModelSpec;
use crate::activation::Activation;
use crate::app::start_point;
use crate::data::{self, Dataset};
use crate::diagram::build::{diagram_with, DiagramInput};
use crate::diagram::checkpoint::ResumeFrom;
use crate::diagram::symmetry::UnitPermutations;
use crate::diagram::{Diagram, DiagramOptions, NoSymmetry, Orbits};
use crate::error::{Error, Result};
use crate::models::two_layer::TwoLayer;
use ndarray::{Array1, Axis};
use std::path::PathBuf;

/// Output weights v of the two-layer model (`--output-weights`).
#[derive(Clone, Debug, PartialEq)]
pub enum OutputWeights {
    /// Given on the command line.
    Values(Vec<f64>),
    /// A 1-D .npy file.
    File(PathBuf),
}

impl std::str::FromStr for OutputWeights {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.ends_with(".npy") {
            return Ok(OutputWeights::File(PathBuf::from(s)));
        }
        let v: std::result::Result<Vec<f64>, _> = s.split(',').map(|x| x.trim().parse()).collect();
        v.map(OutputWeights::Values).map_err(|_| {
            Error::param(
                "output-weights",
                format!("expected v1,v2,… or a .npy file, got `{s}`"),
            )
        })
    }
}

impl OutputWeights {
    /// The weights, checked against the width.
    pub fn resolve(&self, width: usize) -> Result<Array1<f64>> {
        let v = match self {
            OutputWeights::Values(v) => Array1::from(v.clone()),
            OutputWeights::File(p) => {
                let a = crate::io::read_npy(p)?;
                let n = a.len();
                a.into_shape_with_order(n)
                    .map_err(|_| Error::param("output-weights", "the .npy file must be 1-D"))?
            }
        };
        if v.len() != width {
            return Err(Error::shape("output weights (--width)", width, v.len()));
        }
        crate::error::ensure_finite("output weights", v.iter())?;
        Ok(v)
    }
}

/// Everything `actbif diagram` needs.
#[derive(Clone, Debug)]
pub struct DiagramCommand {
    /// The model (two-layer).
    pub spec: ModelSpec,
    /// v (default: the paper's v_j = 0.5 + j/(m − 1)).
    pub output_weights: Option<OutputWeights>,
    /// Fraction of the data held out for `test_loss`.
    pub test_fraction: Option<f64>,
    /// User points: a .npy file, 1-D (one θ) or 2-D (one θ per row).
    pub points: Option<PathBuf>,
    /// The diagram's options.
    pub opts: DiagramOptions,
    /// Where the JSON goes (written atomically after each branch and phase: a checkpoint).
    pub out: Option<PathBuf>,
    /// Where the figures go.
    pub figures: Option<PathBuf>,
    /// Train the output weights too (`--train-output`): the λ = 0 minimisers form a sphere.
    pub train_output: bool,
}

/// Splits off the last ⌈f·N⌉ samples as held-out data (the generators draw i.i.d. samples).
pub fn split_data(d: &Dataset, f: f64) -> Result<(Dataset, Dataset)> {
    let n = d.n_samples();
    let k = (f * n as f64).ceil() as usize;
    if !(f > 0.0 && f < 1.0) || k == 0 || k >= n {
        return Err(Error::param(
            "test-fraction",
            format!("must leave samples on both sides of the split, in (0, 1); got {f} of N = {n}"),
        ));
    }
    let part = |r: std::ops::Range<usize>| {
        Dataset::new(
            d.x.slice(ndarray::s![r.clone(), ..]).to_owned(),
            d.y.slice(ndarray::s![r]).to_owned(),
        )
    };
    Ok((part(0..n - k)?, part(n - k..n)?))
}

/// The command's data, split into training and held-out parts with `--test-fraction`.
pub fn train_test(cmd: &DiagramCommand) -> Result<(Dataset, Option<Dataset>)> {
    let all = cmd.spec.load_data()?;
    match cmd.test_fraction {
        Some(f) => {
            let (a, b) = split_data(&all, f)?;
            Ok((a, Some(b)))
        }
        None => Ok((all, None)),
    }
}

/// The user's points as rows of length n.
pub fn load_points(path: &std::path::Path, n: usize) -> Result<Vec<Array1<f64>>> {
    let a = crate::io::read_npy(path)?;
    let rows = match a.ndim() {
        1 => vec![a.iter().copied().collect::<Array1<f64>>()],
        2 => a
            .axis_iter(Axis(0))
            .map(|r| r.iter().copied().collect())
            .collect(),
        k => {
            return Err(Error::param(
                "points",
                format!("{}: expected a 1-D or 2-D array, got {k}-D", path.display()),
            ))
        }
    };
    for r in &rows {
        if r.len() != n {
            return Err(Error::shape("user point (--points)", n, r.len()));
        }
        crate::error::ensure_finite("user point", r.iter())?;
    }
    Ok(rows)
}

/// The model's symmetry (orbits of critical points): the unit permutations its output weights
/// and activation allow, or none when every orbit member is to be followed on its own.
fn symmetry_of<A: Activation>(model: &TwoLayer<A>, all_members: bool) -> Box<dyn Orbits> {
    if all_members {
        Box::new(NoSymmetry)
    } else {
        Box::new(UnitPermutations::of(model))
    }
}

/// Runs the diagram command; writes `out` (and figures) and returns the diagram.
/// Unlike the CLI ([`crate::app::commands::run_diagram_resuming`]), writes no resume state.
pub fn run_diagram(cmd: &DiagramCommand) -> Result<Diagram> {
    run_diagram_with(cmd, ResumeFrom::default())
}

/// [`run_diagram`] on the clock, fingerprint and checkpoint of `from`.
pub(super) fn run_diagram_with(cmd: &DiagramCommand, from: ResumeFrom) -> Result<Diagram> {
    cmd.spec.validate()?;
    if cmd.train_output && cmd.spec.model == super::spec::ModelKind::TwoLayer {
        return super::diagram_trained::run_trained_diagram(cmd, from);
    }
    if cmd.spec.model == super::spec::ModelKind::Mlp {
        return super::diagram_mlp::run_mlp_diagram(cmd, from);
    }
    let (train, test) = train_test(cmd)?;
    let v = match &cmd.output_weights {
        Some(w) => w.resolve(cmd.spec.width)?,
        None => data::paper_output_weights(cmd.spec.width),
    };
    let model = TwoLayer::new(train, v.clone(), cmd.spec.alpha, cmd.spec.activation)?;
    cmd.opts.validate(model.n_params())?;
    let test_model = test
        .map(|t| TwoLayer::new(t, v, 0.0, cmd.spec.activation))
        .transpose()?;
    let test_fn = test_model
        .as_ref()
        .map(|m| move |th: ndarray::ArrayView1<f64>, l: f64| crate::Objective::value(m, th, l));
    let user_points = match &cmd.points {
        Some(p) => load_points(p, model.n_params())?,
        None => Vec::new(),
    };
    let mut start = start_point(&model)?;
    if cmd.opts.lambda_min != 0.0 {
        start = crate::continuation::newton_critical_point(
            &model,
            start.view(),
            cmd.opts.lambda_min,
            cmd.opts.newton_tol,
        )?;
    }
    let orbits = symmetry_of(&model, cmd.opts.all_orbit_members);
    let input = DiagramInput {
        obj: &model,
        start: Some(start),
        user_points,
        orbits: orbits.as_ref(),
        test: test_fn.as_ref().map(|f| f as _),
        init_scale: 1.0 / (model.input_dim() as f64).sqrt(),
    };
    let out = cmd.out.clone();
    let mut checkpoint = |d: &Diagram| match &out {
        Some(p) => crate::io::write_json_atomic(p, d),
        None => Ok(()),
    };
    let starts = input.start.as_slice();
    let d = diagram_with(&input, starts, &cmd.opts, from, &mut checkpoint)?;
    if let Some(dir) = &cmd.figures {
        crate::diagram::figure::write_figures(&d, dir)?;
    }
    Ok(d)
}

//! `TwoLayer.diagram`: the whole bifurcation diagram of the model, returned as an
//! `actbif.Diagram` (the pure-Python wrapper of the diagram's JSON, with `.branches` and
//! `.census(lam)` as a pandas DataFrame); with `train_output=True` the diagram of both layers
//! trained, from the λ = 0 sphere (`.start_manifold`, `.selected_orbits`).

use crate::convert::f64_array;
use crate::diagram_checkpoint::{fingerprint, start, Start};
use crate::errors::{to_py, value_error};
use crate::net::Net;
use actbif::app::commands::{trained_diagram, TrainedOutputs};
use actbif::app::start_point;
use actbif::data::Dataset;
use actbif::diagram::build::{diagram_with, DiagramInput};
use actbif::diagram::symmetry::UnitPermutations;
use actbif::diagram::{DiagramOptions, NoSymmetry, Orbits};
use actbif::models::two_layer::TwoLayer;
use actbif::models::two_layer_trained::TwoLayerTrained;
use ndarray::Array1;
use numpy::{Ix1, Ix2};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Held-out data and user points from Python, checked against the model.
pub struct DiagramData {
    /// (x, y) held out: census points then carry `test_loss`.
    pub test: Option<Dataset>,
    /// User points, one θ per row.
    pub points: Vec<Array1<f64>>,
}

/// Reads `test_x`, `test_y` and `points` (1-D or 2-D, rows of `n` entries) into Rust arrays.
pub fn diagram_data(
    n: usize,
    test_x: Option<&Bound<'_, PyAny>>,
    test_y: Option<&Bound<'_, PyAny>>,
    points: Option<&Bound<'_, PyAny>>,
) -> PyResult<DiagramData> {
    let test = match (test_x, test_y) {
        (Some(x), Some(y)) => {
            let x = f64_array::<Ix2>(x, "test_x")?.as_array().to_owned();
            let y = f64_array::<Ix1>(y, "test_y")?.as_array().to_owned();
            Some(Dataset::new(x, y).map_err(to_py)?)
        }
        (None, None) => None,
        _ => return Err(value_error("give both test_x and test_y, or neither")),
    };
    let points = match points {
        None => Vec::new(),
        Some(p) => match f64_array::<Ix2>(p, "points") {
            Ok(a) => a
                .as_array()
                .rows()
                .into_iter()
                .map(|r| r.to_owned())
                .collect(),
            Err(_) => vec![f64_array::<Ix1>(p, "points")?.as_array().to_owned()],
        },
    };
    for p in &points {
        if p.len() != n {
            return Err(to_py(actbif::Error::shape(
                "user point (points)",
                n,
                p.len(),
            )));
        }
    }
    Ok(DiagramData { test, points })
}

/// The diagram of `net` (GIL released) as an `actbif.Diagram`, checkpointed to
/// `checkpoint` when given (see `diagram_checkpoint`).
pub fn run<'py>(
    py: Python<'py>,
    net: &Net,
    data: DiagramData,
    opts: DiagramOptions,
    checkpoint: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let json = match net {
        Net::Fixed(model) => {
            let model = model.clone();
            py.detach(move || diagram_json(model, data, opts, checkpoint.as_deref()))
        }
        Net::Trained(_) if checkpoint.is_some() => {
            return Err(value_error(
                "checkpoint is not supported with train_output=True (use `actbif diagram \
                 --train-output --out FILE` and `--resume FILE`)",
            ));
        }
        Net::Trained(obj) => {
            if !data.points.is_empty() {
                return Err(value_error(
                    "points are not supported with train_output=True: the branches start at \
                     the points of the λ = 0 sphere that F = ∂λL selects",
                ));
            }
            let obj = obj.clone();
            py.detach(move || trained_json(&obj.0, data.test, &opts))
        }
    }
    .map_err(to_py)?;
    py.import("actbif._diagram")?
        .getattr("Diagram")?
        .call1((json,))
}

/// The both-layers-trained diagram (`actbif diagram --train-output`) as JSON.
fn trained_json(
    model: &TwoLayerTrained,
    test: Option<Dataset>,
    opts: &DiagramOptions,
) -> actbif::Result<String> {
    let d = trained_diagram(model, test, opts, TrainedOutputs::default())?;
    Ok(serde_json::to_string(&d)?)
}

/// Runs the diagram (GIL released by the caller) and returns its JSON; with `checkpoint`,
/// written there after every branch and continued from it (see `diagram_checkpoint`).
pub fn diagram_json(
    model: Arc<TwoLayer>,
    data: DiagramData,
    opts: DiagramOptions,
    checkpoint: Option<&Path>,
) -> actbif::Result<String> {
    opts.validate(model.n_params())?;
    let now = fingerprint(&model, data.test.as_ref(), &data.points, &opts);
    let from = match start(checkpoint, now)? {
        Start::Done(d) => return Ok(serde_json::to_string(&d)?),
        Start::Run(from) => *from,
    };
    let test_model = data
        .test
        .map(|t| TwoLayer::new(t, model.output_weights().clone(), 0.0, *model.activation()))
        .transpose()?;
    let test_fn = test_model
        .as_ref()
        .map(|m| move |th: ndarray::ArrayView1<f64>, l: f64| actbif::Objective::value(m, th, l));
    let mut start = start_point(&*model)?;
    if opts.lambda_min != 0.0 {
        start = actbif::continuation::newton_critical_point(
            &*model,
            start.view(),
            opts.lambda_min,
            opts.newton_tol,
        )?;
    }
    let orbits: Box<dyn Orbits> = if opts.all_orbit_members {
        Box::new(NoSymmetry)
    } else {
        Box::new(UnitPermutations::of(&*model))
    };
    let input = DiagramInput {
        obj: &*model,
        start: Some(start),
        user_points: data.points,
        orbits: orbits.as_ref(),
        test: test_fn.as_ref().map(|f| f as _),
        init_scale: 1.0 / (model.input_dim() as f64).sqrt(),
    };
    let mut save = |d: &actbif::diagram::Diagram| match checkpoint {
        Some(p) => actbif::io::write_json_atomic(p, d),
        None => Ok(()),
    };
    let d = diagram_with(&input, input.start.as_slice(), &opts, from, &mut save)?;
    Ok(serde_json::to_string(&d)?)
}

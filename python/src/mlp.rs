//! `actbif.Mlp`: a fully connected network [d, n_1, …, 1] with the homotopy at every hidden
//! layer, a chosen set of trained layers, its exact derivatives (reverse mode + dual numbers)
//! and its critical branch.

use crate::branch::{BranchModel, PyBranch};
use crate::convert::{f64_array, finite_lambda, vector};
use crate::errors::{to_py, value_error};
use crate::interrupt::{run_interruptible, CancelFlag};
use crate::methods::{model_pymethods, HasObjective};
use crate::model::{parse_activation, PYTHON_DATA};
use crate::tracing::{finish, trace_params, TraceArgs};
use actbif::app::START_TOL;
use actbif::continuation::{newton_critical_point, trace_observed, Branch, ContinuationParams};
use actbif::data::Dataset;
use actbif::models::mlp::{Mlp, MlpSpec, Trained};
use actbif::models::two_layer::PAPER_ALPHA;
use actbif::Objective;
use numpy::ndarray::{Array1, Array2};
use numpy::prelude::*;
use numpy::{Ix1, Ix2, PyArray1, PyArray2};
use pyo3::prelude::*;
use std::sync::Arc;

/// The MLP with MSE loss and Tikhonov regularisation on its trained layers.
#[pyclass(name = "Mlp", module = "actbif", frozen)]
pub struct PyMlp {
    pub(crate) model: Arc<Mlp>,
}

impl HasObjective for PyMlp {
    fn objective(&self) -> &dyn Objective {
        &*self.model
    }
}

/// Non-negative Python ints as widths / layer indices (the model validates the rest).
fn counts(values: Vec<i64>, name: &str) -> PyResult<Vec<usize>> {
    values
        .into_iter()
        .map(|v| {
            usize::try_from(v)
                .map_err(|_| value_error(format!("{name} must be non-negative integers, got {v}")))
        })
        .collect()
}

/// `trained`: a list of layer indices or the string "all" (default [0]).
fn trained_layers(trained: Option<&Bound<'_, PyAny>>, depth: usize) -> PyResult<Vec<usize>> {
    let Some(t) = trained else {
        return Ok(vec![0]);
    };
    if let Ok(s) = t.extract::<String>() {
        let parsed: Trained = s.parse().map_err(to_py)?;
        if parsed != Trained::All {
            return Err(value_error(format!(
                "trained must be \"all\" or a list of layer indices, got {s:?}"
            )));
        }
        return Ok(parsed.resolve(depth));
    }
    counts(t.extract::<Vec<i64>>()?, "trained")
}

/// The user's weight matrices, one per layer (float64, finite; shapes checked by the model).
fn weight_list(ws: &[Bound<'_, PyAny>]) -> PyResult<Vec<Array2<f64>>> {
    ws.iter()
        .enumerate()
        .map(|(l, w)| {
            Ok(f64_array::<Ix2>(w, &format!("weights[{l}]"))?
                .as_array()
                .to_owned())
        })
        .collect()
}

/// The start θ on the branch: the λ = 0 ridge minimum (one trained layer), or the user's
/// point at λ₀, Newton-polished in both cases.
fn start(model: &Mlp, theta0: Option<Array1<f64>>, lambda0: f64) -> actbif::Result<Array1<f64>> {
    let guess = match theta0 {
        Some(t) => t,
        None => model.lambda0_start()?,
    };
    newton_critical_point(model, guess.view(), lambda0, START_TOL)
}

fn trace_job(
    model: &Mlp,
    theta0: Option<Array1<f64>>,
    lambda0: f64,
    params: &ContinuationParams,
    cancel: CancelFlag,
) -> actbif::Result<Branch> {
    let theta = start(model, theta0, lambda0)?;
    let mut observer = actbif::continuation::CancelFlag(cancel);
    trace_observed(model, theta.view(), lambda0, params, &mut observer)
}

model_pymethods!(PyMlp {
    /// Mlp(x, y, layers, trained=(0,), alpha=4e-3, activation="tanh", weights=None)
    ///
    /// layers: widths [d, n_1, …, 1]; trained: indices l of the trained weight matrices W_l,
    /// or "all" (W_l is n_{l+1} × n_l; θ stacks the trained ones row-major, in ascending l). weights:
    /// all L matrices (the trained ones only give a default point); default: the output layer is
    /// v_j = 0.5 + j/(n − 1) as in the paper, hidden layers N(0, 1/n_l) from a fixed seed.
    /// With one trained layer the λ = 0 minimum is unique and `trace` starts there; with
    /// several, pass `theta0` (and λ₀ > 0) to `trace`.
    #[new]
    #[pyo3(signature = (x, y, layers, trained = None, alpha = PAPER_ALPHA, activation = "tanh", weights = None))]
    fn new(
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        layers: Vec<i64>,
        trained: Option<&Bound<'_, PyAny>>,
        alpha: f64,
        activation: &str,
        weights: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Self> {
        let layers = counts(layers, "layers")?;
        let depth = layers.len().saturating_sub(1);
        let spec = MlpSpec {
            trained: trained_layers(trained, depth)?,
            layers,
        };
        let act = parse_activation(activation)?;
        let xa = f64_array::<Ix2>(x, "x")?;
        let ya = f64_array::<Ix1>(y, "y")?;
        let data =
            Dataset::new(xa.as_array().to_owned(), ya.as_array().to_owned()).map_err(to_py)?;
        let model = match weights {
            None => Mlp::with_default_weights(data, &spec, alpha, act),
            Some(ws) => Mlp::new(data, &spec, weight_list(&ws)?, alpha, act),
        }
        .map_err(to_py)?;
        Ok(PyMlp {
            model: Arc::new(model),
        })
    }

    /// Widths [d, n_1, …, 1].
    #[getter]
    fn layers(&self) -> Vec<usize> {
        self.model.layers().to_vec()
    }
    /// Trained layer indices, ascending.
    #[getter]
    fn trained(&self) -> Vec<usize> {
        self.model.trained().to_vec()
    }
    /// Number of trained parameters n.
    #[getter]
    fn n_params(&self) -> usize {
        self.model.n_params()
    }
    /// Tikhonov α.
    #[getter]
    fn alpha(&self) -> f64 {
        self.model.alpha()
    }
    /// Activation name.
    #[getter]
    fn activation(&self) -> String {
        use actbif::activation::Activation;
        self.model.activation().name()
    }
    /// Weight matrix W_l at θ (the slice of θ for a trained layer, else the frozen weights).
    fn layer_weights<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        layer: usize,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let t = vector(theta, "theta", self.model.n_params())?;
        if layer >= self.model.depth() {
            return Err(value_error(format!(
                "layer {layer} out of range: the network has weight matrices 0..{}",
                self.model.depth()
            )));
        }
        Ok(self.model.layer_at(t.as_array(), layer).into_pyarray(py))
    }

    fn __repr__(&self) -> String {
        format!(
            "Mlp(layers={:?}, trained={:?}, n_params={}, N={}, alpha={}, activation={:?})",
            self.model.layers(),
            self.model.trained(),
            self.model.n_params(),
            self.model.data().n_samples(),
            self.model.alpha(),
            self.activation()
        )
    }

    /// The λ = 0 minimum (closed form for one trained layer, Newton-polished) as θ (n,).
    /// ValueError with several trained layers (their λ = 0 minima are not isolated).
    fn start_point<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let model = self.model.clone();
        let t = py.detach(move || start(&model, None, 0.0)).map_err(to_py)?;
        Ok(t.into_pyarray(py))
    }

    /// Follows the critical branch from the λ = 0 minimum (or from `theta0` at `lambda0`,
    /// Newton-polished) to λ = lambda_max; arguments and errors as `TwoLayer.trace`.
    #[pyo3(signature = (lambda_max = 1.0, solver = "auto", progress = true, raise_on_failure = true, max_steps = None, max_seconds = None, theta0 = None, lambda0 = 0.0))]
    #[allow(clippy::too_many_arguments)]
    fn trace(
        &self,
        py: Python<'_>,
        lambda_max: f64,
        solver: &str,
        progress: bool,
        raise_on_failure: bool,
        max_steps: Option<usize>,
        max_seconds: Option<f64>,
        theta0: Option<Bound<'_, PyAny>>,
        lambda0: f64,
    ) -> PyResult<PyBranch> {
        let params = trace_params(&TraceArgs {
            lambda_max,
            solver,
            progress,
            max_steps,
            max_seconds,
        })?;
        let lambda0 = finite_lambda(lambda0)?;
        if !(0.0..lambda_max).contains(&lambda0) {
            return Err(value_error(format!(
                "lambda0 must be in [0, lambda_max) = [0, {lambda_max}), got {lambda0}"
            )));
        }
        let theta0 = match theta0 {
            Some(t) => Some(vector(&t, "theta0", self.model.n_params())?.as_array().to_owned()),
            None if lambda0 > 0.0 => {
                return Err(value_error(
                    "lambda0 > 0 needs theta0: the closed-form start is the λ = 0 minimum",
                ))
            }
            None => None,
        };
        let model = self.model.clone();
        let solver = params.solver;
        let branch = run_interruptible(py, move |cancel| {
            trace_job(&model, theta0, lambda0, &params, cancel)
        })?
        .map_err(to_py)?;
        let out = PyBranch::new(
            BranchModel::Mlp(self.model.clone()),
            branch,
            lambda_max,
            PYTHON_DATA.into(),
            solver,
        );
        finish(py, out, raise_on_failure)
    }
});

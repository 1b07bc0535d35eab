//! `actbif.TwoLayer`: the two-layer model on the user's data, its exact derivatives, and its
//! critical branch from the λ = 0 minimum.

use crate::branch::{BranchModel, PyBranch};
use crate::convert::{f64_array, vector};
use crate::errors::{to_py, value_error};
use crate::interrupt::{run_interruptible, CancelFlag};
use crate::methods::{model_pymethods, HasObjective};
use crate::tracing::{finish, trace_params, TraceArgs};
use actbif::activation::Builtin;
use actbif::continuation::{trace_observed, Branch, ContinuationParams};
use actbif::data::{paper_output_weights, Dataset};
use actbif::app::start_point;
use actbif::models::two_layer::{TwoLayer, PAPER_ALPHA};
use actbif::Objective;
use numpy::prelude::*;
use numpy::{Ix1, Ix2, PyArray1};
use pyo3::prelude::*;
use std::sync::Arc;

/// The data description written into a branch's JSON `setting` for arrays from Python.
pub const PYTHON_DATA: &str = "numpy arrays (Python)";

/// f(x) = Σ_j v_j h(w_jᵀx, λ), L = ½E[(f − y)²] + α/2‖W‖², θ = vec(W) row-major (n = m·d).
#[pyclass(name = "TwoLayer", module = "actbif", frozen)]
pub struct PyTwoLayer {
    pub(crate) model: Arc<TwoLayer>,
}

pub(crate) fn parse_activation(name: &str) -> PyResult<Builtin> {
    name.parse::<Builtin>().map_err(to_py)
}

/// `width` as a positive count (a Python int may be negative or zero).
fn positive_width(width: i64) -> PyResult<usize> {
    usize::try_from(width)
        .ok()
        .filter(|&m| m >= 1)
        .ok_or_else(|| value_error(format!("width must be at least 1, got {width}")))
}

/// The trace job: Newton-polished W0, then continuation observed by the cancel flag.
fn trace_job(
    model: &TwoLayer,
    params: &ContinuationParams,
    cancel: CancelFlag,
) -> actbif::Result<Branch> {
    let theta0 = start_point(model)?;
    // The flag set by Ctrl-C stops the trace at its next step (status `interrupted`).
    let mut observer = actbif::continuation::CancelFlag(cancel);
    trace_observed(model, theta0.view(), 0.0, params, &mut observer)
}

impl HasObjective for PyTwoLayer {
    fn objective(&self) -> &dyn Objective {
        &*self.model
    }
}

model_pymethods!(PyTwoLayer {
    /// TwoLayer(x, y, width, alpha=4e-3, activation="tanh", v=None)
    ///
    /// x: (N, d) float64 inputs; y: (N,) float64 targets; v: fixed output weights (width,),
    /// default v_j = 0.5 + j/(width − 1). The data are copied into the model once.
    #[new]
    #[pyo3(signature = (x, y, width, alpha = PAPER_ALPHA, activation = "tanh", v = None))]
    fn new(
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        width: i64,
        alpha: f64,
        activation: &str,
        v: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let m = positive_width(width)?;
        let act = parse_activation(activation)?;
        let xa = f64_array::<Ix2>(x, "x")?;
        let ya = f64_array::<Ix1>(y, "y")?;
        let v = match v {
            None => paper_output_weights(m),
            Some(v) => vector(v, "v", m)?.as_array().to_owned(),
        };
        let data =
            Dataset::new(xa.as_array().to_owned(), ya.as_array().to_owned()).map_err(to_py)?;
        let model = TwoLayer::new(data, v, alpha, act).map_err(to_py)?;
        Ok(PyTwoLayer {
            model: Arc::new(model),
        })
    }

    /// The paper's Appendix B model at this width (d = 5, N = 500, seed 77, α = 4e-3, tanh).
    #[staticmethod]
    fn paper(width: i64) -> PyResult<Self> {
        let m = positive_width(width)?;
        Ok(PyTwoLayer {
            model: Arc::new(TwoLayer::paper(m).map_err(to_py)?),
        })
    }

    /// Width m.
    #[getter]
    fn width(&self) -> usize {
        self.model.width()
    }
    /// Input dimension d.
    #[getter]
    fn input_dim(&self) -> usize {
        self.model.input_dim()
    }
    /// Number of parameters n = m·d.
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
    /// Output weights v (a copy).
    #[getter]
    fn v<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.model.output_weights().to_pyarray(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "TwoLayer(width={}, d={}, N={}, alpha={}, activation={:?})",
            self.width(),
            self.input_dim(),
            self.model.data().n_samples(),
            self.alpha(),
            self.activation()
        )
    }

    /// The λ = 0 minimum W0 (closed form, Newton-polished) as θ (n,).
    fn start_point<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let model = self.model.clone();
        let t = py.detach(move || start_point(&*model)).map_err(to_py)?;
        Ok(t.into_pyarray(py))
    }

    /// Follows the critical branch from the λ = 0 minimum to λ = lambda_max by pseudo-arclength
    /// continuation (GIL released; Ctrl-C interrupts). Raises ContinuationError (with `.status`
    /// and the partial `.branch`) when the trace stalls or runs out of steps, unless
    /// raise_on_failure=False. max_steps / max_seconds bound the run (status
    /// step_budget_exhausted / time_budget_exhausted).
    #[pyo3(signature = (lambda_max = 1.0, solver = "auto", progress = true, raise_on_failure = true, max_steps = None, max_seconds = None))]
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
    ) -> PyResult<PyBranch> {
        let params = trace_params(&TraceArgs {
            lambda_max,
            solver,
            progress,
            max_steps,
            max_seconds,
        })?;
        let model = self.model.clone();
        let solver = params.solver;
        let branch = run_interruptible(py, move |cancel| trace_job(&model, &params, cancel))?
            .map_err(to_py)?;
        let out = PyBranch::new(
            BranchModel::TwoLayer(self.model.clone()),
            branch,
            lambda_max,
            PYTHON_DATA.into(),
            solver,
        );
        finish(py, out, raise_on_failure)
    }

    /// The whole bifurcation diagram on [lambda_min, lambda_max] (see `actbif diagram`):
    /// the λ = 0 branch, branches switched at branch points (simple and multi-dimensional
    /// kernels), `starts` many-start training at `starts_at`, deflated Newton at each
    /// `deflation_at` λ, the user's `points` (θ rows), each followed both ways; the census at
    /// each `census_at` λ. Returns an `actbif.Diagram` (`.branches`, `.census(lam)` →
    /// DataFrame). GIL released. `test_x`, `test_y`: held-out data for `test_loss`.
    #[pyo3(signature = (starts = 0, starts_at = None, deflation_at = None, deflation_starts = 20, points = None, census_at = None, lambda_min = 0.0, lambda_max = 1.0, max_seconds = None, max_branches = 500, switch = true, all_orbit_members = false, seed = 1, test_x = None, test_y = None))]
    #[allow(clippy::too_many_arguments)]
    fn diagram<'py>(
        &self,
        py: Python<'py>,
        starts: usize,
        starts_at: Option<f64>,
        deflation_at: Option<Vec<f64>>,
        deflation_starts: usize,
        points: Option<&Bound<'py, PyAny>>,
        census_at: Option<Vec<f64>>,
        lambda_min: f64,
        lambda_max: f64,
        max_seconds: Option<f64>,
        max_branches: usize,
        switch: bool,
        all_orbit_members: bool,
        seed: u64,
        test_x: Option<&Bound<'py, PyAny>>,
        test_y: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let data = crate::diagram::diagram_data(&self.model, test_x, test_y, points)?;
        let opts = actbif::diagram::DiagramOptions {
            lambda_min,
            lambda_max,
            starts,
            starts_at,
            deflation_at: deflation_at.unwrap_or_default(),
            deflation_starts,
            census_at: census_at.unwrap_or_default(),
            max_seconds,
            max_branches,
            switch,
            all_orbit_members,
            seed,
            ..Default::default()
        };
        let model = self.model.clone();
        let json = py
            .detach(move || crate::diagram::diagram_json(model, data, opts))
            .map_err(to_py)?;
        py.import("actbif._diagram")?
            .getattr("Diagram")?
            .call1((json,))
    }
});

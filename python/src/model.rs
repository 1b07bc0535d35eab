//! `actbif.TwoLayer`: the two-layer model on the user's data, its exact derivatives, and its
//! critical branch from the λ = 0 minimum.

use crate::branch::{BranchModel, PyBranch};
use crate::convert::{f64_array, vector};
use crate::errors::{to_py, value_error};
use crate::interrupt::{run_interruptible, CancelFlag};
use crate::methods::{model_pymethods, HasObjective};
pub use crate::net::{Net, PYTHON_DATA};
use crate::tracing::{finish, trace_params, TraceArgs};
use actbif::activation::Builtin;
use actbif::app::curves::FULL_PER_DECADE;
use actbif::app::start_point;
use actbif::continuation::{trace_observed, Branch, ContinuationParams};
use actbif::data::{paper_output_weights, Dataset};
use actbif::models::two_layer::{TwoLayer, PAPER_ALPHA};
use actbif::models::two_layer_trained::TwoLayerTrained;
use actbif::Objective;
use numpy::prelude::*;
use numpy::{Ix1, Ix2, PyArray1};
use pyo3::prelude::*;
use std::sync::Arc;

/// f(x) = Σ_j v_j h(w_jᵀx, λ), L = ½E[(f − y)²] + α/2‖W‖², θ = vec(W) row-major (n = m·d);
/// with `train_output=True` v is trained too: L + α/2‖v‖², θ = [vec(W), v] (n = m(d + 1)).
#[pyclass(name = "TwoLayer", module = "actbif", frozen)]
pub struct PyTwoLayer {
    pub(crate) net: Net,
}

impl PyTwoLayer {
    fn fixed_net(model: TwoLayer) -> Self {
        PyTwoLayer {
            net: Net::Fixed(Arc::new(model)),
        }
    }

    /// The fixed-v model; a ValueError naming `what` for a `train_output=True` model.
    pub(crate) fn fixed(&self, what: &str) -> PyResult<&Arc<TwoLayer>> {
        match &self.net {
            Net::Fixed(m) => Ok(m),
            Net::Trained(_) => Err(value_error(format!(
                "{what} needs fixed output weights: with train_output=True the λ = 0 \
                 minimisers form a sphere (no isolated start point); use .diagram(), which \
                 starts a branch at each point of the sphere that F = ∂λL selects"
            ))),
        }
    }

    /// (width, input dim, α, activation, N).
    fn shape(&self) -> (usize, usize, f64, Builtin, usize) {
        match &self.net {
            Net::Fixed(m) => (
                m.width(),
                m.input_dim(),
                m.alpha(),
                *m.activation(),
                m.data().n_samples(),
            ),
            Net::Trained(t) => (
                t.0.width(),
                t.0.input_dim(),
                t.0.alpha(),
                *t.0.activation(),
                t.0.data().n_samples(),
            ),
        }
    }
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
        match &self.net {
            Net::Fixed(m) => &**m,
            Net::Trained(t) => &**t,
        }
    }
}

model_pymethods!(PyTwoLayer {
    /// TwoLayer(x, y, width, alpha=4e-3, activation="tanh", v=None, train_output=False)
    ///
    /// x: (N, d) float64 inputs; y: (N,) float64 targets; v: fixed output weights (width,),
    /// default v_j = 0.5 + j/(width − 1). train_output=True trains v too (α > 0, no v): the
    /// λ = 0 minimisers then form a sphere and `.diagram()` follows the branches F = ∂λL
    /// selects on it. The data are copied into the model once.
    #[new]
    #[pyo3(signature = (x, y, width, alpha = PAPER_ALPHA, activation = "tanh", v = None, train_output = false))]
    fn new(
        x: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        width: i64,
        alpha: f64,
        activation: &str,
        v: Option<&Bound<'_, PyAny>>,
        train_output: bool,
    ) -> PyResult<Self> {
        let m = positive_width(width)?;
        let act = parse_activation(activation)?;
        let xa = f64_array::<Ix2>(x, "x")?;
        let ya = f64_array::<Ix1>(y, "y")?;
        if train_output {
            if v.is_some() {
                return Err(value_error(
                    "train_output=True trains v: it cannot also be fixed by v",
                ));
            }
            let data = Dataset::new(xa.as_array().to_owned(), ya.as_array().to_owned())
                .map_err(to_py)?;
            let model = TwoLayerTrained::new(data, m, alpha, act).map_err(to_py)?;
            return Ok(PyTwoLayer {
                net: Net::Trained(Arc::new(model.objective())),
            });
        }
        let v = match v {
            None => paper_output_weights(m),
            Some(v) => vector(v, "v", m)?.as_array().to_owned(),
        };
        let data =
            Dataset::new(xa.as_array().to_owned(), ya.as_array().to_owned()).map_err(to_py)?;
        let model = TwoLayer::new(data, v, alpha, act).map_err(to_py)?;
        Ok(PyTwoLayer::fixed_net(model))
    }

    /// The paper's Appendix B model at this width (d = 5, N = 500, seed 77, α = 4e-3, tanh).
    #[staticmethod]
    fn paper(width: i64) -> PyResult<Self> {
        let m = positive_width(width)?;
        Ok(PyTwoLayer::fixed_net(TwoLayer::paper(m).map_err(to_py)?))
    }

    /// Width m.
    #[getter]
    fn width(&self) -> usize {
        self.shape().0
    }
    /// Input dimension d.
    #[getter]
    fn input_dim(&self) -> usize {
        self.shape().1
    }
    /// Number of parameters n = m·d (m(d + 1) with train_output=True).
    #[getter]
    fn n_params(&self) -> usize {
        self.objective().dim()
    }
    /// Tikhonov α.
    #[getter]
    fn alpha(&self) -> f64 {
        self.shape().2
    }
    /// Activation name.
    #[getter]
    fn activation(&self) -> String {
        use actbif::activation::Activation;
        self.shape().3.name()
    }
    /// Whether v is trained too (θ = [vec(W), v]).
    #[getter]
    fn train_output(&self) -> bool {
        matches!(self.net, Net::Trained(_))
    }
    /// Output weights v (a copy); None with train_output=True (v is part of θ).
    #[getter]
    fn v<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        match &self.net {
            Net::Fixed(m) => Some(m.output_weights().to_pyarray(py)),
            Net::Trained(_) => None,
        }
    }

    fn __repr__(&self) -> String {
        let (m, d, alpha, _, n) = self.shape();
        let trained = if self.train_output() {
            ", train_output=True"
        } else {
            ""
        };
        format!(
            "TwoLayer(width={m}, d={d}, N={n}, alpha={alpha}, activation={:?}{trained})",
            self.activation()
        )
    }

    /// The λ = 0 minimum W0 (closed form, Newton-polished) as θ (n,).
    fn start_point<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let model = self.fixed("start_point")?.clone();
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
        let model = self.fixed("trace")?.clone();
        let solver = params.solver;
        let model_for_branch = model.clone();
        let branch = run_interruptible(py, move |cancel| trace_job(&model, &params, cancel))?
            .map_err(to_py)?;
        let out = PyBranch::new(
            BranchModel::TwoLayer(model_for_branch),
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
    /// `checkpoint`: a JSON path written after every branch; a later call with the same
    /// settings (budgets may differ) continues it, or returns it when complete.
    #[pyo3(signature = (starts = 0, starts_at = None, deflation_at = None, deflation_starts = 20, points = None, census_at = None, lambda_min = 0.0, lambda_max = 1.0, max_seconds = None, max_branches = 500, switch = true, all_orbit_members = false, seed = 1, test_x = None, test_y = None, checkpoint = None))]
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
        checkpoint: Option<std::path::PathBuf>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let data = crate::diagram::diagram_data(self.n_params(), test_x, test_y, points)?;
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
        crate::diagram::run(py, &self.net, data, opts, checkpoint)
    }

    /// The fold curve in (λ, p) through the first fold of the λ-branch (see `actbif
    /// fold-curve`): p = `param` (today "alpha") within [p_min, p_max] (default [1e-4, 1e-1];
    /// one end given, the other keeps its default), λ ∈ [0, 1]. Returns an `actbif.FoldCurve`
    /// (`.lambdas`, `.ps`, `.events`, `.status`, `.to_json()`). GIL released; Ctrl-C raises
    /// KeyboardInterrupt at once. ValueError when the branch has no fold or the window is bad.
    /// `solver`: "auto" (dense up to 4000 parameters), "dense" or "matrix-free".
    #[pyo3(signature = (param = "alpha", p_min = None, p_max = None, solver = "auto"))]
    fn fold_curve<'py>(
        &self,
        py: Python<'py>,
        param: &str,
        p_min: Option<f64>,
        p_max: Option<f64>,
        solver: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let model = self.fixed("fold_curve")?.clone();
        crate::curves::fold_curve(py, model, param, (p_min, p_max), solver)
    }

    /// The exact kernel/feature-learning boundary α_c(m) of the paper's model at each of
    /// `widths` (≥ 2; see `actbif phase-boundary`): a scan of α ∈ [1e-4, 1e-1] with
    /// `per_decade` points per decade, each boundary located on the fold curve and verified by
    /// traces. Returns an `actbif.PhaseBoundary` (`.rows` DataFrame: m, alpha_c, mechanism,
    /// verified, ...). GIL released; Ctrl-C raises KeyboardInterrupt at once.
    #[staticmethod]
    #[pyo3(signature = (widths, per_decade = FULL_PER_DECADE as i64))]
    fn phase_boundary<'py>(
        py: Python<'py>,
        widths: Vec<i64>,
        per_decade: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::curves::phase_boundary(py, &widths, per_decade)
    }

    /// The Lyapunov–Schmidt coefficients at event `event` of the branch traced over λ ∈ [0, 1]
    /// by `method` ("exact": pseudo-arclength continuation, any event index; "paper": the
    /// paper's L-BFGS grid, index 0 only), with the normal form checked against the branch
    /// (see `actbif coefficients`). Returns an `actbif.CoefficientsReport`. GIL released;
    /// Ctrl-C raises KeyboardInterrupt at once. ValueError for a missing event.
    #[pyo3(signature = (event = 0, method = "exact", progress = false))]
    fn coefficients<'py>(
        &self,
        py: Python<'py>,
        event: i64,
        method: &str,
        progress: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let model = self.fixed("coefficients")?.clone();
        crate::report::coefficients(py, model, event, method, progress)
    }
});

/// The JSON of `actbif check-derivatives --json` (`--model mlp` for an `actbif.Mlp`) on
/// `model` at λ = `lam` (θ and u from `seed` as the CLI draws them, unless given);
/// `actbif.check_derivatives` makes it a DataFrame.
#[pyfunction]
#[pyo3(signature = (model, lam = 0.5, seed = 0, theta = None, u = None))]
pub fn check_derivatives_json(
    py: Python<'_>,
    model: &Bound<'_, PyAny>,
    lam: f64,
    seed: u64,
    theta: Option<&Bound<'_, PyAny>>,
    u: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    if let Ok(mlp) = model.cast::<crate::mlp::PyMlp>() {
        let m = mlp.get().model.clone();
        return crate::report::check_mlp_json(py, m, lam, seed, theta, u);
    }
    let Ok(two) = model.cast::<PyTwoLayer>() else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "check_derivatives takes an actbif.TwoLayer or actbif.Mlp, got {}",
            model.get_type().name()?
        )));
    };
    let m = two.get().fixed("check_derivatives")?.clone();
    crate::report::check_derivatives_json(py, m, lam, seed, theta, u)
}

//! `actbif.TwoLayer`: the two-layer model on the user's data, its exact derivatives, and its
//! critical branch from the λ = 0 minimum.

use crate::branch::PyBranch;
use crate::convert::{f64_array, finite_lambda, vector};
use crate::errors::{continuation_error, to_py, value_error};
use crate::interrupt::{run_interruptible, CancelFlag};
use actbif::activation::Builtin;
use actbif::continuation::{trace_observed, Branch, ContinuationParams, Status};
use actbif::data::{paper_output_weights, Dataset};
use actbif::experiments::common::start_point;
use actbif::experiments::sweep::Solver;
use actbif::models::two_layer::{TwoLayer, PAPER_ALPHA};
use actbif::Objective;
use numpy::prelude::*;
use numpy::{Ix1, Ix2, PyArray1, PyArray2};
use pyo3::prelude::*;
use std::sync::Arc;

/// The data description written into a branch's JSON `setting` for arrays from Python.
pub const PYTHON_DATA: &str = "numpy arrays (Python)";

/// f(x) = Σ_j v_j h(w_jᵀx, λ), L = ½E[(f − y)²] + α/2‖W‖², θ = vec(W) row-major (n = m·d).
#[pyclass(name = "TwoLayer", module = "actbif", frozen)]
pub struct PyTwoLayer {
    pub(crate) model: Arc<TwoLayer>,
}

fn parse_activation(name: &str) -> PyResult<Builtin> {
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

impl PyTwoLayer {
    fn theta<'py>(&self, theta: &Bound<'py, PyAny>) -> PyResult<numpy::PyReadonlyArray1<'py, f64>> {
        vector(theta, "theta", self.model.n_params())
    }
    fn dir<'py>(&self, u: &Bound<'py, PyAny>) -> PyResult<numpy::PyReadonlyArray1<'py, f64>> {
        vector(u, "u", self.model.n_params())
    }
}

#[pymethods]
impl PyTwoLayer {
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
        actbif::experiments::commands::validate_lambda_max(lambda_max).map_err(to_py)?;
        let _solver: Solver = solver.parse().map_err(to_py)?;
        if max_steps == Some(0) {
            return Err(value_error("max_steps must be at least 1"));
        }
        if let Some(t) = max_seconds {
            if !(t > 0.0 && t.is_finite()) {
                return Err(value_error(format!(
                    "max_seconds must be positive, got {t}"
                )));
            }
        }
        let defaults = ContinuationParams::default();
        let params = ContinuationParams {
            lambda_max,
            progress,
            max_steps: max_steps.unwrap_or(defaults.max_steps),
            max_seconds,
            ..defaults
        };
        let model = self.model.clone();
        let branch = run_interruptible(py, move |cancel| trace_job(&model, &params, cancel))?
            .map_err(to_py)?;
        let failed = match &branch.status {
            Status::Stalled(why) => Some(("stalled", why.clone())),
            Status::StepBudgetExhausted => {
                Some(("step_budget_exhausted", "the step budget was spent".into()))
            }
            Status::BranchJump(why) => Some(("branch_jump", why.clone())),
            Status::Interrupted(why) => Some(("interrupted", why.clone())),
            Status::TimeBudgetExhausted => {
                Some(("time_budget_exhausted", "the time budget was spent".into()))
            }
            Status::InProgress => Some(("in_progress", "the trace did not finish".into())),
            Status::ReachedLambdaMax | Status::ReachedLambdaMin | Status::MaxEvents => None,
        };
        let out = PyBranch::new(self.model.clone(), branch, lambda_max, PYTHON_DATA.into());
        match failed {
            Some((status, why)) if raise_on_failure => {
                let last = out.last_lambda();
                let b = Py::new(py, out)?.into_any();
                Err(continuation_error(
                    py,
                    format!("continuation {status} at λ = {last}: {why}"),
                    status,
                    Some(b),
                ))
            }
            _ => Ok(out),
        }
    }

    /// L(θ, λ).
    fn loss(&self, theta: &Bound<'_, PyAny>, lam: f64) -> PyResult<f64> {
        let t = self.theta(theta)?;
        Ok(self.model.value(t.as_array(), finite_lambda(lam)?))
    }

    /// ∇L(θ, λ) (n,).
    fn gradient<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        lam: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let t = self.theta(theta)?;
        Ok(self
            .model
            .gradient(t.as_array(), finite_lambda(lam)?)
            .into_pyarray(py))
    }

    /// Hessian ∇²L(θ, λ) (n, n).
    fn hessian<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        lam: f64,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let t = self.theta(theta)?;
        Ok(self
            .model
            .hessian(t.as_array(), finite_lambda(lam)?)
            .into_pyarray(py))
    }

    /// Hessian-vector product ∇²L(θ, λ) u (n,).
    fn hvp<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        lam: f64,
        u: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let t = self.theta(theta)?;
        let u = self.dir(u)?;
        Ok(self
            .model
            .hessian_vec(t.as_array(), finite_lambda(lam)?, u.as_array())
            .into_pyarray(py))
    }

    /// ∂λ∇L(θ, λ) (n,).
    fn grad_lambda<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        lam: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let t = self.theta(theta)?;
        Ok(self
            .model
            .grad_lambda(t.as_array(), finite_lambda(lam)?)
            .into_pyarray(py))
    }

    /// D³L(θ, λ)[u, u, u] (a number).
    fn d3(&self, theta: &Bound<'_, PyAny>, lam: f64, u: &Bound<'_, PyAny>) -> PyResult<f64> {
        let t = self.theta(theta)?;
        let u = self.dir(u)?;
        Ok(self
            .model
            .d3(t.as_array(), finite_lambda(lam)?, u.as_array()))
    }

    /// D³L(θ, λ)[u, u, ·] (n,): the gradient of θ ↦ uᵀH(θ)u.
    fn d3_vec<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        lam: f64,
        u: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let t = self.theta(theta)?;
        let u = self.dir(u)?;
        Ok(self
            .model
            .d3_vec(t.as_array(), finite_lambda(lam)?, u.as_array())
            .into_pyarray(py))
    }

    /// D⁴L(θ, λ)[u, u, u, u] (a number).
    fn d4(&self, theta: &Bound<'_, PyAny>, lam: f64, u: &Bound<'_, PyAny>) -> PyResult<f64> {
        let t = self.theta(theta)?;
        let u = self.dir(u)?;
        Ok(self
            .model
            .d4(t.as_array(), finite_lambda(lam)?, u.as_array()))
    }
}

// Hook for issue 10 (the MLP family, written concurrently): add `#[pyclass(name = "Mlp")]`
// here with the same derivative methods and `trace`, and register it in `lib.rs`.

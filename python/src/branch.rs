//! `actbif.Branch`, `actbif.Event` and `actbif.Coefficients`: a traced branch as numpy arrays,
//! its located events, and the normal form at an event.

use crate::errors::to_py;
use actbif::app::commands::trace_report;
use actbif::app::mlp::mlp_trace_report;
use actbif::app::sweep::tag_name as tag;
use actbif::continuation::Solver;
use actbif::continuation::{Branch, Event, Status};
use actbif::models::mlp::Mlp;
use actbif::models::two_layer::theory::directional::closed_form_coefficients;
use actbif::models::two_layer::TwoLayer;
use actbif::normal_form::{coefficients_with, CoefficientOptions, Coefficients};
use actbif::Objective;
use numpy::ndarray::{Array1, Array2, ArrayView1};
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

/// `json.loads(text)`.
fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// The model a branch was traced on (coefficients and JSON need it).
#[derive(Clone)]
pub enum BranchModel {
    /// `actbif.TwoLayer`.
    TwoLayer(Arc<TwoLayer>),
    /// `actbif.Mlp`.
    Mlp(Arc<Mlp>),
}

impl BranchModel {
    fn n_params(&self) -> usize {
        match self {
            BranchModel::TwoLayer(m) => m.n_params(),
            BranchModel::Mlp(m) => m.n_params(),
        }
    }

    /// The normal form at `event`; the two-layer model adds the paper's closed forms (25)–(26)
    /// beside AD (the MLP has none).
    fn coefficients(&self, event: &Event, solver: Solver) -> actbif::Result<Coefficients> {
        let opts = CoefficientOptions::default();
        match self {
            BranchModel::TwoLayer(model) => {
                let closed = |t: ArrayView1<f64>, l: f64, p: ArrayView1<f64>| {
                    closed_form_coefficients(&**model, t, l, p)
                };
                coefficients_with(&**model, event, Some(&closed), &opts, solver)
            }
            BranchModel::Mlp(model) => {
                coefficients_with(&**model as &dyn Objective, event, None, &opts, solver)
            }
        }
    }

    /// The `actbif trace` JSON of `branch` on this model.
    fn report_json(
        &self,
        data: &str,
        lambda_max: f64,
        branch: Branch,
        solver: Solver,
        pretty: bool,
    ) -> serde_json::Result<String> {
        fn dump<T: serde::Serialize>(r: &T, pretty: bool) -> serde_json::Result<String> {
            if pretty {
                serde_json::to_string_pretty(r)
            } else {
                serde_json::to_string(r)
            }
        }
        let solver = solver.resolve(self.n_params());
        match self {
            BranchModel::TwoLayer(m) => {
                let mut r = trace_report(m, data, lambda_max, branch);
                r.solver = solver;
                dump(&r, pretty)
            }
            BranchModel::Mlp(m) => {
                let mut r = mlp_trace_report(m, data, lambda_max, branch);
                r.solver = solver;
                dump(&r, pretty)
            }
        }
    }
}

/// A critical branch: one row per accepted point, in order along the branch.
#[pyclass(name = "Branch", module = "actbif", frozen)]
pub struct PyBranch {
    model: BranchModel,
    branch: Arc<Branch>,
    lambda_max: f64,
    data: String,
    /// The solver the branch was traced with (its coefficients use the same).
    solver: Solver,
}

impl PyBranch {
    pub fn new(
        model: BranchModel,
        branch: Branch,
        lambda_max: f64,
        data: String,
        solver: Solver,
    ) -> Self {
        PyBranch {
            solver,
            model,
            branch: Arc::new(branch),
            lambda_max,
            data,
        }
    }

    /// Why the trace stopped.
    pub fn status_ref(&self) -> &Status {
        &self.branch.status
    }

    /// λ of the last point (NaN for an empty branch).
    pub fn last_lambda(&self) -> f64 {
        self.branch.points.last().map_or(f64::NAN, |p| p.lambda)
    }

    fn column(&self, f: impl Fn(&actbif::continuation::Point) -> f64) -> Array1<f64> {
        self.branch.points.iter().map(f).collect()
    }
}

#[pymethods]
impl PyBranch {
    /// λ at each point (n_points,).
    #[getter]
    fn lambdas<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.column(|p| p.lambda).into_pyarray(py)
    }
    /// θ at each point (n_points, n).
    #[getter]
    fn thetas<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let n = self.model.n_params();
        let mut a = Array2::zeros((self.branch.points.len(), n));
        for (mut row, p) in a.outer_iter_mut().zip(&self.branch.points) {
            row.assign(&p.theta);
        }
        a.into_pyarray(py)
    }
    /// The smallest Hessian eigenvalues at each point, ascending (n_points, k); NaN-padded
    /// where a point recorded fewer.
    #[getter]
    fn eigenvalues<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        let k = self
            .branch
            .points
            .iter()
            .map(|p| p.eigenvalues.len())
            .max()
            .unwrap_or(0);
        let mut a = Array2::from_elem((self.branch.points.len(), k), f64::NAN);
        for (mut row, p) in a.outer_iter_mut().zip(&self.branch.points) {
            row.slice_mut(numpy::ndarray::s![..p.eigenvalues.len()])
                .assign(&ArrayView1::from(&p.eigenvalues[..]));
        }
        a.into_pyarray(py)
    }
    /// ‖∇L‖ at each point.
    #[getter]
    fn grad_norms<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.column(|p| p.grad_norm).into_pyarray(py)
    }
    /// L at each point.
    #[getter]
    fn losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.column(|p| p.loss).into_pyarray(py)
    }
    /// Arclength at each point.
    #[getter]
    fn arclengths<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.column(|p| p.arclength).into_pyarray(py)
    }
    /// λ-component of the unit tangent at each point (changes sign at a fold).
    #[getter]
    fn tangent_lambdas<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.column(|p| p.tangent_lambda).into_pyarray(py)
    }
    /// Number of negative Hessian eigenvalues at each point (int64).
    #[getter]
    fn morse_index<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let a: Array1<i64> = self
            .branch
            .points
            .iter()
            .map(|p| p.morse_index as i64)
            .collect();
        a.into_pyarray(py)
    }
    /// Located events, in order along the branch.
    #[getter]
    fn events(&self) -> Vec<PyEvent> {
        self.branch
            .events
            .iter()
            .map(|e| PyEvent(e.clone()))
            .collect()
    }
    /// Why the trace stopped: reached_lambda_max, reached_lambda_min, stalled, ...
    #[getter]
    fn status(&self) -> String {
        tag(&self.branch.status)
    }
    /// The status's reason text (stalled, branch_jump), else None.
    #[getter]
    fn status_detail(&self) -> Option<String> {
        match &self.branch.status {
            Status::Stalled(d) | Status::BranchJump(d) | Status::Interrupted(d) => Some(d.clone()),
            _ => None,
        }
    }
    /// Largest ‖∇L‖ over the points.
    #[getter]
    fn max_grad_norm(&self) -> f64 {
        self.branch.max_grad_norm
    }
    /// Upper end of the λ window.
    #[getter]
    fn lambda_max(&self) -> f64 {
        self.lambda_max
    }

    fn __len__(&self) -> usize {
        self.branch.points.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Branch({} points, {} events, status={:?}, last λ = {})",
            self.branch.points.len(),
            self.branch.events.len(),
            self.status(),
            self.last_lambda()
        )
    }

    /// The normal form at event `i` (Python-style index; negative counts from the end):
    /// g_µ, g_aµ, g_aa, raw and corrected g_aaa with the paper's closed-form terms, and the
    /// classification. GIL released.
    fn coefficients(&self, py: Python<'_>, i: isize) -> PyResult<PyCoefficients> {
        let n = self.branch.events.len() as isize;
        let k = if i < 0 { i + n } else { i };
        if !(0..n).contains(&k) {
            return Err(PyIndexError::new_err(format!(
                "event index {i} out of range: the branch has {n} event(s)"
            )));
        }
        let event = self.branch.events[k as usize].clone();
        let model = self.model.clone();
        let solver = self.solver;
        let c = py
            .detach(move || model.coefficients(&event, solver))
            .map_err(to_py)?;
        Ok(PyCoefficients(c))
    }

    /// The branch as the JSON of `actbif trace` (setting, points, events, status, grid).
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, indent: Option<usize>) -> PyResult<String> {
        let s = self.model.report_json(
            &self.data,
            self.lambda_max,
            (*self.branch).clone(),
            self.solver,
            indent.is_some(),
        );
        s.map_err(|e| to_py(e.into()))
    }

    /// One row per point: lambda, loss, grad_norm, morse_index, arclength, tangent_lambda,
    /// eig_0 ... (needs pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("actbif._helpers")?
            .call_method1("branch_to_pandas", (slf,))
    }

    /// Plots the smallest eigenvalues against λ with the events marked (needs matplotlib);
    /// returns the matplotlib Axes.
    #[pyo3(signature = (ax = None, n_eigenvalues = 3))]
    fn plot<'py>(
        slf: &Bound<'py, Self>,
        ax: Option<Bound<'py, PyAny>>,
        n_eigenvalues: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("actbif._helpers")?
            .call_method1("plot_branch", (slf, ax, n_eigenvalues))
    }
}

/// A located degenerate point (θ*, λ*) with its kernel vector.
#[pyclass(name = "Event", module = "actbif", frozen)]
#[derive(Clone)]
pub struct PyEvent(Event);

#[pymethods]
impl PyEvent {
    /// fold, branch_point, morse_change, eigenvalue_crossing.
    #[getter]
    fn kind(&self) -> String {
        tag(&self.0.kind)
    }
    /// λ*.
    #[getter]
    fn lambda_star(&self) -> f64 {
        self.0.lambda
    }
    /// Residual of the defining system at the located point.
    #[getter]
    fn residual(&self) -> f64 {
        self.0.residual
    }
    /// Unit kernel vector φ (n,), oriented so its largest entry is positive.
    #[getter]
    fn kernel<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.0.kernel)
    }
    /// θ* (n,).
    #[getter]
    fn theta<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.0.theta)
    }
    /// Smallest Hessian eigenvalues at the event, ascending.
    #[getter]
    fn eigenvalues<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.0.eigenvalues)
    }
    /// Morse index just before the event.
    #[getter]
    fn morse_before(&self) -> usize {
        self.0.morse_before
    }
    /// Morse index just after the event.
    #[getter]
    fn morse_after(&self) -> usize {
        self.0.morse_after
    }
    /// Arclength position along the branch.
    #[getter]
    fn arclength(&self) -> f64 {
        self.0.arclength
    }
    /// Whether the event was located to tolerance (False: a real crossing located loosely).
    #[getter]
    fn located(&self) -> bool {
        self.0.located
    }
    fn __repr__(&self) -> String {
        format!(
            "Event(kind={:?}, lambda_star={}, residual={:e})",
            self.kind(),
            self.0.lambda,
            self.0.residual
        )
    }
}

/// The normal form at an event (the JSON of `actbif coefficients`, as attributes).
#[pyclass(name = "Coefficients", module = "actbif", frozen)]
pub struct PyCoefficients(Coefficients);

#[pymethods]
impl PyCoefficients {
    /// λ*.
    #[getter]
    fn lambda_star(&self) -> f64 {
        self.0.lambda_star
    }
    /// g_µ = φᵀ∂λ∇L (sign follows φ).
    #[getter]
    fn g_mu(&self) -> f64 {
        self.0.g_mu
    }
    /// g_aµ.
    #[getter]
    fn g_amu(&self) -> f64 {
        self.0.g_amu
    }
    /// g_aa = D³L[φ³] (exact AD; sign follows φ).
    #[getter]
    fn g_aa(&self) -> f64 {
        self.0.g_aa.ad
    }
    /// Raw g_aaa = D⁴L[φ⁴] (the paper's (26); exact AD).
    #[getter]
    fn g_aaa_raw(&self) -> f64 {
        self.0.g_aaa.ad
    }
    /// Corrected g_aaa = D⁴L[φ⁴] + 3D³L[φ, φ, ψ20] (decides the normal form).
    #[getter]
    fn g_aaa_corrected(&self) -> f64 {
        self.0.g_aaa_reduced
    }
    /// |g_aa / corrected g_aaa|.
    #[getter]
    fn ratio_aa_aaa(&self) -> f64 {
        self.0.ratio_aa_aaa
    }
    /// fold, transcritical, pitchfork or degenerate.
    #[getter]
    fn classification(&self) -> String {
        tag(&self.0.classification)
    }
    /// The criteria applied, in words.
    #[getter]
    fn criteria(&self) -> String {
        self.0.criteria.clone()
    }
    /// λ1 (eigenvalue nearest 0) and λ2 at the event.
    #[getter]
    fn eigenvalues(&self) -> (f64, f64) {
        (self.0.lambda1, self.0.lambda2)
    }
    /// Named terms: {"g_aa": {...}, "g_aaa_raw": {...}, "g_amu": {...}, "g_aaa_corrected": {...}}
    /// (the closed forms (25), (26) and the two-term splits of g_aµ and corrected g_aaa).
    #[getter]
    fn terms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let put = |key: &str, terms: &[(String, f64)]| -> PyResult<()> {
            let d = PyDict::new(py);
            for (name, v) in terms {
                d.set_item(name, v)?;
            }
            out.set_item(key, d)
        };
        let empty: Vec<(String, f64)> = vec![];
        put(
            "g_aa",
            self.0.g_aa.formula.as_ref().map_or(&empty, |f| &f.terms),
        )?;
        put(
            "g_aaa_raw",
            self.0.g_aaa.formula.as_ref().map_or(&empty, |f| &f.terms),
        )?;
        put("g_amu", &self.0.g_amu_terms.terms)?;
        put("g_aaa_corrected", &self.0.g_aaa_reduced_terms.terms)?;
        Ok(out)
    }
    /// The kernel vector φ used (n,).
    #[getter]
    fn phi<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.0.phi)
    }
    /// Everything (the `actbif coefficients` JSON fields) as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.to_json()?)
    }
    /// Everything as JSON.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.0).map_err(|e| to_py(e.into()))
    }
    fn __repr__(&self) -> String {
        format!(
            "Coefficients(lambda_star={}, g_mu={:e}, g_aa={:e}, g_aaa_corrected={:e}, classification={:?})",
            self.0.lambda_star,
            self.0.g_mu,
            self.0.g_aa.ad,
            self.0.g_aaa_reduced,
            self.classification()
        )
    }
}

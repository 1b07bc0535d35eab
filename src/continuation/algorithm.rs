//! Continuation algorithms behind one trait: [`PseudoArclength`] (exact, through folds) and
//! [`NaturalParameter`] (the paper's warm-started L-BFGS on a λ grid).

use super::observer::Observer;
use super::problem::{ContinuationProblem, Lens};
use super::test_functions::TestFunction;
use super::tracer::{Engine, Start};
use super::{ContinuationParams, PaperParams, ResumeState, Trace};
use crate::derivatives::family::{Family, FixedLambda, Tikhonov};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use ndarray::ArrayView1;

/// A method that follows a branch of critical points of an objective in its λ slot.
pub trait ContinuationAlgorithm {
    /// Follows the branch through (θ0, λ0), calling `observer` at every accepted point/event.
    fn run<O: Objective + ?Sized>(
        &self,
        obj: &O,
        theta0: ArrayView1<f64>,
        lambda0: f64,
        observer: &mut dyn Observer,
    ) -> Result<Trace>;

    /// Follows the branch of a [`ContinuationProblem`] from (θ0, p0), p the lens' parameter.
    fn run_problem<O: Objective + ?Sized>(
        &self,
        problem: &ContinuationProblem<'_, O>,
        theta0: ArrayView1<f64>,
        p0: f64,
        observer: &mut dyn Observer,
    ) -> Result<Trace> {
        match problem.lens {
            Lens::Lambda => self.run(problem.objective, theta0, p0, observer),
            Lens::Alpha { lambda, alpha0 } => {
                let family = Tikhonov {
                    obj: problem.objective,
                    alpha0,
                };
                self.run_family(family, lambda, theta0, p0, observer)
            }
        }
    }

    /// Follows the branch of critical points in the family's p at the fixed `lambda`, from
    /// (θ0, p0): the points' `lambda` field is then p.
    fn run_family<F: Family + Send>(
        &self,
        family: F,
        lambda: f64,
        theta0: ArrayView1<f64>,
        p0: f64,
        observer: &mut dyn Observer,
    ) -> Result<Trace> {
        self.run(&FixedLambda { family, lambda }, theta0, p0, observer)
    }
}

/// Pseudo-arclength predictor–corrector with exact derivatives (see [`super::trace`]), plus
/// optional user-defined test functions.
#[derive(Default)]
pub struct PseudoArclength {
    /// Parameters.
    pub params: ContinuationParams,
    /// Extra event detectors, evaluated after the built-in ones.
    pub tests: Vec<Box<dyn TestFunction>>,
}

impl PseudoArclength {
    /// With the given parameters and no extra test functions.
    pub fn new(params: ContinuationParams) -> Self {
        PseudoArclength {
            params,
            tests: Vec::new(),
        }
    }

    /// Continues a previous trace from its last point ([`Trace::resume`]).
    pub fn resume<O: Objective + ?Sized>(
        &self,
        obj: &O,
        state: &ResumeState,
        observer: &mut dyn Observer,
    ) -> Result<Trace> {
        super::validate(
            obj.dim(),
            ArrayView1::from(&state.theta),
            state.lambda,
            &self.params,
        )?;
        if state.tangent.len() != obj.dim() + 1 {
            return Err(Error::shape(
                "resume tangent",
                obj.dim() + 1,
                state.tangent.len(),
            ));
        }
        crate::error::ensure_finite("resume tangent", state.tangent.iter())?;
        self.engine(obj).run(Start::Resume(state), observer)
    }

    /// The engine for `obj` with these parameters and test functions.
    fn engine<'a, O: Objective + ?Sized>(&'a self, obj: &'a O) -> Engine<'a, O> {
        Engine {
            obj,
            backend: crate::hessian::Backend::new(self.params.solver, obj.dim()),
            params: &self.params,
            tests: &self.tests,
        }
    }
}

impl ContinuationAlgorithm for PseudoArclength {
    fn run<O: Objective + ?Sized>(
        &self,
        obj: &O,
        theta0: ArrayView1<f64>,
        lambda0: f64,
        observer: &mut dyn Observer,
    ) -> Result<Trace> {
        super::validate(obj.dim(), theta0, lambda0, &self.params)?;
        self.engine(obj)
            .run(Start::Guess(theta0, lambda0), observer)
    }
}

/// The paper's natural-parameter method (see [`super::trace_paper`]); starts at λ = 0.
#[derive(Clone, Debug, Default)]
pub struct NaturalParameter {
    /// Parameters.
    pub params: PaperParams,
}

impl ContinuationAlgorithm for NaturalParameter {
    fn run<O: Objective + ?Sized>(
        &self,
        obj: &O,
        theta0: ArrayView1<f64>,
        lambda0: f64,
        observer: &mut dyn Observer,
    ) -> Result<Trace> {
        if lambda0 != 0.0 {
            return Err(Error::param(
                "lambda0",
                format!("the paper method starts at λ = 0, got {lambda0}"),
            ));
        }
        let branch = super::paper::trace_paper_impl(obj, theta0, &self.params, observer)?;
        Ok(Trace {
            steps: branch.points.len(),
            branch,
            rejected_events: Vec::new(),
            resume: None,
        })
    }
}

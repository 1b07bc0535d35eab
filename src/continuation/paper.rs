//! The paper's method: warm-started L-BFGS on a uniform λ grid, forward-difference Hessians,
//! eigenvalue crossings by linear interpolation.

use super::corrector::norm;
use super::observer::{Control, Observer};
use super::scipy_lbfgs::{self, ScipyOptions};
use super::{
    Branch, Event, EventKind, Method, PaperParams, PaperStopping, Point, Spectrum, Status,
};
use crate::derivatives::finite_diff::forward_hessian;
use crate::derivatives::Objective;
use crate::error::{ensure_finite, ensure_positive, Error, Result};
use crate::linalg::{orient, sym_eigen, SymEigen};
use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, ArrayView1};
use std::sync::Mutex;

/// L-BFGS memory.
const LBFGS_MEMORY: usize = 10;
/// Smallest θ movement, relative to ‖θ‖, that can count as a branch jump.
const JUMP_MIN_RELATIVE: f64 = 1e-2;
/// Number of previous steps a θ jump is compared with.
const JUMP_WINDOW: usize = 5;

/// L(·, λ) at fixed λ as an argmin problem; remembers the lowest-cost point it evaluated, so a
/// line search that fails near convergence does not lose the progress made.
struct Fixed<'a, O: ?Sized> {
    obj: &'a O,
    lambda: f64,
    best: &'a Mutex<(f64, Vec<f64>)>,
}

impl<O: Objective + ?Sized> CostFunction for Fixed<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        let c = self.obj.value(ArrayView1::from(p.as_slice()), self.lambda);
        if let Ok(mut best) = self.best.lock() {
            if c < best.0 {
                *best = (c, p.clone());
            }
        }
        Ok(c)
    }
}

impl<O: Objective + ?Sized> Gradient for Fixed<'_, O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self
            .obj
            .gradient(ArrayView1::from(p.as_slice()), self.lambda)
            .to_vec())
    }
}

/// Warm-started L-BFGS at fixed λ; returns the lowest-cost point evaluated, whatever the
/// optimiser's termination (the paper's method records what the optimiser reached; its ‖∇L‖ is
/// recorded with it).
fn minimise<O: Objective + ?Sized>(
    obj: &O,
    theta0: &Array1<f64>,
    lambda: f64,
    p: &PaperParams,
) -> Array1<f64> {
    if p.stopping == PaperStopping::ScipyDefault {
        let mut fg = |x: &[f64]| {
            let t = ArrayView1::from(x);
            (obj.value(t, lambda), obj.gradient(t, lambda).to_vec())
        };
        let m = scipy_lbfgs::minimize(&mut fg, &theta0.to_vec(), &ScipyOptions::default());
        return Array1::from(m.x);
    }
    let best = Mutex::new((obj.value(theta0.view(), lambda), theta0.to_vec()));
    let problem = Fixed {
        obj,
        lambda,
        best: &best,
    };
    if let Ok(solver) = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY)
        .with_tolerance_grad(p.gtol)
        .and_then(|s| s.with_tolerance_cost(p.ftol))
    {
        let init = theta0.to_vec();
        // Errors (a failed line search) end the run; the best point so far is kept below.
        let _ = Executor::new(problem, solver)
            .configure(|state| state.param(init).max_iters(p.max_iters))
            .run();
    }
    let best = best
        .into_inner()
        .map(|b| b.1)
        .unwrap_or_else(|_| theta0.to_vec());
    Array1::from(best)
}

/// FD Hessian eigendecomposition at (θ, λ).
fn fd_eigen<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    eps: f64,
) -> Result<SymEigen> {
    sym_eigen(&forward_hessian(obj, theta, lambda, eps))
}

fn recorded(e: &SymEigen, spectrum: Spectrum) -> Vec<f64> {
    match spectrum {
        Spectrum::Smallest(k) => e.values.iter().take(k).copied().collect(),
        Spectrum::Full => e.values.to_vec(),
    }
}

/// Checks the start and the parameters of the paper method.
fn validate_paper(n: usize, theta0: ArrayView1<f64>, p: &PaperParams) -> Result<()> {
    if theta0.len() != n {
        return Err(Error::shape("initial θ", n, theta0.len()));
    }
    ensure_finite("initial θ", theta0.iter())?;
    ensure_positive("lambda_max", p.lambda_max)?;
    if p.n_steps == 0 {
        return Err(Error::param("n_steps", "must be at least 1"));
    }
    if !(p.gtol >= 0.0 && p.ftol >= 0.0 && p.gtol.is_finite() && p.ftol.is_finite()) {
        return Err(Error::param("gtol", "gtol and ftol must be finite and ≥ 0"));
    }
    ensure_positive("fd_step", p.fd_step)?;
    if p.jump_ratio.is_nan() || p.jump_ratio <= 1.0 {
        return Err(Error::param(
            "jump_ratio",
            format!("must exceed 1, got {}", p.jump_ratio),
        ));
    }
    if p.spectrum == Spectrum::Smallest(0) {
        return Err(Error::param("spectrum", "Smallest(k) needs k ≥ 1"));
    }
    Ok(())
}

/// A grid point as the jump and crossing tests see it.
struct Sample<'a> {
    theta: &'a Array1<f64>,
    eig: &'a SymEigen,
    lambda: f64,
    arclength: f64,
    morse: usize,
}

impl Sample<'_> {
    fn min_eig(&self) -> f64 {
        self.eig.values.first().copied().unwrap_or(f64::NAN)
    }
}

/// Why the step from `prev` to `cur` (θ step `step`, earlier steps `steps`) is a branch jump.
fn jump_reason(
    steps: &[f64],
    step: f64,
    prev: &Sample,
    cur: &Sample,
    p: &PaperParams,
) -> Option<String> {
    let (prev_min, lmin) = (prev.min_eig(), cur.min_eig());
    let reference = steps
        .iter()
        .rev()
        .take(JUMP_WINDOW)
        .copied()
        .fold(0.0, f64::max);
    // L-BFGS stagnation noise makes single steps erratic when they are tiny; a jump to another
    // branch also moves θ by a sizeable fraction of ‖θ‖.
    let floor = JUMP_MIN_RELATIVE * norm(prev.theta.view()).max(1e-8);
    if steps.len() >= 2 && step > p.jump_ratio * reference && step > floor {
        Some(format!(
            "θ moved by {step:.3e} (previous steps ≤ {reference:.3e})"
        ))
    } else if prev_min < 0.0 && lmin > 0.0 {
        Some(format!(
            "smallest eigenvalue snapped from {prev_min:.3e} to {lmin:.3e}"
        ))
    } else {
        None
    }
}

/// The paper's crossing (+ → − between grid points, linear interpolation), if any.
fn crossing_event<O: Objective + ?Sized>(
    obj: &O,
    prev: &Sample,
    cur: &Sample,
    p: &PaperParams,
) -> Result<Option<Event>> {
    let (prev_min, lmin) = (prev.min_eig(), cur.min_eig());
    if !(prev_min > 0.0 && lmin <= 0.0) {
        return Ok(None);
    }
    let t = prev_min / (prev_min - lmin);
    let lstar = prev.lambda + t * (cur.lambda - prev.lambda);
    let nearer = if t <= 0.5 { prev } else { cur };
    let th = nearer.theta.clone();
    let phi = orient(nearer.eig.vectors.column(0).to_owned());
    let es = fd_eigen(obj, th.view(), lstar, p.fd_step)?;
    let gs = obj.gradient(th.view(), lstar);
    let mu = es.values.first().copied().unwrap_or(f64::NAN);
    Ok(Some(Event {
        kind: EventKind::EigenvalueCrossing,
        lambda: lstar,
        residual: norm(gs.view()).max(mu.abs()),
        eigenvalues: recorded(&es, p.spectrum),
        kernel: phi.to_vec(),
        theta: th.to_vec(),
        morse_before: prev.morse,
        morse_after: cur.morse,
        arclength: prev.arclength + t * (cur.arclength - prev.arclength),
        located: false,
    }))
}

/// Shows the branch so far (`points`, `events`, moved in and back) to the observer.
fn notify(
    observer: &mut dyn Observer,
    so_far: &mut Branch,
    points: &mut Vec<Point>,
    events: &mut Vec<Event>,
) -> Option<Status> {
    std::mem::swap(&mut so_far.points, points);
    std::mem::swap(&mut so_far.events, events);
    let last = &so_far.points[so_far.points.len() - 1];
    so_far.max_grad_norm = so_far.max_grad_norm.max(last.grad_norm);
    let stop = match observer.on_point(last, so_far) {
        Control::Stop(r) => Some(r.status()),
        Control::Continue => None,
    };
    std::mem::swap(&mut so_far.points, points);
    std::mem::swap(&mut so_far.events, events);
    stop
}

pub(crate) fn trace_paper_impl<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    p: &PaperParams,
    observer: &mut dyn Observer,
) -> Result<Branch> {
    validate_paper(obj.dim(), theta0, p)?;
    let dl = p.lambda_max / p.n_steps as f64;
    let mut points: Vec<Point> = Vec::with_capacity(p.n_steps + 1);
    let mut eigs: Vec<SymEigen> = Vec::with_capacity(p.n_steps + 1);
    let mut events = Vec::new();
    let mut steps: Vec<f64> = Vec::new();
    let mut jump: Option<String> = None;
    let mut stop: Option<Status> = None;
    // The branch as observers see it (status in progress).
    let mut so_far = in_progress();
    let mut theta = theta0.to_owned();
    for i in 0..=p.n_steps {
        let lambda = if i == p.n_steps {
            p.lambda_max
        } else {
            i as f64 * dl
        };
        let new = minimise(obj, &theta, lambda, p);
        let g = obj.gradient(new.view(), lambda);
        let e = fd_eigen(obj, new.view(), lambda, p.fd_step)?;
        let morse = e.values.iter().filter(|&&v| v < 0.0).count();
        let step = norm((&new - &theta).view());
        let arclength = points.last().map_or(0.0, |q: &Point| {
            q.arclength + (step * step + (lambda - q.lambda).powi(2)).sqrt()
        });
        // Branch-jump and crossing tests against the previous grid point.
        if let (Some(prev), Some(pe)) = (points.last(), eigs.last()) {
            let a = Sample {
                theta: &prev.theta,
                eig: pe,
                lambda: prev.lambda,
                arclength: prev.arclength,
                morse: prev.morse_index,
            };
            let b = Sample {
                theta: &new,
                eig: &e,
                lambda,
                arclength,
                morse,
            };
            // scipy's stopping leaves the iterate lagging the branch and catching up in bursts,
            // which the jump tests would misread; the paper ran without them.
            let detect = p.stopping != PaperStopping::ScipyDefault;
            if let Some(why) = jump_reason(&steps, step, &a, &b, p).filter(|_| detect) {
                jump.get_or_insert_with(|| jump_message(prev.lambda, lambda, &why, g.view()));
                if !p.continue_after_jump {
                    break;
                }
            }
            if let Some(ev) = crossing_event(obj, &a, &b, p)? {
                if let Control::Stop(r) = observer.on_event(&ev) {
                    stop.get_or_insert(r.status());
                }
                events.push(ev);
            }
        }
        if i > 0 {
            steps.push(step);
        }
        points.push(Point {
            lambda,
            grad_norm: norm(g.view()),
            loss: obj.value(new.view(), lambda),
            eigenvalues: recorded(&e, p.spectrum),
            tangent_lambda: 0.0,
            morse_index: morse,
            arclength,
            theta: new.clone(),
            krylov_iterations: 0,
        });
        eigs.push(e);
        theta = new;
        if let Some(st) = notify(observer, &mut so_far, &mut points, &mut events) {
            stop.get_or_insert(st);
        }
        if stop.is_some() {
            break;
        }
    }
    let max_grad_norm = points.iter().map(|q| q.grad_norm).fold(0.0, f64::max);
    Ok(Branch {
        method: Method::Paper,
        points,
        events,
        max_grad_norm,
        status: final_status(stop, jump),
    })
}

/// An empty paper-method branch in progress (the branch as observers see it).
fn in_progress() -> Branch {
    Branch {
        method: Method::Paper,
        points: Vec::new(),
        events: Vec::new(),
        max_grad_norm: 0.0,
        status: Status::InProgress,
    }
}

/// The status of a trace: an observer's stop first, then a branch jump, else λ_max reached.
fn final_status(stop: Option<Status>, jump: Option<String>) -> Status {
    match (stop, jump) {
        (Some(st), _) => st,
        (None, Some(why)) => Status::BranchJump(why),
        (None, None) => Status::ReachedLambdaMax,
    }
}

/// Why the trace left the branch between λ = `from` and `to` (gradient `g` at `to`).
fn jump_message(from: f64, to: f64, why: &str, g: ArrayView1<f64>) -> String {
    format!(
        "L-BFGS left the branch between λ = {from:.6} and λ = {to:.6}: {why}; \
         ‖∇L‖ = {:.3e} there",
        norm(g)
    )
}

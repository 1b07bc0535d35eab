//! §9 measured on the network (issue 11 §3): critical slowing down below the m = 10 fold, the
//! algebraic decay at the fold and at a symmetric pitchfork, and hysteresis under adiabatic
//! sweeps of λ — by gradient flow on the loss itself (backward Euler, [`flow`]), checked by
//! plain gradient descent with a stated step, and compared with the predictions of the located
//! normal forms.
//!
//! Fold (g_µ ≠ 0): the reduced flow ȧ = −(g_µ µ + ½ g_aa a²) has, below λ*, a minimum whose
//! soft eigenvalue is √(2|g_µ g_aa| δ) (δ = λ* − λ), so τ ∝ δ^{-1/2}; at λ* the decay on the
//! stable side is a(t) ≈ 2/(|g_aa| t). Pitchfork (B.4 toy, a = 1): ϕ = C a⁴ gives
//! a(t) ≈ 1/√(8Ct) (the paper's (35)), with C = g_aaa/24 (reduced coefficient).

mod descent;
mod figures;
pub mod flow;
mod hysteresis;
mod relaxation;

pub use descent::{default_step, descend, ols_with_se};
pub use hysteresis::{sweep, Sweep};
pub use relaxation::{algebraic_decay, soft_mode, tau_by_descent, tau_by_flow, Decay, Relaxation};

use super::common::{Analysis, START_TOL};
use crate::activation::Builtin;
use crate::continuation::{
    newton_critical_point, trace, Branch, ContinuationParams, Event, EventKind,
};
use crate::data::{toy, TOY_N, TOY_SEED};
use crate::error::{Error, Result};
use crate::models::two_layer::theory::linear_endpoint::w0;
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use crate::normal_form::{coefficients, CoefficientOptions};
use ndarray::{array, Array1};
use serde::Serialize;

/// τ ∝ δ^p is fitted on δ ≤ this (the fold's square-root law is asymptotic: measured here,
/// τ grows like δ^{-1} for δ ≳ 0.01 and plateaus for 1e-3 ≳ δ ≳ 1e-4, where another soft
/// mode (µ2 ≈ 2.5e-4 at the fold) is the slowest).
pub const ASYMPTOTIC_DELTA: f64 = 1e-4;

/// A distance above this (in θ) means the upward jump did not land on the traced branch.
const LANDING_TOL: f64 = 1e-3;

/// Settings (full run and `--quick`).
#[derive(Clone, Debug, Serialize)]
pub struct Exp8Options {
    /// δ = λ* − λ at which τ is measured by gradient flow.
    pub deltas: Vec<f64>,
    /// The subset of `deltas` also measured by plain gradient descent (≈ 3/(ηµ1) steps each).
    pub gd_deltas: Vec<f64>,
    /// Perturbation size ε along the soft direction (linear regime: ε ≪ µ1/|g_aa|).
    pub eps: f64,
    /// Initial amplitude at the fold (decays as 2/(|g_aa| t) once t ≫ 2/(|g_aa| a0), 1/µ2).
    /// Must be small against |g_aa/g_aaa| (the corrected g_aaa is large here because µ2 is
    /// small): above it the cubic term rules and the perturbation escapes.
    pub fold_a0: f64,
    /// Initial amplitude at the pitchfork.
    pub pitchfork_a0: f64,
    /// The late-time fit window starts at this multiple of the slowest transient time scale …
    pub window_start: f64,
    /// … and spans this factor in t.
    pub window_span: f64,
    /// λ grid points of each hysteresis sweep.
    pub sweep_points: usize,
    /// Flow step of the sweeps.
    pub sweep_dt: f64,
    /// Flow steps per λ value (flow time per λ value = sweep_dt·sweep_steps).
    pub sweep_steps: usize,
    /// Step cap of one gradient-descent relaxation.
    pub gd_max_steps: usize,
}

impl Exp8Options {
    /// The main job's settings (`quick`: CI).
    pub fn new(quick: bool) -> Self {
        Exp8Options {
            deltas: if quick {
                vec![0.1, 1e-4, 3e-5, 1e-5]
            } else {
                vec![
                    0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7,
                ]
            },
            gd_deltas: if quick { vec![] } else { vec![0.3] },
            eps: 1e-6,
            fold_a0: 1e-4,
            pitchfork_a0: 0.05,
            window_start: 100.0,
            window_span: 10.0,
            sweep_points: if quick { 101 } else { 401 },
            sweep_dt: 2000.0,
            sweep_steps: 5,
            gd_max_steps: 200_000,
        }
    }
}

/// The hysteresis loop.
#[derive(Clone, Debug, Serialize)]
pub struct Hysteresis {
    /// Where the upward sweep jumps (first λ after the jump).
    pub jump_up_lambda: Option<f64>,
    /// Where the downward sweep jumps.
    pub jump_down_lambda: Option<f64>,
    /// The exact folds (upper, lower) the jumps are compared with.
    pub exact_folds: Vec<f64>,
    /// ‖θ_up(λ_max) − θ_branch(λ_max)‖: whether the upward jump lands on the traced branch's
    /// second minimum (≈ 0) or in another basin, whose own fold then ends the downward sweep.
    pub up_end_distance_to_traced_branch: Option<f64>,
    /// Flow step of the sweeps.
    pub dt: f64,
    /// Flow steps per λ value.
    pub steps_per_lambda: usize,
    /// Upward sweep.
    pub up: Sweep,
    /// Downward sweep.
    pub down: Sweep,
}

/// The pitchfork decay, or why it was not measured.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PitchforkDecay {
    /// Measured.
    Measured(Decay),
    /// Not measured (no branch point, or C ≤ 0: no decaying side).
    NotMeasured(String),
}

/// Everything exp8 writes (results/exp8_slowing_down.json).
#[derive(Clone, Debug, Serialize)]
pub struct Exp8Result {
    /// Settings.
    pub options: Exp8Options,
    /// The fold (λ*, g_µ, g_aa) the measurements refer to.
    pub fold_lambda: f64,
    /// g_µ at the fold.
    pub g_mu: f64,
    /// g_aa at the fold.
    pub g_aa: f64,
    /// Gradient-descent step η (1/µ_max at the fold) of the `tau_gd` checks.
    pub eta: f64,
    /// τ(δ) measurements.
    pub relaxation: Vec<Relaxation>,
    /// Fitted exponent of τ ∝ δ^p on δ ≤ [`ASYMPTOTIC_DELTA`] (fold prediction −1/2).
    pub tau_exponent: f64,
    /// Its standard error.
    pub tau_exponent_se: f64,
    /// The decay at λ* (fold).
    pub fold_decay: Decay,
    /// Fitted exponent of the decay at λ* (fold prediction −1).
    pub decay_exponent: f64,
    /// The symmetric case (B.4 toy, a = 1, α = 4e-3).
    pub pitchfork_decay: PitchforkDecay,
    /// Hysteresis.
    pub hysteresis: Hysteresis,
    /// The exact branch (for the S-curve figure).
    #[serde(skip)]
    pub branch: Option<Branch>,
    /// One-paragraph finding.
    pub finding: String,
}

/// The m = 10 paper model, its exact branch and the first (fold) event with g_µ, g_aa; the
/// branch of the shared m = 10 analysis when the caller has one (the same trace: same start,
/// same parameters), else traced here.
fn fold_of_paper_model(
    shared: Option<&Analysis>,
) -> Result<(TwoLayer, Array1<f64>, Branch, Event, f64, f64)> {
    let (model, start, branch) = match shared {
        Some(a) => (a.model.clone(), a.theta0.clone(), a.exact.clone()),
        None => {
            let model = TwoLayer::paper(10)?;
            let start: Array1<f64> = w0(&model)?.into_iter().collect();
            let start = newton_critical_point(&model, start.view(), 0.0, START_TOL)?;
            let branch = trace(&model, start.view(), 0.0, &ContinuationParams::default())?;
            (model, start, branch)
        }
    };
    let ev = branch
        .events
        .iter()
        .find(|e| e.kind == EventKind::Fold)
        .cloned()
        .ok_or_else(|| Error::NoConvergence {
            method: "exp8".into(),
            reason: "the m = 10 branch has no fold".into(),
        })?;
    let c = coefficients(&model, &ev, None, &CoefficientOptions::default())?;
    Ok((model, start, branch, ev, c.g_mu, c.g_aa.ad))
}

/// θ on the minimum branch at λ (< the first fold): Newton from the nearest earlier point.
fn minimum_at(model: &TwoLayer, branch: &Branch, fold: &Event, lambda: f64) -> Result<Array1<f64>> {
    let near = branch
        .points
        .iter()
        .filter(|p| p.arclength < fold.arclength)
        .min_by(|a, b| {
            (a.lambda - lambda)
                .abs()
                .total_cmp(&(b.lambda - lambda).abs())
        })
        .ok_or_else(|| Error::param("exp8", "no branch point before the fold"))?;
    newton_critical_point(model, near.theta.view(), lambda, START_TOL)
}

fn measure_relaxation(
    model: &TwoLayer,
    branch: &Branch,
    fold: &Event,
    (g_mu, g_aa, eta): (f64, f64, f64),
    o: &Exp8Options,
) -> Result<Vec<Relaxation>> {
    o.deltas
        .iter()
        .map(|&delta| {
            let lambda = fold.lambda - delta;
            let th = minimum_at(model, branch, fold, lambda)?;
            let (mu1, _) = soft_mode(model, th.view(), lambda)?;
            let tau_gd = if o.gd_deltas.contains(&delta) {
                Some(tau_by_descent(
                    model,
                    th.view(),
                    lambda,
                    (o.eps, eta, o.gd_max_steps),
                )?)
            } else {
                None
            };
            Ok(Relaxation {
                delta,
                lambda,
                mu1,
                tau: tau_by_flow(model, th.view(), lambda, o.eps)?,
                tau_gd,
                tau_linear: 1.0 / mu1,
                tau_fold: 1.0 / (2.0 * (g_mu * g_aa).abs() * delta).sqrt(),
            })
        })
        .collect()
}

fn fold_decay(model: &TwoLayer, fold: &Event, g_aa: f64, o: &Exp8Options) -> Result<Decay> {
    let a0 = g_aa.signum() * o.fold_a0; // ȧ = −½g_aa a² decays on the side where a·g_aa > 0
    let t0 = 2.0 / (g_aa.abs() * o.fold_a0);
    // The second-softest mode (µ2) relaxes on 1/µ2; the algebraic law holds after both.
    let mu2 = fold.eigenvalues.get(1).copied().unwrap_or(f64::INFINITY);
    let slow = t0.max(1.0 / mu2);
    let window = (o.window_start * slow, o.window_start * o.window_span * slow);
    let theta = Array1::from(fold.theta.clone());
    let phi = Array1::from(fold.kernel.clone());
    algebraic_decay(
        model,
        (theta.view(), phi.view(), fold.lambda),
        (a0, t0),
        window,
        (-1.0, 2.0 / g_aa.abs()),
    )
}

fn pitchfork_decay(o: &Exp8Options) -> Result<PitchforkDecay> {
    let model = TwoLayer::new(
        toy(TOY_SEED, TOY_N),
        array![1.0, 1.0],
        PAPER_ALPHA,
        Builtin::Tanh,
    )?;
    let start: Array1<f64> = w0(&model)?.into_iter().collect();
    let start = newton_critical_point(&model, start.view(), 0.0, START_TOL)?;
    let branch = trace(&model, start.view(), 0.0, &ContinuationParams::default())?;
    let Some(ev) = branch
        .events
        .iter()
        .find(|e| e.kind == EventKind::BranchPoint)
    else {
        return Ok(PitchforkDecay::NotMeasured(
            "the a = 1 toy branch has no branch point".into(),
        ));
    };
    let c = coefficients(&model, ev, None, &CoefficientOptions::default())?;
    let cq = c.g_aaa_reduced / 24.0;
    if cq <= 0.0 {
        return Ok(PitchforkDecay::NotMeasured(format!(
            "C = g_aaa/24 = {cq:.3e} ≤ 0: subcritical, no decaying side"
        )));
    }
    let t0 = 1.0 / (8.0 * cq * o.pitchfork_a0.powi(2));
    let mu2 = ev.eigenvalues.get(1).copied().unwrap_or(f64::INFINITY);
    let slow = t0.max(1.0 / mu2);
    let window = (o.window_start * slow, o.window_start * o.window_span * slow);
    let theta = Array1::from(ev.theta.clone());
    let phi = Array1::from(ev.kernel.clone());
    let d = algebraic_decay(
        &model,
        (theta.view(), phi.view(), ev.lambda),
        (o.pitchfork_a0, t0),
        window,
        (-0.5, 1.0 / (8.0 * cq).sqrt()),
    )?;
    Ok(PitchforkDecay::Measured(d))
}

fn hysteresis(
    model: &TwoLayer,
    start: &Array1<f64>,
    branch: &Branch,
    o: &Exp8Options,
) -> Result<Hysteresis> {
    let n = o.sweep_points.max(2);
    let up_l: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    let up = sweep(model, start.clone(), &up_l, o.sweep_dt, o.sweep_steps)?;
    let down_l: Vec<f64> = up_l.iter().rev().copied().collect();
    let down = sweep(model, up.theta.clone(), &down_l, o.sweep_dt, o.sweep_steps)?;
    let end = branch
        .points
        .last()
        .filter(|p| (p.lambda - 1.0).abs() < 1e-12);
    let distance = end.map(|p| crate::linalg::norm((&up.theta - &p.theta).view()));
    Ok(Hysteresis {
        up_end_distance_to_traced_branch: distance,
        jump_up_lambda: up.jump_lambda,
        jump_down_lambda: down.jump_lambda,
        exact_folds: branch
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Fold)
            .map(|e| e.lambda)
            .collect(),
        dt: o.sweep_dt,
        steps_per_lambda: o.sweep_steps,
        up,
        down,
    })
}

/// Runs every measurement; `shared` is the m = 10 analysis of the main job, if available.
pub fn compute(o: &Exp8Options, shared: Option<&Analysis>) -> Result<Exp8Result> {
    let (model, start, branch, fold, g_mu, g_aa) = fold_of_paper_model(shared)?;
    let eta = default_step(&model, Array1::from(fold.theta.clone()).view(), fold.lambda)?;
    let relax = measure_relaxation(&model, &branch, &fold, (g_mu, g_aa, eta), o)?;
    let (lx, ly): (Vec<f64>, Vec<f64>) = relax
        .iter()
        .filter(|r| r.delta <= ASYMPTOTIC_DELTA)
        .map(|r| (r.delta.ln(), r.tau.ln()))
        .unzip();
    let (_, tau_exponent, tau_exponent_se) = if lx.len() >= 3 {
        ols_with_se(&lx, &ly)?
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    let fold_decay = fold_decay(&model, &fold, g_aa, o)?;
    let pitchfork = pitchfork_decay(o)?;
    let hyst = hysteresis(&model, &start, &branch, o)?;
    let mut r = Exp8Result {
        options: o.clone(),
        fold_lambda: fold.lambda,
        g_mu,
        g_aa,
        eta,
        relaxation: relax,
        tau_exponent,
        tau_exponent_se,
        decay_exponent: fold_decay.exponent,
        fold_decay,
        pitchfork_decay: pitchfork,
        hysteresis: hyst,
        branch: Some(branch),
        finding: String::new(),
    };
    r.finding = finding(&r);
    Ok(r)
}

fn finding(r: &Exp8Result) -> String {
    let pf = match &r.pitchfork_decay {
        PitchforkDecay::Measured(d) => format!(
            "at the B.4 (a = 1) pitchfork |a| ∝ t^{:.3} ± {:.3} (paper (35): −1/2)",
            d.exponent, d.exponent_se
        ),
        PitchforkDecay::NotMeasured(why) => format!("pitchfork decay not measured: {why}"),
    };
    let j = |x: Option<f64>| x.map_or("none".to_string(), |v| format!("{v:.4}"));
    format!(
        "Gradient flow on the m = 10 model (checked by gradient descent, η = {:.3e} = 1/µ_max): \
         below the fold at λ* = {:.6} the relaxation time scales as τ ∝ δ^{:.3} ± {:.3} for δ = λ* − λ ≤ 1e-4 (fold prediction −1/2 from g_µ = {:.3e}, \
         g_aa = {:.3e}); at λ* the decay along the kernel is algebraic, |a| ∝ t^{:.3} ± {:.3} \
         (fold prediction −1: a ≈ 2/(|g_aa| t)); {}. Hysteresis: the upward sweep jumps at λ = {} \
         and the downward sweep at λ = {} (exact folds {:?}; after the upward jump the flow is \
         {} from the traced branch's second minimum at λ = 1{}).",
        r.eta,
        r.fold_lambda,
        r.tau_exponent,
        r.tau_exponent_se,
        r.g_mu,
        r.g_aa,
        r.fold_decay.exponent,
        r.fold_decay.exponent_se,
        pf,
        j(r.hysteresis.jump_up_lambda),
        j(r.hysteresis.jump_down_lambda),
        r.hysteresis.exact_folds.iter().map(|x| (x * 1e6).round() / 1e6).collect::<Vec<_>>(),
        r.hysteresis
            .up_end_distance_to_traced_branch
            .map_or("—".to_string(), |d| format!("{d:.2e}")),
        match r.hysteresis.up_end_distance_to_traced_branch {
            Some(d) if d > LANDING_TOL => ": it lands in another basin, whose own fold ends the downward sweep",
            _ => "",
        }
    )
}

/// Figures of [`compute`]'s result: (relative path, SVG).
pub fn figures(r: &Exp8Result) -> Result<Vec<(String, String)>> {
    figures::all(r)
}

impl super::Finding for Exp8Result {
    fn finding(&self) -> String {
        self.finding.clone()
    }
}

/// exp8 as an experiment of `reproduce` (results/exp8_slowing_down.json).
pub struct Dynamics;

impl super::Experiment for Dynamics {
    type Result = Exp8Result;

    fn meta(&self) -> super::Meta {
        super::Meta {
            id: "§9",
            title: "critical slowing down and hysteresis (gradient flow, m = 10)",
            file: "exp8_slowing_down.json",
            own_thread: true,
        }
    }

    fn run(&self, ctx: &super::Context) -> Result<super::Outcome<Exp8Result>> {
        let result = compute(&Exp8Options::new(ctx.quick), ctx.shared_m10().ok());
        let end = result.as_ref().ok().map(|r| {
            let h = &r.hysteresis;
            (h.up.theta.clone(), h.jump_down_lambda)
        });
        let _ = ctx.hysteresis.set(end);
        let result = result?;
        let figures = figures(&result)?;
        Ok(super::Outcome { result, figures })
    }
}

//! The open continuation engine (issue 9 §3–4) and reliability of traces (issue 13 §1, §2, §4):
//! refusal of non-isolated starts, observers and budgets, resume, lenses, user test functions,
//! and events located to the last bit. References are closed forms or the independent JAX
//! value of the paper fold, never values produced by the code under test.

use actbif::continuation::{
    trace, trace_observed, Branch, CancelFlag, ContinuationAlgorithm, ContinuationParams,
    ContinuationProblem, Control, EventKind, Observer, Point, PseudoArclength, Status, StopReason,
    TestFunction, TestPoint,
};
use actbif::derivatives::ad::{AdObjective, GenericLoss};
use actbif::derivatives::family::{family_of, Family, FixedLambda};
use actbif::derivatives::parametric::ALPHA;
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use ndarray::{array, Array1, ArrayView1};
use num_dual::DualNum;

/// Independent JAX (float64) reference of the paper fold (m = 10), as in tests/continuation.rs.
const REF_FOLD: f64 = 0.7501412559404;

/// L = θ³/3 + (λ − ½)θ: the fold θ* = 0 at λ* = ½ exactly, Morse 0 → 1.
struct Fold1;

impl GenericLoss for Fold1 {
    fn dim(&self) -> usize {
        1
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, t: &[D], l: D) -> D {
        t[0].powi(3) / 3.0 + (l - 0.5) * t[0].clone()
    }
}

/// L = ½(θ0 + θ1)² + ½λθ1²: at λ = 0 a valley of minimisers θ0 = −θ1 (Hessian rank 1); for
/// λ > 0 the isolated minimum θ = 0.
struct Valley;

impl GenericLoss for Valley {
    fn dim(&self) -> usize {
        2
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, t: &[D], l: D) -> D {
        let s = t[0].clone() + t[1].clone();
        s.clone() * s * 0.5 + l * t[1].clone() * t[1].clone() * 0.5
    }
}

/// Z2 pitchfork L = θ0⁴/4 + (c − λ)θ0²/2 + (θ1 − sin λ)²/2: trivial branch θ = (0, sin λ),
/// branch point at λ = c.
struct Pitchfork(f64);

impl GenericLoss for Pitchfork {
    fn dim(&self) -> usize {
        2
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, t: &[D], l: D) -> D {
        let a = t[0].clone();
        let b = t[1].clone() - l.clone().sin();
        a.powi(4) * 0.25 + (l * (-1.0) + self.0) * a.powi(2) * 0.5 + b.clone() * b * 0.5
    }
}

/// L = θ⁴/4 − λθ²/2 (α₀ = 0 built in): at fixed λ = 1 the α-branch through θ = 1 is
/// θ² = 1 − α.
struct Quartic;

impl GenericLoss for Quartic {
    fn dim(&self) -> usize {
        1
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, t: &[D], l: D) -> D {
        t[0].powi(4) * 0.25 - l * t[0].powi(2) * 0.5
    }
}

#[test]
fn singular_start_is_refused_with_the_reason() {
    let obj = AdObjective(Valley);
    let e = trace(&obj, array![0.0, 0.0].view(), 0.0, &Default::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("not isolated"), "{msg}");
    assert!(msg.contains("α > 0"), "{msg}");
    // Away from the valley the same objective traces cleanly, without any event.
    let b = trace(&obj, array![0.1, -0.1].view(), 0.5, &Default::default()).unwrap();
    assert_eq!(b.status, Status::ReachedLambdaMax);
    assert!(b.events.is_empty(), "{:?}", b.events);
    for p in &b.points {
        assert!(p.theta.iter().all(|v| v.abs() < 1e-12), "λ = {}", p.lambda);
    }
}

/// Stops after `n` accepted points.
struct StopAfter(usize);

impl Observer for StopAfter {
    fn on_point(&mut self, _p: &Point, b: &Branch) -> Control {
        if b.points.len() >= self.0 {
            Control::Stop(StopReason::Other("test".into()))
        } else {
            Control::Continue
        }
    }
}

#[test]
fn observer_stop_keeps_every_accepted_point() {
    let obj = AdObjective(Pitchfork(0.37));
    let p = ContinuationParams::default();
    let b = trace_observed(&obj, array![0.0, 0.0].view(), 0.0, &p, &mut StopAfter(4)).unwrap();
    assert_eq!(b.status, Status::Interrupted("test".into()));
    assert_eq!(b.points.len(), 4);
    for q in &b.points {
        assert!((q.theta[1] - q.lambda.sin()).abs() < 1e-12 && q.theta[0] == 0.0);
    }
    let flag = CancelFlag::new();
    flag.cancel();
    let b = trace_observed(&obj, array![0.0, 0.0].view(), 0.0, &p, &mut flag.clone()).unwrap();
    assert!(matches!(b.status, Status::Interrupted(_)));
    assert_eq!(b.points.len(), 1);
}

#[test]
fn event_and_time_budgets() {
    let obj = AdObjective(Fold1);
    let theta0 = array![0.5f64.sqrt()];
    let p = ContinuationParams {
        max_events: Some(1),
        ..Default::default()
    };
    let b = trace(&obj, theta0.view(), 0.0, &p).unwrap();
    assert_eq!(b.status, Status::MaxEvents);
    assert_eq!(b.events.len(), 1);
    assert!(b.points.last().unwrap().lambda < 0.5);
    let p = ContinuationParams {
        max_seconds: Some(1e-12),
        ..Default::default()
    };
    let b = trace(&obj, theta0.view(), 0.0, &p).unwrap();
    assert_eq!(b.status, Status::TimeBudgetExhausted);
    assert_eq!(b.points.len(), 1);
    assert!(b.status.is_incomplete());
}

#[test]
fn fold_located_to_the_last_bit() {
    // Closed form: λ* = ½, θ* = 0; the residual max(|θ² + λ − ½|, |2θ|) reaches rounding.
    let obj = AdObjective(Fold1);
    let b = trace(&obj, array![0.5f64.sqrt()].view(), 0.0, &Default::default()).unwrap();
    assert_eq!(b.events.len(), 1);
    let e = &b.events[0];
    assert!(e.residual <= 1e-15, "residual {:e}", e.residual);
    assert!((e.lambda - 0.5).abs() <= 1e-15, "λ* = {}", e.lambda);
}

#[test]
fn paper_folds_reach_relative_rounding() {
    // On main the second fold stopped at residual 4.7e-13 (first Newton iterate below 1e-12).
    let model = TwoLayer::paper(10).unwrap();
    let theta0 = actbif::continuation::newton_critical_point(
        &model,
        Array1::zeros(model.n_params()).view(),
        0.0,
        1e-13,
    )
    .unwrap();
    let b = trace(&model, theta0.view(), 0.0, &Default::default()).unwrap();
    assert_eq!(b.events.len(), 2, "{:?}", b.events);
    for e in &b.events {
        assert_eq!(e.kind, EventKind::Fold);
        assert!(
            e.residual <= 1e-13,
            "λ = {}: residual {:e}",
            e.lambda,
            e.residual
        );
    }
    assert!((b.events[0].lambda - REF_FOLD).abs() < 1e-9);
}

#[test]
fn resume_continues_to_the_same_fold() {
    let obj = AdObjective(Fold1);
    let short = PseudoArclength::new(ContinuationParams {
        max_steps: 3,
        ..Default::default()
    });
    let t = short
        .run(
            &obj,
            array![0.5f64.sqrt()].view(),
            0.0,
            &mut actbif::continuation::NoObserver,
        )
        .unwrap();
    assert_eq!(t.branch.status, Status::StepBudgetExhausted);
    let state = t.resume.expect("exact traces carry a resume state");
    let full = PseudoArclength::new(ContinuationParams::default());
    let r = full
        .resume(&obj, &state, &mut actbif::continuation::NoObserver)
        .unwrap();
    assert_eq!(r.branch.status, Status::ReachedLambdaMin);
    assert_eq!(r.branch.points[0].lambda, state.lambda);
    assert_eq!(r.branch.events.len(), 1);
    assert!((r.branch.events[0].lambda - 0.5).abs() < 1e-15);
    for p in &r.branch.points {
        assert!((p.theta[0] * p.theta[0] + p.lambda - 0.5).abs() < 1e-12);
    }
}

#[test]
fn alpha_lens_follows_the_closed_form_branch() {
    let obj = AdObjective(Quartic);
    let problem = ContinuationProblem::in_alpha(&obj, 1.0, 0.0);
    let alg = PseudoArclength::new(ContinuationParams {
        lambda_max: 0.5,
        ..Default::default()
    });
    let t = alg
        .run_problem(
            &problem,
            array![1.0].view(),
            0.0,
            &mut actbif::continuation::NoObserver,
        )
        .unwrap();
    assert_eq!(t.branch.status, Status::ReachedLambdaMax);
    assert_eq!(t.branch.points.last().unwrap().lambda, 0.5);
    for p in &t.branch.points {
        // Here `lambda` is α.
        assert!((p.theta[0] * p.theta[0] + p.lambda - 1.0).abs() < 1e-12);
    }
}

#[test]
fn two_layer_alpha_derivatives_match_differences_in_alpha() {
    let a = TwoLayer::paper(3).unwrap();
    let with = |alpha: f64| {
        TwoLayer::new(
            actbif::data::paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N),
            actbif::data::paper_output_weights(3),
            alpha,
            actbif::activation::Builtin::Tanh,
        )
        .unwrap()
    };
    let (lo, hi) = (with(3e-3), with(5e-3));
    let theta = Array1::from_shape_fn(a.n_params(), |i| 0.1 * (i as f64).sin());
    // L is affine in α: the central difference is exact up to rounding of ‖∇L‖ ~ 1.
    let fd = (hi.gradient(theta.view(), 0.4) - lo.gradient(theta.view(), 0.4)) / 2e-3;
    let fam = family_of(&a, ALPHA).unwrap();
    let exact = fam.grad_p(theta.view(), 0.4, 4e-3);
    assert!((&fd - &exact).iter().all(|d| d.abs() < 1e-10));
    let fdh = (hi.hessian(theta.view(), 0.4) - lo.hessian(theta.view(), 0.4)) / 2e-3;
    // The lens at fixed λ presents ∂αH as its ∂λH (the dense default and Tikhonov's own agree).
    let lens = FixedLambda {
        family: fam.clone(),
        lambda: 0.4,
    };
    let exh = lens.hessian_lambda(theta.view(), 4e-3);
    assert!((&fdh - &exh).iter().all(|d| d.abs() < 1e-10));
    let u = Array1::from_shape_fn(a.n_params(), |i| (i as f64).cos());
    let exu = lens.hessian_lambda_vec(theta.view(), 4e-3, u.view());
    assert!((&fdh.dot(&u) - &exu).iter().all(|d| d.abs() < 1e-9));
    // At p = α₀ the lens is the model itself at the fixed λ.
    assert_eq!(
        lens.gradient(theta.view(), 4e-3),
        a.gradient(theta.view(), 0.4)
    );
    assert!(family_of(&a, "nonsense").is_err());
}

#[test]
fn any_family_is_continued_at_fixed_lambda() {
    // The toy v = (1, a) continued in a at λ = 0.5 (B.4's symmetry-breaking weight): every
    // point must be a critical point of the model built with that a (its own structured
    // gradient, not the family's AD path).
    let model = actbif::models::two_layer::toy_model(1.0, 4e-3).unwrap();
    let theta0 = actbif::app::start_point(&model).unwrap();
    let lam = 0.5;
    let b = actbif::continuation::trace(
        &model,
        theta0.view(),
        0.0,
        &ContinuationParams {
            lambda_max: lam,
            ..Default::default()
        },
    )
    .unwrap();
    let start = &b.points.last().unwrap();
    assert!((start.lambda - lam).abs() < 1e-12);
    let fam = actbif::models::two_layer::output_weight::OutputWeight::new(&model, 1).unwrap();
    assert_eq!(fam.base(), 1.0);
    let alg = PseudoArclength::new(ContinuationParams {
        lambda_max: 1.3,
        ..Default::default()
    });
    let t = alg
        .run_family(
            fam,
            lam,
            ArrayView1::from(&start.theta),
            1.0,
            &mut actbif::continuation::NoObserver,
        )
        .unwrap();
    assert_eq!(t.branch.status, Status::ReachedLambdaMax);
    assert!(t.branch.points.len() > 3);
    for p in &t.branch.points {
        let at = actbif::models::two_layer::toy_model(p.lambda, 4e-3).unwrap();
        let g = at.gradient(ArrayView1::from(&p.theta), lam);
        // The corrector's tolerance on ‖∇L‖ (default 1e-10 scale), with rounding margin.
        assert!(
            g.iter().all(|x| x.abs() < 1e-8),
            "‖∇L‖ = {g} at a = {}",
            p.lambda
        );
    }
}

/// λ − 0.25: an event at λ = 0.25 exactly.
struct LambdaAt(f64);

impl TestFunction for LambdaAt {
    fn value(&self, p: &TestPoint) -> f64 {
        p.lambda - self.0
    }
}

#[test]
fn user_defined_test_function_is_located() {
    let obj = AdObjective(Pitchfork(0.37));
    let mut alg = PseudoArclength::new(ContinuationParams::default());
    alg.tests.push(Box::new(LambdaAt(0.25)));
    let t = alg
        .run(
            &obj,
            array![0.0, 0.0].view(),
            0.0,
            &mut actbif::continuation::NoObserver,
        )
        .unwrap();
    let kinds: Vec<_> = t.branch.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::UserDefined, EventKind::BranchPoint]);
    let u = &t.branch.events[0];
    assert!((u.lambda - 0.25).abs() < 1e-13, "λ = {}", u.lambda);
    assert!((t.branch.events[1].lambda - 0.37).abs() < 1e-12);
    let theta: ArrayView1<f64> = ArrayView1::from(&u.theta);
    assert!((theta[1] - 0.25f64.sin()).abs() < 1e-12);
}

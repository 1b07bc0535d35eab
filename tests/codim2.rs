//! Fold-curve continuation in (λ, α) and its codimension-two points on the m = 10 paper model,
//! checked against independent references: folds located by the λ-continuation engine at two
//! values of α, the dense spectrum, AD derivatives of a model built with the other α (not the
//! family's shifted objective), the normal-form module's cubic coefficient, and λ-traces on
//! either side of a cusp.

use actbif::app::curves::{log_grid, width_row, with_alpha};
use actbif::app::start_point;
use actbif::continuation::codim2::*;
use actbif::continuation::{newton_critical_point, trace, ContinuationParams, Event, EventKind};
use actbif::derivatives::Objective;
use actbif::linalg::{norm, sym_eigen};
use actbif::models::two_layer::TwoLayer;
use actbif::normal_form::{coefficients, CoefficientOptions};
use ndarray::{Array1, ArrayView1};
use std::sync::OnceLock;

/// The paper's α.
const ALPHA0: f64 = 4e-3;
/// A second α at which the two folds of the S-curve persist (0.895 and 0.094).
const ALPHA2: f64 = 5e-3;
/// Folds of independently located λ-branch folds must agree to this (both located to rounding;
/// a fold is a regular solution of both systems, so λ is as well conditioned as θ).
const FOLD_LAMBDA_TOL: f64 = 1e-10;

fn base() -> TwoLayer {
    TwoLayer::paper(10).unwrap()
}

/// The folds of the λ-branch from the λ = 0 minimum at α (engine, independent of codim2).
fn traced_folds(alpha: f64) -> Vec<Event> {
    let m = with_alpha(&base(), alpha).unwrap();
    let th = start_point(&m).unwrap();
    let b = trace(&m, th.view(), 0.0, &ContinuationParams::default()).unwrap();
    b.events
        .into_iter()
        .filter(|e| e.kind == EventKind::Fold)
        .collect()
}

fn start_of(e: &Event, p: f64) -> FoldStart {
    FoldStart {
        theta: e.theta.clone().into(),
        lambda: e.lambda,
        p,
        kernel: e.kernel.clone().into(),
    }
}

/// The m = 10 fold curve through the first fold, α ∈ [1e-4, 1e-1] (computed once).
fn full_curve() -> &'static FoldCurve {
    static C: OnceLock<FoldCurve> = OnceLock::new();
    C.get_or_init(|| {
        let b = base();
        let e = &traced_folds(ALPHA0)[0];
        let fam = family_of(&b, "alpha").unwrap();
        fold_curve(
            &fam,
            &start_of(e, ALPHA0),
            &FoldCurveParams::new(1e-4, 1e-1),
        )
        .unwrap()
    })
}

/// The unit eigenvector of the eigenvalue nearest zero and that eigenvalue (dense).
fn dense_kernel(m: &TwoLayer, theta: ArrayView1<f64>, lambda: f64) -> (f64, Array1<f64>) {
    let e = sym_eigen(&m.hessian(theta, lambda)).unwrap();
    let i = (0..e.values.len())
        .min_by(|&a, &b| e.values[a].abs().total_cmp(&e.values[b].abs()))
        .unwrap();
    (e.values[i], e.vectors.column(i).to_owned())
}

/// Follows the curve from `start` at `p_from` to the window edge `p_to` and returns λ there.
fn lambda_at_edge(start: FoldStart, p_to: f64) -> f64 {
    let b = base();
    let fam = family_of(&b, "alpha").unwrap();
    let up = p_to > start.p;
    let (lo, hi) = if up { (start.p, p_to) } else { (p_to, start.p) };
    let params = FoldCurveParams {
        directions: Directions::Only(if up {
            Direction::IncreasingP
        } else {
            Direction::DecreasingP
        }),
        ..FoldCurveParams::new(lo, hi)
    };
    let c = fold_curve(&fam, &start, &params).unwrap();
    let side = if up {
        WindowSide::PMax
    } else {
        WindowSide::PMin
    };
    let ev = c
        .events
        .iter()
        .find(|e| e.boundary == Some(side))
        .expect("the curve leaves through the p edge");
    assert_eq!(ev.status, LocateStatus::Located);
    assert_eq!(ev.p, p_to);
    ev.lambda
}

#[test]
fn fold_curves_pass_through_folds_traced_at_two_alphas() {
    let f0 = traced_folds(ALPHA0);
    let f2 = traced_folds(ALPHA2);
    // The engine's S-curve at the paper's α (README, exp2) and two folds at the second α.
    assert!((f0[0].lambda - 0.750141255940427).abs() < 1e-12);
    assert!((f0[1].lambda - 0.07433853026000771).abs() < 1e-12);
    assert_eq!(f2.len(), 2);
    for k in 0..2 {
        let up = lambda_at_edge(start_of(&f0[k], ALPHA0), ALPHA2);
        assert!(
            (up - f2[k].lambda).abs() < FOLD_LAMBDA_TOL,
            "fold {k}: curve from α0 reaches λ = {up} at α2, trace there {}",
            f2[k].lambda
        );
        let down = lambda_at_edge(start_of(&f2[k], ALPHA2), ALPHA0);
        assert!(
            (down - f0[k].lambda).abs() < FOLD_LAMBDA_TOL,
            "fold {k}: curve from α2 reaches λ = {down} at α0, trace there {}",
            f0[k].lambda
        );
    }
}

#[test]
fn every_curve_point_is_a_fold() {
    let c = full_curve();
    assert!(c.complete(), "{:?}", c.ends);
    assert!(c.points.len() > 50);
    for p in &c.points {
        // The model rebuilt at α = p: not the family's shifted objective.
        let m = with_alpha(&base(), p.p).unwrap();
        let g = norm(m.gradient(p.theta.view(), p.lambda).view());
        let (mu, _) = dense_kernel(&m, p.theta.view(), p.lambda);
        assert!(
            g < 1e-11,
            "‖∇L‖ = {g:e} at (λ, α) = ({}, {})",
            p.lambda,
            p.p
        );
        assert!(mu.abs() < 1e-10, "µ = {mu:e} at ({}, {})", p.lambda, p.p);
        assert!((p.kernel_eigenvalue - mu).abs() < 1e-10);
    }
    // It leaves through α = 1e-4 and through λ = 1 (the phase boundary at m = 10).
    let sides: Vec<_> = c.events.iter().filter_map(|e| e.boundary).collect();
    assert_eq!(sides, vec![WindowSide::PMin, WindowSide::LambdaMax]);
}

/// The located cusp of largest α (λ ≈ 0.839, α ≈ 4.2e-3).
fn top_cusp() -> &'static Codim2Event {
    full_curve()
        .events
        .iter()
        .filter(|e| e.kind == Codim2Kind::Cusp)
        .max_by(|a, b| a.p.total_cmp(&b.p))
        .expect("a cusp")
}

#[test]
fn cusp_has_vanishing_g_aa_and_nonzero_cubic_coefficient() {
    let c = top_cusp();
    assert_eq!(c.status, LocateStatus::Located, "{:?}", c.reason);
    assert!(c.residual <= LOCATE_TOL);
    let m = with_alpha(&base(), c.p).unwrap();
    let th = c.theta.view();
    let (mu, phi) = dense_kernel(&m, th, c.lambda);
    assert!(mu.abs() < 1e-10);
    let d3 = m.d3_vec(th, c.lambda, phi.view());
    let g_aa = d3.dot(&phi);
    assert!(g_aa.abs() < 1e-9 * norm(d3.view()), "g_aa = {g_aa:e}");
    // The cubic coefficient against the normal-form module's g_aaa (corrected).
    let ev = Event {
        kind: EventKind::Fold,
        lambda: c.lambda,
        residual: 0.0,
        eigenvalues: vec![mu],
        kernel: phi.to_vec(),
        theta: c.theta.to_vec(),
        morse_before: 0,
        morse_after: 1,
        arclength: 0.0,
        located: true,
    };
    let nf = coefficients(&m, &ev, None, &CoefficientOptions::default()).unwrap();
    let cubic = c.cubic_coefficient.unwrap();
    assert!((cubic - nf.g_aaa_reduced).abs() < 1e-6 * nf.g_aaa_reduced.abs());
    assert!(c.cubic_relative.unwrap() > 1e-2, "cubic coefficient ≈ 0");
}

/// Folds of the λ-branch through the point near (θ, λ − w) at α, traced over λ ± w.
fn local_folds(theta: ArrayView1<f64>, lambda: f64, alpha: f64) -> Vec<f64> {
    const W: f64 = 0.03;
    let m = with_alpha(&base(), alpha).unwrap();
    let th = newton_critical_point(&m, theta, lambda - W, 1e-13).unwrap();
    let p = ContinuationParams {
        lambda_min: lambda - W,
        lambda_max: lambda + W,
        ds_initial: 1e-3,
        ds_max: 2e-3,
        ..Default::default()
    };
    let b = trace(&m, th.view(), lambda - W, &p).unwrap();
    b.events
        .iter()
        .filter(|e| e.kind == EventKind::Fold)
        .map(|e| e.lambda)
        .collect()
}

#[test]
fn two_folds_merge_at_the_cusp() {
    let c = top_cusp();
    // Just below the cusp's α: two folds within 1e-3 of each other and of the cusp's λ.
    let below = local_folds(c.theta.view(), c.lambda, c.p * (1.0 - 1e-3));
    assert_eq!(below.len(), 2, "{below:?}");
    assert!((below[0] - below[1]).abs() < 1e-3);
    assert!(below.iter().all(|l| (l - c.lambda).abs() < 5e-3));
    // Just above: none.
    let above = local_folds(c.theta.view(), c.lambda, c.p * (1.0 + 1e-3));
    assert!(above.is_empty(), "{above:?}");
}

#[test]
fn gmu_zero_points_have_vanishing_g_mu_only() {
    let c = full_curve();
    let gmu: Vec<_> = c
        .events
        .iter()
        .filter(|e| e.kind == Codim2Kind::GmuZero)
        .collect();
    assert!(!gmu.is_empty());
    for e in &gmu {
        assert_eq!(e.status, LocateStatus::Located, "{:?}", e.reason);
        let m = with_alpha(&base(), e.p).unwrap();
        let th = e.theta.view();
        let (mu, phi) = dense_kernel(&m, th, e.lambda);
        assert!(mu.abs() < 1e-10);
        let gl = m.grad_lambda(th, e.lambda);
        assert!(gl.dot(&phi).abs() < 1e-9 * norm(gl.view()));
        // Not a cusp: g_aa and φᵀ∂α∇L = φᵀθ are away from zero.
        let d3 = m.d3_vec(th, e.lambda, phi.view());
        assert!(d3.dot(&phi).abs() > 1e-6 * norm(d3.view()));
        assert!(phi.dot(&th).abs() > 1e-6 * norm(th));
    }
    // A cusp and a g_µ = 0 point within 1e-5 in λ, told apart (both located, distinct).
    let close = c.events.iter().any(|a| {
        a.kind == Codim2Kind::Cusp
            && gmu.iter().any(|b| {
                let d = (a.lambda - b.lambda).abs();
                d < 1e-5 && d > 1e-9
            })
    });
    assert!(close);
}

#[test]
fn phase_boundary_at_m10_is_the_exit_through_lambda_1() {
    let b = base();
    let row = width_row(&b, &log_grid(1e-3, 1e-2, 3)).unwrap();
    assert_eq!(row.mechanism, "exits_lambda_1");
    assert!(row.verified);
    let a = row.alpha_c.unwrap();
    // The same exit on the full curve (its window is not the bracket's).
    let exit = full_curve()
        .events
        .iter()
        .find(|e| e.boundary == Some(WindowSide::LambdaMax))
        .unwrap();
    assert!((a - exit.p).abs() < 1e-12 * a);
    // Independent traces: just inside a fold just below λ = 1, just outside none.
    let inside = traced_folds(a * (1.0 - 1e-4));
    assert!(inside[0].lambda > 0.99 && inside[0].lambda < 1.0);
    assert!(traced_folds(a * (1.0 + 1e-4)).is_empty());
}

#[test]
fn shifted_family_matches_a_model_built_with_that_alpha() {
    let b = base();
    let fam = family_of(&b, "alpha").unwrap();
    let th = Array1::from_shape_fn(b.n_params(), |i| 0.1 * ((i as f64) * 0.7).sin());
    let m = with_alpha(&b, 7e-3).unwrap();
    let s = fam.at(7e-3);
    let dg = &s.gradient(th.view(), 0.4) - &m.gradient(th.view(), 0.4);
    let dh = &s.hessian(th.view(), 0.4) - &m.hessian(th.view(), 0.4);
    assert!(norm(dg.view()) < 1e-14);
    assert!(dh.iter().all(|x| x.abs() < 1e-14));
    assert!(family_of(&b, "lambda").is_err());
    assert!(family_of(&b, "beta").is_err());
}

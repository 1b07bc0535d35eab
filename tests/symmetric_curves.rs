//! Branch-point curves of the symmetric toy (issue 11, B.1/B.4), checked against independent
//! references: the dense spectrum and gradient of the model built directly at each (a, α),
//! and branch points located by 1-parameter traces.

use actbif::app::curves::{
    cusp_exponent, run_branch_point_curve, run_imperfect_fold_curve, toy_branch_point,
};
use actbif::derivatives::Objective;
use actbif::linalg::{sym_eigen, sym_eigenvalues};
use actbif::models::two_layer::toy_model;
use actbif::models::two_layer::PAPER_ALPHA;
use actbif::Error;

/// ‖∇L‖ of a point of a curve: the corrector drives its residual to 1e-12 (10× at the rounding
/// floor); the direct model sums the same terms in another order (rounding ~1e-15).
const GRAD_TOL: f64 = 1e-10;
/// A Hessian eigenvalue that is zero at a located point: the bordered test function g equals
/// the eigenvalue to first order, and |g| ≤ 1e-11 after correction; H has entries O(1).
const EIG_TOL: f64 = 1e-9;

fn nearest_zero(e: &[f64]) -> f64 {
    e.iter()
        .copied()
        .fold(f64::INFINITY, |m, v| if v.abs() < m.abs() { v } else { m })
}

#[test]
fn branch_point_curve_is_a_curve_of_symmetric_pitchforks() {
    let r = run_branch_point_curve(PAPER_ALPHA, None).unwrap();
    println!(
        "bp curve: {} points, status {}, start {:?}, events {:?}",
        r.points.len(),
        r.status,
        r.start,
        r.events
            .iter()
            .map(|e| (e.lambda, e.p, e.boundary))
            .collect::<Vec<_>>()
    );
    assert_eq!(r.status, "complete", "{:?}", r.ends);
    assert!(r.points.len() > 10);
    for q in &r.points {
        // The model at this α, built directly (structured derivatives, not the family).
        let model = toy_model(1.0, q.p).unwrap();
        let th = q.theta.view();
        let g = model.gradient(th, q.lambda);
        assert!(g.iter().all(|x| x.abs() < GRAD_TOL), "∇L = {g} at {q:?}");
        // θ on Fix(S₂): w1 = w2.
        assert!((th[0] - th[1]).abs() < 1e-12);
        // The zero eigenvalue of H, and its eigenvector is antisymmetric (w1 − w2).
        let e = sym_eigen(&model.hessian(th, q.lambda)).unwrap();
        let k = (0..2)
            .min_by(|&i, &j| e.values[i].abs().total_cmp(&e.values[j].abs()))
            .unwrap();
        assert!(
            e.values[k].abs() < EIG_TOL,
            "eigenvalues {:?} at {q:?}",
            e.values
        );
        let v = e.vectors.column(k);
        assert!(
            (v[0] + v[1]).abs() < 1e-6,
            "kernel {v} is not antisymmetric"
        );
        assert!(
            q.g_aa.abs() < 1e-9 * q.g_aaa.abs().max(1.0),
            "g_aa = {} ≠ 0",
            q.g_aa
        );
    }
}

#[test]
fn branch_point_curve_agrees_with_one_parameter_traces() {
    let r = run_branch_point_curve(PAPER_ALPHA, None).unwrap();
    // Three curve points spread over the α range, each compared with a trace at that α.
    let n = r.points.len();
    for q in [&r.points[n / 5], &r.points[n / 2], &r.points[4 * n / 5]] {
        let (_, _, start) = toy_branch_point(q.p).unwrap();
        println!(
            "α = {:.4e}: curve λ = {:.12}, trace λ = {:.12}",
            q.p, q.lambda, start.lambda
        );
        // The trace locates its branch point by Newton on its own extended system (residual
        // ≤ 1e-10); the curve point is converged to 1e-12: agreement well below 1e-7.
        assert!((q.lambda - start.lambda).abs() < 1e-7);
    }
}

#[test]
fn imperfect_pitchfork_folds_meet_the_branch_point_as_a_cusp() {
    let r = run_imperfect_fold_curve(PAPER_ALPHA, None).unwrap();
    let (lam0, a0) = r.start;
    println!(
        "fold curve in a: {} points, status {}, start {:?}, events {:?}, κ = {:?}",
        r.points.len(),
        r.status,
        r.start,
        r.events
            .iter()
            .map(|e| (e.kind, e.lambda, e.p))
            .collect::<Vec<_>>(),
        cusp_exponent(&r)
    );
    assert_eq!(a0, 1.0);
    assert!(r.points.iter().any(|q| q.p < 0.99) && r.points.iter().any(|q| q.p > 1.01));
    // Near a = 1 both sheets lie on the same side of λ*: a cusp, not a crossing.
    let near: Vec<f64> = r
        .points
        .iter()
        .filter(|q| (q.p - 1.0).abs() < 0.05 && q.p != 1.0)
        .map(|q| q.lambda - lam0)
        .collect();
    assert!(near.len() >= 4);
    assert!(
        near.iter().all(|d| d.signum() == near[0].signum()),
        "{near:?}"
    );
    // Each fold (a ≠ 1) is a genuine fold of the model v = (1, a) built directly.
    for q in r.points.iter().filter(|q| (q.p - 1.0).abs() > 1e-3) {
        let model = toy_model(q.p, PAPER_ALPHA).unwrap();
        let th = q.theta.view();
        let g = model.gradient(th, q.lambda);
        assert!(
            g.iter().all(|x| x.abs() < GRAD_TOL),
            "∇L = {g} at a = {}",
            q.p
        );
        let e = sym_eigenvalues(&model.hessian(th, q.lambda))
            .unwrap()
            .to_vec();
        assert!(nearest_zero(&e).abs() < EIG_TOL, "{e:?} at a = {}", q.p);
    }
    // λ − λ* ∝ |a − 1|^{2/3} (unfolding μx − cx³ + ε: μ ∝ x², ε ∝ x³); the fit over
    // |a − 1| ∈ [1e-4, 1e-2] carries O(|a − 1|^{1/3}) corrections, so within 0.05.
    let kappa = cusp_exponent(&r).expect("enough points near the cusp");
    assert!((kappa - 2.0 / 3.0).abs() < 0.05, "κ = {kappa}");
}

#[test]
fn bad_inputs_are_refused() {
    // α outside the window.
    assert!(matches!(
        run_branch_point_curve(0.5, None),
        Err(Error::InvalidParameter { .. })
    ));
    // A window that is not increasing.
    assert!(matches!(
        run_imperfect_fold_curve(PAPER_ALPHA, Some((1.2, 0.8))),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn main_job_experiment_runs_and_draws_both_figures() {
    use actbif::experiments::exp10_symmetric_curves::SymmetricCurves;
    use actbif::experiments::{Context, Experiment};
    let out = SymmetricCurves.run(&Context::new(true, false)).unwrap();
    let names: Vec<&str> = out.figures.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "figures/exp10_branch_point_curve.svg",
            "figures/exp10_imperfect_folds.svg"
        ]
    );
    assert!(out.figures.iter().all(|f| f.1.contains("<svg")));
    // The traced branch points lie on the curve: λ* increases with α (monotone curve).
    let t = &out.result.traced_branch_points;
    assert!(
        t.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1),
        "{t:?}"
    );
    assert!(serde_json::to_string(&out.result).is_ok());
}

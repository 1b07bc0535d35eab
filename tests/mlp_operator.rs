//! The MLP's matrix-free Hessian operator: the Gauss–Newton Woodbury inverse built from the
//! Kronecker factors of the Jacobian, checked against the forward-over-reverse Hessian (where
//! the curvature part vanishes, H is the Gauss–Newton matrix exactly) and against dense solves.

use actbif::activation::Builtin;
use actbif::data::paper_teacher;
use actbif::experiments::check::random_point;
use actbif::linalg::krylov::{gmres, minres, HessianOperator};
use actbif::models::mlp::hessian_operator::MlpHessian;
use actbif::models::mlp::{Mlp, MlpSpec};
use actbif::Objective;
use ndarray::{Array1, ArrayView1};
use std::sync::Arc;

/// Products and solves of n ≤ 30 with entries O(1): rounding ≈ 1e-15 relative, amplified by
/// κ(P) ≲ 1e3 in the solves.
const TOL: f64 = 1e-11;
const ALPHA: f64 = 1e-2;

fn rel(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let d = a - b;
    d.dot(&d).sqrt() / b.dot(b).sqrt()
}

fn model(trained: usize) -> Mlp {
    let spec = MlpSpec {
        layers: vec![5, 6, 4, 1],
        trained: vec![trained],
    };
    Mlp::with_default_weights(paper_teacher(77, 40), &spec, ALPHA, Builtin::Tanh).unwrap()
}

/// At λ = 0 the network is linear, and with the output layer trained the loss is quadratic in
/// θ: in both cases H = αI + JᵀJ/N, so the Kronecker products must reproduce H·u.
#[test]
fn gauss_newton_is_the_hessian_where_the_curvature_part_vanishes() {
    for (trained, lambda) in [(0, 0.0), (1, 0.0), (2, 0.0), (2, 0.8)] {
        let m = model(trained);
        let (theta, u) = random_point(m.n_params(), 3);
        let gn = m
            .gauss_newton(theta.view(), lambda)
            .expect("one trained layer, α > 0");
        assert_eq!(gn.dim(), m.n_params());
        let h = m.hessian_vec(theta.view(), lambda, u.view());
        let e = rel(&gn.apply(u.view()), &h);
        assert!(e <= TOL, "layer {trained}, λ = {lambda}: rel. err {e:e}");
    }
}

/// P⁻¹ from Woodbury against P applied (independent code paths), at a point with curvature.
#[test]
fn woodbury_inverse_inverts_the_gauss_newton_matrix() {
    for trained in [0, 1, 2] {
        let m = model(trained);
        let (theta, r) = random_point(m.n_params(), 5);
        let gn = m.gauss_newton(theta.view(), 0.6).unwrap();
        let x = gn.solve(r.view());
        let e = rel(&gn.apply(x.view()), &r);
        assert!(e <= TOL, "layer {trained}: ‖P P⁻¹r − r‖/‖r‖ = {e:e}");
    }
}

#[test]
fn no_preconditioner_without_its_structure() {
    let spec = MlpSpec {
        layers: vec![5, 6, 4, 1],
        trained: vec![0, 1],
    };
    let two =
        Mlp::with_default_weights(paper_teacher(77, 40), &spec, ALPHA, Builtin::Tanh).unwrap();
    let t = two.default_theta();
    assert!(two.gauss_newton(t.view(), 0.3).is_none());
    assert!(two.hessian_operator(t.view(), 0.3).is_none());
    let flat = MlpSpec {
        layers: vec![5, 6, 4, 1],
        trained: vec![0],
    };
    let a0 = Mlp::with_default_weights(paper_teacher(77, 40), &flat, 0.0, Builtin::Tanh).unwrap();
    assert!(a0.gauss_newton(a0.default_theta().view(), 0.3).is_none());
}

/// The operator's "preconditioner" solves H x = r (curvature part included) to its inner
/// tolerance, checked with the forward-over-reverse H·u; and with the Gauss–Newton
/// preconditioner GMRES needs fewer iterations than MINRES without one.
#[test]
fn operator_inverse_solves_the_full_hessian() {
    let m = model(0);
    let (theta, r) = random_point(m.n_params(), 9);
    let theta = theta * 2.0;
    let lambda = 0.7;
    let op = MlpHessian::new(Arc::new(m.clone()), theta.view(), lambda).unwrap();
    let x = op.precondition(r.view()).unwrap();
    let hx = m.hessian_vec(theta.view(), lambda, x.view());
    // Inner tolerance 1e-11 relative to ‖r‖ (the recomputed residual).
    assert!(rel(&hx, &r) <= 2e-11, "{:e}", rel(&hx, &r));
    let a = |u: ArrayView1<f64>| m.hessian_vec(theta.view(), lambda, u);
    let gn = op.gauss_newton();
    let pre = |u: ArrayView1<f64>| gn.solve(u);
    let with = gmres(&a, &pre, &r, None, 1e-10, 300).unwrap();
    let without = minres(&a, &r, 1e-10, 300).unwrap();
    assert!(
        with.iters < without.iters,
        "GN-preconditioned GMRES {} vs MINRES {}",
        with.iters,
        without.iters
    );
}

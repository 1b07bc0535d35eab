//! The MLP's matrix-free Hessian operator: the Gauss–Newton Woodbury inverse built from the
//! Kronecker factors of the Jacobian, checked against the forward-over-reverse Hessian (where
//! the curvature part vanishes, H is the Gauss–Newton matrix exactly) and against dense solves.

use actbif::activation::Builtin;
use actbif::app::check::random_point;
use actbif::data::paper_teacher;
use actbif::linalg::krylov::{minres, HessianOperator};
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

/// With no layer above the trained one ([d, m, 1], trained 0) the curvature part of H is
/// exactly its block-diagonal term, so P_σ = H − σI: P_σ⁻¹(H − σI)u = u with H·u from
/// forward-over-reverse AD (independent of the closed-form blocks and the Woodbury algebra).
#[test]
fn curvature_preconditioner_is_the_shifted_hessian_without_layers_above() {
    let spec = MlpSpec {
        layers: vec![5, 6, 1],
        trained: vec![0],
    };
    let m = Mlp::with_default_weights(paper_teacher(77, 20), &spec, ALPHA, Builtin::Tanh).unwrap();
    for (seed, lambda) in [(3, 0.0), (4, 0.7), (5, 1.0)] {
        let (theta, u) = random_point(m.n_params(), seed);
        let theta = theta * 2.0;
        let p = m.curvature_preconditioner(theta.view(), lambda).unwrap();
        let hu = m.hessian_vec(theta.view(), lambda, u.view()) - &(&u * p.sigma);
        let e = rel(&p.apply(u.view()), &hu);
        assert!(e <= TOL, "λ = {lambda}: ‖P u − (H − σ)u‖ rel. {e:e}");
        let back = p.solve(hu.view());
        let e = rel(&back, &u);
        assert!(e <= TOL, "λ = {lambda}: ‖P⁻¹(H − σ)u − u‖ rel. {e:e}");
    }
}

/// Deeper ([5, 6, 4, 1]): P_σ⁻¹ inverts P_σ, P_σ is SPD (dense eigenvalues of the matrix with
/// columns P e_c), and at λ = 0 (no curvature) it is H − σI with σ = α/2.
#[test]
fn curvature_preconditioner_is_an_spd_exact_inverse() {
    let m = model(0);
    let n = m.n_params();
    let (theta, r) = random_point(n, 5);
    let theta = theta * 2.0;
    let p = m.curvature_preconditioner(theta.view(), 0.8).unwrap();
    let e = rel(&p.apply(p.solve(r.view()).view()), &r);
    assert!(e <= TOL, "‖P P⁻¹r − r‖/‖r‖ = {e:e}");
    let mut dense = ndarray::Array2::zeros((n, n));
    for c in 0..n {
        let mut ec = Array1::zeros(n);
        ec[c] = 1.0;
        dense.column_mut(c).assign(&p.apply(ec.view()));
    }
    let asym = (&dense - &dense.t())
        .iter()
        .fold(0.0f64, |a, v| a.max(v.abs()));
    assert!(asym <= 1e-12, "asymmetry {asym:e}");
    let vals = actbif::linalg::sym_eigenvalues(&dense).unwrap();
    assert!(vals[0] > 0.0, "smallest eigenvalue {}", vals[0]);
    let p0 = m.curvature_preconditioner(theta.view(), 0.0).unwrap();
    assert!((p0.sigma - ALPHA / 2.0).abs() <= 1e-15);
    let hu = m.hessian_vec(theta.view(), 0.0, r.view()) - &(&r * p0.sigma);
    assert!(rel(&p0.apply(r.view()), &hu) <= TOL);
}

/// The operator's preconditioner is P_σ⁻¹; GMRES on H with it converges (checked with the
/// forward-over-reverse H·u) in fewer iterations than MINRES without one.
#[test]
fn operator_inverse_solves_the_full_hessian() {
    let m = model(0);
    let (theta, r) = random_point(m.n_params(), 9);
    let theta = theta * 2.0;
    let lambda = 0.7;
    let op = MlpHessian::new(Arc::new(m.clone()), theta.view(), lambda).unwrap();
    assert!(op.precondition(r.view()).is_some());
    let with = op.solve(&r, 1e-10, 300).unwrap();
    let hx = m.hessian_vec(theta.view(), lambda, with.x.view());
    assert!(rel(&hx, &r) <= 2e-10, "{:e}", rel(&hx, &r));
    let a = |u: ArrayView1<f64>| m.hessian_vec(theta.view(), lambda, u);
    let without = minres(&a, &r, 1e-10, 300).unwrap();
    assert!(
        with.iters < without.iters,
        "P-preconditioned GMRES {} vs MINRES {}",
        with.iters,
        without.iters
    );
}

/// (∂λH)u in one pass against the central difference of H·u in λ (an independent route: two
/// forward-over-reverse products). Step h = 1e-4: truncation O(h²·‖∂λ³H u‖) ≈ 1e-8, rounding
/// ≈ ε·‖Hu‖/h ≈ 1e-12, so 1e-6 relative leaves a wide margin and fails on any missing term.
#[test]
fn hessian_lambda_vec_is_the_lambda_derivative_of_hessian_products() {
    let h = 1e-4;
    for trained in [0, 1] {
        let m = model(trained);
        let n = m.n_params();
        let (theta, u) = random_point(n, 11);
        for lambda in [0.3, 0.9] {
            let got = m.hessian_lambda_vec(theta.view(), lambda, u.view());
            let plus = m.hessian_vec(theta.view(), lambda + h, u.view());
            let minus = m.hessian_vec(theta.view(), lambda - h, u.view());
            let fd = (&plus - &minus) / (2.0 * h);
            assert!(
                rel(&got, &fd) < 1e-6,
                "layer {trained}, λ = {lambda}: {}",
                rel(&got, &fd)
            );
        }
    }
}

/// The operator's preconditioner after `deflate` with exact eigenpairs of the dense AD Hessian
/// (the k = 3 smallest, the smallest shifted towards zero by the point choice): M⁻¹(H v) = v
/// for every deflated v (the coarse part inverts H there exactly), while the eigensolver's
/// preconditioner stays the undeflated SPD P⁻¹. Rounding: ε·‖H‖/|θ| with |θ| ≥ 1e-4 here.
#[test]
fn deflated_preconditioner_inverts_h_on_the_deflated_eigenvectors() {
    let m = Arc::new(model(0));
    let n = m.n_params();
    let (theta, _) = random_point(n, 5);
    let lambda = 0.9;
    let h = m.hessian(theta.view(), lambda);
    let e = actbif::linalg::sym_eigen(&h).unwrap();
    let op = MlpHessian::new(m.clone(), theta.view(), lambda).unwrap();
    let k = 3;
    let v = e.vectors.slice(ndarray::s![.., ..k]).to_owned();
    let vals = e.values.slice(ndarray::s![..k]).to_owned();
    assert!(vals.iter().all(|t| t.abs() >= 1e-4), "test point: {vals}");
    let before: Vec<Array1<f64>> = (0..k)
        .map(|i| op.precondition(h.dot(&v.column(i)).view()).unwrap())
        .collect();
    op.deflate(vals.view(), v.view(), &[0.0; 3]);
    for (i, undeflated) in before.iter().enumerate() {
        let vi = v.column(i).to_owned();
        let back = op.precondition(h.dot(&vi).view()).unwrap();
        assert!(rel(&back, &vi) < 1e-9, "pair {i}: {}", rel(&back, &vi));
        // Without deflation P⁻¹ is only an approximation there (else the test proves nothing).
        assert!(rel(undeflated, &vi) > 1e-3, "pair {i} already exact");
    }
    // The eigensolver's preconditioner is not deflated: it equals P⁻¹ of the structure.
    let r = h.dot(&v.column(0));
    let t = op
        .eigen_preconditioner_block(r.view().insert_axis(ndarray::Axis(1)))
        .unwrap();
    let p = op.preconditioner().unwrap().solve(r.view());
    assert!(rel(&t.column(0).to_owned(), &p) < 1e-14);
}

/// The block product H·U (one forward-over-reverse pass for all columns) against b single
/// products H·u_k and against the dense Hessian of the generic num-dual path over the
/// element-wise reference loss (an independent code). Every architecture with one or several
/// trained layers exercises each GEMM layout of the block pass (seeded weights above and below
/// dual activations); b = 1, 3 and an awkward 7. Same sums of the same O(1) products: ≤ 1e-13
/// relative to the single products (rounding of dot products of length ≤ 40), 1e-12 to the
/// generic AD path (its own element-wise summation order).
#[test]
fn block_hessian_products_match_single_products_and_the_dense_ad_hessian() {
    use actbif::derivatives::ad::AdObjective;
    use actbif::linalg::SplitMix64;
    let archs: [(Vec<usize>, Vec<usize>); 5] = [
        (vec![5, 6, 4, 1], vec![0]),
        (vec![5, 6, 4, 1], vec![1]),
        (vec![5, 6, 4, 1], vec![2]),
        (vec![5, 6, 4, 1], vec![0, 2]),
        (vec![5, 3, 1], vec![0, 1]),
    ];
    // Softplus (σ″(0) ≠ 0) on every other architecture.
    for (i, (layers, trained)) in archs.iter().enumerate() {
        let act = if i % 2 == 0 {
            Builtin::Tanh
        } else {
            Builtin::Softplus
        };
        let spec = MlpSpec {
            layers: layers.clone(),
            trained: trained.clone(),
        };
        let m = Mlp::with_default_weights(paper_teacher(77, 40), &spec, ALPHA, act).unwrap();
        let n = m.n_params();
        let (theta, _) = random_point(n, 11);
        let theta = theta * 2.0;
        for lambda in [0.0, 0.6] {
            let dense = AdObjective(&m).hessian(theta.view(), lambda);
            for b in [1, 3, 7] {
                let mut rng = SplitMix64::new(b as u64);
                let u = ndarray::Array2::from_shape_fn((n, b), |_| rng.next_signed());
                let hu = m.hessian_block(theta.view(), lambda, u.view());
                for k in 0..b {
                    let got = hu.column(k).to_owned();
                    let single = m.hessian_vec(theta.view(), lambda, u.column(k));
                    let reference = dense.dot(&u.column(k));
                    let what =
                        format!("{layers:?} {trained:?} {act:?} λ = {lambda} b = {b} k = {k}");
                    assert!(
                        rel(&got, &single) <= 1e-13,
                        "{what}: {:e}",
                        rel(&got, &single)
                    );
                    assert!(
                        rel(&got, &reference) <= 1e-12,
                        "{what}: {:e}",
                        rel(&got, &reference)
                    );
                }
            }
        }
    }
}

/// The operator's `apply_block` is the block product (the LOBPCG eigensolver's products).
#[test]
fn operator_apply_block_is_the_block_product() {
    let m = Arc::new(model(0));
    let n = m.n_params();
    let (theta, _) = random_point(n, 5);
    let op = MlpHessian::new(m.clone(), theta.view(), 0.9).unwrap();
    let u = ndarray::Array2::from_shape_fn((n, 4), |(i, j)| ((i * 4 + j) as f64 * 0.37).sin());
    let got = op.apply_block(u.view());
    for k in 0..4 {
        let single = op.apply(u.column(k));
        assert!(rel(&got.column(k).to_owned(), &single) <= 1e-13);
    }
}

/// The block preconditioner solves (the LOBPCG preconditioner, all columns by GEMMs) against
/// the column-by-column solves, for the curvature preconditioner (hidden trained layers) and
/// the Gauss–Newton one (output layer), at an awkward b = 7 and b = 1. The same algebra with
/// sums in another order: agreement to rounding amplified by κ(P) ≲ 1e3 (TOL).
#[test]
fn block_preconditioner_solves_match_column_solves() {
    for trained in [0, 1, 2] {
        let m = Arc::new(model(trained));
        let n = m.n_params();
        let (theta, _) = random_point(n, 9);
        let op = MlpHessian::new(m.clone(), theta.view(), 0.7).unwrap();
        let p = op.preconditioner().unwrap();
        let gn = m.gauss_newton(theta.view(), 0.7).unwrap();
        for b in [1, 7] {
            let r =
                ndarray::Array2::from_shape_fn((n, b), |(i, j)| ((i * b + j) as f64 * 0.61).cos());
            let (x, xg) = (p.solve_block(r.view()), gn.solve_block(r.view()));
            for k in 0..b {
                let want = p.solve(r.column(k));
                assert!(
                    rel(&x.column(k).to_owned(), &want) <= TOL,
                    "layer {trained}, b = {b}"
                );
                let want = gn.solve(r.column(k));
                assert!(
                    rel(&xg.column(k).to_owned(), &want) <= TOL,
                    "GN layer {trained}, b = {b}"
                );
            }
        }
    }
}

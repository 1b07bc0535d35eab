//! The `Mlp` family: its derivatives (one generic backward pass, dual GEMMs) against three
//! independent references — the two-layer structured path, the generic num-dual path over the
//! element-wise reference loss, and finite differences — plus the λ = 0 start and validation.

use actbif::activation::Builtin;
use actbif::app::check::random_point;
use actbif::data::{paper_teacher, Dataset, NumpyRng};
use actbif::derivatives::ad::AdObjective;
use actbif::derivatives::finite_diff::{FdConfig, FiniteDifference};
use actbif::models::mlp::{Mlp, MlpSpec};
use actbif::models::two_layer::theory::linear_endpoint::w0;
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use ndarray::{Array1, Array2, ArrayView1};
use proptest::prelude::*;

/// Floor of the denominators of the exact-vs-exact comparisons: where a derivative vanishes
/// identically (e.g. D³L in a layer the loss is quadratic in) only rounding is left, so the
/// comparison becomes absolute at 1e-3·1e-12 = 1e-15.
const EXACT_FLOOR: f64 = 1e-3;
/// Floor for comparisons with finite differences: their absolute error is ~ε·|L|/h^k with
/// L = O(1) here, so relative errors are measured against max(‖reference‖, 1).
const FD_FLOOR: f64 = 1.0;

/// ‖a − b‖ / max(‖b‖, EXACT_FLOOR): norm-wise relative difference.
fn rel(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    rel_floor(a, b, EXACT_FLOOR)
}

fn rel_floor(a: &Array1<f64>, b: &Array1<f64>, floor: f64) -> f64 {
    let d = a - b;
    d.dot(&d).sqrt() / b.dot(b).sqrt().max(floor)
}

fn rel_mat(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let d = a - b;
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    d.iter().map(|x| x * x).sum::<f64>().sqrt() / nb.max(EXACT_FLOOR)
}

/// Floor of the scalar comparisons (L, D³L[u³], D⁴L[u⁴]): each is a mean over samples of
/// products of O(1) factors (‖u‖ = 1, standardised data, O(1) weights), so its rounding error is
/// ~ε·O(1) in absolute terms whatever the size of the mean; below |value| ~ 1 a relative test
/// would ask for more than rounding allows (a random case hit D⁴L = 4.7e-5 with a 2.2e-15
/// difference), while any wrong term is still an O(1e-3..1) error.
const SCALAR_FLOOR: f64 = 1.0;

fn rel_s(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(SCALAR_FLOOR)
}

/// Exact-vs-exact: both sides are exact up to rounding; with O(10²) terms per entry and
/// GEMM reassociation the relative rounding is ~1e-14, far inside this bound.
const EXACT_TOL: f64 = 1e-12;

/// The acceptance test: the two-layer model as the depth-2 MLP agrees with the
/// structured two-layer path on every derivative.
#[test]
fn two_layer_is_the_depth_two_case() {
    let tl = TwoLayer::paper(10).unwrap();
    let mlp = Mlp::from_two_layer(&tl).unwrap();
    assert_eq!(mlp.n_params(), tl.n_params());
    let (theta, u) = random_point(tl.n_params(), 3);
    let (t, u) = (theta.view(), u.view());
    for lambda in [0.0, 0.37, 1.0] {
        assert!(rel_s(mlp.value(t, lambda), tl.value(t, lambda)) <= EXACT_TOL);
        let pairs = [
            (mlp.gradient(t, lambda), tl.gradient(t, lambda), "gradient"),
            (
                mlp.hessian_vec(t, lambda, u),
                tl.hessian_vec(t, lambda, u),
                "H·u",
            ),
            (
                mlp.grad_lambda(t, lambda),
                tl.grad_lambda(t, lambda),
                "∂λ∇L",
            ),
            (
                mlp.d3_vec(t, lambda, u),
                tl.d3_vec(t, lambda, u),
                "D³L[u,u,·]",
            ),
        ];
        for (a, b, what) in pairs {
            assert!(
                rel(&a, &b) <= EXACT_TOL,
                "{what} at λ = {lambda}: {:e}",
                rel(&a, &b)
            );
        }
        assert!(rel_s(mlp.d3(t, lambda, u), tl.d3(t, lambda, u)) <= EXACT_TOL);
        assert!(rel_s(mlp.d4(t, lambda, u), tl.d4(t, lambda, u)) <= EXACT_TOL);
    }
    let lambda = 0.6;
    let h = rel_mat(&mlp.hessian(t, lambda), &tl.hessian(t, lambda));
    let hl = rel_mat(
        &mlp.hessian_lambda(t, lambda),
        &tl.hessian_lambda(t, lambda),
    );
    let hd = rel_mat(
        &mlp.hessian_directional(t, lambda, u),
        &tl.hessian_directional(t, lambda, u),
    );
    assert!(
        h <= EXACT_TOL && hl <= EXACT_TOL && hd <= EXACT_TOL,
        "{h:e} {hl:e} {hd:e}"
    );
}

/// λ = 0 start, one trained layer: for the two-layer model it is the Sylvester W0; for a
/// deeper net it is a critical point with a positive definite Hessian.
#[test]
fn lambda0_start_is_the_ridge_minimum() {
    let tl = TwoLayer::paper(7).unwrap();
    let mlp = Mlp::from_two_layer(&tl).unwrap();
    let start = mlp.lambda0_start().unwrap();
    let w = Array1::from_iter(w0(&tl).unwrap().iter().copied());
    assert!(rel(&start, &w) <= EXACT_TOL);

    let spec = MlpSpec {
        layers: vec![5, 6, 4, 1],
        trained: vec![1],
    };
    let deep =
        Mlp::with_default_weights(paper_teacher(77, 200), &spec, 1e-2, Builtin::Tanh).unwrap();
    let s = deep.lambda0_start().unwrap();
    let g = deep.gradient(s.view(), 0.0);
    // ∇L = 0 up to the rounding of the solve (κ ≈ 1e3 times ε·‖γ‖).
    assert!(g.dot(&g).sqrt() <= 1e-12, "‖∇L‖ = {:e}", g.dot(&g).sqrt());
    let ev = actbif::linalg::sym_eigenvalues(&deep.hessian(s.view(), 0.0)).unwrap();
    assert!(
        ev[0] >= 1e-2 * (1.0 - 1e-9),
        "H ⪰ αI at λ = 0, got λmin = {}",
        ev[0]
    );

    let two = MlpSpec {
        layers: vec![5, 6, 4, 1],
        trained: vec![0, 1],
    };
    let m2 = Mlp::with_default_weights(paper_teacher(77, 50), &two, 1e-2, Builtin::Tanh).unwrap();
    assert!(m2
        .lambda0_start()
        .unwrap_err()
        .to_string()
        .contains("manifold"));
}

#[test]
fn spec_validation_messages() {
    let data = paper_teacher(77, 20);
    let bad = |layers: Vec<usize>, trained: Vec<usize>| {
        Mlp::with_default_weights(
            data.clone(),
            &MlpSpec { layers, trained },
            1e-3,
            Builtin::Tanh,
        )
        .unwrap_err()
        .to_string()
    };
    assert!(bad(vec![4, 3, 1], vec![0]).contains("data dimension d = 5"));
    assert!(bad(vec![5, 3, 2], vec![0]).contains("last width must be 1"));
    assert!(bad(vec![5, 3, 1], vec![2]).contains("out of range"));
    assert!(bad(vec![5, 3, 1], vec![]).contains("at least one layer"));
    assert!(bad(vec![5, 0, 1], vec![0]).contains("width 1 is 0"));
    assert!(bad(vec![5], vec![0]).contains("at least an input and an output"));
}

/// A small random data set (d inputs, N samples) and random frozen weights.
fn small_model(layers: Vec<usize>, trained: Vec<usize>, seed: u32) -> Mlp {
    let mut rng = NumpyRng::new(seed);
    let n = 7;
    let x = rng.randn2(n, layers[0]);
    let y = rng.randn(n);
    let spec = MlpSpec { layers, trained };
    Mlp::with_default_weights(Dataset::new(x, y).unwrap(), &spec, 3e-2, Builtin::Tanh).unwrap()
}

fn point(n: usize, seed: u64) -> (Array1<f64>, Array1<f64>, Array1<f64>) {
    let (t, u) = random_point(n, seed);
    let (_, v) = random_point(n, seed + 1000);
    // Larger weights so that the nonlinearity matters.
    (t * 3.0, u, v)
}

fn check_against_ad(
    mlp: &Mlp,
    theta: ArrayView1<f64>,
    lambda: f64,
    u: ArrayView1<f64>,
    v: ArrayView1<f64>,
) {
    let ad = AdObjective(mlp);
    assert!(rel_s(mlp.value(theta, lambda), ad.value(theta, lambda)) <= EXACT_TOL);
    let pairs = [
        (
            mlp.gradient(theta, lambda),
            ad.gradient(theta, lambda),
            "gradient",
        ),
        (
            mlp.hessian_vec(theta, lambda, u),
            ad.hessian_vec(theta, lambda, u),
            "H·u",
        ),
        (
            mlp.grad_lambda(theta, lambda),
            ad.grad_lambda(theta, lambda),
            "∂λ∇L",
        ),
        (
            mlp.d3_vec(theta, lambda, u),
            ad.d3_vec(theta, lambda, u),
            "D³L[u,u,·]",
        ),
        (
            mlp.d3_mixed_vec(theta, lambda, u, v),
            ad.d3_mixed_vec(theta, lambda, u, v),
            "D³L[u,v,·]",
        ),
    ];
    for (a, b, what) in pairs {
        assert!(rel(&a, &b) <= EXACT_TOL, "{what}: {:e}", rel(&a, &b));
    }
    assert!(rel_s(mlp.d3(theta, lambda, u), ad.d3(theta, lambda, u)) <= EXACT_TOL);
    assert!(rel_s(mlp.d4(theta, lambda, u), ad.d4(theta, lambda, u)) <= EXACT_TOL);
    let h = rel_mat(&mlp.hessian(theta, lambda), &ad.hessian(theta, lambda));
    let hl = rel_mat(
        &mlp.hessian_lambda(theta, lambda),
        &ad.hessian_lambda(theta, lambda),
    );
    assert!(h <= EXACT_TOL && hl <= EXACT_TOL, "H {h:e}, ∂λH {hl:e}");
}

/// Finite differences of the MLP's own value and gradient ([`FiniteDifference`] defaults:
/// central stencils, steps 1e-5/1e-4/1e-3). Best-case relative errors (module docs of
/// `finite_diff`): 2e-11 (1st), 1e-8 (2nd), 4e-7 (3rd differences); the bounds leave a
/// factor ≥ 100 for O(1)–O(10) higher derivatives.
fn check_against_fd(mlp: &Mlp, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) {
    let fd = FiniteDifference::new(mlp, FdConfig::default());
    // Gradient from central differences of the value (step 1e-6: error ~ 1e-10 relative).
    let h = 1e-6;
    let n = mlp.n_params();
    let g_fd = Array1::from_shape_fn(n, |k| {
        let mut p = theta.to_owned();
        let mut m = theta.to_owned();
        p[k] += h;
        m[k] -= h;
        (mlp.value(p.view(), lambda) - mlp.value(m.view(), lambda)) / (2.0 * h)
    });
    assert!(rel_floor(&mlp.gradient(theta, lambda), &g_fd, FD_FLOOR) <= 1e-7);
    let hu = rel_floor(
        &mlp.hessian_vec(theta, lambda, u),
        &fd.hessian_vec(theta, lambda, u),
        FD_FLOOR,
    );
    assert!(hu <= 1e-6, "H·u vs FD {hu:e}");
    let gl = rel_floor(
        &mlp.grad_lambda(theta, lambda),
        &fd.grad_lambda(theta, lambda),
        FD_FLOOR,
    );
    assert!(gl <= 1e-6, "∂λ∇L vs FD {gl:e}");
    let d3 = rel_floor(
        &mlp.d3_vec(theta, lambda, u),
        &fd.d3_vec(theta, lambda, u),
        FD_FLOOR,
    );
    assert!(d3 <= 1e-4, "D³L[u,u,·] vs FD {d3:e}");
    let d4 = (mlp.d4(theta, lambda, u) - fd.d4(theta, lambda, u)).abs();
    assert!(
        d4 <= 1e-3 * mlp.d4(theta, lambda, u).abs().max(FD_FLOOR),
        "D⁴L vs FD {d4:e}"
    );
}

#[test]
fn deep_net_agrees_with_generic_ad_and_fd() {
    for (layers, trained) in [
        (vec![3, 4, 3, 1], vec![0]),
        (vec![3, 4, 3, 1], vec![1]),
        (vec![3, 4, 3, 1], vec![0, 2]),
        (vec![2, 3, 2, 3, 1], vec![0, 1, 2, 3]),
    ] {
        let mlp = small_model(layers, trained, 11);
        let (t, u, v) = point(mlp.n_params(), 5);
        check_against_ad(&mlp, t.view(), 0.7, u.view(), v.view());
        check_against_fd(&mlp, t.view(), 0.7, u.view());
    }
}

/// Seed of the random-architecture cases (any fixed value; see the proptest block).
const PROPTEST_SEED: u64 = 20261128;

fn arch() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (1usize..4, prop::collection::vec(1usize..4, 1..4)).prop_flat_map(|(d, hidden)| {
        let mut layers = vec![d];
        layers.extend(hidden);
        layers.push(1);
        let depth = layers.len() - 1;
        let trained = prop::collection::btree_set(0..depth, 1..=depth)
            .prop_map(|s| s.into_iter().collect::<Vec<_>>());
        (Just(layers), trained)
    })
}

proptest! {
    // A fixed seed: CI runs the same 24 cases every time. (A random case, [3, 2, 1], seed 366,
    // λ = 0.650, once hit D⁴L = 4.7e-5 under a relative floor of 1e-3: see SCALAR_FLOOR.)
    #![proptest_config(ProptestConfig {
        rng_seed: proptest::test_runner::RngSeed::Fixed(PROPTEST_SEED),
        ..ProptestConfig::with_cases(24)
    })]
    #[test]
    fn random_architectures_agree(
        (layers, trained) in arch(),
        seed in 0u64..1000,
        lambda in 0.0f64..1.0,
    ) {
        let mlp = small_model(layers, trained, seed as u32 + 1);
        let (t, u, v) = point(mlp.n_params(), seed);
        check_against_ad(&mlp, t.view(), lambda, u.view(), v.view());
        check_against_fd(&mlp, t.view(), lambda, u.view());
    }
}

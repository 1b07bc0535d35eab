//! The three-layer network of the `deep_network` example (second layer frozen) through the
//! generic AD path: derivatives against central finite differences, the λ = 0 start against
//! its closed form, and the traced branch and its located events re-checked independently
//! (gradients and Hessians recomputed through [`ThreeLayer`], a separate implementation of
//! the same network, and g_µ by finite differences).

use actbif::continuation::{trace, Branch, ContinuationParams, EventKind, Status};
use actbif::data::Dataset;
use actbif::derivatives::ad::AdObjective;
use actbif::linalg::sym_eigenvalues;
use actbif::models::deep::{FixedSecondLayer, ThreeLayer};
use actbif::models::two_layer::PAPER_ALPHA;
use actbif::normal_form::{coefficients, Classification, CoefficientOptions};
use actbif::{Error, Objective};
use ndarray::{s, Array1, Array2, ArrayView1};
use std::sync::OnceLock;

/// The example's instance.
const SEED: u32 = 10;

fn model() -> FixedSecondLayer {
    FixedSecondLayer::small_teacher(SEED, PAPER_ALPHA).unwrap()
}

/// The traced branch, shared by the tests that inspect it (one trace, about a second).
fn branch() -> &'static Branch {
    static BRANCH: OnceLock<Branch> = OnceLock::new();
    BRANCH.get_or_init(|| {
        let m = model();
        let theta0 = m.lambda0_minimiser().unwrap();
        trace(
            &AdObjective(&m),
            theta0.view(),
            0.0,
            &ContinuationParams::default(),
        )
        .unwrap()
    })
}

fn norm(x: &Array1<f64>) -> f64 {
    x.dot(x).sqrt()
}

fn maxnorm(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Deterministic pseudo-random vector in [−1, 1) (xorshift; independent of the crate's RNGs).
fn pseudo_random(n: usize, mut state: u64) -> Array1<f64> {
    Array1::from_shape_simple_fn(n, || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
}

/// Gradient and Hessian of the frozen-A loss recomputed through [`ThreeLayer`]'s loss (the
/// W-block of its gradient and Hessian at θ extended by the frozen A).
struct Independent {
    fixed: FixedSecondLayer,
    full: AdObjective<ThreeLayer>,
}

impl Independent {
    fn new() -> Self {
        let fixed = model();
        let full = AdObjective(fixed.three_layer().unwrap());
        Independent { fixed, full }
    }
    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        let p = self.fixed.pack_three_layer(theta).unwrap();
        let g = self.full.gradient(p.view(), lambda);
        g.slice(s![..theta.len()]).to_owned()
    }
    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let n = theta.len();
        let p = self.fixed.pack_three_layer(theta).unwrap();
        let h = self.full.hessian(p.view(), lambda);
        h.slice(s![..n, ..n]).to_owned()
    }
}

/// Central differences have error C h² + O(h⁴): halving h must divide the error by ≈ 4. An
/// error δ in the derivative adds an h-independent part, |C h² + δ| / |C h²/4 + δ|, which stays
/// in [3.5, 4.5] only if |δ| ≲ 0.05 |C| h² (no relative-size check: at a critical point the
/// exact gradient is 0).
fn assert_second_order(what: &str, exact: &[f64], fd: impl Fn(f64) -> Vec<f64>) {
    let h = 1e-2;
    let err = |h: f64| {
        let f = fd(h);
        assert_eq!(f.len(), exact.len(), "{what}: lengths");
        maxnorm(&f.iter().zip(exact).map(|(a, b)| a - b).collect::<Vec<_>>())
    };
    let (e1, e2) = (err(h), err(h / 2.0));
    let ratio = e1 / e2;
    assert!(
        (3.5..=4.5).contains(&ratio),
        "{what}: FD error ratio {ratio} (errors {e1:e}, {e2:e}; scale {:e})",
        maxnorm(exact)
    );
}

fn flat<D: ndarray::Dimension>(a: ndarray::Array<f64, D>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// Every AD derivative the continuation and normal form use, against central differences of
/// lower-order quantities; the directional third and fourth derivatives against stencils of
/// the loss value alone.
fn check_derivatives(theta: &Array1<f64>, lam: f64, label: &str) {
    let m = model();
    let obj = AdObjective(&m);
    let n = obj.dim();
    let t = theta.view();
    let u = pseudo_random(n, 0x9e37_79b9);
    let unit = |k: usize| Array1::from_shape_fn(n, |i| if i == k { 1.0 } else { 0.0 });
    let cd = |f: &dyn Fn(&Array1<f64>) -> Vec<f64>, dir: &Array1<f64>, h: f64| -> Vec<f64> {
        let p = f(&(theta + &(dir * h)));
        let q = f(&(theta - &(dir * h)));
        p.iter().zip(&q).map(|(a, b)| (a - b) / (2.0 * h)).collect()
    };
    let cd_lam = |f: &dyn Fn(f64) -> Vec<f64>, h: f64| -> Vec<f64> {
        let p = f(lam + h);
        let q = f(lam - h);
        p.iter().zip(&q).map(|(a, b)| (a - b) / (2.0 * h)).collect()
    };
    let tag = |s: &str| format!("{label}: {s}");
    assert_second_order(&tag("gradient"), &flat(obj.gradient(t, lam)), |h| {
        (0..n)
            .map(|k| cd(&|x| vec![obj.value(x.view(), lam)], &unit(k), h)[0])
            .collect()
    });
    assert_second_order(&tag("hessian"), &flat(obj.hessian(t, lam)), |h| {
        let mut out = vec![0.0; n * n];
        for k in 0..n {
            let col = cd(&|x| flat(obj.gradient(x.view(), lam)), &unit(k), h);
            for i in 0..n {
                out[i * n + k] = col[i];
            }
        }
        out
    });
    assert_second_order(&tag("grad_lambda"), &flat(obj.grad_lambda(t, lam)), |h| {
        cd_lam(&|l| flat(obj.gradient(t, l)), h)
    });
    assert_second_order(
        &tag("hessian_lambda"),
        &flat(obj.hessian_lambda(t, lam)),
        |h| cd_lam(&|l| flat(obj.hessian(t, l)), h),
    );
    assert_second_order(&tag("d3_vec"), &flat(obj.d3_vec(t, lam, u.view())), |h| {
        cd(&|x| flat(obj.hessian_vec(x.view(), lam, u.view())), &u, h)
    });
    // g(s) = L(θ + s u): central stencils for g‴(0) and g⁗(0), both O(h²).
    let g = |s: f64| obj.value((theta + &(&u * s)).view(), lam);
    assert_second_order(&tag("d3"), &[obj.d3(t, lam, u.view())], |h| {
        vec![(g(2.0 * h) - 2.0 * g(h) + 2.0 * g(-h) - g(-2.0 * h)) / (2.0 * h.powi(3))]
    });
    assert_second_order(&tag("d4"), &[obj.d4(t, lam, u.view())], |h| {
        vec![(g(2.0 * h) - 4.0 * g(h) + 6.0 * g(0.0) - 4.0 * g(-h) + g(-2.0 * h)) / h.powi(4)]
    });
}

#[test]
fn derivatives_match_central_differences() {
    let m = model();
    let theta = m.lambda0_minimiser().unwrap() + pseudo_random(m.n_params(), 17) * 0.5;
    check_derivatives(&theta, 0.6, "generic point");
    // And at every located event, where the normal form evaluates them.
    for e in &branch().events {
        check_derivatives(&Array1::from(e.theta.clone()), e.lambda, "event");
    }
}

/// The frozen-A loss equals [`ThreeLayer`]'s at θ extended by A, minus the constant α/2‖A‖²
/// (two implementations of the same network agree), and the derivatives agree too.
#[test]
fn loss_matches_three_layer_implementation() {
    let m = model();
    let ind = Independent::new();
    let full = m.three_layer().unwrap();
    let a2: f64 = m.second_layer().iter().map(|a| a * a).sum();
    for (k, lam) in [0.0, 0.3, 1.0].into_iter().enumerate() {
        let theta = pseudo_random(m.n_params(), 100 + k as u64);
        let p = m.pack_three_layer(theta.view()).unwrap();
        let l_fixed = m.loss(theta.view(), lam);
        let l_full = full.loss(p.view(), lam) - 0.5 * m.alpha() * a2;
        assert!(
            (l_fixed - l_full).abs() <= 1e-13 * l_full.abs().max(1.0),
            "λ = {lam}: {l_fixed} vs {l_full}"
        );
        let obj = AdObjective(&m);
        let g = obj.gradient(theta.view(), lam);
        let gi = ind.gradient(theta.view(), lam);
        assert!(
            norm(&(&g - &gi)) <= 1e-12 * norm(&g).max(1.0),
            "λ = {lam}: gradients"
        );
        let h = obj.hessian(theta.view(), lam);
        let hi = ind.hessian(theta.view(), lam);
        let scale = maxnorm(&flat(h.clone()));
        assert!(
            maxnorm(&flat(&h - &hi)) <= 1e-12 * scale,
            "λ = {lam}: Hessians"
        );
    }
}

/// The closed-form start W₀ = c βᵀ: a critical point of L(·, 0), and the Hessian there is
/// (ccᵀ) ⊗ Σ + αI (positive definite, so the start is a regular, unique minimum).
#[test]
fn lambda0_start_is_the_closed_form_minimum() {
    let m = model();
    let theta0 = m.lambda0_minimiser().unwrap();
    let ind = Independent::new();
    let g = ind.gradient(theta0.view(), 0.0);
    assert!(norm(&g) <= 1e-13, "‖∇L(W₀, 0)‖ = {:e}", norm(&g));
    let c = m.second_layer().t().dot(m.output_weights());
    let sigma = m.data().covariance();
    let d = m.input_dim();
    let n = m.n_params();
    let expected = Array2::from_shape_fn((n, n), |(p, q)| {
        c[p / d] * c[q / d] * sigma[[p % d, q % d]] + if p == q { m.alpha() } else { 0.0 }
    });
    let h = ind.hessian(theta0.view(), 0.0);
    let err = maxnorm(&flat(&h - &expected));
    assert!(
        err <= 1e-13 * maxnorm(&flat(expected.clone())),
        "H(W₀, 0): {err:e}"
    );
    let eig = sym_eigenvalues(&expected).unwrap();
    assert!(eig[0] >= m.alpha() * (1.0 - 1e-12), "λ_min = {}", eig[0]);
}

#[test]
fn traced_points_are_critical() {
    let b = branch();
    let ind = Independent::new();
    assert_eq!(b.status, Status::ReachedLambdaMax);
    let last = b.points.last().unwrap();
    assert_eq!(last.lambda, 1.0);
    assert!(b.max_grad_norm <= 1e-12, "max ‖∇L‖ = {:e}", b.max_grad_norm);
    for p in &b.points {
        assert!(
            (0.0..=1.0).contains(&p.lambda),
            "λ = {} outside [0, 1]",
            p.lambda
        );
        assert!(p.grad_norm <= 1e-12, "recorded ‖∇L‖ = {:e}", p.grad_norm);
        let g = norm(&ind.gradient(p.theta.view(), p.lambda));
        assert!(g <= 1e-12, "recomputed ‖∇L‖ = {g:e} at λ = {}", p.lambda);
    }
    // The Morse index at the ends, recomputed: the start is a minimum; the end is what the
    // trace says it is.
    for p in [&b.points[0], last] {
        let eig = sym_eigenvalues(&ind.hessian(p.theta.view(), p.lambda)).unwrap();
        let index = eig.iter().filter(|&&e| e < 0.0).count();
        assert_eq!(index, p.morse_index, "Morse index at λ = {}", p.lambda);
        assert!(
            eig[0].abs() > 1e-6,
            "end point λ = {} is near-singular",
            p.lambda
        );
    }
    assert_eq!(b.points[0].morse_index, 0);
}

/// Each located event: re-checked at its (θ*, λ*) (gradient and singular Hessian through the
/// independent implementation, simple kernel), a fold in the branch's own geometry (the
/// λ-component of the tangent changes sign there), and classified consistently with an
/// independent g_µ = φᵀ∂λ∇L (central differences in λ of the independent gradient).
#[test]
fn located_events_recheck_and_classify() {
    let b = branch();
    let ind = Independent::new();
    let m = model();
    let obj = AdObjective(&m);
    // This instance folds (see the example); an empty list would mean the trace missed it.
    assert!(!b.events.is_empty(), "no events located");
    let mut index = b.points[0].morse_index;
    for e in &b.events {
        let theta = Array1::from(e.theta.clone());
        let lam = e.lambda;
        assert!(e.residual <= 1e-10, "recorded residual {:e}", e.residual);
        let g = norm(&ind.gradient(theta.view(), lam));
        let h = ind.hessian(theta.view(), lam);
        let eig = sym_eigenvalues(&h).unwrap();
        let (i0, mu) = eig
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, &v)| (i, v))
            .unwrap();
        assert!(g <= 1e-10, "λ* = {lam}: recomputed ‖∇L‖ = {g:e}");
        assert!(
            mu.abs() <= 1e-10,
            "λ* = {lam}: smallest |eigenvalue| = {mu:e}"
        );
        let gap = eig
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != i0)
            .map(|(_, v)| v.abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            gap >= 1e-5,
            "λ* = {lam}: kernel not simple (next |eigenvalue| {gap:e})"
        );
        let phi = Array1::from(e.kernel.clone());
        assert!((norm(&phi) - 1.0).abs() <= 1e-12, "φ not unit");
        assert!(
            norm(&h.dot(&phi)) <= 1e-9,
            "λ* = {lam}: ‖Hφ‖ = {:e}",
            norm(&h.dot(&phi))
        );

        // Morse bookkeeping: consecutive events chain, and each changes the index by one.
        assert_eq!(e.morse_before, index, "λ* = {lam}: Morse index before");
        assert_eq!(e.morse_before.abs_diff(e.morse_after), 1, "λ* = {lam}");
        index = e.morse_after;

        // g_µ by central differences in λ (error O(h²) ≈ 1e-6 relative at h = 1e-3).
        let hl = 1e-3;
        let dgl = (ind.gradient(theta.view(), lam + hl) - ind.gradient(theta.view(), lam - hl))
            / (2.0 * hl);
        let g_mu_fd = phi.dot(&dgl);
        let cos = g_mu_fd.abs() / norm(&dgl);
        let c = coefficients(&obj, e, None, &CoefficientOptions::default()).unwrap();
        assert!(
            (c.g_mu - g_mu_fd).abs() <= 1e-5 * norm(&dgl),
            "λ* = {lam}: g_µ {} vs FD {g_mu_fd}",
            c.g_mu
        );
        // Fold ⇔ g_µ ≠ 0 (relative to ‖∂λ∇L‖, the classification's own criterion).
        let tol = CoefficientOptions::default().zero_tol;
        let fold = cos > tol;
        assert_eq!(
            c.classification == Classification::Fold,
            fold,
            "λ* = {lam}: {:?} with |φᵀ∂λ∇L|/‖∂λ∇L‖ = {cos:e}",
            c.classification
        );
        assert_eq!(
            e.kind == EventKind::Fold,
            fold,
            "λ* = {lam}: kind {:?}",
            e.kind
        );
        if fold {
            // A genuine fold: the FD value alone shows g_µ ≠ 0 (a hundred times its 1e-5 error
            // bound), and the tangent's λ-component changes sign across the event.
            assert!(
                cos > 1e-3,
                "λ* = {lam}: g_µ only marginally nonzero ({cos:e})"
            );
            let before = b
                .points
                .iter()
                .rev()
                .find(|p| p.arclength < e.arclength)
                .unwrap();
            let after = b.points.iter().find(|p| p.arclength > e.arclength).unwrap();
            assert!(
                before.tangent_lambda * after.tangent_lambda < 0.0,
                "λ* = {lam}: tangent λ-components {} and {}",
                before.tangent_lambda,
                after.tangent_lambda
            );
            // λ* is the extreme of λ along the branch locally.
            let (lo, hi) = (
                before.lambda.min(after.lambda),
                before.lambda.max(after.lambda),
            );
            assert!(
                lam >= hi || lam <= lo,
                "λ* = {lam} inside ({lo}, {hi}): not a turning point"
            );
        }
    }
    assert_eq!(
        index,
        b.points.last().unwrap().morse_index,
        "final Morse index"
    );
}

#[test]
fn invalid_inputs_are_errors() {
    let m = model();
    let data = m.data().clone();
    let a = m.second_layer().clone();
    let u = m.output_weights().clone();
    let act = actbif::activation::Builtin::Tanh;
    let new = |data: Dataset, a: Array2<f64>, u: Array1<f64>, alpha: f64| {
        FixedSecondLayer::new(data, a, u, alpha, act)
    };
    assert!(matches!(
        new(data.clone(), a.clone(), u.clone(), -1.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        new(data.clone(), a.clone(), u.clone(), f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        new(data.clone(), a.clone(), Array1::zeros(2), 1e-3),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        new(data.clone(), Array2::zeros((3, 0)), u.clone(), 1e-3),
        Err(Error::Shape { .. })
    ));
    let mut bad = a.clone();
    bad[[0, 0]] = f64::INFINITY;
    assert!(new(data.clone(), bad, u.clone(), 1e-3).is_err());
    assert!(matches!(
        m.pack_three_layer(Array1::zeros(5).view()),
        Err(Error::Shape { .. })
    ));
    // α = 0 and c = Aᵀu = 0: the λ = 0 problem has no unique minimiser.
    let zero = new(data, Array2::zeros(a.dim()), u, 0.0).unwrap();
    assert!(zero.lambda0_minimiser().is_err());
}

//! Structured derivatives vs the paper's closed forms, exact λ-differences, finite differences
//! (convergence order), Prop. 7.4 / Thm. 7.6(i), activation derivatives; and (after the
//! generic-AD branch is merged) structured vs generic AD.
//!
//! Tolerances: exact-vs-exact comparisons are scaled by the sum of absolute values of the
//! summed terms (the round-off bound ε·N·Σ|terms| with a 1e-11/ε ≈ 1e5 margin); finite
//! differences are checked for their convergence order, not for equality.

use actbif::activation::{check_normalisation, Activation, Builtin, N_DERIVS};
use actbif::app::check::{
    bench_derivatives_on, check_derivatives, render, BenchOptions, CheckOptions,
};
use actbif::data::Dataset;
use actbif::derivatives::ad::AdObjective;
use actbif::derivatives::finite_diff::{
    forward_hessian, FdConfig, FdSteps, FiniteDifference, HigherOrder, StepScheme,
};
use actbif::linalg::sym_eigenvalues;
use actbif::models::two_layer::theory::directional::{
    closed_form_coefficients, faa_di_bruno, h0, h0_alpha,
};
use actbif::models::two_layer::TwoLayer;
use actbif::{Error, Objective};
use ndarray::{Array1, Array2, ArrayView1};
use num_dual::DualNum;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

const EXACT_TOL: f64 = 1e-11;

#[derive(Clone, Debug)]
struct Case {
    act: Builtin,
    m: usize,
    d: usize,
    n_samples: usize,
    lambda: f64,
    alpha: f64,
    seed: u64,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        0..Builtin::ALL.len(),
        prop_oneof![Just(1usize), Just(2), Just(3), Just(10)],
        prop_oneof![Just(1usize), Just(5)],
        20usize..=50,
        0.0..=1.0f64,
        prop_oneof![Just(0.0), 1e-3..1e-2f64],
        any::<u64>(),
    )
        .prop_map(|(a, m, d, n_samples, lambda, alpha, seed)| Case {
            act: Builtin::ALL[a],
            m,
            d,
            n_samples,
            lambda,
            alpha,
            seed,
        })
}

struct Setup {
    model: TwoLayer,
    theta: Array1<f64>,
    u: Array1<f64>,
    w: Array1<f64>,
}

fn normal(rng: &mut StdRng) -> f64 {
    StandardNormal.sample(rng)
}

fn unit(rng: &mut StdRng, n: usize) -> Array1<f64> {
    let u = Array1::from_shape_fn(n, |_| normal(rng));
    let nrm = u.dot(&u).sqrt();
    u / nrm
}

/// Random teacher data x ~ N(0, I), y = tanh(1.5 aᵀx) + 0.3 bᵀx + 0.05 ε; v_j ∈ [0.5, 1.5];
/// θ ~ N(0, 0.3²); u, w random unit directions.
fn setup_with(c: &Case, alpha: f64) -> Setup {
    let mut rng = StdRng::seed_from_u64(c.seed);
    let d = c.d;
    let x = Array2::from_shape_fn((c.n_samples, d), |_| normal(&mut rng));
    let a = Array1::from_shape_fn(d, |_| normal(&mut rng) / (d as f64).sqrt());
    let b = Array1::from_shape_fn(d, |_| normal(&mut rng));
    let y = Array1::from_shape_fn(c.n_samples, |i| {
        let xi = x.row(i);
        (1.5 * xi.dot(&a)).tanh() + 0.3 * xi.dot(&b) + 0.05 * normal(&mut rng)
    });
    let v = Array1::from_shape_fn(c.m, |_| 0.5 + rng.random::<f64>());
    let model = TwoLayer::new(Dataset::new(x, y).unwrap(), v, alpha, c.act).unwrap();
    let n = c.m * d;
    let theta = Array1::from_shape_fn(n, |_| 0.3 * normal(&mut rng));
    let u = unit(&mut rng, n);
    let w = unit(&mut rng, n);
    Setup { model, theta, u, w }
}

fn setup(c: &Case) -> Setup {
    setup_with(c, c.alpha)
}

fn norm(a: ArrayView1<f64>) -> f64 {
    a.dot(&a).sqrt()
}

fn fro(a: &Array2<f64>) -> f64 {
    a.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn mean_abs(a: Array1<f64>) -> f64 {
    a.mapv(f64::abs).mean().unwrap()
}

/// Round-off scales Σ|terms| for DL[u], D²L[u²], D³L[u³], D⁴L[u⁴] of (27)–(30).
fn term_scales(model: &TwoLayer, theta: &Array1<f64>, lambda: f64, u: &Array1<f64>) -> [f64; 4] {
    let fdb = faa_di_bruno(model, theta.view(), lambda, u.view()).unwrap();
    let r = &fdb.residual;
    let [d1, d2, d3, d4] = &fdb.df;
    let al = model.alpha();
    [
        mean_abs(r * d1) + al * norm(theta.view()) * norm(u.view()),
        mean_abs(d1 * d1) + mean_abs(r * d2) + al * u.dot(u),
        mean_abs(d1 * d2 * 3.0) + mean_abs(r * d3),
        mean_abs(d2 * d2 * 3.0) + mean_abs(d1 * d3 * 4.0) + mean_abs(r * d4),
    ]
}

fn close(a: f64, b: f64, scale: f64, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        (a - b).abs() <= EXACT_TOL * scale,
        "{what}: {a:e} vs {b:e} (scale {scale:e})"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Structured path vs the independent closed forms (27)–(30), (25)–(26), and internal
    /// consistency of the vector/matrix quantities (Hu, D³L[u,u,·], D³L[u,w,·], D³L[u,·,·]).
    #[test]
    fn structured_matches_closed_forms(c in case_strategy()) {
        let Setup { model, theta, u, w } = setup(&c);
        let (th, uv, l) = (theta.view(), u.view(), c.lambda);
        let fdb = faa_di_bruno(&model, th, l, uv).unwrap();
        let sc = term_scales(&model, &theta, l, &u);
        let g = model.gradient(th, l);
        let h = model.hessian(th, l);
        close(g.dot(&u), fdb.dl[0], sc[0], "DL[u] (27)")?;
        close(u.dot(&h.dot(&u)), fdb.dl[1], sc[1], "D2L (28)")?;
        let d3 = model.d3(th, l, uv);
        let d4 = model.d4(th, l, uv);
        close(d3, fdb.dl[2], sc[2], "D3L (29)")?;
        close(d4, fdb.dl[3], sc[3], "D4L (30)")?;
        let d3v = model.d3_vec(th, l, uv);
        close(d3v.dot(&u), fdb.dl[2], sc[2], "D3L[u,u,·]·u (29)")?;
        let cf = closed_form_coefficients(&model, th, l, uv).unwrap();
        close(cf.g_aa.value, d3, sc[2], "g_aa (25)")?;
        close(cf.g_aaa.value, d4, sc[3], "g_aaa (26)")?;
        prop_assert_eq!(cf.g_aa.terms.len(), 2);
        prop_assert_eq!(cf.g_aaa.terms.len(), 3);
        // Exact symmetry (mirrored triangle).
        prop_assert!(h == h.t());
        // Hessian-vector product.
        let hu = model.hessian_vec(th, l, uv);
        prop_assert!(norm((&hu - &h.dot(&u)).view()) <= EXACT_TOL * fro(&h));
        // D³L[u, w, ·] vs polarisation of D³L[u, u, ·].
        let p = &u + &w;
        let q = &u - &w;
        let dp = model.d3_vec(th, l, p.view());
        let dq = model.d3_vec(th, l, q.view());
        let pol = (&dp - &dq) * 0.25;
        let mixed = model.d3_mixed_vec(th, l, uv, w.view());
        let scale = norm(dp.view()) + norm(dq.view()) + 1e-300;
        prop_assert!(norm((&mixed - &pol).view()) <= EXACT_TOL * scale);
        // D³L[u, ·, ·] against the vector forms.
        let hd = model.hessian_directional(th, l, uv);
        prop_assert!(hd == hd.t());
        let scale = fro(&hd) + 1e-300;
        prop_assert!(norm((&hd.dot(&w) - &mixed).view()) <= EXACT_TOL * scale);
        prop_assert!(norm((&hd.dot(&u) - &d3v).view()) <= EXACT_TOL * scale);
    }

    /// L is quadratic in λ (h is affine in λ), so central differences in λ with any step are
    /// exact: ∂λ∇L and ∂λH must match them to round-off even with δ = 1/2.
    #[test]
    fn lambda_derivatives_exact(c in case_strategy()) {
        let Setup { model, theta, .. } = setup(&c);
        let (th, l, dl) = (theta.view(), c.lambda, 0.5);
        let gp = model.gradient(th, l + dl);
        let gm = model.gradient(th, l - dl);
        let fd = (&gp - &gm) / (2.0 * dl);
        let scale = (norm(gp.view()) + norm(gm.view())) / (2.0 * dl);
        let gl = model.grad_lambda(th, l);
        prop_assert!(norm((&gl - &fd).view()) <= EXACT_TOL * scale,
            "∂λ∇L: {:e} (scale {scale:e})", norm((&gl - &fd).view()));
        let hp = model.hessian(th, l + dl);
        let hm = model.hessian(th, l - dl);
        let fd = (&hp - &hm) / (2.0 * dl);
        let scale = (fro(&hp) + fro(&hm)) / (2.0 * dl);
        let hl = model.hessian_lambda(th, l);
        prop_assert!(fro(&(&hl - &fd)) <= EXACT_TOL * scale);
        // And the second λ-difference of ∂λ∇L vanishes (∇L quadratic ⇒ ∂λ∇L affine).
        let a = model.grad_lambda(th, l + dl);
        let b = model.grad_lambda(th, l - dl);
        prop_assert!(norm((&a + &b - &gl * 2.0).view()) <= EXACT_TOL * (norm(a.view()) + norm(b.view())));
    }

    /// At λ = 0 the Hessian is (17) exactly; Prop. 7.4 (α = 0: kernel of dimension (m − 1)d,
    /// nonzero eigenvalues ‖v‖²λ_k(Σ)) and Thm. 7.6(i) (α > 0: smallest eigenvalue α with
    /// multiplicity (m − 1)d).
    #[test]
    fn linear_endpoint_hessian(c in case_strategy(), alpha in 1e-3..1e-1f64) {
        let (m, d) = (c.m, c.d);
        for a in [0.0, alpha] {
            let Setup { model, theta, .. } = setup_with(&c, a);
            let h = model.hessian(theta.view(), 0.0);
            let h17 = h0_alpha(&model);
            prop_assert!(fro(&(&h - &h17)) <= 1e-13 * fro(&h17));
            let ev = sym_eigenvalues(&h).unwrap();
            let hn = ev.iter().fold(0.0f64, |s, e| s.max(e.abs()));
            let k = (m - 1) * d;
            // Flat directions: exactly (m − 1)d eigenvalues at α.
            let flat = ev.iter().filter(|e| (**e - a).abs() <= 1e-12 * hn).count();
            prop_assert_eq!(flat, k, "eigenvalues {:?}", ev);
            // The other d: ‖v‖² λ_k(Σ) + α.
            let v2 = model.output_weights().dot(model.output_weights());
            let sig = sym_eigenvalues(&model.data().covariance()).unwrap();
            for i in 0..d {
                let expect = v2 * sig[i] + a;
                prop_assert!((ev[k + i] - expect).abs() <= 1e-12 * hn);
                prop_assert!(ev[k + i] > a + 1e-6 * hn);
            }
            if a == 0.0 {
                prop_assert!(fro(&(&h - &h0(&model))) <= 1e-13 * fro(&h));
            }
        }
    }
}

/// Signed FD errors e(h), e(h/2), e(h/4) of a stencil whose error is c_p h^p plus
/// c_{p+q} h^{p+q} plus higher terms: the Richardson combination annihilating both leading
/// terms must be of higher order. Central (p = q = 2): e(h) − 20 e(h/2) + 64 e(h/4) = O(h⁶);
/// forward (p = q = 1): e(h) − 6 e(h/2) + 8 e(h/4) = O(h³). Round-off: each difference
/// carries ≤ `floor`·2^k·(2^k)^j at h/2^j, weighted by the coefficients.
fn assert_order(
    what: &str,
    errs: [Array1<f64>; 3],
    scheme: StepScheme,
    floor_h: f64,
    k: i32,
) -> Result<(), TestCaseError> {
    let (c1, c2) = match scheme {
        StepScheme::Central => (20.0, 64.0),
        StepScheme::Forward => (6.0, 8.0),
    };
    let comb = &errs[0] - &(&errs[1] * c1) + &(&errs[2] * c2);
    let emax = errs.iter().map(|e| norm(e.view())).fold(0.0, f64::max);
    // Σ|stencil weights| ≤ 2^k.
    let roundoff = floor_h * 2f64.powi(k) * (1.0 + c1 * 2f64.powi(k) + c2 * 4f64.powi(k));
    let r = norm(comb.view());
    prop_assert!(
        r <= 0.05 * emax + roundoff,
        "{what}: Richardson remainder {r:e} vs max error {emax:e} (round-off {roundoff:e}); errors {:e} {:e} {:e}",
        norm(errs[0].view()),
        norm(errs[1].view()),
        norm(errs[2].view())
    );
    Ok(())
}

fn fd_with(
    model: &TwoLayer,
    scheme: StepScheme,
    h: f64,
    higher: HigherOrder,
) -> FiniteDifference<&TwoLayer> {
    FiniteDifference::new(
        model,
        FdConfig {
            scheme,
            steps: FdSteps::uniform(h),
            higher,
        },
    )
}

fn flat(a: Array2<f64>) -> Array1<f64> {
    Array1::from_iter(a)
}

/// Round-off of evaluating L or ∇L, relative to [`eval_scales`]: N·ε_mach ≤ 50 · 1.1e-16.
const EVAL_EPS: f64 = 1e-14;

/// Magnitudes bounding the round-off of L and ∇L (relative to ε_mach): r_i = f_i − y_i is
/// computed with error ~ε(|f_i| + |y_i|), so L = E[r²]/2 carries ~εE[|r|(|f| + |y|)] (≫ εL when
/// the fit is good) and each gradient entry ~εE[(|f| + |y|)|v_j h′||x_ik|] ≤ the bound used.
fn eval_scales(model: &TwoLayer, theta: &Array1<f64>, lambda: f64) -> (f64, f64) {
    let u = Array1::zeros(theta.len());
    let r = faa_di_bruno(model, theta.view(), lambda, u.view())
        .unwrap()
        .residual;
    let y = &model.data().y;
    let fy = (&r + y).mapv(f64::abs) + y.mapv(f64::abs);
    let xmax = model.data().x.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    let vmax = model
        .output_weights()
        .iter()
        .fold(0.0f64, |a, b| a.max(b.abs()));
    let t2 = theta.dot(theta);
    let l = (&fy * &r.mapv(f64::abs)).mean().unwrap()
        + 0.5 * r.dot(&r) / r.len() as f64
        + model.alpha() * t2;
    // |h′| ≤ 2 for the built-ins (max σ′ ≤ 2 for softplus, 1 otherwise).
    let g = fy.mean().unwrap() * vmax * xmax * 2.0 * (theta.len() as f64).sqrt()
        + model.alpha() * t2.sqrt();
    (l, g)
}

/// FD-order tests with a fixed seed: in rare draws the leading truncation coefficient of a
/// scalar stencil nearly cancels (e.g. D⁶L[u⁶] ≈ 0), and the next term then dominates the
/// Richardson remainder relative to the (tiny) error; a fixed sample keeps the test
/// deterministic (3000-case runs with random seeds passed while tuning the steps).
fn fd_config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        rng_seed: RngSeed::Fixed(20240607),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(fd_config())]

    /// Finite differences converge to the structured values at the stencil's order.
    #[test]
    fn fd_converges_at_expected_order(c in case_strategy(), forward in any::<bool>()) {
        let Setup { model, theta, u, .. } = setup(&c);
        let (th, uv, l) = (theta.view(), u.view(), c.lambda);
        let scheme = if forward { StepScheme::Forward } else { StepScheme::Central };
        let (lnorm, gnorm) = eval_scales(&model, &theta, l);
        // Matrices: n columns, each with the gradient's round-off.
        let sqn = (theta.len() as f64).sqrt();
        let h = model.hessian(th, l);
        let hl = model.hessian_lambda(th, l);
        let d3v = model.d3_vec(th, l, uv);
        let hd = model.hessian_directional(th, l, uv);
        let d3 = model.d3(th, l, uv);
        let d4 = model.d4(th, l, uv);

        let errs = |h0: f64, f: &dyn Fn(&FiniteDifference<&TwoLayer>) -> Array1<f64>, hi: HigherOrder| {
            [1.0, 0.5, 0.25].map(|s| f(&fd_with(&model, scheme, h0 * s, hi)))
        };
        let g = HigherOrder::Gradient;
        let v = HigherOrder::Value;
        // Forward stencils reach further (up to k·h) and their O(h²) remainder is larger:
        // smaller steps keep them in the asymptotic regime.
        let hs = if forward { 0.125 } else { 1.0 };
        // First differences of the gradient.
        let h1 = 1e-2 * hs;
        let e = errs(h1, &|fd| flat(fd.hessian(th, l) - &h), g);
        assert_order("hessian", e, scheme, EVAL_EPS * gnorm * sqn / h1, 1)?;
        let hu = h.dot(&u);
        let e = errs(h1, &|fd| fd.hessian_vec(th, l, uv) - &hu, g);
        assert_order("hessian_vec", e, scheme, EVAL_EPS * gnorm / h1, 1)?;
        // Second differences.
        let h2 = 2e-2 * hs;
        let e = errs(h2, &|fd| fd.d3_vec(th, l, uv) - &d3v, g);
        assert_order("d3_vec", e, scheme, EVAL_EPS * gnorm / (h2 * h2), 2)?;
        let e = errs(h2, &|fd| flat(fd.hessian_lambda(th, l) - &hl), g);
        assert_order("hessian_lambda", e, scheme, EVAL_EPS * gnorm * sqn / (h2 * h2), 2)?;
        let e = errs(h2, &|fd| flat(fd.hessian_directional(th, l, uv) - &hd), g);
        assert_order("hessian_directional", e, scheme, EVAL_EPS * gnorm * sqn / (h2 * h2), 2)?;
        let e = errs(h2, &|fd| Array1::from_elem(1, fd.d3(th, l, uv) - d3), g);
        assert_order("d3 (gradient)", e, scheme, EVAL_EPS * gnorm / (h2 * h2), 2)?;
        // Third differences.
        let h3 = 4e-2 * hs;
        let e = errs(h3, &|fd| Array1::from_elem(1, fd.d4(th, l, uv) - d4), g);
        assert_order("d4 (gradient)", e, scheme, EVAL_EPS * gnorm / h3.powi(3), 3)?;
        let e = errs(h3, &|fd| Array1::from_elem(1, fd.d3(th, l, uv) - d3), v);
        assert_order("d3 (value)", e, scheme, EVAL_EPS * lnorm / h3.powi(3), 3)?;
        // Fourth differences of values.
        // (Not for forward stencils: reaching 4h, they leave the asymptotic regime before
        // round-off ~ε/h⁴ becomes negligible.)
        if !forward {
            let h4 = 6e-2;
            let e = errs(h4, &|fd| Array1::from_elem(1, fd.d4(th, l, uv) - d4), v);
            assert_order("d4 (value)", e, scheme, EVAL_EPS * lnorm / h4.powi(4), 4)?;
        }
    }

    /// The paper's forward Hessian converges at first order.
    #[test]
    fn paper_forward_hessian_first_order(c in case_strategy()) {
        let Setup { model, theta, .. } = setup(&c);
        let (th, l) = (theta.view(), c.lambda);
        let h = model.hessian(th, l);
        let (_, gnorm) = eval_scales(&model, &theta, l);
        let sqn = (theta.len() as f64).sqrt();
        let h0 = 1e-2;
        let e = [1.0, 0.5, 0.25].map(|s| flat(forward_hessian(&model, th, l, h0 * s) - &h));
        assert_order("forward_hessian", e, StepScheme::Forward, EVAL_EPS * gnorm * sqn / h0, 1)?;
    }
}

/// With the default steps every FD quantity lands near its predicted best-case accuracy
/// (module docs of `finite_diff`), with a 100× margin for the unknown derivative constants.
#[test]
fn check_derivatives_default_steps() {
    let c = Case {
        act: Builtin::Tanh,
        m: 10,
        d: 5,
        n_samples: 40,
        lambda: 0.7,
        alpha: 4e-3,
        seed: 3,
    };
    let Setup {
        model, theta, u, ..
    } = setup(&c);
    let opts = CheckOptions {
        include_ad: false,
        ..CheckOptions::default()
    };
    let chk = check_derivatives(&model, theta.view(), c.lambda, u.view(), &opts).unwrap();
    assert!(chk.max_rel_err_exact <= 1e-12, "{chk:#?}");
    assert!(chk.ad_rel_err.is_empty());
    let fd = &chk.fd_rel_err;
    for (k, tol) in [
        ("hessian", 1e-8),
        ("hessian_vec", 1e-8),
        ("grad_lambda", 1e-8),
        ("hessian_paper_forward", 1e-3),
        ("hessian_lambda", 1e-6),
        ("d3_vec", 1e-6),
        ("d3", 1e-5),
        ("d4", 1e-4),
        ("d3_value_stencil", 1e-4),
        ("d4_value_stencil", 1e-3),
    ] {
        assert!(fd[k] <= tol, "{k}: {:e} > {tol:e}", fd[k]);
    }
    // The Hessian vs (17) is included at λ = 0.
    let chk0 = check_derivatives(&model, theta.view(), 0.0, u.view(), &opts).unwrap();
    assert!(chk0.closed_form_rel_err["hessian (17)"] <= 1e-13);
    assert!(serde_json::to_string(&chk0)
        .unwrap()
        .contains("max_rel_err_exact"));
}

#[test]
fn check_and_closed_forms_reject_bad_input() {
    let c = Case {
        act: Builtin::Erf,
        m: 2,
        d: 1,
        n_samples: 20,
        lambda: 0.5,
        alpha: 0.0,
        seed: 1,
    };
    let Setup {
        model, theta, u, ..
    } = setup(&c);
    let short = Array1::zeros(1);
    let opts = CheckOptions {
        include_ad: false,
        ..CheckOptions::default()
    };
    assert!(matches!(
        check_derivatives(&model, short.view(), 0.5, u.view(), &opts),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        faa_di_bruno(&model, theta.view(), 0.5, short.view()),
        Err(Error::Shape { .. })
    ));
    let mut nan = theta.clone();
    nan[1] = f64::NAN;
    assert!(matches!(
        closed_form_coefficients(&model, nan.view(), 0.5, u.view()),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        faa_di_bruno(&model, theta.view(), f64::INFINITY, u.view()),
        Err(Error::InvalidParameter { .. })
    ));
    let zero = Array1::zeros(2);
    assert!(matches!(
        check_derivatives(&model, theta.view(), 0.5, zero.view(), &opts),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn bench_table_smoke() {
    let c = Case {
        act: Builtin::Tanh,
        m: 1,
        d: 5,
        n_samples: 30,
        lambda: 0.5,
        alpha: 0.0,
        seed: 9,
    };
    let data = setup(&c).model.data().clone();
    let opts = BenchOptions {
        reps: 1,
        include_ad: false,
        ..BenchOptions::default()
    };
    let rows = bench_derivatives_on(&data, &[2, 3], &opts).unwrap();
    let text = render(&rows);
    for q in ["gradient", "hessian", "d3", "d4"] {
        assert!(
            rows.iter().filter(|r| r.quantity == q).count() >= 2,
            "{text}"
        );
    }
    // Structured rows are the reference; FD rows have small but nonzero errors.
    for r in &rows {
        assert!(r.seconds >= 0.0);
        match r.method.as_str() {
            "structured" => assert!(r.rel_err.is_none()),
            _ => assert!(r.rel_err.unwrap() < 1e-2, "{text}"),
        }
    }
    assert!(bench_derivatives_on(&data, &[0], &opts).is_err());
}

/// An activation that only provides σ: `derivs` falls back to the AD default.
struct SigmaOnly(Builtin);

impl Activation for SigmaOnly {
    fn name(&self) -> String {
        format!("{}-ad", self.0.name())
    }
    fn sigma<D: DualNum<Primitive = f64>>(&self, z: D) -> D {
        self.0.sigma(z)
    }
}

#[test]
fn builtin_derivs_match_ad_default() {
    for act in Builtin::ALL {
        let ad = SigmaOnly(act);
        for i in 0..=160 {
            let z = -8.0 + 0.1 * i as f64;
            let a = act.derivs(z);
            let b = ad.derivs(z);
            for k in 0..N_DERIVS {
                assert!(
                    (a[k] - b[k]).abs() <= 1e-13 * b[k].abs().max(1.0),
                    "{act} σ^({k})({z}): closed form {:e} vs AD {:e}",
                    a[k],
                    b[k]
                );
            }
        }
        // Normalisation σ(0) = 0, σ′(0) = 1.
        let d0 = act.derivs(0.0);
        assert!(
            d0[0].abs() <= 1e-15 && (d0[1] - 1.0).abs() <= 1e-15,
            "{act}"
        );
    }
}

struct Affine {
    scale: f64,
    shift: f64,
}

impl Activation for Affine {
    fn name(&self) -> String {
        format!("{}z+{}", self.scale, self.shift)
    }
    fn sigma<D: DualNum<Primitive = f64>>(&self, z: D) -> D {
        z * self.scale + self.shift
    }
}

#[test]
fn check_normalisation_rejects_bad_activations() {
    let shifted = Affine {
        scale: 1.0,
        shift: 1.0,
    };
    match check_normalisation(&shifted) {
        Err(Error::BadActivation { condition, .. }) => assert!(condition.contains("σ(0)")),
        other => panic!("σ(z) = z + 1 accepted: {other:?}"),
    }
    let doubled = Affine {
        scale: 2.0,
        shift: 0.0,
    };
    match check_normalisation(&doubled) {
        Err(Error::BadActivation { condition, .. }) => assert!(condition.contains("σ′(0)")),
        other => panic!("σ(z) = 2z accepted: {other:?}"),
    }
    let identity = Affine {
        scale: 1.0,
        shift: 0.0,
    };
    assert!(check_normalisation(&identity).is_ok());
    for act in Builtin::ALL {
        assert!(check_normalisation(&act).is_ok());
    }
}

// ---------------------------------------------------------------------------------------
// Structured vs generic AD. The generic AD back-end lives on the `ad` branch; until it is
// merged its methods are `todo!()`. Run after merge with `cargo test --release --test
// derivatives -- --ignored`.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn structured_matches_generic_ad(c in case_strategy()) {
        let Setup { model, theta, u, .. } = setup(&c);
        let (th, uv, l) = (theta.view(), u.view(), c.lambda);
        let ad = AdObjective(model.clone());
        let sc = term_scales(&model, &theta, l, &u);
        let rel = |a: &Array1<f64>, b: &Array1<f64>| norm((a - b).view()) / norm(b.view()).max(1e-300);
        prop_assert!(rel(&ad.gradient(th, l), &model.gradient(th, l)) <= EXACT_TOL);
        // ∂λ∇L can cancel to far below its terms (e.g. sigmoid at λ = 0, α = 0): rounding is
        // relative to the terms' size (of the order of the Hessian's, sc[1]), not to the sum.
        let (gl_ad, gl) = (ad.grad_lambda(th, l), model.grad_lambda(th, l));
        prop_assert!(norm((&gl_ad - &gl).view()) <= EXACT_TOL * (norm(gl.view()) + sc[1]));
        let h = model.hessian(th, l);
        prop_assert!(fro(&(ad.hessian(th, l) - &h)) <= EXACT_TOL * fro(&h));
        let hl = model.hessian_lambda(th, l);
        prop_assert!(fro(&(ad.hessian_lambda(th, l) - &hl)) <= EXACT_TOL * fro(&hl).max(1e-300));
        let d3v = model.d3_vec(th, l, uv);
        prop_assert!(norm((ad.d3_vec(th, l, uv) - &d3v).view()) <= EXACT_TOL * (norm(d3v.view()) + sc[2]));
        close(ad.d3(th, l, uv), model.d3(th, l, uv), sc[2], "d3")?;
        close(ad.d4(th, l, uv), model.d4(th, l, uv), sc[3], "d4")?;
    }
}

#[test]
fn check_derivatives_with_generic_ad() {
    for (m, lambda) in [(3, 0.6), (10, 0.0)] {
        let c = Case {
            act: Builtin::Tanh,
            m,
            d: 5,
            n_samples: 40,
            lambda,
            alpha: 4e-3,
            seed: 5,
        };
        let Setup {
            model, theta, u, ..
        } = setup(&c);
        let chk = check_derivatives(
            &model,
            theta.view(),
            lambda,
            u.view(),
            &CheckOptions::default(),
        )
        .unwrap();
        assert!(chk.ad_rel_err.len() >= 7, "{chk:#?}");
        assert!(chk.max_rel_err_exact <= 1e-11, "{chk:#?}");
    }
}

//! The linear endpoint λ = 0 of the two-layer model: W0, λ1′(0), the paper's formulas and the
//! width fit.
//!
//! Derivatives come from a small test-local forward-mode AD of `TwoLayer::loss_generic`
//! (num-dual hyper-dual numbers, O(n²) loss evaluations): independent of both the structured
//! fast path and the closed forms under test.

use actbif::activation::Builtin;
use actbif::continuation::newton_critical_point;
use actbif::data::Dataset;
use actbif::linalg;
use actbif::models::two_layer::theory::linear_endpoint::{
    first_order_lambda_star, fit_width_constant, flat_basis, gradient_at_zero, lambda1_prime,
    lambda1_prime_with, w0, w0_approx,
};
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use ndarray::{Array1, Array2, ArrayView1};
use num_dual::{Dual64, HyperDual64, HyperHyperDual64};

/// Deterministic Gaussian-ish samples (xorshift + Box–Muller).
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn data(n: usize, d: usize, seed: u64) -> Dataset {
    let mut rng = Rng(seed);
    let x = Array2::from_shape_simple_fn((n, d), || rng.normal());
    let wl = Array1::from_shape_fn(d, |k| 1.0 - 0.4 * k as f64);
    let wnl = Array1::from_shape_fn(d, |k| 0.3 + 0.5 * (k as f64 - 0.7).sin());
    let y = x.dot(&wl) + x.dot(&wnl).mapv(|z| 0.4 * (1.5 * z).tanh());
    let y = &y + &Array1::from_shape_simple_fn(n, || 0.05 * rng.normal());
    Dataset::new(x, y).unwrap()
}

fn model(m: usize, alpha: f64) -> TwoLayer {
    let v = Array1::from_shape_fn(m, |j| 0.5 + j as f64 / (m as f64 - 1.0).max(1.0));
    TwoLayer::new(data(60, 2, 0x9e37_79b9_7f4a_7c15), v, alpha, Builtin::Tanh).unwrap()
}

/// Forward-mode AD of the model's generic loss.
struct Ad<'a>(&'a TwoLayer);

impl Ad<'_> {
    fn hyper(&self, th: ArrayView1<f64>, l: f64, u: &[f64], w: &[f64], dl: [f64; 2]) -> f64 {
        let t: Vec<HyperDual64> = (0..th.len())
            .map(|i| HyperDual64::new(th[i], u[i], w[i], 0.0))
            .collect();
        self.0
            .loss_generic(&t, HyperDual64::new(l, dl[0], dl[1], 0.0))
            .eps1eps2
    }
    fn hyper3(&self, th: ArrayView1<f64>, l: f64, dirs: [&[f64]; 3], dl: [f64; 3]) -> f64 {
        let t: Vec<HyperHyperDual64> = (0..th.len())
            .map(|i| {
                HyperHyperDual64::new(
                    th[i], dirs[0][i], dirs[1][i], dirs[2][i], 0.0, 0.0, 0.0, 0.0,
                )
            })
            .collect();
        let lam = HyperHyperDual64::new(l, dl[0], dl[1], dl[2], 0.0, 0.0, 0.0, 0.0);
        self.0.loss_generic(&t, lam).eps1eps2eps3
    }
}

fn unit(n: usize, k: usize) -> Vec<f64> {
    let mut e = vec![0.0; n];
    e[k] = 1.0;
    e
}

impl Objective for Ad<'_> {
    fn dim(&self) -> usize {
        self.0.n_params()
    }
    fn value(&self, th: ArrayView1<f64>, l: f64) -> f64 {
        self.0.loss(th, l)
    }
    fn gradient(&self, th: ArrayView1<f64>, l: f64) -> Array1<f64> {
        let n = th.len();
        Array1::from_shape_fn(n, |k| {
            let t: Vec<Dual64> = (0..n)
                .map(|i| Dual64::new(th[i], if i == k { 1.0 } else { 0.0 }))
                .collect();
            self.0.loss_generic(&t, Dual64::from(l)).eps
        })
    }
    fn hessian(&self, th: ArrayView1<f64>, l: f64) -> Array2<f64> {
        let n = th.len();
        Array2::from_shape_fn((n, n), |(i, j)| {
            self.hyper(th, l, &unit(n, i), &unit(n, j), [0.0, 0.0])
        })
    }
    fn grad_lambda(&self, th: ArrayView1<f64>, l: f64) -> Array1<f64> {
        let n = th.len();
        let z = vec![0.0; n];
        Array1::from_shape_fn(n, |k| self.hyper(th, l, &unit(n, k), &z, [0.0, 1.0]))
    }
    fn hessian_lambda(&self, th: ArrayView1<f64>, l: f64) -> Array2<f64> {
        let n = th.len();
        let z = vec![0.0; n];
        Array2::from_shape_fn((n, n), |(i, j)| {
            self.hyper3(th, l, [&unit(n, i), &unit(n, j), &z], [0.0, 0.0, 1.0])
        })
    }
    fn d3_vec(&self, th: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let n = th.len();
        let u = u.to_vec();
        Array1::from_shape_fn(n, |k| self.hyper3(th, l, [&u, &u, &unit(n, k)], [0.0; 3]))
    }
    fn d4(&self, _th: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
        unimplemented!("not needed at the linear endpoint")
    }
}

fn norm(x: &Array1<f64>) -> f64 {
    x.dot(x).sqrt()
}

fn flat(w: &Array2<f64>) -> Array1<f64> {
    Array1::from_iter(w.iter().copied())
}

#[test]
fn closed_form_gradient_matches_ad() {
    let mdl = model(3, 4e-3);
    let ad = Ad(&mdl);
    let th = Array1::from_shape_fn(mdl.n_params(), |i| 0.3 * (i as f64 + 0.5).sin());
    let g_cf = gradient_at_zero(&mdl, th.view()).unwrap();
    let g_ad = ad.gradient(th.view(), 0.0);
    assert!(
        norm(&(&g_cf - &g_ad)) <= 1e-13 * norm(&g_ad),
        "{g_cf} vs {g_ad}"
    );
}

#[test]
fn w0_is_the_critical_point() {
    for alpha in [4e-3, 0.5] {
        let mdl = model(4, alpha);
        let ad = Ad(&mdl);
        let th = flat(&w0(&mdl).unwrap());
        // Scale of the gradient's terms: ‖v γᵀ‖ (the others are of the same size at W0).
        let v = mdl.output_weights();
        let scale = norm(v) * norm(&mdl.data().cross_covariance());
        let g = gradient_at_zero(&mdl, th.view()).unwrap();
        assert!(
            norm(&g) <= 1e-14 * scale,
            "closed-form ‖∇L‖ = {:e}",
            norm(&g)
        );
        let g = mdl.gradient(th.view(), 0.0);
        assert!(
            norm(&g) <= 1e-14 * scale,
            "structured ‖∇L‖ = {:e}",
            norm(&g)
        );
        let g = ad.gradient(th.view(), 0.0);
        assert!(norm(&g) <= 1e-14 * scale, "AD ‖∇L‖ = {:e}", norm(&g));
        // A Newton step from W0 does not move it.
        let step = linalg::solve(&ad.hessian(th.view(), 0.0), &g).unwrap();
        assert!(
            norm(&step) <= 1e-12 * norm(&th),
            "Newton step {:e}",
            norm(&step)
        );
    }
}

#[test]
fn w0_approx_is_the_small_alpha_limit() {
    // W0 − W0_approx = O(α/(‖v‖² λ_min(Σ))): halving α halves the difference.
    let mut prev = None;
    for alpha in [1e-2, 5e-3, 2.5e-3] {
        let mdl = model(5, alpha);
        let (a, b) = (flat(&w0(&mdl).unwrap()), flat(&w0_approx(&mdl).unwrap()));
        let rel = norm(&(&a - &b)) / norm(&a);
        let v = mdl.output_weights();
        let smin = linalg::sym_eigenvalues(&mdl.data().covariance()).unwrap()[0];
        assert!(rel <= 1.01 * alpha / (v.dot(v) * smin), "rel {rel}");
        if let Some(p) = prev {
            let ratio: f64 = p / rel;
            assert!((ratio - 2.0).abs() < 0.01, "ratio {ratio}");
        }
        prev = Some(rel);
    }
}

#[test]
fn flat_space_is_the_alpha_eigenspace() {
    let mdl = model(4, 4e-3);
    let ad = Ad(&mdl);
    let d = mdl.input_dim();
    let q = flat_basis(mdl.output_weights(), d).unwrap();
    assert_eq!(q.dim(), (4 * d, 3 * d));
    let gram = q.t().dot(&q) - Array2::<f64>::eye(3 * d);
    assert!(gram.iter().all(|x| x.abs() < 1e-14));
    let h = ad.hessian(flat(&w0(&mdl).unwrap()).view(), 0.0);
    let r = h.dot(&q) - &q * 4e-3;
    assert!(r.iter().all(|x| x.abs() < 1e-14), "H Q − αQ");
    // Eigenvalues of H0,α: α ((m − 1)d times) and ‖v‖²λ_k(Σ) + α.
    let ev = linalg::sym_eigenvalues(&h).unwrap();
    assert!(ev.iter().take(3 * d).all(|x| (x - 4e-3).abs() < 1e-14));
    let v = mdl.output_weights();
    let sig = linalg::sym_eigenvalues(&mdl.data().covariance()).unwrap();
    for k in 0..d {
        let want = v.dot(v) * sig[k] + 4e-3;
        assert!((ev[3 * d + k] - want).abs() < 1e-13 * want);
    }
}

/// λ1(λ) on the branch from W0, by the crate's Newton with the local AD objective.
fn lambda1_on_branch(ad: &Ad<'_>, theta0: &Array1<f64>, lambda: f64) -> f64 {
    let th = newton_critical_point(ad, theta0.view(), lambda, 1e-15).unwrap();
    linalg::sym_eigenvalues(&ad.hessian(th.view(), lambda)).unwrap()[0]
}

#[test]
fn lambda1_prime_matches_finite_difference_along_branch() {
    let mdl = model(3, 4e-3);
    let ad = Ad(&mdl);
    let es = lambda1_prime_with(&mdl, &ad).unwrap();
    assert!(es.eigenspace_residual < 1e-12);
    assert!(
        es.splitting_rates[0] < es.splitting_rates[1],
        "u0 must be unique"
    );
    let th0 = Array1::from(es.w0.clone());
    // One-sided second-order difference (λ1 is the lowest branch only for λ > 0):
    // (−3λ1(0) + 4λ1(h) − λ1(2h))/(2h) = λ1′(0) + O(h²).
    let fd = |h: f64| {
        (-3.0 * es.alpha + 4.0 * lambda1_on_branch(&ad, &th0, h)
            - lambda1_on_branch(&ad, &th0, 2.0 * h))
            / (2.0 * h)
    };
    let (e1, e2) = (
        (fd(2e-2) - es.lambda1_prime).abs(),
        (fd(1e-2) - es.lambda1_prime).abs(),
    );
    let rel = e2 / es.lambda1_prime.abs();
    assert!(rel < 1e-3, "FD rel err {rel}");
    let ratio = e1 / e2;
    assert!((3.0..5.0).contains(&ratio), "O(h²) error ratio {ratio}");

    // At λ = 0 the loss is quadratic: no D³ term, and the closed form equals ∂λH's.
    assert!(es.d3_term.abs() < 1e-14);
    assert!((es.partial_only - es.lambda1_prime).abs() < 1e-12 * es.lambda1_prime.abs());
    let cf = &es.closed_form;
    assert!((cf.value - es.partial_only).abs() < 1e-12 * es.partial_only.abs());
    // The Gauss–Newton term vanishes on the flat space; the residual term is everything.
    assert!(cf.terms[0].1.abs() < 1e-14, "GN term {}", cf.terms[0].1);
    // u0 lies in the flat space.
    let u = mdl.weights(Array1::from(es.u0.clone()).view());
    let vu = u.t().dot(mdl.output_weights());
    assert!(vu.iter().all(|x| x.abs() < 1e-14));
    assert_eq!(
        es.lambda_star_first_order,
        first_order_lambda_star(es.alpha, es.lambda1_prime)
    );
}

#[test]
fn paper_18_equals_22_for_tanh() {
    let mdl = model(5, 4e-3);
    let es = lambda1_prime_with(&mdl, &Ad(&mdl)).unwrap();
    let p = &es.paper;
    let e22 = p.eq22.unwrap();
    assert!(
        (p.eq18 - e22).abs() <= 1e-13 * e22.abs(),
        "{} vs {}",
        p.eq18,
        e22
    );
    assert!(e22 < 0.0 && p.remark_7_8 < 0.0);
    // tanh²z ≤ z²: the polynomial approximation overestimates |λ1′(0)|.
    assert!(p.remark_7_8 < e22);
    let soft = TwoLayer::new(
        mdl.data().clone(),
        mdl.output_weights().clone(),
        4e-3,
        Builtin::Softplus,
    )
    .unwrap();
    let es = lambda1_prime_with(&soft, &Ad(&soft)).unwrap();
    assert!(es.paper.eq22.is_none());
    // The Gauss–Newton term vanishes on the flat space for any σ.
    assert!(es.closed_form.terms[0].1.abs() < 1e-14 * es.lambda1_prime.abs().max(1.0));
}

#[test]
fn residual_polynomial_is_the_small_weight_limit() {
    // Scaling y by s scales W0 and r by s; σ″(z) − σ‴(0)z = O(z³) makes the relative error of
    // the polynomial residual term O(s²).
    let base = model(3, 4e-3);
    let err = |s: f64| {
        let d = base.data();
        let data = Dataset::new(d.x.clone(), &d.y * s).unwrap();
        let mdl = TwoLayer::new(data, base.output_weights().clone(), 4e-3, Builtin::Tanh).unwrap();
        let es = lambda1_prime_with(&mdl, &Ad(&mdl)).unwrap();
        (es.residual_polynomial - es.closed_form.terms[1].1).abs() / es.closed_form.terms[1].1.abs()
    };
    let (e1, e2) = (err(0.2), err(0.1));
    assert!(e2 < 0.05, "{e2}");
    assert!((3.5..4.5).contains(&(e1 / e2)), "ratio {}", e1 / e2);
}

#[test]
fn width_fit_recovers_constants() {
    let (k, k2) = (-0.0705, 0.31);
    let pts: Vec<(usize, f64)> = [3usize, 5, 8, 10, 15, 20, 30, 50, 75, 100]
        .iter()
        .map(|&m| (m, k / m as f64 + k2 / (m * m) as f64))
        .collect();
    let (fk, fk2) = fit_width_constant(&pts).unwrap();
    assert!(
        (fk - k).abs() < 1e-14 && (fk2 - k2).abs() < 1e-13,
        "{fk} {fk2}"
    );
    assert!(fit_width_constant(&[(3, -0.01), (3, -0.011)]).is_err());
    assert!(fit_width_constant(&[(0, -0.01), (3, -0.011)]).is_err());
    assert!(fit_width_constant(&[(2, f64::NAN), (3, -0.011)]).is_err());
}

#[test]
fn bad_inputs_are_errors() {
    let mdl = model(3, 0.0);
    assert!(lambda1_prime_with(&mdl, &Ad(&mdl)).is_err());
    let other = model(4, 4e-3);
    let mdl = model(3, 4e-3);
    assert!(lambda1_prime_with(&mdl, &Ad(&other)).is_err());
    let zero_v = TwoLayer::new(mdl.data().clone(), Array1::zeros(3), 4e-3, Builtin::Tanh).unwrap();
    assert!(lambda1_prime_with(&zero_v, &Ad(&zero_v)).is_err());
    assert!(w0_approx(&zero_v).is_err());
    assert!(w0(&zero_v).unwrap().iter().all(|x| *x == 0.0));
    assert!(gradient_at_zero(&mdl, Array1::zeros(5).view()).is_err());
    assert!(flat_basis(&Array1::zeros(3), 2).is_err());
}

#[test]
fn crate_ad_path_agrees_with_local_ad() {
    let mdl = model(4, 4e-3);
    let a = lambda1_prime_with(&mdl, &Ad(&mdl)).unwrap();
    let b = lambda1_prime_with(&mdl, &actbif::derivatives::ad::AdObjective(&mdl)).unwrap();
    assert!((a.lambda1_prime - b.lambda1_prime).abs() < 1e-13 * a.lambda1_prime.abs());
    for (x, y) in a.splitting_rates.iter().zip(&b.splitting_rates) {
        assert!((x - y).abs() < 1e-13 * a.lambda1_prime.abs());
    }
}

#[test]
fn structured_path_agrees_with_local_ad() {
    let mdl = model(4, 4e-3);
    let a = lambda1_prime_with(&mdl, &Ad(&mdl)).unwrap();
    let b = lambda1_prime(&mdl).unwrap();
    assert!((a.lambda1_prime - b.lambda1_prime).abs() < 1e-13 * a.lambda1_prime.abs());
    assert!(b.eigenspace_residual < 1e-12);
}

#[test]
fn paper_model_m10_slope() {
    // Appendix B.2 model. The exact slope must match the eigenvalues along the branch
    // (one-sided O(h²) difference, h = 5e-3 and 2.5e-3: error ratio ≈ 4), and it rounds to the
    // paper's reported λ1′(0) = −0.00561 (Remark 7.8).
    let mdl = TwoLayer::paper(10).unwrap();
    let es = lambda1_prime(&mdl).unwrap();
    let th0 = Array1::from(es.w0.clone());
    let l1 = |l: f64| {
        let th = newton_critical_point(&mdl, th0.view(), l, 1e-15).unwrap();
        linalg::sym_eigenvalues(&mdl.hessian(th.view(), l)).unwrap()[0]
    };
    let fd = |h: f64| (-3.0 * es.alpha + 4.0 * l1(h) - l1(2.0 * h)) / (2.0 * h);
    let (e1, e2) = (
        (fd(5e-3) - es.lambda1_prime).abs(),
        (fd(2.5e-3) - es.lambda1_prime).abs(),
    );
    assert!(e2 < 3e-4 * es.lambda1_prime.abs(), "FD error {e2:e}");
    assert!((3.0..5.0).contains(&(e1 / e2)), "ratio {}", e1 / e2);
    assert!(
        (es.lambda1_prime - -0.00561).abs() < 5e-6,
        "{}",
        es.lambda1_prime
    );
}

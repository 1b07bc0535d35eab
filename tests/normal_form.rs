//! Normal-form coefficients on toy objectives whose coefficients are known in closed form.
//!
//! One family on θ = (t, x2, x3) ∈ R³ covers every case:
//!
//! L = εt + g3 t³/3 + d t⁴/24 + s t⁶/720 + r E5(t) − βλt + ½qλt²
//!     + ½x2² + c t² x2 + ½k x3² − bλx3 + e t² x3,
//!
//! E5(t) = eᵗ − Σ_{j≤4} tʲ/j! (vanishes to 4th order: only the FD truncation sees it).
//! On the critical set x2 = −ct², x3 = (bλ − et²)/k and, with A = q + 2eb/k and
//! G = d − 12c² − 12e²/k,
//! λ(t) = −[ε + g3 t² + (G/6)t³ + (s/120)t⁵ + r E5′(t)] / (A t − β),
//! which gives the traced and bifurcating branches exactly. At θ = 0, λ = 0 with ε = 0:
//! φ = e1, g_µ = −β, g_aµ = A, g_aa = 2g3, raw g_aaa = d, reduced g_aaa = G.
//! The couplings c, e make ψ20 ≠ 0 and b makes ψ01 ≠ 0.

use actbif::continuation::{
    trace, Branch, ContinuationParams, Event, EventKind, Method, Point, Status,
};
use actbif::derivatives::ad::{AdObjective, GenericLoss};
use actbif::models::two_layer::theory::{ClosedFormCoefficients, Decomposed};
use actbif::normal_form::{
    branch_check, branch_check_with, coefficients, fit_polynomial, potential_slices,
    transversality, BranchCheckOptions, Classification, CoefficientOptions, PolyBasis,
};
use actbif::Objective;
use ndarray::{array, Array1, Array2, ArrayView1};
use num_dual::DualNum;

#[derive(Clone, Copy, Debug)]
struct Toy {
    eps: f64,
    g3: f64,
    d: f64,
    s: f64,
    r: f64,
    beta: f64,
    q: f64,
    c: f64,
    k: f64,
    b: f64,
    e: f64,
}

impl Toy {
    fn base() -> Self {
        Toy {
            eps: 0.0,
            g3: 1.0,
            d: 0.9,
            s: 0.0,
            r: 0.0,
            beta: 1.0,
            q: 0.7,
            c: 0.3,
            k: 2.5,
            b: 0.8,
            e: -0.45,
        }
    }
    fn fold() -> Self {
        Toy::base()
    }
    fn transcritical() -> Self {
        Toy {
            beta: 0.0,
            g3: 0.6,
            q: -1.0,
            ..Toy::base()
        }
    }
    fn pitchfork() -> Self {
        Toy {
            beta: 0.0,
            g3: 0.0,
            q: -1.0,
            d: 6.0,
            s: 2.0,
            ..Toy::base()
        }
    }
    fn a(&self) -> f64 {
        self.q + 2.0 * self.e * self.b / self.k
    }
    fn big_g(&self) -> f64 {
        self.d - 12.0 * self.c * self.c - 12.0 * self.e * self.e / self.k
    }
    /// λ on the critical set as a function of t (t ≠ 0 unless β ≠ 0).
    fn branch_lambda(&self, t: f64) -> f64 {
        let num = self.eps
            + self.g3 * t * t
            + self.big_g() / 6.0 * t.powi(3)
            + self.s / 120.0 * t.powi(5)
            + self.r * e5d(t, 1);
        -num / (self.a() * t - self.beta)
    }
    fn branch_theta(&self, t: f64) -> Array1<f64> {
        let l = self.branch_lambda(t);
        array![t, -self.c * t * t, (self.b * l - self.e * t * t) / self.k]
    }
    /// T111 = ∂³L/∂t³.
    fn t111(&self, t: f64) -> f64 {
        2.0 * self.g3 + self.d * t + self.s / 6.0 * t.powi(3) + self.r * e5d(t, 3)
    }
}

/// j-th derivative of E5(t) = eᵗ − Σ_{i≤4} tⁱ/i!.
fn e5d(t: f64, j: usize) -> f64 {
    let mut v = t.exp_m1();
    let mut term = 1.0;
    for i in 1..=(4usize.saturating_sub(j)) {
        term *= t / i as f64;
        v -= term;
    }
    v
}

impl Objective for Toy {
    fn dim(&self) -> usize {
        3
    }
    fn value(&self, th: ArrayView1<f64>, l: f64) -> f64 {
        let (t, x2, x3) = (th[0], th[1], th[2]);
        self.eps * t
            + self.g3 * t.powi(3) / 3.0
            + self.d * t.powi(4) / 24.0
            + self.s * t.powi(6) / 720.0
            + self.r * e5d(t, 0)
            - self.beta * l * t
            + 0.5 * self.q * l * t * t
            + 0.5 * x2 * x2
            + self.c * t * t * x2
            + 0.5 * self.k * x3 * x3
            - self.b * l * x3
            + self.e * t * t * x3
    }
    fn gradient(&self, th: ArrayView1<f64>, l: f64) -> Array1<f64> {
        let (t, x2, x3) = (th[0], th[1], th[2]);
        array![
            self.eps
                + self.g3 * t * t
                + self.d / 6.0 * t.powi(3)
                + self.s / 120.0 * t.powi(5)
                + self.r * e5d(t, 1)
                - self.beta * l
                + self.q * l * t
                + 2.0 * self.c * t * x2
                + 2.0 * self.e * t * x3,
            x2 + self.c * t * t,
            self.k * x3 - self.b * l + self.e * t * t
        ]
    }
    fn hessian(&self, th: ArrayView1<f64>, l: f64) -> Array2<f64> {
        let (t, x2, x3) = (th[0], th[1], th[2]);
        let h11 = 2.0 * self.g3 * t
            + 0.5 * self.d * t * t
            + self.s / 24.0 * t.powi(4)
            + self.r * e5d(t, 2)
            + self.q * l
            + 2.0 * self.c * x2
            + 2.0 * self.e * x3;
        array![
            [h11, 2.0 * self.c * t, 2.0 * self.e * t],
            [2.0 * self.c * t, 1.0, 0.0],
            [2.0 * self.e * t, 0.0, self.k]
        ]
    }
    fn grad_lambda(&self, th: ArrayView1<f64>, _l: f64) -> Array1<f64> {
        array![-self.beta + self.q * th[0], 0.0, -self.b]
    }
    fn hessian_lambda(&self, _th: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[self.q, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    }
    fn d3_vec(&self, th: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let t111 = self.t111(th[0]);
        let (c2, e2) = (2.0 * self.c, 2.0 * self.e);
        array![
            t111 * u[0] * u[0] + 2.0 * c2 * u[0] * u[1] + 2.0 * e2 * u[0] * u[2],
            c2 * u[0] * u[0],
            e2 * u[0] * u[0]
        ]
    }
    fn d4(&self, th: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> f64 {
        let t = th[0];
        (self.d + 0.5 * self.s * t * t + self.r * e5d(t, 4)) * u[0].powi(4)
    }
}

/// The same toy written once generically: the crate's AD path checks the hand-coded
/// derivatives above (and the AD path is checked against them).
impl GenericLoss for Toy {
    fn dim(&self) -> usize {
        3
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, th: &[D], l: D) -> D {
        let (t, x2, x3) = (th[0].clone(), th[1].clone(), th[2].clone());
        let e5 = t.clone().exp()
            - 1.0
            - t.clone()
            - t.powi(2) * 0.5
            - t.powi(3) * (1.0 / 6.0)
            - t.powi(4) * (1.0 / 24.0);
        t.clone() * self.eps
            + t.powi(3) * (self.g3 / 3.0)
            + t.powi(4) * (self.d / 24.0)
            + t.powi(6) * (self.s / 720.0)
            + e5 * self.r
            - l.clone() * t.clone() * self.beta
            + l.clone() * t.powi(2) * (0.5 * self.q)
            + x2.powi(2) * 0.5
            + t.powi(2) * x2 * self.c
            + x3.powi(2) * (0.5 * self.k)
            - l * x3.clone() * self.b
            + t.powi(2) * x3 * self.e
    }
}

fn event(kind: EventKind, theta: &Array1<f64>, lambda: f64, kernel: &Array1<f64>) -> Event {
    Event {
        kind,
        lambda,
        residual: 0.0,
        eigenvalues: vec![],
        kernel: kernel.to_vec(),
        theta: theta.to_vec(),
        morse_before: 0,
        morse_after: 1,
        arclength: 0.0,
        located: true,
    }
}

fn origin_event(kind: EventKind) -> Event {
    event(kind, &Array1::zeros(3), 0.0, &array![1.0, 0.0, 0.0])
}

fn branch_from<O: Objective>(obj: &O, pts: Vec<(f64, Array1<f64>)>) -> Branch {
    let points = pts
        .into_iter()
        .map(|(lambda, theta)| Point {
            lambda,
            grad_norm: obj
                .gradient(theta.view(), lambda)
                .dot(&obj.gradient(theta.view(), lambda))
                .sqrt(),
            loss: obj.value(theta.view(), lambda),
            eigenvalues: vec![],
            tangent_lambda: 0.0,
            morse_index: 0,
            arclength: 0.0,
            theta,
            krylov_iterations: 0,
        })
        .collect();
    Branch {
        method: Method::Exact,
        points,
        events: vec![],
        max_grad_norm: 0.0,
        status: Status::ReachedLambdaMax,
    }
}

/// Branch points θ(t) for t on a uniform grid of `k` points in [t0, t1].
fn toy_branch(toy: &Toy, t0: f64, t1: f64, k: usize) -> Branch {
    let pts = (0..k)
        .map(|i| t0 + (t1 - t0) * i as f64 / (k - 1) as f64)
        .filter(|t| *t != 0.0 || toy.beta != 0.0)
        .map(|t| (toy.branch_lambda(t), toy.branch_theta(t)))
        .collect();
    branch_from(toy, pts)
}

fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
    let err = if want == 0.0 {
        got.abs()
    } else {
        (got - want).abs() / want.abs()
    };
    assert!(
        err <= tol,
        "{what}: got {got:e}, want {want:e}, rel err {err:e}"
    );
}

#[test]
fn toy_branch_is_critical() {
    // Guards the test fixture itself: the closed-form branch satisfies ∇L = 0.
    for toy in [Toy::fold(), Toy::transcritical(), Toy::pitchfork()] {
        for t in [-0.2, -0.05, 0.03, 0.17] {
            let th = toy.branch_theta(t);
            let g = toy.gradient(th.view(), toy.branch_lambda(t));
            assert!(g.iter().all(|x| x.abs() < 1e-14), "{toy:?} t={t}: {g}");
        }
    }
}

#[test]
fn hand_coded_toy_agrees_with_ad() {
    let ip = Imperfect::new(1e-3);
    let toy_r = Toy {
        r: 0.7,
        s: 1.3,
        ..Toy::fold()
    };
    let cases = [
        (Toy::fold(), origin_event(EventKind::Fold)),
        (toy_r, origin_event(EventKind::Fold)),
        (Toy::transcritical(), origin_event(EventKind::BranchPoint)),
        (Toy::pitchfork(), origin_event(EventKind::BranchPoint)),
        (
            ip.toy,
            event(EventKind::Fold, &ip.theta, ip.lambda, &ip.phi),
        ),
    ];
    let o = CoefficientOptions::default();
    for (toy, ev) in cases {
        let hand = coefficients(&toy, &ev, None, &o).unwrap();
        let ad = coefficients(&AdObjective(toy), &ev, None, &o).unwrap();
        assert_eq!(hand.classification, ad.classification);
        for (h, a, what) in [
            (hand.g_mu, ad.g_mu, "g_µ"),
            (hand.g_amu, ad.g_amu, "g_aµ"),
            (hand.g_aa.ad, ad.g_aa.ad, "g_aa"),
            (hand.g_aaa.ad, ad.g_aaa.ad, "g_aaa"),
            (hand.g_aaa_reduced, ad.g_aaa_reduced, "g_aaa reduced"),
            (hand.lambda2, ad.lambda2, "λ2"),
        ] {
            assert!(
                (h - a).abs() <= 1e-13 * h.abs().max(1.0),
                "{what}: {h} vs {a}"
            );
        }
        // Off the event too: a generic point checks every hand-coded derivative.
        let th = array![0.3, -0.2, 0.5];
        let u = array![0.4, -1.1, 0.7];
        let at = AdObjective(toy);
        let close = |x: &Array1<f64>, y: &Array1<f64>| (x - y).iter().all(|d| d.abs() < 1e-13);
        assert!(close(
            &toy.gradient(th.view(), 0.3),
            &at.gradient(th.view(), 0.3)
        ));
        assert!(close(
            &toy.grad_lambda(th.view(), 0.3),
            &at.grad_lambda(th.view(), 0.3)
        ));
        assert!(close(
            &toy.d3_vec(th.view(), 0.3, u.view()),
            &at.d3_vec(th.view(), 0.3, u.view())
        ));
        let hd = &toy.hessian(th.view(), 0.3) - &at.hessian(th.view(), 0.3);
        assert!(hd.iter().all(|d| d.abs() < 1e-13));
        let hd = &toy.hessian_lambda(th.view(), 0.3) - &at.hessian_lambda(th.view(), 0.3);
        assert!(hd.iter().all(|d| d.abs() < 1e-13));
        let (d4h, d4a) = (
            toy.d4(th.view(), 0.3, u.view()),
            at.d4(th.view(), 0.3, u.view()),
        );
        assert!(
            (d4h - d4a).abs() < 1e-13 * d4h.abs().max(1.0),
            "{d4h} vs {d4a}"
        );
        assert!((toy.value(th.view(), 0.3) - at.value(th.view(), 0.3)).abs() < 1e-15);
    }
}

#[test]
fn fold_coefficients_exact() {
    let toy = Toy::fold();
    let ev = origin_event(EventKind::Fold);
    let c = coefficients(&toy, &ev, None, &CoefficientOptions::default()).unwrap();
    assert_eq!(c.classification, Classification::Fold, "{}", c.criteria);
    assert_rel(c.lambda1, 0.0, 0.0, "λ1");
    assert_rel(c.lambda2, 1.0, 1e-14, "λ2");
    assert_rel(c.g_mu, -1.0, 1e-14, "g_µ");
    assert_rel(c.g_amu, toy.a(), 1e-12, "g_aµ");
    assert_rel(
        c.g_amu_terms.terms[1].1,
        2.0 * toy.e * toy.b / toy.k,
        1e-12,
        "D3L[φ,φ,ψ01]",
    );
    assert_rel(c.g_aa.ad, 2.0, 1e-14, "g_aa");
    assert_rel(c.g_aaa.ad, toy.d, 1e-14, "raw g_aaa");
    assert_rel(c.g_aaa_reduced, toy.big_g(), 1e-12, "reduced g_aaa");
    assert!(
        (toy.big_g() - toy.d).abs() > 0.5,
        "ψ20 correction must be tested nonzero"
    );
    assert_rel(
        c.ratio_aa_aaa,
        (2.0 / toy.big_g()).abs(),
        1e-12,
        "|g_aa/g_aaa|",
    );
    assert_rel(
        c.smallness.g_mu,
        1.0 / (1.0 + toy.b * toy.b).sqrt(),
        1e-14,
        "imperfection ratio",
    );
    assert!(c.crossing_speed.is_none());
    // ψ01 = (0, 0, b/k), ψ20 = (0, −2c, −2e/k).
    let psi01 = Array1::from(c.psi01.clone());
    let psi20 = Array1::from(c.psi20.clone());
    assert!((&psi01 - &array![0.0, 0.0, toy.b / toy.k])
        .iter()
        .all(|x| x.abs() < 1e-14));
    assert!((&psi20 - &array![0.0, -2.0 * toy.c, -2.0 * toy.e / toy.k])
        .iter()
        .all(|x| x.abs() < 1e-14));
    // Polynomial along φ: the stencils are exact up to rounding ~ ε·4/h³ relative.
    assert!(c.g_aa.rel_err_fd < 1e-6, "{}", c.g_aa.rel_err_fd);
    assert!(c.g_aaa.rel_err_fd < 1e-3, "{}", c.g_aaa.rel_err_fd);
    assert!(c.g_aa.formula.is_none() && c.g_aa.rel_err_formula.is_none());
    let json = serde_json::to_string(&c).unwrap();
    let back: actbif::normal_form::Coefficients = serde_json::from_str(&json).unwrap();
    assert_eq!(back.classification, Classification::Fold);
}

#[test]
fn kernel_sign_and_scale_do_not_matter() {
    let toy = Toy::fold();
    let ev = event(
        EventKind::Fold,
        &Array1::zeros(3),
        0.0,
        &array![-3.0, 0.0, 0.0],
    );
    let c = coefficients(&toy, &ev, None, &CoefficientOptions::default()).unwrap();
    // φ = −e1: odd coefficients flip sign, even ones do not.
    assert_rel(c.g_mu, 1.0, 1e-14, "g_µ");
    assert_rel(c.g_aa.ad, -2.0, 1e-14, "g_aa");
    assert_rel(c.g_amu, toy.a(), 1e-12, "g_aµ");
    assert_rel(c.g_aaa_reduced, toy.big_g(), 1e-12, "g_aaa");
}

#[test]
fn transcritical_coefficients_exact() {
    let toy = Toy::transcritical();
    let ev = origin_event(EventKind::BranchPoint);
    let c = coefficients(&toy, &ev, None, &CoefficientOptions::default()).unwrap();
    assert_eq!(
        c.classification,
        Classification::Transcritical,
        "{}",
        c.criteria
    );
    assert_eq!(c.g_mu, 0.0);
    assert_rel(c.g_amu, toy.a(), 1e-12, "g_aµ");
    assert_rel(c.g_aa.ad, 2.0 * toy.g3, 1e-14, "g_aa");
    assert_rel(c.g_aaa.ad, toy.d, 1e-14, "raw g_aaa");
    assert_rel(c.g_aaa_reduced, toy.big_g(), 1e-12, "reduced g_aaa");
    // Prop 7.13: along the trivial branch x = (0, 0, bλ/k), H11 = λA, so dλ1/dλ = A.
    assert_rel(c.crossing_speed.unwrap(), toy.a(), 1e-12, "crossing speed");
}

#[test]
fn pitchfork_coefficients_exact() {
    let toy = Toy::pitchfork();
    let ev = origin_event(EventKind::BranchPoint);
    let c = coefficients(&toy, &ev, None, &CoefficientOptions::default()).unwrap();
    assert_eq!(
        c.classification,
        Classification::Pitchfork,
        "{}",
        c.criteria
    );
    assert_eq!(c.g_mu, 0.0);
    assert_eq!(c.g_aa.ad, 0.0);
    assert_rel(c.g_amu, toy.a(), 1e-12, "g_aµ");
    assert_rel(c.g_aaa.ad, toy.d, 1e-14, "raw g_aaa");
    assert_rel(c.g_aaa_reduced, toy.big_g(), 1e-12, "reduced g_aaa");
    assert_rel(c.crossing_speed.unwrap(), toy.a(), 1e-12, "crossing speed");
    assert_eq!(c.ratio_aa_aaa, 0.0);
}

#[test]
fn degenerate_when_everything_vanishes() {
    let toy = Toy {
        c: 0.0,
        e: 0.0,
        d: 0.0,
        ..Toy::pitchfork()
    };
    let c = coefficients(
        &toy,
        &origin_event(EventKind::BranchPoint),
        None,
        &Default::default(),
    )
    .unwrap();
    assert_eq!(
        c.classification,
        Classification::Degenerate,
        "{}",
        c.criteria
    );
}

/// Imperfect pitchfork: ε ≠ 0 unfolds the pitchfork into a fold at
/// t*³ = 3ε/G, λ* = −3ε/(2A t*), kernel ∝ (1, −2ct*, −2et*/k).
struct Imperfect {
    toy: Toy,
    t: f64,
    lambda: f64,
    theta: Array1<f64>,
    phi: Array1<f64>,
}

impl Imperfect {
    fn new(eps: f64) -> Self {
        let toy = Toy {
            eps,
            s: 0.0,
            ..Toy::pitchfork()
        };
        let t = (3.0 * eps / toy.big_g()).cbrt();
        let lambda = -3.0 * eps / (2.0 * toy.a() * t);
        let theta = toy.branch_theta(t);
        let u = array![1.0, -2.0 * toy.c * t, -2.0 * toy.e * t / toy.k];
        let phi = &u / u.dot(&u).sqrt();
        Imperfect {
            toy,
            t,
            lambda,
            theta,
            phi,
        }
    }
    /// ψ ⟂ φ with Hψ = −(I − φφᵀ)v, by hand elimination (rows 2, 3 and orthogonality).
    fn psi(&self, v: &Array1<f64>) -> Array1<f64> {
        let (c, e, k, t) = (self.toy.c, self.toy.e, self.toy.k, self.t);
        let r = -(v - &(&self.phi * self.phi.dot(v)));
        let x1 = (2.0 * c * t * r[1] + 2.0 * e * t * r[2] / (k * k))
            / (1.0 + 4.0 * c * c * t * t + 4.0 * e * e * t * t / (k * k));
        array![x1, r[1] - 2.0 * c * t * x1, (r[2] - 2.0 * e * t * x1) / k]
    }
}

#[test]
fn imperfect_pitchfork_is_a_fold_near_a_pitchfork() {
    let (mut prev_ratio, mut prev_mu, mut prev_aa) = (f64::INFINITY, 1.0, 1.0);
    for eps in [1e-3, 1e-5] {
        let ip = Imperfect::new(eps);
        let toy = ip.toy;
        assert_eq!(ip.theta[0], ip.t);
        assert!(toy
            .gradient(ip.theta.view(), ip.lambda)
            .iter()
            .all(|g| g.abs() < 1e-15));
        let ev = event(EventKind::Fold, &ip.theta, ip.lambda, &ip.phi);
        let c = coefficients(&toy, &ev, None, &CoefficientOptions::default()).unwrap();
        assert_eq!(c.classification, Classification::Fold, "{}", c.criteria);
        assert!(c.lambda1.abs() < 1e-14, "λ1 = {}", c.lambda1);
        let (p, t) = (&ip.phi, ip.t);
        let nrm = 1.0 / p[0]; // ‖u‖ with u1 = 1
        assert_rel(c.g_mu, t * toy.a() / nrm, 1e-12, "g_µ");
        assert_rel(c.g_aa.ad, t * toy.big_g() / nrm.powi(3), 1e-10, "g_aa");
        assert_rel(c.g_aaa.ad, toy.d / nrm.powi(4), 1e-13, "raw g_aaa");
        let d3pp = array![
            toy.t111(t) * p[0] * p[0] + 4.0 * toy.c * p[0] * p[1] + 4.0 * toy.e * p[0] * p[2],
            2.0 * toy.c * p[0] * p[0],
            2.0 * toy.e * p[0] * p[0]
        ];
        let gl = array![toy.q * t, 0.0, -toy.b];
        let psi01 = ip.psi(&gl);
        let psi20 = ip.psi(&d3pp);
        assert_rel(
            c.g_amu,
            toy.q * p[0] * p[0] + d3pp.dot(&psi01),
            1e-10,
            "g_aµ",
        );
        assert_rel(
            c.g_aaa_reduced,
            toy.d * p[0].powi(4) + 3.0 * d3pp.dot(&psi20),
            1e-10,
            "reduced g_aaa",
        );
        // Near-pitchfork: |g_aa/g_aaa| ∝ t* ∝ ε^{1/3} shrinks with ε.
        assert!(c.ratio_aa_aaa < prev_ratio);
        prev_ratio = c.ratio_aa_aaa;
        assert!(c.smallness.g_mu < prev_mu && c.smallness.g_aa < prev_aa);
        (prev_mu, prev_aa) = (c.smallness.g_mu, c.smallness.g_aa);
        let stated = format!("imperfection ratio {:.3e}", c.smallness.g_mu);
        assert!(c.criteria.contains(&stated), "{}", c.criteria);
    }
}

#[test]
fn closed_form_callback_is_compared() {
    let toy = Toy::fold();
    let ev = origin_event(EventKind::Fold);
    let good = |_: ArrayView1<f64>, _: f64, _: ArrayView1<f64>| {
        Ok(ClosedFormCoefficients {
            g_aa: Decomposed {
                value: 2.0,
                terms: vec![("a".into(), 3.0), ("b".into(), -1.0)],
            },
            g_aaa: Decomposed {
                value: 0.9,
                terms: vec![("a".into(), 0.9)],
            },
        })
    };
    let c = coefficients(&toy, &ev, Some(&good), &CoefficientOptions::default()).unwrap();
    assert!(c.g_aa.rel_err_formula.unwrap() < 1e-15);
    assert!(c.g_aaa.rel_err_formula.unwrap() < 1e-15);
    let bad = |_: ArrayView1<f64>, _: f64, _: ArrayView1<f64>| {
        Ok(ClosedFormCoefficients {
            g_aa: Decomposed {
                value: 2.2,
                terms: vec![],
            },
            g_aaa: Decomposed {
                value: 0.9,
                terms: vec![],
            },
        })
    };
    let c = coefficients(&toy, &ev, Some(&bad), &CoefficientOptions::default()).unwrap();
    assert_rel(c.g_aa.rel_err_formula.unwrap(), 0.1, 1e-12, "formula error");
    // A failing callback's error is returned, not swallowed.
    let failing = |_: ArrayView1<f64>, _: f64, _: ArrayView1<f64>| {
        Err(actbif::Error::param("closed form", "not available"))
    };
    assert!(matches!(
        coefficients(&toy, &ev, Some(&failing), &CoefficientOptions::default()),
        Err(actbif::Error::InvalidParameter { name, .. }) if name == "closed form"
    ));
}

#[test]
fn fd_stencils_have_second_order_truncation() {
    // E5 adds f⁽⁵⁾(0) = r and f⁽⁶⁾(0) = r + s along φ = e1 without changing D³, D⁴ at 0;
    // the stencils' errors are h²f⁽⁵⁾/4 + h⁴f⁽⁷⁾/40 and h²f⁽⁶⁾/6 + h⁴f⁽⁸⁾/80.
    let toy = Toy {
        r: 1.0,
        s: 3.0,
        ..Toy::fold()
    };
    let ev = origin_event(EventKind::Fold);
    for h in [2e-2, 1e-2, 5e-3] {
        let opts = CoefficientOptions {
            fd_step: h,
            ..Default::default()
        };
        let c = coefficients(&toy, &ev, None, &opts).unwrap();
        assert_rel(c.g_aa.ad, 2.0, 1e-14, "AD g_aa unaffected");
        let e3 = c.g_aa.fd - c.g_aa.ad;
        let e4 = c.g_aaa.fd - c.g_aaa.ad;
        let (p3, p4) = (h * h / 4.0 * toy.r, h * h / 6.0 * (toy.r + toy.s));
        // Remainders: h⁴/40 ≈ 4e-9 and (h⁴/80)(1 + s·…) bound, plus rounding ≪ that.
        assert!(
            (e3 - p3).abs() < h.powi(4) / 10.0,
            "h={h}: {e3:e} vs {p3:e}"
        );
        assert!((e4 - p4).abs() < h.powi(4) * 5.0, "h={h}: {e4:e} vs {p4:e}");
    }
}

#[test]
fn fold_branch_check_parabola() {
    let toy = Toy::fold();
    let ev = origin_event(EventKind::Fold);
    let c = coefficients(&toy, &ev, None, &Default::default()).unwrap();
    // λ(t) = [t² + (G/6)t³ + …]/(1 − At) = t² + (G/6 + A)t³ + O(t⁴): the relative deviation
    // from the parabola t² is |G/6 + A|·|a| to first order.
    let branch = toy_branch(&toy, -0.04, 0.04, 41);
    let opts = BranchCheckOptions {
        max_abs_a: Some(0.02),
        ..Default::default()
    };
    let bc = branch_check_with(&c, &ev, &branch, &opts).unwrap();
    assert_eq!(bc.samples.len(), 20);
    let beta = (toy.big_g() / 6.0 + toy.a()).abs();
    assert!(
        (bc.max_rel_deviation / (beta * 0.02) - 1.0).abs() < 0.1,
        "{} vs {}",
        bc.max_rel_deviation,
        beta * 0.02
    );
    let p = bc.order_estimate.unwrap();
    assert!((p - 1.0).abs() < 0.1, "order {p}");
    for (a, lb, lp) in &bc.samples {
        assert_rel(*lp, a * a, 1e-14, "predicted parabola");
        assert_rel(*lb, toy.branch_lambda(*a), 1e-14, "branch λ");
    }
    // Default window 0.1/max(|A/g_µ|, |G/(3g_aa)|).
    let bc = branch_check(&c, &ev, &branch).unwrap();
    let rate = toy.a().abs().max((toy.big_g() / 6.0).abs());
    assert_rel(bc.max_abs_a, 0.1 / rate, 1e-12, "default window");
}

#[test]
fn transcritical_branch_check_line() {
    let toy = Toy::transcritical();
    let ev = origin_event(EventKind::BranchPoint);
    let c = coefficients(&toy, &ev, None, &Default::default()).unwrap();
    // Bifurcating branch λ = −[g3 t + (G/6)t²]/A; prediction −g_aa a/(2g_aµ) = −g3 a/A.
    let branch = toy_branch(&toy, -0.05, 0.05, 21);
    let opts = BranchCheckOptions {
        max_abs_a: Some(0.05),
        ..Default::default()
    };
    let bc = branch_check_with(&c, &ev, &branch, &opts).unwrap();
    // Relative deviation |(G/6)t| / |g3 + (G/6)t|, largest at an end of the window.
    let rel = |t: f64| (toy.big_g() / 6.0 * t).abs() / (toy.g3 + toy.big_g() / 6.0 * t).abs();
    let want = rel(0.05).max(rel(-0.05));
    assert_rel(bc.max_rel_deviation, want, 1e-10, "max deviation");
    assert!((bc.order_estimate.unwrap() - 1.0).abs() < 0.05);
}

#[test]
fn pitchfork_branch_check_uses_reduced_cubic() {
    let toy = Toy::pitchfork();
    let ev = origin_event(EventKind::BranchPoint);
    let c = coefficients(&toy, &ev, None, &Default::default()).unwrap();
    // λ = −[(G/6)t² + (s/120)t⁴]/A: relative deviation (s/20)t²/G, order 2.
    let branch = toy_branch(&toy, 0.0, 0.1, 11);
    let opts = BranchCheckOptions {
        max_abs_a: Some(0.1),
        ..Default::default()
    };
    let bc = branch_check_with(&c, &ev, &branch, &opts).unwrap();
    let want = toy.s / 120.0 * 0.01 / (toy.big_g() / 6.0 + toy.s / 120.0 * 0.01).abs();
    assert_rel(bc.max_rel_deviation, want, 1e-8, "max deviation");
    assert!((bc.order_estimate.unwrap() - 2.0).abs() < 0.05);
}

#[test]
fn imperfect_pitchfork_branch_check() {
    let ip = Imperfect::new(1e-4);
    let ev = event(EventKind::Fold, &ip.theta, ip.lambda, &ip.phi);
    let c = coefficients(&ip.toy, &ev, None, &Default::default()).unwrap();
    let dt = 0.2 * ip.t;
    let branch = toy_branch(&ip.toy, ip.t - dt, ip.t + dt, 41);
    let bc = branch_check_with(
        &c,
        &ev,
        &branch,
        &BranchCheckOptions {
            max_abs_a: Some(dt),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(bc.samples.len() >= 30);
    // Deviation O(a): halving the window halves it.
    let bc2 = branch_check_with(
        &c,
        &ev,
        &branch,
        &BranchCheckOptions {
            max_abs_a: Some(dt / 2.0),
            ..Default::default()
        },
    )
    .unwrap();
    let ratio = bc.max_rel_deviation / bc2.max_rel_deviation;
    assert!((1.7..2.3).contains(&ratio), "ratio {ratio}");
    assert!(bc.max_rel_deviation < 0.5);
}

#[test]
fn potential_fit_recovers_taylor_coefficients() {
    let toy = Toy::fold();
    let ev = origin_event(EventKind::Fold);
    let a: Vec<f64> = (-10..=10).map(|i| 0.03 * i as f64).collect();
    let mus = [-0.02, -0.01, 0.0, 0.01, 0.02];
    // Along φ = e1 at θ* = 0: φ(a, µ) = −µa + ½qµa² + a³/3 + d a⁴/24 exactly.
    let s = potential_slices(&toy, &ev, &a, &mus, PolyBasis::WithLinear).unwrap();
    for sl in &s.slices {
        assert_rel(sl.fit.c1.unwrap(), -sl.mu, 1e-9, "c1");
        assert_rel(sl.fit.c2, 0.5 * toy.q * sl.mu, 1e-9, "c2");
        assert_rel(sl.fit.c3, 1.0 / 3.0, 1e-11, "c3");
        assert_rel(sl.fit.c4, toy.d / 24.0, 1e-10, "c4");
        assert!(sl.fit.rms_residual < 1e-15);
    }
    let tf = transversality(&s).unwrap();
    assert_rel(tf.slope, 0.5 * toy.q, 1e-9, "dc2/dµ = ½φᵀ∂λHφ");
    assert!(tf.intercept.abs() < 1e-12);
    // The paper's basis is exact at µ = 0 (no linear term there) and biased elsewhere.
    let p = potential_slices(&toy, &ev, &a, &mus, PolyBasis::Paper).unwrap();
    let at0 = &p.slices[2].fit;
    assert!(at0.c1.is_none());
    assert!(at0.c2.abs() < 1e-12);
    assert_rel(at0.c3, 1.0 / 3.0, 1e-11, "paper c3");
    assert!(p.slices[0].fit.rms_residual > 1e-6);
}

#[test]
fn fit_polynomial_rejects_bad_input() {
    assert!(fit_polynomial(&[0.1, 0.2], &[1.0, 2.0], PolyBasis::Paper).is_err());
    assert!(fit_polynomial(&[0.1, 0.2, 0.3], &[1.0, 2.0], PolyBasis::Paper).is_err());
    assert!(fit_polynomial(&[0.1, 0.2, 0.3], &[1.0, f64::NAN, 2.0], PolyBasis::Paper).is_err());
    assert!(fit_polynomial(&[0.1, 0.2, 0.3], &[1.0, 2.0, 3.0], PolyBasis::WithLinear).is_err());
    assert!(fit_polynomial(&[0.0, 0.1, 0.1, 0.2, 0.3], &[0.0; 5], PolyBasis::Paper).is_ok());
}

#[test]
fn bad_inputs_are_errors() {
    let toy = Toy::fold();
    let o = CoefficientOptions::default();
    let mut ev = origin_event(EventKind::Fold);
    ev.kernel = vec![0.0; 3];
    assert!(coefficients(&toy, &ev, None, &o).is_err());
    ev.kernel = vec![1.0, 0.0];
    assert!(coefficients(&toy, &ev, None, &o).is_err());
    ev.kernel = vec![1.0, 0.0, 0.0];
    ev.theta = vec![0.0, f64::NAN, 0.0];
    assert!(coefficients(&toy, &ev, None, &o).is_err());
    ev.theta = vec![0.0; 3];
    ev.lambda = f64::INFINITY;
    assert!(coefficients(&toy, &ev, None, &o).is_err());
    ev.lambda = 0.0;
    for bad in [
        CoefficientOptions {
            fd_step: 0.0,
            ..o.clone()
        },
        CoefficientOptions {
            zero_tol: f64::NAN,
            ..o.clone()
        },
    ] {
        assert!(coefficients(&toy, &ev, None, &bad).is_err());
    }
    let c = coefficients(&toy, &ev, None, &o).unwrap();
    // Branch without θ (as read back from JSON) and empty branch.
    let mut br = toy_branch(&toy, -0.01, 0.01, 5);
    br.points[2].theta = Array1::zeros(0);
    assert!(branch_check(&c, &ev, &br).is_err());
    br.points.clear();
    assert!(branch_check(&c, &ev, &br).is_err());
    // A doubly degenerate kernel makes the bordered system singular.
    let flat = Toy {
        k: 0.0,
        b: 0.0,
        e: 0.0,
        ..Toy::fold()
    };
    assert!(coefficients(&flat, &ev, None, &o).is_err());
}

#[test]
fn traced_fold_end_to_end() {
    // β = −1 puts the branch λ(t) = −[t² + …]/(At + 1) at λ ≤ 0: traced towards increasing λ
    // it reaches the fold at θ = 0, λ = 0 and turns back.
    let toy = Toy {
        beta: -1.0,
        ..Toy::fold()
    };
    let t0 = -0.3;
    let params = ContinuationParams {
        lambda_min: toy.branch_lambda(t0) - 0.01,
        lambda_max: 0.1,
        ..Default::default()
    };
    let br = trace(
        &toy,
        toy.branch_theta(t0).view(),
        toy.branch_lambda(t0),
        &params,
    )
    .unwrap();
    let ev = br
        .events
        .iter()
        .find(|e| e.kind == EventKind::Fold)
        .expect("fold located");
    assert!(ev.lambda.abs() < 1e-10, "λ* = {}", ev.lambda);
    let c = coefficients(&toy, ev, None, &Default::default()).unwrap();
    assert_eq!(c.classification, Classification::Fold, "{}", c.criteria);
    // The located φ may carry either sign: compare sign-invariant combinations.
    let sgn = c.phi[0].signum();
    assert_rel(sgn * c.g_mu, 1.0, 1e-9, "g_µ");
    assert_rel(sgn * c.g_aa.ad, 2.0, 1e-9, "g_aa");
    assert_rel(c.g_amu, toy.a(), 1e-9, "g_aµ");
    assert_rel(c.g_aaa_reduced, toy.big_g(), 1e-9, "reduced g_aaa");
    let bc = branch_check(&c, ev, &br).unwrap();
    assert!(bc.samples.len() >= 2, "{bc:?}");
    // Relative deviation ≈ |G/6 − A|·|a| (λ(t) = −t² + (A − G/6)t³ + …) within the window.
    let bound = 1.2 * (toy.big_g() / 6.0 - toy.a()).abs() * bc.max_abs_a;
    assert!(
        bc.max_rel_deviation <= bound,
        "{} > {bound}",
        bc.max_rel_deviation
    );
}

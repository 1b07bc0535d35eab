//! Continuation on hand-coded toy objectives with known branches and events, the partial
//! eigensolver against constructed spectra, and (once the derivative paths exist) the paper model.

use actbif::continuation::{
    newton_critical_point, resample, trace, trace_paper, Branch, ContinuationParams, EventKind,
    Method, PaperParams, Point, Spectrum, Status,
};
use actbif::linalg::{inertia, sym_eigen_smallest};
use actbif::Objective;
use ndarray::{array, Array1, Array2, ArrayView1};

// ------------------------------------------------------------------------------------------
// Toy objectives (analytic derivatives).
// ------------------------------------------------------------------------------------------

/// L = θ³/3 + (λ − ½)θ: branch θ² = ½ − λ; the minimum θ = +√(½ − λ) folds at λ = ½ into the
/// maximum θ = −√(½ − λ) (Morse index 1), which returns to λ = 0.
struct Fold1;

impl Objective for Fold1 {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        t[0].powi(3) / 3.0 + (l - 0.5) * t[0]
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        array![t[0] * t[0] + l - 0.5]
    }
    fn hessian(&self, t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[2.0 * t[0]]]
    }
    fn grad_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
        array![1.0]
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[0.0]]
    }
    fn d3_vec(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        array![2.0 * u[0] * u[0]]
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
        0.0
    }
}

/// L = (½ − λ)θ − cθ³/3 with c = [`SHARP_C`]: branch cθ² = ½ − λ; the minimum
/// θ = −√((½ − λ)/c) reaches the fold at λ = ½ with tangent λ-component ≈ 1 until
/// ½ − λ ≈ 1/(4c) = 2.5e-9 and turns there into the maximum θ = +√((½ − λ)/c), which returns to
/// λ = 0: a turn 10⁷ times shorter than the steps that reach it (digits m = 1000 has one
/// 2e-4 long).
struct SharpFold;

/// Curvature c of [`SharpFold`].
const SHARP_C: f64 = 1e8;

impl Objective for SharpFold {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        (0.5 - l) * t[0] - SHARP_C * t[0].powi(3) / 3.0
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        array![0.5 - l - SHARP_C * t[0] * t[0]]
    }
    fn hessian(&self, t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[-2.0 * SHARP_C * t[0]]]
    }
    fn grad_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
        array![-1.0]
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[0.0]]
    }
    fn d3_vec(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        array![-2.0 * SHARP_C * u[0] * u[0]]
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
        0.0
    }
}

/// A fixed orthogonal 3 × 3 matrix (Householder reflection of a generic vector).
fn q3() -> Array2<f64> {
    let v = array![0.3, -0.7, 0.648];
    let vv = v.dot(&v);
    let mut q = Array2::eye(3);
    for i in 0..3 {
        for j in 0..3 {
            q[[i, j]] -= 2.0 * v[i] * v[j] / vv;
        }
    }
    q
}

/// L(θ) = f(Qθ) with f(y) = y1³/3 + (λ − ½)y1 + ½(y2 − λ)² + (y3 + λ²)²: the fold of Fold1 in
/// rotated coordinates with a moving transverse part. Fold at λ = ½, θ* = Qᵀ(0, ½, −¼),
/// kernel Qᵀe1.
struct RotatedFold {
    q: Array2<f64>,
}

impl RotatedFold {
    fn new() -> Self {
        RotatedFold { q: q3() }
    }
    fn y(&self, t: ArrayView1<f64>) -> Array1<f64> {
        self.q.dot(&t)
    }
    fn back(&self, v: Array1<f64>) -> Array1<f64> {
        self.q.t().dot(&v)
    }
    fn congruence(&self, d: Array1<f64>) -> Array2<f64> {
        self.q.t().dot(&Array2::from_diag(&d)).dot(&self.q)
    }
}

impl Objective for RotatedFold {
    fn dim(&self) -> usize {
        3
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        let y = self.y(t);
        y[0].powi(3) / 3.0 + (l - 0.5) * y[0] + 0.5 * (y[1] - l).powi(2) + (y[2] + l * l).powi(2)
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        let y = self.y(t);
        self.back(array![
            y[0] * y[0] + l - 0.5,
            y[1] - l,
            2.0 * (y[2] + l * l)
        ])
    }
    fn hessian(&self, t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        let y = self.y(t);
        self.congruence(array![2.0 * y[0], 1.0, 2.0])
    }
    fn grad_lambda(&self, _t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        self.back(array![1.0, -1.0, 4.0 * l])
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        Array2::zeros((3, 3))
    }
    fn d3_vec(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let w = self.q.dot(&u);
        self.back(array![2.0 * w[0] * w[0], 0.0, 0.0])
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
        0.0
    }
}

/// Z2-symmetric pitchfork L = θ1⁴/4 + (c − λ)θ1²/2 + (θ2 − sin λ)²/2: the trivial branch
/// θ1 = 0, θ2 = sin λ has a branch point at λ = c with kernel e1; Morse index 0 → 1.
struct Pitchfork {
    c: f64,
}

impl Objective for Pitchfork {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        t[0].powi(4) / 4.0 + (self.c - l) * t[0] * t[0] / 2.0 + (t[1] - l.sin()).powi(2) / 2.0
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        array![t[0].powi(3) + (self.c - l) * t[0], t[1] - l.sin()]
    }
    fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        array![[3.0 * t[0] * t[0] + self.c - l, 0.0], [0.0, 1.0]]
    }
    fn grad_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        array![-t[0], -l.cos()]
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[-1.0, 0.0], [0.0, 0.0]]
    }
    fn d3_vec(&self, t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        array![6.0 * t[0] * u[0] * u[0], 0.0]
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> f64 {
        6.0 * u[0].powi(4)
    }
}

/// Transcritical L = θ³/3 − (λ − c)θ²/2: the trivial branch θ = 0 crosses θ = λ − c at λ = c.
struct Transcritical {
    c: f64,
}

impl Objective for Transcritical {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        t[0].powi(3) / 3.0 - (l - self.c) * t[0] * t[0] / 2.0
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        array![t[0] * t[0] - (l - self.c) * t[0]]
    }
    fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        array![[2.0 * t[0] - (l - self.c)]]
    }
    fn grad_lambda(&self, t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
        array![-t[0]]
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[-1.0]]
    }
    fn d3_vec(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        array![2.0 * u[0] * u[0]]
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
        0.0
    }
}

/// Imperfect pitchfork ∇L = (θ1³ − (c − λ)θ1 + δ, θ2 − λ): the upper minimum θ1 ≈ √(c − λ)
/// folds at λ_f = c − 3(δ/2)^(2/3) (θ1 = (δ/2)^(1/3)) into the saddle, passing close to the
/// other minimum near (0, c): big steps can jump across the gap.
struct Imperfect {
    c: f64,
    delta: f64,
}

impl Objective for Imperfect {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        t[0].powi(4) / 4.0 - (self.c - l) * t[0] * t[0] / 2.0
            + self.delta * t[0]
            + (t[1] - l).powi(2) / 2.0
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        array![t[0].powi(3) - (self.c - l) * t[0] + self.delta, t[1] - l]
    }
    fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        array![[3.0 * t[0] * t[0] - (self.c - l), 0.0], [0.0, 1.0]]
    }
    fn grad_lambda(&self, t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
        array![t[0], -1.0]
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[1.0, 0.0], [0.0, 0.0]]
    }
    fn d3_vec(&self, t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        array![6.0 * t[0] * u[0] * u[0], 0.0]
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> f64 {
        6.0 * u[0].powi(4)
    }
}

/// Pathological: Fold1 whose derivatives are NaN beyond λ = 0.3.
struct NanBeyond;

impl Objective for NanBeyond {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        if l > 0.3 {
            f64::NAN
        } else {
            Fold1.value(t, l)
        }
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        if l > 0.3 {
            array![f64::NAN]
        } else {
            Fold1.gradient(t, l)
        }
    }
    fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        Fold1.hessian(t, l)
    }
    fn grad_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        Fold1.grad_lambda(t, l)
    }
    fn hessian_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        Fold1.hessian_lambda(t, l)
    }
    fn d3_vec(&self, t: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        Fold1.d3_vec(t, l, u)
    }
    fn d4(&self, t: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> f64 {
        Fold1.d4(t, l, u)
    }
}

/// Pathological: L = (θ − s(λ))²/2 with s jumping from 0 to 1 at λ = 0.3 (and ∂λ∇L reported
/// as 0): the branch is discontinuous, so it can only be followed by jumping.
struct Discontinuous;

impl Objective for Discontinuous {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        let s = if l < 0.3 { 0.0 } else { 1.0 };
        0.5 * (t[0] - s).powi(2)
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        let s = if l < 0.3 { 0.0 } else { 1.0 };
        array![t[0] - s]
    }
    fn hessian(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[1.0]]
    }
    fn grad_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
        array![0.0]
    }
    fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
        array![[0.0]]
    }
    fn d3_vec(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> Array1<f64> {
        array![0.0]
    }
    fn d4(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
        0.0
    }
}

/// The pitchfork (c = 2: no event in [0, 1]; near a singular Hessian any gradient floor moves
/// the solution by floor/µ) with a deterministic rough perturbation of size η added to the
/// gradient only (a rounding floor the exact Hessian does not see).
struct Noisy {
    eta: f64,
}

impl Noisy {
    fn noise(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        // Rough at every scale: an angle hashed from the bit patterns of (θ, λ).
        let mut z = t[0].to_bits() ^ t[1].to_bits().rotate_left(21) ^ l.to_bits().rotate_left(42);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let phase = (z >> 11) as f64 / (1u64 << 53) as f64 * std::f64::consts::TAU;
        array![self.eta * phase.sin(), self.eta * phase.cos()]
    }
}

impl Objective for Noisy {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
        Pitchfork { c: 2.0 }.value(t, l)
    }
    fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        Pitchfork { c: 2.0 }.gradient(t, l) + self.noise(t, l)
    }
    fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        Pitchfork { c: 2.0 }.hessian(t, l)
    }
    fn grad_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
        Pitchfork { c: 2.0 }.grad_lambda(t, l)
    }
    fn hessian_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
        Pitchfork { c: 2.0 }.hessian_lambda(t, l)
    }
    fn d3_vec(&self, t: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> Array1<f64> {
        Pitchfork { c: 2.0 }.d3_vec(t, l, u)
    }
    fn d4(&self, t: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> f64 {
        Pitchfork { c: 2.0 }.d4(t, l, u)
    }
}

// ------------------------------------------------------------------------------------------
// Helpers.
// ------------------------------------------------------------------------------------------

fn gnorm<O: Objective>(obj: &O, p: &Point) -> f64 {
    let g = obj.gradient(p.theta.view(), p.lambda);
    g.dot(&g).sqrt()
}

/// Every recorded point is a converged critical point, with the recorded ‖∇L‖ honest.
fn assert_converged<O: Objective>(obj: &O, b: &Branch, tol: f64) {
    for p in &b.points {
        let g = gnorm(obj, p);
        assert!(g <= tol, "‖∇L‖ = {g:e} at λ = {}", p.lambda);
        assert_eq!(g, p.grad_norm, "recorded ‖∇L‖ at λ = {}", p.lambda);
    }
    assert!(b.max_grad_norm <= tol);
}

fn only_event(b: &Branch) -> &actbif::continuation::Event {
    assert_eq!(b.events.len(), 1, "events: {:?}", b.events);
    &b.events[0]
}

// ------------------------------------------------------------------------------------------
// Exact continuation on toys.
// ------------------------------------------------------------------------------------------

#[test]
fn scalar_fold_is_passed_located_and_followed_back() {
    let p = ContinuationParams::default();
    let b = trace(&Fold1, array![0.5f64.sqrt()].view(), 0.0, &p).unwrap();
    assert_eq!(b.method, Method::Exact);
    assert_converged(&Fold1, &b, p.grad_tol);
    // On the analytic branch θ² = ½ − λ; Morse index = [θ < 0]; λ ≤ ½.
    for q in &b.points {
        let t = q.theta[0];
        assert!(
            (t * t - (0.5 - q.lambda)).abs() < 1e-12,
            "off branch at λ = {}",
            q.lambda
        );
        assert_eq!(q.morse_index, usize::from(t < 0.0));
        assert!(q.lambda <= 0.5 + 1e-15);
        assert!((q.eigenvalues[0] - 2.0 * t).abs() < 1e-12);
        assert!((q.tangent_lambda.signum() - t.signum()).abs() < 1e-12 || t.abs() < 1e-12);
    }
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::Fold);
    assert!((e.lambda - 0.5).abs() <= 1e-10, "λ* = {}", e.lambda);
    assert!(e.theta[0].abs() <= 1e-6, "θ* = {}", e.theta[0]);
    assert!(e.residual <= p.event_tol);
    assert!(e.located);
    assert_eq!((e.morse_before, e.morse_after), (0, 1));
    assert!((e.kernel[0].abs() - 1.0).abs() < 1e-15);
    // The saddle branch returns to λ_min, landing exactly on it.
    assert_eq!(b.status, Status::ReachedLambdaMin);
    let last = b.points.last().unwrap();
    assert_eq!(last.lambda, 0.0);
    assert!((last.theta[0] + 0.5f64.sqrt()).abs() < 1e-12);
    // Arclength increases and the event sits between its neighbours.
    assert!(b.points.windows(2).all(|w| w[1].arclength > w[0].arclength));
    let quarter_circle = 2.0 * (0.5f64.sqrt() + 0.5); // upper bound of the path length
    assert!(last.arclength > 2.0 * 0.5f64.sqrt() && last.arclength < quarter_circle);
}

#[test]
fn sharp_fold_is_located_from_one_side_and_followed_back() {
    let p = ContinuationParams::default();
    let theta0 = -(0.5 / SHARP_C).sqrt();
    let b = trace(&SharpFold, array![theta0].view(), 0.0, &p).unwrap();
    assert_converged(&SharpFold, &b, p.grad_tol);
    for q in &b.points {
        let t = q.theta[0];
        // |∇L| = |½ − λ − cθ²| ≤ grad_tol at every converged point.
        assert!(
            (SHARP_C * t * t - (0.5 - q.lambda)).abs() <= p.grad_tol,
            "off branch at λ = {}",
            q.lambda
        );
        assert_eq!(q.morse_index, usize::from(t > 0.0), "λ = {}", q.lambda);
    }
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::Fold);
    assert!((e.lambda - 0.5).abs() <= 1e-12, "λ* = {}", e.lambda);
    assert!(e.residual <= p.event_tol);
    assert_eq!((e.morse_before, e.morse_after), (0, 1));
    // Located from the last point before the turn, which the steps did not approach: the
    // turn (1/(4c) = 2.5e-9 long) would take ~25 halvings of the step to resolve.
    let before = b
        .points
        .iter()
        .filter(|q| q.morse_index == 0)
        .map(|q| q.lambda)
        .fold(0.0f64, f64::max);
    assert!(
        0.5 - before > 1e-6,
        "last point before the fold at λ = {before}"
    );
    // Then back along the maximum to λ = 0.
    assert_eq!(b.status, Status::ReachedLambdaMin);
    let last = b.points.last().unwrap();
    assert!((last.theta[0] + theta0).abs() < 1e-15);
}

#[test]
fn rotated_fold_kernel_and_location() {
    let obj = RotatedFold::new();
    let p = ContinuationParams::default();
    let y0 = array![0.5f64.sqrt(), 0.0, 0.0];
    let theta0 = obj.q.t().dot(&y0);
    let b = trace(&obj, theta0.view(), 0.0, &p).unwrap();
    assert_converged(&obj, &b, p.grad_tol);
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::Fold);
    assert!((e.lambda - 0.5).abs() <= 1e-10, "λ* = {}", e.lambda);
    let theta_star = obj.q.t().dot(&array![0.0, 0.5, -0.25]);
    let d: f64 = (Array1::from(e.theta.clone()) - &theta_star)
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt();
    assert!(d < 1e-6, "θ* off by {d:e}");
    let kernel = obj.q.row(0).to_owned(); // Qᵀe1
    let phi = Array1::from(e.kernel.clone());
    assert!((phi.dot(&phi) - 1.0).abs() < 1e-14);
    assert!((phi.dot(&kernel).abs() - 1.0).abs() < 1e-12);
    // Sign convention of Event::kernel (largest-modulus entry positive): Qᵀe1 = e1 − 2v₁v/‖v‖²
    // ≈ (0.820, 0.420, −0.389) already satisfies it, so φ = +Qᵀe1, not −Qᵀe1.
    assert!((phi.dot(&kernel) - 1.0).abs() < 1e-12, "φ = {phi}");
    assert!(e.residual <= p.event_tol);
    // Eigenvalues at the fold: 0, 1, 2.
    for (got, want) in e.eigenvalues.iter().zip([0.0, 1.0, 2.0]) {
        assert!((got - want).abs() < 1e-10);
    }
}

#[test]
fn pitchfork_branch_point_on_trivial_branch() {
    let c = 0.37;
    let obj = Pitchfork { c };
    let p = ContinuationParams::default();
    let b = trace(&obj, array![0.0, 0.0].view(), 0.0, &p).unwrap();
    assert_converged(&obj, &b, p.grad_tol);
    assert_eq!(b.status, Status::ReachedLambdaMax);
    let last = b.points.last().unwrap();
    assert_eq!(last.lambda, 1.0);
    for q in &b.points {
        assert_eq!(q.theta[0], 0.0, "left the symmetric branch");
        assert!((q.theta[1] - q.lambda.sin()).abs() < 1e-13);
        assert_eq!(q.morse_index, usize::from(q.lambda > c));
    }
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::BranchPoint);
    assert!((e.lambda - c).abs() <= 1e-10, "λ* = {}", e.lambda);
    assert_eq!((e.morse_before, e.morse_after), (0, 1));
    assert!(e.residual <= p.event_tol);
    assert!((e.kernel[0] - 1.0).abs() < 1e-12 && e.kernel[1].abs() < 1e-12);
}

#[test]
fn transcritical_branch_point() {
    let c = 0.6;
    let obj = Transcritical { c };
    let p = ContinuationParams::default();
    let b = trace(&obj, array![0.0].view(), 0.0, &p).unwrap();
    assert_converged(&obj, &b, p.grad_tol);
    assert_eq!(b.status, Status::ReachedLambdaMax);
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::BranchPoint);
    assert!((e.lambda - c).abs() <= 1e-10, "λ* = {}", e.lambda);
    assert_eq!((e.morse_before, e.morse_after), (0, 1));
    assert!(e.residual <= p.event_tol);
}

#[test]
fn transcritical_on_the_nontrivial_branch() {
    // Start on θ = λ − c (a saddle for λ < c, H = λ − c), which crosses the trivial branch.
    let c = 0.6;
    let obj = Transcritical { c };
    let p = ContinuationParams::default();
    let b = trace(&obj, array![-c].view(), 0.0, &p).unwrap();
    assert_converged(&obj, &b, p.grad_tol);
    for q in &b.points {
        assert!((q.theta[0] - (q.lambda - c)).abs() < 1e-12);
    }
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::BranchPoint);
    assert!((e.lambda - c).abs() <= 1e-10);
    assert_eq!((e.morse_before, e.morse_after), (1, 0));
}

#[test]
fn imperfect_pitchfork_fold_without_branch_jump() {
    let (c, delta) = (0.5, 1e-6);
    let obj = Imperfect { c, delta };
    let p = ContinuationParams::default();
    let b = trace(&obj, array![c.sqrt(), 0.0].view(), 0.0, &p).unwrap();
    assert_converged(&obj, &b, p.grad_tol);
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::Fold);
    let lf = c - 3.0 * (delta / 2.0f64).powf(2.0 / 3.0);
    assert!((e.lambda - lf).abs() <= 1e-10, "λ* = {} vs {lf}", e.lambda);
    assert!((e.theta[0] - (delta / 2.0f64).cbrt()).abs() < 1e-6);
    assert_eq!((e.morse_before, e.morse_after), (0, 1));
    // Back along the saddle (θ1 between the two minima) to λ = 0.
    assert_eq!(b.status, Status::ReachedLambdaMin);
    let last = b.points.last().unwrap();
    assert!(last.theta[0].abs() < 1e-5 && last.morse_index == 1);
}

#[test]
fn full_spectrum_matches_partial_on_small_problems() {
    let obj = RotatedFold::new();
    let theta0 = obj.q.t().dot(&array![0.5f64.sqrt(), 0.0, 0.0]);
    let full = ContinuationParams {
        spectrum: Spectrum::Full,
        ..Default::default()
    };
    let two = ContinuationParams {
        spectrum: Spectrum::Smallest(2),
        ..Default::default()
    };
    let bf = trace(&obj, theta0.view(), 0.0, &full).unwrap();
    let b2 = trace(&obj, theta0.view(), 0.0, &two).unwrap();
    assert_eq!(bf.points.len(), b2.points.len());
    for (a, b) in bf.points.iter().zip(&b2.points) {
        assert_eq!(a.eigenvalues.len(), 3);
        assert_eq!(b.eigenvalues.len(), 2);
        assert_eq!(&a.eigenvalues[..2], &b.eigenvalues[..]);
    }
}

#[test]
fn stalls_on_nan_gradient() {
    let p = ContinuationParams::default();
    let b = trace(&NanBeyond, array![0.5f64.sqrt()].view(), 0.0, &p).unwrap();
    assert!(matches!(b.status, Status::Stalled(_)), "{:?}", b.status);
    assert!(b
        .points
        .iter()
        .all(|q| q.lambda <= 0.3 && q.grad_norm <= p.grad_tol));
}

#[test]
fn refuses_to_jump_across_a_discontinuity() {
    let p = ContinuationParams::default();
    let b = trace(&Discontinuous, array![0.0].view(), 0.0, &p).unwrap();
    assert!(matches!(b.status, Status::Stalled(_)), "{:?}", b.status);
    assert!(b.points.iter().all(|q| q.theta[0] == 0.0 && q.lambda < 0.3));
}

#[test]
fn rounding_floor_fallback_is_bounded() {
    // ‖noise‖ = η = 3e-13: above grad_tol = 1e-13, below the 1e-12 fallback bound.
    let p = ContinuationParams::default();
    let b = trace(&Noisy { eta: 3e-13 }, array![0.0, 0.0].view(), 0.0, &p).unwrap();
    assert_eq!(b.status, Status::ReachedLambdaMax);
    assert!(b.max_grad_norm <= 10.0 * p.grad_tol);
    assert!(b.max_grad_norm > p.grad_tol, "the floor was not exercised");
    // A floor above 10·grad_tol is never accepted: the trace fails to start or stalls, and
    // nothing above the bound is recorded (chance cancellations of the noise may be).
    match trace(&Noisy { eta: 1e-11 }, array![0.0, 0.0].view(), 0.0, &p) {
        Err(_) => {}
        Ok(b) => {
            assert!(matches!(b.status, Status::Stalled(_)), "{:?}", b.status);
            assert!(b.max_grad_norm <= 10.0 * p.grad_tol);
        }
    }
}

#[test]
fn step_budget() {
    let p = ContinuationParams {
        max_steps: 5,
        ..Default::default()
    };
    let b = trace(&Pitchfork { c: 0.37 }, array![0.0, 0.0].view(), 0.0, &p).unwrap();
    assert_eq!(b.status, Status::StepBudgetExhausted);
    assert!(b.points.len() <= 6);
}

#[test]
fn events_can_be_left_unlocated() {
    let p = ContinuationParams {
        locate_events: false,
        ..Default::default()
    };
    let b = trace(&Fold1, array![0.5f64.sqrt()].view(), 0.0, &p).unwrap();
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::Fold);
    // Recorded at an accepted point: its residual is |µ| there, honestly above event_tol.
    assert!(e.residual > p.event_tol);
    assert!(!e.located, "an unlocated crossing is marked so");
    assert!((e.residual - 2.0 * e.theta[0].abs()).abs() < 1e-12);
}

/// Issue 23 item 7: a crossing whose residual misses event_tol (here unreachably small: the
/// residual's rounding floor on the paper model is ≈ 1e-16) stays in `events` with
/// `located: false`, counted by `max_events`, at the first fold the default tolerance locates
/// (no longer moved to `rejected_events`).
#[test]
fn loosely_located_crossing_stays_an_event() {
    let model = TwoLayer::paper(10).unwrap();
    let theta0 = actbif::app::start_point(&model).unwrap();
    let run = |event_tol: f64| {
        let p = ContinuationParams {
            event_tol,
            max_events: Some(1),
            ..Default::default()
        };
        trace(&model, theta0.view(), 0.0, &p).unwrap()
    };
    let (tight, default) = (run(1e-30), run(1e-12));
    let (e, d) = (only_event(&tight), only_event(&default));
    assert!(d.located && d.residual <= 1e-12);
    assert_eq!(e.kind, EventKind::Fold);
    assert!(
        e.residual > 1e-30 && !e.located,
        "residual {:e}",
        e.residual
    );
    // Located by the fallback (Brent on the chord) instead of fold Newton: same fold.
    assert!(
        (e.lambda - d.lambda).abs() <= 1e-8,
        "{} vs {}",
        e.lambda,
        d.lambda
    );
    assert_eq!(tight.status, Status::MaxEvents);
}

#[test]
fn bad_input_is_an_error() {
    let p = ContinuationParams::default();
    let t = array![0.0, 0.0];
    let obj = Pitchfork { c: 0.37 };
    assert!(trace(&obj, array![0.0].view(), 0.0, &p).is_err());
    assert!(trace(&obj, array![f64::NAN, 0.0].view(), 0.0, &p).is_err());
    assert!(trace(&obj, t.view(), 1.5, &p).is_err());
    assert!(trace(&obj, t.view(), f64::NAN, &p).is_err());
    for bad in [
        ContinuationParams {
            lambda_max: -1.0,
            ..Default::default()
        },
        ContinuationParams {
            ds_min: 0.0,
            ..Default::default()
        },
        ContinuationParams {
            ds_initial: 1.0,
            ..Default::default()
        },
        ContinuationParams {
            grad_tol: -1.0,
            ..Default::default()
        },
        ContinuationParams {
            max_turn: 0.0,
            ..Default::default()
        },
        ContinuationParams {
            spectrum: Spectrum::Smallest(0),
            ..Default::default()
        },
    ] {
        assert!(trace(&obj, t.view(), 0.0, &bad).is_err(), "{bad:?}");
    }
    // A start that is not near any critical point at λ0 (Fold1 has none for λ > ½).
    let far = ContinuationParams {
        lambda_min: 0.0,
        lambda_max: 1.0,
        ..Default::default()
    };
    assert!(trace(&Fold1, array![1.0].view(), 0.9, &far).is_err());
    assert!(trace_paper(&obj, array![0.0].view(), &PaperParams::default()).is_err());
    assert!(trace_paper(
        &obj,
        t.view(),
        &PaperParams {
            n_steps: 0,
            ..Default::default()
        }
    )
    .is_err());
}

#[test]
fn newton_critical_point_converges_and_reports_failure() {
    let obj = Pitchfork { c: 0.37 };
    let t = newton_critical_point(&obj, array![0.1, 0.3].view(), 0.2, 1e-14).unwrap();
    assert!(t[0].abs() < 1e-12 && (t[1] - 0.2f64.sin()).abs() < 1e-14);
    assert!(newton_critical_point(&Fold1, array![1.0].view(), 0.9, 1e-13).is_err());
    assert!(newton_critical_point(&obj, array![0.1].view(), 0.2, 1e-13).is_err());
    assert!(newton_critical_point(&obj, array![0.1, 0.0].view(), 0.2, 0.0).is_err());
}

// ------------------------------------------------------------------------------------------
// Paper method on toys.
// ------------------------------------------------------------------------------------------

#[test]
fn paper_method_finds_the_crossing_on_the_symmetric_branch() {
    let c = 0.37;
    let obj = Pitchfork { c };
    let p = PaperParams {
        n_steps: 100,
        ..Default::default()
    };
    let b = trace_paper(&obj, array![0.0, 0.0].view(), &p).unwrap();
    assert_eq!(b.method, Method::Paper);
    assert_eq!(b.status, Status::ReachedLambdaMax);
    assert_eq!(b.points.len(), 101);
    for q in &b.points {
        assert_eq!(q.grad_norm, gnorm(&obj, q));
        assert_eq!(q.tangent_lambda, 0.0);
    }
    let e = only_event(&b);
    assert_eq!(e.kind, EventKind::EigenvalueCrossing);
    // λ_min = c − λ is linear on the branch; the FD Hessian errs by ε² = 1e-10.
    assert!((e.lambda - c).abs() < 1e-8, "λ* = {}", e.lambda);
    assert!((e.kernel[0].abs() - 1.0).abs() < 1e-8);
}

#[test]
fn paper_method_reports_a_branch_jump() {
    // Slightly off the symmetric branch: after λ = c the optimiser falls into a new minimum.
    let c = 0.37;
    let obj = Pitchfork { c };
    let p = PaperParams {
        n_steps: 100,
        ..Default::default()
    };
    let b = trace_paper(&obj, array![1e-3, 0.0].view(), &p).unwrap();
    match &b.status {
        Status::BranchJump(why) => assert!(!why.is_empty()),
        s => panic!("no jump reported: {s:?}"),
    }
    // Stopped before recording the jumped point: all recorded points near the trivial branch.
    assert!(b.points.iter().all(|q| q.theta[0].abs() < 1e-3));
    assert!(b.points.last().unwrap().lambda < 1.0);
}

// ------------------------------------------------------------------------------------------
// Resampling.
// ------------------------------------------------------------------------------------------

fn pt(lambda: f64, tangent_lambda: f64) -> Point {
    Point {
        lambda,
        grad_norm: 0.0,
        loss: 2.0 * lambda + 1.0,
        eigenvalues: vec![lambda - 0.5, 3.0 * lambda],
        tangent_lambda,
        morse_index: 0,
        arclength: 0.0,
        theta: Array1::zeros(1),
        krylov_iterations: 0,
    }
}

#[test]
fn resample_is_exact_on_linear_data_and_stops_at_the_fold() {
    let b = Branch {
        method: Method::Exact,
        points: vec![
            pt(0.0, 1.0),
            pt(0.1, 1.0),
            pt(0.35, 0.5),
            pt(0.5, 0.1),
            pt(0.45, -0.2),
            pt(0.9, 1.0),
        ],
        events: vec![],
        max_grad_norm: 0.0,
        status: Status::ReachedLambdaMin,
    };
    let grid: Vec<f64> = (-2..=20).map(|i| i as f64 / 20.0).collect();
    let r = resample(&b, &grid);
    assert_eq!(r.first().unwrap().lambda, 0.0);
    assert!((r.last().unwrap().lambda - 0.5).abs() < 1e-15);
    assert_eq!(r.len(), 11);
    for g in &r {
        assert!((g.loss - (2.0 * g.lambda + 1.0)).abs() < 1e-14);
        assert!((g.eigenvalues[0] - (g.lambda - 0.5)).abs() < 1e-14);
        assert!((g.eigenvalues[1] - 3.0 * g.lambda).abs() < 1e-14);
    }
    assert!(resample(&b, &[f64::NAN, 2.0]).is_empty());
}

#[test]
fn resample_fold_branch_within_interpolation_error() {
    let b = trace(
        &Fold1,
        array![0.5f64.sqrt()].view(),
        0.0,
        &Default::default(),
    )
    .unwrap();
    let grid: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
    let r = resample(&b, &grid);
    assert!(!r.is_empty());
    for g in &r {
        // Bracketing recorded points, and the linear-interpolation bound h²/8·max|f''| for
        // f(λ) = 2√(½ − λ), |f''| = ½(½ − λ)^(−3/2), largest at the right end.
        let j = b.points.partition_point(|q| q.lambda < g.lambda).max(1);
        let (a, c) = (&b.points[j - 1], &b.points[j]);
        assert!(c.tangent_lambda > 0.0, "resampled past the fold");
        let h = c.lambda - a.lambda;
        let bound = h * h / 8.0 * 0.5 * (0.5 - c.lambda).powf(-1.5) + 1e-12;
        let exact = 2.0 * (0.5 - g.lambda).sqrt();
        assert!(
            (g.eigenvalues[0] - exact).abs() <= bound,
            "λ = {}",
            g.lambda
        );
    }
}

// ------------------------------------------------------------------------------------------
// Partial eigensolver and inertia.
// ------------------------------------------------------------------------------------------

/// A pseudo-random orthogonal matrix (product of Householder reflections).
fn orthogonal(n: usize, seed: u64) -> Array2<f64> {
    let mut s = seed;
    let mut rnd = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let mut q = Array2::<f64>::eye(n);
    for _ in 0..3 {
        let v = Array1::from_shape_fn(n, |_| rnd());
        let vv = v.dot(&v);
        if vv == 0.0 {
            continue;
        }
        let qv = q.dot(&v);
        for i in 0..n {
            for j in 0..n {
                q[[i, j]] -= 2.0 * qv[i] * v[j] / vv;
            }
        }
    }
    q
}

fn with_spectrum(d: &[f64], seed: u64) -> Array2<f64> {
    let q = orthogonal(d.len(), seed);
    let a = q
        .dot(&Array2::from_diag(&Array1::from(d.to_vec())))
        .dot(&q.t());
    (&a + &a.t()) * 0.5
}

fn check_smallest(d: &[f64], k: usize, seed: u64) -> bool {
    let a = with_spectrum(d, seed);
    let n = d.len();
    let scale = d.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    let mut sorted = d.to_vec();
    sorted.sort_by(f64::total_cmp);
    let e = sym_eigen_smallest(&a, k, None).unwrap();
    let k = k.min(n);
    assert_eq!(e.values.len(), k);
    assert_eq!(e.vectors.dim(), (n, k));
    assert_eq!(e.negative_count, d.iter().filter(|&&v| v < 0.0).count());
    for (i, want) in sorted.iter().take(k).enumerate() {
        assert!(
            (e.values[i] - want).abs() <= 1e-10 * scale,
            "n = {n}, eigenvalue {i}: {} vs {want}",
            e.values[i]
        );
        let v = e.vectors.column(i);
        let r = a.dot(&v) - &v * e.values[i];
        assert!(
            r.dot(&r).sqrt() <= 1e-9 * scale * (n as f64),
            "residual {i}"
        );
    }
    let g = e.vectors.t().dot(&e.vectors) - Array2::<f64>::eye(k);
    assert!(g.iter().all(|v| v.abs() < 1e-10), "not orthonormal");
    e.dense
}

#[test]
fn partial_spectrum_small_sizes_are_dense() {
    assert!(check_smallest(&[-3.0], 6, 1));
    assert!(check_smallest(&[2.0, -1.0], 1, 2));
    assert!(check_smallest(&[5.0, 1.0, 1.0, -2.0, 0.5, 7.0, 1.0], 6, 3));
}

#[test]
fn partial_spectrum_larger_sizes_use_shift_invert() {
    // n = 61 (just past the dense threshold): spread spectrum with two negatives; right on
    // whichever path.
    let d: Vec<f64> = (0..61).map(|i| (i as f64 - 2.0) * 0.37 + 0.05).collect();
    check_smallest(&d, 6, 4);
    // n = 61 with well-separated smallest eigenvalues: the shift-invert path.
    let mut d: Vec<f64> = (0..61).map(|i| 10.0 + i as f64).collect();
    d[..6].copy_from_slice(&[-0.3, -0.01, 0.02, 0.05, 0.08, 0.1]);
    assert!(!check_smallest(&d, 6, 4));
    // n = 200: a cluster of 50 equal eigenvalues α = 4e-3 (as at λ = 0 in the paper model),
    // a near-cluster, three negatives and a large tail.
    let mut d = vec![4e-3; 50];
    d.extend((0..10).map(|i| 1e-3 + 1e-9 * i as f64));
    d.extend([-2e-3, -1e-4, -5e-4]);
    d.extend((0..137).map(|i| 0.1 + i as f64));
    assert!(!check_smallest(&d, 6, 5));
    // A negative eigenvalue far from zero is missed by shift-invert at 0; the inertia count
    // notices and the result is still right (dense fallback).
    d[62] = -5.0;
    check_smallest(&d, 6, 5);
    // The cluster as the wanted end of the spectrum.
    let mut d = vec![4e-3; 195];
    d.extend([10.0, 20.0, 30.0, 40.0, 50.0]);
    assert!(!check_smallest(&d, 6, 6));
}

#[test]
fn partial_spectrum_falls_back_when_many_negatives() {
    let d: Vec<f64> = (0..200).map(|i| i as f64 - 20.5).collect();
    assert!(check_smallest(&d, 6, 7));
}

#[test]
fn partial_spectrum_warm_start_and_bad_input() {
    let d: Vec<f64> = (0..150)
        .map(|i| 0.01 * (i as f64 + 1.0).powf(1.5) - 0.02)
        .collect();
    let a = with_spectrum(&d, 8);
    let cold = sym_eigen_smallest(&a, 6, None).unwrap();
    let warm = sym_eigen_smallest(&a, 6, Some(&cold.vectors)).unwrap();
    for i in 0..6 {
        assert!((cold.values[i] - warm.values[i]).abs() < 1e-12);
    }
    assert!(sym_eigen_smallest(&a, 6, Some(&Array2::zeros((3, 2)))).is_err());
    assert!(sym_eigen_smallest(&Array2::zeros((3, 2)), 1, None).is_err());
    let mut nan = a.clone();
    nan[[3, 4]] = f64::NAN;
    assert!(sym_eigen_smallest(&nan, 1, None).is_err());
}

#[test]
fn inertia_counts() {
    let d = [-2.0, -1e-3, 0.5, 3.0, 1e-6, -7.0, 2.0];
    let i = inertia(&with_spectrum(&d, 9)).unwrap();
    assert_eq!((i.negative, i.zero, i.positive), (3, 0, 4));
    // An indefinite matrix with zero diagonal forces 2 × 2 pivots.
    let a = array![[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.0, 0.5]];
    let ev = actbif::linalg::sym_eigenvalues(&a).unwrap();
    let neg = ev.iter().filter(|&&v| v < 0.0).count();
    let i = inertia(&a).unwrap();
    assert_eq!((i.negative, i.zero, i.positive), (neg, 0, 3 - neg));
}

// ------------------------------------------------------------------------------------------
// Two-layer networks.
// ------------------------------------------------------------------------------------------

use actbif::activation::Builtin;
use actbif::data::Dataset;
use actbif::derivatives::ad::AdObjective;
use actbif::derivatives::finite_diff::forward_hessian;
use actbif::models::two_layer::TwoLayer;

/// A small synthetic teacher problem (deterministic inputs, tanh teacher).
fn small_net(m: usize, act: Builtin, alpha: f64) -> TwoLayer {
    let (n, d) = (120, 3);
    let mut s = 7u64;
    let mut rnd = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let x = Array2::from_shape_fn((n, d), |_| 1.5 * rnd());
    let y = Array1::from_shape_fn(n, |i| {
        let z = x[[i, 0]] - 0.5 * x[[i, 1]] + 0.3 * x[[i, 2]];
        z + 0.8 * (1.5 * z).tanh()
    });
    let v = Array1::from_shape_fn(m, |j| 0.5 + j as f64 / (m as f64 - 1.0));
    TwoLayer::new(Dataset::new(x, y).unwrap(), v, alpha, act).unwrap()
}

/// Exact trace of a generic-AD objective: every point converged to 1e-12, every event located
/// to event_tol, and every Morse-index change between consecutive points accounted for by an
/// event in that step.
#[test]
fn ad_network_trace_is_converged_and_consistent() {
    // The first network is chosen because its branch has events, so that the checks on them
    // are exercised.
    for (act, m, alpha, folds) in [
        (Builtin::Tanh, 6, 1e-3, true),
        (Builtin::Softplus, 4, 4e-3, false),
    ] {
        let obj = AdObjective(small_net(m, act, alpha));
        let n = obj.dim();
        let theta0 = newton_critical_point(&obj, Array1::zeros(n).view(), 0.0, 1e-13).unwrap();
        let p = ContinuationParams::default();
        let b = trace(&obj, theta0.view(), 0.0, &p).unwrap();
        assert!(
            matches!(
                b.status,
                Status::ReachedLambdaMax | Status::ReachedLambdaMin
            ),
            "{act:?}: {:?}",
            b.status
        );
        for q in &b.points {
            assert!(gnorm(&obj, q) <= 1e-12, "{act:?} at λ = {}", q.lambda);
        }
        assert!(!folds || !b.events.is_empty(), "{act:?}: no events");
        for e in &b.events {
            assert!(e.residual <= p.event_tol, "{act:?}: {e:?}");
            // A fold has g_µ = φᵀ∂λ∇L ≠ 0 (a branch point has g_µ = 0).
            if e.kind == EventKind::Fold {
                let th = Array1::from(e.theta.clone());
                let g_mu = obj
                    .grad_lambda(th.view(), e.lambda)
                    .dot(&Array1::from(e.kernel.clone()));
                assert!(g_mu.abs() > 1e-8, "{act:?}: fold with g_µ = {g_mu:e}");
            }
        }
        for w in b.points.windows(2) {
            if w[0].morse_index != w[1].morse_index {
                let (s0, s1) = (w[0].arclength, w[1].arclength);
                assert!(
                    b.events
                        .iter()
                        .any(|e| e.arclength >= s0 - 1e-12 && e.arclength <= s1 + 1e-12),
                    "{act:?}: unexplained index change at λ = {}",
                    w[1].lambda
                );
            }
        }
    }
}

fn paper_start(model: &TwoLayer) -> Array1<f64> {
    // L(·, 0) is quadratic with a positive definite Hessian: Newton from 0 is its minimum.
    newton_critical_point(model, Array1::zeros(model.n_params()).view(), 0.0, 1e-13).unwrap()
}

/// The paper model (d = 5, m = 10): every recorded point has ‖∇L‖ ≤ 1e-12 and the first event
/// is a fold where the minimum meets an index-1 saddle. Reference λ* = 0.7501412559404 is the
/// independent JAX (float64) computation of the project's scout (SHARED notes).
#[test]
fn paper_model_exact_trace() {
    let model = TwoLayer::paper(10).unwrap();
    let p = ContinuationParams::default();
    let b = trace(&model, paper_start(&model).view(), 0.0, &p).unwrap();
    for q in &b.points {
        assert!(gnorm(&model, q) <= 1e-12, "λ = {}", q.lambda);
    }
    let first = &b.events[0];
    assert_eq!(first.kind, EventKind::Fold);
    assert_eq!((first.morse_before, first.morse_after), (0, 1));
    assert!(first.residual <= p.event_tol);
    assert!(
        (first.lambda - 0.7501412559404).abs() < 1e-9,
        "λ* = {}",
        first.lambda
    );
}

/// Exact and paper modes agree before the first event, to the paper mode's own accuracy: at
/// λ ∈ {0.2, 0.45, 0.7} both end exactly on the grid value; ‖θ_paper − θ_exact‖ is bounded by
/// 2‖∇L(θ_paper)‖/λ1 (Newton–Kantorovich for the strongly convex branch) and the recorded
/// eigenvalues by Weyl's inequality with ‖H_FD(θ_paper) − H(θ_exact)‖₂, itself O(ε).
#[test]
fn paper_model_exact_and_paper_modes_agree_before_the_fold() {
    let model = TwoLayer::paper(10).unwrap();
    let theta0 = paper_start(&model);
    for lm in [0.2, 0.45, 0.7] {
        let e = trace(
            &model,
            theta0.view(),
            0.0,
            &ContinuationParams {
                lambda_max: lm,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(e.status, Status::ReachedLambdaMax);
        assert!(e.events.is_empty());
        let pp = PaperParams {
            lambda_max: lm,
            n_steps: (lm * 100.0).round() as usize,
            ..Default::default()
        };
        let pb = trace_paper(&model, theta0.view(), &pp).unwrap();
        assert_eq!(pb.status, Status::ReachedLambdaMax);
        let (xe, xp) = (e.points.last().unwrap(), pb.points.last().unwrap());
        assert_eq!((xe.lambda, xp.lambda), (lm, lm));
        let d = &xp.theta - &xe.theta;
        let lambda1 = xe.eigenvalues[0];
        assert!(lambda1 > 0.0);
        let bound = 2.0 * xp.grad_norm / lambda1 + 1e-12;
        assert!(d.dot(&d).sqrt() <= bound, "λ = {lm}: ‖Δθ‖ vs {bound:e}");
        let diff = forward_hessian(&model, xp.theta.view(), lm, pp.fd_step)
            - model.hessian(xe.theta.view(), lm);
        let weyl = actbif::linalg::sym_eigenvalues(&diff)
            .unwrap()
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(weyl < 1e-3, "λ = {lm}: FD Hessian off by {weyl:e}");
        for (a, b) in xp.eigenvalues.iter().zip(&xe.eigenvalues) {
            assert!((a - b).abs() <= weyl + 1e-12, "λ = {lm}: {a} vs {b}");
        }
    }
}

//! Generic AD ([`AdObjective`]) against closed forms: a polynomial-plus-exponential test
//! function with hand-derived derivatives of every order, and the two-layer model against
//! hand-coded small-N formulas built from the activation's closed-form derivatives.
//! Both sides are exact, so agreement is required to ≤ 1e-12 relative (rounding only).

use actbif::activation::{homotopy_derivs, Activation, Builtin};
use actbif::data::Dataset;
use actbif::derivatives::ad::{AdObjective, GenericLoss};
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use num_dual::DualNum;
use proptest::prelude::*;

/// Relative closeness in the max norm: ‖a − b‖∞ ≤ tol · max(‖b‖∞, 1e-300).
fn assert_close_arr<D: ndarray::Dimension>(
    what: &str,
    a: &ndarray::Array<f64, D>,
    b: &ndarray::Array<f64, D>,
    tol: f64,
) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-300);
    let err = a
        .iter()
        .zip(b.iter())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        err <= tol * scale,
        "{what}: max error {err:e} > {tol:e} × scale {scale:e}"
    );
}

fn assert_close(what: &str, a: f64, b: f64, tol: f64) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1e-300),
        "{what}: {a:e} vs {b:e} (rel {:e})",
        ((a - b) / b).abs()
    );
}

/// Deterministic test numbers (the crate's SplitMix64 → uniform in [−1, 1)).
struct Stream(actbif::linalg::SplitMix64);
impl Stream {
    fn next(&mut self) -> f64 {
        self.0.next_signed()
    }
    fn vec(&mut self, n: usize) -> Array1<f64> {
        Array1::from_shape_simple_fn(n, || self.next())
    }
}

// ---------------------------------------------------------------------------------------------
// Closed-form test function
// L(θ, λ) = Σ a_i θ_i⁴ + λ θᵀBθ + c (θᵀθ)² + λ² (pᵀθ)³ + λ⁴ qᵀθ + κ exp(λ rᵀθ)
// ---------------------------------------------------------------------------------------------

const N_POLY: usize = 4;

struct Poly {
    a: Array1<f64>,
    b: Array2<f64>,
    c: f64,
    p: Array1<f64>,
    q: Array1<f64>,
    r: Array1<f64>,
    kappa: f64,
}

impl Poly {
    fn new() -> Self {
        let mut s = Stream(actbif::linalg::SplitMix64::new(7));
        let m = Array2::from_shape_simple_fn((N_POLY, N_POLY), || s.next());
        Poly {
            a: s.vec(N_POLY).mapv(|x| 1.0 + x.abs()),
            b: &m + &m.t(),
            c: 0.7,
            p: s.vec(N_POLY),
            q: s.vec(N_POLY),
            r: s.vec(N_POLY),
            kappa: 1.3,
        }
    }
}

impl GenericLoss for Poly {
    fn dim(&self) -> usize {
        N_POLY
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, th: &[D], lam: D) -> D {
        let n = N_POLY;
        let mut quart = D::from(0.0);
        let mut bq = D::from(0.0);
        let mut nn = D::from(0.0);
        let (mut pt, mut qt, mut rt) = (D::from(0.0), D::from(0.0), D::from(0.0));
        for i in 0..n {
            quart += th[i].powi(4) * self.a[i];
            for j in 0..n {
                bq += th[i].clone() * th[j].clone() * self.b[[i, j]];
            }
            nn += th[i].clone() * th[i].clone();
            pt += th[i].clone() * self.p[i];
            qt += th[i].clone() * self.q[i];
            rt += th[i].clone() * self.r[i];
        }
        quart
            + lam.clone() * bq
            + nn.clone() * nn * self.c
            + lam.powi(2) * pt.powi(3)
            + lam.powi(4) * qt
            + (lam * rt).exp() * self.kappa
    }
}

/// Hand-derived derivatives of [`Poly`].
struct PolyExact {
    value: f64,
    grad: Array1<f64>,
    hess: Array2<f64>,
    grad_l: Array1<f64>,
    hess_l: Array2<f64>,
    d3_uu: Array1<f64>,
    d3_uv: Array1<f64>,
    d3: f64,
    d4: f64,
    hdir: Array2<f64>,
}

fn outer(x: &Array1<f64>, y: &Array1<f64>) -> Array2<f64> {
    let xc = x.view().insert_axis(Axis(1));
    let yr = y.view().insert_axis(Axis(0));
    xc.dot(&yr)
}

fn poly_exact(f: &Poly, th: &Array1<f64>, lam: f64, u: &Array1<f64>, v: &Array1<f64>) -> PolyExact {
    let n = N_POLY;
    let eye = Array2::<f64>::eye(n);
    let nn = th.dot(th);
    let (pt, qt, rt) = (f.p.dot(th), f.q.dot(th), f.r.dot(th));
    let (pu, pv, ru, rv) = (f.p.dot(u), f.p.dot(v), f.r.dot(u), f.r.dot(v));
    let (tu, tv, uu, uv) = (th.dot(u), th.dot(v), u.dot(u), u.dot(v));
    let e = f.kappa * (lam * rt).exp();
    let ppt = outer(&f.p, &f.p);
    let rrt = outer(&f.r, &f.r);

    let value = (&f.a * &th.mapv(|x| x.powi(4))).sum()
        + lam * th.dot(&f.b.dot(th))
        + f.c * nn * nn
        + lam.powi(2) * pt.powi(3)
        + lam.powi(4) * qt
        + e;
    let grad = &f.a * &th.mapv(|x| 4.0 * x.powi(3))
        + &(f.b.dot(th) * (2.0 * lam))
        + &(th * (4.0 * f.c * nn))
        + &(&f.p * (3.0 * lam * lam * pt * pt))
        + &(&f.q * lam.powi(4))
        + &(&f.r * (lam * e));
    let hess = Array2::from_diag(&(&f.a * &th.mapv(|x| 12.0 * x * x)))
        + &(&f.b * (2.0 * lam))
        + &((&eye * nn + &(outer(th, th) * 2.0)) * (4.0 * f.c))
        + &(&ppt * (6.0 * lam * lam * pt))
        + &(&rrt * (lam * lam * e));
    let grad_l = f.b.dot(th) * 2.0
        + &(&f.p * (6.0 * lam * pt * pt))
        + &(&f.q * (4.0 * lam.powi(3)))
        + &(&f.r * (e * (1.0 + lam * rt)));
    let hess_l =
        &f.b * 2.0 + &(&ppt * (12.0 * lam * pt)) + &(&rrt * (e * (2.0 * lam + lam * lam * rt)));
    let d3_uu = &f.a * &(th * &u.mapv(|x| 24.0 * x * x))
        + &((u * (2.0 * tu) + &(th * uu)) * (8.0 * f.c))
        + &(&f.p * (6.0 * lam * lam * pu * pu))
        + &(&f.r * (lam.powi(3) * ru * ru * e));
    let d3_uv = &f.a * &(&(th * u) * &(v * 24.0))
        + &((v * tu + &(u * tv) + &(th * uv)) * (8.0 * f.c))
        + &(&f.p * (6.0 * lam * lam * pu * pv))
        + &(&f.r * (lam.powi(3) * ru * rv * e));
    let d3 = d3_uu.dot(u);
    let d4 = 24.0 * (&f.a * &u.mapv(|x| x.powi(4))).sum()
        + 24.0 * f.c * uu * uu
        + lam.powi(4) * ru.powi(4) * e;
    let hdir = Array2::from_diag(&(&f.a * &(th * &(u * 24.0))))
        + &((&eye * tu + &outer(th, u) + &outer(u, th)) * (8.0 * f.c))
        + &(&ppt * (6.0 * lam * lam * pu))
        + &(&rrt * (lam.powi(3) * ru * e));
    PolyExact {
        value,
        grad,
        hess,
        grad_l,
        hess_l,
        d3_uu,
        d3_uv,
        d3,
        d4,
        hdir,
    }
}

fn check_poly(th: &Array1<f64>, lam: f64, u: &Array1<f64>, v: &Array1<f64>) {
    let f = Poly::new();
    let ex = poly_exact(&f, th, lam, u, v);
    let obj = AdObjective(f);
    let (t, uv, vv) = (th.view(), u.view(), v.view());
    let tol = 1e-12;
    assert_close("value", obj.value(t, lam), ex.value, tol);
    assert_close_arr("gradient", &obj.gradient(t, lam), &ex.grad, tol);
    assert_close_arr("hessian", &obj.hessian(t, lam), &ex.hess, tol);
    assert_close_arr(
        "hessian_vec",
        &obj.hessian_vec(t, lam, uv),
        &ex.hess.dot(u),
        tol,
    );
    assert_close_arr("grad_lambda", &obj.grad_lambda(t, lam), &ex.grad_l, tol);
    assert_close_arr(
        "hessian_lambda",
        &obj.hessian_lambda(t, lam),
        &ex.hess_l,
        tol,
    );
    assert_close_arr("d3_vec", &obj.d3_vec(t, lam, uv), &ex.d3_uu, tol);
    assert_close_arr(
        "d3_mixed_vec",
        &obj.d3_mixed_vec(t, lam, uv, vv),
        &ex.d3_uv,
        tol,
    );
    assert_close("d3", obj.d3(t, lam, uv), ex.d3, tol);
    assert_close("d4", obj.d4(t, lam, uv), ex.d4, tol);
    assert_close_arr(
        "hessian_directional",
        &obj.hessian_directional(t, lam, uv),
        &ex.hdir,
        tol,
    );
    let dir = obj.directional(t, lam, uv);
    assert_close("directional.value", dir.value, ex.value, tol);
    assert_close("directional.d1", dir.d1, ex.grad.dot(u), tol);
    assert_close("directional.d2", dir.d2, u.dot(&ex.hess.dot(u)), tol);
    assert_close_arr("directional.gradient", &dir.gradient, &ex.grad, tol);
    assert_close_arr(
        "directional.hessian_u",
        &dir.hessian_u,
        &ex.hess.dot(u),
        tol,
    );
    assert_close_arr("directional.d3_vec", &dir.d3_vec, &ex.d3_uu, tol);
}

#[test]
fn poly_fixed_points() {
    let mut s = Stream(actbif::linalg::SplitMix64::new(11));
    for &lam in &[0.0, 0.3, 1.0, -0.8] {
        let (th, u, v) = (s.vec(N_POLY), s.vec(N_POLY), s.vec(N_POLY));
        check_poly(&th, lam, &u, &v);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn poly_random_points(
        th in prop::collection::vec(-1.5f64..1.5, N_POLY),
        u in prop::collection::vec(-1.0f64..1.0, N_POLY),
        v in prop::collection::vec(-1.0f64..1.0, N_POLY),
        lam in -1.0f64..1.5,
    ) {
        let u = Array1::from(u);
        // Skip near-zero directions: relative checks of quantities that vanish are meaningless.
        prop_assume!(u.dot(&u) > 0.05);
        check_poly(&Array1::from(th), lam, &u, &Array1::from(v));
    }
}

/// The default Objective implementations the overrides replace agree with them.
#[test]
fn poly_overrides_match_trait_defaults() {
    struct Defaults<'a>(&'a AdObjective<Poly>);
    impl Objective for Defaults<'_> {
        fn dim(&self) -> usize {
            self.0.dim()
        }
        fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
            self.0.value(t, l)
        }
        fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
            self.0.gradient(t, l)
        }
        fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
            self.0.hessian(t, l)
        }
        fn grad_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
            self.0.grad_lambda(t, l)
        }
        fn hessian_lambda(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
            self.0.hessian_lambda(t, l)
        }
        fn d3_vec(&self, t: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> Array1<f64> {
            self.0.d3_vec(t, l, u)
        }
        fn d4(&self, t: ArrayView1<f64>, l: f64, u: ArrayView1<f64>) -> f64 {
            self.0.d4(t, l, u)
        }
    }
    let obj = AdObjective(Poly::new());
    let d = Defaults(&obj);
    let mut s = Stream(actbif::linalg::SplitMix64::new(5));
    let (th, u, v) = (s.vec(N_POLY), s.vec(N_POLY), s.vec(N_POLY));
    let lam = 0.6;
    let (t, uv, vv) = (th.view(), u.view(), v.view());
    let tol = 1e-12;
    assert_close_arr(
        "hessian_vec",
        &obj.hessian_vec(t, lam, uv),
        &d.hessian_vec(t, lam, uv),
        tol,
    );
    assert_close_arr(
        "d3_mixed_vec",
        &obj.d3_mixed_vec(t, lam, uv, vv),
        &d.d3_mixed_vec(t, lam, uv, vv),
        tol,
    );
    assert_close("d3", obj.d3(t, lam, uv), d.d3(t, lam, uv), tol);
    assert_close_arr(
        "hessian_directional",
        &obj.hessian_directional(t, lam, uv),
        &d.hessian_directional(t, lam, uv),
        tol,
    );
}

#[test]
#[should_panic(expected = "θ must have")]
fn wrong_length_theta_panics() {
    let obj = AdObjective(Poly::new());
    obj.gradient(Array1::zeros(N_POLY + 1).view(), 0.0);
}

// ---------------------------------------------------------------------------------------------
// Two-layer model against hand-coded formulas (small N)
// ---------------------------------------------------------------------------------------------

fn small_two_layer(act: Builtin) -> (TwoLayer<Builtin>, Array1<f64>) {
    let (n, d, m) = (20, 3, 4);
    let mut s = Stream(actbif::linalg::SplitMix64::new(99));
    let x = Array2::from_shape_simple_fn((n, d), || 1.5 * s.next());
    let y = x
        .rows()
        .into_iter()
        .map(|r| (r[0] - 0.5 * r[1]).tanh() + 0.3 * r[2])
        .collect();
    let v = Array1::from(vec![0.5, 0.8, 1.1, 1.4]);
    let model = TwoLayer::new(Dataset::new(x, y).unwrap(), v, 0.01, act).unwrap();
    let theta = s.vec(m * d) * 0.8;
    (model, theta)
}

struct TwoLayerExact {
    grad: Array1<f64>,
    hess: Array2<f64>,
    grad_l: Array1<f64>,
    hess_l: Array2<f64>,
    d3_uu: Array1<f64>,
    d3: f64,
    d4: f64,
    hdir: Array2<f64>,
}

/// Hand-coded derivatives of L = 1/(2N) Σ_i r_i² + α/2‖θ‖², r_i = Σ_j v_j h(w_jᵀx_i, λ) − y_i.
/// Along u: s_j = u_jᵀx, r⁽ᵏ⁾ = Σ_j v_j h⁽ᵏ⁾ s_jᵏ.
fn two_layer_exact<A: Activation>(
    model: &TwoLayer<A>,
    theta: &Array1<f64>,
    lam: f64,
    u: &Array1<f64>,
) -> TwoLayerExact {
    let data = model.data();
    let (nsamp, d) = data.x.dim();
    let v = model.output_weights();
    let m = v.len();
    let n = m * d;
    let alpha = model.alpha();
    let w = model.weights(theta.view());
    let uw = model.weights(u.view());
    let mut grad = theta * alpha;
    let mut hess = Array2::eye(n) * alpha;
    let mut grad_l = Array1::zeros(n);
    let mut hess_l = Array2::zeros((n, n));
    let mut d3_uu = Array1::zeros(n);
    let mut hdir = Array2::zeros((n, n));
    let (mut d3, mut d4) = (0.0, 0.0);
    for (x, y) in data.x.outer_iter().zip(data.y.iter()) {
        let mut h = vec![[0.0; 6]; m];
        let mut dl = vec![[0.0; 6]; m];
        let mut s = vec![0.0; m];
        for j in 0..m {
            let (hj, dlj) = homotopy_derivs(model.activation(), w.row(j).dot(&x), lam);
            h[j] = hj;
            dl[j] = dlj;
            s[j] = uw.row(j).dot(&x);
        }
        let r = (0..m).map(|j| v[j] * h[j][0]).sum::<f64>() - y;
        let rl = (0..m).map(|j| v[j] * dl[j][0]).sum::<f64>();
        let rk = |k: usize| {
            (0..m)
                .map(|j| v[j] * h[j][k] * s[j].powi(k as i32))
                .sum::<f64>()
        };
        let (r1, r2, r3, r4) = (rk(1), rk(2), rk(3), rk(4));
        // Per-parameter vectors, index j·d + k.
        let per =
            |f: &dyn Fn(usize) -> f64| Array1::from_shape_fn(n, |idx| f(idx / d) * x[idx % d]);
        let jac = per(&|j| v[j] * h[j][1]);
        let jac_l = per(&|j| v[j] * dl[j][1]);
        let jac_u = per(&|j| v[j] * h[j][2] * s[j]); // d/dt of jac along u
        let dr2 = per(&|j| v[j] * h[j][3] * s[j] * s[j]); // ∂θ r″
                                                          // Block-diagonal (per unit j) c_j x xᵀ.
        let blocks = |c: &dyn Fn(usize) -> f64| {
            let mut b = Array2::zeros((n, n));
            for j in 0..m {
                let cj = c(j);
                for k in 0..d {
                    for l in 0..d {
                        b[[j * d + k, j * d + l]] = cj * x[k] * x[l];
                    }
                }
            }
            b
        };
        let b2 = blocks(&|j| v[j] * h[j][2]);
        grad += &(&jac * r);
        hess += &(outer(&jac, &jac) + &(&b2 * r));
        grad_l += &(&jac * rl + &(&jac_l * r));
        hess_l += &(outer(&jac_l, &jac)
            + &outer(&jac, &jac_l)
            + &(&b2 * rl)
            + &(blocks(&|j| v[j] * dl[j][2]) * r));
        // ∂θ [r′² + r r″] with r′ = r1, r″ = r2: 2 r′ ∂r′ + r″ ∂r + r ∂r″.
        d3_uu += &(&jac_u * (2.0 * r1) + &(&jac * r2) + &(&dr2 * r));
        hdir += &(outer(&jac_u, &jac)
            + &outer(&jac, &jac_u)
            + &(&b2 * r1)
            + &(blocks(&|j| v[j] * h[j][3] * s[j]) * r));
        d3 += 3.0 * r1 * r2 + r * r3;
        d4 += 3.0 * r2 * r2 + 4.0 * r1 * r3 + r * r4;
    }
    let inv = 1.0 / nsamp as f64;
    let a_theta = theta * alpha;
    let a_eye = Array2::<f64>::eye(n) * alpha;
    TwoLayerExact {
        grad: (grad - &a_theta) * inv + &a_theta,
        hess: (hess - &a_eye) * inv + &a_eye,
        grad_l: grad_l * inv,
        hess_l: hess_l * inv,
        d3_uu: d3_uu * inv,
        d3: d3 * inv,
        d4: d4 * inv,
        hdir: hdir * inv,
    }
}

#[test]
fn two_layer_matches_hand_coded() {
    for act in [
        Builtin::Tanh,
        Builtin::Softplus,
        Builtin::Erf,
        Builtin::Sigmoid,
    ] {
        let (model, theta) = small_two_layer(act);
        let mut s = Stream(actbif::linalg::SplitMix64::new(3));
        let u = s.vec(model.n_params());
        let v = s.vec(model.n_params());
        for &lam in &[0.0, 0.45, 1.0] {
            let ex = two_layer_exact(&model, &theta, lam, &u);
            let obj = AdObjective(model.clone());
            let (t, uv) = (theta.view(), u.view());
            let tol = 1e-12;
            let ctx = |w: &str| format!("{act} λ={lam}: {w}");
            assert_close(&ctx("value"), obj.value(t, lam), model.loss(t, lam), tol);
            assert_close_arr(&ctx("gradient"), &obj.gradient(t, lam), &ex.grad, tol);
            let h = obj.hessian(t, lam);
            assert_close_arr(&ctx("hessian"), &h, &ex.hess, tol);
            // The Objective contract: Hessians are symmetric (bitwise, after symmetrisation).
            assert_eq!(h, h.t(), "{}", ctx("hessian symmetry"));
            let hl = obj.hessian_lambda(t, lam);
            assert_eq!(hl, hl.t(), "{}", ctx("hessian_lambda symmetry"));
            let hd = obj.hessian_directional(t, lam, uv);
            assert_eq!(hd, hd.t(), "{}", ctx("hessian_directional symmetry"));
            assert_close_arr(
                &ctx("hessian_vec"),
                &obj.hessian_vec(t, lam, uv),
                &ex.hess.dot(&u),
                tol,
            );
            assert_close_arr(
                &ctx("grad_lambda"),
                &obj.grad_lambda(t, lam),
                &ex.grad_l,
                tol,
            );
            assert_close_arr(
                &ctx("hessian_lambda"),
                &obj.hessian_lambda(t, lam),
                &ex.hess_l,
                tol,
            );
            assert_close_arr(&ctx("d3_vec"), &obj.d3_vec(t, lam, uv), &ex.d3_uu, tol);
            assert_close(&ctx("d3"), obj.d3(t, lam, uv), ex.d3, tol);
            assert_close(&ctx("d4"), obj.d4(t, lam, uv), ex.d4, tol);
            assert_close_arr(
                &ctx("hessian_directional"),
                &obj.hessian_directional(t, lam, uv),
                &ex.hdir,
                tol,
            );
            assert_close_arr(
                &ctx("d3_mixed_vec"),
                &obj.d3_mixed_vec(t, lam, uv, v.view()),
                &ex.hdir.dot(&v),
                tol,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Three-layer model
// ---------------------------------------------------------------------------------------------

use actbif::models::deep::{Lambda0Options, ThreeLayer};
use actbif::Error;

fn small_data(seed: u64) -> Dataset {
    let (n, d) = (20, 3);
    let mut s = Stream(actbif::linalg::SplitMix64::new(seed));
    let x = Array2::from_shape_simple_fn((n, d), || 1.5 * s.next());
    let y = x
        .rows()
        .into_iter()
        .map(|r| (r[0] - 0.5 * r[1]).tanh() + 0.3 * r[2] + 0.05 * s.next())
        .collect();
    Dataset::new(x, y).unwrap()
}

fn small_three_layer(m1: usize, act: Builtin) -> ThreeLayer<Builtin> {
    ThreeLayer::new(small_data(99), m1, Array1::from(vec![0.7, 1.2]), 0.01, act).unwrap()
}

fn maxnorm(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Central differences have error C h² + O(h⁴): halving h must divide the error by ≈ 4.
/// A wrong AD value leaves an h-independent error, giving a ratio ≈ 1.
fn assert_second_order(what: &str, ad: Vec<f64>, fd: impl Fn(f64) -> Vec<f64>) {
    let h = 1e-2;
    let err = |h: f64| {
        let f = fd(h);
        assert_eq!(f.len(), ad.len(), "{what}: lengths");
        maxnorm(&f.iter().zip(&ad).map(|(a, b)| a - b).collect::<Vec<_>>())
    };
    let (e1, e2) = (err(h), err(h / 2.0));
    let ratio = e1 / e2;
    assert!(
        (3.5..=4.5).contains(&ratio),
        "{what}: FD error ratio {ratio} (errors {e1:e}, {e2:e}; scale {:e})",
        maxnorm(&ad)
    );
    assert!(
        e1 <= 1e-2 * maxnorm(&ad).max(1e-6),
        "{what}: FD error {e1:e} too large"
    );
}

fn shifted(t: &Array1<f64>, dir: &Array1<f64>, h: f64) -> Array1<f64> {
    t + &(dir * h)
}

fn flat<D: ndarray::Dimension>(a: ndarray::Array<f64, D>) -> Vec<f64> {
    a.iter().copied().collect()
}

#[test]
fn three_layer_ad_vs_central_differences() {
    for act in [Builtin::Tanh, Builtin::Softplus] {
        let model = small_three_layer(3, act);
        let n = model.n_params();
        let obj = AdObjective(&model);
        let mut s = Stream(actbif::linalg::SplitMix64::new(21));
        let th = s.vec(n) * 0.8;
        let u = s.vec(n);
        let v = s.vec(n);
        let lam = 0.6;
        let t = th.view();
        let unit = |k: usize| Array1::from_shape_fn(n, |i| if i == k { 1.0 } else { 0.0 });
        let cd = |f: &dyn Fn(&Array1<f64>) -> Vec<f64>, dir: &Array1<f64>, h: f64| -> Vec<f64> {
            let p = f(&shifted(&th, dir, h));
            let m = f(&shifted(&th, dir, -h));
            p.iter().zip(&m).map(|(a, b)| (a - b) / (2.0 * h)).collect()
        };
        let cd_lam = |f: &dyn Fn(f64) -> Vec<f64>, h: f64| -> Vec<f64> {
            let p = f(lam + h);
            let m = f(lam - h);
            p.iter().zip(&m).map(|(a, b)| (a - b) / (2.0 * h)).collect()
        };
        assert_second_order("gradient", flat(obj.gradient(t, lam)), |h| {
            (0..n)
                .map(|k| cd(&|x| vec![obj.value(x.view(), lam)], &unit(k), h)[0])
                .collect()
        });
        assert_second_order("hessian", flat(obj.hessian(t, lam)), |h| {
            let mut out = vec![0.0; n * n];
            for k in 0..n {
                let col = cd(&|x| flat(obj.gradient(x.view(), lam)), &unit(k), h);
                for i in 0..n {
                    out[i * n + k] = col[i];
                }
            }
            out
        });
        assert_second_order(
            "hessian_vec",
            flat(obj.hessian_vec(t, lam, u.view())),
            |h| cd(&|x| flat(obj.gradient(x.view(), lam)), &u, h),
        );
        assert_second_order("grad_lambda", flat(obj.grad_lambda(t, lam)), |h| {
            cd_lam(&|l| flat(obj.gradient(t, l)), h)
        });
        assert_second_order("hessian_lambda", flat(obj.hessian_lambda(t, lam)), |h| {
            cd_lam(&|l| flat(obj.hessian(t, l)), h)
        });
        assert_second_order("d3_vec", flat(obj.d3_vec(t, lam, u.view())), |h| {
            cd(&|x| flat(obj.hessian_vec(x.view(), lam, u.view())), &u, h)
        });
        assert_second_order(
            "d3_mixed_vec",
            flat(obj.d3_mixed_vec(t, lam, u.view(), v.view())),
            |h| cd(&|x| flat(obj.hessian_vec(x.view(), lam, v.view())), &u, h),
        );
        assert_second_order(
            "hessian_directional",
            flat(obj.hessian_directional(t, lam, u.view())),
            |h| cd(&|x| flat(obj.hessian(x.view(), lam)), &u, h),
        );
        assert_second_order("d3", vec![obj.d3(t, lam, u.view())], |h| {
            cd(
                &|x| vec![obj.directional(x.view(), lam, u.view()).d2],
                &u,
                h,
            )
        });
        assert_second_order("d4", vec![obj.d4(t, lam, u.view())], |h| {
            cd(&|x| vec![obj.d3(x.view(), lam, u.view())], &u, h)
        });
    }
}

/// Independent forward pass with ndarray: f = σ_λ(σ_λ(X Wᵀ) Aᵀ) u.
#[test]
fn three_layer_layout_and_forward_pass() {
    let model = small_three_layer(3, Builtin::Tanh);
    let (m1, d, m2) = (3, 3, 2);
    let mut s = Stream(actbif::linalg::SplitMix64::new(4));
    let w = Array2::from_shape_simple_fn((m1, d), || s.next());
    let a = Array2::from_shape_simple_fn((m2, m1), || s.next());
    let th = model.pack(w.view(), a.view()).unwrap();
    assert_eq!(th[d + 2], w[[1, 2]]);
    assert_eq!(th[m1 * d + m1 + 2], a[[1, 2]]);
    let (w2, a2) = model.split(th.view()).unwrap();
    assert_eq!((w2, a2), (w.clone(), a.clone()));
    let data = model.data();
    let u = model.output_weights();
    let reg = 0.5 * model.alpha() * th.dot(&th);
    for &lam in &[0.0, 0.35, 1.0] {
        let h = |z: f64| (1.0 - lam) * z + lam * z.tanh();
        let h1 = data.x.dot(&w.t()).mapv(h);
        let f = h1.dot(&a.t()).mapv(h).dot(u);
        let mse = 0.5 * (&f - &data.y).mapv(|r| r * r).mean().unwrap();
        assert_close("loss", model.loss(th.view(), lam), mse + reg, 1e-13);
    }
    // λ = 0: the network is linear in x with b = Wᵀ Aᵀ u.
    let b = w.t().dot(&a.t().dot(u));
    let f0 = data.x.dot(&b);
    let mse0 = 0.5 * (&f0 - &data.y).mapv(|r| r * r).mean().unwrap();
    assert_close("linear loss", model.loss(th.view(), 0.0), mse0 + reg, 1e-13);
    assert!(matches!(
        model.split(Array1::zeros(3).view()),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        model.pack(a.view(), w.view()),
        Err(Error::Shape { .. })
    ));
}

#[test]
fn three_layer_validation() {
    struct Shifted;
    impl Activation for Shifted {
        fn name(&self) -> String {
            "shifted".into()
        }
        fn sigma<D: DualNum<Primitive = f64>>(&self, z: D) -> D {
            z.tanh() + 0.1
        }
    }
    let u = || Array1::from(vec![1.0, 2.0]);
    assert!(matches!(
        ThreeLayer::new(small_data(1), 0, u(), 0.1, Builtin::Tanh),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        ThreeLayer::new(small_data(1), 2, Array1::zeros(0), 0.1, Builtin::Tanh),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        ThreeLayer::new(
            small_data(1),
            2,
            Array1::from(vec![1.0, f64::NAN]),
            0.1,
            Builtin::Tanh
        ),
        Err(Error::NonFinite { .. })
    ));
    for alpha in [-1e-3, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            ThreeLayer::new(small_data(1), 2, u(), alpha, Builtin::Tanh),
            Err(Error::InvalidParameter { .. })
        ));
    }
    assert!(matches!(
        ThreeLayer::new(small_data(1), 2, u(), 0.1, Shifted),
        Err(Error::BadActivation { .. })
    ));
    let mut bad = small_data(1);
    bad.x[[3, 1]] = f64::NAN;
    assert!(matches!(
        ThreeLayer::new(bad, 2, u(), 0.1, Builtin::Tanh),
        Err(Error::NonFinite { .. })
    ));
    let model = small_three_layer(2, Builtin::Tanh);
    for opts in [
        Lambda0Options {
            grad_tol: 0.0,
            ..Default::default()
        },
        Lambda0Options {
            init_scale: f64::NAN,
            ..Default::default()
        },
    ] {
        assert!(matches!(
            model.lambda0_minimiser(&opts),
            Err(Error::InvalidParameter { .. })
        ));
    }
    let few = Lambda0Options {
        max_iter: 1,
        ..Default::default()
    };
    assert!(matches!(
        model.lambda0_minimiser(&few),
        Err(Error::NoConvergence { .. })
    ));
}

/// The reduced λ = 0 problem (module docs of `deep`): min_b ½bᵀΣb − γᵀb + c‖b‖ + ½E[y²],
/// c = α/‖u‖, solved by bisection on ρ = ‖b‖ with b(ρ) = (Σ + (c/ρ)I)⁻¹γ.
fn reduced_lambda0(model: &ThreeLayer<Builtin>) -> (Array1<f64>, f64) {
    let data = model.data();
    let sigma = data.covariance();
    let gamma = data.cross_covariance();
    let c = model.alpha() / model.output_weights().dot(model.output_weights()).sqrt();
    let ey2 = data.y.mapv(|y| y * y).mean().unwrap();
    let f = |b: &Array1<f64>| {
        0.5 * b.dot(&sigma.dot(b)) - gamma.dot(b) + c * b.dot(b).sqrt() + 0.5 * ey2
    };
    assert!(gamma.dot(&gamma).sqrt() > c, "test data must give b ≠ 0");
    let d = gamma.len();
    let b_of = |rho: f64| {
        actbif::linalg::solve(&(&sigma + &(Array2::<f64>::eye(d) * (c / rho))), &gamma).unwrap()
    };
    // φ(ρ) = ‖b(ρ)‖ − ρ: > 0 for small ρ (slope ‖γ‖/c > 1), < 0 at ρ = ‖Σ⁻¹γ‖.
    let bl = actbif::linalg::solve(&sigma, &gamma).unwrap();
    let (mut lo, mut hi) = (1e-12, bl.dot(&bl).sqrt());
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let b = b_of(mid);
        if b.dot(&b).sqrt() > mid {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let b = b_of(0.5 * (lo + hi));
    let fb = f(&b);
    (b, fb)
}

#[test]
fn three_layer_lambda0_minimiser() {
    for m1 in [1usize, 3] {
        let model = small_three_layer(m1, Builtin::Tanh);
        let res = model.lambda0_minimiser(&Lambda0Options::default()).unwrap();
        let obj = AdObjective(&model);
        let g = obj.gradient(res.theta.view(), 0.0);
        assert!(res.gradient_norm <= 1e-12);
        assert!(
            g.dot(&g).sqrt() <= 1e-12,
            "m1={m1}: ‖∇L‖ = {:e}",
            g.dot(&g).sqrt()
        );

        // Independent reduced problem: same fitted linear map and same minimum value.
        let (b_star, f_star) = reduced_lambda0(&model);
        let (w, a) = model.split(res.theta.view()).unwrap();
        let b = w.t().dot(&a.t().dot(model.output_weights()));
        assert_close_arr(&format!("m1={m1}: b"), &b, &b_star, 1e-8);
        assert_close(
            &format!("m1={m1}: L*"),
            model.loss(res.theta.view(), 0.0),
            f_star,
            1e-12,
        );

        // Spectrum: exactly m1 − 1 zero modes (rotations), the rest positive.
        let h = obj.hessian(res.theta.view(), 0.0);
        let ev = actbif::linalg::sym_eigenvalues(&h).unwrap();
        let hmax = ev[ev.len() - 1];
        let zero = ev.iter().filter(|x| x.abs() <= 1e-8 * hmax).count();
        assert_eq!(zero, m1 - 1, "m1={m1}: spectrum {ev}");
        assert!(ev[m1 - 1] > 1e-5 * hmax, "m1={m1}: spectrum {ev}");
        assert_close_arr(
            &format!("m1={m1}: reported spectrum"),
            &res.hessian_eigenvalues,
            &ev,
            1e-10,
        );
        // The zero modes are the infinitesimal rotations (ΩW, −AΩ), Ω skew.
        for i in 0..m1 {
            for j in i + 1..m1 {
                let mut om = Array2::<f64>::zeros((m1, m1));
                om[[i, j]] = 1.0;
                om[[j, i]] = -1.0;
                let xi = model.pack(om.dot(&w).view(), (-a.dot(&om)).view()).unwrap();
                let hx = h.dot(&xi);
                assert!(
                    hx.dot(&hx).sqrt() <= 1e-9 * hmax * xi.dot(&xi).sqrt(),
                    "rotation ({i},{j}) not in the kernel"
                );
            }
        }
    }
}

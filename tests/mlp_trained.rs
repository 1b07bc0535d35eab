//! The MLP with every layer trained (issue 23): the λ = 0 balanced manifold against plain
//! gradient descent on the linear network, its dimension against the λ = 0 Hessian's kernel
//! and the orbit tangents, θ = 0 in closed form, and the hidden-unit symmetry against
//! hand-built group elements and hand-counted orbit sizes.

use actbif::activation::Builtin;
use actbif::data::{Dataset, NumpyRng};
use actbif::diagram::mlp_symmetry::HiddenUnits;
use actbif::diagram::Orbits;
use actbif::linalg::sym_eigenvalues;
use actbif::models::mlp::linear_start::column_rank;
use actbif::models::mlp::{Mlp, MlpSpec};
use actbif::Objective;
use ndarray::{Array1, Array2};

/// α of the small models: small enough that the balanced minimum beats θ = 0.
const ALPHA: f64 = 1e-2;

/// d → … → 1 with every layer trained on N = 8 samples of a noisy linear teacher.
fn model(layers: &[usize], act: Builtin, seed: u32) -> Mlp {
    let mut rng = NumpyRng::new(seed);
    let n = 8;
    let x = rng.randn2(n, layers[0]);
    let w = rng.randn(layers[0]);
    let y = x.dot(&w) + rng.randn(n) * 0.1;
    let spec = MlpSpec {
        layers: layers.to_vec(),
        trained: (0..layers.len() - 1).collect(),
    };
    Mlp::with_default_weights(Dataset::new(x, y).unwrap(), &spec, ALPHA, act).unwrap()
}

/// Plain gradient descent at λ = 0 (no line search, no Newton: independent of the crate's
/// solvers). On a Morse–Bott minimum it converges linearly at rate 1 − lr·μ, μ the smallest
/// non-zero Hessian eigenvalue (≈ α here): 2·10⁵ steps at lr = 0.05 reach rounding.
fn descend(m: &Mlp, mut theta: Array1<f64>) -> Array1<f64> {
    for _ in 0..200_000 {
        let g = m.gradient(theta.view(), 0.0);
        theta.scaled_add(-0.05, &g);
    }
    theta
}

/// The reduced solve against gradient descent from random starts: the best trained loss equals
/// the balanced loss (to 1e-10 relative: both at rounding of an O(1) loss), none beats it, and
/// the trained minimiser is balanced and rank 1 with end-to-end map p*.
#[test]
fn balanced_start_is_the_minimum_gradient_descent_finds() {
    let m = model(&[3, 2, 2, 1], Builtin::Tanh, 5);
    let s = m.balanced_start().unwrap();
    assert!(s.loss < s.zero_loss, "the balanced minimum beats θ = 0");
    let theta = m.balanced_point(&s);
    let g = m.gradient(theta.view(), 0.0);
    assert!(
        g.dot(&g).sqrt() <= 1e-12,
        "critical: ‖∇L‖ = {:e}",
        g.dot(&g).sqrt()
    );
    assert!((m.value(theta.view(), 0.0) - s.loss).abs() <= 1e-12);
    let mut rng = NumpyRng::new(9);
    let mut best: Option<(f64, Array1<f64>)> = None;
    for _ in 0..4 {
        let t = descend(&m, rng.randn(m.n_params()));
        let v = m.value(t.view(), 0.0);
        assert!(
            v >= s.loss - 1e-12,
            "descent beat the balanced loss: {v} < {}",
            s.loss
        );
        if best.as_ref().is_none_or(|(b, _)| v < *b) {
            best = Some((v, t));
        }
    }
    let (v, t) = best.unwrap();
    assert!((v - s.loss).abs() <= 1e-10 * s.loss, "{v} vs {}", s.loss);
    let w: Vec<Array2<f64>> = (0..3).map(|l| m.layer_at(t.view(), l)).collect();
    let p = w[2].dot(&w[1]).dot(&w[0]).row(0).to_owned();
    assert!(
        (&p - &s.p).iter().all(|d| d.abs() <= 1e-7),
        "{p} vs {}",
        s.p
    );
    // Balanced: W_l W_lᵀ = W_{l+1}ᵀ W_{l+1} (each = s² u uᵀ).
    for l in 0..2 {
        let d = w[l].dot(&w[l].t()) - w[l + 1].t().dot(&w[l + 1]);
        assert!(
            d.iter().all(|x| x.abs() <= 1e-7),
            "layer {l} unbalanced: {d}"
        );
    }
}

/// Kernel dimension of the λ = 0 Hessian (|eigenvalue| ≤ 1e-9·max, the diagram's rule) and the
/// rank of the orbit tangents both equal Σ(n_l − 1), counted by hand per architecture; every
/// tangent is in the kernel and the rest of the spectrum is positive (a minimum).
#[test]
fn manifold_dimension_is_the_kernel_and_the_orbit() {
    for (layers, by_hand) in [
        (vec![3, 2, 2, 1], 2),
        (vec![3, 3, 2, 1], 3),
        (vec![3, 2, 1], 1),
    ] {
        let m = model(&layers, Builtin::Tanh, 5);
        let s = m.balanced_start().unwrap();
        assert_eq!(s.dimension, by_hand, "{layers:?}");
        let mut rng = NumpyRng::new(3);
        let units: Vec<Array1<f64>> = layers[1..layers.len() - 1]
            .iter()
            .map(|&n| rng.randn(n))
            .collect();
        let theta = m.balanced_theta(&s, &units);
        let h = m.hessian(theta.view(), 0.0);
        let ev = sym_eigenvalues(&h).unwrap();
        let top = ev.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let kernel = ev.iter().filter(|x| x.abs() <= 1e-9 * top).count();
        assert_eq!(kernel, by_hand, "{layers:?}: spectrum {ev}");
        assert!(ev[by_hand] > 1e-6 * top, "{layers:?}: not a minimum, {ev}");
        let t = m.orbit_tangents(theta.view());
        assert_eq!(column_rank(&t, 1e-10).unwrap(), by_hand, "{layers:?}");
        let ht = h.dot(&t);
        assert!(
            ht.iter().all(|x| x.abs() <= 1e-10),
            "{layers:?}: H·T = {ht}"
        );
    }
}

/// θ = 0 is critical for every λ with Hessian αI for depth ≥ 3 (every second derivative of f
/// at 0 has a zero factor left): the closed form the diagram's trivial branch rests on.
#[test]
fn zero_is_a_minimum_with_hessian_alpha() {
    let m = model(&[3, 2, 2, 1], Builtin::Tanh, 5);
    let z = Array1::zeros(m.n_params());
    for lambda in [0.0, 0.6, 1.0] {
        assert!(m
            .gradient(z.view(), lambda)
            .iter()
            .all(|g| g.abs() <= 1e-15));
        let h = m.hessian(z.view(), lambda) - Array2::<f64>::eye(m.n_params()) * ALPHA;
        assert!(h.iter().all(|x| x.abs() <= 1e-15), "λ = {lambda}: {h}");
    }
}

/// W_l for l in 0..3 of θ, mutated by `f`, packed back.
fn transform(m: &Mlp, theta: &Array1<f64>, f: impl Fn(&mut [Array2<f64>])) -> Array1<f64> {
    let mut w: Vec<Array2<f64>> = (0..m.depth())
        .map(|l| m.layer_at(theta.view(), l))
        .collect();
    f(&mut w);
    w.iter()
        .flat_map(|x| x.iter().copied().collect::<Vec<_>>())
        .collect()
}

/// A hand-built group element of 3 → 2 → 2 → 1 (swap the units of layer 1, flip unit 0 of
/// layer 2) leaves L unchanged for tanh and is recognised; for softplus the flip changes L and
/// is not in the group. Orbit sizes by hand: (2!·2²)² = 64 (odd σ), 2!·2! = 4 (permutations).
#[test]
fn hidden_unit_group_of_the_deep_net() {
    let swap_flip = |w: &mut [Array2<f64>]| {
        // Layer 1 swap: rows of W0, columns of W1.
        let r = w[0].row(0).to_owned();
        let r1 = w[0].row(1).to_owned();
        w[0].row_mut(0).assign(&r1);
        w[0].row_mut(1).assign(&r);
        let c = w[1].column(0).to_owned();
        let c1 = w[1].column(1).to_owned();
        w[1].column_mut(0).assign(&c1);
        w[1].column_mut(1).assign(&c);
        // Layer 2 flip of unit 0: row 0 of W1, column 0 of W2.
        w[1].row_mut(0).mapv_inplace(|x| -x);
        w[2].column_mut(0).mapv_inplace(|x| -x);
    };
    for (act, size) in [(Builtin::Tanh, 64), (Builtin::Softplus, 4)] {
        let m = model(&[3, 2, 2, 1], act, 5);
        let g = HiddenUnits::of(&m).unwrap();
        let theta = NumpyRng::new(21).randn(m.n_params());
        let other = transform(&m, &theta, swap_flip);
        let same_loss = (m.value(theta.view(), 0.7) - m.value(other.view(), 0.7)).abs() <= 1e-13;
        let odd = act == Builtin::Tanh;
        assert_eq!(same_loss, odd, "{act:?}");
        assert_eq!(
            g.same_orbit(theta.view(), other.view(), 1e-12),
            odd,
            "{act:?}"
        );
        let mut near = theta.clone();
        near[0] += 1e-6;
        assert!(!g.same_orbit(theta.view(), near.view(), 1e-9));
        assert_eq!(g.orbit_size(theta.view(), 1e-12), size, "{act:?}");
    }
    // Two equal units in layer 1 (same rows of W0 and columns of W1): the swap fixes θ.
    let m = model(&[3, 2, 2, 1], Builtin::Tanh, 5);
    let g = HiddenUnits::of(&m).unwrap();
    let theta = NumpyRng::new(21).randn(m.n_params());
    let dup = transform(&m, &theta, |w| {
        let r = w[0].row(0).to_owned();
        w[0].row_mut(1).assign(&r);
        let c = w[1].column(0).to_owned();
        w[1].column_mut(1).assign(&c);
    });
    assert_eq!(g.orbit_size(dup.view(), 1e-12), 32);
}

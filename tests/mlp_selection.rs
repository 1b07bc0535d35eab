//! Selection on the all-trained MLP's λ = 0 manifold (issue 23, items 3–4): F = ∂λL and its
//! Riemannian derivatives against finite differences along the manifold, the 1-hidden-layer
//! case against the two-layer trained model's separable selection (an independent code
//! path), and Σ(−1)ᵏ against χ(Π S^{n_l−1}).

use actbif::activation::{Activation, Builtin};
use actbif::data::{Dataset, NumpyRng};
use actbif::diagram::mlp_selection::{manifold_critical_points, product_euler_check};
use actbif::diagram::selection::{sphere_critical_points, Phi};
use actbif::diagram::symmetry::is_odd;
use actbif::models::mlp::manifold::ProductSphere;
use actbif::models::mlp::{Mlp, MlpSpec};
use actbif::models::two_layer_trained::TwoLayerTrained;
use actbif::Objective;
use ndarray::Array1;

/// d → … → 1, every layer trained, N samples of a teacher with a tanh part (so F is not
/// trivially zero), α = 1e-2 (the balanced minimum beats θ = 0).
fn data(d: usize, n: usize, seed: u32) -> Dataset {
    let mut rng = NumpyRng::new(seed);
    let x = rng.randn2(n, d);
    let w = rng.randn(d);
    let z = x.dot(&w);
    let y = &z + &(z.mapv(|t| (1.5 * t).tanh()) * 0.4) + rng.randn(n) * 0.05;
    Dataset::new(x, y).unwrap()
}

fn model<A: Activation>(layers: &[usize], act: A, data: Dataset) -> Mlp<A> {
    let spec = MlpSpec {
        layers: layers.to_vec(),
        trained: (0..layers.len() - 1).collect(),
    };
    Mlp::with_default_weights(data, &spec, 1e-2, act).unwrap()
}

/// The Riemannian gradient and Hessian (exact AD) against central differences of F along the
/// retraction R(tξ) = normalise(u + tξ), which is second order: d/dt F = ⟨grad, ξ⟩ and
/// d²/dt² F = ξᵀHess ξ at t = 0 at any u. Errors: O(h²F‴) + rounding ε|F|/h (gradient,
/// h = 1e-5: ≈ 1e-10), O(h²) + ε|F|/h² (Hessian, h = 1e-4: ≈ 1e-8); tolerances 1e-7, 1e-5
/// relative to the largest derivative.
#[test]
fn riemannian_derivatives_match_finite_differences_of_f() {
    let m = model(&[3, 3, 2, 1], Builtin::Tanh, data(3, 12, 3));
    let start = m.balanced_start().unwrap();
    let ps = ProductSphere::new(&m, &start);
    // F itself against a central difference of the loss in λ (error O(h²) ≈ 1e-12).
    let mut rng = NumpyRng::new(11);
    let u = ps.normalise(&rng.randn(ps.ambient()));
    let th = ps.theta(&u);
    let h = 1e-6;
    let fd = (m.value(th.view(), h) - m.value(th.view(), -h)) / (2.0 * h);
    assert!((fd - ps.f(&u)).abs() < 1e-9, "F {} vs {fd}", ps.f(&u));
    // θ(u) lies on the manifold: critical at λ = 0.
    let g = m.gradient(th.view(), 0.0);
    assert!(g.dot(&g).sqrt() < 1e-12);
    let d = ps.derivatives(&u);
    let dim = d.grad.len();
    assert_eq!(dim, 2 + 1);
    let along = |xi: &Array1<f64>, t: f64| ps.f(&ps.normalise(&(&u + &(xi * t))));
    let gscale = d.grad.iter().fold(1e-3f64, |a, x| a.max(x.abs()));
    let hscale = d.hess.iter().fold(1e-3f64, |a, x| a.max(x.abs()));
    for i in 0..dim {
        for j in i..dim {
            let mut c = Array1::zeros(dim);
            c[i] += 1.0;
            c[j] += 1.0;
            let xi = d.basis.dot(&c);
            let h = 1e-5;
            let d1 = (along(&xi, h) - along(&xi, -h)) / (2.0 * h);
            assert!((d1 - d.grad.dot(&c)).abs() < 1e-7 * gscale, "grad {i},{j}");
            let h = 1e-4;
            let d2 = (along(&xi, h) - 2.0 * along(&xi, 0.0) + along(&xi, -h)) / (h * h);
            let exact = c.dot(&d.hess.dot(&c));
            assert!(
                (d2 - exact).abs() < 1e-5 * hscale,
                "hess {i},{j}: {d2} vs {exact}"
            );
        }
    }
}

/// d → m → 1 with both layers trained is the two-layer trained model (same θ layout, same
/// loss): its selection (separable φ, scalar Newton, [`sphere_critical_points`]) must give
/// the same F values, Morse indices and orbit sizes as the Riemannian Newton on the MLP.
#[test]
fn one_hidden_layer_agrees_with_the_two_layer_selection() {
    for act in [Builtin::Tanh, Builtin::Softplus] {
        let m = 3;
        let data = data(4, 40, 7);
        let mlp = model(&[4, m, 1], act, data.clone());
        let start = mlp.balanced_start().unwrap();
        let ps = ProductSphere::new(&mlp, &start);
        let ours = manifold_critical_points(&ps, &mlp, 100, 1);
        let two = TwoLayerTrained::new(data, m, 1e-2, act).unwrap();
        let sphere = two.start_sphere().unwrap();
        let phi = Phi::new(&act, two.data(), sphere.s, sphere.b.view(), sphere.p.view());
        let theirs = sphere_critical_points(&phi, m, is_odd(&act), 100, 1);
        assert_eq!(ours.len(), theirs.len(), "{act:?}: orbit counts");
        for (a, b) in ours.iter().zip(&theirs) {
            let (a, b) = (&a.point, b);
            assert!(
                (a.f - b.f).abs() <= 1e-10 * (1.0 + b.f.abs()),
                "{act:?}: F {} vs {}",
                a.f,
                b.f
            );
            assert_eq!(a.morse_on_manifold, b.morse_on_manifold, "{act:?}");
            assert_eq!(a.orbit_size, b.orbit_size, "{act:?}");
            assert_eq!(a.active_units, b.active_units, "{act:?}");
        }
        // The same θ (layouts agree): orbit representatives coincide.
        for (a, b) in ours.iter().zip(&theirs) {
            let t = two.theta_of(&sphere, b.u.view());
            let dist = (&a.theta - &t).iter().fold(0.0f64, |x, y| x.max(y.abs()));
            assert!(dist < 1e-8, "{act:?}: θ differs by {dist}");
        }
    }
}

/// 4 → 3 → 3 → 1 (the digits architecture, small data): χ(S² × S²) = 4 by hand; every point
/// found is critical (Riemannian gradient at rounding) and the signed sum equals χ.
#[test]
fn euler_check_equals_chi_of_the_product_of_spheres() {
    let m = model(&[4, 3, 3, 1], Builtin::Tanh, data(4, 30, 5));
    let start = m.balanced_start().unwrap();
    let ps = ProductSphere::new(&m, &start);
    let pts = manifold_critical_points(&ps, &m, 60, 2);
    for p in &pts {
        let d = ps.derivatives(&p.point.u);
        let r = d.grad.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        assert!(r <= 1e-11 * d.scale.max(1e-300), "not critical: {r:e}");
    }
    let (sum, chi) = product_euler_check(&pts, &[3, 3]);
    assert_eq!(chi, 4);
    assert_eq!(
        sum,
        chi,
        "{:?}",
        pts.iter().map(|p| &p.point).collect::<Vec<_>>()
    );
    // Orbit sizes by hand: per layer 3!/Π(mult!) · 2^(active) (tanh is odd).
    let by_hand: usize = pts
        .iter()
        .map(|p| {
            (0..2)
                .map(|k| {
                    let b = p.point.u.slice(ndarray::s![3 * k..3 * k + 3]).to_vec();
                    let act = b.iter().filter(|x| x.abs() > 1e-8).count();
                    let mut groups: Vec<(f64, usize)> = Vec::new();
                    for &x in &b {
                        match groups.iter_mut().find(|(y, _)| (y - x).abs() < 1e-8) {
                            Some((_, c)) => *c += 1,
                            None => groups.push((x, 1)),
                        }
                    }
                    let f = |k: usize| (1..=k).product::<usize>();
                    6 / groups.iter().map(|&(_, c)| f(c)).product::<usize>() * (1 << act)
                })
                .product::<usize>()
        })
        .sum();
    assert_eq!(
        by_hand,
        pts.iter().map(|p| p.point.orbit_size).sum::<usize>()
    );
}

/// A large α collapses the λ = 0 manifold to θ = 0: with two hidden layers the output is a
/// product of three weight matrices, so at θ = 0 the data term has zero Hessian and
/// H = αI (no kernel), and θ = 0 beats every balanced factorisation once α is large. The
/// diagram then reports a 0-dimensional start (no selection, no Euler check) at loss
/// ½·mean(y²), traces θ = 0's branch and closes its census.
#[test]
fn a_large_alpha_collapses_the_start_manifold_to_the_origin() {
    let out = std::env::temp_dir().join(format!("actbif-collapse-{}.json", std::process::id()));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args([
            "diagram",
            "--model",
            "mlp",
            "--layers",
            "5,2,2,1",
            "--trained",
            "all",
        ])
        .args(["--alpha", "1", "--starts", "2", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out);
    let sm = &v["start_manifold"];
    assert_eq!(
        (
            sm["dimension"].as_u64(),
            sm["kernel_dim_at_lambda0"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert!(sm["euler_check"].is_null());
    let y = actbif::data::paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N).y;
    let half_mean_sq = 0.5 * y.mapv(|t| t * t).mean().unwrap();
    let loss = sm["loss"].as_f64().unwrap();
    assert!(
        (loss - half_mean_sq).abs() <= 1e-12 * half_mean_sq,
        "{loss} vs {half_mean_sq}"
    );
    assert_eq!(v["selected_orbits"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["status"], "complete");
    let last = v["census"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["complete_by_morse"], true, "{last}");
}

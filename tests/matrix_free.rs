//! The matrix-free backend (issue 10 §2): the Krylov kernels on small known matrices, the
//! two-layer Woodbury inverse and Haynsworth inertia against the dense Hessian, and dense vs
//! matrix-free continuation on the paper model (events and normal-form coefficients).

use actbif::activation::Builtin;
use actbif::app::start_point;
use actbif::continuation::{trace, Branch, ContinuationParams, Solver};
use actbif::data::{paper_output_weights, paper_teacher, Dataset};
use actbif::linalg::krylov::{gmres, gmres_backward, minres, nearest_zero_pairs, HessianOperator};
use actbif::linalg::{sym_eigen, SplitMix64};
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use ndarray::{Array1, Array2, ArrayView1};

mod common;

fn random_matrix(n: usize, seed: u64) -> Array2<f64> {
    let mut rng = SplitMix64::new(seed);
    Array2::from_shape_fn((n, n), |_| rng.next_signed())
}

/// Q diag(values) Qᵀ with a pseudo-random orthogonal Q (eigenvalues known exactly).
fn with_spectrum(values: &[f64], seed: u64) -> Array2<f64> {
    let n = values.len();
    let q = sym_eigen(&{
        let a = random_matrix(n, seed);
        &a + &a.t()
    })
    .unwrap()
    .vectors;
    q.dot(&Array2::from_diag(&Array1::from(values.to_vec())))
        .dot(&q.t())
}

fn rel_err(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    (x - y).mapv(|v| v * v).sum().sqrt() / y.mapv(|v| v * v).sum().sqrt()
}

#[test]
fn minres_solves_an_indefinite_near_singular_system() {
    // Eigenvalues ±1…±10 and one at 1e-6: κ = 1e7, indefinite.
    let mut vals: Vec<f64> = (1..=10).flat_map(|k| [k as f64, -(k as f64)]).collect();
    vals.push(1e-6);
    let a = with_spectrum(&vals, 3);
    let x_true = Array1::from_shape_fn(vals.len(), |i| (i as f64).sin());
    let b = a.dot(&x_true);
    let op = |u: ArrayView1<f64>| a.dot(&u);
    let s = minres(&op, &b, 1e-14, 200).unwrap();
    // Backward error 1e-14 → forward error ≤ κ·1e-14 = 1e-7.
    assert!(rel_err(&s.x, &x_true) < 1e-6, "{}", rel_err(&s.x, &x_true));
    assert!(s.residual <= 1e-14);
    // A budget too small is a typed failure, not a wrong answer.
    assert!(minres(&op, &b, 1e-14, 3).is_err());
}

/// A near-singular system with a solution far larger than ‖b‖/‖A‖: the computed residual
/// carries a rounding error ≈ ε·‖A‖·‖x‖ = ε·κ·‖b‖ ≈ 1e-5·‖b‖ here, so the relative-residual
/// test of `gmres` (1e-10) cannot be met, while the normwise backward error of the same
/// iterate is at the rounding level and `gmres_backward` accepts it.
#[test]
fn gmres_backward_error_stop_on_a_near_singular_system() {
    let mut vals: Vec<f64> = (1..=20).map(|k| k as f64).collect();
    vals[3] = 1e-10;
    let a = with_spectrum(&vals, 5);
    let e = sym_eigen(&a).unwrap();
    // b along the near-kernel eigenvector: x = b/1e-10 (to the 4e-5 relative perturbation
    // of that eigenvalue by the rounding of A, ≈ ε·‖A‖).
    let b = e.vectors.column(0).to_owned();
    let op = |u: ArrayView1<f64>| a.dot(&u);
    let id = |u: ArrayView1<f64>| u.to_owned();
    assert!(gmres(&op, &id, &b, None, 1e-10, 200).is_err());
    let norm_a = || 20.0;
    let s = gmres_backward(&op, &id, &b, None, 1e-10, 200, &norm_a).unwrap();
    let r = &b - &a.dot(&s.x);
    let eta = r.dot(&r).sqrt() / (20.0 * s.x.dot(&s.x).sqrt() + 1.0);
    assert!(eta <= 1e-10, "{eta:e}");
    // Backward stable, and the near-kernel direction is well conditioned: x ≈ b/µ.
    let x_true = &b * 1e10;
    assert!(rel_err(&s.x, &x_true) < 1e-3, "{}", rel_err(&s.x, &x_true));
    // A budget too small is still a typed failure.
    assert!(gmres_backward(&op, &id, &b, None, 1e-10, 0, &norm_a).is_err());
}

#[test]
fn gmres_solves_a_nonsymmetric_system_with_and_without_preconditioner() {
    let n = 30;
    let a = random_matrix(n, 7) + Array2::<f64>::eye(n) * 8.0;
    let x_true = Array1::from_shape_fn(n, |i| 1.0 + i as f64);
    let b = a.dot(&x_true);
    let op = |u: ArrayView1<f64>| a.dot(&u);
    let id = |u: ArrayView1<f64>| u.to_owned();
    let s = gmres(&op, &id, &b, None, 1e-13, 200).unwrap();
    assert!(rel_err(&s.x, &x_true) < 1e-11);
    // The exact inverse as preconditioner: one iteration.
    let inv = actbif::linalg::solve(&a, &Array1::zeros(n))
        .map(|_| ())
        .ok();
    assert!(inv.is_some());
    let exact = |u: ArrayView1<f64>| actbif::linalg::solve(&a, &u.to_owned()).unwrap();
    let s = gmres(&op, &exact, &b, None, 1e-13, 200).unwrap();
    assert!(s.iters <= 2, "{}", s.iters);
    assert!(rel_err(&s.x, &x_true) < 1e-12);
}

#[test]
fn subspace_iteration_finds_the_eigenvalues_nearest_zero() {
    let vals = [
        -3.0, -0.5, 1e-5, 0.2, 0.7, 1.5, 2.0, 4.0, 5.0, 6.0, 7.0, 9.0,
    ];
    let a = with_spectrum(&vals, 11);
    let op = |u: ArrayView1<f64>| a.dot(&u);
    let inv = |u: ArrayView1<f64>| Ok(actbif::linalg::solve(&a, &u.to_owned()).unwrap());
    let r = nearest_zero_pairs(&op, &inv, vals.len(), 5, None, (1e-12, 1e-12), 100, &|_| {
        (0..5).collect()
    })
    .unwrap();
    // The five nearest zero: −0.5, 1e-5, 0.2, 0.7, 1.5 (ascending).
    let want = [-0.5, 1e-5, 0.2, 0.7, 1.5];
    for (got, w) in r.values.iter().zip(want) {
        assert!((got - w).abs() < 1e-12, "{got} vs {w}");
    }
}

/// A two-layer model on pseudo-random data (N × d), width m, at a pseudo-random θ of scale
/// `scale` (large scales make the residual blocks C_j indefinite).
fn random_model(n_samples: usize, d: usize, m: usize, seed: u64) -> TwoLayer {
    let mut rng = SplitMix64::new(seed);
    let x = Array2::from_shape_fn((n_samples, d), |_| rng.next_signed());
    let y = Array1::from_shape_fn(n_samples, |_| 2.0 * rng.next_signed());
    TwoLayer::new(
        Dataset::new(x, y).unwrap(),
        paper_output_weights(m),
        1e-3,
        Builtin::Tanh,
    )
    .unwrap()
}

#[test]
fn woodbury_solve_and_inertia_match_the_dense_hessian() {
    let mut saw_negative = false;
    // (N, d, m): N < n, N > n, d = 1, m = 1, N = 1, N = 65 (not a multiple of any block).
    let sizes = [
        (6, 4, 5),
        (40, 3, 4),
        (25, 1, 7),
        (9, 5, 1),
        (3, 2, 8),
        (1, 3, 5),
        (65, 3, 5),
        (65, 1, 1),
    ];
    for (k, &(ns, d, m)) in sizes.iter().enumerate() {
        let model = random_model(ns, d, m, 100 + k as u64);
        let n = m * d;
        for (t, &scale) in [0.3, 1.5, 3.0].iter().enumerate() {
            let mut rng = SplitMix64::new(7 * k as u64 + t as u64);
            let theta = Array1::from_shape_fn(n, |_| scale * rng.next_signed());
            let lambda = 1.0;
            let h = model.hessian(theta.view(), lambda);
            let w = model.woodbury(theta.view(), lambda).unwrap();
            let b = Array1::from_shape_fn(n, |i| 1.0 + (i as f64).cos());
            // H·u from the structure equals the assembled H.
            assert!(rel_err(&w.apply(b.view()), &h.dot(&b)) < 1e-13);
            let e = sym_eigen(&h).unwrap();
            let neg = e.values.iter().filter(|&&v| v < 0.0).count();
            let cond = e.values.iter().fold(0.0f64, |a, v| a.max(v.abs()))
                / e.values.iter().fold(f64::INFINITY, |a, v| a.min(v.abs()));
            saw_negative |= neg > 0;
            if !w.exact_inverse() {
                continue; // a clamped block: only a preconditioner (checked below)
            }
            assert_eq!(
                w.negative_count(),
                Some(neg),
                "N={ns} d={d} m={m} s={scale}"
            );
            let x = w.precondition(b.view()).unwrap();
            let x_dense = actbif::linalg::solve(&h, &b).unwrap();
            // Both are backward stable: forward error ≲ κ(H)·1e-15.
            assert!(
                rel_err(&x, &x_dense) < 1e-14 * cond.max(1.0) * 10.0,
                "N={ns} d={d} m={m}: {} (κ = {cond:.1e})",
                rel_err(&x, &x_dense)
            );
            // H·(H⁻¹r) = r on a block of 3 (the blocked J products). The Woodbury formula
            // B⁻¹ − B⁻¹JᵀS⁻¹JB⁻¹ cancels terms of size ‖B⁻¹‖, so its residual is ≲ ε·‖H‖·‖B⁻¹‖
            // (not ε·κ(H)): checked where B ≻ 0, i.e. ‖B⁻¹‖ = 1/λ_min(B) is known.
            let b_min = w.lower_bound().unwrap();
            if b_min <= 0.0 {
                continue;
            }
            let norm_h = e.values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let gamma = (norm_h / b_min).max(cond);
            let r = Array2::from_shape_fn((n, 3), |(i, c)| 1.0 + ((i * 7 + c * 3) as f64).sin());
            let hx = w.apply_block(w.precondition_block(r.view()).unwrap().view());
            for c in 0..3 {
                let (got, want) = (hx.column(c).to_owned(), r.column(c).to_owned());
                assert!(
                    rel_err(&got, &want) < 1e-14 * gamma.max(1.0) * 10.0,
                    "H·(H⁻¹r), N={ns} d={d} m={m} column {c}: {} (γ = {gamma:.1e})",
                    rel_err(&got, &want)
                );
            }
        }
    }
    assert!(saw_negative, "no indefinite case exercised");
}

fn paper_model(m: usize, alpha: f64) -> TwoLayer {
    TwoLayer::new(
        paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N),
        paper_output_weights(m),
        alpha,
        Builtin::Tanh,
    )
    .unwrap()
}

fn traced(model: &TwoLayer, solver: Solver, max_events: Option<usize>) -> Branch {
    let theta0 = start_point(model).unwrap();
    let p = ContinuationParams {
        solver,
        max_events,
        ..Default::default()
    };
    trace(model, theta0.view(), 0.0, &p).unwrap()
}

/// Events (λ to 1e-10) and normal-form coefficients (1e-8 relative) of the two paths, and
/// their end points.
fn assert_agree(model: &TwoLayer, dense: &Branch, free: &Branch) {
    for (cd, cf) in common::assert_events_agree(model, dense, free) {
        common::close(cd.g_aaa_reduced, cf.g_aaa_reduced, "g_aaa_reduced");
        common::close(cd.g_amu, cf.g_amu, "g_amu");
    }
    assert_same_end(dense, free);
}

/// Both traces land exactly on λ = 1: the two end points solve ∇L(·, 1) = 0 to their recorded
/// ‖∇L‖, so they differ by at most (‖∇L_d‖ + ‖∇L_f‖)/|µ| with µ the eigenvalue nearest zero
/// there (first order; ×10 for the second-order terms and µ's own error).
fn assert_same_end(dense: &Branch, free: &Branch) {
    if dense.status != actbif::continuation::Status::ReachedLambdaMax {
        return;
    }
    let (pd, pf) = (dense.points.last().unwrap(), free.points.last().unwrap());
    assert_eq!((pd.lambda, pf.lambda), (1.0, 1.0));
    let mu = pd
        .eigenvalues
        .iter()
        .fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let bound = 10.0 * (pd.grad_norm + pf.grad_norm) / mu;
    let diff = (&pd.theta - &pf.theta).mapv(|v| v * v).sum().sqrt();
    assert!(diff <= bound, "end points differ by {diff:e} > {bound:e}");
}

#[test]
fn dense_and_matrix_free_agree_on_the_paper_model_m10() {
    let model = paper_model(10, 4e-3);
    let t0 = std::time::Instant::now();
    let d = traced(&model, Solver::Dense, None);
    let t1 = t0.elapsed().as_secs_f64();
    let f = traced(&model, Solver::MatrixFree, None);
    eprintln!(
        "TIMING dense {t1:.2} s, matrix-free {:.2} s, points {} / {}, krylov {}",
        t0.elapsed().as_secs_f64() - t1,
        d.points.len(),
        f.points.len(),
        f.points.iter().map(|p| p.krylov_iterations).sum::<usize>()
    );
    assert_eq!(d.events.len(), 2);
    assert_agree(&model, &d, &f);
}

fn timed_pair(m: usize, alpha: f64, max_events: Option<usize>) -> (TwoLayer, Branch, Branch) {
    let model = paper_model(m, alpha);
    let t0 = std::time::Instant::now();
    let d = traced(&model, Solver::Dense, max_events);
    let t1 = t0.elapsed().as_secs_f64();
    let f = traced(&model, Solver::MatrixFree, max_events);
    eprintln!(
        "TIMING m={m} α={alpha}: dense {t1:.2} s, matrix-free {:.2} s, points {} / {}, \
         Krylov iterations {}",
        t0.elapsed().as_secs_f64() - t1,
        d.points.len(),
        f.points.len(),
        f.points.iter().map(|p| p.krylov_iterations).sum::<usize>()
    );
    (model, d, f)
}

/// Slow (measured on the shared 2-core machine under load: dense 248 s, matrix-free 326 s for
/// 482 points each, 9.7 min with the coefficients of the 12 folds, which agree to 7e-12 in λ):
/// `cargo test --release --test matrix_free -- --ignored`.
#[test]
#[ignore]
fn dense_and_matrix_free_agree_on_the_paper_model_m100_twelve_folds() {
    let (model, d, f) = timed_pair(100, 5e-4, None);
    let folds: Vec<f64> = d.events.iter().map(|e| e.lambda).collect();
    assert_eq!(folds.len(), 12, "{folds:?}");
    assert!((folds[0] - 0.46641).abs() < 5e-6, "{}", folds[0]);
    assert_agree(&model, &d, &f);
}

/// m = 200 (n = 1000) at α = 2e-4 (α·m as at m = 100 above, so the folds stay in [0, 1]): the
/// first two folds (≈ 0.36778 and 0.02270, 68 points). Slow (measured under load: dense 152 s,
/// matrix-free 170 s, 5.5 min with the coefficients; folds agree to 4e-12): `--ignored`.
#[test]
#[ignore]
fn dense_and_matrix_free_agree_on_the_paper_model_m200() {
    let (model, d, f) = timed_pair(200, 2e-4, Some(2));
    assert_eq!(d.events.len(), 2);
    assert_agree(&model, &d, &f);
}

/// m = 200 at α = 4e-3 (no event on [0, 1]): the whole branch to λ = 1 and its end point.
#[test]
fn dense_and_matrix_free_agree_on_the_paper_model_m200_without_events() {
    let (model, d, f) = timed_pair(200, 4e-3, None);
    assert!(d.events.is_empty());
    assert_agree(&model, &d, &f);
    assert_eigenvalues_certified(&model, &f);
}

/// What the matrix-free point eigenvalues certify, checked against a dense eigendecomposition
/// at a few points of the branch: the i-th reported value is ≥ the i-th smallest eigenvalue
/// (min–max, up to the dense solver's rounding ≈ 1e-13·‖H‖) and within the point tolerance
/// 1e-8·‖H‖ of some eigenvalue (Weyl; the residuals are asked of H itself). n − N = 500
/// eigenvalues sit in the cluster near α here, which the reported values must not misplace.
fn assert_eigenvalues_certified(model: &TwoLayer, free: &Branch) {
    let stride = (free.points.len() / 4).max(1);
    for p in free.points.iter().step_by(stride) {
        let e = sym_eigen(&model.hessian(p.theta.view(), p.lambda)).unwrap();
        let norm = e.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (i, &theta) in p.eigenvalues.iter().enumerate() {
            assert!(
                theta >= e.values[i] - 1e-13 * norm,
                "λ = {}: value {i} = {theta:e} below the dense {:e}",
                p.lambda,
                e.values[i]
            );
            let nearest = e
                .values
                .iter()
                .fold(f64::INFINITY, |m, v| m.min((v - theta).abs()));
            assert!(
                nearest <= 1e-8 * norm,
                "λ = {}: value {i} = {theta:e} is {nearest:e} from every eigenvalue",
                p.lambda
            );
        }
    }
}

/// The kernel at a located fold where the structured inverse's rounding stalls Lanczos
/// (m = 500, α = 5e-6: µ ≈ 1e-16, so ‖H⁻¹φ − νφ‖/|ν| stops near 2e-9): the event carries its
/// spectrum and kernel (it once carried none, its kernel eigensolve failing), checked against a
/// dense eigendecomposition. The dense pair is exact to ≈ 64ε‖H‖ (µ) and 64ε‖H‖/gap ≈ 3e-5
/// (φ; gap = 2.6e-7 to the next eigenvalue); the matrix-free residual is asked ≤ 1e-13‖H‖.
#[test]
fn kernel_at_a_fold_where_the_inverse_stalls() {
    let model = paper_model(500, 5e-6);
    let f = traced(&model, Solver::MatrixFree, Some(1));
    let e = &f.events[0];
    assert!(e.located, "{e:?}");
    assert_eq!((e.kernel.len(), e.eigenvalues.len()), (2500, 6));
    let h = model.hessian(ArrayView1::from(&e.theta), e.lambda);
    let d = sym_eigen(&h).unwrap();
    let norm = d.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let i = (0..d.values.len())
        .min_by(|&a, &b| d.values[a].abs().total_cmp(&d.values[b].abs()))
        .unwrap();
    let mu =
        e.eigenvalues
            .iter()
            .copied()
            .fold(f64::INFINITY, |m, v| if v.abs() < m.abs() { v } else { m });
    let rounding = 64.0 * f64::EPSILON * norm;
    assert!((mu - d.values[i]).abs() <= rounding, "{:?}", e.eigenvalues);
    let phi = Array1::from(e.kernel.clone());
    let cos = phi.dot(&d.vectors.column(i)).abs() / phi.dot(&phi).sqrt();
    assert!((1.0 - cos * cos).max(0.0).sqrt() <= 1e-4, "cos {cos}");
    let r = h.dot(&phi) - &phi * mu;
    assert!(
        r.dot(&r).sqrt() <= 1e-13 * norm,
        "residual {:e}",
        r.dot(&r).sqrt()
    );
}

fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn cli_solver_flag_and_json_fields() {
    let out = cli(&["trace", "--width", "3", "--solver", "matrix-free"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["solver"], "matrix_free");
    let pts = v["points"].as_array().unwrap();
    assert!(pts
        .iter()
        .skip(1)
        .all(|p| p["krylov_iterations"].as_u64().unwrap() > 0));
    // auto at this size is dense, with zero Krylov iterations.
    let out = cli(&["trace", "--width", "3", "--solver", "auto"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["solver"], "dense");
    assert!(v["points"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["krylov_iterations"] == 0));
    // A bad name is bad input (exit 2) with the accepted names.
    let out = cli(&["trace", "--width", "3", "--solver", "sparse"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("matrix-free"));
}

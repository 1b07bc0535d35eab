//! The fold curve on the matrix-free backend (bordered GMRES with the structured inverse, its
//! codimension-two points located on the curve) against the dense backend (assembled systems,
//! Newton on the 2n + 2 extended systems) and the dense spectrum of the model rebuilt at each
//! α — on the m = 10 paper model over α ∈ [2e-3, 5e-3], where a cusp and a g_µ = 0 point lie
//! 3e-6 apart in λ twice (the hardest stretch of that curve to locate on).

use actbif::app::curves::with_alpha;
use actbif::app::start_point;
use actbif::continuation::codim2::*;
use actbif::continuation::{trace, ContinuationParams, EventKind, Solver};
use actbif::derivatives::Objective;
use actbif::linalg::{norm, sym_eigenvalues};
use actbif::models::two_layer::TwoLayer;
use std::sync::OnceLock;

/// Both backends locate each point to a scaled residual ≤ LOCATE_TOL = 1e-10 in its test
/// (a cosine); λ of a cusp / g_µ = 0 point is then fixed to ≈ 1e-10 over the test's slope
/// along the curve (O(1) here): measured agreement 2e-11.
const EVENT_LAMBDA_TOL: f64 = 1e-9;
/// The p of those points moves 10³ times less than λ along this curve (measured 1e-14).
const EVENT_P_TOL: f64 = 1e-12;

fn curve(solver: Solver) -> FoldCurve {
    let base = TwoLayer::paper(10).unwrap();
    let th = start_point(&base).unwrap();
    let b = trace(&base, th.view(), 0.0, &ContinuationParams::default()).unwrap();
    let e = b.events.iter().find(|e| e.kind == EventKind::Fold).unwrap();
    let start = FoldStart {
        theta: e.theta.clone().into(),
        lambda: e.lambda,
        p: base.alpha(),
        kernel: e.kernel.clone().into(),
    };
    let fam = family_of(&base, "alpha").unwrap();
    let params = FoldCurveParams {
        solver,
        ..FoldCurveParams::new(2e-3, 5e-3)
    };
    fold_curve(&fam, &start, &params).unwrap()
}

/// The matrix-free curve, computed once for both tests.
fn free_curve() -> &'static FoldCurve {
    static C: OnceLock<FoldCurve> = OnceLock::new();
    C.get_or_init(|| curve(Solver::MatrixFree))
}

#[test]
fn matrix_free_fold_curve_matches_the_dense_one() {
    let dense = curve(Solver::Dense);
    let free = free_curve();
    assert!(free.complete(), "{:?}", free.ends);
    let kinds = |c: &FoldCurve| -> Vec<Codim2Kind> { c.events.iter().map(|e| e.kind).collect() };
    assert_eq!(kinds(free), kinds(&dense));
    // Two cusps and two g_µ = 0 points inside, besides the exits and the top cusp.
    assert!(kinds(free).len() >= 6, "{:?}", kinds(free));
    for (f, d) in free.events.iter().zip(&dense.events) {
        assert_eq!(
            f.status,
            LocateStatus::Located,
            "{:?} {:?}",
            f.kind,
            f.reason
        );
        assert!(
            (f.lambda - d.lambda).abs() <= EVENT_LAMBDA_TOL && (f.p - d.p).abs() <= EVENT_P_TOL,
            "{:?}: matrix-free ({}, {}) vs dense ({}, {})",
            f.kind,
            f.lambda,
            f.p,
            d.lambda,
            d.p
        );
    }
}

#[test]
fn every_matrix_free_curve_point_is_a_fold_of_the_rebuilt_model() {
    let free = free_curve();
    let base = TwoLayer::paper(10).unwrap();
    for p in &free.points {
        // The model rebuilt at α = p (not the family's shifted operator), dense spectrum.
        let m = with_alpha(&base, p.p).unwrap();
        let g = norm(m.gradient(p.theta.view(), p.lambda).view());
        let eig = sym_eigenvalues(&m.hessian(p.theta.view(), p.lambda)).unwrap();
        let mu = eig
            .iter()
            .copied()
            .fold(f64::INFINITY, |a, v| a.min(v.abs()));
        // Corrected to max(‖∇L‖, |g|) ≤ 1e-11 (10 × tol at the rounding floor); ‖H‖ ≈ 1 here.
        assert!(g < 1e-11, "‖∇L‖ = {g:e} at ({}, {})", p.lambda, p.p);
        assert!(mu < 1e-10, "µ = {mu:e} at ({}, {})", p.lambda, p.p);
        // The matrix-free record is a Rayleigh quotient of the kernel vector.
        assert!((p.kernel_eigenvalue.abs() - mu).abs() < 1e-10);
    }
}

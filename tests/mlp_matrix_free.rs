//! The matrix-free path for operators WITHOUT an exact inverse or inertia (the MLP Hessian:
//! LOBPCG eigenpairs and kernels with the curvature preconditioner, GMRES solves with P_σ⁻¹)
//! against the dense path on the paper's model written as an MLP \[5, 10, 1\] (two folds).

use actbif::activation::Builtin;
use actbif::continuation::{trace, Branch, ContinuationParams, Solver};
use actbif::data::{paper_output_weights, paper_teacher};
use actbif::models::mlp::Mlp;
use actbif::models::two_layer::TwoLayer;
use actbif::normal_form::{coefficients_with, CoefficientOptions};

fn paper_mlp() -> Mlp {
    let two = TwoLayer::new(
        paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N),
        paper_output_weights(10),
        4e-3,
        Builtin::Tanh,
    )
    .unwrap();
    Mlp::from_two_layer(&two).unwrap()
}

fn traced(model: &Mlp, solver: Solver) -> Branch {
    let theta0 = model.lambda0_start().unwrap();
    let p = ContinuationParams {
        solver,
        ..Default::default()
    };
    trace(model, theta0.view(), 0.0, &p).unwrap()
}

/// Events to 1e-10 in λ (the agreement tolerance), the same kinds and Morse indices
/// (the matrix-free ones counted from LOBPCG's negative Ritz values), and g_µ, g_aa from the
/// matrix-free kernel to 1e-8 relative of the dense ones. Measured: 161 s in release on the
/// shared machine (load ≈ 7), most of it the matrix-free trace's LOBPCG and GMRES.
#[test]
fn mlp_matrix_free_trace_matches_the_dense_events() {
    let model = paper_mlp();
    let d = traced(&model, Solver::Dense);
    let f = traced(&model, Solver::MatrixFree);
    assert_eq!(d.status, f.status);
    assert_eq!(d.events.len(), 2, "the paper model has two folds");
    assert_eq!(d.events.len(), f.events.len());
    assert!(f.max_grad_norm <= 1e-12, "{}", f.max_grad_norm);
    assert!(f.points.iter().skip(1).any(|p| p.krylov_iterations > 0));
    let opts = CoefficientOptions::default();
    for (ed, ef) in d.events.iter().zip(&f.events) {
        assert_eq!(ed.kind, ef.kind);
        assert_eq!(
            (ed.morse_before, ed.morse_after),
            (ef.morse_before, ef.morse_after)
        );
        assert!(
            (ed.lambda - ef.lambda).abs() <= 1e-10,
            "{} vs {}",
            ed.lambda,
            ef.lambda
        );
        let cd = coefficients_with(&model, ed, None, &opts, Solver::Dense).unwrap();
        let cf = coefficients_with(&model, ef, None, &opts, Solver::MatrixFree).unwrap();
        let sign: f64 = ed.kernel.iter().zip(&ef.kernel).map(|(a, b)| a * b).sum();
        let s = sign.signum();
        let close = |a: f64, b: f64, what: &str| {
            assert!(
                (a - b).abs() <= 1e-8 * a.abs().max(b.abs()),
                "{what}: dense {a} vs matrix-free {b}"
            );
        };
        close(cd.g_mu, s * cf.g_mu, "g_mu");
        close(cd.g_aa.ad, s * cf.g_aa.ad, "g_aa");
        assert_eq!(cd.classification, cf.classification);
    }
}

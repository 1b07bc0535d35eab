//! The matrix-free path for operators WITHOUT an exact inverse or inertia (the MLP Hessian:
//! LOBPCG eigenpairs and kernels with the curvature preconditioner, GMRES solves with P_σ⁻¹)
//! against the dense path on the paper's model written as an MLP \[5, 10, 1\] (two folds).

use actbif::activation::Builtin;
use actbif::continuation::{trace, Branch, ContinuationParams, Solver};
use actbif::data::{paper_output_weights, paper_teacher};
use actbif::models::mlp::Mlp;
use actbif::models::two_layer::TwoLayer;

mod common;

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
    assert_eq!(d.events.len(), 2, "the paper model has two folds");
    common::assert_events_agree(&model, &d, &f);
}

//! Shared by the dense-vs-matrix-free agreement tests (`matrix_free`, `mlp_matrix_free`).

use actbif::continuation::{Branch, Solver};
use actbif::normal_form::{coefficients_with, CoefficientOptions, Coefficients};
use actbif::Objective;

/// `a` and `b` agree to 1e-8 relative (the coefficient tolerance).
pub fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-8 * a.abs().max(b.abs()),
        "{what}: dense {a} vs matrix-free {b}"
    );
}

/// The two paths agree: same status and events (kinds, Morse indices, λ to 1e-10), a
/// matrix-free branch at ‖∇L‖ ≤ 1e-12 that did use Krylov solves, and per event g_µ, g_aa
/// (1e-8 relative, φ aligned in sign) and the classification. Returns each event's dense and
/// matrix-free coefficients for further checks.
pub fn assert_events_agree<O: Objective + ?Sized>(
    model: &O,
    dense: &Branch,
    free: &Branch,
) -> Vec<(Coefficients, Coefficients)> {
    assert_eq!(dense.status, free.status);
    assert_eq!(dense.events.len(), free.events.len());
    assert!(free.max_grad_norm <= 1e-12, "{}", free.max_grad_norm);
    assert!(free.points.iter().skip(1).any(|p| p.krylov_iterations > 0));
    let opts = CoefficientOptions::default();
    let mut pairs = Vec::new();
    for (ed, ef) in dense.events.iter().zip(&free.events) {
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
        let cd = coefficients_with(model, ed, None, &opts, Solver::Dense).unwrap();
        let cf = coefficients_with(model, ef, None, &opts, Solver::MatrixFree).unwrap();
        // φ is defined up to sign (both oriented by the same rule, but align to be safe).
        let sign: f64 = ed.kernel.iter().zip(&ef.kernel).map(|(a, b)| a * b).sum();
        let s = sign.signum();
        close(cd.g_mu, s * cf.g_mu, "g_mu");
        close(cd.g_aa.ad, s * cf.g_aa.ad, "g_aa");
        assert_eq!(cd.classification, cf.classification);
        pairs.push((cd, cf));
    }
    pairs
}

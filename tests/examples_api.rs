//! The quick path of `examples/quickstart.rs` (data through a `.npy` file, the paper's m = 10
//! model, closed-form W0, `trace`, `normal_form::coefficients`) against an independent
//! reference: a Python/jax float64 implementation (pseudo-arclength continuation, Moore–Spence
//! fold location, jax derivatives) whose values are quoted to the digits it reported.

use actbif::activation::Builtin;
use actbif::continuation::{trace, ContinuationParams, EventKind, Status};
use actbif::data::{self, paper_output_weights, PAPER_N, PAPER_SEED};
use actbif::models::two_layer::theory::directional::closed_form_coefficients;
use actbif::models::two_layer::theory::linear_endpoint::w0;
use actbif::models::two_layer::TwoLayer;
use actbif::normal_form::{coefficients, Classification, CoefficientOptions};
use ndarray::{Array1, ArrayView1};

// Reference values (jax, float64) for the paper's Appendix B model at m = 10.
const REF_FOLD: f64 = 0.7501412559404;
const REF_BACK_FOLD: f64 = 0.074338530260;
const REF_G_MU_ABS: f64 = 1.285e-4;
const REF_G_AA_ABS: f64 = 0.10565;
const REF_G_AAA_RAW: f64 = 0.70243;
const REF_LAMBDA2: f64 = 2.5057e-4;

#[test]
fn quick_path_matches_independent_reference() {
    let path = std::env::temp_dir().join(format!("actbif-examples-api-{}.npy", std::process::id()));
    let paper = data::paper_teacher(PAPER_SEED, PAPER_N);
    data::save_npy(&path, &paper).unwrap();
    let loaded = data::load(&path);
    let _ = std::fs::remove_file(&path);
    let loaded = loaded.unwrap();
    assert_eq!(loaded.x, paper.x, ".npy round trip of x");
    assert_eq!(loaded.y, paper.y, ".npy round trip of y");

    let model = TwoLayer::new(loaded, paper_output_weights(10), 4e-3, Builtin::Tanh).unwrap();
    let theta0: Array1<f64> = w0(&model).unwrap().into_iter().collect();
    let branch = trace(&model, theta0.view(), 0.0, &ContinuationParams::default()).unwrap();
    assert_eq!(branch.status, Status::ReachedLambdaMax);
    assert!(branch.points.iter().all(|p| p.grad_norm <= 1e-12));

    // An S-shaped branch: fold, back-fold, then a second minimum up to λ = 1.
    let kinds: Vec<_> = branch.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Fold, EventKind::Fold]);
    let (fold, back) = (&branch.events[0], &branch.events[1]);
    assert!(
        (fold.lambda - REF_FOLD).abs() <= 1e-9,
        "λ* = {}",
        fold.lambda
    );
    assert!(
        (back.lambda - REF_BACK_FOLD).abs() <= 1e-9,
        "back-fold {}",
        back.lambda
    );
    assert_eq!((fold.morse_before, fold.morse_after), (0, 1));
    assert_eq!((back.morse_before, back.morse_after), (1, 0));
    assert_eq!(branch.points.last().unwrap().morse_index, 0);

    let closed_form = |t: ArrayView1<f64>, l: f64, phi: ArrayView1<f64>| {
        closed_form_coefficients(&model, t, l, phi)
    };
    let c = coefficients(
        &model,
        fold,
        Some(&closed_form),
        &CoefficientOptions::default(),
    )
    .unwrap();
    assert_eq!(c.classification, Classification::Fold);
    // The reference quotes 4–5 significant digits: compare to half a unit in the last one.
    assert!(
        (c.g_mu.abs() - REF_G_MU_ABS).abs() <= 5e-8,
        "g_µ = {}",
        c.g_mu
    );
    assert!(
        (c.g_aa.ad.abs() - REF_G_AA_ABS).abs() <= 5e-6,
        "g_aa = {}",
        c.g_aa.ad
    );
    assert!(
        (c.g_aaa.ad - REF_G_AAA_RAW).abs() <= 5e-6,
        "raw g_aaa = {}",
        c.g_aaa.ad
    );
    assert!(
        (c.lambda2 - REF_LAMBDA2).abs() <= 5e-9,
        "λ2 = {}",
        c.lambda2
    );
    // g_µ and g_aa both flip with φ; their product does not (positive in the reference).
    assert!(c.g_mu * c.g_aa.ad > 0.0);
    // The paper's closed form (25) is the same number as the AD value, to rounding.
    let formula = c.g_aa.formula.as_ref().unwrap().value;
    assert!(
        (formula - c.g_aa.ad).abs() <= 1e-10 * c.g_aa.ad.abs(),
        "(25) {formula} vs AD {}",
        c.g_aa.ad
    );
}

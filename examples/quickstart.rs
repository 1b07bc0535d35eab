//! Quick start: load data, build the two-layer model, trace the critical branch from the λ = 0
//! minimum to λ = 1, and print the events with their normal-form coefficients.
//!
//! Run: `cargo run --release --example quickstart [-- DATA.npy]`. The file is one N × (d + 1)
//! array whose last column is y (see [`actbif::data::load`]; `.csv` works too). Without an
//! argument the paper's Appendix B data (d = 5, N = 500, seed 77) is written to a temporary
//! `.npy` file and read back. The model is the paper's m = 10 network with α = 4e-3.

use actbif::activation::Builtin;
use actbif::continuation::{trace, ContinuationParams};
use actbif::data::{self, paper_output_weights, PAPER_N, PAPER_SEED};
use actbif::models::two_layer::theory::directional::closed_form_coefficients;
use actbif::models::two_layer::theory::linear_endpoint::w0;
use actbif::models::two_layer::TwoLayer;
use actbif::normal_form::{coefficients, CoefficientOptions};
use ndarray::{Array1, ArrayView1};
use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> actbif::Result<()> {
    // 1. Data.
    let data = match std::env::args().nth(1) {
        Some(path) => data::load(&PathBuf::from(path))?,
        None => {
            let path =
                std::env::temp_dir().join(format!("actbif-quickstart-{}.npy", std::process::id()));
            data::save_npy(&path, &data::paper_teacher(PAPER_SEED, PAPER_N))?;
            let data = data::load(&path);
            let _ = std::fs::remove_file(&path);
            data?
        }
    };

    // 2. Model: f(x) = Σ_j v_j h(w_jᵀx, λ), v_j = 0.5 + j/(m − 1), L = ½E[(f − y)²] + α/2‖W‖².
    let model = TwoLayer::new(data, paper_output_weights(10), 4e-3, Builtin::Tanh)?;

    // 3. Start: the unique minimiser at λ = 0, W0 = v γᵀ(‖v‖²Σ + αI)⁻¹ (closed form; the
    //    trace's first Newton correction polishes it). For a model without a closed form,
    //    `continuation::newton_critical_point` from zero does the same (L(·, 0) is quadratic).
    let theta0: Array1<f64> = w0(&model)?.into_iter().collect();

    // 4. Pseudo-arclength continuation of ∇L(θ, λ) = 0 over λ ∈ [0, 1].
    let branch = trace(&model, theta0.view(), 0.0, &ContinuationParams::default())?;
    println!(
        "{} points, max |grad L| = {:.1e}, status {:?}",
        branch.points.len(),
        branch.max_grad_norm,
        branch.status
    );
    for e in &branch.events {
        println!(
            "{:?} at lambda* = {:.10} (residual {:.1e}, Morse index {} -> {})",
            e.kind, e.lambda, e.residual, e.morse_before, e.morse_after
        );
    }

    // 5. Normal-form coefficients at the first event, with the paper's closed forms (25)–(26)
    //    for comparison. (g_mu and g_aa change sign with the kernel vector; events orient it so
    //    that its largest-modulus entry is positive.)
    if let Some(event) = branch.events.first() {
        let closed_form = |theta: ArrayView1<f64>, lambda: f64, phi: ArrayView1<f64>| {
            closed_form_coefficients(&model, theta, lambda, phi)
        };
        let c = coefficients(
            &model,
            event,
            Some(&closed_form),
            &CoefficientOptions::default(),
        )?;
        println!(
            "{:?}: g_mu = {:.4e}, g_aa = {:.5} (closed form {:.5}), raw g_aaa = {:.5}, reduced g_aaa = {:.5}",
            c.classification,
            c.g_mu,
            c.g_aa.ad,
            c.g_aa.formula.as_ref().map_or(f64::NAN, |f| f.value),
            c.g_aaa.ad,
            c.g_aaa_reduced,
        );
        println!("{}", c.criteria);
    }
    Ok(())
}

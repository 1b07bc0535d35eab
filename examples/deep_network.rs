//! A three-layer network through the generic AD path: traced over λ ∈ [0, 1], events located
//! and classified.
//!
//! f(x) = Σ_k u_k h(Σ_j A_kj h(w_jᵀx, λ), λ), L(W, λ) = ½ E[(f − y)²] + α/2 ‖W‖²,
//! h(z, λ) = (1 − λ)z + λ tanh(z), on a small teacher problem
//! ([`FixedSecondLayer::small_teacher`]: d = 3, m₁ = 4, m₂ = 3, N = 200, n = 12 parameters).
//!
//! # Why the second layer A is frozen
//!
//! With W and A both trained ([`actbif::models::deep::ThreeLayer`]), the λ = 0 network is linear and
//! the loss is invariant under W ↦ QW, A ↦ AQᵀ for every orthogonal Q: the λ = 0 minimisers
//! form a continuum and the Hessian there has m₁ − 1 zero eigenvalues, so continuation
//! (which needs a regular starting point) cannot start at λ = 0. The ways out are (a) freeze
//! A, (b) take m₁ = 1, or (c) start at some λ₀ > 0 where the homotopy has broken the symmetry,
//! from a minimiser found by optimisation (which minimiser depends on the optimiser, and the
//! branch over [0, λ₀) is never seen). This example takes (a): A is a fixed generic matrix,
//! only W is trained, the depth-two nonlinearity h(A h(Wx)) is kept, and the λ = 0 problem is
//! a regularised linear least-squares problem with Hessian (ccᵀ) ⊗ Σ + αI (c = Aᵀu), positive
//! definite, so the start W₀ is unique and known in closed form
//! ([`FixedSecondLayer::lambda0_minimiser`]).
//!
//! # What it shows
//!
//! The model's loss is written once, generic over `num_dual::DualNum`
//! ([`FixedSecondLayer::loss_generic`], a [`actbif::derivatives::ad::GenericLoss`]), and
//! [`AdObjective`] turns it into every exact derivative the continuation and the normal form
//! need. With the defaults (seed 10, α = 4e-3) the minimum branch from λ = 0 ends at a fold
//! (saddle-node, g_µ ≠ 0) at λ* ≈ 0.4746, turns back as an index-1 saddle to a second fold at
//! λ ≈ 0.3604, and continues as a second minimum to λ = 1: the same S-shaped hysteresis as the
//! paper's two-layer model at m = 10. That is specific to the instance: among seeds 1–11 at the
//! same α, five stay a minimum all the way (no events; e.g. seed 1), five fold once and back,
//! and seed 9 folds four times.
//!
//! Run: `cargo run --release --example deep_network [-- SEED [ALPHA]]`.

use actbif::continuation::{trace, ContinuationParams, Status};
use actbif::derivatives::ad::AdObjective;
use actbif::models::deep::FixedSecondLayer;
use actbif::models::two_layer::PAPER_ALPHA;
use actbif::normal_form::{coefficients, CoefficientOptions};
use actbif::Objective;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> actbif::Result<()> {
    let mut args = std::env::args().skip(1);
    let seed: u32 = match args.next() {
        Some(s) => s
            .parse()
            .map_err(|e| actbif::Error::param("seed", format!("{s:?}: {e}")))?,
        None => 10,
    };
    let alpha: f64 = match args.next() {
        Some(s) => s
            .parse()
            .map_err(|e| actbif::Error::param("alpha", format!("{s:?}: {e}")))?,
        None => PAPER_ALPHA,
    };

    let model = FixedSecondLayer::small_teacher(seed, alpha)?;
    let obj = AdObjective(&model);
    println!(
        "three-layer net, A frozen: d = {}, m1 = {}, m2 = {}, n = {}, N = {}, alpha = {alpha:e}, seed {seed}",
        model.input_dim(),
        model.hidden_width(),
        model.second_width(),
        model.n_params(),
        model.data().n_samples(),
    );

    // Unique λ = 0 minimiser in closed form; the trace's own Newton correction polishes it.
    let theta0 = model.lambda0_minimiser()?;
    let g0 = obj.gradient(theta0.view(), 0.0);
    println!(
        "closed-form W0: |grad L(W0, 0)| = {:.1e}",
        g0.dot(&g0).sqrt()
    );

    let branch = trace(&obj, theta0.view(), 0.0, &ContinuationParams::default())?;
    let last = branch.points.last().expect("a trace records its start");
    println!(
        "trace: {} points, max |grad L| = {:.1e}, status {:?}; at lambda = {:.3}: Morse index {}, smallest eigenvalue {:.4e}",
        branch.points.len(),
        branch.max_grad_norm,
        branch.status,
        last.lambda,
        last.morse_index,
        last.eigenvalues[0],
    );
    if branch.status != Status::ReachedLambdaMax {
        println!("note: the trace did not reach lambda = 1 (see the status above)");
    }
    if branch.events.is_empty() {
        let min = branch
            .points
            .iter()
            .map(|p| p.eigenvalues[0])
            .fold(f64::INFINITY, f64::min);
        println!("no events: the branch stays a minimum (smallest eigenvalue ≥ {min:.3e})");
    }
    for (i, event) in branch.events.iter().enumerate() {
        println!(
            "event {i}: {:?} at lambda* = {:.12}, residual {:.1e}, Morse index {} -> {}, smallest eigenvalues [{}]",
            event.kind,
            event.lambda,
            event.residual,
            event.morse_before,
            event.morse_after,
            event
                .eigenvalues
                .iter()
                .take(3)
                .map(|e| format!("{e:.3e}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let c = coefficients(&obj, event, None, &CoefficientOptions::default())?;
        println!(
            "  {:?}: g_mu = {:.4e}, g_amu = {:.4e}, g_aa = {:.4e}, g_aaa = {:.4e} (raw D4L[phi^4] = {:.4e})",
            c.classification, c.g_mu, c.g_amu, c.g_aa.ad, c.g_aaa_reduced, c.g_aaa.ad,
        );
        println!("  {}", c.criteria);
    }
    Ok(())
}

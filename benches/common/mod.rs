//! Shared by the benches: the paper's teacher model drawn from `rand` (timings do not depend on
//! the exact random stream, so the numpy-compatible generator of `actbif::data` is not needed).

use actbif::activation::Builtin;
use actbif::data::{
    paper_output_weights, Dataset, PAPER_D, PAPER_N, PAPER_W_LINEAR, PAPER_W_NONLINEAR,
};
use actbif::models::two_layer::TwoLayer;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// The two-layer model of width `m` and Tikhonov `alpha` on teacher data of the paper's recipe
/// (d = 5, N = 500, y = w_lᵀx + 0.4 tanh(1.5 w_nlᵀx) + 0.05 ε).
pub fn paper_teacher(m: usize, alpha: f64) -> TwoLayer {
    let mut rng = StdRng::seed_from_u64(77);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let x = Array2::from_shape_fn((PAPER_N, PAPER_D), |_| normal());
    let eps = Array1::from_shape_fn(PAPER_N, |_| normal());
    let wl = Array1::from(PAPER_W_LINEAR.to_vec());
    let wnl = Array1::from(PAPER_W_NONLINEAR.to_vec());
    let y = x.dot(&wl) + x.dot(&wnl).mapv(|z| 0.4 * (1.5 * z).tanh()) + eps * 0.05;
    TwoLayer::new(
        Dataset::new(x, y).expect("finite data"),
        paper_output_weights(m),
        alpha,
        Builtin::Tanh,
    )
    .expect("valid model")
}

//! The MLP [64 → 256 → 256 → 1] on the digits data (first layer trained, n = 16 384,
//! λ = 0.5): one loss evaluation, ∇L, H·u, D³L[u,u,·] and D⁴L[u⁴] from the dual-number
//! backward pass. Targets: ∇L ≤ 4× and H·u ≤ 8× a loss evaluation.

use actbif::activation::Builtin;
use actbif::app::check::random_point;
use actbif::data::digits;
use actbif::models::mlp::{Mlp, MlpSpec};
use actbif::Objective;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const LAMBDA: f64 = 0.5;
/// Tikhonov α of the benchmark (any α > 0 gives the same timings).
const ALPHA: f64 = 1e-3;

fn bench(c: &mut Criterion) {
    let spec = MlpSpec {
        layers: vec![64, 256, 256, 1],
        trained: vec![0],
    };
    let model =
        Mlp::with_default_weights(digits().expect("shipped data"), &spec, ALPHA, Builtin::Tanh)
            .expect("valid model");
    let (theta, u) = random_point(model.n_params(), 0);
    let (t, u) = (theta.view(), u.view());
    let mut g = c.benchmark_group("mlp_64_256_256_1_digits");
    g.sample_size(10);
    g.bench_function("loss", |b| b.iter(|| black_box(model.value(t, LAMBDA))));
    g.bench_function("gradient", |b| {
        b.iter(|| black_box(model.gradient(t, LAMBDA)))
    });
    g.bench_function("hessian_vec", |b| {
        b.iter(|| black_box(model.hessian_vec(t, LAMBDA, u)))
    });
    g.bench_function("d3_vec", |b| {
        b.iter(|| black_box(model.d3_vec(t, LAMBDA, u)))
    });
    g.bench_function("d4", |b| b.iter(|| black_box(model.d4(t, LAMBDA, u))));
    g.finish();
}

/// Directions per block product: the LOBPCG block of the `mlp_digits` case (6 wanted + 4
/// guard columns).
const BLOCK: usize = 10;

/// The `mlp_digits` scale case's model ([64 → 128 → 128 → 1], layer 0 trained, n = 8192):
/// b = 10 single H·u products against one block product H·U of the same 10 columns, and the
/// block pass with b = 1 (the operator's single product).
fn bench_block(c: &mut Criterion) {
    let spec = MlpSpec {
        layers: vec![64, 128, 128, 1],
        trained: vec![0],
    };
    let model =
        Mlp::with_default_weights(digits().expect("shipped data"), &spec, ALPHA, Builtin::Tanh)
            .expect("valid model");
    let n = model.n_params();
    let (theta, _) = random_point(n, 0);
    let u = ndarray::Array2::from_shape_fn((n, BLOCK), |(i, j)| ((i * BLOCK + j) as f64).sin());
    let t = theta.view();
    let mut g = c.benchmark_group("mlp_digits_hessian_block");
    g.sample_size(10);
    g.bench_function("10_single_hessian_vec", |b| {
        b.iter(|| {
            for col in u.columns() {
                black_box(model.hessian_vec(t, LAMBDA, col));
            }
        })
    });
    g.bench_function("hessian_block_b10", |b| {
        b.iter(|| black_box(model.hessian_block(t, LAMBDA, u.view())))
    });
    g.bench_function("hessian_block_b1", |b| {
        b.iter(|| black_box(model.hessian_block(t, LAMBDA, u.slice(ndarray::s![.., ..1]))))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_block);
criterion_main!(benches);

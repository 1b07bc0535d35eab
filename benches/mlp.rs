//! The MLP [64 → 256 → 256 → 1] on the digits data (first layer trained, n = 16 384,
//! λ = 0.5): one loss evaluation, ∇L, H·u, D³L[u,u,·] and D⁴L[u⁴] from the dual-number
//! backward pass. Targets: ∇L ≤ 4× and H·u ≤ 8× a loss evaluation.

use actbif::activation::Builtin;
use actbif::data::digits;
use actbif::experiments::check::random_point;
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

criterion_group!(benches, bench);
criterion_main!(benches);

//! Generic AD: dense Hessian (`Dual2DVec`, O(n²) per operation) vs the matrix-free
//! Hessian-vector product (`DualDVec<Dual64>`, O(n) per operation) on the paper's two-layer
//! model (d = 5, N = 500) at widths m = 10 (n = 50) and m = 50 (n = 250).

use actbif::derivatives::ad::AdObjective;
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ndarray::Array1;
use std::hint::black_box;
use std::time::Duration;

fn bench_hessian(c: &mut Criterion) {
    let mut group = c.benchmark_group("ad_hessian");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for m in [10usize, 50] {
        let model = TwoLayer::paper(m).expect("paper model");
        let n = model.n_params();
        let obj = AdObjective(model);
        let theta = Array1::from_shape_fn(n, |i| 0.1 * ((i as f64) * 0.7).sin());
        let u = Array1::from_shape_fn(n, |i| ((i as f64) * 1.3).cos());
        let lambda = 0.5;
        group.bench_with_input(BenchmarkId::new("dense_hessian", m), &m, |b, _| {
            b.iter(|| obj.hessian(black_box(theta.view()), black_box(lambda)))
        });
        group.bench_with_input(BenchmarkId::new("hessian_vec", m), &m, |b, _| {
            b.iter(|| {
                obj.hessian_vec(
                    black_box(theta.view()),
                    black_box(lambda),
                    black_box(u.view()),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("gradient", m), &m, |b, _| {
            b.iter(|| obj.gradient(black_box(theta.view()), black_box(lambda)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hessian);
criterion_main!(benches);

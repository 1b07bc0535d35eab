//! The perf target: the exact trace of the paper model at m = 100 (n = 500) over λ ∈ [0, 1]
//! with the 6 smallest Hessian eigenvalues at every point, plus a 401-point resampled grid
//! (target ≤ 5 s).

use actbif::continuation::{newton_critical_point, resample, trace, ContinuationParams};
use actbif::models::two_layer::TwoLayer;
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array1;
use std::hint::black_box;
use std::time::Duration;

fn whole_trace_m100(c: &mut Criterion) {
    let model = TwoLayer::paper(100).expect("paper model");
    let n = model.n_params();
    // L(·, 0) is quadratic: one Newton step from 0 is the unique minimum.
    let theta0 = newton_critical_point(&model, Array1::zeros(n).view(), 0.0, 1e-13)
        .expect("minimum at λ = 0");
    let params = ContinuationParams::default();
    let grid: Vec<f64> = (0..=400).map(|i| i as f64 / 400.0).collect();
    let mut group = c.benchmark_group("continuation");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("paper_m100_trace_and_resample", |b| {
        b.iter(|| {
            let branch = trace(&model, theta0.view(), 0.0, &params).expect("trace");
            black_box(resample(&branch, &grid))
        })
    });
    group.finish();
}

criterion_group!(benches, whole_trace_m100);
criterion_main!(benches);

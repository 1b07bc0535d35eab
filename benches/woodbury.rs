//! One point's matrix-free work on the issue-10 target size (paper teacher recipe, d = 5,
//! N = 500, m = 10⁴ so n = 5·10⁴, α = 5e-6, λ = 0.5): the Woodbury assembly (one N × n × N
//! GEMM), H·u and the structured inverse on one vector and on a block of 6 (the Lanczos
//! block), the 6 smallest eigenvalues by shift-invert block Lanczos.
//!
//! The data follow the paper's teacher recipe but are drawn from `rand` (the timing does not
//! depend on the exact random stream).

use actbif::experiments::check::random_point;
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use std::hint::black_box;

mod common;

const LAMBDA: f64 = 0.5;
const WIDTH: usize = 10_000;
const ALPHA: f64 = 5e-6;
/// The Lanczos block of the point eigensolver (6 smallest eigenvalues).
const BLOCK: usize = 6;

fn model() -> TwoLayer {
    common::paper_teacher(WIDTH, ALPHA)
}

fn woodbury(c: &mut Criterion) {
    let model = model();
    let n = model.n_params();
    let (theta, u) = random_point(n, 1);
    let th = theta.view();
    let mut g = c.benchmark_group(format!("woodbury/m={WIDTH}"));
    g.sample_size(10);
    g.bench_function("assemble", |b| {
        b.iter(|| black_box(model.hessian_operator(th, LAMBDA)))
    });
    let op = model.hessian_operator(th, LAMBDA).expect("structured");
    let ub = Array2::from_shape_fn((n, BLOCK), |(i, j)| u[(i + 7 * j) % n]);
    g.bench_function("apply", |b| b.iter(|| black_box(op.apply(u.view()))));
    g.bench_function("apply_block6", |b| {
        b.iter(|| black_box(op.apply_block(ub.view())))
    });
    g.bench_function("inverse", |b| {
        b.iter(|| black_box(op.precondition(u.view())))
    });
    g.bench_function("inverse_block6", |b| {
        b.iter(|| black_box(op.precondition_block(ub.view())))
    });
    g.finish();
}

criterion_group!(benches, woodbury);
criterion_main!(benches);

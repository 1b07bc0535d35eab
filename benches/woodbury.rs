//! One point's matrix-free work on the issue-10 target size (paper teacher recipe, d = 5,
//! N = 500, m = 10⁴ so n = 5·10⁴, α = 5e-6, λ = 0.5): the Woodbury assembly (one N × n × N
//! GEMM), H·u and the structured inverse on one vector and on a block of 6 (the Lanczos
//! block), the 6 smallest eigenvalues by shift-invert block Lanczos.
//!
//! The data follow the paper's teacher recipe but are drawn from `rand` (the timing does not
//! depend on the exact random stream).
//!
//! `woodbury/digits_m1000/assemble`: the setup at the digits target (d = 64, N = 1797,
//! m = 1000, n = 64,000), with its throughput in flop/s (criterion's elem/s): the lower
//! triangle of J B⁻¹ Jᵀ is N(N+1)/2·n multiply-adds, G = J B⁻¹ is N·n·d, the blocks C_j
//! m·N·d(d+1)/2 (2 flops each); the block eigendecompositions and the LBLᵀ of S are not
//! counted (≈ 5% of the time).

use actbif::activation::Builtin;
use actbif::app::check::random_point;
use actbif::data::{digits, paper_output_weights};
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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

/// Width of the digits target.
const DIGITS_WIDTH: usize = 1000;
/// The paper's α (the digits case's default).
const DIGITS_ALPHA: f64 = 4e-3;

fn woodbury_digits(c: &mut Criterion) {
    let data = digits().expect("the shipped digits");
    let (nn, d) = data.x.dim();
    let m = DIGITS_WIDTH;
    let model = TwoLayer::new(data, paper_output_weights(m), DIGITS_ALPHA, Builtin::Tanh)
        .expect("valid model");
    let (theta, _) = random_point(model.n_params(), 1);
    let n = m * d;
    let fma = nn * (nn + 1) / 2 * n + nn * n * d + m * nn * d * (d + 1) / 2;
    let mut g = c.benchmark_group(format!("woodbury/digits_m{m}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(2 * fma as u64));
    g.bench_function("assemble", |b| {
        b.iter(|| black_box(model.hessian_operator(theta.view(), LAMBDA)))
    });
    g.finish();
}

criterion_group!(benches, woodbury, woodbury_digits);
criterion_main!(benches);

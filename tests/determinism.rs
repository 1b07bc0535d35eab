//! Bits do not depend on the thread count (issue 13 §6): the same run with 1 and 3 rayon
//! threads gives identical results — the parallel reductions are split in fixed-size blocks and
//! faer's kernels get a fixed parallelism, not one derived from the pool size.

use actbif::linalg::{fix_parallelism, sym_eigen};
use actbif::models::two_layer::TwoLayer;
use actbif::Objective;
use ndarray::{Array1, Array2};
use serde_json::Value;
use std::process::Command;

/// Runs `f` in a rayon pool of `threads` threads.
fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

fn bits(a: impl IntoIterator<Item = f64>) -> Vec<u64> {
    a.into_iter().map(f64::to_bits).collect()
}

/// Hessian, ∂λH and the full spectrum at width 100 (n = 500 ≥ the parallel-GEMM threshold of
/// 96, N·m = 50000 ≥ the parallel pointwise threshold of 4096): bit-identical in pools of 1,
/// 2 and 3 threads.
#[test]
fn structured_derivatives_and_eigen_are_bit_identical_across_pools() {
    fix_parallelism();
    let model = TwoLayer::paper(100).unwrap();
    let n = model.n_params();
    // A deterministic, non-symmetric point (so every block of the Hessian differs).
    let theta = Array1::from_shape_fn(n, |i| 0.3 * ((i * 7 % 13) as f64 / 13.0 - 0.5));
    let run = |threads: usize| {
        in_pool(threads, || {
            let h: Array2<f64> = model.hessian(theta.view(), 0.7);
            let hl = model.hessian_lambda(theta.view(), 0.7);
            let g = model.gradient(theta.view(), 0.7);
            let e = sym_eigen(&h).unwrap();
            (
                bits(h.iter().copied()),
                bits(hl.iter().copied()),
                bits(g.iter().copied()),
                bits(e.values.iter().copied()),
            )
        })
    };
    let one = run(1);
    for threads in [2, 3] {
        let other = run(threads);
        assert!(one.0 == other.0, "Hessian differs with {threads} threads");
        assert!(one.1 == other.1, "∂λH differs with {threads} threads");
        assert!(one.2 == other.2, "gradient differs with {threads} threads");
        assert!(
            one.3 == other.3,
            "eigenvalues differ with {threads} threads"
        );
    }
}

/// The JSON text without the lines of timing fields (a key mentioning time, seconds or
/// elapsed, with a scalar value), compared as text so that no float is re-parsed.
fn strip_timing(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let key = l
                .trim_start()
                .split("\":")
                .next()
                .unwrap_or("")
                .to_lowercase();
            !(key.contains("time") || key.contains("seconds") || key.contains("elapsed"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `actbif trace --width 100` with RAYON_NUM_THREADS = 1 and 3: the same JSON, byte for byte
/// (timing fields excluded). Before the fix the eigenvalues differed by ~1e-15.
#[test]
fn trace_json_is_identical_for_1_and_3_threads() {
    let dir = std::env::temp_dir().join(format!("actbif-determinism-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |threads: &str| {
        let out = dir.join(format!("trace_{threads}.json"));
        let o = Command::new(env!("CARGO_BIN_EXE_actbif"))
            .args(["trace", "--width", "100", "--out"])
            .arg(&out)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("the binary runs");
        assert!(
            o.status.success(),
            "{threads} threads: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        let v: Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(v["points"].as_array().is_some_and(|p| p.len() > 10));
        strip_timing(&text)
    };
    let (one, three) = (run("1"), run("3"));
    if one != three {
        let line = one
            .lines()
            .zip(three.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "trace output differs between 1 and 3 threads from line {line}: {:?} vs {:?}",
            one.lines().nth(line),
            three.lines().nth(line)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

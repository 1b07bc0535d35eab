//! The library side of `actbif trace | check-derivatives | bench-derivatives --model mlp`.

use super::tracing::{
    trace_from, trace_objective, validate_lambda, validate_lambda_max, ModelSpec, TraceOptions,
};
use super::START_TOL;
use crate::app::check::random_point;
use crate::continuation::{newton_critical_point, Branch, Method};
use crate::continuation::{PaperStopping, Solver};
use crate::derivatives::ad::AdObjective;
use crate::derivatives::finite_diff::{FdConfig, FiniteDifference};
use crate::error::Result;
use crate::models::mlp::gemm::{jet_gemm, JetMat, Op};
use crate::models::mlp::jet::product_table;
pub use crate::models::mlp::Trained;
use crate::models::mlp::{Mlp, MlpSpec};
use crate::Objective;
use ndarray::{Array1, ArrayView1};
use num_dual::Dual64;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Largest n for which `check-derivatives` also runs the generic num-dual path (O(n·C) per
/// gradient; beyond this it takes minutes).
pub const AD_CHECK_MAX_DIM: usize = 600;
/// Scale of the random θ of `check-derivatives` / `bench-derivatives` (on top of
/// `random_point`'s 0.3), so the hidden layers work in the nonlinear range of σ.
const THETA_SCALE: f64 = 1.0;
/// λ at which derivatives are timed.
const BENCH_LAMBDA: f64 = 0.5;
/// Each timing repeats until this much wall time has passed (and at least [`MIN_REPS`] times).
const BENCH_MIN_SECONDS: f64 = 0.5;
/// Minimum repetitions per timing.
const MIN_REPS: usize = 3;

/// The MLP a spec describes (`--layers`, `--trained`, α, σ, data; default weights).
pub fn build(spec: &ModelSpec) -> Result<Mlp> {
    spec.validate()?;
    let data = spec.load_data()?;
    let arch = MlpSpec {
        layers: spec.layers.clone(),
        trained: spec.trained.resolve(spec.layers.len().saturating_sub(1)),
    };
    Mlp::with_default_weights(data, &arch, spec.alpha, spec.activation)
}

/// What `trace --model mlp` reports about the model.
#[derive(Clone, Debug, Serialize)]
pub struct MlpSetting {
    /// Always "mlp".
    pub model: String,
    /// Widths d, n_1, …, 1.
    pub layers: Vec<usize>,
    /// Trained layer indices.
    pub trained: Vec<usize>,
    /// Number of trained parameters n.
    pub n_params: usize,
    /// Number of samples N.
    pub n_samples: usize,
    /// Tikhonov α.
    pub alpha: f64,
    /// Activation name.
    pub activation: String,
    /// Data source.
    pub data: String,
}

impl MlpSetting {
    /// The setting of `model` on data described by `data`.
    pub fn of(model: &Mlp, data: &str) -> Self {
        use crate::activation::Activation;
        MlpSetting {
            model: "mlp".into(),
            layers: model.layers().to_vec(),
            trained: model.trained().to_vec(),
            n_params: model.n_params(),
            n_samples: model.data().n_samples(),
            alpha: model.alpha(),
            activation: model.activation().name(),
            data: data.to_string(),
        }
    }
}

/// Packs a traced MLP branch as the `trace --model mlp` JSON report
/// ([`super::commands::TraceReport::from_branch`]): shared by the CLI and the Python package.
pub fn mlp_trace_report(model: &Mlp, data: &str, lambda_max: f64, b: Branch) -> MlpTraceReport {
    MlpTraceReport::from_branch(MlpSetting::of(model, data), lambda_max, b)
}

/// Output of `actbif trace --model mlp` (the fields of the two-layer report).
pub type MlpTraceReport = super::tracing::TraceReport<MlpSetting>;

/// `actbif trace --model mlp`: the branch from the λ = 0 ridge minimum (one trained layer).
pub fn run_trace(
    spec: &ModelSpec,
    method: Method,
    lambda_max: f64,
    progress: bool,
) -> Result<MlpTraceReport> {
    run_trace_with_solver(spec, method, lambda_max, progress, Solver::Dense)
}

/// [`run_trace`] with the exact method's linear-algebra backend (`--solver`; matrix-free:
/// MINRES/GMRES on H·u products, no n × n matrix).
pub fn run_trace_with_solver(
    spec: &ModelSpec,
    method: Method,
    lambda_max: f64,
    progress: bool,
    solver: Solver,
) -> Result<MlpTraceReport> {
    validate_lambda_max(lambda_max)?;
    let model = build(spec)?;
    let start = model.lambda0_start()?;
    let theta0 = newton_critical_point(&model, start.view(), 0.0, START_TOL)?;
    let b = trace_from(&model, theta0.view(), method, lambda_max, progress, solver)?;
    let mut report = mlp_trace_report(&model, &spec.data.to_string(), lambda_max, b);
    report.solver = solver.resolve(model.dim());
    Ok(report)
}

/// `actbif trace --model mlp` with all the trace options (budgets, `--max-events`, checkpoint,
/// signals, `--start`/`--lambda0` — needed with several trained layers — and `--resume`).
pub fn run_trace_opts(spec: &ModelSpec, opts: &TraceOptions) -> Result<MlpTraceReport> {
    if opts.method == Method::Paper && opts.paper_stopping != PaperStopping::Tight {
        return Err(crate::Error::param(
            "paper-stopping",
            "scipy applies to `--method paper` on the two-layer model only",
        ));
    }
    let model = build(spec)?;
    let start = || {
        let s = model.lambda0_start()?;
        newton_critical_point(&model, s.view(), 0.0, START_TOL)
    };
    let t = trace_objective(&model, opts, &start)?;
    let mut report = mlp_trace_report(&model, &spec.data.to_string(), opts.lambda_max, t.branch);
    report.solver = opts.solver.resolve(model.dim());
    report.rejected_events = t.rejected_events;
    report.resume = t.resume;
    Ok(report)
}

/// Output of `actbif check-derivatives --model mlp`.
#[derive(Clone, Debug, Serialize)]
pub struct MlpCheck {
    /// Model setting.
    pub setting: MlpSetting,
    /// λ.
    pub lambda: f64,
    /// Relative difference to the generic num-dual path, per quantity (empty if n is large).
    pub ad_rel_err: BTreeMap<String, f64>,
    /// Relative difference to finite differences, per quantity.
    pub fd_rel_err: BTreeMap<String, f64>,
    /// Why a comparison was skipped.
    pub skipped: Vec<String>,
}

fn rel(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let d = a - b;
    d.dot(&d).sqrt() / b.dot(b).sqrt().max(f64::MIN_POSITIVE)
}

fn rel_s(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// Every derivative of `model` against a reference objective at (θ, λ) along u.
fn compare<O: Objective>(
    model: &Mlp,
    reference: &O,
    theta: &Array1<f64>,
    lambda: f64,
    u: &Array1<f64>,
) -> BTreeMap<String, f64> {
    let (t, uv) = (theta.view(), u.view());
    let mut out = BTreeMap::new();
    out.insert(
        "hessian_vec".into(),
        rel(
            &model.hessian_vec(t, lambda, uv),
            &reference.hessian_vec(t, lambda, uv),
        ),
    );
    out.insert(
        "grad_lambda".into(),
        rel(
            &model.grad_lambda(t, lambda),
            &reference.grad_lambda(t, lambda),
        ),
    );
    out.insert(
        "d3_vec".into(),
        rel(
            &model.d3_vec(t, lambda, uv),
            &reference.d3_vec(t, lambda, uv),
        ),
    );
    out.insert(
        "d3".into(),
        rel_s(model.d3(t, lambda, uv), reference.d3(t, lambda, uv)),
    );
    out.insert(
        "d4".into(),
        rel_s(model.d4(t, lambda, uv), reference.d4(t, lambda, uv)),
    );
    out
}

/// The random point of `check-derivatives --model mlp --seed`: θ (scaled to the nonlinear
/// range of σ) and the unit direction u, for a model with `n` parameters.
pub fn check_point(n: usize, seed: u64) -> (Array1<f64>, Array1<f64>) {
    let (theta, u) = random_point(n, seed);
    (theta * THETA_SCALE, u)
}

/// `actbif check-derivatives --model mlp`: the backprop/dual-GEMM derivatives against the
/// generic num-dual path (n ≤ [`AD_CHECK_MAX_DIM`]) and finite differences.
pub fn run_check(spec: &ModelSpec, lambda: f64, seed: u64) -> Result<MlpCheck> {
    validate_lambda(lambda, 1.0)?;
    let model = build(spec)?;
    let (theta, u) = check_point(model.n_params(), seed);
    check_at(
        &model,
        &spec.data.to_string(),
        lambda,
        theta.view(),
        u.view(),
    )
}

/// [`run_check`] on a built model (its data described by `data`) at a given θ and direction u
/// ([`check_point`] gives the CLI's): what the Python binding calls.
pub fn check_at(
    model: &Mlp,
    data: &str,
    lambda: f64,
    theta: ArrayView1<f64>,
    u: ArrayView1<f64>,
) -> Result<MlpCheck> {
    validate_lambda(lambda, 1.0)?;
    let n = model.n_params();
    for (name, v) in [("θ", theta), ("direction u", u)] {
        if v.len() != n {
            return Err(crate::Error::shape(name, format!("{n} entries"), v.len()));
        }
        if let Some(x) = v.iter().find(|x| !x.is_finite()) {
            return Err(crate::Error::param(
                name,
                format!("must be finite, got {x}"),
            ));
        }
    }
    if u.iter().all(|&x| x == 0.0) {
        return Err(crate::Error::param("direction u", "must be non-zero"));
    }
    let (theta, u) = (theta.to_owned(), u.to_owned());
    let mut skipped = Vec::new();
    let ad_rel_err = if n <= AD_CHECK_MAX_DIM {
        let ad = AdObjective(model);
        let mut m = compare(model, &ad, &theta, lambda, &u);
        m.insert(
            "gradient".into(),
            rel(
                &model.gradient(theta.view(), lambda),
                &ad.gradient(theta.view(), lambda),
            ),
        );
        m
    } else {
        skipped.push(format!(
            "generic AD: n = {n} > {AD_CHECK_MAX_DIM} (its gradient costs n loss evaluations)"
        ));
        BTreeMap::new()
    };
    let fd = FiniteDifference::new(model, FdConfig::default());
    let fd_rel_err = compare(model, &fd, &theta, lambda, &u);
    Ok(MlpCheck {
        setting: MlpSetting::of(model, data),
        lambda,
        ad_rel_err,
        fd_rel_err,
        skipped,
    })
}

/// Output of `actbif bench-derivatives --model mlp --json`.
#[derive(Clone, Debug, Serialize)]
pub struct MlpBench {
    /// Model setting.
    pub setting: MlpSetting,
    /// Threads used (rayon).
    pub threads: usize,
    /// Median seconds of one loss evaluation.
    pub loss_s: f64,
    /// Median seconds of ∇L.
    pub gradient_s: f64,
    /// Median seconds of H·u.
    pub hvp_s: f64,
    /// Median seconds of D³L\[u,u,·\].
    pub d3_vec_s: f64,
    /// Median seconds of D⁴L\[u⁴\].
    pub d4_s: f64,
    /// `gradient_s / loss_s` (target ≤ 4).
    pub gradient_ratio: f64,
    /// `hvp_s / loss_s` (target ≤ 8).
    pub hvp_ratio: f64,
    /// `d3_vec_s / loss_s`.
    pub d3_vec_ratio: f64,
    /// `d4_s / loss_s`.
    pub d4_ratio: f64,
    /// Shape (m, k, n) of the GEMMs timed below: the largest layer product, N × k times k × n.
    pub gemm_shape: [usize; 3],
    /// GFLOP/s achieved by the `Dual64` jet GEMM (3 real GEMMs, 6mkn flops).
    pub gemm_gflops: f64,
    /// GFLOP/s of one plain faer f64 GEMM of the same shape (2mkn flops).
    pub faer_gemm_gflops: f64,
    /// `faer_gemm_gflops / gemm_gflops` (target ≤ 3).
    pub gemm_slowdown: f64,
}

/// Median wall time of `f` over at least [`MIN_REPS`] runs and [`BENCH_MIN_SECONDS`].
fn median_seconds(mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < MIN_REPS || start.elapsed().as_secs_f64() < BENCH_MIN_SECONDS {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Deterministic filler for benchmark matrices.
fn filler(len: usize, phase: f64) -> Vec<f64> {
    (0..len).map(|i| (i as f64 * 0.618 + phase).sin()).collect()
}

/// (Dual64 jet GEMM GFLOP/s, plain faer GFLOP/s) for N × k times (n × k)ᵀ.
fn gemm_rates(m: usize, k: usize, n: usize) -> (f64, f64) {
    let table = product_table::<Dual64>();
    let a = JetMat {
        rows: m,
        cols: k,
        parts: vec![Some(filler(m * k, 0.1)), Some(filler(m * k, 0.7))],
    };
    let b = JetMat {
        rows: n,
        cols: k,
        parts: vec![Some(filler(n * k, 0.3)), Some(filler(n * k, 0.9))],
    };
    let flops = 2.0 * (m * k * n) as f64;
    let dual = median_seconds(|| {
        std::hint::black_box(jet_gemm::<Dual64>(
            &a,
            Op::N,
            &b,
            Op::T,
            &[table[0], table[1], table[2]],
        ));
    });
    let plain_a = JetMat::real(m, k, filler(m * k, 0.1), 1);
    let plain_b = JetMat::real(n, k, filler(n * k, 0.3), 1);
    let one = product_table::<f64>();
    let plain = median_seconds(|| {
        std::hint::black_box(jet_gemm::<f64>(&plain_a, Op::N, &plain_b, Op::T, &one));
    });
    (3.0 * flops / dual / 1e9, flops / plain / 1e9)
}

/// `actbif bench-derivatives --model mlp`: median timings at a random θ, λ = 0.5.
pub fn run_bench(spec: &ModelSpec) -> Result<MlpBench> {
    let model = build(spec)?;
    let (theta, u) = random_point(model.n_params(), 0);
    let theta = theta * THETA_SCALE;
    let (t, uv) = (theta.view(), u.view());
    let l = BENCH_LAMBDA;
    let loss_s = median_seconds(|| {
        std::hint::black_box(model.value(t, l));
    });
    let gradient_s = median_seconds(|| {
        std::hint::black_box(model.gradient(t, l));
    });
    let hvp_s = median_seconds(|| {
        std::hint::black_box(model.hessian_vec(t, l, uv));
    });
    let d3_vec_s = median_seconds(|| {
        std::hint::black_box(model.d3_vec(t, l, uv));
    });
    let d4_s = median_seconds(|| {
        std::hint::black_box(model.d4(t, l, uv));
    });
    let layers = model.layers();
    let widest = (0..model.depth())
        .max_by_key(|&i| layers[i] * layers[i + 1])
        .expect("depth ≥ 1");
    let shape = [model.data().n_samples(), layers[widest], layers[widest + 1]];
    let (gemm_gflops, faer_gemm_gflops) = gemm_rates(shape[0], shape[1], shape[2]);
    Ok(MlpBench {
        setting: MlpSetting::of(&model, &spec.data.to_string()),
        threads: rayon::current_num_threads(),
        loss_s,
        gradient_s,
        hvp_s,
        d3_vec_s,
        d4_s,
        gradient_ratio: gradient_s / loss_s,
        hvp_ratio: hvp_s / loss_s,
        d3_vec_ratio: d3_vec_s / loss_s,
        d4_ratio: d4_s / loss_s,
        gemm_shape: shape,
        gemm_gflops,
        faer_gemm_gflops,
        gemm_slowdown: faer_gemm_gflops / gemm_gflops,
    })
}

/// [`run_check`] as `check-derivatives` prints it: JSON, or a text table.
pub fn check_report(spec: &ModelSpec, lambda: f64, seed: u64, json: bool) -> Result<String> {
    let c = run_check(spec, lambda, seed)?;
    if json {
        return Ok(serde_json::to_string_pretty(&c)?);
    }
    let t = super::check::error_table(&[
        ("generic AD", &c.ad_rel_err),
        ("finite differences", &c.fd_rel_err),
    ])?;
    let mut out = format!(
        "derivative check (mlp): layers {:?}, trained {:?}, n = {}, λ = {}, seed {seed}\n\n{}",
        c.setting.layers,
        c.setting.trained,
        c.setting.n_params,
        c.lambda,
        t.to_text()
    );
    for s in &c.skipped {
        out.push_str(&format!("skipped: {s}\n"));
    }
    Ok(out)
}

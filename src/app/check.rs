//! Cross-checks of the three derivative back-ends (structured fast path, generic AD, finite
//! differences) against each other and the paper's closed forms, and a timing table.

use crate::activation::{Activation, Builtin};
use crate::data::Dataset;
use crate::derivatives::ad::AdObjective;
use crate::derivatives::finite_diff::{
    forward_hessian, FdConfig, FiniteDifference, HigherOrder, PAPER_FD_STEP,
};
use crate::derivatives::Objective;
use crate::error::{ensure_finite, Error, Result};
use crate::models::two_layer::theory::directional::{faa_di_bruno, h0_alpha};
use crate::models::two_layer::TwoLayer;
use ndarray::{Array, Array1, Array2, ArrayView1, Dimension};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

/// Norm-wise relative discrepancy ‖a − b‖ / ‖b‖ (Frobenius / absolute value) of `a` against
/// the reference `b`; the absolute discrepancy when b = 0.
///
/// ```
/// use actbif::app::check::rel_err;
/// let a = ndarray::arr1(&[1.0, 2.0 + 1e-3]);
/// let b = ndarray::arr1(&[1.0, 2.0]);
/// assert!((rel_err(&a, &b) - 1e-3 / 5f64.sqrt()).abs() < 1e-12);
/// ```
pub fn rel_err<D: Dimension>(a: &Array<f64, D>, b: &Array<f64, D>) -> f64 {
    let diff = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt();
    let nb = b.iter().map(|y| y * y).sum::<f64>().sqrt();
    if nb > 0.0 {
        diff / nb
    } else {
        diff
    }
}

/// Scalar version of [`rel_err`].
pub fn rel_err_scalar(a: f64, b: f64) -> f64 {
    if b != 0.0 {
        (a - b).abs() / b.abs()
    } else {
        (a - b).abs()
    }
}

/// Options of [`check_derivatives`].
///
/// ```
/// let o = actbif::app::check::CheckOptions::default();
/// assert!(o.include_ad);
/// assert_eq!(o.ad_dense_max_dim, 100);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CheckOptions {
    /// Compare against generic AD ([`AdObjective`]).
    pub include_ad: bool,
    /// Above this n, AD's dense n × n quantities are skipped (the Hessian is then checked
    /// through one Hessian-vector product).
    pub ad_dense_max_dim: usize,
    /// Finite-difference configuration for the FD errors.
    pub fd: FdConfig,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            include_ad: true,
            ad_dense_max_dim: 100,
            fd: FdConfig::default(),
        }
    }
}

/// Result of [`check_derivatives`]: per-quantity relative discrepancies (see [`rel_err`]).
#[derive(Clone, Debug, Serialize)]
pub struct DerivativeCheck {
    /// Width m.
    pub width: usize,
    /// n = m·d.
    pub dim: usize,
    /// λ of the check.
    pub lambda: f64,
    /// The largest entry of `ad_rel_err` and `closed_form_rel_err` (exact-vs-exact: should be
    /// at round-off level, ~1e-13).
    pub max_rel_err_exact: f64,
    /// Structured vs generic AD, per quantity (empty if AD was not included).
    pub ad_rel_err: BTreeMap<String, f64>,
    /// Structured vs the paper's closed forms: (27)–(30) along u, and (17) when λ = 0.
    pub closed_form_rel_err: BTreeMap<String, f64>,
    /// Finite differences (the configured [`FiniteDifference`], plus the paper's forward
    /// Hessian with ε = 1e-5 and the paper's value stencils) vs the structured values.
    pub fd_rel_err: BTreeMap<String, f64>,
    /// Comparisons that were not made, with the reason.
    pub skipped: Vec<String>,
}

fn validate<A: Activation>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
    lambda: f64,
    u: ArrayView1<f64>,
) -> Result<()> {
    let n = model.n_params();
    if theta.len() != n {
        return Err(Error::shape("θ", format!("{n} entries (m·d)"), theta.len()));
    }
    if u.len() != n {
        return Err(Error::shape(
            "direction u",
            format!("{n} entries (m·d)"),
            u.len(),
        ));
    }
    ensure_finite("θ", theta.iter())?;
    ensure_finite("direction u", u.iter())?;
    if !lambda.is_finite() {
        return Err(Error::param(
            "lambda",
            format!("must be finite, got {lambda}"),
        ));
    }
    if u.iter().all(|&x| x == 0.0) {
        return Err(Error::param("direction u", "must be non-zero"));
    }
    Ok(())
}

/// The structured (fast-path) derivatives at (θ, λ) along u that every check compares with.
struct Structured {
    g: Array1<f64>,
    h: Array2<f64>,
    gl: Array1<f64>,
    hl: Array2<f64>,
    d3v: Array1<f64>,
    d3: f64,
    d4: f64,
    /// H·u.
    hu: Array1<f64>,
}

impl Structured {
    fn at<A: Activation>(
        s: &TwoLayer<A>,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Self {
        let g = s.gradient(theta, lambda);
        let h = s.hessian(theta, lambda);
        let gl = s.grad_lambda(theta, lambda);
        let hl = s.hessian_lambda(theta, lambda);
        let d3v = s.d3_vec(theta, lambda, u);
        let d3 = s.d3(theta, lambda, u);
        let d4 = s.d4(theta, lambda, u);
        let hu = h.dot(&u);
        Structured {
            g,
            h,
            gl,
            hl,
            d3v,
            d3,
            d4,
            hu,
        }
    }
}

/// Compares structured derivatives at (θ, λ) (direction u for the directional quantities)
/// with generic AD, the closed forms and finite differences.
pub fn check_derivatives<A: Activation + Clone>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
    lambda: f64,
    u: ArrayView1<f64>,
    options: &CheckOptions,
) -> Result<DerivativeCheck> {
    validate(model, theta, lambda, u)?;
    let n = model.n_params();
    let st = Structured::at(model, theta, lambda, u);
    let mut skipped = Vec::new();
    let ad_rel_err = if options.include_ad {
        ad_errors(model, (theta, lambda, u), &st, options, &mut skipped)
    } else {
        skipped.push("ad: not requested".to_string());
        BTreeMap::new()
    };
    let closed_form_rel_err = closed_form_errors(model, (theta, lambda, u), &st, &mut skipped)?;
    let fd_rel_err = fd_errors(model, (theta, lambda, u), &st, options);
    let max_rel_err_exact = ad_rel_err
        .values()
        .chain(closed_form_rel_err.values())
        .fold(0.0f64, |a, &b| a.max(b));
    Ok(DerivativeCheck {
        width: model.width(),
        dim: n,
        lambda,
        max_rel_err_exact,
        ad_rel_err,
        closed_form_rel_err,
        fd_rel_err,
        skipped,
    })
}

/// Generic AD (num-dual) vs the structured derivatives; dense Hessians only up to
/// [`CheckOptions::ad_dense_max_dim`] (beyond, H·u).
fn ad_errors<A: Activation + Clone>(
    model: &TwoLayer<A>,
    (theta, lambda, u): (ArrayView1<f64>, f64, ArrayView1<f64>),
    st: &Structured,
    options: &CheckOptions,
    skipped: &mut Vec<String>,
) -> BTreeMap<String, f64> {
    let n = model.n_params();
    let mut ad_rel_err = BTreeMap::new();
    let ad = AdObjective(model.clone());
    let mut put = |k: &str, e: f64| ad_rel_err.insert(k.to_string(), e);
    put("gradient", rel_err(&ad.gradient(theta, lambda), &st.g));
    put(
        "grad_lambda",
        rel_err(&ad.grad_lambda(theta, lambda), &st.gl),
    );
    put("d3_vec", rel_err(&ad.d3_vec(theta, lambda, u), &st.d3v));
    put("d3", rel_err_scalar(ad.d3(theta, lambda, u), st.d3));
    put("d4", rel_err_scalar(ad.d4(theta, lambda, u), st.d4));
    if n <= options.ad_dense_max_dim {
        put("hessian", rel_err(&ad.hessian(theta, lambda), &st.h));
        put(
            "hessian_lambda",
            rel_err(&ad.hessian_lambda(theta, lambda), &st.hl),
        );
    } else {
        put(
            "hessian_vec",
            rel_err(&ad.hessian_vec(theta, lambda, u), &st.hu),
        );
        skipped.push(format!(
            "ad: dense hessian and hessian_lambda (n = {n} > {}); hessian checked via H·u",
            options.ad_dense_max_dim
        ));
    }
    ad_rel_err
}

/// The paper's closed forms (27)–(30) (Faà di Bruno along u) and, at λ = 0, (17) vs the
/// structured derivatives.
fn closed_form_errors<A: Activation>(
    model: &TwoLayer<A>,
    (theta, lambda, u): (ArrayView1<f64>, f64, ArrayView1<f64>),
    st: &Structured,
    skipped: &mut Vec<String>,
) -> Result<BTreeMap<String, f64>> {
    let mut closed_form_rel_err = BTreeMap::new();
    let fdb = faa_di_bruno(model, theta, lambda, u)?;
    let mut put = |k: &str, e: f64| closed_form_rel_err.insert(k.to_string(), e);
    put("DL[u] (27)", rel_err_scalar(st.g.dot(&u), fdb.dl[0]));
    put("D2L[u,u] (28)", rel_err_scalar(u.dot(&st.hu), fdb.dl[1]));
    put("D3L[u,u,u] (29)", rel_err_scalar(st.d3, fdb.dl[2]));
    put("D4L[u,u,u,u] (30)", rel_err_scalar(st.d4, fdb.dl[3]));
    put("d3_vec·u (29)", rel_err_scalar(st.d3v.dot(&u), fdb.dl[2]));
    if lambda == 0.0 {
        put("hessian (17)", rel_err(&st.h, &h0_alpha(model)));
    } else {
        skipped.push("closed form (17): only at λ = 0".to_string());
    }
    Ok(closed_form_rel_err)
}

/// Finite differences (the configured ones, the paper's forward Hessian and value stencils)
/// vs the structured derivatives.
fn fd_errors<A: Activation>(
    model: &TwoLayer<A>,
    (theta, lambda, u): (ArrayView1<f64>, f64, ArrayView1<f64>),
    st: &Structured,
    options: &CheckOptions,
) -> BTreeMap<String, f64> {
    let mut fd_rel_err = BTreeMap::new();
    let fd = FiniteDifference::new(model, options.fd);
    let fd_value = FiniteDifference::new(
        model,
        FdConfig {
            higher: HigherOrder::Value,
            ..options.fd
        },
    );
    let mut put = |k: &str, e: f64| fd_rel_err.insert(k.to_string(), e);
    put("hessian", rel_err(&fd.hessian(theta, lambda), &st.h));
    put(
        "hessian_paper_forward",
        rel_err(&forward_hessian(model, theta, lambda, PAPER_FD_STEP), &st.h),
    );
    put(
        "hessian_vec",
        rel_err(&fd.hessian_vec(theta, lambda, u), &st.hu),
    );
    put(
        "grad_lambda",
        rel_err(&fd.grad_lambda(theta, lambda), &st.gl),
    );
    put(
        "hessian_lambda",
        rel_err(&fd.hessian_lambda(theta, lambda), &st.hl),
    );
    put("d3_vec", rel_err(&fd.d3_vec(theta, lambda, u), &st.d3v));
    put("d3", rel_err_scalar(fd.d3(theta, lambda, u), st.d3));
    put("d4", rel_err_scalar(fd.d4(theta, lambda, u), st.d4));
    put(
        "d3_value_stencil",
        rel_err_scalar(fd_value.d3(theta, lambda, u), st.d3),
    );
    put(
        "d4_value_stencil",
        rel_err_scalar(fd_value.d4(theta, lambda, u), st.d4),
    );
    fd_rel_err
}

/// Options of [`bench_derivatives`].
///
/// ```
/// let o = actbif::app::check::BenchOptions::default();
/// assert_eq!((o.reps, o.lambda, o.seed), (5, 0.5, 1));
/// assert!(o.include_ad);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BenchOptions {
    /// Timed repetitions per entry (the median is reported; one untimed warm-up run).
    pub reps: usize,
    /// λ at which everything is evaluated.
    pub lambda: f64,
    /// Seed of the random θ (entries N(0, 0.3²)) and unit direction u.
    pub seed: u64,
    /// Include generic AD rows.
    pub include_ad: bool,
    /// Above this n the generic dense AD Hessian is not run; its time is estimated as n times
    /// one AD Hessian-vector product.
    pub ad_dense_max_dim: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            reps: 5,
            lambda: 0.5,
            seed: 1,
            include_ad: true,
            ad_dense_max_dim: 100,
        }
    }
}

/// One row of the derivative benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    /// Width m.
    pub width: usize,
    /// n = m·d.
    pub dim: usize,
    /// "gradient", "hessian", "d3" (D³L\[u³\]) or "d4" (D⁴L\[u⁴\]).
    pub quantity: String,
    /// "structured", "ad", "fd-forward (paper)", "fd-central", "fd-value (paper stencil)", ...
    pub method: String,
    /// Median wall time in seconds (an estimate when `note` says so).
    pub seconds: f64,
    /// Relative discrepancy against the structured value (`None` for the reference itself).
    pub rel_err: Option<f64>,
    /// How the entry was obtained when not directly (estimate, skip reason).
    pub note: String,
}

pub(crate) fn median_time<T, F: FnMut() -> T>(reps: usize, mut f: F) -> (f64, T) {
    let mut out = f();
    let mut times = Vec::with_capacity(reps.max(1));
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        out = f();
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], out)
}

/// A reproducible θ ~ N(0, 0.3²) and unit direction u for `n` parameters.
pub fn random_point(n: usize, seed: u64) -> (Array1<f64>, Array1<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let theta = Array1::from_shape_fn(n, |_| 0.3 * normal());
    let u = Array1::from_shape_fn(n, |_| normal());
    let nrm = u.dot(&u).sqrt();
    (theta, u / nrm)
}

/// [`bench_derivatives_on`] with the paper's data (d = 5, N = 500, seed 77) and tanh.
pub fn bench_derivatives(widths: &[usize], options: &BenchOptions) -> Result<Vec<BenchRow>> {
    let data = crate::data::paper_teacher(crate::data::PAPER_SEED, crate::data::PAPER_N);
    bench_derivatives_on(&data, widths, options)
}

/// Times structured, generic AD and finite-difference Hessians and D³L\[u³\], D⁴L\[u⁴\] (and the
/// gradient) at each width (v_j = 0.5 + j/(m − 1), α = 4e-3, tanh) at a random θ.
pub fn bench_derivatives_on(
    data: &Dataset,
    widths: &[usize],
    options: &BenchOptions,
) -> Result<Vec<BenchRow>> {
    if !options.lambda.is_finite() {
        return Err(Error::param("lambda", "must be finite"));
    }
    let mut rows = Vec::new();
    for &m in widths {
        if m == 0 {
            return Err(Error::param("width", "must be at least 1"));
        }
        bench_width(data, m, options, &mut rows)?;
    }
    Ok(rows)
}

/// The benchmark rows of width `m` (see [`bench_derivatives_on`]), appended to `rows`.
fn bench_width(
    data: &Dataset,
    m: usize,
    options: &BenchOptions,
    rows: &mut Vec<BenchRow>,
) -> Result<()> {
    let model = TwoLayer::new(
        data.clone(),
        crate::data::paper_output_weights(m),
        crate::models::two_layer::PAPER_ALPHA,
        Builtin::Tanh,
    )?;
    let n = model.n_params();
    let (theta, u) = random_point(n, options.seed);
    let (th, uv, lam, reps) = (theta.view(), u.view(), options.lambda, options.reps);
    let mut row = |quantity: &str, method: &str, seconds: f64, rel: Option<f64>, note: &str| {
        rows.push(BenchRow {
            width: m,
            dim: n,
            quantity: quantity.into(),
            method: method.into(),
            seconds,
            rel_err: rel,
            note: note.into(),
        })
    };
    let ad = AdObjective(model.clone());
    let fd = FiniteDifference::new(&model, FdConfig::default());
    let fd_value = FiniteDifference::new(
        &model,
        FdConfig {
            higher: HigherOrder::Value,
            ..FdConfig::default()
        },
    );

    // Gradient.
    let (t, g) = median_time(reps, || model.gradient(th, lam));
    row("gradient", "structured", t, None, "");
    if options.include_ad {
        let (t, ga) = median_time(reps, || ad.gradient(th, lam));
        row("gradient", "ad", t, Some(rel_err(&ga, &g)), "");
    }

    bench_hessian((&model, &ad, &fd), (th, lam, &u), options, &mut row);

    // D³L[u³] and D⁴L[u⁴].
    for (q, k) in [("d3", 3), ("d4", 4)] {
        let timed = |o: &dyn Objective| {
            median_time(reps, || match k {
                3 => o.d3(th, lam, uv),
                _ => o.d4(th, lam, uv),
            })
        };
        let (t, exact) = timed(&model);
        row(q, "structured", t, None, "");
        let mut others: Vec<(&str, &dyn Objective)> = vec![
            ("fd-gradient (central)", &fd),
            ("fd-value (paper stencil)", &fd_value),
        ];
        if options.include_ad {
            others.insert(0, ("ad", &ad));
        }
        for (method, o) in others {
            let (t, a) = timed(o);
            row(q, method, t, Some(rel_err_scalar(a, exact)), "");
        }
    }
    Ok(())
}

/// The Hessian rows of [`bench_width`]: structured, generic AD (dense up to
/// [`BenchOptions::ad_dense_max_dim`], beyond estimated from one H·u), the paper's forward
/// differences and central differences of the gradient.
fn bench_hessian(
    (model, ad, fd): (
        &TwoLayer<Builtin>,
        &AdObjective<TwoLayer<Builtin>>,
        &FiniteDifference<&TwoLayer<Builtin>>,
    ),
    (th, lam, u): (ArrayView1<f64>, f64, &Array1<f64>),
    options: &BenchOptions,
    row: &mut impl FnMut(&str, &str, f64, Option<f64>, &str),
) {
    let (n, uv, reps) = (model.n_params(), u.view(), options.reps);
    let (t, h) = median_time(reps, || model.hessian(th, lam));
    row("hessian", "structured", t, None, "");
    if options.include_ad {
        if n <= options.ad_dense_max_dim {
            let (t, ha) = median_time(reps, || ad.hessian(th, lam));
            row("hessian", "ad", t, Some(rel_err(&ha, &h)), "");
        } else {
            let (t, hu) = median_time(reps, || ad.hessian_vec(th, lam, uv));
            let note = format!(
                "estimate: n × one AD H·u (n = {n} > {}); error of H·u",
                options.ad_dense_max_dim
            );
            row(
                "hessian",
                "ad",
                t * n as f64,
                Some(rel_err(&hu, &h.dot(u))),
                &note,
            );
        }
    }
    let (t, hf) = median_time(reps.min(3), || {
        forward_hessian(model, th, lam, PAPER_FD_STEP)
    });
    row(
        "hessian",
        "fd-forward (paper, ε=1e-5)",
        t,
        Some(rel_err(&hf, &h)),
        "",
    );
    let (t, hc) = median_time(reps.min(3), || fd.hessian(th, lam));
    row(
        "hessian",
        "fd-central (h=1e-5)",
        t,
        Some(rel_err(&hc, &h)),
        "",
    );
}

/// Renders benchmark rows as a fixed-width text table.
pub fn render(rows: &[BenchRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>5} {:>5}  {:<9} {:<28} {:>12} {:>10}  note",
        "m", "n", "quantity", "method", "time", "rel.err"
    );
    for r in rows {
        let s = r.seconds;
        let time = if s >= 1.0 {
            format!("{s:.2} s")
        } else if s >= 1e-3 {
            format!("{:.3} ms", s * 1e3)
        } else {
            format!("{:.2} µs", s * 1e6)
        };
        let err = r.rel_err.map_or("—".to_string(), |e| format!("{e:.1e}"));
        let _ = writeln!(
            out,
            "{:>5} {:>5}  {:<9} {:<28} {:>12} {:>10}  {}",
            r.width, r.dim, r.quantity, r.method, time, err, r.note
        );
    }
    out
}

/// The text table of a derivative check: one row per (quantity, what it was compared with),
/// shared by the two-layer and the MLP `check-derivatives`.
pub fn error_table(comparisons: &[(&str, &BTreeMap<String, f64>)]) -> Result<crate::report::Table> {
    let mut t = crate::report::Table::new(["quantity", "compared with", "relative error"]);
    for (what, map) in comparisons {
        for (q, e) in *map {
            t.push_row([q.clone(), what.to_string(), crate::report::fmt_sci(*e, 3)])?;
        }
    }
    Ok(t)
}

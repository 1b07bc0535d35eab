//! `actbif check-derivatives` and `actbif bench-derivatives`: the derivative cross-checks and
//! timings as text (or JSON).

use super::spec::{validate_lambda, ModelKind, ModelSpec};
use crate::app::memory;
use crate::data;
use crate::error::{Error, Result};

/// `actbif check-derivatives`: structured derivatives vs generic AD, the paper's closed forms
/// and finite differences at a random point θ ~ N(0, 0.3²) with a random unit direction
/// (`app::check`); a text table, or JSON with `json`.
pub fn run_check_derivatives(
    spec: &ModelSpec,
    lambda: f64,
    seed: u64,
    json: bool,
) -> Result<String> {
    use crate::app::check::{check_derivatives, random_point, CheckOptions};
    if spec.model == ModelKind::Mlp {
        return crate::app::mlp::check_report(spec, lambda, seed, json);
    }
    spec.validate()?;
    validate_lambda(lambda, 1.0)?;
    let model = spec.build()?;
    let (theta, u) = random_point(model.n_params(), seed);
    let c = check_derivatives(
        &model,
        theta.view(),
        lambda,
        u.view(),
        &CheckOptions::default(),
    )?;
    if json {
        return Ok(serde_json::to_string_pretty(&c)?);
    }
    let t = crate::app::check::error_table(&[
        ("generic AD", &c.ad_rel_err),
        ("closed form", &c.closed_form_rel_err),
        ("finite differences", &c.fd_rel_err),
    ])?;
    let mut out = format!(
        "derivative check: m = {}, n = {}, λ = {}, seed {seed}\nmax exact-vs-exact relative error: {}\n\n{}",
        c.width,
        c.dim,
        c.lambda,
        crate::report::fmt_sci(c.max_rel_err_exact, 3),
        t.to_text()
    );
    for s in &c.skipped {
        out.push_str(&format!("skipped: {s}\n"));
    }
    Ok(out)
}

/// Widths timed by `actbif bench-derivatives` without `--width`.
pub const BENCH_WIDTHS: [usize; 4] = [3, 10, 30, 100];

/// `actbif bench-derivatives`: median timings of structured, AD and FD derivatives
/// (`app::check::bench_derivatives`) as a text table.
pub fn run_bench_derivatives(width: Option<usize>) -> Result<String> {
    use crate::app::check::{bench_derivatives, BenchOptions};
    let widths: Vec<usize> = match width {
        Some(0) => return Err(Error::param("width", "must be at least 1")),
        Some(m) => vec![m],
        None => BENCH_WIDTHS.to_vec(),
    };
    crate::linalg::fix_parallelism();
    for &m in &widths {
        memory::ensure_fits(m, data::PAPER_D, data::PAPER_N)?;
    }
    let rows = bench_derivatives(&widths, &BenchOptions::default())?;
    let mut t = crate::report::Table::new([
        "m",
        "n",
        "quantity",
        "method",
        "seconds",
        "rel. error",
        "note",
    ]);
    for r in rows {
        t.push_row([
            r.width.to_string(),
            r.dim.to_string(),
            r.quantity,
            r.method,
            crate::report::fmt_sci(r.seconds, 3),
            r.rel_err
                .map(|e| crate::report::fmt_sci(e, 2))
                .unwrap_or_else(|| "—".into()),
            r.note,
        ])?;
    }
    Ok(t.to_text())
}

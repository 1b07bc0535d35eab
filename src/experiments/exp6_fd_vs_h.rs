//! AD against finite differences at the m = 10 fold (issue 11 §4): the relative error of each
//! difference scheme against its step h on log–log axes — truncation falling with h, round-off
//! rising as h shrinks, the V with its optimum — and AD as a line at its round-off level; the
//! time of each method beside it.
//!
//! Reference: the generic num-dual AD path ([`AdObjective`] over the model's `GenericLoss`),
//! a code path independent of the structured closed forms the engine uses; the "AD" lines are
//! the structured path measured against it (both exact up to rounding).

use super::Figure;
use crate::activation::Activation;
use crate::app::check::{median_time, rel_err, rel_err_scalar};
use crate::derivatives::ad::AdObjective;
use crate::derivatives::finite_diff::{
    forward_hessian, FdConfig, FdSteps, FiniteDifference, HigherOrder, StepScheme,
};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::models::two_layer::TwoLayer;
use crate::report::{BarChart, LinePlot, LineStyle, Panel, Rgb, Scale, Series};
use ndarray::ArrayView1;
use serde::Serialize;

/// Steps from 1e-1 down to 1e-10, this many per decade.
const PER_DECADE: usize = 4;
const H_MAX_EXP: i32 = -1;
const H_MIN_EXP: i32 = -10;
/// Timing repetitions (median).
const TIMING_REPS: usize = 5;
/// Errors below this are drawn at it (a log axis cannot show an exact 0).
const PLOT_FLOOR: f64 = 1e-17;

/// One finite-difference scheme's error against the step.
#[derive(Clone, Debug, Serialize)]
pub struct FdCurve {
    /// Scheme label.
    pub name: String,
    /// "hessian", "d3" (D³L\[φ³\] = g_aa) or "d4" (D⁴L\[φ⁴\] = raw g_aaa).
    pub quantity: String,
    /// Relative error at each step of [`FdVsH::h`] (Frobenius for the Hessian).
    pub rel_err: Vec<f64>,
    /// The step with the smallest error, and that error.
    pub best_h: f64,
    /// The smallest error.
    pub best_rel_err: f64,
}

/// The AD (structured) error and the time of one evaluation of each method.
#[derive(Clone, Debug, Serialize)]
pub struct MethodTime {
    /// Method label.
    pub method: String,
    /// Quantity.
    pub quantity: String,
    /// Median wall time of one evaluation (s).
    pub seconds: f64,
    /// Relative error against the reference (FD: at the default step of its scheme).
    pub rel_err: f64,
}

/// The curves (written to exp6_constants.json as `fd_vs_h`).
#[derive(Clone, Debug, Serialize)]
pub struct FdVsH {
    /// λ of the point.
    pub lambda: f64,
    /// Where the reference comes from.
    pub reference: String,
    /// Steps.
    pub h: Vec<f64>,
    /// One curve per scheme.
    pub curves: Vec<FdCurve>,
    /// Structured (AD) error per quantity and every method's time.
    pub methods: Vec<MethodTime>,
}

/// Steps 1e-1 … 1e-10, four per decade.
pub fn steps() -> Vec<f64> {
    let n = (H_MAX_EXP - H_MIN_EXP) as usize * PER_DECADE;
    (0..=n)
        .map(|k| 10f64.powf(f64::from(H_MAX_EXP) - k as f64 / PER_DECADE as f64))
        .collect()
}

fn curve(name: &str, quantity: &str, h: &[f64], err: impl Fn(f64) -> f64) -> FdCurve {
    let rel_err: Vec<f64> = h.iter().map(|&s| err(s)).collect();
    let (k, best) = rel_err
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, e)| e.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, f64::NAN));
    FdCurve {
        name: name.into(),
        quantity: quantity.into(),
        rel_err,
        best_h: h[k],
        best_rel_err: best,
    }
}

fn fd<A: Activation>(
    model: &TwoLayer<A>,
    scheme: StepScheme,
    higher: HigherOrder,
    h: f64,
) -> FiniteDifference<&TwoLayer<A>> {
    FiniteDifference::new(
        model,
        FdConfig {
            scheme,
            steps: FdSteps::uniform(h),
            higher,
        },
    )
}

/// The error-vs-step curves and timings at (θ, λ) along the unit direction of `phi`.
pub fn fd_vs_h<A: Activation>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
    lambda: f64,
    phi: ArrayView1<f64>,
) -> Result<FdVsH> {
    let nrm = phi.dot(&phi).sqrt();
    if !(nrm > 0.0 && nrm.is_finite()) || phi.len() != model.dim() || theta.len() != model.dim() {
        return Err(Error::param(
            "fd_vs_h",
            "needs θ and a non-zero φ of the model's dimension",
        ));
    }
    let u = &phi / nrm;
    let uv = u.view();
    let ad = AdObjective(model);
    let (h_ref, d3_ref, d4_ref) = (
        ad.hessian(theta, lambda),
        ad.d3(theta, lambda, uv),
        ad.d4(theta, lambda, uv),
    );
    let h = steps();
    use HigherOrder::{Gradient, Value};
    use StepScheme::Central;
    let curves = vec![
        curve("Hessian, forward (paper)", "hessian", &h, |s| {
            rel_err(&forward_hessian(model, theta, lambda, s), &h_ref)
        }),
        curve("Hessian, central", "hessian", &h, |s| {
            rel_err(
                &fd(model, Central, Gradient, s).hessian(theta, lambda),
                &h_ref,
            )
        }),
        curve("D³L[φ³], values (paper)", "d3", &h, |s| {
            rel_err_scalar(fd(model, Central, Value, s).d3(theta, lambda, uv), d3_ref)
        }),
        curve("D³L[φ³], gradients", "d3", &h, |s| {
            rel_err_scalar(
                fd(model, Central, Gradient, s).d3(theta, lambda, uv),
                d3_ref,
            )
        }),
        curve("D⁴L[φ⁴], values (paper)", "d4", &h, |s| {
            rel_err_scalar(fd(model, Central, Value, s).d4(theta, lambda, uv), d4_ref)
        }),
        curve("D⁴L[φ⁴], gradients", "d4", &h, |s| {
            rel_err_scalar(
                fd(model, Central, Gradient, s).d4(theta, lambda, uv),
                d4_ref,
            )
        }),
    ];
    Ok(FdVsH {
        lambda,
        reference: "generic num-dual AD (AdObjective over GenericLoss), independent of the \
                    structured closed forms"
            .into(),
        h,
        curves,
        methods: timings(model, &ad, (theta, lambda, uv), (&h_ref, d3_ref, d4_ref)),
    })
}

type Point<'a> = (ArrayView1<'a, f64>, f64, ArrayView1<'a, f64>);

/// Times one evaluation of each method at its default step; errors against the references.
fn timings<A: Activation>(
    model: &TwoLayer<A>,
    ad: &AdObjective<&TwoLayer<A>>,
    (th, l, u): Point,
    (h_ref, d3_ref, d4_ref): (&ndarray::Array2<f64>, f64, f64),
) -> Vec<MethodTime> {
    let steps = FdSteps::default();
    let fd_val = FiniteDifference::new(
        model,
        FdConfig {
            higher: HigherOrder::Value,
            ..FdConfig::default()
        },
    );
    let fd_grad = FiniteDifference::new(model, FdConfig::default());
    let mut out = Vec::new();
    let mut push = |method: &str, quantity: &str, (seconds, rel): (f64, f64)| {
        out.push(MethodTime {
            method: method.into(),
            quantity: quantity.into(),
            seconds,
            rel_err: rel,
        })
    };
    let mat = |f: &dyn Fn() -> ndarray::Array2<f64>| {
        let (t, v) = median_time(TIMING_REPS, f);
        (t, rel_err(&v, h_ref))
    };
    push("AD (structured)", "hessian", mat(&|| model.hessian(th, l)));
    push(
        "AD (generic num-dual)",
        "hessian",
        mat(&|| ad.hessian(th, l)),
    );
    push(
        "FD forward (paper)",
        "hessian",
        mat(&|| forward_hessian(model, th, l, steps.first)),
    );
    push("FD central", "hessian", mat(&|| fd_grad.hessian(th, l)));
    let sc = |f: &dyn Fn() -> f64, r: f64| {
        let (t, v) = median_time(TIMING_REPS, f);
        (t, rel_err_scalar(v, r))
    };
    push("AD (structured)", "d3", sc(&|| model.d3(th, l, u), d3_ref));
    push(
        "AD (generic num-dual)",
        "d3",
        sc(&|| ad.d3(th, l, u), d3_ref),
    );
    push(
        "FD values (paper)",
        "d3",
        sc(&|| fd_val.d3(th, l, u), d3_ref),
    );
    push("FD gradients", "d3", sc(&|| fd_grad.d3(th, l, u), d3_ref));
    push("AD (structured)", "d4", sc(&|| model.d4(th, l, u), d4_ref));
    push(
        "AD (generic num-dual)",
        "d4",
        sc(&|| ad.d4(th, l, u), d4_ref),
    );
    push(
        "FD values (paper)",
        "d4",
        sc(&|| fd_val.d4(th, l, u), d4_ref),
    );
    push("FD gradients", "d4", sc(&|| fd_grad.d4(th, l, u), d4_ref));
    out
}

/// Colour of a quantity's curves (scheme variants share it, paper stencils dashed).
fn quantity_color(q: &str) -> Rgb {
    match q {
        "hessian" => Rgb::palette(0),
        "d3" => Rgb::palette(1),
        _ => Rgb::palette(2),
    }
}

/// Errors are drawn inside \[PLOT_FLOOR, PLOT_CEIL\]: above 10 a relative error says only
/// "useless" (the curves reach 1e22 at h = 1e-10).
const PLOT_CEIL: f64 = 10.0;
/// The y axis runs to this, leaving the top free for the legend.
const Y_TOP: f64 = 1e15;

fn clamp(e: f64) -> f64 {
    e.clamp(PLOT_FLOOR, PLOT_CEIL)
}

/// Methods of the timing panel, and the labels of the quantities.
const TIMED: [&str; 4] = [
    "AD (structured)",
    "AD (generic num-dual)",
    "paper FD",
    "other FD",
];
const QUANTITIES: [(&str, &str); 3] =
    [("hessian", "Hessian"), ("d3", "D³L[φ³]"), ("d4", "D⁴L[φ⁴]")];

/// log10 of the time in µs of `method` (a [`TIMED`] entry) for quantity `q`.
fn log_micros(r: &FdVsH, method: &str, q: &str) -> f64 {
    r.methods
        .iter()
        .find(|m| {
            m.quantity == q
                && match method {
                    "paper FD" => m.method.contains("paper"),
                    "other FD" => m.method.starts_with("FD") && !m.method.contains("paper"),
                    _ => m.method == method,
                }
        })
        .map_or(f64::NAN, |m| (m.seconds * 1e6).log10())
}

/// The figure: error vs h (left), time per method (right).
pub fn fd_vs_h_figure(r: &FdVsH) -> Result<Figure> {
    let mut left = LinePlot::new(format!(
        "relative error vs step h at the fold (λ = {:.4})",
        r.lambda
    ))
    .x_label("h")
    .y_label("relative error vs generic AD (dotted: structured AD)")
    .x_scale(Scale::Log)
    .y_scale(Scale::Log)
    .y_range(PLOT_FLOOR / 10.0, Y_TOP);
    for c in &r.curves {
        let style = if c.name.contains("paper") {
            LineStyle::Dashed
        } else {
            LineStyle::Solid
        };
        let color = quantity_color(&c.quantity);
        let pts = r.h.iter().zip(&c.rel_err).map(|(&h, &e)| (h, clamp(e)));
        left.push_series(Series::new(c.name.clone(), pts).style(style).color(color));
        // The optimum of each V.
        left.push_series(
            Series::new("", [(c.best_h, clamp(c.best_rel_err))])
                .style(LineStyle::Points)
                .color(color)
                .width(3),
        );
    }
    let (h0, h1) = (r.h[r.h.len() - 1], r.h[0]);
    for m in r.methods.iter().filter(|m| m.method == "AD (structured)") {
        // An exact 0 is drawn at the floor.
        let e = clamp(m.rel_err);
        left.push_series(
            Series::new("", [(h0, e), (h1, e)])
                .style(LineStyle::Dotted)
                .color(quantity_color(&m.quantity)),
        );
    }
    let mut right =
        BarChart::new("time of one evaluation (default steps)", TIMED).y_label("log10(time / µs)");
    for (q, label) in QUANTITIES {
        right = right.group(label, TIMED.iter().map(|m| log_micros(r, m, q)))?;
    }
    let svg = Panel::new(2)
        .cell_size(760, 560)
        .push(left)
        .push(right)
        .render_svg()?;
    Ok(("figures/fd_error_vs_step.svg".into(), svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::start_point;

    #[test]
    fn fd_errors_form_a_v_and_ad_sits_at_round_off() {
        let model = TwoLayer::paper(3).unwrap();
        let theta = start_point(&model).unwrap();
        let phi = ndarray::Array1::from_iter((0..model.dim()).map(|i| 1.0 + i as f64));
        let r = fd_vs_h(&model, theta.view(), 0.5, phi.view()).unwrap();
        assert_eq!(r.h.len(), 37);
        assert_eq!(r.curves.len(), 6);
        for c in &r.curves {
            assert_eq!(c.rel_err.len(), r.h.len());
            // The V: at the optimum the error is at least 10× below both ends (truncation at
            // h = 0.1 is O(h) ≈ 1e-1 relative; round-off at h = 1e-10 is ≈ ε·|F|/h^k ≥ 1e-6,
            // while the optimum of a first difference is ≈ √ε ≈ 1e-8).
            let (first, last) = (c.rel_err[0], c.rel_err[r.h.len() - 1]);
            eprintln!(
                "{}: {first:e} … {:e} @ {:e} … {last:e}",
                c.name, c.best_rel_err, c.best_h
            );
            assert!(
                c.best_rel_err * 10.0 < first && c.best_rel_err * 10.0 < last,
                "{}: {first:e} … {:e} … {last:e}",
                c.name,
                c.best_rel_err
            );
            assert!(c.best_h < r.h[0] && c.best_h > r.h[r.h.len() - 1]);
        }
        // AD (structured) against generic AD: rounding only.
        for m in r.methods.iter().filter(|m| m.method.starts_with("AD")) {
            assert!(m.rel_err < 1e-12, "{}: {}", m.method, m.rel_err);
        }
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["h"].as_array().unwrap().len(), 37);
        assert_eq!(j["curves"][0]["name"], "Hessian, forward (paper)");
        assert!(j["curves"][5]["best_h"].is_f64() && j["methods"][0]["seconds"].is_f64());
        let (path, svg) = fd_vs_h_figure(&r).unwrap();
        assert!(path.ends_with(".svg") && svg.contains("Hessian, forward (paper)"));
    }
}

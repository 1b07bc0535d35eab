//! The figures of B.5: λ1 along the branch per width, and λ*, the slope and the theory
//! comparison against the width.

use super::{Exp5Result, WidthRow};
use crate::error::Result;
use crate::experiments::common::series;
use crate::experiments::Figure;
use crate::report::{LegendPosition, LinePlot, LineStyle, Scale};

/// λ1 along the branch per width.
pub(super) fn curves_figure(result: &Exp5Result) -> Result<String> {
    let mut curves = LinePlot::new("λ1 along the branch per width (exact solid, paper dashed)")
        .x_label("λ")
        .y_label("λ1")
        .hline(0.0, "");
    for (k, r) in result.rows.iter().enumerate() {
        if let Ok(e) = &r.exact {
            curves.push_series(series(
                format!("m = {}", r.m),
                e.curve.clone(),
                LineStyle::Solid,
                k,
            ));
        }
        if let Ok(p) = &r.paper {
            curves.push_series(series("", p.curve.clone(), LineStyle::Dashed, k));
        }
    }
    curves.render_svg()
}

/// (m, f(row)) over the rows where f is defined.
fn per_width(rows: &[WidthRow], f: &dyn Fn(&WidthRow) -> Option<f64>) -> Vec<(f64, f64)> {
    rows.iter()
        .filter_map(|r| f(r).map(|y| (r.m as f64, y)))
        .collect()
}

/// λ* vs m, the slopes on log-log axes, theory vs numerical λ*.
pub(super) fn width_figures(result: &Exp5Result) -> Result<Vec<Figure>> {
    Ok(vec![
        (
            "figures/width_lambda_star.svg".into(),
            lambda_star_figure(result)?,
        ),
        (
            "figures/width_slope_loglog.svg".into(),
            slope_figure(result)?,
        ),
        (
            "figures/width_theory_vs_numerical.svg".into(),
            theory_figure(result)?,
        ),
    ])
}

/// λ* vs width m: exact events, paper crossings, first-order theory.
fn lambda_star_figure(result: &Exp5Result) -> Result<String> {
    let pts = |f: &dyn Fn(&WidthRow) -> Option<f64>| per_width(&result.rows, f);

    let mut ls = LinePlot::new("λ* vs width m")
        .x_label("m")
        .y_label("λ*")
        .hline(1.0, "")
        .y_range(0.0, 2.0)
        .legend(LegendPosition::UpperLeft);
    ls.push_series(series(
        "exact (first event)",
        pts(&|r| r.exact.as_ref().ok().and_then(|e| e.lambda_star)),
        LineStyle::LinePoints,
        0,
    ));
    ls.push_series(series(
        "paper method (crossing)",
        pts(&|r| r.paper.as_ref().ok().and_then(|p| p.lambda_star)),
        LineStyle::Points,
        1,
    ));
    ls.push_series(series(
        "paper method: closest approach before its branch jump",
        pts(&|r| {
            r.paper
                .as_ref()
                .ok()
                .filter(|p| p.lambda_star.is_none() && p.jump_after.is_some())
                .and_then(|p| p.closest_approach.map(|c| c.0))
        }),
        LineStyle::Points,
        4,
    ));
    ls.push_series(series(
        "α/|λ1′(0)| (exact slope)",
        pts(&|r| Some(r.endpoint.lambda_star_first_order).filter(|x| x.is_finite() && *x < 3.0)),
        LineStyle::Dashed,
        2,
    ));
    ls.push_series(series(
        "α/|λ1′(0)| (paper (22))",
        pts(&|r| {
            Some(r.endpoint.lambda_star_first_order_paper).filter(|x| x.is_finite() && *x < 3.0)
        }),
        LineStyle::Dashed,
        3,
    ));
    ls.render_svg()
}

/// |λ1′(0)| vs m on log-log axes with the K fit.
fn slope_figure(result: &Exp5Result) -> Result<String> {
    let pts = |f: &dyn Fn(&WidthRow) -> Option<f64>| per_width(&result.rows, f);
    let mut sl = LinePlot::new("|λ1′(0)| vs m (log-log)")
        .x_label("m")
        .y_label("|λ1′(0)|")
        .x_scale(Scale::Log)
        .y_scale(Scale::Log);
    sl.push_series(series(
        "exact (degenerate PT)",
        pts(&|r| Some(r.endpoint.exact.abs())),
        LineStyle::LinePoints,
        0,
    ));
    sl.push_series(series(
        "paper (22)",
        pts(&|r| Some(r.endpoint.paper_22.abs())),
        LineStyle::LinePoints,
        1,
    ));
    sl.push_series(series(
        "paper method FD",
        pts(&|r| r.paper.as_ref().ok().map(|p| p.slope_fd.abs())),
        LineStyle::Points,
        2,
    ));
    sl.push_series(series(
        "|K|/m + K2/m² fit (exact)",
        pts(&|r| {
            Some(
                (result.k_fit_exact.k / r.m as f64 + result.k_fit_exact.k2 / (r.m * r.m) as f64)
                    .abs(),
            )
        }),
        LineStyle::Dashed,
        3,
    ));
    sl.render_svg()
}

/// First-order theory α/|λ1′(0)| against the numerical λ*.
fn theory_figure(result: &Exp5Result) -> Result<String> {
    let mut tv = LinePlot::new("theory α/|λ1′(0)| vs numerical λ*")
        .x_label("numerical λ*")
        .y_label("first-order theory");
    tv.push_series(series(
        "exact event vs exact slope",
        result
            .rows
            .iter()
            .filter_map(|r| {
                r.exact
                    .as_ref()
                    .ok()
                    .and_then(|e| e.lambda_star)
                    .map(|l| (l, r.endpoint.lambda_star_first_order))
            })
            .collect(),
        LineStyle::Points,
        0,
    ));
    tv.push_series(series(
        "paper crossing vs paper (22)",
        result
            .rows
            .iter()
            .filter_map(|r| {
                r.paper
                    .as_ref()
                    .ok()
                    .and_then(|p| p.lambda_star)
                    .map(|l| (l, r.endpoint.lambda_star_first_order_paper))
            })
            .collect(),
        LineStyle::Points,
        1,
    ));
    tv.push_series(series(
        "y = x",
        vec![(0.0, 0.0), (1.0, 1.0)],
        LineStyle::Dashed,
        7,
    ));
    tv.render_svg()
}

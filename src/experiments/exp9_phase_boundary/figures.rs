//! Figures of exp9: α_c(m)·m against m (log axes) with the paper's law and the first-order
//! prediction, and the fold curves in (λ, α) with the S-curve region shaded.

use super::{PhaseBoundaryReport, PAPER_K};
use crate::error::Result;
use crate::experiments::Figure;
use crate::report::{LegendPosition, LinePlot, LineStyle, Rgb, Scale, Series};

/// Horizontal hatch lines per fold curve that shade its S-curve region.
const HATCH_LINES: usize = 120;

/// α_c(m)·m against m on log axes.
pub fn alpha_c_figure(pb: &PhaseBoundaryReport, path: &str) -> Result<Figure> {
    let exact: Vec<(f64, f64)> = pb
        .rows
        .iter()
        .filter_map(|r| r.alpha_c.map(|a| (r.m as f64, a * r.m as f64)))
        .collect();
    let first: Vec<(f64, f64)> = pb
        .rows
        .iter()
        .filter_map(|r| r.alpha_c_first_order.map(|a| (r.m as f64, a * r.m as f64)))
        .collect();
    let svg = LinePlot::new("Phase boundary: α_c(m)·m")
        .x_label("width m")
        .y_label("α_c · m")
        .x_scale(Scale::Log)
        .y_scale(Scale::Log)
        .series(Series::new("exact α_c (fold curve)", exact).style(LineStyle::LinePoints))
        .series(Series::new("first order: α/|λ1′(0)| = 1", first).style(LineStyle::Dashed))
        .hline(PAPER_K.abs(), "paper: α·m* = |K| = 0.0705")
        .legend(LegendPosition::LowerRight)
        .render_svg()?;
    Ok((path.into(), svg))
}

/// The fold curves (λ, α), with each curve's S-curve region (α with two or more folds on the
/// curve) shaded by horizontal hatching between its outermost folds.
pub fn fold_curves_figure(curves: &[(usize, Vec<(f64, f64)>)], path: &str) -> Result<Figure> {
    let mut plot = LinePlot::new("Fold curves in (λ, α); shaded: α with ≥ 2 folds (S-curve)")
        .x_label("λ")
        .y_label("α")
        .y_scale(Scale::Log)
        .x_range(0.0, 1.0)
        .legend(LegendPosition::UpperLeft);
    for (i, (m, pts)) in curves.iter().enumerate() {
        let color = Rgb::palette(i);
        let shade = Rgb(lighten(color.0), lighten(color.1), lighten(color.2));
        plot.push_series(Series::new(format!("S-curve region, m = {m}"), hatch(pts)).color(shade));
        plot.push_series(
            Series::new(format!("fold curve, m = {m}"), pts.clone())
                .color(color)
                .width(2),
        );
    }
    Ok((path.into(), plot.render_svg()?))
}

fn lighten(c: u8) -> u8 {
    (c as u16 + 2 * 255).div_ceil(3) as u8
}

/// Horizontal segments between the smallest and largest λ at which the curve crosses each of
/// [`HATCH_LINES`] log-spaced α levels, where it crosses at least twice (NaN separates them).
fn hatch(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (lo, hi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(l, h), p| {
        (l.min(p.1), h.max(p.1))
    });
    if pts.len() < 2 || lo <= 0.0 || hi <= lo {
        return vec![];
    }
    let mut out = Vec::new();
    for k in 1..HATCH_LINES {
        let a = lo * (hi / lo).powf(k as f64 / HATCH_LINES as f64);
        let xs: Vec<f64> = pts
            .windows(2)
            .filter(|w| (w[0].1 - a) * (w[1].1 - a) < 0.0)
            .map(|w| w[0].0 + (a - w[0].1) / (w[1].1 - w[0].1) * (w[1].0 - w[0].0))
            .collect();
        if xs.len() >= 2 {
            let (x0, x1) = xs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                    (l.min(x), h.max(x))
                });
            out.extend([(x0, a), (x1, a), (f64::NAN, f64::NAN)]);
        }
    }
    out
}

//! Figures of exp9: α_c(m)·m against m (log axes) with the paper's law and the first-order
//! prediction, and the fold curves in (λ, α) with the S-curve region shaded.

use super::{PhaseBoundaryReport, PAPER_K};
use crate::error::Result;
use crate::experiments::Figure;
use crate::report::{LegendPosition, LinePlot, LineStyle, Rgb, Scale, Series};

/// Line width of the hatching that shades the S-curve region.
const HATCH_WIDTH: u32 = 4;
/// y range of the α_c·m figure (log axis around |K|, wide enough for m = 3 and for ticks).
const ALPHA_M_RANGE: (f64, f64) = (5e-3, 0.5);

/// α_c(m)·m against m on log axes.
pub fn alpha_c_figure(pb: &PhaseBoundaryReport, path: &str) -> Result<Figure> {
    let rows: Vec<_> = pb
        .rows
        .iter()
        .map(|r| (r.m, r.alpha_c, r.alpha_c_first_order))
        .collect();
    alpha_c_figure_of(&rows, path)
}

/// (m, α_c, first-order α_c) of one width.
pub type AlphaRow = (usize, Option<f64>, Option<f64>);

/// [`alpha_c_figure`] from rows.
pub fn alpha_c_figure_of(rows: &[AlphaRow], path: &str) -> Result<Figure> {
    let times_m = |pick: fn(&AlphaRow) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| pick(r).map(|a| (r.0 as f64, a * r.0 as f64)))
            .collect()
    };
    let exact = times_m(|r| r.1);
    let first = times_m(|r| r.2);
    let svg = LinePlot::new("Phase boundary: α_c(m)·m")
        .x_label("width m")
        .y_label("α_c · m")
        .x_scale(Scale::Log)
        .y_scale(Scale::Log)
        .series(Series::new("exact α_c (fold curve)", exact).style(LineStyle::LinePoints))
        .series(Series::new("first order: α/|λ1′(0)| = 1", first).style(LineStyle::Dashed))
        .y_range(ALPHA_M_RANGE.0, ALPHA_M_RANGE.1)
        .hline(PAPER_K.abs(), "paper: α·m* = |K| = 0.0705")
        .legend(LegendPosition::LowerRight)
        .render_svg()?;
    Ok((path.into(), svg))
}

/// Horizontal hatch lines per fold curve that shade its S-curve region.
const HATCH_LINES: usize = 150;

/// The fold curves (λ, α) of each width, with the S-curve region of each shaded: at each of
/// `HATCH_LINES` log-spaced α levels where the curve has two or more folds, the λ-interval
/// between its outermost folds (there the λ-branch through them is S-shaped: hysteresis).
pub fn fold_curves_figure(curves: &[(usize, Vec<(f64, f64)>)], path: &str) -> Result<Figure> {
    let mut plot = LinePlot::new("Fold curves in (λ, α); shaded: ≥ 2 folds at that α (S-curve)")
        .x_label("λ")
        .y_label("α")
        .y_scale(Scale::Log)
        .x_range(0.0, 1.0)
        .legend(LegendPosition::LowerRight);
    for (i, (m, pts)) in curves.iter().enumerate() {
        let color = Rgb::palette(i);
        let shade = Rgb(lighten(color.0), lighten(color.1), lighten(color.2));
        plot.push_series(
            Series::new(format!("S-curve region, m = {m}"), hatch(pts))
                .color(shade)
                .width(HATCH_WIDTH),
        );
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

/// Horizontal segments between the smallest and largest λ at which the curve crosses each
/// α level, where it crosses at least twice (NaN separates them).
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
            let x0 = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let x1 = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            out.extend([(x0, a), (x1, a), (f64::NAN, f64::NAN)]);
        }
    }
    out
}

//! The α_c(m)·m figure of the phase boundary (log axes) with the paper's law and the
//! first-order prediction (`actbif phase-boundary` and exp9).

use super::PhaseBoundaryReport;
use crate::error::Result;
use crate::models::two_layer::theory::PAPER_K;
use crate::report::{Figure, LegendPosition, LinePlot, LineStyle, Scale, Series};

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

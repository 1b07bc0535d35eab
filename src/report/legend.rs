//! Legends clear of the data: of the four inside corners, the one whose legend box covers the
//! fewest data samples (lines sampled every few pixels); the requested corner wins ties, so a
//! figure whose preferred corner is empty keeps it. [`draw_legend`] draws it there.

use super::style::{LegendPosition, RefLine, Scale, Series, TICK_FONT};
use super::svg::{plot_err, runs, Chart};
use crate::error::Result;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;

/// Spacing in pixels of the samples taken along each drawn line.
const SAMPLE_PX: f64 = 3.0;
/// Legend geometry as plotters draws it (pixels): distance from the plot edge, sample-line
/// slot, padding, and an average glyph width as a fraction of the font size (sans-serif).
const EDGE_PX: f64 = 5.0;
const SAMPLE_SLOT_PX: f64 = 40.0;
const PAD_PX: f64 = 10.0;
const GLYPH_WIDTH: f64 = 0.62;
/// Row height as a multiple of the label font size.
const ROW_HEIGHT: f64 = 1.45;

const CORNERS: [LegendPosition; 4] = [
    LegendPosition::UpperRight,
    LegendPosition::UpperLeft,
    LegendPosition::LowerRight,
    LegendPosition::LowerLeft,
];

/// The corner for a legend box of `size` (w, h) in the plot rectangle `plot` (x0, y0, x1, y1;
/// pixel y grows downwards) covering the fewest `samples`; `preferred` on ties. `Hidden` stays
/// hidden.
pub fn least_covered_corner(
    samples: &[(f64, f64)],
    plot: (f64, f64, f64, f64),
    size: (f64, f64),
    preferred: LegendPosition,
) -> LegendPosition {
    if preferred == LegendPosition::Hidden {
        return preferred;
    }
    let (x0, y0, x1, y1) = plot;
    let (w, h) = (size.0 + EDGE_PX, size.1 + EDGE_PX);
    let covered = |c: LegendPosition| {
        let (left, top) = match c {
            LegendPosition::UpperLeft => (true, true),
            LegendPosition::LowerLeft => (true, false),
            LegendPosition::LowerRight => (false, false),
            _ => (false, true),
        };
        let (bx0, bx1) = if left { (x0, x0 + w) } else { (x1 - w, x1) };
        let (by0, by1) = if top { (y0, y0 + h) } else { (y1 - h, y1) };
        samples
            .iter()
            .filter(|(x, y)| (bx0..=bx1).contains(x) && (by0..=by1).contains(y))
            .count()
    };
    let best = CORNERS.iter().map(|&c| covered(c)).min().unwrap_or(0);
    if covered(preferred) == best {
        return preferred;
    }
    CORNERS
        .into_iter()
        .find(|&c| covered(c) == best)
        .unwrap_or(preferred)
}

/// Estimated legend box (w, h) in pixels for these labels.
pub fn legend_size<'a>(labels: impl Iterator<Item = &'a str>) -> (f64, f64) {
    let font = f64::from(TICK_FONT + 1);
    let (n, longest) = labels.fold((0usize, 0usize), |(n, l), s| {
        (n + 1, l.max(s.chars().count()))
    });
    (
        SAMPLE_SLOT_PX + PAD_PX + longest as f64 * GLYPH_WIDTH * font,
        PAD_PX + n as f64 * ROW_HEIGHT * font,
    )
}

/// Pixel samples of every drawn series and reference line of a chart.
pub(super) fn pixel_samples<'a, 'b: 'a, X, Y>(
    chart: &Chart<'a, 'b, X, Y>,
    series: &[Series],
    ref_lines: &[RefLine],
    scales: (Scale, Scale),
    (xr, yr): ((f64, f64), (f64, f64)),
) -> Vec<(f64, f64)>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let px = |p: &(f64, f64)| {
        let (x, y) = chart.backend_coord(p);
        (f64::from(x), f64::from(y))
    };
    let mut out = Vec::new();
    let mut polyline = |pts: &[(f64, f64)]| {
        let pix: Vec<(f64, f64)> = pts.iter().map(px).collect();
        out.extend(pix.first().copied());
        for w in pix.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let n = (len / SAMPLE_PX).ceil().max(1.0) as usize;
            out.extend((1..=n).map(|k| {
                let t = k as f64 / n as f64;
                (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
            }));
        }
    };
    for s in series {
        for piece in runs(&s.points, scales.0, scales.1) {
            polyline(&piece);
        }
    }
    for l in ref_lines {
        if l.vertical {
            polyline(&[(l.at, yr.0), (l.at, yr.1)]);
        } else {
            polyline(&[(xr.0, l.at), (xr.1, l.at)]);
        }
    }
    out
}

/// Draws the legend of `series` and `ref_lines` at `pos`, or at another inside corner if that
/// one covers fewer data samples ([`least_covered_corner`]).
pub(super) fn draw_legend<'a, 'b: 'a, X, Y>(
    chart: &mut Chart<'a, 'b, X, Y>,
    pos: LegendPosition,
    (series, ref_lines): (&[Series], &[RefLine]),
    scales: (Scale, Scale),
    ranges: ((f64, f64), (f64, f64)),
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let labels = series
        .iter()
        .map(|s| s.name.as_str())
        .chain(ref_lines.iter().map(|l| l.label.as_str()))
        .filter(|l| !l.is_empty());
    let size = legend_size(labels);
    let samples = pixel_samples(chart, series, ref_lines, scales, ranges);
    let (px, py) = chart.plotting_area().get_pixel_range();
    let plot = (
        f64::from(px.start),
        f64::from(py.start),
        f64::from(px.end),
        f64::from(py.end),
    );
    let pos = least_covered_corner(&samples, plot, size, pos);
    if let Some(p) = pos.to_plotters() {
        chart
            .configure_series_labels()
            .position(p)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.5))
            .label_font(("sans-serif", TICK_FONT + 1))
            .draw()
            .map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: (f64, f64, f64, f64) = (0.0, 0.0, 400.0, 300.0);

    #[test]
    fn moves_off_data_and_keeps_an_empty_preferred_corner() {
        // A line along the top edge: both upper corners are covered.
        let top: Vec<(f64, f64)> = (0..=400).map(|x| (f64::from(x), 10.0)).collect();
        let c = least_covered_corner(&top, PLOT, (100.0, 50.0), LegendPosition::UpperRight);
        assert_eq!(c, LegendPosition::LowerRight);
        // Data only in the lower left: the preferred upper-left corner is kept.
        let ll = [(20.0, 280.0), (30.0, 270.0)];
        let c = least_covered_corner(&ll, PLOT, (100.0, 50.0), LegendPosition::UpperLeft);
        assert_eq!(c, LegendPosition::UpperLeft);
        // A diagonal from lower left to upper right leaves the other two corners free.
        let diag: Vec<(f64, f64)> = (0..=300)
            .map(|k| (f64::from(k) * 4.0 / 3.0, 300.0 - f64::from(k)))
            .collect();
        let c = least_covered_corner(&diag, PLOT, (100.0, 50.0), LegendPosition::UpperRight);
        assert_eq!(c, LegendPosition::UpperLeft);
        // Hidden stays hidden.
        let c = least_covered_corner(&top, PLOT, (100.0, 50.0), LegendPosition::Hidden);
        assert_eq!(c, LegendPosition::Hidden);
    }

    #[test]
    fn box_grows_with_entries_and_label_length() {
        let (w1, h1) = legend_size(["a"].into_iter());
        let (w2, h2) = legend_size(["a", "a much longer label"].into_iter());
        assert!(w2 > w1 && h2 > h1);
    }
}

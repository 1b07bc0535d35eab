//! Output helpers of the experiments: atomic writes and figure descriptions rendered with the
//! [`crate::report`] builders.
//!
//! The experiments describe figures as plain data ([`LinePlot`], [`ContourPlot`] with public
//! fields) so results and figures are assembled in one place; rendering goes through
//! `report::LinePlot` / `report::ContourPlot`.

use crate::error::Result;
use crate::report::{self, ColorScale, LineStyle, Rgb};

pub use crate::report::LegendPosition;
use std::path::Path;

pub use crate::io::{write_atomic, write_json_atomic};
pub use crate::report::{Scale, Table};

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Solid line.
    Line,
    /// Dashed line.
    Dashed,
    /// Markers only.
    Markers,
    /// Solid line with markers.
    LineMarkers,
}

impl From<Style> for LineStyle {
    fn from(s: Style) -> LineStyle {
        match s {
            Style::Line => LineStyle::Solid,
            Style::Dashed => LineStyle::Dashed,
            Style::Markers => LineStyle::Points,
            Style::LineMarkers => LineStyle::LinePoints,
        }
    }
}

/// One curve of a line plot.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label (empty: no legend entry).
    pub label: String,
    /// Points (x, y); non-finite points split the curve.
    pub points: Vec<(f64, f64)>,
    /// Drawing style.
    pub style: Style,
    /// Palette index.
    pub color: usize,
}

impl Series {
    /// A series with the given label, points, style and palette index.
    pub fn new(
        label: impl Into<String>,
        points: Vec<(f64, f64)>,
        style: Style,
        color: usize,
    ) -> Self {
        Series {
            label: label.into(),
            points,
            style,
            color,
        }
    }

    fn to_report(&self) -> report::Series {
        report::Series::new(self.label.clone(), self.points.iter().copied())
            .style(self.style.into())
            .color(Rgb::palette(self.color))
    }
}

/// A line plot: title, axis labels and scales, curves, reference lines.
#[derive(Clone, Debug, Default)]
pub struct LinePlot {
    /// Title.
    pub title: String,
    /// x label.
    pub x_label: String,
    /// y label.
    pub y_label: String,
    /// x scale.
    pub x_scale: Scale,
    /// y scale.
    pub y_scale: Scale,
    /// Curves.
    pub series: Vec<Series>,
    /// Horizontal reference lines (y values).
    pub hlines: Vec<f64>,
    /// Vertical reference lines (x values).
    pub vlines: Vec<f64>,
    /// Fixed x range (default: from the data).
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (default: from the data).
    pub y_range: Option<(f64, f64)>,
    /// Legend position (default: upper right).
    pub legend: Option<LegendPosition>,
}

impl LinePlot {
    /// Renders the plot to an SVG string.
    pub fn to_svg(&self) -> Result<String> {
        let mut p = report::LinePlot::new(self.title.clone())
            .x_label(self.x_label.clone())
            .y_label(self.y_label.clone())
            .x_scale(self.x_scale)
            .y_scale(self.y_scale);
        for s in &self.series {
            p.push_series(s.to_report());
        }
        for &h in &self.hlines {
            p = p.hline(h, "");
        }
        for &v in &self.vlines {
            p = p.vline(v, "");
        }
        if let Some((lo, hi)) = self.x_range {
            p = p.x_range(lo, hi);
        }
        if let Some((lo, hi)) = self.y_range {
            p = p.y_range(lo, hi);
        }
        if let Some(l) = self.legend {
            p = p.legend(l);
        }
        p.render_svg()
    }

    /// Renders and writes the plot atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_svg()?.as_bytes())
    }
}

/// A contour plot of a loss on a rectangular grid, with overlay curves. Colours and iso-lines
/// are logarithmic in L − min L, which resolves both the valley floor and the walls.
#[derive(Clone, Debug, Default)]
pub struct ContourPlot {
    /// Title.
    pub title: String,
    /// x label.
    pub x_label: String,
    /// y label.
    pub y_label: String,
    /// Grid x coordinates (ascending, equally spaced).
    pub xs: Vec<f64>,
    /// Grid y coordinates (ascending, equally spaced).
    pub ys: Vec<f64>,
    /// Values, `z[i][j]` at (xs\[i\], ys\[j\]).
    pub z: Vec<Vec<f64>>,
    /// Number of iso-lines.
    pub levels: usize,
    /// Overlay curves or markers.
    pub overlays: Vec<Series>,
}

impl ContourPlot {
    /// Renders the plot to an SVG string.
    pub fn to_svg(&self) -> Result<String> {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in self.z.iter().flatten().filter(|v| v.is_finite()) {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        // Shift so the minimum is a small positive number on the log colour scale.
        let floor = 1e-6 * (hi - lo).max(f64::MIN_POSITIVE);
        let values: Vec<Vec<f64>> = (0..ny)
            .map(|j| {
                (0..nx)
                    .map(|i| {
                        self.z
                            .get(i)
                            .and_then(|r| r.get(j))
                            .map_or(f64::NAN, |v| v - lo + floor)
                    })
                    .collect()
            })
            .collect();
        let range = |v: &[f64]| {
            (
                v.first().copied().unwrap_or(0.0),
                v.last().copied().unwrap_or(0.0),
            )
        };
        let mut p =
            report::ContourPlot::new(self.title.clone(), range(&self.xs), range(&self.ys), values)?
                .x_label(self.x_label.clone())
                .y_label(self.y_label.clone())
                .color_scale(ColorScale::Log)
                .levels(self.levels.max(1));
        for s in &self.overlays {
            p = p.overlay(s.to_report());
        }
        p.render_svg()
    }

    /// Renders and writes the plot atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_svg()?.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_render_svg() {
        let p = LinePlot {
            title: "t".into(),
            y_scale: Scale::Log,
            series: vec![Series::new(
                "curve-label",
                vec![(0.0, 1.0), (1.0, 10.0), (2.0, -1.0)],
                Style::LineMarkers,
                0,
            )],
            hlines: vec![1.0],
            ..Default::default()
        };
        let svg = p.to_svg().unwrap();
        assert!(svg.contains("<svg") && svg.contains("curve-label"));
        let xs: Vec<f64> = (0..5).map(|i| i as f64).collect();
        let c = ContourPlot {
            title: "c".into(),
            xs: xs.clone(),
            ys: xs.clone(),
            z: xs
                .iter()
                .map(|x| xs.iter().map(|y| x * x + y).collect())
                .collect(),
            levels: 4,
            overlays: vec![Series::new(
                "diag-label",
                vec![(0.0, 0.0), (4.0, 4.0)],
                Style::Line,
                9,
            )],
            ..Default::default()
        };
        assert!(c.to_svg().unwrap().contains("diag-label"));
    }

    #[test]
    fn malformed_contour_grid_is_an_error() {
        let c = ContourPlot {
            xs: vec![0.0],
            ys: vec![0.0],
            z: vec![vec![1.0]],
            ..Default::default()
        };
        assert!(c.to_svg().is_err());
    }
}

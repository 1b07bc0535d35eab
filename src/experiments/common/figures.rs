//! Figure helpers on top of [`crate::report`]: a curve with a palette colour, and the loss
//! contour relative to its minimum.

use crate::error::Result;
use crate::report::{ColorScale, ContourPlot, LineStyle, Rgb, Series};

/// A curve with the given legend label (empty: none), points, style and palette index.
pub fn series(
    label: impl Into<String>,
    points: Vec<(f64, f64)>,
    style: LineStyle,
    color: usize,
) -> Series {
    Series::new(label, points)
        .style(style)
        .color(Rgb::palette(color))
}

/// A contour plot of a loss on a rectangular grid, with overlay curves. Colours and iso-lines
/// are logarithmic in L − min L, which resolves both the valley floor and the walls.
#[derive(Clone, Debug, Default)]
pub struct LossContour {
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

/// Floor added to L − min L, relative to the value range, so the minimum itself sits at a
/// small positive value on the log colour scale.
const LOG_FLOOR: f64 = 1e-6;

impl LossContour {
    /// Renders the plot to an SVG string.
    pub fn to_svg(&self) -> Result<String> {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in self.z.iter().flatten().filter(|v| v.is_finite()) {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        let floor = LOG_FLOOR * (hi - lo).max(f64::MIN_POSITIVE);
        // report::ContourPlot takes rows over y: values[j][i] at (xs[i], ys[j]).
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
        let mut p = ContourPlot::new(self.title.clone(), range(&self.xs), range(&self.ys), values)?
            .x_label(self.x_label.clone())
            .y_label(self.y_label.clone())
            .color_scale(ColorScale::Log)
            .levels(self.levels.max(1));
        for s in &self.overlays {
            p = p.overlay(s.clone());
        }
        p.render_svg()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{LinePlot, Scale};

    #[test]
    fn plots_render_svg() {
        let p = LinePlot::new("t")
            .y_scale(Scale::Log)
            .hline(1.0, "")
            .series(series(
                "curve-label",
                vec![(0.0, 1.0), (1.0, 10.0), (2.0, -1.0)],
                LineStyle::LinePoints,
                0,
            ));
        let svg = p.render_svg().unwrap();
        assert!(svg.contains("<svg") && svg.contains("curve-label"));
        let xs: Vec<f64> = (0..5).map(|i| i as f64).collect();
        let c = LossContour {
            title: "c".into(),
            xs: xs.clone(),
            ys: xs.clone(),
            z: xs
                .iter()
                .map(|x| xs.iter().map(|y| x * x + y).collect())
                .collect(),
            levels: 4,
            overlays: vec![series(
                "diag-label",
                vec![(0.0, 0.0), (4.0, 4.0)],
                LineStyle::Solid,
                9,
            )],
            ..Default::default()
        };
        assert!(c.to_svg().unwrap().contains("diag-label"));
    }

    #[test]
    fn malformed_contour_grid_is_an_error() {
        let c = LossContour {
            xs: vec![0.0],
            ys: vec![0.0],
            z: vec![vec![1.0]],
            ..Default::default()
        };
        assert!(c.to_svg().is_err());
    }
}

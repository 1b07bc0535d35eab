//! Contour plots (filled colour map plus iso-lines).

use super::legend::draw_legend;
use super::marching_squares::{bilinear, iso_lines, refine};
use super::style::*;
use super::svg::*;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use plotters::prelude::*;
use std::path::Path;

/// How values are mapped to colours in a [`ContourPlot`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorScale {
    /// Linear in the value (the default).
    #[default]
    Linear,
    /// Linear in log10 of the value; values ≤ 0 are left blank (shift the field, e.g.
    /// plot L − L_min + 1e-12, to show a minimum).
    Log,
}

/// A scalar field on a regular grid drawn as filled colour bands (`levels + 1` bands, like
/// matplotlib's `contourf`), iso-lines at the `levels` band boundaries (marching squares), a
/// colour bar, and optional overlay series (lines, points).
///
/// `values[j][i]` is the field at `(x_i, y_j)` with `x_i = x0 + i (x1 − x0)/(nx − 1)` and
/// `y_j = y0 + j (y1 − y0)/(ny − 1)` (numpy `meshgrid` "xy" layout: one row per y).
/// Non-finite values are left blank and interrupt the iso-lines.
///
/// ```
/// use actbif::report::{ContourPlot, Series, LineStyle};
/// let svg = ContourPlot::from_fn("x² + 2y²", (-1.0, 1.0), (-1.0, 1.0), (21, 21), |x, y| {
///     x * x + 2.0 * y * y
/// })
/// .unwrap()
/// .overlay(Series::new("w₁ = w₂", [(-1.0, -1.0), (1.0, 1.0)]).style(LineStyle::Dashed))
/// .render_svg()
/// .unwrap();
/// assert!(svg.contains("w₁ = w₂"));
/// ```
#[derive(Clone, Debug)]
pub struct ContourPlot {
    title: String,
    x_label: String,
    y_label: String,
    x_range: (f64, f64),
    y_range: (f64, f64),
    values: Vec<Vec<f64>>,
    color_scale: ColorScale,
    levels: usize,
    overlays: Vec<Series>,
    legend: LegendPosition,
    size: (u32, u32),
}

impl ContourPlot {
    /// A contour plot of `values` (see the type docs for the layout). Needs at least a 2 × 2
    /// rectangular grid and finite increasing ranges.
    pub fn new(
        title: impl Into<String>,
        x_range: (f64, f64),
        y_range: (f64, f64),
        values: Vec<Vec<f64>>,
    ) -> Result<Self> {
        for (name, (lo, hi)) in [("x range", x_range), ("y range", y_range)] {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::param(
                    name,
                    format!("must be finite and increasing, got ({lo}, {hi})"),
                ));
            }
        }
        let ny = values.len();
        let nx = values.first().map_or(0, Vec::len);
        if ny < 2 || nx < 2 {
            return Err(Error::shape(
                "contour grid",
                "at least 2 × 2 values",
                format!("{ny} rows × {nx} columns"),
            ));
        }
        if let Some(j) = values.iter().position(|r| r.len() != nx) {
            return Err(Error::shape(
                "contour grid",
                format!("every row with {nx} values"),
                format!("row {j} with {} values", values[j].len()),
            ));
        }
        Ok(ContourPlot {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            x_range,
            y_range,
            values,
            color_scale: ColorScale::Linear,
            levels: 12,
            overlays: Vec::new(),
            legend: LegendPosition::UpperRight,
            size: (760, 620),
        })
    }

    /// Samples `f(x, y)` on an `nx × ny` grid over the given ranges.
    pub fn from_fn(
        title: impl Into<String>,
        x_range: (f64, f64),
        y_range: (f64, f64),
        (nx, ny): (usize, usize),
        mut f: impl FnMut(f64, f64) -> f64,
    ) -> Result<Self> {
        let at = |(lo, hi): (f64, f64), n: usize, k: usize| {
            lo + (hi - lo) * k as f64 / (n.max(2) - 1) as f64
        };
        let values = (0..ny)
            .map(|j| {
                (0..nx)
                    .map(|i| f(at(x_range, nx, i), at(y_range, ny, j)))
                    .collect()
            })
            .collect();
        Self::new(title, x_range, y_range, values)
    }

    /// Sets the x-axis label.
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// Sets the y-axis label.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Sets the colour scale.
    pub fn color_scale(mut self, scale: ColorScale) -> Self {
        self.color_scale = scale;
        self
    }

    /// Sets the number of iso-lines (default 12; at least 1), equally spaced in the colour
    /// scale between the field's minimum and maximum.
    pub fn levels(mut self, levels: usize) -> Self {
        self.levels = levels.max(1);
        self
    }

    /// Adds an overlay series (e.g. the diagonal w₁ = w₂, or critical points with
    /// [`LineStyle::Points`]); named overlays appear in the legend.
    pub fn overlay(mut self, series: Series) -> Self {
        self.overlays.push(series);
        self
    }

    /// Sets the legend position (or hides it).
    pub fn legend(mut self, position: LegendPosition) -> Self {
        self.legend = position;
        self
    }

    /// Sets the figure size in pixels (at least 200 × 150; the colour bar takes ~110 px).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Renders the figure to an SVG document.
    pub fn render_svg(&self) -> Result<String> {
        check_size(self.size.0, self.size.1)?;
        render_svg_with(self.size, |root| self.draw_on(root))
    }

    /// Renders and writes the SVG atomically (see [`write_atomic`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.render_svg()?.as_bytes())
    }

    /// The field in colour-scale space (NaN where not drawable).
    fn transformed(&self) -> Vec<Vec<f64>> {
        self.values
            .iter()
            .map(|row| {
                row.iter()
                    .map(|&v| match self.color_scale {
                        ColorScale::Linear if v.is_finite() => v,
                        ColorScale::Log if v.is_finite() && v > 0.0 => v.log10(),
                        _ => f64::NAN,
                    })
                    .collect()
            })
            .collect()
    }

    fn untransform(&self, t: f64) -> f64 {
        match self.color_scale {
            ColorScale::Linear => t,
            ColorScale::Log => 10f64.powf(t),
        }
    }

    pub(super) fn draw_on(&self, area: &Area<'_>) -> Result<()> {
        let t = self.transformed();
        let (tmin, tmax) = value_range(&t);
        let nb = self.levels + 1;
        let level = |k: usize| band_level(tmin, tmax, nb, k);
        let band_of =
            |v: f64| (((v - tmin) / (tmax - tmin) * nb as f64).floor() as usize).min(nb - 1);
        let band_color = |b: usize| band_rgb(nb, b);

        let (w, _) = area.dim_in_pixel();
        let (main, bar) = area.split_horizontally(w.saturating_sub(110).max(100));

        let (nx, ny) = (t[0].len(), t.len());
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let dx = (x1 - x0) / (nx - 1) as f64;
        let dy = (y1 - y0) / (ny - 1) as f64;
        let gx = |i: f64| x0 + i * dx;
        let gy = |j: f64| y0 + j * dy;

        let mut chart = ChartBuilder::on(&main)
            .caption(&self.title, ("sans-serif", TITLE_FONT))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                TickAxis::linear((
                    x0 - dx / (2 * refine(nx)) as f64,
                    x1 + dx / (2 * refine(nx)) as f64,
                )),
                TickAxis::linear((
                    y0 - dy / (2 * refine(ny)) as f64,
                    y1 + dy / (2 * refine(ny)) as f64,
                )),
            )
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|v| fmt_tick(*v))
            .y_label_formatter(&|v| fmt_tick(*v))
            .axis_desc_style(("sans-serif", LABEL_FONT))
            .label_style(("sans-serif", TICK_FONT))
            .draw()
            .map_err(plot_err)?;

        let rects = band_rects(&t, band_of, band_color, (gx, gy));
        chart.draw_series(rects).map_err(plot_err)?;

        // Iso-lines at the band boundaries.
        let iso_style = ShapeStyle::from(&BLACK.mix(0.55)).stroke_width(1);
        for k in 1..nb {
            let c = level(k);
            for path in iso_lines(&t, c) {
                let pts: Vec<(f64, f64)> = path.into_iter().map(|(i, j)| (gx(i), gy(j))).collect();
                chart
                    .draw_series(std::iter::once(PathElement::new(pts, iso_style)))
                    .map_err(plot_err)?;
            }
        }

        draw_series(&mut chart, &self.overlays, 3, Scale::Linear, Scale::Linear)?;
        if self.overlays.iter().any(|s| !s.name.is_empty()) {
            draw_legend(
                &mut chart,
                self.legend,
                (&self.overlays, &[]),
                (Scale::Linear, Scale::Linear),
                (self.x_range, self.y_range),
            )?;
        }

        self.draw_color_bar(&bar, (tmin, tmax), nb)
    }

    /// The colour bar: the `nb` bands stacked over [tmin, tmax], labelled in original units.
    fn draw_color_bar(&self, bar: &Area<'_>, (tmin, tmax): (f64, f64), nb: usize) -> Result<()> {
        let level = |k: usize| band_level(tmin, tmax, nb, k);
        let band_color = |b: usize| band_rgb(nb, b);
        let mut cb = ChartBuilder::on(bar)
            .margin_top(12 + TITLE_FONT + 10)
            .margin_bottom(12 + 48)
            .margin_right(8)
            .y_label_area_size(0)
            .right_y_label_area_size(70)
            .build_cartesian_2d(
                0.0..1.0,
                TickAxis {
                    lo: tmin,
                    hi: tmax,
                    decades: self.color_scale == ColorScale::Log,
                },
            )
            .map_err(plot_err)?;
        let label_fmt = |v: &f64| fmt_tick(self.untransform(*v));
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_labels(9)
            .y_label_formatter(&label_fmt)
            .label_style(("sans-serif", TICK_FONT))
            .draw()
            .map_err(plot_err)?;
        cb.draw_series((0..nb).map(|b| {
            Rectangle::new(
                [(0.0, level(b)), (1.0, level(b + 1))],
                band_color(b).filled(),
            )
        }))
        .map_err(plot_err)?;
        cb.draw_series(std::iter::once(Rectangle::new(
            [(0.0, tmin), (1.0, tmax)],
            BLACK.mix(0.6).stroke_width(1),
        )))
        .map_err(plot_err)?;
        if self.color_scale == ColorScale::Log {
            bar.draw(&Text::new(
                "log scale",
                (4, (self.size.1 as i32) - 40),
                ("sans-serif", TICK_FONT),
            ))
            .map_err(plot_err)?;
        }
        Ok(())
    }
}

/// Filled bands of the grid `t` on a grid refined by bilinear interpolation (so band edges
/// follow the iso-lines closely): one rectangle per horizontal run of equal band (`band_of`,
/// coloured by `band_color`), in data coordinates (`gx`, `gy` of fractional grid indices).
fn band_rects(
    t: &[Vec<f64>],
    band_of: impl Fn(f64) -> usize,
    band_color: impl Fn(usize) -> RGBColor,
    (gx, gy): (impl Fn(f64) -> f64, impl Fn(f64) -> f64),
) -> Vec<Rectangle<(f64, f64)>> {
    let (nx, ny) = (t[0].len(), t.len());
    let mut rects = Vec::new();
    let (rx, ry) = (refine(nx), refine(ny));
    let (fx, fy) = (rx as f64, ry as f64);
    for r in 0..=(ny - 1) * ry {
        let v = r as f64 / fy;
        let band_at = |c: usize| {
            let z = bilinear(t, c as f64 / fx, v);
            z.is_finite().then(|| band_of(z))
        };
        let ncols = (nx - 1) * rx + 1;
        let mut c = 0;
        while c < ncols {
            let Some(b) = band_at(c) else {
                c += 1;
                continue;
            };
            let start = c;
            while c < ncols && band_at(c) == Some(b) {
                c += 1;
            }
            rects.push(Rectangle::new(
                [
                    (gx((start as f64 - 0.5) / fx), gy(v - 0.5 / fy)),
                    (gx((c as f64 - 0.5) / fx), gy(v + 0.5 / fy)),
                ],
                band_color(b).filled().stroke_width(0),
            ));
        }
    }
    rects
}

/// The range of the finite transformed values (widened when flat; [0, 1] when none).
fn value_range(t: &[Vec<f64>]) -> (f64, f64) {
    let (tmin, tmax) = t
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if tmin > tmax {
        (0.0, 1.0) // nothing drawable
    } else if tmax - tmin <= 1e-300 + 1e-14 * tmin.abs() {
        (tmin - 0.5, tmax + 0.5)
    } else {
        (tmin, tmax)
    }
}

/// The boundary between bands k − 1 and k of `nb` equal bands over [tmin, tmax].
fn band_level(tmin: f64, tmax: f64, nb: usize, k: usize) -> f64 {
    tmin + (tmax - tmin) * k as f64 / nb as f64
}

/// The fill colour of band b of `nb`.
fn band_rgb(nb: usize, b: usize) -> RGBColor {
    Rgb::viridis((b as f64 + 0.5) / nb as f64).color()
}

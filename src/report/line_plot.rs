//! Line and scatter plots.

use super::legend::draw_legend;
use super::style::*;
use super::svg::*;
use crate::error::Result;
use crate::io::write_atomic;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use std::path::Path;

/// A 2-D line/scatter plot with several named series, optional log axes, reference lines and
/// a legend.
///
/// ```
/// use actbif::report::{LinePlot, LineStyle, Scale, Series};
/// let svg = LinePlot::new("Hessian eigenvalues")
///     .x_label("λ")
///     .y_label("eigenvalue")
///     .series(Series::new("μ₁", (0..=10).map(|i| (i as f64 / 10.0, 0.5 - i as f64 / 10.0))))
///     .series(Series::new("μ₂", [(0.0, 1.0), (1.0, 0.8)]).style(LineStyle::Dashed))
///     .vline(0.5, "λ*")
///     .hline(0.0, "")
///     .render_svg()
///     .unwrap();
/// assert!(svg.contains("μ₁") && svg.contains("λ*"));
/// ```
#[derive(Clone, Debug)]
pub struct LinePlot {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<Series>,
    ref_lines: Vec<RefLine>,
    x_scale: Scale,
    y_scale: Scale,
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    legend: LegendPosition,
    size: (u32, u32),
}

impl LinePlot {
    /// An empty plot with a title; default size 800 × 560 px, linear axes, legend top right.
    pub fn new(title: impl Into<String>) -> Self {
        LinePlot {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            ref_lines: Vec::new(),
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            x_range: None,
            y_range: None,
            legend: LegendPosition::UpperRight,
            size: (800, 560),
        }
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

    /// Adds a series (builder style).
    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Adds a series in place (for loops).
    pub fn push_series(&mut self, series: Series) {
        self.series.push(series);
    }

    /// Sets the x-axis scale.
    pub fn x_scale(mut self, scale: Scale) -> Self {
        self.x_scale = scale;
        self
    }

    /// Sets the y-axis scale.
    pub fn y_scale(mut self, scale: Scale) -> Self {
        self.y_scale = scale;
        self
    }

    /// Shorthand for a logarithmic y axis.
    pub fn log_y(self) -> Self {
        self.y_scale(Scale::Log)
    }

    /// Shorthand for logarithmic x and y axes.
    pub fn log_log(self) -> Self {
        self.x_scale(Scale::Log).y_scale(Scale::Log)
    }

    /// Fixes the x range (default: data and reference lines, padded by 5%). Ignored if not
    /// finite and increasing (or not positive on a log axis).
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }

    /// Fixes the y range (see [`LinePlot::x_range`]).
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// Adds a dashed vertical reference line at `x`; a non-empty `label` puts it in the legend.
    pub fn vline(mut self, x: f64, label: impl Into<String>) -> Self {
        self.ref_lines.push(RefLine {
            at: x,
            vertical: true,
            label: label.into(),
            color: Rgb::GREY,
        });
        self
    }

    /// Adds a dashed horizontal reference line at `y`; a non-empty `label` puts it in the
    /// legend.
    pub fn hline(mut self, y: f64, label: impl Into<String>) -> Self {
        self.ref_lines.push(RefLine {
            at: y,
            vertical: false,
            label: label.into(),
            color: Rgb::GREY,
        });
        self
    }

    /// Sets the legend position (or hides it).
    pub fn legend(mut self, position: LegendPosition) -> Self {
        self.legend = position;
        self
    }

    /// Sets the figure size in pixels (at least 200 × 150).
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

    fn resolved_range(&self, fixed: Option<(f64, f64)>, vertical: bool) -> (f64, f64) {
        let scale = if vertical { self.x_scale } else { self.y_scale };
        if let Some((lo, hi)) = fixed {
            if lo.is_finite() && hi.is_finite() && lo < hi && (scale == Scale::Linear || lo > 0.0) {
                return (lo, hi);
            }
        }
        let data = self.series.iter().flat_map(|s| {
            runs(&s.points, self.x_scale, self.y_scale)
                .into_iter()
                .flatten()
                .map(move |(x, y)| if vertical { x } else { y })
        });
        let refs = self
            .ref_lines
            .iter()
            .filter(move |l| l.vertical == vertical)
            .map(|l| l.at);
        axis_range(data.chain(refs), scale)
    }

    pub(super) fn draw_on(&self, area: &Area<'_>) -> Result<()> {
        let xr = self.resolved_range(self.x_range, true);
        let yr = self.resolved_range(self.y_range, false);
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(&self.title, ("sans-serif", TITLE_FONT))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72);
        let (x0, x1) = xr;
        let (y0, y1) = yr;
        match (self.x_scale, self.y_scale) {
            (Scale::Linear, Scale::Linear) => {
                let c = builder
                    .build_cartesian_2d(TickAxis::linear(xr), TickAxis::linear(yr))
                    .map_err(plot_err)?;
                self.finish(c, xr, yr)
            }
            (Scale::Linear, Scale::Log) => {
                let c = builder
                    .build_cartesian_2d(TickAxis::linear(xr), LogAxis { lo: y0, hi: y1 })
                    .map_err(plot_err)?;
                self.finish(c, xr, yr)
            }
            (Scale::Log, Scale::Linear) => {
                let c = builder
                    .build_cartesian_2d(LogAxis { lo: x0, hi: x1 }, TickAxis::linear(yr))
                    .map_err(plot_err)?;
                self.finish(c, xr, yr)
            }
            (Scale::Log, Scale::Log) => {
                let c = builder
                    .build_cartesian_2d(LogAxis { lo: x0, hi: x1 }, LogAxis { lo: y0, hi: y1 })
                    .map_err(plot_err)?;
                self.finish(c, xr, yr)
            }
        }
    }

    fn finish<'a, 'b: 'a, X, Y>(
        &self,
        mut chart: Chart<'a, 'b, X, Y>,
        xr: (f64, f64),
        yr: (f64, f64),
    ) -> Result<()>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|v| fmt_tick(*v))
            .y_label_formatter(&|v| fmt_tick(*v))
            .axis_desc_style(("sans-serif", LABEL_FONT))
            .label_style(("sans-serif", TICK_FONT))
            .light_line_style(BLACK.mix(0.04))
            .bold_line_style(BLACK.mix(0.12))
            .draw()
            .map_err(plot_err)?;
        draw_ref_lines(&mut chart, &self.ref_lines, xr, yr)?;
        draw_series(&mut chart, &self.series, 0, self.x_scale, self.y_scale)?;
        let any_label = self.series.iter().any(|s| !s.name.is_empty())
            || self.ref_lines.iter().any(|l| !l.label.is_empty());
        if any_label {
            draw_legend(
                &mut chart,
                self.legend,
                (&self.series, &self.ref_lines),
                (self.x_scale, self.y_scale),
                (xr, yr),
            )?;
        }
        Ok(())
    }
}

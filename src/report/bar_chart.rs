//! Grouped bar charts: categories along x, one bar per group inside each category.

use super::legend::draw_legend;
use super::style::*;
use super::svg::*;
use crate::error::{Error, Result};
use crate::io::write_atomic;
use plotters::prelude::*;
use std::path::Path;

/// Fraction of a category's width filled by its bars (the rest separates categories).
const FILL: f64 = 0.8;
/// Extra y range above the bars, as a fraction of their range (room for the legend).
const HEADROOM: f64 = 0.3;

/// A grouped bar chart: `categories` along x; each group (a named, coloured series of one value
/// per category) contributes one bar per category. Non-finite values draw no bar.
///
/// ```
/// use actbif::report::BarChart;
/// let svg = BarChart::new("g_aa terms", ["3E[Df·D²f]", "E[r·D³f]"])
///     .group("paper", [0.0010, -0.0038])
///     .unwrap()
///     .group("exact", [0.0076, -0.1133])
///     .unwrap()
///     .render_svg()
///     .unwrap();
/// assert!(svg.contains("E[r·D³f]") && svg.contains("exact"));
/// ```
#[derive(Clone, Debug)]
pub struct BarChart {
    title: String,
    y_label: String,
    categories: Vec<String>,
    groups: Vec<(String, Vec<f64>)>,
    legend: LegendPosition,
    size: (u32, u32),
}

impl BarChart {
    /// An empty chart with a title and the category names; default 800 × 560 px.
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        categories: impl IntoIterator<Item = S>,
    ) -> Self {
        BarChart {
            title: title.into(),
            y_label: String::new(),
            categories: categories.into_iter().map(Into::into).collect(),
            groups: Vec::new(),
            legend: LegendPosition::UpperRight,
            size: (800, 560),
        }
    }

    /// Sets the y-axis label.
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Adds a group: one value per category (an error if the count differs).
    pub fn group(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = f64>,
    ) -> Result<Self> {
        let v: Vec<f64> = values.into_iter().collect();
        if v.len() != self.categories.len() {
            return Err(Error::shape("bar group", self.categories.len(), v.len()));
        }
        self.groups.push((name.into(), v));
        Ok(self)
    }

    /// Sets the preferred legend corner (moved off the bars if they cover it) or hides it.
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

    /// The bars as (group, x0, x1, value): category k spans \[k, k + 1\].
    fn bars(&self) -> Vec<(usize, f64, f64, f64)> {
        let ng = self.groups.len().max(1) as f64;
        let w = FILL / ng;
        let mut out = Vec::new();
        for (g, (_, vals)) in self.groups.iter().enumerate() {
            for (k, &v) in vals.iter().enumerate() {
                if v.is_finite() {
                    let x0 = k as f64 + (1.0 - FILL) / 2.0 + g as f64 * w;
                    out.push((g, x0, x0 + w, v));
                }
            }
        }
        out
    }

    pub(super) fn draw_on(&self, area: &Area<'_>) -> Result<()> {
        let bars = self.bars();
        let (lo, hi) = axis_range(bars.iter().map(|b| b.3).chain([0.0]), Scale::Linear);
        // Headroom above the tallest bar, so an upper corner is free for the legend.
        let yr = (lo, hi + HEADROOM * (hi - lo));
        let n = self.categories.len().max(1);
        let xr = (0.0, n as f64);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", TITLE_FONT))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(TickAxis::linear(xr), TickAxis::linear(yr))
            .map_err(plot_err)?;
        let cats = self.categories.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * n + 1)
            .x_label_formatter(&move |v| {
                let k = (v - 0.5).round();
                if (v - 0.5 - k).abs() < 1e-9 && k >= 0.0 {
                    cats.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(self.y_label.as_str())
            .y_label_formatter(&|v| fmt_tick(*v))
            .axis_desc_style(("sans-serif", LABEL_FONT))
            .label_style(("sans-serif", TICK_FONT))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.04))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(xr.0, 0.0), (xr.1, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(plot_err)?;
        // One invisible legend entry per group, then the bars.
        let mut legend_series = Vec::new();
        for (g, (name, _)) in self.groups.iter().enumerate() {
            let c = Rgb::palette(g).color();
            chart
                .draw_series(
                    bars.iter()
                        .filter(|b| b.0 == g)
                        .map(|b| Rectangle::new([(b.1, 0.0), (b.2, b.3)], c.filled())),
                )
                .map_err(plot_err)?
                .label(name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
            // Each bar's top edge, sampled for legend placement.
            let tops: Vec<(f64, f64)> = bars
                .iter()
                .filter(|b| b.0 == g)
                .flat_map(|b| {
                    [
                        (b.1, 0.0),
                        (b.1, b.3),
                        (b.2, b.3),
                        (b.2, 0.0),
                        (f64::NAN, 0.0),
                    ]
                })
                .collect();
            legend_series.push(Series::new(name.clone(), tops));
        }
        draw_legend(
            &mut chart,
            self.legend,
            (&legend_series, &[]),
            (Scale::Linear, Scale::Linear),
            (xr, yr),
        )
    }
}

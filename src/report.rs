//! Tables, JSON and SVG figures; atomic file writes.
//!
//! * [`write_atomic`], [`write_json_atomic`] (re-exported from [`crate::io`]): a file is either
//!   fully written or untouched.
//! * [`LinePlot`], [`ContourPlot`], [`Panel`]: SVG figures (plotters' SVG backend; no fonts
//!   needed, text is left to the SVG viewer). Non-finite points are skipped, never plotted.
//! * [`Table`]: aligned plain text or Markdown.

use crate::error::{Error, Result};
use plotters::chart::SeriesAnno;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

pub use crate::io::{write_atomic, write_json_atomic};

// ---------------------------------------------------------------------------------------
// Styling shared by the figures
// ---------------------------------------------------------------------------------------

/// An RGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// Mid grey, e.g. for reference lines.
    pub const GREY: Rgb = Rgb(120, 120, 120);
    /// Red.
    pub const RED: Rgb = Rgb(214, 39, 40);
    /// White.
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// Colour `i` of the (cyclic) 10-colour "tab10" palette used for series by default.
    ///
    /// ```
    /// use actbif::report::Rgb;
    /// assert_eq!(Rgb::palette(0), Rgb(31, 119, 180));
    /// assert_eq!(Rgb::palette(10), Rgb::palette(0));
    /// ```
    pub fn palette(i: usize) -> Rgb {
        const TAB10: [Rgb; 10] = [
            Rgb(31, 119, 180),
            Rgb(255, 127, 14),
            Rgb(44, 160, 44),
            Rgb(214, 39, 40),
            Rgb(148, 103, 189),
            Rgb(140, 86, 75),
            Rgb(227, 119, 194),
            Rgb(127, 127, 127),
            Rgb(188, 189, 34),
            Rgb(23, 190, 207),
        ];
        TAB10[i % TAB10.len()]
    }

    /// The viridis colour map at `t` ∈ \[0, 1\] (clamped; piecewise linear through 9 anchors).
    pub fn viridis(t: f64) -> Rgb {
        const V: [(f64, f64, f64); 9] = [
            (68.0, 1.0, 84.0),
            (71.0, 44.0, 122.0),
            (59.0, 81.0, 139.0),
            (44.0, 113.0, 142.0),
            (33.0, 144.0, 141.0),
            (39.0, 173.0, 129.0),
            (92.0, 200.0, 99.0),
            (170.0, 220.0, 50.0),
            (253.0, 231.0, 37.0),
        ];
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let s = t * (V.len() - 1) as f64;
        let k = (s.floor() as usize).min(V.len() - 2);
        let f = s - k as f64;
        let lerp = |a: f64, b: f64| (a + f * (b - a)).round() as u8;
        let (a, b) = (V[k], V[k + 1]);
        Rgb(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
    }

    fn color(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineStyle {
    /// A solid line (the default).
    #[default]
    Solid,
    /// A dashed line.
    Dashed,
    /// A dotted line.
    Dotted,
    /// Markers only, no line.
    Points,
    /// A solid line with markers.
    LinePoints,
}

/// Axis scale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// Linear axis (the default).
    #[default]
    Linear,
    /// Base-10 logarithmic axis; points with a coordinate ≤ 0 on it are skipped.
    Log,
}

/// Where the legend goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LegendPosition {
    /// Inside the plot, top right (the default).
    #[default]
    UpperRight,
    /// Inside the plot, top left.
    UpperLeft,
    /// Inside the plot, bottom left.
    LowerLeft,
    /// Inside the plot, bottom right.
    LowerRight,
    /// No legend.
    Hidden,
}

impl LegendPosition {
    fn to_plotters(self) -> Option<SeriesLabelPosition> {
        match self {
            LegendPosition::UpperRight => Some(SeriesLabelPosition::UpperRight),
            LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
            LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
            LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
            LegendPosition::Hidden => None,
        }
    }
}

/// A named data series for [`LinePlot`] (or an overlay on a [`ContourPlot`]).
///
/// Points with a non-finite coordinate are skipped and split a line into separate pieces
/// (no line is drawn across the gap).
#[derive(Clone, Debug)]
pub struct Series {
    name: String,
    points: Vec<(f64, f64)>,
    style: LineStyle,
    color: Option<Rgb>,
    width: u32,
}

impl Series {
    /// A solid series in the next palette colour. An empty `name` keeps it out of the legend.
    pub fn new(name: impl Into<String>, points: impl IntoIterator<Item = (f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points: points.into_iter().collect(),
            style: LineStyle::Solid,
            color: None,
            width: 2,
        }
    }

    /// Sets the drawing style.
    pub fn style(mut self, style: LineStyle) -> Self {
        self.style = style;
        self
    }

    /// Sets the colour (default: palette colour by position in the plot).
    pub fn color(mut self, color: Rgb) -> Self {
        self.color = Some(color);
        self
    }

    /// Sets the line width in pixels (default 2; also scales markers).
    pub fn width(mut self, width: u32) -> Self {
        self.width = width.max(1);
        self
    }

    /// The series name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A horizontal or vertical reference line (e.g. λ = λ*, y = 0).
#[derive(Clone, Debug)]
struct RefLine {
    at: f64,
    vertical: bool,
    label: String,
    color: Rgb,
}

const TITLE_FONT: u32 = 22;
const LABEL_FONT: u32 = 17;
const TICK_FONT: u32 = 13;

/// Tick label: plain decimals for moderate magnitudes, otherwise `2.5e-7` style.
fn fmt_tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    } else {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        format!("{m}e{e}")
    }
}

/// "Nice" tick positions k·step (step ∈ {1, 2, 5}·10^e) in \[lo, hi\], about `n` of them.
fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return if lo.is_finite() { vec![lo] } else { vec![] };
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let (k0, k1) = ((lo / step).ceil(), (hi / step).floor());
    if !(k1 - k0).is_finite() || k1 - k0 >= 1e4 {
        return vec![lo, hi];
    }
    (k0 as i64..=k1 as i64).map(|k| k as f64 * step).collect()
}

/// A linear axis with our own tick choice ([`nice_ticks`]; exact zeros, no `-2.2e-16`). In
/// `decades` mode the values are log10 of the data (colour bar of a log colour scale) and the
/// ticks fall on whole decades when the range spans enough of them.
#[derive(Clone, Debug)]
struct TickAxis {
    lo: f64,
    hi: f64,
    decades: bool,
}

impl TickAxis {
    fn linear((lo, hi): (f64, f64)) -> Self {
        TickAxis {
            lo,
            hi,
            decades: false,
        }
    }

    fn ticks(&self, n: usize) -> Vec<f64> {
        let n = n.clamp(1, 12);
        if !self.decades {
            return nice_ticks(self.lo, self.hi, n);
        }
        if self.hi - self.lo >= 1.5 {
            let (k0, k1) = (self.lo.ceil() as i64, self.hi.floor() as i64);
            let every = ((k1 - k0 + 1) as usize).div_ceil(n).max(1);
            (k0..=k1)
                .filter(|k| ((k - k0) as usize).is_multiple_of(every))
                .map(|k| k as f64)
                .collect()
        } else {
            nice_ticks(10f64.powf(self.lo), 10f64.powf(self.hi), n)
                .into_iter()
                .filter(|v| *v > 0.0)
                .map(f64::log10)
                .collect()
        }
    }
}

impl Ranged for TickAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            if self.decades {
                return vec![];
            }
            let major = self.ticks(hint.max_num_points().min(10));
            let minor = nice_ticks(self.lo, self.hi, 5 * major.len().max(2));
            return minor;
        }
        self.ticks(hint.max_num_points())
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

fn plot_err<E: std::error::Error>(e: E) -> Error {
    Error::param("figure", format!("rendering failed: {e}"))
}

/// Data range of finite (and, on log axes, positive) values, padded by 5% (in log space on
/// log axes); degenerate ranges are widened.
fn axis_range(values: impl Iterator<Item = f64>, scale: Scale) -> (f64, f64) {
    let usable = |v: &f64| v.is_finite() && (scale == Scale::Linear || *v > 0.0);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(usable) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    match scale {
        Scale::Linear => {
            if lo > hi {
                return (0.0, 1.0);
            }
            let span = hi - lo;
            if !span.is_finite() || span <= 1e-300 * lo.abs().max(hi.abs()).max(1.0) {
                let w = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
                return (lo - w, hi + w);
            }
            (lo - 0.05 * span, hi + 0.05 * span)
        }
        Scale::Log => {
            if lo > hi {
                return (1.0, 10.0);
            }
            let (l, h) = (lo.log10(), hi.log10());
            let span = h - l;
            if span <= 1e-12 {
                return (lo / 10f64.sqrt(), hi * 10f64.sqrt());
            }
            (10f64.powf(l - 0.05 * span), 10f64.powf(h + 0.05 * span))
        }
    }
}

/// Splits a series into maximal runs of plottable points.
fn runs(points: &[(f64, f64)], xs: Scale, ys: Scale) -> Vec<Vec<(f64, f64)>> {
    let ok = |v: f64, s: Scale| v.is_finite() && (s == Scale::Linear || v > 0.0);
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for &(x, y) in points {
        if ok(x, xs) && ok(y, ys) {
            cur.push((x, y));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

/// Draws series (line pieces, markers, legend entries) on any 2-D chart.
fn draw_series<'a, 'b: 'a, X, Y>(
    chart: &mut Chart<'a, 'b, X, Y>,
    series: &[Series],
    first_color: usize,
    xs: Scale,
    ys: Scale,
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (k, s) in series.iter().enumerate() {
        let color = s.color.unwrap_or(Rgb::palette(first_color + k)).color();
        let line = ShapeStyle::from(&color).stroke_width(s.width);
        let pieces = runs(&s.points, xs, ys);
        let marker_r = s.width + 2;
        let mut labelled = s.name.is_empty();
        for piece in pieces {
            let legend_style = line;
            let style = s.style;
            let mut annotate = |anno: &mut SeriesAnno<'a, SVGBackend<'b>>| {
                if !labelled {
                    labelled = true;
                    set_legend(anno, &s.name, style, legend_style, marker_r);
                }
            };
            match s.style {
                LineStyle::Solid | LineStyle::LinePoints => {
                    let a = chart
                        .draw_series(LineSeries::new(piece.iter().copied(), line))
                        .map_err(plot_err)?;
                    annotate(a);
                    if s.style == LineStyle::LinePoints {
                        chart
                            .draw_series(
                                piece
                                    .iter()
                                    .map(|&p| Circle::new(p, marker_r, color.filled())),
                            )
                            .map_err(plot_err)?;
                    }
                }
                LineStyle::Dashed | LineStyle::Dotted => {
                    let (dash, gap) = if s.style == LineStyle::Dashed {
                        (8 * s.width / 2 + 2, 5)
                    } else {
                        (s.width, s.width + 3)
                    };
                    let a = chart
                        .draw_series(DashedLineSeries::new(
                            piece.iter().copied(),
                            dash,
                            gap,
                            line,
                        ))
                        .map_err(plot_err)?;
                    annotate(a);
                }
                LineStyle::Points => {
                    let a = chart
                        .draw_series(
                            piece
                                .iter()
                                .map(|&p| Circle::new(p, marker_r, color.filled())),
                        )
                        .map_err(plot_err)?;
                    annotate(a);
                }
            }
        }
    }
    Ok(())
}

/// Attaches a legend entry whose sample matches the series style.
fn set_legend<'a, 'b: 'a>(
    anno: &mut SeriesAnno<'a, SVGBackend<'b>>,
    name: &str,
    style: LineStyle,
    line: ShapeStyle,
    r: u32,
) {
    anno.label(name);
    let seg = |x: i32, y: i32| vec![(x, y), (x + 24, y)];
    match style {
        LineStyle::Solid => {
            anno.legend(move |(x, y)| PathElement::new(seg(x, y), line));
        }
        LineStyle::Dashed => {
            anno.legend(move |(x, y)| DashedPathElement::new(seg(x, y), 7, 4, line));
        }
        LineStyle::Dotted => {
            anno.legend(move |(x, y)| DashedPathElement::new(seg(x, y), 2, 4, line));
        }
        LineStyle::Points => {
            anno.legend(move |(x, y)| Circle::new((x + 12, y), r, line.color.filled()));
        }
        LineStyle::LinePoints => {
            anno.legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (24, 0)], line)
                    + Circle::new((12, 0), r, line.color.filled())
            });
        }
    }
}

/// Draws reference lines across the current axis ranges.
fn draw_ref_lines<'a, 'b: 'a, X, Y>(
    chart: &mut Chart<'a, 'b, X, Y>,
    lines: &[RefLine],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for l in lines {
        let pts = if l.vertical {
            [(l.at, y0), (l.at, y1)]
        } else {
            [(x0, l.at), (x1, l.at)]
        };
        let style = ShapeStyle::from(&l.color.color()).stroke_width(1);
        let a = chart
            .draw_series(DashedLineSeries::new(pts, 6, 4, style))
            .map_err(plot_err)?;
        if !l.label.is_empty() {
            a.label(l.label.clone()).legend(move |(x, y)| {
                DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, style)
            });
        }
    }
    Ok(())
}

fn draw_legend<'a, 'b: 'a, X, Y>(chart: &mut Chart<'a, 'b, X, Y>, pos: LegendPosition) -> Result<()>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
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

fn check_size(w: u32, h: u32) -> Result<()> {
    if w < 200 || h < 150 {
        return Err(Error::param(
            "figure size",
            format!("{w} × {h} px is too small (need at least 200 × 150)"),
        ));
    }
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// An SVG document of `size` pixels: a white canvas on which `draw` paints.
fn render_svg_with(size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

// ---------------------------------------------------------------------------------------
// LinePlot
// ---------------------------------------------------------------------------------------

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

    fn draw_on(&self, area: &Area<'_>) -> Result<()> {
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
                    .build_cartesian_2d(TickAxis::linear(xr), (y0..y1).log_scale())
                    .map_err(plot_err)?;
                self.finish(c, xr, yr)
            }
            (Scale::Log, Scale::Linear) => {
                let c = builder
                    .build_cartesian_2d((x0..x1).log_scale(), TickAxis::linear(yr))
                    .map_err(plot_err)?;
                self.finish(c, xr, yr)
            }
            (Scale::Log, Scale::Log) => {
                let c = builder
                    .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
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
            draw_legend(&mut chart, self.legend)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// ContourPlot
// ---------------------------------------------------------------------------------------

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

    fn draw_on(&self, area: &Area<'_>) -> Result<()> {
        let t = self.transformed();
        let (tmin, tmax) = t
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let (tmin, tmax) = if tmin > tmax {
            (0.0, 1.0) // nothing drawable
        } else if tmax - tmin <= 1e-300 + 1e-14 * tmin.abs() {
            (tmin - 0.5, tmax + 0.5)
        } else {
            (tmin, tmax)
        };
        let nb = self.levels + 1;
        let level = |k: usize| tmin + (tmax - tmin) * k as f64 / nb as f64;
        let band_of =
            |v: f64| (((v - tmin) / (tmax - tmin) * nb as f64).floor() as usize).min(nb - 1);
        let band_color = |b: usize| Rgb::viridis((b as f64 + 0.5) / nb as f64).color();

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

        // Filled bands on a grid refined by bilinear interpolation (so band edges follow the
        // iso-lines closely); one rectangle per horizontal run of equal band.
        let mut rects = Vec::new();
        let (rx, ry) = (refine(nx), refine(ny));
        let (fx, fy) = (rx as f64, ry as f64);
        for r in 0..=(ny - 1) * ry {
            let v = r as f64 / fy;
            let band_at = |c: usize| {
                let z = bilinear(&t, c as f64 / fx, v);
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
            draw_legend(&mut chart, self.legend)?;
        }

        // Colour bar: the bands stacked over [tmin, tmax], labelled in original units.
        let mut cb = ChartBuilder::on(&bar)
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

/// Refinement factor so that the colour fill has ~200 cells per axis (at most 8 per cell).
fn refine(n: usize) -> usize {
    (200 / (n - 1).max(1)).clamp(1, 8)
}

/// Bilinear interpolation of `t` at fractional grid coordinates (u, v); corners with zero
/// weight are ignored, so only cells touching a non-finite value give NaN.
fn bilinear(t: &[Vec<f64>], u: f64, v: f64) -> f64 {
    let (nx, ny) = (t[0].len(), t.len());
    let i = (u.floor() as usize).min(nx - 2);
    let j = (v.floor() as usize).min(ny - 2);
    let (a, b) = (u - i as f64, v - j as f64);
    let mut acc = 0.0;
    for (w, z) in [
        ((1.0 - a) * (1.0 - b), t[j][i]),
        (a * (1.0 - b), t[j][i + 1]),
        ((1.0 - a) * b, t[j + 1][i]),
        (a * b, t[j + 1][i + 1]),
    ] {
        if w > 0.0 {
            acc += w * z;
        }
    }
    acc
}

/// A point on a grid edge: horizontal edge (i, j)–(i+1, j) or vertical edge (i, j)–(i, j+1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Edge {
    H(usize, usize),
    V(usize, usize),
}

/// Marching squares: iso-lines `t = c` as polylines in fractional grid coordinates (i, j).
/// Cells with a non-finite corner are skipped; saddles are resolved by the cell mean.
fn iso_lines(t: &[Vec<f64>], c: f64) -> Vec<Vec<(f64, f64)>> {
    let (nx, ny) = (t[0].len(), t.len());
    let above = |i: usize, j: usize| t[j][i] > c;
    let point = |e: Edge| -> (f64, f64) {
        let (a, b, (i, j), horizontal) = match e {
            Edge::H(i, j) => (t[j][i], t[j][i + 1], (i, j), true),
            Edge::V(i, j) => (t[j][i], t[j + 1][i], (i, j), false),
        };
        let s = ((c - a) / (b - a)).clamp(0.0, 1.0);
        if horizontal {
            (i as f64 + s, j as f64)
        } else {
            (i as f64, j as f64 + s)
        }
    };
    let mut segs: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let v = [t[j][i], t[j][i + 1], t[j + 1][i + 1], t[j + 1][i]];
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let b = [
                above(i, j),
                above(i + 1, j),
                above(i + 1, j + 1),
                above(i, j + 1),
            ];
            // Edges in cyclic order: bottom, right, top, left (edge k joins corners k, k+1).
            let edges = [
                Edge::H(i, j),
                Edge::V(i + 1, j),
                Edge::H(i, j + 1),
                Edge::V(i, j),
            ];
            let crossing: Vec<usize> = (0..4).filter(|&k| b[k] != b[(k + 1) % 4]).collect();
            match crossing.len() {
                2 => segs.push((edges[crossing[0]], edges[crossing[1]])),
                4 => {
                    let centre_above = v.iter().sum::<f64>() / 4.0 > c;
                    if centre_above == b[0] {
                        // corners 1 and 3 are cut off
                        segs.push((edges[0], edges[1]));
                        segs.push((edges[2], edges[3]));
                    } else {
                        // corners 0 and 2 are cut off
                        segs.push((edges[3], edges[0]));
                        segs.push((edges[1], edges[2]));
                    }
                }
                _ => {}
            }
        }
    }
    // Chain segments sharing an edge into polylines.
    let mut at: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, &(a, b)) in segs.iter().enumerate() {
        at.entry(a).or_default().push(k);
        at.entry(b).or_default().push(k);
    }
    let mut used = vec![false; segs.len()];
    let next = |e: Edge, used: &mut Vec<bool>| -> Option<Edge> {
        let k = *at.get(&e)?.iter().find(|&&k| !used[k])?;
        used[k] = true;
        let (a, b) = segs[k];
        Some(if a == e { b } else { a })
    };
    let mut out = Vec::new();
    for k in 0..segs.len() {
        if used[k] {
            continue;
        }
        used[k] = true;
        let (a, b) = segs[k];
        let mut fwd = vec![a, b];
        while let Some(e) = next(*fwd.last().expect("non-empty"), &mut used) {
            fwd.push(e);
        }
        let mut back = Vec::new();
        while let Some(e) = next(*back.last().unwrap_or(&a), &mut used) {
            back.push(e);
        }
        back.reverse();
        back.extend(fwd);
        out.push(back.into_iter().map(point).collect());
    }
    out
}

// ---------------------------------------------------------------------------------------
// Panel
// ---------------------------------------------------------------------------------------

/// One cell of a [`Panel`].
#[derive(Clone, Debug)]
pub enum Plot {
    /// A line plot.
    Line(LinePlot),
    /// A contour plot.
    Contour(ContourPlot),
}

impl Plot {
    fn draw_on(&self, area: &Area<'_>) -> Result<()> {
        match self {
            Plot::Line(p) => p.draw_on(area),
            Plot::Contour(p) => p.draw_on(area),
        }
    }
}

impl From<LinePlot> for Plot {
    fn from(p: LinePlot) -> Self {
        Plot::Line(p)
    }
}

impl From<ContourPlot> for Plot {
    fn from(p: ContourPlot) -> Self {
        Plot::Contour(p)
    }
}

/// Several plots in a grid, filled row by row, in one SVG (the plots' own sizes are ignored;
/// every cell has the panel's cell size).
///
/// ```
/// use actbif::report::{LinePlot, Panel, Series};
/// let a = LinePlot::new("a").series(Series::new("rising", [(0.0, 0.0), (1.0, 1.0)]));
/// let b = LinePlot::new("b").series(Series::new("falling", [(0.0, 1.0), (1.0, 0.0)]));
/// let svg = Panel::new(2).push(a).push(b).render_svg().unwrap();
/// assert!(svg.contains("rising") && svg.contains("falling"));
/// ```
#[derive(Clone, Debug)]
pub struct Panel {
    columns: usize,
    title: String,
    cell: (u32, u32),
    plots: Vec<Plot>,
}

impl Panel {
    /// An empty panel with `columns` columns (at least 1); default cell 560 × 420 px.
    pub fn new(columns: usize) -> Self {
        Panel {
            columns: columns.max(1),
            title: String::new(),
            cell: (560, 420),
            plots: Vec::new(),
        }
    }

    /// Sets an overall title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the size of each cell in pixels (at least 200 × 150).
    pub fn cell_size(mut self, width: u32, height: u32) -> Self {
        self.cell = (width, height);
        self
    }

    /// Appends a plot (builder style).
    pub fn push(mut self, plot: impl Into<Plot>) -> Self {
        self.plots.push(plot.into());
        self
    }

    /// Appends a plot in place.
    pub fn add(&mut self, plot: impl Into<Plot>) {
        self.plots.push(plot.into());
    }

    /// Renders the panel to an SVG document.
    pub fn render_svg(&self) -> Result<String> {
        check_size(self.cell.0, self.cell.1)?;
        let rows = self.plots.len().div_ceil(self.columns).max(1);
        let head = if self.title.is_empty() { 0 } else { 40 };
        let size = (
            self.cell.0 * self.columns as u32,
            self.cell.1 * rows as u32 + head,
        );
        render_svg_with(size, |root| {
            let body = if self.title.is_empty() {
                root.clone()
            } else {
                root.titled(&self.title, ("sans-serif", TITLE_FONT + 4))
                    .map_err(plot_err)?
            };
            let cells = body.split_evenly((rows, self.columns));
            for (plot, cell) in self.plots.iter().zip(cells.iter()) {
                plot.draw_on(cell)?;
            }
            Ok(())
        })
    }

    /// Renders and writes the SVG atomically (see [`write_atomic`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.render_svg()?.as_bytes())
    }
}

// ---------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------

/// A simple table of strings rendered as aligned plain text ([`Table::to_text`], also
/// `Display`) or Markdown ([`Table::to_markdown`]). Columns whose cells all parse as numbers
/// are right-aligned, others left-aligned.
///
/// ```
/// use actbif::report::Table;
/// let mut t = Table::new(["m", "λ*"]);
/// t.push_row(["10", "0.72"]).unwrap();
/// t.push_row(["100", "0.5"]).unwrap();
/// assert_eq!(t.to_text(), "  m    λ*\n---  ----\n 10  0.72\n100   0.5\n");
/// assert!(t.push_row(["1"]).is_err()); // wrong number of cells
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; errors ([`Error::Shape`]) unless it has one cell per column.
    pub fn push_row<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) -> Result<()> {
        let row: Vec<String> = row.into_iter().map(Into::into).collect();
        if row.len() != self.headers.len() {
            return Err(Error::shape(
                "table row",
                format!("{} cells (one per column)", self.headers.len()),
                row.len(),
            ));
        }
        self.rows.push(row);
        Ok(())
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    fn widths_and_numeric(&self) -> (Vec<usize>, Vec<bool>) {
        let len = |s: &str| s.chars().count();
        let widths = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| len(&r[c]))
                    .chain(std::iter::once(len(&self.headers[c])))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric = (0..self.headers.len())
            .map(|c| {
                !self.rows.is_empty()
                    && self.rows.iter().all(|r| r[c].trim().parse::<f64>().is_ok())
            })
            .collect();
        (widths, numeric)
    }

    /// Plain text: header, a dashed rule, rows; columns separated by two spaces, no trailing
    /// spaces.
    pub fn to_text(&self) -> String {
        let (widths, numeric) = self.widths_and_numeric();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, s)| pad(s, widths[c], numeric[c]))
                .collect();
            parts.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        out.push_str(&(rule.join("  ") + "\n"));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// GitHub-flavoured Markdown (`|` in cells escaped; numeric columns right-aligned).
    pub fn to_markdown(&self) -> String {
        let (widths, numeric) = self.widths_and_numeric();
        let esc = |s: &str| s.replace('|', "\\|");
        let widths: Vec<usize> = widths
            .iter()
            .enumerate()
            .map(|(c, &w)| {
                let extra = std::iter::once(&self.headers[c])
                    .chain(self.rows.iter().map(|r| &r[c]))
                    .map(|s| s.matches('|').count())
                    .max()
                    .unwrap_or(0);
                (w + extra).max(3)
            })
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, s)| pad(&esc(s), widths[c], numeric[c]))
                .collect();
            format!("| {} |\n", parts.join(" | "))
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> = widths
            .iter()
            .zip(&numeric)
            .map(|(&w, &num)| {
                if num {
                    format!("{}:", "-".repeat(w - 1))
                } else {
                    "-".repeat(w)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.chars().count()));
    if right {
        fill + s
    } else {
        s.to_string() + &fill
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Formats a number with `sig` significant digits in scientific notation (`1.235e-4`),
/// or `NaN`/`inf`/`-inf`; `sig` is clamped to 1..=17. Handy for table cells.
///
/// ```
/// use actbif::report::fmt_sci;
/// assert_eq!(fmt_sci(0.00012345, 3), "1.23e-4");
/// assert_eq!(fmt_sci(f64::NAN, 3), "NaN");
/// ```
pub fn fmt_sci(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let p = sig.clamp(1, 17) - 1;
    format!("{x:.p$e}")
}

//! The SVG canvas shared by every figure: axes and ticks, series drawing, reference lines,
//! dashes. Styles are in [`super::style`], legend drawing in [`super::legend`].

use crate::error::{Error, Result};
use plotters::chart::SeriesAnno;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::style::*;

/// Tick label: plain decimals for moderate magnitudes, otherwise `2.5e-7` style.
pub(super) fn fmt_tick(v: f64) -> String {
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
pub(super) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
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
pub(super) struct TickAxis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) decades: bool,
}

impl TickAxis {
    pub(super) fn linear((lo, hi): (f64, f64)) -> Self {
        TickAxis {
            lo,
            hi,
            decades: false,
        }
    }

    pub(super) fn ticks(&self, n: usize) -> Vec<f64> {
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

/// A base-10 log axis with labels at whole decades, thinned to every k-th when there are
/// many; with fewer than [`MIN_DECADE_TICKS`] decades in range, also at 2 and 5 (and at every
/// mantissa 1…9 when even those are too few), so every log chart has enough labels. Minor
/// grid lines at 1…9 per decade. plotters' own log axis labels decades only: one or two labels
/// on a chart spanning a decade.
#[derive(Clone, Debug)]
pub(super) struct LogAxis {
    pub(super) lo: f64,
    pub(super) hi: f64,
}

/// Below this many decade ticks, a log axis is also labelled at 2 and 5.
pub(super) const MIN_DECADE_TICKS: usize = 4;

impl LogAxis {
    /// The values m·10^k (m in `mantissas`) inside \[lo, hi\], ascending.
    fn at(&self, mantissas: &[f64]) -> Vec<f64> {
        let (k0, k1) = (
            self.lo.log10().floor() as i32,
            self.hi.log10().ceil() as i32,
        );
        let inside = |v: &f64| *v >= self.lo * (1.0 - 1e-12) && *v <= self.hi * (1.0 + 1e-12);
        (k0..=k1)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
            .filter(inside)
            .collect()
    }

    /// Labelled positions, at most about `n` (decades are thinned, never dropped for 2 and 5).
    pub(super) fn ticks(&self, n: usize) -> Vec<f64> {
        if !(self.lo > 0.0 && self.hi > self.lo && self.hi.is_finite()) {
            return vec![];
        }
        let decades = self.at(&[1.0]);
        if decades.len() >= MIN_DECADE_TICKS {
            let every = decades.len().div_ceil(n.max(1)).max(1);
            return decades.into_iter().step_by(every).collect();
        }
        let ticks = self.at(&[1.0, 2.0, 5.0]);
        if ticks.len() >= 3 {
            return ticks;
        }
        self.at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    }
}

impl Ranged for LogAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = (self.lo.log10(), self.hi.log10());
        let f = (v.log10() - a) / (b - a);
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            let minor = self.at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
            // Minor lines only while they stay a few pixels apart (≤ 12 decades).
            return if minor.len() <= 108 {
                minor
            } else {
                self.at(&[1.0])
            };
        }
        self.ticks(hint.max_num_points())
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

pub(super) fn plot_err<E: std::error::Error>(e: E) -> Error {
    Error::param("figure", format!("rendering failed: {e}"))
}

/// Data range of finite (and, on log axes, positive) values, padded by 5% (in log space on
/// log axes); degenerate ranges are widened.
pub(super) fn axis_range(values: impl Iterator<Item = f64>, scale: Scale) -> (f64, f64) {
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
pub(super) fn runs(points: &[(f64, f64)], xs: Scale, ys: Scale) -> Vec<Vec<(f64, f64)>> {
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

pub(super) type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

/// Draws series (line pieces, markers, legend entries) on any 2-D chart.
pub(super) fn draw_series<'a, 'b: 'a, X, Y>(
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
                    // One polyline with an SVG dash pattern (see `dash_sentinel`): plotters'
                    // own dashing restarts at every data point, so densely sampled curves
                    // came out solid.
                    let sentinel =
                        ShapeStyle::from(&color).stroke_width(dash_sentinel(s.style, s.width));
                    let a = chart
                        .draw_series(LineSeries::new(piece.iter().copied(), sentinel))
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
                LineStyle::Fill => {
                    let fill = color.mix(FILL_OPACITY).filled();
                    let a = chart
                        .draw_series(std::iter::once(Polygon::new(piece, fill)))
                        .map_err(plot_err)?;
                    annotate(a);
                }
            }
        }
    }
    Ok(())
}

/// Attaches a legend entry whose sample matches the series style.
pub(super) fn set_legend<'a, 'b: 'a>(
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
        LineStyle::Fill => {
            let fill = line.color.mix(FILL_OPACITY).filled();
            anno.legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 24, y + 5)], fill));
        }
    }
}

/// Draws reference lines across the current axis ranges.
pub(super) fn draw_ref_lines<'a, 'b: 'a, X, Y>(
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

/// Stroke widths from this value up encode a dash pattern (no figure draws lines this wide):
/// `DASH_SENTINEL·k + w` is width w with pattern k (1 dashed, 2 dotted); [`apply_dashes`]
/// rewrites them to `stroke-dasharray` after rendering.
const DASH_SENTINEL: u32 = 10_000;

/// Dashes are drawn one pixel wider than the series width, so that a dashed curve lying on a
/// solid one of the same colour (paper method on the exact branch) still shows its dashes.
fn dash_sentinel(style: LineStyle, width: u32) -> u32 {
    let (k, w) = if style == LineStyle::Dotted {
        (2, width)
    } else {
        (1, width + 1)
    };
    DASH_SENTINEL * k + w.min(DASH_SENTINEL - 1)
}

/// Rewrites sentinel stroke widths to `stroke-width="w" stroke-dasharray="…"`: dashes 3w + 1
/// long (10 px at w = 3) with 5 px gaps; round dots every w + 4 px.
pub(super) fn apply_dashes(svg: &str) -> String {
    const KEY: &str = "stroke-width=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(KEY) {
        let (head, tail) = rest.split_at(i + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(0);
        let (num, after) = tail.split_at(end);
        match num.parse::<u32>() {
            Ok(n) if n >= DASH_SENTINEL => {
                let w = n % DASH_SENTINEL;
                let pattern = if n / DASH_SENTINEL == 2 {
                    format!("1,{}\" stroke-linecap=\"round", w + 4)
                } else {
                    format!("{},5", 3 * w + 1)
                };
                out.push_str(&format!("{w}\" stroke-dasharray=\"{pattern}"));
            }
            _ => out.push_str(num),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

pub(super) fn check_size(w: u32, h: u32) -> Result<()> {
    if w < 200 || h < 150 {
        return Err(Error::param(
            "figure size",
            format!("{w} × {h} px is too small (need at least 200 × 150)"),
        ));
    }
    Ok(())
}

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// An SVG document of `size` pixels: a white canvas on which `draw` paints.
pub(super) fn render_svg_with(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    Ok(apply_dashes(&svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64) -> Vec<String> {
        LogAxis { lo, hi }
            .ticks(10)
            .into_iter()
            .map(fmt_tick)
            .collect()
    }

    #[test]
    fn log_axis_over_two_decades_is_labelled_at_1_2_5() {
        assert_eq!(
            labels(1e-3, 0.1),
            ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1"]
        );
    }

    #[test]
    fn log_axis_over_many_decades_is_labelled_at_decades_thinned() {
        assert_eq!(
            labels(1e-4, 10.0),
            ["1e-4", "0.001", "0.01", "0.1", "1", "10"]
        );
        let many = LogAxis { lo: 1e-30, hi: 1.0 }.ticks(10);
        assert!(many.len() <= 10 && many.len() >= 5, "{many:?}");
        // Whole decades only, evenly thinned.
        let exps: Vec<f64> = many.iter().map(|v| v.log10()).collect();
        assert!(
            exps.iter().all(|e| (e - e.round()).abs() < 1e-9),
            "{many:?}"
        );
        let step = exps[1] - exps[0];
        assert!(
            exps.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9),
            "{many:?}"
        );
    }

    #[test]
    fn log_axis_inside_one_decade_uses_every_mantissa() {
        assert_eq!(
            labels(0.25, 0.85),
            ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8"]
        );
        assert_eq!(labels(0.15, 0.6), ["0.2", "0.3", "0.4", "0.5", "0.6"]);
    }

    #[test]
    fn log_axis_labels_are_distinct_and_ascending() {
        for (lo, hi) in [(3e-5, 2e-3), (0.02, 0.9), (1e-12, 1e-2), (7.0, 3000.0)] {
            let t = LogAxis { lo, hi }.ticks(10);
            assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
            let l: Vec<String> = t.iter().map(|&v| fmt_tick(v)).collect();
            let mut u = l.clone();
            u.dedup();
            assert_eq!(l, u);
            assert!(t.len() >= 3, "({lo}, {hi}): {l:?}");
        }
    }
}

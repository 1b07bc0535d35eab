//! Output helpers of the experiments: atomic writes, a markdown table and minimal SVG plots.
//!
//! Local adapters: the report module (`crate::report`) will provide `write_atomic`,
//! `write_json_atomic`, `LinePlot`/`ContourPlot` and `Table`; until it lands the experiments
//! use these small equivalents, kept behind the same few functions so they can be swapped.

use crate::error::{Error, Result};
use plotters::prelude::*;
use serde::Serialize;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::param("path", format!("`{}` has no file name", path.display())))?;
    let mut tmp_name = file_name.to_os_string();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(|source| Error::Io {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Serialises `value` as pretty JSON and writes it atomically.
pub fn write_json_atomic<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    write_atomic(path, s.as_bytes())
}

/// A markdown table (also printed to stdout as is).
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column headers.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells are left empty, extra cells dropped).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut r: Vec<String> = cells.into_iter().map(Into::into).collect();
        r.resize(self.header.len(), String::new());
        self.rows.push(r);
    }

    /// Markdown with columns padded to equal width.
    pub fn to_markdown(&self) -> String {
        let n = self.header.len();
        let mut w = vec![3usize; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (k, c) in r.iter().enumerate() {
                w[k] = w[k].max(c.chars().count());
            }
        }
        let line = |r: &[String]| {
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{c}{}", " ".repeat(w[k] - c.chars().count())))
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut s = line(&self.header);
        let sep: Vec<String> = w.iter().map(|&k| "-".repeat(k)).collect();
        s.push_str(&format!("| {} |\n", sep.join(" | ")));
        for r in &self.rows {
            s.push_str(&line(r));
        }
        s
    }
}

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
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>, style: Style, color: usize) -> Self {
        Series {
            label: label.into(),
            points,
            style,
            color,
        }
    }
}

/// Axis scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Linear.
    #[default]
    Linear,
    /// log10 (non-positive values are dropped).
    Log,
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
}

fn color(k: usize) -> RGBColor {
    const P: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    P[k % P.len()]
}

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::Linalg(format!("plotting failed: {e}"))
}

fn tr(scale: Scale, v: f64) -> Option<f64> {
    match scale {
        Scale::Linear => v.is_finite().then_some(v),
        Scale::Log => (v.is_finite() && v > 0.0).then(|| v.log10()),
    }
}

fn axis_label(l: &str, s: Scale) -> String {
    match s {
        Scale::Linear => l.to_string(),
        Scale::Log => format!("log10 {l}"),
    }
}

fn padded_range(lo: f64, hi: f64) -> std::ops::Range<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return 0.0..1.0;
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        0.04 * span
    } else {
        0.5 * lo.abs().max(1e-12)
    };
    (lo - pad)..(hi + pad)
}

impl LinePlot {
    /// Renders the plot to an SVG string.
    pub fn to_svg(&self) -> Result<String> {
        // Transformed, finite-split curves.
        let curves: Vec<Vec<Vec<(f64, f64)>>> = self
            .series
            .iter()
            .map(|s| {
                let mut parts = vec![Vec::new()];
                for &(x, y) in &s.points {
                    match (tr(self.x_scale, x), tr(self.y_scale, y)) {
                        (Some(a), Some(b)) => parts.last_mut().unwrap().push((a, b)),
                        _ => {
                            if !parts.last().unwrap().is_empty() {
                                parts.push(Vec::new());
                            }
                        }
                    }
                }
                parts.retain(|p| !p.is_empty());
                parts
            })
            .collect();
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in curves.iter().flatten().flatten() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        for h in self.hlines.iter().filter_map(|&h| tr(self.y_scale, h)) {
            y0 = y0.min(h);
            y1 = y1.max(h);
        }
        let xr = padded_range(x0, x1);
        let yr = padded_range(y0, y1);
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (760, 500)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(xr.clone(), yr.clone())
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc(axis_label(&self.x_label, self.x_scale))
                .y_desc(axis_label(&self.y_label, self.y_scale))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(plot_err)?;
            for h in self.hlines.iter().filter_map(|&h| tr(self.y_scale, h)) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(xr.start, h), (xr.end, h)],
                        BLACK.mix(0.4).stroke_width(1),
                    )))
                    .map_err(plot_err)?;
            }
            for v in self.vlines.iter().filter_map(|&v| tr(self.x_scale, v)) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(v, yr.start), (v, yr.end)],
                        BLACK.mix(0.4).stroke_width(1),
                    )))
                    .map_err(plot_err)?;
            }
            let mut any_label = false;
            for (s, parts) in self.series.iter().zip(&curves) {
                let c = color(s.color);
                let mut first = true;
                for part in parts {
                    let label_here = first && !s.label.is_empty();
                    first = false;
                    let anno = match s.style {
                        Style::Line | Style::LineMarkers => Some(
                            chart
                                .draw_series(LineSeries::new(part.clone(), c.stroke_width(2)))
                                .map_err(plot_err)?,
                        ),
                        Style::Dashed => Some(
                            chart
                                .draw_series(DashedLineSeries::new(
                                    part.clone(),
                                    6,
                                    4,
                                    c.stroke_width(2),
                                ))
                                .map_err(plot_err)?,
                        ),
                        Style::Markers => None,
                    };
                    let anno = if matches!(s.style, Style::Markers | Style::LineMarkers) {
                        Some(
                            chart
                                .draw_series(
                                    part.iter().map(|&p| Circle::new(p, 3, c.filled())),
                                )
                                .map_err(plot_err)?,
                        )
                    } else {
                        anno
                    };
                    if let (true, Some(a)) = (label_here, anno) {
                        any_label = true;
                        a.label(s.label.clone()).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                        });
                    }
                }
            }
            if any_label {
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK.mix(0.3))
                    .position(SeriesLabelPosition::UpperRight)
                    .draw()
                    .map_err(plot_err)?;
            }
            root.present().map_err(plot_err)?;
        }
        Ok(buf)
    }

    /// Renders and writes the plot atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_svg()?.as_bytes())
    }
}

/// A filled contour plot of values on a rectangular grid, with overlay polylines.
#[derive(Clone, Debug, Default)]
pub struct ContourPlot {
    /// Title.
    pub title: String,
    /// x label.
    pub x_label: String,
    /// y label.
    pub y_label: String,
    /// Grid x coordinates (ascending).
    pub xs: Vec<f64>,
    /// Grid y coordinates (ascending).
    pub ys: Vec<f64>,
    /// Values, `z[i][j]` at (xs[i], ys[j]).
    pub z: Vec<Vec<f64>>,
    /// Number of contour levels (quantile-spaced).
    pub levels: usize,
    /// Overlay polylines (label, points, palette index).
    pub overlays: Vec<Series>,
}

/// Marching squares: the segments of the level set {z = c} on one grid.
fn level_segments(xs: &[f64], ys: &[f64], z: &[Vec<f64>], c: f64) -> Vec<[(f64, f64); 2]> {
    let mut out = Vec::new();
    let lerp = |p: (f64, f64, f64), q: (f64, f64, f64)| {
        let t = (c - p.2) / (q.2 - p.2);
        (p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1))
    };
    for i in 0..xs.len().saturating_sub(1) {
        for j in 0..ys.len().saturating_sub(1) {
            let corners = [
                (xs[i], ys[j], z[i][j]),
                (xs[i + 1], ys[j], z[i + 1][j]),
                (xs[i + 1], ys[j + 1], z[i + 1][j + 1]),
                (xs[i], ys[j + 1], z[i][j + 1]),
            ];
            let mut pts = Vec::with_capacity(4);
            for k in 0..4 {
                let (p, q) = (corners[k], corners[(k + 1) % 4]);
                if (p.2 < c) != (q.2 < c) {
                    pts.push(lerp(p, q));
                }
            }
            if pts.len() == 2 {
                out.push([pts[0], pts[1]]);
            } else if pts.len() == 4 {
                out.push([pts[0], pts[1]]);
                out.push([pts[2], pts[3]]);
            }
        }
    }
    out
}

impl ContourPlot {
    /// Renders the plot to an SVG string (colour = rank of the value, lines = levels).
    pub fn to_svg(&self) -> Result<String> {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        if nx < 2 || ny < 2 || self.z.len() != nx || self.z.iter().any(|r| r.len() != ny) {
            return Err(Error::shape(
                "contour grid",
                format!("{nx} × {ny} values on ≥ 2 × 2 points"),
                format!("{} rows", self.z.len()),
            ));
        }
        let mut sorted: Vec<f64> = self.z.iter().flatten().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return Err(Error::NonFinite {
                what: "contour values".into(),
                index: 0,
            });
        }
        let q = |t: f64| sorted[((sorted.len() - 1) as f64 * t).round() as usize];
        let rank = |v: f64| sorted.partition_point(|&s| s < v) as f64 / sorted.len() as f64;
        let mut buf = String::new();
        {
            let root = SVGBackend::with_string(&mut buf, (560, 500)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(&self.title, ("sans-serif", 16))
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size(50)
                .build_cartesian_2d(self.xs[0]..self.xs[nx - 1], self.ys[0]..self.ys[ny - 1])
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(&self.x_label)
                .y_desc(&self.y_label)
                .draw()
                .map_err(plot_err)?;
            let mut cells = Vec::with_capacity(nx * ny);
            for i in 0..nx - 1 {
                for j in 0..ny - 1 {
                    let v = self.z[i][j];
                    let t = if v.is_finite() { rank(v) } else { 1.0 };
                    let c = RGBColor(
                        (40.0 + 215.0 * t) as u8,
                        (60.0 + 160.0 * t) as u8,
                        (140.0 + 60.0 * (1.0 - t)) as u8,
                    );
                    cells.push(Rectangle::new(
                        [(self.xs[i], self.ys[j]), (self.xs[i + 1], self.ys[j + 1])],
                        c.filled(),
                    ));
                }
            }
            chart.draw_series(cells).map_err(plot_err)?;
            let levels = self.levels.max(1);
            for k in 1..=levels {
                // Quantile-spaced levels, denser near the minimum.
                let t = (k as f64 / (levels + 1) as f64).powi(2);
                let c = q(t);
                let segs = level_segments(&self.xs, &self.ys, &self.z, c);
                chart
                    .draw_series(
                        segs.into_iter()
                            .map(|s| PathElement::new(vec![s[0], s[1]], BLACK.mix(0.6).stroke_width(1))),
                    )
                    .map_err(plot_err)?;
            }
            let mut any_label = false;
            for s in &self.overlays {
                let c = color(s.color);
                let style = if s.style == Style::Markers {
                    None
                } else {
                    Some(
                        chart
                            .draw_series(LineSeries::new(s.points.clone(), c.stroke_width(2)))
                            .map_err(plot_err)?,
                    )
                };
                let a = match style {
                    Some(a) => a,
                    None => chart
                        .draw_series(s.points.iter().map(|&p| Circle::new(p, 4, c.filled())))
                        .map_err(plot_err)?,
                };
                if !s.label.is_empty() {
                    any_label = true;
                    a.label(s.label.clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                    });
                }
            }
            if any_label {
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK.mix(0.3))
                    .draw()
                    .map_err(plot_err)?;
            }
            root.present().map_err(plot_err)?;
        }
        Ok(buf)
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
    fn atomic_write_replaces_content_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("actbif-out-{}", std::process::id()));
        let p = dir.join("a.json");
        write_json_atomic(&p, &vec![1, 2]).unwrap();
        write_json_atomic(&p, &vec![3]).unwrap();
        let back: Vec<i32> = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(back, vec![3]);
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "temporary file left behind: {names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn table_pads_columns() {
        let mut t = Table::new(["a", "bbb"]);
        t.row(["xxxxx", "y"]);
        let md = t.to_markdown();
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.chars().count() == lines[0].chars().count()));
    }

    #[test]
    fn marching_squares_finds_circle() {
        // z = x² + y² on [-1, 1]²: the level 0.25 is the circle of radius 0.5.
        let xs: Vec<f64> = (0..41).map(|i| -1.0 + i as f64 / 20.0).collect();
        let z: Vec<Vec<f64>> = xs.iter().map(|x| xs.iter().map(|y| x * x + y * y).collect()).collect();
        let segs = level_segments(&xs, &xs, &z, 0.25);
        assert!(!segs.is_empty());
        for s in segs {
            for (x, y) in s {
                // Linear interpolation of a quadratic on a 0.05 grid: error ≤ h²/4-ish.
                assert!(((x * x + y * y).sqrt() - 0.5).abs() < 5e-3);
            }
        }
    }

    #[test]
    fn plots_render_svg() {
        let p = LinePlot {
            title: "t".into(),
            y_scale: Scale::Log,
            series: vec![Series::new("s", vec![(0.0, 1.0), (1.0, 10.0), (2.0, -1.0)], Style::LineMarkers, 0)],
            hlines: vec![1.0],
            ..Default::default()
        };
        let svg = p.to_svg().unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"));
    }
}

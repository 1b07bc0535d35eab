//! The styles a figure is described with: colours, line styles, axis scales, legend position,
//! series and reference lines, font sizes.

use plotters::prelude::*;

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

    pub(super) fn color(self) -> RGBColor {
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
    /// A faint filled region: each NaN-separated piece of the points is one closed polygon
    /// (filled at [`FILL_OPACITY`], no outline).
    Fill,
}

/// Opacity of a [`LineStyle::Fill`] region (faint, so lines drawn over it stay legible).
pub const FILL_OPACITY: f64 = 0.22;

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
    pub(super) fn to_plotters(self) -> Option<SeriesLabelPosition> {
        match self {
            LegendPosition::UpperRight => Some(SeriesLabelPosition::UpperRight),
            LegendPosition::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
            LegendPosition::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
            LegendPosition::LowerRight => Some(SeriesLabelPosition::LowerRight),
            LegendPosition::Hidden => None,
        }
    }
}

/// A named data series for [`LinePlot`](super::LinePlot) (or an overlay on a [`ContourPlot`](super::ContourPlot)).
///
/// Points with a non-finite coordinate are skipped and split a line into separate pieces
/// (no line is drawn across the gap).
#[derive(Clone, Debug)]
pub struct Series {
    pub(super) name: String,
    pub(super) points: Vec<(f64, f64)>,
    pub(super) style: LineStyle,
    pub(super) color: Option<Rgb>,
    pub(super) width: u32,
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
pub(super) struct RefLine {
    pub(super) at: f64,
    pub(super) vertical: bool,
    pub(super) label: String,
    pub(super) color: Rgb,
}

pub(super) const TITLE_FONT: u32 = 22;
pub(super) const LABEL_FONT: u32 = 17;
pub(super) const TICK_FONT: u32 = 13;

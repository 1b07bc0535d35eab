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

    /// Colour `i` of the (cyclic) series palette: Okabe–Ito without its yellow, ordered blue,
    /// vermillion, black, reddish purple, bluish green, orange, sky blue.
    ///
    /// Hand-written because plotters has no colour-blind-safe palette readable on white.
    /// Measured (min pairwise CIEDE2000 under Machado 2009 full protan / deutan / tritan
    /// simulation; WCAG contrast against white): plotters' `Palette99` 2.8 / 2.0 / 10.4 (its
    /// red and green merge), the old tab10 1.3 / 3.3 / 9.5; `Palette9999` 19.7 / 15.2 / 10.4
    /// but with yellow, pink and lavender at 1.31–1.59 : 1, invisible as 2-px lines, and its
    /// other six include maroon, navy and black (L* ≤ 26), which thin lines do not tell apart;
    /// `Palette100` has 4 colours, one of them that yellow. These seven: 12.2 / 12.5 / 10.9,
    /// contrast ≥ 2.25 : 1. Black sits at index 2 so that the contour overlays that pick
    /// index 9 stay visible on the viridis fill.
    ///
    /// ```
    /// use actbif::report::Rgb;
    /// assert_eq!(Rgb::palette(0), Rgb(0, 114, 178));
    /// assert_eq!(Rgb::palette(7), Rgb::palette(0));
    /// ```
    pub fn palette(i: usize) -> Rgb {
        Self::PALETTE[i % Self::PALETTE.len()]
    }

    /// Colour `i` of [`Rgb::ORDERED`] for an ordered quantity (e.g. a Morse index): indices
    /// past the end share the last colour rather than wrapping onto a small index's.
    ///
    /// ```
    /// use actbif::report::Rgb;
    /// assert_eq!(Rgb::ordered(1), Rgb::palette(1));
    /// assert_eq!(Rgb::ordered(100), Rgb::ORDERED[Rgb::ORDERED.len() - 1]);
    /// assert!((0..10).all(|i| Rgb::ordered(i) != Rgb(0, 0, 0)));
    /// ```
    pub fn ordered(i: usize) -> Rgb {
        Self::ORDERED[i.min(Self::ORDERED.len() - 1)]
    }

    /// The palette without black, which figures keep for markers and annotations.
    pub const ORDERED: [Rgb; 6] = [
        Self::PALETTE[0],
        Self::PALETTE[1],
        Self::PALETTE[4],
        Self::PALETTE[3],
        Self::PALETTE[5],
        Self::PALETTE[6],
    ];

    /// The series palette itself (see [`Rgb::palette`]).
    pub const PALETTE: [Rgb; 7] = [
        Rgb(0, 114, 178),
        Rgb(213, 94, 0),
        Rgb(0, 0, 0),
        Rgb(204, 121, 167),
        Rgb(0, 158, 115),
        Rgb(230, 159, 0),
        Rgb(86, 180, 233),
    ];

    /// The viridis colour map at `t` ∈ \[0, 1\] (clamped; NaN gives the low end): plotters'
    /// `ViridisRGB`.
    pub fn viridis(t: f64) -> Rgb {
        // plotters' clamp lets NaN through and then panics converting it to an index.
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let c: RGBColor = ViridisRGB.get_color(t);
        Rgb(c.0, c.1, c.2)
    }

    /// As plotters' colour.
    pub fn color(self) -> RGBColor {
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

//! Tables and SVG figures.
//!
//! * [`LinePlot`], [`ContourPlot`], [`BarChart`], [`Panel`]: SVG figures (plotters' SVG backend; no fonts
//!   needed, text is left to the SVG viewer). Non-finite points are skipped, never plotted.
//! * [`Table`]: aligned plain text or Markdown.
//!
//! File writing (atomic) is in [`crate::io`].

mod bar_chart;
mod contour;
mod legend;
mod line_plot;
mod marching_squares;
mod panel;
mod style;
mod svg;
mod table;

/// A rendered figure: (path relative to the output directory, SVG text).
pub type Figure = (String, String);

pub use bar_chart::BarChart;
pub use contour::{ColorScale, ContourPlot};
pub use line_plot::LinePlot;
pub use panel::{Panel, Plot};
pub use style::{LegendPosition, LineStyle, Rgb, Scale, Series, FILL_OPACITY};
pub use table::{fmt_sci, Table};

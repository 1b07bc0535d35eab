//! Panels: several plots on one SVG canvas.

use super::style::*;
use super::svg::*;
use super::{BarChart, ContourPlot, LinePlot};
use crate::error::Result;
use crate::io::write_atomic;
use std::path::Path;

/// One cell of a [`Panel`].
#[derive(Clone, Debug)]
pub enum Plot {
    /// A line plot.
    Line(LinePlot),
    /// A contour plot.
    Contour(ContourPlot),
    /// A grouped bar chart.
    Bar(BarChart),
}

impl Plot {
    fn draw_on(&self, area: &Area<'_>) -> Result<()> {
        match self {
            Plot::Line(p) => p.draw_on(area),
            Plot::Contour(p) => p.draw_on(area),
            Plot::Bar(p) => p.draw_on(area),
        }
    }
}

impl From<LinePlot> for Plot {
    fn from(p: LinePlot) -> Self {
        Plot::Line(p)
    }
}

impl From<BarChart> for Plot {
    fn from(p: BarChart) -> Self {
        Plot::Bar(p)
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

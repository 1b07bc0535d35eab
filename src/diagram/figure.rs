//! Figures of a diagram: λ against loss for every branch, coloured by Morse index, events
//! marked by kind; and the census at λ_max as loss against held-out loss, coloured by birth λ.

use super::{Diagram, DiagramBranch};
use crate::continuation::EventKind;
use crate::error::{Error, Result};
use crate::report::Rgb;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;
use std::path::Path;

/// [`Rgb::ordered`]: no yellow (unreadable on white), no black (the markers'); high indices
/// share one colour.
fn morse_colour(k: usize) -> RGBColor {
    Rgb::ordered(k).color()
}

fn plot_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Linalg(format!("figure: {e:?}"))
}

/// The figures as (file name, SVG): `diagram_loss.svg` and, when the census carries held-out
/// losses, `diagram_generalisation.svg`.
pub fn render(d: &Diagram) -> Result<Vec<(String, String)>> {
    let mut out = vec![("diagram_loss.svg".to_string(), loss_figure(d)?)];
    if let Some(c) = d.census.last() {
        if c.points.iter().any(|p| p.test_loss.is_some()) {
            out.push((
                "diagram_generalisation.svg".into(),
                generalisation_figure(d)?,
            ));
        }
    }
    Ok(out)
}

/// Writes [`render`]'s figures into `dir` (atomically); returns their file names.
pub fn write_figures(d: &Diagram, dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let mut names = Vec::new();
    for (name, svg) in render(d)? {
        crate::io::write_atomic(&dir.join(&name), svg.as_bytes())?;
        names.push(name);
    }
    Ok(names)
}

/// (min, max) of an iterator, padded by 5 %.
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = 0.05 * (hi - lo).max(1e-12);
    (lo - pad, hi + pad)
}

/// Runs of consecutive points with one Morse index, as (index, [(λ, loss)]).
fn runs(b: &DiagramBranch) -> Vec<(usize, Vec<(f64, f64)>)> {
    let mut out: Vec<(usize, Vec<(f64, f64)>)> = Vec::new();
    for p in &b.points {
        match out.last_mut() {
            Some((k, pts)) if *k == p.morse_index => pts.push((p.lambda, p.loss)),
            Some((_, pts)) => {
                let last = *pts.last().expect("non-empty run");
                out.push((p.morse_index, vec![last, (p.lambda, p.loss)]));
            }
            None => out.push((p.morse_index, vec![(p.lambda, p.loss)])),
        }
    }
    out
}

fn loss_figure(d: &Diagram) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (plot, legend) = root.split_horizontally(720);
        let loss = padded(
            d.branches
                .iter()
                .flat_map(|b| b.points.iter().map(|p| p.loss)),
        );
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                "Bifurcation diagram: loss of every critical branch",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(d.lambda_min..d.lambda_max, loss.0..loss.1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("λ")
            .y_desc("L(θ, λ)")
            .x_labels(11)
            .y_labels(8)
            .draw()
            .map_err(plot_err)?;
        let mut kmax = 0;
        for b in &d.branches {
            for (k, pts) in runs(b) {
                kmax = kmax.max(k);
                let style = morse_colour(k).stroke_width(2);
                chart
                    .draw_series(LineSeries::new(pts, style))
                    .map_err(plot_err)?;
            }
            for e in &b.events {
                let at = (
                    e.event.lambda,
                    loss_at(b, e.event.lambda, e.event.arclength),
                );
                let marker: DynElement<_, _> = match e.event.kind {
                    EventKind::Fold => Circle::new(at, 5, BLACK.stroke_width(2)).into_dyn(),
                    _ => TriangleMarker::new(at, 6, BLACK.filled()).into_dyn(),
                };
                chart
                    .draw_series(std::iter::once(marker))
                    .map_err(plot_err)?;
            }
        }
        legend_panel(&legend, kmax)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The loss at the branch point nearest an event (by arclength).
fn loss_at(b: &DiagramBranch, _lambda: f64, s: f64) -> f64 {
    b.points
        .iter()
        .min_by(|p, q| (p.arclength - s).abs().total_cmp(&(q.arclength - s).abs()))
        .map_or(0.0, |p| p.loss)
}

fn legend_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    kmax: usize,
) -> Result<()> {
    let font = ("sans-serif", 14).into_font();
    let mut y = 60;
    area.draw(&Text::new("Morse index", (10, y - 25), font.clone()))
        .map_err(plot_err)?;
    let last = Rgb::ORDERED.len() - 1;
    for k in 0..=kmax.min(last) {
        let c = morse_colour(k);
        area.draw(&PathElement::new(vec![(10, y), (40, y)], c.stroke_width(3)))
            .map_err(plot_err)?;
        // The last colour stands for every index from it up.
        let label = if k == last && kmax > last {
            format!("≥ {k}")
        } else {
            format!("{k}")
        };
        area.draw(&Text::new(label, (48, y - 7), font.clone()))
            .map_err(plot_err)?;
        y += 22;
    }
    y += 20;
    area.draw(&Circle::new((25, y), 5, BLACK.stroke_width(2)))
        .map_err(plot_err)?;
    area.draw(&Text::new("fold", (48, y - 7), font.clone()))
        .map_err(plot_err)?;
    y += 22;
    area.draw(&TriangleMarker::new((25, y), 6, BLACK.filled()))
        .map_err(plot_err)?;
    area.draw(&Text::new("branch point", (48, y - 7), font))
        .map_err(plot_err)?;
    Ok(())
}

fn generalisation_figure(d: &Diagram) -> Result<String> {
    let c = d.census.last().expect("checked by the caller");
    let pts: Vec<(f64, f64, Option<f64>, usize)> = c
        .points
        .iter()
        .filter_map(|p| {
            p.test_loss
                .map(|t| (p.loss, t, p.birth_lambda, p.morse_index))
        })
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (plot, legend) = root.split_horizontally(720);
        let x = padded(pts.iter().map(|p| p.0));
        let y = padded(pts.iter().map(|p| p.1));
        let title = format!(
            "Critical points at λ = {}: training vs held-out loss",
            c.lambda
        );
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x.0..x.1, y.0..y.1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("training loss")
            .y_desc("held-out loss")
            .x_labels(8)
            .y_labels(8)
            .draw()
            .map_err(plot_err)?;
        let (lo, hi) = (d.lambda_min, d.lambda_max);
        let colour = |b: Option<f64>| match b {
            None => RGBColor(0, 0, 0),
            Some(l) => ViridisRGB::get_color_normalized(l, lo, hi),
        };
        chart
            .draw_series(pts.iter().map(|&(a, b, birth, k)| {
                let c = colour(birth);
                if k == 0 {
                    Circle::new((a, b), 5, c.filled()).into_dyn()
                } else {
                    Cross::new((a, b), 5, c.stroke_width(2)).into_dyn()
                }
            }))
            .map_err(plot_err)?;
        colour_bar(&legend, lo, hi)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    lo: f64,
    hi: f64,
) -> Result<()> {
    let font = ("sans-serif", 14).into_font();
    area.draw(&Text::new("birth λ", (10, 30), font.clone()))
        .map_err(plot_err)?;
    for i in 0..=10 {
        let l = lo + (hi - lo) * i as f64 / 10.0;
        let yy = 60 + 24 * i;
        let c = ViridisRGB::get_color_normalized(l, lo, hi);
        area.draw(&Rectangle::new([(10, yy), (34, yy + 20)], c.filled()))
            .map_err(plot_err)?;
        area.draw(&Text::new(format!("{l:.1}"), (42, yy + 3), font.clone()))
            .map_err(plot_err)?;
    }
    let yy = 60 + 24 * 11 + 10;
    area.draw(&Circle::new((22, yy + 8), 5, BLACK.filled()))
        .map_err(plot_err)?;
    area.draw(&Text::new("from λ = 0 (no birth)", (42, yy), font.clone()))
        .map_err(plot_err)?;
    area.draw(&Text::new("● minimum  ✕ saddle", (10, yy + 30), font))
        .map_err(plot_err)?;
    Ok(())
}

//! Output helpers: atomic writes, SVG figures, tables.

use actbif::io::{write_atomic, write_json_atomic};
use actbif::report::{
    fmt_sci, ColorScale, ContourPlot, LegendPosition, LinePlot, LineStyle, Panel, Rgb, Series,
    Table,
};
use actbif::Error;
use serde::{Serialize, Serializer};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A unique fresh directory in the temp dir.
fn tmp_dir(name: &str) -> PathBuf {
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("actbif_report_{}_{k}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Entries of a directory other than `keep` (leftover temp files would show up here).
fn others(dir: &PathBuf, keep: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != keep)
        .collect()
}

struct Failing;

impl Serialize for Failing {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("deliberate failure"))
    }
}

#[test]
fn write_atomic_creates_parents_and_replaces() {
    let dir = tmp_dir("atomic");
    let p = dir.join("a/b/out.txt");
    write_atomic(&p, b"first").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"first");
    write_atomic(&p, b"second, longer").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"second, longer");
    assert!(others(&dir.join("a/b"), "out.txt").is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn failed_serialisation_leaves_old_file_intact() {
    let dir = tmp_dir("json");
    let p = dir.join("result.json");
    write_json_atomic(&p, &serde_json::json!({"lambda_star": 0.72})).unwrap();
    let before = std::fs::read(&p).unwrap();
    let e = write_json_atomic(&p, &Failing).unwrap_err();
    assert!(matches!(e, Error::Json(_)), "{e:?}");
    assert!(e.to_string().contains("deliberate failure"), "{e}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
    assert!(
        others(&dir, "result.json").is_empty(),
        "temp file left behind"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn json_writes_non_finite_as_null() {
    let dir = tmp_dir("nan");
    let p = dir.join("v.json");
    write_json_atomic(&p, &vec![1.5, f64::NAN, f64::INFINITY]).unwrap();
    let v: Vec<Option<f64>> = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    assert_eq!(v, vec![Some(1.5), None, None]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn failed_rename_is_io_error_and_cleans_up() {
    // The target is an existing non-empty directory: the rename must fail.
    let dir = tmp_dir("rename");
    let target = dir.join("occupied");
    std::fs::create_dir_all(target.join("inner")).unwrap();
    let e = write_atomic(&target, b"data").unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(others(&dir, "occupied").is_empty(), "temp file left behind");
    let _ = std::fs::remove_dir_all(dir);
}

fn line_plot() -> LinePlot {
    LinePlot::new("Eigenvalues along the branch")
        .x_label("lambda")
        .y_label("mu")
        .series(Series::new(
            "mu_one",
            (0..50).map(|i| (i as f64 / 49.0, 1.0 - i as f64 / 30.0)),
        ))
        .series(
            Series::new("mu_two", [(0.0, 2.0), (0.5, f64::NAN), (1.0, 1.5)])
                .style(LineStyle::Dashed)
                .color(Rgb::RED),
        )
        .series(Series::new("crit_points", [(0.6, 0.0)]).style(LineStyle::Points))
        .vline(0.6, "lambda_star")
        .hline(0.0, "")
}

#[test]
fn line_plot_svg_contains_series_names_and_saves() {
    let svg = line_plot().render_svg().unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
    for name in [
        "Eigenvalues along the branch",
        "mu_one",
        "mu_two",
        "crit_points",
        "lambda_star",
        "lambda",
    ] {
        assert!(svg.contains(name), "SVG lacks `{name}`");
    }
    // One circle for the single point of the Points series, one for its legend sample.
    assert_eq!(svg.matches("<circle").count(), 2);
    let dir = tmp_dir("svg");
    let p = dir.join("fig.svg");
    line_plot().save(&p).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), svg);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unnamed_series_stay_out_of_legend() {
    let svg = LinePlot::new("t")
        .series(Series::new("", [(0.0, 0.0), (1.0, 1.0)]))
        .series(Series::new("visible_one", [(0.0, 1.0), (1.0, 0.0)]))
        .render_svg()
        .unwrap();
    assert!(svg.contains("visible_one"));
    let hidden = LinePlot::new("t")
        .series(Series::new("hidden_one", [(0.0, 0.0), (1.0, 1.0)]))
        .legend(LegendPosition::Hidden)
        .render_svg()
        .unwrap();
    assert!(!hidden.contains("hidden_one"));
}

#[test]
fn log_axes_skip_non_positive_and_non_finite_points() {
    let pts = vec![
        (1.0, 1.0),
        (10.0, 0.0),
        (100.0, -1.0),
        (1000.0, f64::INFINITY),
        (f64::NAN, 1.0),
        (0.0, 1.0),
        (1e4, 1e-3),
    ];
    // As markers without a legend: exactly the plottable points become circles. Finite:
    // 5 points; y > 0 as well: (1, 1), (0, 1), (1e4, 1e-3); x > 0 too: (1, 1), (1e4, 1e-3).
    for (plot, expected) in [
        (LinePlot::new("linear"), 5),
        (LinePlot::new("semilog").log_y(), 3),
        (LinePlot::new("loglog").log_log(), 2),
    ] {
        let svg = plot
            .legend(LegendPosition::Hidden)
            .series(Series::new("s", pts.clone()).style(LineStyle::Points))
            .render_svg()
            .unwrap();
        assert_eq!(svg.matches("<circle").count(), expected);
    }
    // Nothing plottable at all still renders axes rather than failing.
    let svg = LinePlot::new("empty")
        .log_y()
        .series(Series::new("none", [(0.0, -1.0), (f64::NAN, f64::NAN)]))
        .render_svg()
        .unwrap();
    assert!(svg.contains("empty"));
}

#[test]
fn non_finite_point_breaks_the_line() {
    let svg = LinePlot::new("gap")
        .legend(LegendPosition::Hidden)
        .series(
            Series::new(
                "g",
                [
                    (0.0, 0.0),
                    (0.5, 0.5),
                    (1.0, f64::NAN),
                    (1.5, 1.5),
                    (2.0, 2.0),
                ],
            )
            .color(Rgb(1, 2, 3)),
        )
        .render_svg()
        .unwrap();
    // Two separate pieces, each drawn as one path in the series colour.
    assert_eq!(svg.matches("#010203").count(), 2, "{svg}");
}

#[test]
fn too_small_figure_is_an_error_not_a_panic() {
    let e = line_plot().size(10, 10).render_svg().unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e:?}");
}

#[test]
fn contour_plot_renders_with_overlays_and_validates_grid() {
    let c = ContourPlot::from_fn("landscape", (-1.0, 1.0), (-2.0, 2.0), (31, 41), |x, y| {
        if x > 0.9 && y > 1.9 {
            f64::NAN // a hole must not break the plot
        } else {
            (x - y).powi(2) + 0.1 * (x + y).powi(4)
        }
    })
    .unwrap()
    .x_label("w_1")
    .y_label("w_2")
    .levels(8)
    .overlay(Series::new("diagonal", [(-1.0, -1.0), (1.0, 1.0)]).style(LineStyle::Dashed))
    .overlay(Series::new("saddle", [(0.0, 0.0)]).style(LineStyle::Points));
    let svg = c.render_svg().unwrap();
    for name in ["landscape", "w_1", "w_2", "diagonal", "saddle"] {
        assert!(svg.contains(name), "SVG lacks `{name}`");
    }
    assert!(!svg.contains("NaN"));
    // Iso-lines are drawn (polylines beyond the overlay's) and the fill uses rectangles.
    assert!(svg.matches("<polyline").count() > 8);
    assert!(svg.matches("<rect").count() > 9);
    // Log colour scale with non-positive values.
    let svg = ContourPlot::from_fn("log", (0.0, 1.0), (0.0, 1.0), (10, 10), |x, y| x * y)
        .unwrap()
        .color_scale(ColorScale::Log)
        .render_svg()
        .unwrap();
    assert!(svg.contains("log"));
    // Bad grids are errors.
    let ragged = vec![vec![0.0, 1.0], vec![2.0]];
    assert!(matches!(
        ContourPlot::new("r", (0.0, 1.0), (0.0, 1.0), ragged),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        ContourPlot::new("s", (0.0, 1.0), (0.0, 1.0), vec![vec![1.0, 2.0]]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        ContourPlot::new("x", (1.0, 1.0), (0.0, 1.0), vec![vec![0.0; 2]; 2]),
        Err(Error::InvalidParameter { .. })
    ));
    // A constant field (no iso-lines possible) still renders.
    let flat = ContourPlot::new("flat", (0.0, 1.0), (0.0, 1.0), vec![vec![3.0; 4]; 4]).unwrap();
    assert!(flat.render_svg().is_ok());
}

#[test]
fn panel_contains_all_plots() {
    let c = ContourPlot::from_fn("bowl", (-1.0, 1.0), (-1.0, 1.0), (11, 11), |x, y| {
        x * x + y * y
    })
    .unwrap();
    let svg = Panel::new(2)
        .title("Figure one")
        .push(line_plot())
        .push(c)
        .push(LinePlot::new("third panel"))
        .render_svg()
        .unwrap();
    for name in ["Figure one", "mu_one", "bowl", "third panel"] {
        assert!(svg.contains(name), "SVG lacks `{name}`");
    }
    // 2 columns × 2 rows of the default 560 × 420 cells plus a 40 px title band.
    assert!(svg.contains("width=\"1120\"") && svg.contains("height=\"880\""));
}

#[test]
fn table_renders_aligned_text_and_markdown() {
    let mut t = Table::new(["width m", "λ*", "kind"]);
    t.push_row(["10", "0.721", "fold"]).unwrap();
    t.push_row(["1000", "-1.5e-3", "branch | pitchfork"])
        .unwrap();
    let text = t.to_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "width m       λ*  kind",
            "-------  -------  ------------------",
            "     10    0.721  fold",
            "   1000  -1.5e-3  branch | pitchfork",
        ]
    );
    assert_eq!(format!("{t}"), text);
    let md = t.to_markdown();
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(
        lines,
        [
            "| width m |      λ* | kind                |",
            "| ------: | ------: | ------------------- |",
            "|      10 |   0.721 | fold                |",
            "|    1000 | -1.5e-3 | branch \\| pitchfork |",
        ]
    );
    assert!(matches!(t.push_row(["1", "2"]), Err(Error::Shape { .. })));
    assert_eq!(t.n_rows(), 2);
}

#[test]
fn fmt_sci_significant_digits() {
    assert_eq!(fmt_sci(-123456.0, 2), "-1.2e5");
    assert_eq!(fmt_sci(1.0, 1), "1e0");
    assert_eq!(fmt_sci(f64::NEG_INFINITY, 3), "-inf");
}

/// A densely sampled dashed series (1000 points, far closer than a dash) must still render
/// dashed: one polyline with a `stroke-dasharray`, not 1000 restarted dash patterns.
#[test]
fn dashed_and_dotted_series_emit_a_dasharray() {
    let dense: Vec<(f64, f64)> = (0..1000)
        .map(|i| (i as f64, (i as f64 / 100.0).sin()))
        .collect();
    let svg = LinePlot::new("dense")
        .series(Series::new("dashed", dense.clone()).style(LineStyle::Dashed))
        .series(
            Series::new("dotted", dense.iter().map(|&(x, y)| (x, y + 1.0)))
                .style(LineStyle::Dotted),
        )
        .series(Series::new(
            "solid",
            dense.iter().map(|&(x, y)| (x, y - 1.0)),
        ))
        .render_svg()
        .unwrap();
    let dashed = svg
        .lines()
        .filter(|l| l.contains("<polyline") && l.contains("stroke-dasharray=\"10,5\""))
        .count();
    let dotted = svg
        .lines()
        .filter(|l| l.contains("<polyline") && l.contains("stroke-linecap=\"round\""))
        .count();
    assert_eq!(
        (dashed, dotted),
        (1, 1),
        "one dashed and one dotted polyline"
    );
    // No sentinel width leaks into the document.
    assert!(
        !svg.contains("stroke-width=\"100"),
        "sentinel width left in the SVG"
    );
}

#[test]
fn fill_series_draws_one_faint_polygon_per_piece() {
    // Two squares separated by NaN: two closed polygons, filled, no outline.
    let pts = [
        (0.0, 0.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (f64::NAN, f64::NAN),
        (2.0, 0.0),
        (3.0, 0.0),
        (3.0, 1.0),
    ];
    let svg = LinePlot::new("fill")
        .series(Series::new("region", pts).style(LineStyle::Fill))
        .render_svg()
        .unwrap();
    assert_eq!(svg.matches("<polygon").count(), 2, "{svg}");
    let want = format!("opacity=\"{}\"", actbif::report::FILL_OPACITY);
    assert!(svg.contains(&want), "no faint fill in {svg}");
    // The legend shows a filled sample (a rect) and the name.
    assert!(svg.contains("region") && svg.contains("<rect"));
}

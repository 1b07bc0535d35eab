//! Figure of exp9: the fold curves in (λ, α) with the S-curve region shaded (the α_c·m
//! figure is [`crate::app::curves::alpha_c_figure`]).

use crate::error::Result;
use crate::report::{Figure, LegendPosition, LinePlot, LineStyle, Rgb, Scale, Series};

/// α levels (log-spaced over the curve's α range) at which the S-curve region is sampled.
const FILL_LEVELS: usize = 150;

/// The fold curves (λ, α) of each width, with the S-curve region of each shaded (a faint
/// filled region): at each of `FILL_LEVELS` log-spaced α levels where the curve has two or
/// more folds, the λ-interval between its outermost folds (there the λ-branch through them is
/// S-shaped: hysteresis).
pub fn fold_curves_figure(curves: &[(usize, Vec<(f64, f64)>)], path: &str) -> Result<Figure> {
    let mut plot = LinePlot::new("Fold curves in (λ, α); shaded: ≥ 2 folds at that α (S-curve)")
        .x_label("λ")
        .y_label("α")
        .y_scale(Scale::Log)
        .x_range(0.0, 1.0)
        .legend(LegendPosition::LowerRight);
    for (i, (m, pts)) in curves.iter().enumerate() {
        let color = Rgb::palette(i);
        plot.push_series(
            Series::new(format!("S-curve region, m = {m}"), s_region(pts))
                .color(color)
                .style(LineStyle::Fill),
        );
        plot.push_series(
            Series::new(format!("fold curve, m = {m}"), pts.clone())
                .color(color)
                .width(2),
        );
    }
    Ok((path.into(), plot.render_svg()?))
}

/// The smallest and largest λ at which the curve crosses the level α = `a`, if it crosses at
/// least twice.
fn outer_crossings(pts: &[(f64, f64)], a: f64) -> Option<(f64, f64)> {
    let xs: Vec<f64> = pts
        .windows(2)
        .filter(|w| (w[0].1 - a) * (w[1].1 - a) < 0.0)
        .map(|w| w[0].0 + (a - w[0].1) / (w[1].1 - w[0].1) * (w[1].0 - w[0].0))
        .collect();
    (xs.len() >= 2).then(|| {
        (
            xs.iter().copied().fold(f64::INFINITY, f64::min),
            xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    })
}

/// The S-curve region as polygons (NaN-separated, for [`LineStyle::Fill`]): one per run of
/// consecutive α levels with two or more crossings, left boundary upwards then right
/// boundary downwards.
fn s_region(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (lo, hi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(l, h), p| {
        (l.min(p.1), h.max(p.1))
    });
    if pts.len() < 2 || lo <= 0.0 || hi <= lo {
        return vec![];
    }
    let mut out = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let close = |run: &mut Vec<(f64, f64, f64)>, out: &mut Vec<(f64, f64)>| {
        if run.len() >= 2 {
            out.extend(run.iter().map(|&(a, x0, _)| (x0, a)));
            out.extend(run.iter().rev().map(|&(a, _, x1)| (x1, a)));
            out.push((f64::NAN, f64::NAN));
        }
        run.clear();
    };
    for k in 1..FILL_LEVELS {
        let a = lo * (hi / lo).powf(k as f64 / FILL_LEVELS as f64);
        match outer_crossings(pts, a) {
            Some((x0, x1)) => run.push((a, x0, x1)),
            None => close(&mut run, &mut out),
        }
    }
    close(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::s_region;

    #[test]
    fn s_region_of_a_cusp_is_one_polygon_between_the_two_sheets() {
        // A cusp-shaped curve: two sheets λ = 0.5 ± √(1 − α)/2 meeting at α = 1.
        let left: Vec<(f64, f64)> = (0..=100)
            .map(|i| {
                let a = 0.01 + 0.99 * i as f64 / 100.0;
                (0.5 - (1.0 - a).sqrt() / 2.0, a)
            })
            .collect();
        let mut pts = left.clone();
        pts.extend(left.iter().rev().map(|&(x, a)| (1.0 - x, a)));
        let poly = s_region(&pts);
        let nans = poly.iter().filter(|p| p.0.is_nan()).count();
        assert_eq!(nans, 1, "one run of levels, one polygon");
        // Every vertex lies on one of the two sheets (|λ − 0.5| = √(1 − α)/2, up to the
        // linear interpolation between samples, O(Δα²) away from the tip).
        for &(x, a) in poly.iter().filter(|p| p.0.is_finite()) {
            let want = (1.0 - a).sqrt() / 2.0;
            assert!(((x - 0.5).abs() - want).abs() < 1e-2, "({x}, {a})");
        }
    }
}

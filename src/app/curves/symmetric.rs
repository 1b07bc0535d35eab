//! The symmetric toy (B.1/B.4: d = 1, m = 2, v = (1, a)) in two parameters: at a = 1 the
//! diagonal branch's pitchfork λ*(α) followed in (λ, α) on Fix(S₂) (`branch_point_curve`);
//! with p = a the pitchfork unfolds into folds whose curve in (λ, a) meets the branch point
//! at a = 1 as a cusp (λ − λ* ∝ |a − 1|^{2/3}). `actbif branch-point-curve` and exp10.

use super::fold_curve::{CurveReport, FoldCurveReport};
use crate::app::{start_point, Setting};
use crate::continuation::codim2::{
    branch_point_curve, fold_curve, BranchPointPoint, Family, FoldCurveParams, FoldStart,
    OutputWeight, Symmetry, Tikhonov,
};
use crate::continuation::{trace, ContinuationParams, EventKind};
use crate::error::{Error, Result};
use crate::models::two_layer::{toy_model, TwoLayer};
use crate::report::{Figure, LegendPosition, LinePlot, LineStyle, Rgb, Scale, Series};
use serde::Serialize;
use std::time::Instant;

/// Data label of the toy (B.1's data set).
const TOY_DATA: &str = "toy";
/// α window of the branch-point curve (the phase-boundary scan range).
pub const BP_ALPHA_WINDOW: (f64, f64) = (1e-4, 1e-1);
/// a window of the imperfect-pitchfork fold curves (a = 1 ± 0.5).
pub const A_WINDOW: (f64, f64) = (0.5, 1.5);
/// |a − 1| range of the fit of λ − λ* ∝ |a − 1|^κ (close enough to the cusp for the leading
/// order, far enough for |λ − λ*| ≫ the corrector tolerance).
const CUSP_FIT: (f64, f64) = (1e-4, 1e-2);

/// The symmetric toy (a = 1) at `alpha`, its S₂ and its first branch point from a 1-parameter
/// trace from the λ = 0 minimum; an input error when the trace has none.
pub fn toy_branch_point(alpha: f64) -> Result<(TwoLayer, Symmetry, FoldStart)> {
    let model = toy_model(1.0, alpha)?;
    let sym = Symmetry::swap_neurons(2, 1, 0, 1)?;
    let theta0 = start_point(&model)?;
    let b = trace(&model, theta0.view(), 0.0, &ContinuationParams::default())?;
    let e = b
        .events
        .iter()
        .find(|e| e.kind == EventKind::BranchPoint)
        .ok_or_else(|| {
            Error::param(
                "alpha",
                format!(
                    "the diagonal branch of the toy at α = {alpha} has no located branch point \
                     in [0, 1] (status {:?})",
                    b.status
                ),
            )
        })?;
    let start = FoldStart {
        theta: e.theta.clone().into(),
        lambda: e.lambda,
        p: alpha,
        kernel: e.kernel.clone().into(),
    };
    Ok((model, sym, start))
}

/// JSON of `actbif branch-point-curve`.
pub type BranchPointCurveReport = CurveReport<BranchPointPoint>;

/// The branch-point curve of the symmetric toy in (λ, α) through its branch point at α =
/// `alpha`, within λ ∈ \[0, 1\] and α ∈ `window` (default [`BP_ALPHA_WINDOW`]).
pub fn run_branch_point_curve(
    alpha: f64,
    window: Option<(f64, f64)>,
) -> Result<BranchPointCurveReport> {
    let t = Instant::now();
    let (p_min, p_max) = window.unwrap_or(BP_ALPHA_WINDOW);
    let params = FoldCurveParams::new(p_min, p_max);
    params.validate(0.5, alpha)?;
    let (model, sym, start) = toy_branch_point(alpha)?;
    let fam = Tikhonov {
        obj: &model,
        alpha0: alpha,
    };
    let c = branch_point_curve(&fam, &sym, &start, &params)?;
    Ok(CurveReport::new(
        Setting::of(&model, TOY_DATA),
        c,
        (start.lambda, start.p),
        &params,
        t,
    ))
}

/// The fold curve in (λ, a) of the toy v = (1, a) at `alpha` through the branch point at
/// a = 1 (the unfolded pitchfork), within λ ∈ \[0, 1\] and a ∈ `window` (default [`A_WINDOW`]).
pub fn run_imperfect_fold_curve(alpha: f64, window: Option<(f64, f64)>) -> Result<FoldCurveReport> {
    let t = Instant::now();
    let (p_min, p_max) = window.unwrap_or(A_WINDOW);
    let params = FoldCurveParams::new(p_min, p_max);
    params.validate(0.5, 1.0)?;
    let (model, _, mut start) = toy_branch_point(alpha)?;
    let fam = OutputWeight::new(&model, 1)?;
    start.p = fam.base();
    let c = fold_curve(&fam, &start, &params)?;
    Ok(CurveReport::new(
        Setting::of(&model, TOY_DATA),
        c,
        (start.lambda, start.p),
        &params,
        t,
    ))
}

/// The exponent κ of λ − λ* ∝ |a − 1|^κ on a fold curve through the branch point (λ*, a = 1),
/// by least squares in log–log over |a − 1| ∈ `CUSP_FIT` (None with fewer than 3 points).
pub fn cusp_exponent(c: &FoldCurveReport) -> Option<f64> {
    let (lam0, a0) = c.start;
    let pts: Vec<(f64, f64)> = c
        .points
        .iter()
        .filter(|q| (CUSP_FIT.0..=CUSP_FIT.1).contains(&(q.p - a0).abs()))
        .filter(|q| (q.lambda - lam0).abs() > 0.0)
        .map(|q| ((q.p - a0).abs().ln(), (q.lambda - lam0).abs().ln()))
        .collect();
    if pts.len() < 3 {
        return None;
    }
    let n = pts.len() as f64;
    let (mx, my) = pts
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    Some(sxy / sxx)
}

/// One imperfect-pitchfork fold curve of the figure.
#[derive(Clone, Debug, Serialize)]
pub struct ImperfectFolds {
    /// α.
    pub alpha: f64,
    /// λ* of the branch point at a = 1 (1-parameter trace).
    pub branch_point_lambda: f64,
    /// Exponent κ of λ − λ* ∝ |a − 1|^κ near a = 1 (a cusp: 2/3).
    pub cusp_exponent: Option<f64>,
    /// The fold curve in (λ, a).
    pub fold_curve: FoldCurveReport,
}

/// The branch-point curve in (λ, α) with the branch points (α, λ*) of 1-parameter traces.
pub fn bp_figure(bp: &BranchPointCurveReport, traced: &[(f64, f64)], path: &str) -> Result<Figure> {
    let curve: Vec<(f64, f64)> = bp.points.iter().map(|q| (q.lambda, q.p)).collect();
    let traced: Vec<(f64, f64)> = traced.iter().map(|&(a, l)| (l, a)).collect();
    let svg = LinePlot::new("Symmetric toy: pitchfork (branch-point) curve in (λ, α)")
        .x_label("λ")
        .y_label("α")
        .y_scale(Scale::Log)
        .series(Series::new("branch-point curve (a = 1, on Fix(S₂))", curve))
        .series(
            Series::new("branch point of a 1-parameter trace", traced)
                .style(LineStyle::Points)
                .color(Rgb::palette(1)),
        )
        .legend(LegendPosition::LowerRight)
        .render_svg()?;
    Ok((path.into(), svg))
}

/// The fold curves in (λ, a) at each α, meeting the branch point (λ*(α), 1).
pub fn imperfect_figure(imp: &[ImperfectFolds], path: &str) -> Result<Figure> {
    let mut plot = LinePlot::new("Toy v = (1, a): fold curves of the imperfect pitchfork")
        .x_label("λ")
        .y_label("a")
        .hline(1.0, "a = 1 (S₂ symmetric)")
        .legend(LegendPosition::UpperRight);
    for (i, f) in imp.iter().enumerate() {
        let pts: Vec<(f64, f64)> = f
            .fold_curve
            .points
            .iter()
            .map(|q| (q.lambda, q.p))
            .collect();
        plot.push_series(
            Series::new(format!("fold curve, α = {:.0e}", f.alpha), pts).color(Rgb::palette(i)),
        );
        plot.push_series(
            Series::new(
                format!("branch point at a = 1 (λ* = {:.4})", f.branch_point_lambda),
                [(f.branch_point_lambda, 1.0)],
            )
            .style(LineStyle::Points)
            .color(Rgb::palette(i + 1)),
        );
    }
    Ok((path.into(), plot.render_svg()?))
}

//! Issue 11 §1 for the symmetric case (B.1/B.4): the toy model d = 1, m = 2, v = (1, a).
//!
//! At a = 1 (exact S₂ symmetry, w1 ↔ w2) the diagonal branch w1 = w2 loses stability at a
//! symmetry-breaking branch point (a pitchfork) λ*(α). Its curve in (λ, α) is followed on
//! Fix(S₂) with the antisymmetric test function (`branch_point_curve`). With p = a (the
//! symmetry-breaking weight) the pitchfork unfolds into folds; their curve in (λ, a) passes
//! through the branch point at a = 1 as a cusp of the projection (λ − λ* ∝ |a − 1|^{2/3}).

use super::common::{start_point, Setting};
use super::exp1_symmetric_toy::toy_model;
use super::exp9_phase_boundary::{CurveReport, FoldCurveReport};
use super::{Context, Experiment, Figure, Finding, Meta, Outcome};
use crate::continuation::codim2::{
    branch_point_curve, fold_curve, BranchPointPoint, Family, FoldCurveParams, FoldStart,
    OutputWeight, Symmetry, Tikhonov,
};
use crate::continuation::{trace, ContinuationParams, EventKind};
use crate::error::{Error, Result};
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use crate::report::{LegendPosition, LinePlot, LineStyle, Rgb, Scale, Series};
use serde::Serialize;
use std::time::Instant;

/// Data label of the toy (B.1's data set).
const TOY_DATA: &str = "toy";
/// α window of the branch-point curve (the phase-boundary scan range).
pub const BP_ALPHA_WINDOW: (f64, f64) = (1e-4, 1e-1);
/// a window of the imperfect-pitchfork fold curves (a = 1 ± 0.5).
pub const A_WINDOW: (f64, f64) = (0.5, 1.5);
/// The α of the 1-parameter traces whose branch points are drawn on the branch-point curve
/// (an independent check, around the paper's 4e-3).
pub const FIGURE_ALPHAS: [f64; 3] = [2e-3, PAPER_ALPHA, 8e-3];
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

/// Result of exp10.
#[derive(Clone, Debug, Serialize)]
pub struct Exp10Result {
    /// The branch-point curve in (λ, α) from α = 4e-3.
    pub branch_point_curve: BranchPointCurveReport,
    /// (α, λ*) of the branch points of 1-parameter traces at [`FIGURE_ALPHAS`].
    pub traced_branch_points: Vec<(f64, f64)>,
    /// The fold curve in (λ, a) at α = 4e-3 (one: each costs seconds; the CLI draws more).
    pub imperfect: Vec<ImperfectFolds>,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

impl Finding for Exp10Result {
    fn finding(&self) -> String {
        self.finding.clone()
    }
}

/// Issue 11 §1 for the symmetric toy as an [`Experiment`].
pub struct SymmetricCurves;

impl Experiment for SymmetricCurves {
    type Result = Exp10Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "I11-S",
            title: "branch-point curve of the symmetric toy and its unfolding in a",
            file: "exp10_symmetric_curves.json",
            own_thread: false,
        }
    }

    fn run(&self, _ctx: &Context) -> Result<Outcome<Exp10Result>> {
        let branch_point_curve = run_branch_point_curve(PAPER_ALPHA, None)?;
        let traced_branch_points = FIGURE_ALPHAS
            .iter()
            .map(|&a| Ok((a, toy_branch_point(a)?.2.lambda)))
            .collect::<Result<Vec<_>>>()?;
        let fold_curve = run_imperfect_fold_curve(PAPER_ALPHA, None)?;
        let imperfect = vec![ImperfectFolds {
            alpha: PAPER_ALPHA,
            branch_point_lambda: fold_curve.start.0,
            cusp_exponent: cusp_exponent(&fold_curve),
            fold_curve,
        }];
        let figures = vec![
            bp_figure(
                &branch_point_curve,
                &traced_branch_points,
                "figures/exp10_branch_point_curve.svg",
            )?,
            imperfect_figure(&imperfect, "figures/exp10_imperfect_folds.svg")?,
        ];
        let finding = finding(&branch_point_curve, &imperfect);
        let result = Exp10Result {
            branch_point_curve,
            traced_branch_points,
            imperfect,
            finding,
        };
        Ok(Outcome { result, figures })
    }
}

/// The finding from the numbers.
fn finding(bp: &BranchPointCurveReport, imp: &[ImperfectFolds]) -> String {
    let exits: Vec<String> = bp
        .events
        .iter()
        .map(|e| format!("(λ, α) = ({:.4}, {:.3e}) [{:?}]", e.lambda, e.p, e.boundary))
        .collect();
    let kappas: Vec<String> = imp
        .iter()
        .map(|i| match i.cusp_exponent {
            Some(k) => format!("α = {:.0e}: κ = {k:.3}", i.alpha),
            None => format!("α = {:.0e}: κ not fitted", i.alpha),
        })
        .collect();
    format!(
        "Symmetric toy (a = 1): the pitchfork of the diagonal branch at λ* = {:.4} (α = {:.0e}) \
         continues in (λ, α) on Fix(S₂) ({} points, {}); it leaves the window at {}. The fold \
         curves of the imperfect pitchfork in (λ, a) pass through the branch point at a = 1 as \
         a cusp, λ − λ* ∝ |a − 1|^κ with {} (theory 2/3).",
        bp.start.0,
        bp.start.1,
        bp.points.len(),
        bp.status,
        exits.join(" and "),
        kappas.join(", ")
    )
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

//! Issue 11 §1 for the symmetric case (B.1/B.4): the toy model d = 1, m = 2, v = (1, a).
//!
//! At a = 1 (exact S₂ symmetry, w1 ↔ w2) the diagonal branch w1 = w2 loses stability at a
//! symmetry-breaking branch point (a pitchfork) λ*(α). Its curve in (λ, α) is followed on
//! Fix(S₂) with the antisymmetric test function (`branch_point_curve`). With p = a (the
//! symmetry-breaking weight) the pitchfork unfolds into folds; their curve in (λ, a) passes
//! through the branch point at a = 1 as a cusp of the projection (λ − λ* ∝ |a − 1|^{2/3}).

//!
//! The curves themselves are computed by [`crate::app::curves`] (also `actbif
//! branch-point-curve`); this experiment runs them at the paper's α and draws them.

use super::{Context, Experiment, Finding, Meta, Outcome};
use crate::app::curves::{
    bp_figure, cusp_exponent, imperfect_figure, run_branch_point_curve, run_imperfect_fold_curve,
    toy_branch_point, BranchPointCurveReport, ImperfectFolds,
};
use crate::error::Result;
use crate::models::two_layer::PAPER_ALPHA;
use serde::Serialize;

/// The α of the 1-parameter traces whose branch points are drawn on the branch-point curve
/// (an independent check, around the paper's 4e-3).
pub const FIGURE_ALPHAS: [f64; 3] = [2e-3, PAPER_ALPHA, 8e-3];

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

//! Where the paper's λ* = 0.721 comes from (issue 11 §4): the paper's method rerun with scipy's
//! default L-BFGS-B stopping ([`PaperStopping::ScipyDefault`]) on the B.2 model. The minimiser
//! stops at ‖∇L‖ ≈ 1e-4, and the FD Hessian of the lagging iterate crosses zero before the
//! exact fold; with tight stopping (B.2's rerun) there is no crossing.

use super::common::{fmt, paper_singular_point, Analysis, BranchSummary, Crossing};
use crate::activation::Activation;
use crate::continuation::{trace_paper, PaperParams, PaperStopping};
use crate::error::Result;
use serde::Serialize;

/// The paper method with scipy's default stopping on the m = 10 model.
#[derive(Clone, Debug, Serialize)]
pub struct ScipyStoppingRerun {
    /// The stopping rule used (`scipy_default`).
    pub stopping: PaperStopping,
    /// The branch (points: λ, ‖∇L‖, FD eigenvalues, ...).
    pub branch: BranchSummary,
    /// λ of every interpolated eigenvalue crossing (+ → −) on the grid.
    pub crossings: Vec<f64>,
    /// The first crossing (or the closest approach if there is none).
    pub crossing: Option<Crossing>,
    /// ‖∇L‖ at the grid point nearest that crossing.
    pub grad_norm_at_crossing: f64,
}

/// Reruns the paper method on `m`'s model from its W0 with scipy's default stopping.
pub fn run<A: Activation>(m: &Analysis<A>, paper_steps: usize) -> Result<ScipyStoppingRerun> {
    let b = trace_paper(
        &m.model,
        m.theta0.view(),
        &PaperParams {
            n_steps: paper_steps,
            stopping: PaperStopping::ScipyDefault,
            ..Default::default()
        },
    )?;
    let crossing = paper_singular_point(&b.points);
    let grad = crossing
        .as_ref()
        .map_or(f64::NAN, |c| b.points[c.index_nearest].grad_norm);
    Ok(ScipyStoppingRerun {
        stopping: PaperStopping::ScipyDefault,
        crossings: b.events.iter().map(|e| e.lambda).collect(),
        branch: BranchSummary::of(&b),
        crossing,
        grad_norm_at_crossing: grad,
    })
}

/// The λ* cell of the scipy rerun.
pub fn lambda_star_cell(r: &ScipyStoppingRerun) -> String {
    match &r.crossing {
        Some(c) if c.sign_change => format!(
            "{} (interpolated crossing; ‖∇L‖ = {} at the nearest grid point{})",
            fmt(c.lambda),
            fmt(r.grad_norm_at_crossing),
            snap_back(r, c.index_before)
        ),
        Some(c) => format!(
            "no sign change; closest approach λ1 = {} at {}",
            fmt(c.lambda1),
            fmt(c.lambda)
        ),
        None => "no points".into(),
    }
}

/// "; λ1 back above 0 at λ = …" if λ1 returns above zero after the crossing.
fn snap_back(r: &ScipyStoppingRerun, before: usize) -> String {
    let pts = &r.branch.points;
    pts.iter()
        .skip(before + 1)
        .find(|p| !p.eigenvalues.first().is_some_and(|&e| e <= 0.0))
        .map(|p| format!("; λ1 back above 0 at λ = {}", fmt(p.lambda)))
        .unwrap_or_default()
}

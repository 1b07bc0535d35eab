//! Where the paper's λ* = 0.721 comes from (issue 11 §4): the paper's method rerun with scipy's
//! default L-BFGS-B stopping ([`PaperStopping::ScipyDefault`]) on the B.2 model. The minimiser
//! stops at ‖∇L‖ ≈ 1e-4, and the FD Hessian of the lagging iterate crosses zero before the
//! exact fold; with tight stopping (B.2's rerun) there is no crossing.

use super::common::{fmt, paper_singular_point, series, Analysis, BranchSummary, Crossing};
use super::Figure;
use crate::activation::Activation;
use crate::continuation::{trace_paper, PaperParams, PaperStopping, Point};
use crate::error::Result;
use crate::report::{LinePlot, LineStyle, Panel};
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

/// ‖∇L‖ axis: from below the exact branch's rounding level (1e-16) to well above the
/// scipy-stopping level (1e-4), leaving the top free for the legend.
const GRAD_AXIS: (f64, f64) = (1e-17, 1.0);

/// λ window of the figure around the paper's λ* (its crossing at 0.721, the fold at 0.750).
const WINDOW: (f64, f64) = (0.6, 0.8);

/// (λ, y) of `points` inside [`WINDOW`], up to the first turn in λ (a fold).
fn in_window(points: &[Point], y: impl Fn(&Point) -> Option<f64>) -> Vec<(f64, f64)> {
    let turn = points
        .windows(2)
        .position(|w| w[1].lambda < w[0].lambda)
        .map_or(points.len(), |i| i + 1);
    points[..turn]
        .iter()
        .filter(|p| (WINDOW.0..=WINDOW.1).contains(&p.lambda))
        .filter_map(|p| y(p).map(|v| (p.lambda, v)))
        .collect()
}

/// λ1 and ‖∇L‖ against λ near λ*: exact, the paper method with tight stopping and with scipy's.
pub fn figure<A: Activation>(m: &Analysis<A>, r: &ScipyStoppingRerun) -> Result<Figure> {
    let l1 = |p: &Point| p.eigenvalues.first().copied();
    let gn = |p: &Point| Some(p.grad_norm);
    let runs: [(&str, &[Point], LineStyle, usize); 3] = [
        ("exact", &m.exact.points, LineStyle::Solid, 0),
        (
            "paper method, tight stopping",
            &m.paper.points,
            LineStyle::Dashed,
            1,
        ),
        (
            "paper method, scipy's default stopping",
            &r.branch.points,
            LineStyle::Solid,
            3,
        ),
    ];
    let mut eig = LinePlot::new("smallest Hessian eigenvalue near λ*")
        .x_label("λ")
        .y_label("λ1")
        .hline(0.0, "");
    let mut grad = LinePlot::new("‖∇L‖ at the recorded points")
        .x_label("λ")
        .y_label("‖∇L‖")
        .log_y()
        .y_range(GRAD_AXIS.0, GRAD_AXIS.1);
    for (name, pts, style, c) in runs {
        eig.push_series(series(name, in_window(pts, l1), style, c));
        grad.push_series(series(name, in_window(pts, gn), style, c));
    }
    if let Some(c) = r.crossing.as_ref().filter(|c| c.sign_change) {
        eig = eig.vline(c.lambda, format!("scipy-stopping crossing {:.4}", c.lambda));
    }
    if let Some(e) = m.events.first() {
        eig = eig.vline(e.event.lambda, format!("exact fold {:.4}", e.event.lambda));
    }
    let svg = Panel::new(2)
        .cell_size(700, 520)
        .title("Where the paper's λ* = 0.721 comes from (m = 10)")
        .push(eig)
        .push(grad)
        .render_svg()?;
    Ok(("figures/hd_paper_stopping.svg".into(), svg))
}

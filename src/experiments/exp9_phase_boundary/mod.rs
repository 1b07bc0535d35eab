//! Issue 11 §1–2: the fold curve of the m = 10 model in (λ, α) with its cusps and g_µ = 0
//! points, and the exact kernel/feature-learning boundary α_c(m): the largest α for which the
//! λ-branch from the λ = 0 minimum has an interior event. The main job runs the m = 10 curve
//! and a short subset of widths on a coarse α scan; `actbif phase-boundary` runs the full
//! sweep.

//!
//! The curves and the boundary are computed by [`crate::app::curves`] (also the CLI's
//! `fold-curve` and `phase-boundary`); this experiment runs them on the main job's subset.

pub mod figures;

use crate::app::curves::{
    alpha_c_figure, run_fold_curve, run_phase_boundary, FoldCurveReport, PhaseBoundaryReport,
};

use super::{Context, Experiment, Finding, Meta, Outcome};
use crate::continuation::codim2::{Codim2Kind, LocateStatus};
use crate::error::Result;
use crate::models::two_layer::TwoLayer;
use serde::Serialize;

/// Widths of the main job's subset (the full sweep: `actbif phase-boundary`).
pub const SUBSET_WIDTHS: [usize; 3] = [5, 10, 15];
/// Widths whose fold curves are drawn in the (λ, α) figure.
pub const FIGURE_WIDTHS: [usize; 3] = [5, 10, 15];
/// Scan points per decade of α in the main job (quick: fewer).
pub const SUBSET_PER_DECADE: usize = 5;

/// Result of the main job's exp9.
#[derive(Clone, Debug, Serialize)]
pub struct Exp9Result {
    /// The m = 10 fold curve in α.
    pub fold_curve: FoldCurveReport,
    /// The (λ, α) fold curves drawn in the figure: (m, points (λ, α)).
    pub figure_curves: Vec<(usize, Vec<(f64, f64)>)>,
    /// The phase boundary on the subset of widths.
    pub phase_boundary: PhaseBoundaryReport,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

impl Finding for Exp9Result {
    fn finding(&self) -> String {
        self.finding.clone()
    }
}

/// Issue 11 §1–2 as an [`Experiment`].
pub struct PhaseBoundary;

impl Experiment for PhaseBoundary {
    type Result = Exp9Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "I11",
            title: "fold curves in (λ, α) and the exact phase boundary",
            file: "exp9_phase_boundary.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp9Result>> {
        let base = TwoLayer::paper(super::SHARED_WIDTH)?;
        let fold_curve = run_fold_curve(&base, "paper", "alpha", None)?;
        let mut figure_curves = Vec::new();
        for m in FIGURE_WIDTHS {
            let pts = if m == super::SHARED_WIDTH {
                &fold_curve.points
            } else {
                &run_fold_curve(&TwoLayer::paper(m)?, "paper", "alpha", None)?.points
            };
            figure_curves.push((m, pts.iter().map(|p| (p.lambda, p.p)).collect()));
        }
        let per_decade = ctx.grid(SUBSET_PER_DECADE, 3);
        let phase_boundary = run_phase_boundary(&SUBSET_WIDTHS, per_decade)?;
        let finding = finding(&fold_curve, &phase_boundary);
        let figures = vec![
            alpha_c_figure(&phase_boundary, "figures/exp9_alpha_c_times_m.svg")?,
            figures::fold_curves_figure(&figure_curves, "figures/exp9_fold_curves.svg")?,
        ];
        let result = Exp9Result {
            fold_curve,
            figure_curves,
            phase_boundary,
            finding,
        };
        Ok(Outcome { result, figures })
    }
}

/// The finding of exp9 from its numbers.
fn finding(c: &FoldCurveReport, pb: &PhaseBoundaryReport) -> String {
    let count = |k: Codim2Kind| {
        c.events
            .iter()
            .filter(|e| e.kind == k && e.status == LocateStatus::Located)
            .count()
    };
    let not_located = c
        .events
        .iter()
        .filter(|e| e.status == LocateStatus::NotLocated)
        .count();
    let exits: Vec<String> = c
        .events
        .iter()
        .filter(|e| e.kind == Codim2Kind::LeavesWindow)
        .map(|e| format!("(λ, α) = ({:.6}, {:.6e})", e.lambda, e.p))
        .collect();
    let closest = closest_pair(c);
    let rows: Vec<String> = pb
        .rows
        .iter()
        .map(|r| match r.alpha_c {
            Some(a) => format!(
                "m={}: α_c = {:.6e} ({}{}, α_c·m = {:.4}; first order {})",
                r.m,
                a,
                r.mechanism,
                if r.verified {
                    ", verified"
                } else {
                    ", NOT verified"
                },
                a * r.m as f64,
                r.alpha_c_first_order
                    .map_or("none".into(), |f| format!("{f:.4e}"))
            ),
            None => format!("m={}: no interior event for α in the scan", r.m),
        })
        .collect();
    format!(
        "m = 10 fold curve in α through the fold at λ = {:.6} (status {}, {} points): {} cusps and \
         {} g_µ = 0 points located by Newton ({} detected but not located){}; it leaves the \
         window at {}. Phase boundary ({} α per decade): {}.",
        c.start.0,
        c.status,
        c.points.len(),
        count(Codim2Kind::Cusp),
        count(Codim2Kind::GmuZero),
        not_located,
        closest,
        exits.join(" and "),
        pb.per_decade,
        rows.join("; ")
    )
}

/// "; closest cusp / g_µ = 0 pair Δλ = …" when both kinds occur.
fn closest_pair(c: &FoldCurveReport) -> String {
    let of = |k: Codim2Kind| -> Vec<f64> {
        c.events
            .iter()
            .filter(|e| e.kind == k && e.status == LocateStatus::Located)
            .map(|e| e.lambda)
            .collect()
    };
    let (cusps, gmus) = (of(Codim2Kind::Cusp), of(Codim2Kind::GmuZero));
    let best = cusps
        .iter()
        .flat_map(|a| gmus.iter().map(move |b| ((a - b).abs(), *a)))
        .min_by(|x, y| x.0.total_cmp(&y.0));
    best.map_or(String::new(), |(d, l)| {
        format!("; the closest cusp and g_µ = 0 point are Δλ = {d:.1e} apart (λ ≈ {l:.6})")
    })
}

//! Curves in two parameters and the phase boundary, as `actbif fold-curve`,
//! `branch-point-curve` and `phase-boundary` run them (and exp9/exp10 of the main job): the
//! fold curve of a two-layer model in (λ, p) from its first fold ([`fold_curve`]), the
//! exact kernel/feature-learning boundary α_c(m) ([`boundary`], on α scans: [`scan`]) and the
//! symmetric toy's branch-point and imperfect-pitchfork curves ([`symmetric`]).

pub mod boundary;
pub mod figures;
pub mod fold_curve;
pub mod scan;
pub mod symmetric;

pub use boundary::{
    first_order_alpha_c, width_row, Boundary, Range, WidthRow, VERIFY_DS_MAX, VERIFY_REL,
};
pub use figures::{alpha_c_figure, alpha_c_figure_of, AlphaRow};
pub use fold_curve::{
    first_fold, first_fold_with, run_fold_curve, run_fold_curve_with, CurveReport, FoldCurveReport,
    ALPHA_WINDOW,
};
pub use scan::{log_grid, scan_point, scan_point_with, with_alpha, ScanPoint};
pub use symmetric::{
    bp_figure, cusp_exponent, imperfect_figure, run_branch_point_curve, run_imperfect_fold_curve,
    toy_branch_point, BranchPointCurveReport, ImperfectFolds, A_WINDOW, BP_ALPHA_WINDOW,
};

use crate::error::{Error, Result};
use crate::models::two_layer::theory::PAPER_K;
use crate::models::two_layer::TwoLayer;
use serde::Serialize;
use std::time::Instant;

/// Scan points per decade of α in the full sweep (spacing 12%: finds windows that narrow).
pub const FULL_PER_DECADE: usize = 20;

/// JSON of `actbif phase-boundary`.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseBoundaryReport {
    /// One row per width.
    pub rows: Vec<WidthRow>,
    /// Scanned α window.
    pub alpha_window: (f64, f64),
    /// Scan points per decade.
    pub per_decade: usize,
    /// Relative offset of the verification traces.
    pub verify_rel: f64,
    /// The paper's K (α·m* = |K|).
    pub paper_k: f64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Runs the phase boundary for `widths` (paper setting) on a scan with `per_decade` points per
/// decade of α ∈ [`ALPHA_WINDOW`].
pub fn run_phase_boundary(widths: &[usize], per_decade: usize) -> Result<PhaseBoundaryReport> {
    if widths.is_empty() || widths.contains(&0) || widths.contains(&1) {
        return Err(Error::param(
            "widths",
            format!("need a non-empty list of widths ≥ 2, got {widths:?}"),
        ));
    }
    if per_decade == 0 {
        return Err(Error::param("per_decade", "must be at least 1"));
    }
    let t = Instant::now();
    let grid = log_grid(ALPHA_WINDOW.0, ALPHA_WINDOW.1, per_decade);
    let mut rows = Vec::new();
    for &m in widths {
        rows.push(width_row(&TwoLayer::paper(m)?, &grid)?);
    }
    Ok(PhaseBoundaryReport {
        rows,
        alpha_window: ALPHA_WINDOW,
        per_decade,
        verify_rel: VERIFY_REL,
        paper_k: PAPER_K,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// The p window as `--p-min` / `--p-max` give it: `None` when neither is given (the curve's
/// own default), else each missing end from `default`.
pub fn window(lo: Option<f64>, hi: Option<f64>, default: (f64, f64)) -> Option<(f64, f64)> {
    match (lo, hi) {
        (None, None) => None,
        (lo, hi) => Some((lo.unwrap_or(default.0), hi.unwrap_or(default.1))),
    }
}

//! The exact phase boundary at one width: scan α, then locate each change of "the branch has
//! an interior event" on the fold curve of the event side's fold (its exit through λ = 1 or
//! λ = 0, a cusp, or a g_µ = 0 reconnection), verified by λ-traces just inside and outside.
//! A boundary the fold curve does not explain is bisected on traces instead (and says so).

use super::scan::{scan_point, scan_point_with, with_alpha, ScanPoint};
use crate::app::par_map;
use crate::continuation::codim2::{
    family_of, fold_curve, Codim2Kind, FoldCurveParams, FoldStart, LocateStatus, WindowSide,
};
use crate::continuation::EventKind;
use crate::derivatives::parametric::ALPHA;
use crate::error::Result;
use crate::models::two_layer::theory::linear_endpoint::lambda1_prime;
use crate::models::two_layer::TwoLayer;
use serde::Serialize;
use std::time::Instant;

/// Relative offset of the verification traces from a located boundary: large enough that the
/// two folds near a cusp (separated by ≈ √offset) are resolved by the λ-trace, small against
/// the scan spacing (≥ 12% per point).
pub const VERIFY_REL: f64 = 1e-4;
/// Largest step of the verification traces of a cusp or g_µ = 0 boundary: the two folds
/// just inside a cusp are ≈ √VERIFY_REL·O(1) = O(1e-2) apart in λ, and a trace step over
/// both sees neither (the default largest step is 5e-2).
pub const VERIFY_DS_MAX: f64 = 1e-3;
/// Bisection of a boundary the fold curve does not explain: relative bracket width.
const BISECT_REL: f64 = 1e-6;
/// Candidates (nearest the event side first) tried per boundary.
const MAX_CANDIDATES: usize = 4;
/// Step budget of the bracket's fold curve (the bracket is one scan interval).
const CURVE_STEPS: usize = 600;
/// Fixed-point iterations of α = |λ1′(0; α)|.
const FIRST_ORDER_ITERS: usize = 12;

/// One end of an α-range with an interior event.
#[derive(Clone, Debug, Serialize)]
pub struct Boundary {
    /// α at the boundary.
    pub alpha: f64,
    /// `cusp`, `exits_lambda_1`, `exits_lambda_0`, `gmu_zero` (located on the fold curve),
    /// `bisection` (traces only) or `scan_edge` (the range reaches the end of the scan).
    pub mechanism: String,
    /// λ of the fold at the boundary (fold-curve mechanisms).
    pub lambda: Option<f64>,
    /// Located exactly on the fold curve (Newton), not by bisection or the scan.
    pub exact: bool,
    /// The trace just inside (α·(1 ± VERIFY_REL), towards the events) has an event.
    pub inside_has_event: Option<bool>,
    /// The trace just outside has none.
    pub outside_has_event: Option<bool>,
    /// Why a fold-curve location was not used, if it was not.
    pub note: Option<String>,
}

impl Boundary {
    /// Inside has an event and outside has none.
    pub fn verified(&self) -> bool {
        self.inside_has_event == Some(true) && self.outside_has_event == Some(false)
    }
}

/// A maximal α-range (on the scan) with an interior event, its ends located.
#[derive(Clone, Debug, Serialize)]
pub struct Range {
    /// Lower end.
    pub lower: Boundary,
    /// Upper end.
    pub upper: Boundary,
}

/// The phase boundary at one width: a row of `phase-boundary`.
#[derive(Clone, Debug, Serialize)]
pub struct WidthRow {
    /// Width m.
    pub m: usize,
    /// Largest α with an interior event (the upper end of the highest range); None if none.
    pub alpha_c: Option<f64>,
    /// Its mechanism (see [`Boundary::mechanism`]; `none` without events).
    pub mechanism: String,
    /// λ of the fold at α_c.
    pub lambda_at_boundary: Option<f64>,
    /// α_c verified by traces just inside and outside.
    pub verified: bool,
    /// Every range with an interior event.
    pub ranges: Vec<Range>,
    /// First-order prediction: α solving α/|λ1′(0; α)| = 1 (λ* reaches 1).
    pub alpha_c_first_order: Option<f64>,
    /// The scan.
    pub scan: Vec<ScanPoint>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// α with α/|λ1′(0; α)| = 1 by fixed-point iteration (λ1′(0) depends weakly on α through W0).
pub fn first_order_alpha_c(base: &TwoLayer) -> Option<f64> {
    let mut a = base.alpha();
    for _ in 0..FIRST_ORDER_ITERS {
        let s = lambda1_prime(&with_alpha(base, a).ok()?)
            .ok()?
            .lambda1_prime;
        if s >= 0.0 {
            return None;
        }
        a = s.abs();
    }
    Some(a)
}

/// Scans `grid` and locates every boundary of the event set.
pub fn width_row(base: &TwoLayer, grid: &[f64]) -> Result<WidthRow> {
    let t = Instant::now();
    let scan = par_map(grid, |&a| scan_point(base, a));
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < scan.len() {
        if !scan[i].has_event() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < scan.len() && scan[j + 1].has_event() {
            j += 1;
        }
        let lower = match i {
            0 => edge(&scan[0]),
            _ => boundary(base, &scan[i], scan[i - 1].alpha),
        };
        let upper = match j + 1 == scan.len() {
            true => edge(&scan[j]),
            false => boundary(base, &scan[j], scan[j + 1].alpha),
        };
        ranges.push(Range { lower, upper });
        i = j + 1;
    }
    let top = ranges.last().map(|r| r.upper.clone());
    Ok(WidthRow {
        m: base.width(),
        alpha_c: top.as_ref().map(|b| b.alpha),
        mechanism: top.as_ref().map_or("none".into(), |b| b.mechanism.clone()),
        lambda_at_boundary: top.as_ref().and_then(|b| b.lambda),
        verified: top.as_ref().is_some_and(|b| b.verified()),
        ranges,
        alpha_c_first_order: first_order_alpha_c(base),
        scan,
        seconds: t.elapsed().as_secs_f64(),
    })
}

fn edge(p: &ScanPoint) -> Boundary {
    Boundary {
        alpha: p.alpha,
        mechanism: "scan_edge".into(),
        lambda: p.lambda,
        exact: false,
        inside_has_event: Some(true),
        outside_has_event: None,
        note: Some("the range reaches the end of the scanned α window".into()),
    }
}

/// The boundary between `ev` (with an event) and `other` (without).
fn boundary(base: &TwoLayer, ev: &ScanPoint, other: f64) -> Boundary {
    let note = match on_fold_curve(base, ev, other) {
        Ok(Some(b)) => return b,
        Ok(None) => "no fold-curve event in the bracket verified".to_string(),
        Err(e) => format!("fold curve failed: {e}"),
    };
    bisect(base, ev.alpha, other, note)
}

/// Verification traces at α_b·(1 ∓ VERIFY_REL), inside towards `event_alpha` (with steps
/// ≤ [`VERIFY_DS_MAX`] when `fine`).
fn verify(base: &TwoLayer, alpha_b: f64, event_alpha: f64, fine: bool) -> (bool, bool) {
    let s = if event_alpha > alpha_b { 1.0 } else { -1.0 };
    let ds = fine.then_some(VERIFY_DS_MAX);
    let inside = scan_point_with(base, alpha_b * (1.0 + s * VERIFY_REL), ds);
    let outside = scan_point_with(base, alpha_b * (1.0 - s * VERIFY_REL), ds);
    (inside.has_event(), outside.has_event())
}

/// Follows the fold curve of `ev`'s first fold across the bracket and returns the first of its
/// events (nearest `ev` in log α) that verifies.
fn on_fold_curve(base: &TwoLayer, ev: &ScanPoint, other: f64) -> Result<Option<Boundary>> {
    let Some(e) = ev.first.as_ref().filter(|e| e.kind == EventKind::Fold) else {
        return Ok(None);
    };
    let model = with_alpha(base, ev.alpha)?;
    let fam = family_of(&model, ALPHA)?;
    let (lo, hi) = (ev.alpha.min(other), ev.alpha.max(other));
    let params = FoldCurveParams {
        max_steps: CURVE_STEPS,
        ..FoldCurveParams::new(lo, hi)
    };
    let start = FoldStart {
        theta: e.theta.clone().into(),
        lambda: e.lambda,
        p: ev.alpha,
        kernel: e.kernel.clone().into(),
    };
    let curve = fold_curve(&fam, &start, &params)?;
    let mut cands: Vec<(f64, String, f64)> = curve
        .events
        .iter()
        .filter(|c| c.status == LocateStatus::Located && c.p > lo && c.p < hi)
        .filter_map(|c| {
            let mech = match (c.kind, c.boundary) {
                (Codim2Kind::Cusp, _) => "cusp",
                (Codim2Kind::GmuZero, _) => "gmu_zero",
                (_, Some(WindowSide::LambdaMax)) => "exits_lambda_1",
                (_, Some(WindowSide::LambdaMin)) => "exits_lambda_0",
                _ => return None,
            };
            Some((c.p, mech.to_string(), c.lambda))
        })
        .collect();
    cands.sort_by(|a, b| {
        let d = |p: f64| (p / ev.alpha).ln().abs();
        d(a.0).total_cmp(&d(b.0))
    });
    for (p, mech, lam) in cands.into_iter().take(MAX_CANDIDATES) {
        let fine = matches!(mech.as_str(), "cusp" | "gmu_zero");
        let (inside, outside) = verify(base, p, ev.alpha, fine);
        if inside && !outside {
            return Ok(Some(Boundary {
                alpha: p,
                mechanism: mech,
                lambda: Some(lam),
                exact: true,
                inside_has_event: Some(inside),
                outside_has_event: Some(outside),
                note: None,
            }));
        }
    }
    Ok(None)
}

/// Bisection in log α on "has an interior event" to relative width [`BISECT_REL`].
fn bisect(base: &TwoLayer, event_alpha: f64, other: f64, note: String) -> Boundary {
    let (mut a, mut b) = (event_alpha, other);
    while (b / a).ln().abs() > BISECT_REL {
        let mid = (a * b).sqrt();
        if scan_point(base, mid).has_event() {
            a = mid;
        } else {
            b = mid;
        }
    }
    let alpha = (a * b).sqrt();
    let (inside, outside) = verify(base, alpha, event_alpha, true);
    Boundary {
        alpha,
        mechanism: "bisection".into(),
        lambda: scan_point(base, a).lambda,
        exact: false,
        inside_has_event: Some(inside),
        outside_has_event: Some(outside),
        note: Some(note),
    }
}

//! Test functions (event detectors) evaluated by the continuation loop at every accepted
//! point, and the admissibility rules a located event must pass to be reported.
//!
//! Built in: [`FoldTest`] (the λ-component of the tangent changes sign), [`BranchPointTest`]
//! (the sign of det\[\[H, ∂λ∇L\], \[τᵀ\]\] changes) and the Morse index (a change without either
//! test firing is a [`EventKind::MorseChange`]). User-defined [`TestFunction`]s are added to
//! [`super::PseudoArclength::tests`]; their sign changes are located by Brent's method along the
//! chord of the step and reported as [`EventKind::UserDefined`].

use super::{ContinuationParams, Event, EventKind};
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

/// What a test function sees at a point of the branch.
pub struct TestPoint<'a> {
    /// θ.
    pub theta: ArrayView1<'a, f64>,
    /// λ.
    pub lambda: f64,
    /// λ-component of the unit tangent (NaN at the trial points of event location).
    pub tangent_lambda: f64,
    /// Sign of the bordered determinant (NaN at the trial points of event location).
    pub det_sign: f64,
    /// Smallest Hessian eigenvalues, ascending (all of them at trial points).
    pub eigenvalues: &'a [f64],
    /// Number of negative Hessian eigenvalues.
    pub morse_index: usize,
}

/// A scalar function along the branch whose sign change between accepted points is an event.
pub trait TestFunction: Send + Sync {
    /// Kind reported for its events.
    fn kind(&self) -> EventKind {
        EventKind::UserDefined
    }
    /// Its value at a point.
    fn value(&self, p: &TestPoint) -> f64;
    /// Whether it changed sign between two accepted points.
    fn crossed(&self, a: &TestPoint, b: &TestPoint) -> bool {
        (self.value(a) > 0.0) != (self.value(b) > 0.0)
    }
}

/// Fold: the λ-component of the tangent.
#[derive(Clone, Copy, Debug, Default)]
pub struct FoldTest;

impl TestFunction for FoldTest {
    fn kind(&self) -> EventKind {
        EventKind::Fold
    }
    fn value(&self, p: &TestPoint) -> f64 {
        p.tangent_lambda
    }
}

/// Branch point: the sign of the bordered determinant (any change of the sign, 0 included).
#[derive(Clone, Copy, Debug, Default)]
pub struct BranchPointTest;

impl TestFunction for BranchPointTest {
    fn kind(&self) -> EventKind {
        EventKind::BranchPoint
    }
    fn value(&self, p: &TestPoint) -> f64 {
        p.det_sign
    }
    fn crossed(&self, a: &TestPoint, b: &TestPoint) -> bool {
        a.det_sign != b.det_sign
    }
}

/// Eigenvalue rounding level relative to ‖H‖: a backward-stable eigensolver on an AD Hessian
/// (entries summed over the data) returns eigenvalues within a few hundred ulps of ‖H‖ at the
/// sizes of the dense path (≈ √n·√N·ε ≤ 1e-13 for n ≤ 1000, N ≤ 2000), and the matrix-free
/// point eigenvalues reach their true residuals 2–5e-13·‖H‖ (m = 10⁴). 64ε ≈ 1.4e-14.
pub const EIGEN_ROUNDING: f64 = 64.0 * f64::EPSILON;

/// A kernel is one-dimensional when the second-smallest |eigenvalue| exceeds this many times
/// the event's rounding level: the larger of its own located |µ| (where the residual stopped
/// decreasing) and [`EIGEN_ROUNDING`]·max(1, ‖H‖). The threshold is then ≈ 1.4e-12·‖H‖ at a
/// well-located event, 10× above the rounding of an exactly multi-dimensional kernel (a valley
/// at α = 0: second ≲ 1e-13·‖H‖), and far below the gap of any isolated fold or branch point
/// in the dense experiments (λ2 ≥ 1e-4). A fixed 1e-9·‖H‖ (the rule before) rejected every
/// event at m = 10⁴, α = 5e-6, where the α-cluster lies at 4e-12·‖H‖ (κ(H) ≈ 2.4e9).
pub const KERNEL_GAP: f64 = 100.0;

/// The gap the second-smallest |eigenvalue| must exceed at an event whose nearest-zero
/// eigenvalue is `mu`, on a Hessian of largest |eigenvalue| `scale`.
pub fn kernel_gap(mu: f64, scale: f64) -> f64 {
    KERNEL_GAP * mu.abs().max(EIGEN_ROUNDING * scale.max(1.0))
}

/// The residual an event must reach to count as located, on a Hessian of largest |eigenvalue|
/// `scale`: `event_tol`·max(1, ‖H‖). The residual max(‖∇L‖, |µ|) carries the eigensolver's
/// absolute error ≈ [`EIGEN_ROUNDING`]·‖H‖ in µ (and ∇L's rounding grows with the same sums), so
/// a fixed 1e-12 is out of reach once ‖H‖ ≳ 70: at m = 2000, α = 2.5e-5 the first fold
/// stopped at 3.9e-12 and was dropped.
pub fn event_tolerance(scale: f64, params: &ContinuationParams) -> f64 {
    let s = if scale.is_finite() {
        scale.max(1.0)
    } else {
        1.0
    };
    params.event_tol * s
}

/// Whether an event of residual `residual` (on a Hessian of scale `scale`) is located to
/// [`event_tolerance`] (never when location is off).
pub fn is_located(residual: f64, scale: f64, params: &ContinuationParams) -> bool {
    params.locate_events && residual.is_finite() && residual <= event_tolerance(scale, params)
}

/// A detected event that was not reported, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RejectedEvent {
    /// The kind it was detected as.
    pub kind: EventKind,
    /// λ where location ended.
    pub lambda: f64,
    /// Residual reached.
    pub residual: f64,
    /// Morse index before the step.
    pub morse_before: usize,
    /// Morse index after.
    pub morse_after: usize,
    /// Why it is not an event.
    pub reason: String,
}

/// Why a located singular point is not reported as an event of its kind, if it is not: it
/// must have a one-dimensional kernel ([`kernel_gap`] at its nearest-zero eigenvalue `mu`) and
/// change the Morse index by exactly one. One located only loosely stays an event, with
/// `located: false` ([`is_located`]): a crossing is never dropped for its residual, nor for
/// a spectrum that could not be computed. A fold (τ_λ changes sign)
/// passes one eigenvalue through zero, as does a simple branch point (the crossing eigenvalue of
/// a transcritical or pitchfork changes sign on the traced branch), so both change the index
/// by ±1; an index change by two or more, or none, means either several coalescing events or
/// a non-isolated (valley) branch. User-defined events are exempt.
pub fn rejection(event: &Event, mu: f64, second: f64, scale: f64) -> Option<String> {
    if event.kind == EventKind::UserDefined {
        return None;
    }
    let gap = kernel_gap(mu, scale);
    // A spectrum the eigensolver could not deliver (NaN) leaves the kernel's dimension
    // unjudged: the crossing stays an event (its eigenvalues say NaN), never dropped.
    if second <= gap {
        return Some(format!(
            "kernel not one-dimensional: second-smallest |eigenvalue| {second:.3e} ≤ {gap:.1e} \
             ({KERNEL_GAP}× the rounding level max(|µ| = {:.1e}, {EIGEN_ROUNDING:.1e}·‖H‖))",
            mu.abs()
        ));
    }
    let dm = event.morse_before.abs_diff(event.morse_after);
    if dm != 1 {
        return Some(format!(
            "Morse index {} → {} is inconsistent with a simple {:?} (change must be ±1)",
            event.morse_before, event.morse_after, event.kind
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, residual: f64, before: usize, after: usize) -> Event {
        Event {
            kind,
            lambda: 0.5,
            residual,
            eigenvalues: vec![0.0, 1.0],
            kernel: vec![1.0, 0.0],
            theta: vec![0.0, 0.0],
            morse_before: before,
            morse_after: after,
            arclength: 0.0,
            located: true,
        }
    }

    #[test]
    fn event_tolerance_is_relative_to_the_hessian_scale() {
        let p = ContinuationParams::default();
        // ‖H‖ ≤ 1: the absolute event_tol; above, scaled (3.9e-12 at ‖H‖ = 10 is located).
        assert_eq!(event_tolerance(0.3, &p), p.event_tol);
        assert_eq!(event_tolerance(f64::NAN, &p), p.event_tol);
        assert!(!is_located(3.9e-12, 1.0, &p));
        assert!(is_located(3.9e-12, 10.0, &p));
        assert!(!is_located(f64::INFINITY, 1e6, &p));
    }

    #[test]
    fn kernel_gap_scales_with_rounding_level() {
        let fold = ev(EventKind::BranchPoint, 1e-14, 0, 1);
        // m = 10⁴, α = 5e-6: ‖H‖ = 1.2e4, located |µ| = 4.6e-14, α-cluster's next at 4.6e-8.
        let scale = 1.2e4;
        assert_eq!(rejection(&fold, 4.6e-14, 4.6e-8, scale), None);
        // An exactly two-dimensional kernel seen through rounding (1e-13·‖H‖) is rejected.
        let r = rejection(&fold, 4.6e-14, 1e-13 * scale, scale).unwrap();
        assert!(r.contains("kernel"), "{r}");
        // A zero located only to 1e-9 needs the next eigenvalue 100× above that.
        assert!(rejection(&fold, 1e-9, 5e-8, scale).is_some());
        assert_eq!(rejection(&fold, 1e-9, 2e-7, scale), None);
        // The floor holds for a located |µ| of exactly 0.
        let floor = KERNEL_GAP * EIGEN_ROUNDING * scale;
        assert!(rejection(&fold, 0.0, 0.5 * floor, scale).is_some());
        assert_eq!(rejection(&fold, 0.0, 2.0 * floor, scale), None);
    }

    #[test]
    fn admissibility_rules() {
        let p = ContinuationParams::default();
        assert_eq!(
            rejection(&ev(EventKind::Fold, 1e-15, 0, 1), 0.0, 1.0, 1.0),
            None
        );
        assert_eq!(
            rejection(&ev(EventKind::BranchPoint, 1e-15, 2, 1), 0.0, 1.0, 1.0),
            None
        );
        // The α = 0 valley: "folds" with Morse 0 → 0.
        let r = rejection(&ev(EventKind::Fold, 1e-16, 0, 0), 0.0, 1.0, 1.0).unwrap();
        assert!(r.contains("Morse"), "{r}");
        assert!(rejection(&ev(EventKind::MorseChange, 1e-16, 0, 2), 0.0, 1.0, 1.0).is_some());
        // Two-dimensional kernel.
        let r = rejection(&ev(EventKind::Fold, 1e-16, 0, 1), 0.0, 1e-12, 1.0).unwrap();
        assert!(r.contains("kernel"), "{r}");
        // A failed eigensolve (NaN) does not drop the crossing (m = 1000, α = 4e-5
        // matrix-free: the first fold at λ ≈ 0.366 was rejected so).
        assert_eq!(
            rejection(&ev(EventKind::Fold, 1e-15, 0, 1), 0.0, f64::NAN, 1.0),
            None
        );
        // Loosely located: kept (not rejected), marked by `is_located`.
        assert_eq!(
            rejection(&ev(EventKind::Fold, 1e-9, 0, 1), 0.0, 1.0, 1.0),
            None
        );
        assert!(!is_located(1e-9, 1.0, &p));
        assert!(is_located(1e-13, 1.0, &p));
        let unlocated = ContinuationParams {
            locate_events: false,
            ..Default::default()
        };
        assert!(!is_located(0.0, 1.0, &unlocated));
        assert_eq!(
            rejection(&ev(EventKind::UserDefined, 1.0, 0, 0), 0.0, 0.0, 1.0),
            None
        );
    }
}

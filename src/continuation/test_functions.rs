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

/// A kernel is one-dimensional when the second-smallest |eigenvalue| exceeds this times
/// max(1, largest |eigenvalue|): the same 1e-9 that counts "dim ker H" in Table 1, far above
/// the rounding level of a located event (residual ≤ event_tol = 1e-12) and far below the
/// gap of any isolated fold or branch point in the experiments (λ2 ≥ 1e-4 there).
pub const KERNEL_TOL: f64 = 1e-9;

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
/// must be located to `event_tol` (when location is on), have a one-dimensional kernel
/// ([`KERNEL_TOL`]), and change the Morse index by exactly one. A fold (τ_λ changes sign)
/// passes one eigenvalue through zero, as does a simple branch point (the crossing eigenvalue of
/// a transcritical or pitchfork changes sign on the traced branch), so both change the index
/// by ±1; an index change by two or more, or none, means either several coalescing events or
/// a non-isolated (valley) branch. User-defined events are exempt.
pub fn rejection(
    event: &Event,
    second: f64,
    scale: f64,
    params: &ContinuationParams,
) -> Option<String> {
    if event.kind == EventKind::UserDefined {
        return None;
    }
    if params.locate_events && (event.residual.is_nan() || event.residual > params.event_tol) {
        return Some(format!(
            "not located to tolerance: residual {:.3e} > event_tol {:.1e}",
            event.residual, params.event_tol
        ));
    }
    let gap = KERNEL_TOL * scale.max(1.0);
    if second.is_nan() || second <= gap {
        return Some(format!(
            "kernel not one-dimensional: second-smallest |eigenvalue| {second:.3e} ≤ {gap:.1e}"
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
        }
    }

    #[test]
    fn admissibility_rules() {
        let p = ContinuationParams::default();
        assert_eq!(
            rejection(&ev(EventKind::Fold, 1e-15, 0, 1), 1.0, 1.0, &p),
            None
        );
        assert_eq!(
            rejection(&ev(EventKind::BranchPoint, 1e-15, 2, 1), 1.0, 1.0, &p),
            None
        );
        // The α = 0 valley: "folds" with Morse 0 → 0.
        let r = rejection(&ev(EventKind::Fold, 1e-16, 0, 0), 1.0, 1.0, &p).unwrap();
        assert!(r.contains("Morse"), "{r}");
        assert!(rejection(&ev(EventKind::MorseChange, 1e-16, 0, 2), 1.0, 1.0, &p).is_some());
        // Two-dimensional kernel.
        let r = rejection(&ev(EventKind::Fold, 1e-16, 0, 1), 1e-12, 1.0, &p).unwrap();
        assert!(r.contains("kernel"), "{r}");
        // Not located.
        let r = rejection(&ev(EventKind::Fold, 1e-9, 0, 1), 1.0, 1.0, &p).unwrap();
        assert!(r.contains("tolerance"), "{r}");
        let unlocated = ContinuationParams {
            locate_events: false,
            ..Default::default()
        };
        assert_eq!(
            rejection(&ev(EventKind::Fold, 1e-3, 0, 1), 1.0, 1.0, &unlocated),
            None
        );
        assert_eq!(
            rejection(&ev(EventKind::UserDefined, 1.0, 0, 0), 0.0, 1.0, &p),
            None
        );
    }
}

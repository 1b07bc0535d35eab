//! The step-size controller of pseudo-arclength continuation: one type for the λ tracer
//! (chord corrector: growth from its solves and Jacobian refreshes) and the codim-2 curves
//! (full Newton: growth after an easy corrector), sharing rejection, bounds and the stall test.

use super::ContinuationParams;

/// Step growth when the corrector converged by chord iterations alone in few steps.
const GROW_FAST: f64 = 2.0;
/// Step growth when the corrector needed at most one Jacobian evaluation.
const GROW_SLOW: f64 = 1.3;
/// Chord iterations that still count as "few" for [`GROW_FAST`].
const FAST_ITERS: usize = 4;
/// Solves that still count as "few" for [`GROW_SLOW`].
const SLOW_ITERS: usize = 8;
/// More Jacobian refreshes than this shrink the next step.
const MANY_REFRESHES: usize = 3;
/// Factor applied on every rejection (and after a laborious corrector).
const SHRINK: f64 = 0.5;
/// Newton correctors (codim-2 curves): growth after an easy corrector.
const GROW_NEWTON: f64 = 1.5;
/// Newton iterations that count as easy.
const EASY_NEWTON_ITERS: usize = 3;

/// Halves the step on rejection; grows it ×2 (×1.3) after correctors that converged by chord
/// iterations alone (with one Jacobian refresh), up to `ds_max`; halves it after a corrector
/// that needed more than three refreshes.
#[derive(Clone, Debug)]
pub struct StepController {
    ds: f64,
    ds_min: f64,
    ds_max: f64,
}

impl StepController {
    /// Starts at `ds_initial` (or `ds` when resuming).
    pub fn new(params: &ContinuationParams, ds: f64) -> Self {
        StepController {
            ds,
            ds_min: params.ds_min,
            ds_max: params.ds_max,
        }
    }
    /// The current step.
    pub fn ds(&self) -> f64 {
        self.ds
    }
    /// Whether the step fell below its minimum.
    pub fn stalled(&self) -> bool {
        self.ds < self.ds_min
    }
    /// After a rejected step.
    pub fn reject(&mut self) {
        self.ds *= SHRINK;
    }
    /// Restarts at `ds` (within \[ds_min, ds_max\]) after a step the controller did not choose.
    pub fn restart(&mut self, ds: f64) {
        self.ds = ds.clamp(self.ds_min, self.ds_max);
    }
    /// A controller with explicit bounds (the codim-2 curves' own parameters).
    pub fn with_bounds(ds: f64, ds_min: f64, ds_max: f64) -> Self {
        StepController { ds, ds_min, ds_max }
    }
    /// After an accepted step whose full-Newton corrector used `iters` iterations: ×1.5 up to
    /// `ds_max` after at most three.
    pub fn accept_newton(&mut self, iters: usize) {
        if iters <= EASY_NEWTON_ITERS {
            self.ds = (self.ds * GROW_NEWTON).min(self.ds_max);
        }
    }
    /// After an accepted step whose corrector used `iters` solves and `refreshes` Jacobians.
    pub fn accept(&mut self, iters: usize, refreshes: usize) {
        if refreshes == 0 && iters <= FAST_ITERS {
            self.ds = (self.ds * GROW_FAST).min(self.ds_max);
        } else if refreshes <= 1 && iters <= SLOW_ITERS {
            self.ds = (self.ds * GROW_SLOW).min(self.ds_max);
        } else if refreshes > MANY_REFRESHES {
            self.ds *= SHRINK;
        }
    }
}

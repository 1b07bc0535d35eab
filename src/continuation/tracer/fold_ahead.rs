//! A sharp fold just ahead of the last accepted point, located from one side.
//!
//! Beside an imperfect bifurcation the branch can turn within a region far shorter than the
//! step: at digits m = 1000 it turns within ≈ 3e-5 of arclength at λ* = 0.79854
//! (λ − λ* ≈ −3.4e6·a²), reached by steps of 3e-3–2.5e-2 whose tangent still has
//! λ-component 0.9999. The PALC hyperplanes beyond the
//! turn then miss the branch and every corrector fails, and halving the step down to the
//! turn's size costs a failed corrector per halving (an operator setup each). When a step
//! fails while the eigenvalue nearest zero, extrapolated linearly in arclength from the last
//! two accepted points, reaches zero within reach of that step, the fold is located directly
//! by Newton on the fold system (∇L = 0, µ = 0) started at the accepted point; the trace then
//! resumes just past the fold along its kernel, where the branch returns.

use super::{analyse, screen, Accepted, Engine, State, MAX_CORRECTION};
use crate::continuation::corrector::{correct, join, lambda_of, norm, theta_of};
use crate::continuation::events::{fold_newton, make_event, FoldBudget, FoldRegion};
use crate::continuation::failure::StepFailure;
use crate::continuation::EventKind;
use crate::derivatives::Objective;
use ndarray::Array1;

/// A failed step at least this many times the extrapolated distance to µ = 0 tries the fold
/// system (whose Newton then searches within twice the larger of the two): the eigenvalue of
/// a fold falls like √(s* − s), faster than linearly, so the linear extrapolation
/// overestimates the distance. Measured at digits m = 1000: from 0.0134 before the fold
/// (step 0.025) the fold Newton converged in 6 iterations; from 0.069 (step 0.05) it wandered
/// to another singular point 0.002 beyond.
const AHEAD_STEPS: f64 = 1.0;
/// The fold Newton searches within this many times the larger of the failed step and the
/// extrapolated distance.
const AHEAD_REACH: f64 = 2.0;
/// Fold-system Newton from the accepted point: from inside its basin it converges in a few
/// iterations, each halving the residual at least; two that do not mean it is not
/// converging (each iteration costs an operator setup and a kernel eigensolve on the
/// matrix-free path).
const AHEAD_BUDGET: FoldBudget = FoldBudget {
    iters: 12,
    stall: 2,
    settle: AHEAD_SETTLE,
};
/// Below the tolerance, an iteration that does not at least halve the residual ends the fold
/// Newton: it is then at the rounding floor (measured at digits m = 1000: 8.1e-15, 6.0e-15,
/// 5.8e-15, 5.7e-15 after quadratic convergence from 1.6e-5), and each further iteration costs
/// a setup and a kernel eigensolve.
const AHEAD_SETTLE: f64 = 0.5;
/// The point past the fold is corrected from a predictor this fraction of the distance from
/// the accepted point to the fold away from it, in the kernel offset and in λ (the turn's
/// own scale).
const EXIT_FRACTION: f64 = 0.1;
/// A located fold-system root is a fold when |φᵀ∂λ∇L| exceeds this fraction of ‖∂λ∇L‖ (the
/// normal-form module's zero tolerance for g_µ); below, a branch point.
const FOLD_GMU_RTOL: f64 = 1e-8;

/// The eigenvalue nearest zero at an accepted point and its arclength.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trend {
    arclength: f64,
    mu: f64,
}

impl State<'_> {
    /// This point's [`Trend`] (`None` without eigenvalues).
    pub(super) fn trend(&self) -> Option<Trend> {
        let mu = self.eig.values.iter().map(|v| v.abs()).reduce(f64::min)?;
        Some(Trend {
            arclength: self.arclength,
            mu,
        })
    }
}

/// Arclength from `cur` to where |µ| extrapolates to zero, if it is falling.
fn distance_to_zero(prev: &Trend, cur: &Trend) -> Option<f64> {
    let ds = cur.arclength - prev.arclength;
    let fall = prev.mu - cur.mu;
    (ds > 0.0 && fall > 0.0).then(|| cur.mu * ds / fall)
}

/// Whether the fold `xf` lies ahead of `cur` within the corrector's own acceptance: its
/// distance from the predictor cur.x + s·τ (s its projection on τ) is at most
/// [`MAX_CORRECTION`]·s, the rule that keeps a corrected point on the branch of the step.
fn along_tangent(cur: &State, xf: &Array1<f64>) -> bool {
    let d = xf - &cur.x;
    let s = d.dot(&cur.tau);
    s > 0.0 && norm((&d - &(&cur.tau * s)).view()) <= MAX_CORRECTION * s
}

/// Failures of a step that a turn ahead explains (not failures of a linear or eigen solver).
fn turn_failure(f: &StepFailure) -> bool {
    matches!(
        f,
        StepFailure::Diverged { .. }
            | StepFailure::SolveBudget { .. }
            | StepFailure::NewtonBudget { .. }
            | StepFailure::NewtonNoProgress { .. }
            | StepFailure::CorrectionTooLarge { .. }
            | StepFailure::TurnTooLarge { .. }
            | StepFailure::SeveralEvents
            | StepFailure::EventNotLocated { .. }
    )
}

impl<'a, O: Objective + ?Sized> Engine<'a, O> {
    /// After a step of `ds` from `cur` failed with `f`: the fold ahead located from `cur`
    /// (`prev` is the point before, for the eigenvalue trend) and the accepted step to just past
    /// it, carrying the fold as its event; `None` when the trend does not point at a zero
    /// within reach or the fold system does not converge there.
    pub(super) fn fold_ahead(
        &self,
        cur: &State<'a>,
        prev: Trend,
        ds: f64,
        f: &StepFailure,
    ) -> Option<Accepted<'a>> {
        if !turn_failure(f) {
            return None;
        }
        let s_zero = distance_to_zero(&prev, &cur.trend()?)?;
        if s_zero > AHEAD_STEPS * ds {
            return None;
        }
        let p = self.params;
        let reach = AHEAD_REACH * s_zero.max(ds);
        let region = FoldRegion {
            anchor: &cur.x,
            reach,
            vectors: cur.endpoint().vectors,
        };
        let (xf, phi) = fold_newton(
            self.obj,
            &self.backend,
            cur.x.clone(),
            &region,
            AHEAD_BUDGET,
            p.event_tol,
        )?;
        if !along_tangent(cur, &xf) {
            return None;
        }
        let shape = self.shape(&xf, &phi);
        let next = self.past_fold(cur, &xf, &phi, shape.curvature)?;
        let located = make_event(
            self.obj,
            &self.backend,
            shape.kind,
            &xf,
            &cur.endpoint(),
            &next.endpoint(),
            p,
        );
        let (events, rejected) = screen(vec![located]);
        Some(Accepted {
            next,
            iters: 0,
            refreshes: 0,
            boundary: None,
            events,
            rejected,
        })
    }

    /// The accepted point just past the fold `xf` (kernel `phi`, λ − λ* ≈ −curvature·a² along
    /// a·φ): corrected from the second-order predictor xf + (δ·sφ, −curvature·δ²) on the
    /// hyperplane normal to (sφ, 0), on the side s where the Morse index differs from `cur`'s
    /// (the side the branch returns on; the other intersection is the branch `cur` came by).
    fn past_fold(
        &self,
        cur: &State<'a>,
        xf: &Array1<f64>,
        phi: &Array1<f64>,
        curvature: f64,
    ) -> Option<State<'a>> {
        let approach = norm((xf - &cur.x).view());
        // Both the kernel offset δ and the λ drop curvature·δ² at most EXIT_FRACTION·approach.
        let exit = EXIT_FRACTION * approach;
        let delta = exit.min((exit / curvature.abs()).sqrt());
        let moved = phi.dot(&(&theta_of(xf) - &theta_of(&cur.x)));
        let first = if moved < 0.0 { -1.0 } else { 1.0 };
        [first, -first].into_iter().find_map(|sign| {
            let normal = join((phi * sign).view(), 0.0);
            let mut xp = xf + &(&normal * delta);
            let n = xp.len() - 1;
            xp[n] -= curvature * delta * delta;
            let next = self.exit_point(cur, xf, &xp, &normal, approach)?;
            (next.morse != cur.morse).then_some(next)
        })
    }

    /// The corrected and analysed point from the predictor `xp` past the fold `xf`.
    fn exit_point(
        &self,
        cur: &State<'a>,
        xf: &Array1<f64>,
        xp: &Array1<f64>,
        normal: &Array1<f64>,
        approach: f64,
    ) -> Option<State<'a>> {
        let p = self.params;
        let corr = correct(
            self.obj,
            &self.backend,
            xp,
            normal.view(),
            None,
            p.grad_tol,
            p.max_newton_iters,
        )
        .ok()?;
        let lam = lambda_of(&corr.x);
        let moved = norm((&corr.x - xp).view());
        let inside = (p.lambda_min..=p.lambda_max).contains(&lam);
        if !inside || moved > MAX_CORRECTION * norm((xp - xf).view()) {
            return None;
        }
        let arclength = cur.arclength + approach + norm((&corr.x - xf).view());
        analyse(
            self.obj,
            &self.backend,
            corr.x,
            corr.grad_norm,
            normal.view(),
            Some(&cur.eig.vectors),
            false,
            arclength,
            p.spectrum,
        )
        .ok()
    }

    /// The fold's kind and its curvature g_aa/(2g_µ) in the normal form
    /// g_µ(λ − λ*) + ½g_aa·a² = 0 of the branch through it (g_aa = D³L\[φ, φ, φ\],
    /// g_µ = φᵀ∂λ∇L): a fold when the kernel sees the parameter (g_µ ≠ 0), else a branch
    /// point (curvature 0: the exit predictor is then first order).
    fn shape(&self, xf: &Array1<f64>, phi: &Array1<f64>) -> Shape {
        let (theta, lam) = (theta_of(xf), lambda_of(xf));
        let gl = self.obj.grad_lambda(theta, lam);
        let g_mu = phi.dot(&gl);
        if g_mu.abs() <= FOLD_GMU_RTOL * norm(gl.view()) {
            return Shape {
                kind: EventKind::BranchPoint,
                curvature: 0.0,
            };
        }
        let g_aa = phi.dot(&self.obj.d3_vec(theta, lam, phi.view()));
        Shape {
            kind: EventKind::Fold,
            curvature: g_aa / (2.0 * g_mu),
        }
    }
}

/// What [`Engine::shape`] finds at a located fold-system root.
struct Shape {
    kind: EventKind,
    curvature: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_extrapolated_only_when_falling() {
        let t = |arclength, mu| Trend { arclength, mu };
        // |µ| = 3 − s: zero at s = 3, 1 beyond s = 2.
        assert_eq!(distance_to_zero(&t(1.0, 2.0), &t(2.0, 1.0)), Some(1.0));
        assert_eq!(distance_to_zero(&t(1.0, 1.0), &t(2.0, 2.0)), None);
        assert_eq!(distance_to_zero(&t(1.0, 1.0), &t(2.0, 1.0)), None);
        assert_eq!(distance_to_zero(&t(2.0, 2.0), &t(2.0, 1.0)), None);
    }

    #[test]
    fn only_corrector_and_event_failures_suggest_a_turn() {
        assert!(turn_failure(&StepFailure::SeveralEvents));
        assert!(turn_failure(&StepFailure::Diverged { grad_norm: 1.0 }));
        assert!(!turn_failure(&StepFailure::Eigen("no shift".into())));
        assert!(!turn_failure(&StepFailure::NonFiniteGradient {
            lambda: 0.5
        }));
    }
}

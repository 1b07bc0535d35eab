//! Tangents and correctors (natural-parameter and pseudo-arclength).

use super::failure::StepFailure;
use crate::derivatives::Objective;
use crate::hessian::{Backend, Bordered};
use ndarray::{s, Array1, ArrayView1};

/// Euclidean norm.
pub(crate) fn norm(v: ArrayView1<f64>) -> f64 {
    v.dot(&v).sqrt()
}

/// θ part of an extended point x = (θ, λ).
pub(crate) fn theta_of(x: &Array1<f64>) -> ArrayView1<'_, f64> {
    x.slice(s![..x.len() - 1])
}

/// λ part of an extended point x = (θ, λ).
pub(crate) fn lambda_of(x: &Array1<f64>) -> f64 {
    x[x.len() - 1]
}

/// Joins θ and λ into x = (θ, λ).
pub(crate) fn join(theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
    let n = theta.len();
    let mut x = Array1::zeros(n + 1);
    x.slice_mut(s![..n]).assign(&theta);
    x[n] = lambda;
    x
}

/// Outcome of a converged corrector.
pub(crate) struct Corrected {
    /// The converged point x = (θ, λ).
    pub x: Array1<f64>,
    /// ‖∇L‖ there.
    pub grad_norm: f64,
    /// Linear solves performed.
    pub iters: usize,
    /// Jacobian evaluations (true Newton iterations).
    pub refreshes: usize,
}

/// Chord iterations allowed per corrector in addition to the Newton budget.
pub(crate) const MAX_CHORD_ITERS: usize = 30;

/// Rounding-floor fallback: a corrector whose exact Newton steps no longer halve ‖∇L‖ is
/// accepted once ‖∇L‖ ≤ FLOOR_FACTOR · tol (the recorded ‖∇L‖ is the true one).
pub(crate) const FLOOR_FACTOR: f64 = 10.0;

/// Exact Newton steps after which a corrector that has not brought ‖∇L‖ below its value at
/// the first one gives up: from inside its basin Newton gains digits at every step, so three
/// without net progress mean a predictor outside it (beside a branch point the basin shrinks
/// like µ₁², and at m = 10⁴ each further exact step costs an operator setup, ≈ 5 s). The step
/// is then retried shorter instead of spending the whole Newton budget.
pub(crate) const NO_PROGRESS_REFRESHES: usize = 3;

/// Newton/chord corrector on G(x) = (∇L(x), normalᵀ(x − xp)) = 0 from the predictor `xp`.
///
/// Starts with `jac` (a factorisation of \[\[H, ∂λ∇L\], \[normalᵀ\]\] at a nearby point) as a chord
/// Jacobian and re-evaluates the exact Jacobian whenever the steps contract by less than a
/// factor 4; at most `max_newton` re-evaluations and `max_newton + MAX_CHORD_ITERS` solves.
/// Converged when ‖∇L‖ ≤ tol.
#[allow(clippy::too_many_arguments)]
pub(crate) fn correct<'o, O: Objective + ?Sized>(
    obj: &'o O,
    backend: &Backend,
    xp: &Array1<f64>,
    normal: ArrayView1<f64>,
    jac: Option<&Bordered<'o>>,
    tol: f64,
    max_newton: usize,
) -> std::result::Result<Corrected, StepFailure> {
    let mut x = xp.clone();
    let mut own: Option<Bordered> = None;
    let mut stale = jac.is_none();
    let (mut iters, mut refreshes) = (0usize, 0usize);
    let mut prev_step = f64::INFINITY;
    let mut gn0 = None;
    // ‖∇L‖ before the last exact Newton step, if the last step was one.
    let mut before_newton: Option<f64> = None;
    // ‖∇L‖ when the first exact Jacobian was taken.
    let mut at_first_refresh: Option<f64> = None;
    // The iterate before the last step and its ‖∇L‖, while that step was a chord step.
    let mut before_chord: Option<(Array1<f64>, f64)> = None;
    loop {
        let lam = lambda_of(&x);
        let g = obj.gradient(theta_of(&x), lam);
        let gn = norm(g.view());
        if !gn.is_finite() {
            return Err(StepFailure::NonFiniteGradient { lambda: lam });
        }
        // A chord step that raised ‖∇L‖ is undone and replaced by an exact Newton step: the
        // chord Jacobian (from the previous point) is off by ≈ ‖D³L‖·ds, which beside a fold
        // or branch point exceeds the smallest eigenvalue, so its steps diverge (digits
        // m = 1000: 1e-9 → 5e-6 in two chord steps) from predictors Newton itself converges from.
        if let Some((xb, gb)) = before_chord.take() {
            if gn > gb {
                x = xb;
                stale = true;
                continue;
            }
        }
        let at_floor = before_newton.is_some_and(|b| gn > 0.5 * b) && gn <= FLOOR_FACTOR * tol;
        if gn <= tol || at_floor {
            return Ok(Corrected {
                x,
                grad_norm: gn,
                iters,
                refreshes,
            });
        }
        let gn_start = *gn0.get_or_insert(gn);
        if gn > 1e3 * gn_start.max(tol) {
            return Err(StepFailure::Diverged { grad_norm: gn });
        }
        if iters >= max_newton + MAX_CHORD_ITERS {
            return Err(StepFailure::SolveBudget {
                iters,
                grad_norm: gn,
            });
        }
        before_newton = None;
        if stale {
            before_newton = Some(gn);
            let first = *at_first_refresh.get_or_insert(gn);
            if refreshes >= max_newton {
                return Err(StepFailure::NewtonBudget {
                    refreshes,
                    grad_norm: gn,
                });
            }
            if refreshes >= NO_PROGRESS_REFRESHES && gn >= first {
                return Err(StepFailure::NewtonNoProgress {
                    refreshes,
                    start: first,
                    grad_norm: gn,
                });
            }
            let h = backend.at(obj, theta_of(&x), lam);
            let gl = obj.grad_lambda(theta_of(&x), lam);
            own = Some(h.bordered(&gl, normal));
            refreshes += 1;
            stale = false;
        }
        let rhs = join(g.view(), normal.dot(&(&x - xp)));
        let solver = own.as_ref().or(jac).expect("a Jacobian is available");
        let dx = solver
            .solve(&rhs)
            .map_err(|f| StepFailure::hessian(f, lam))?;
        let step = norm(dx.view());
        if before_newton.is_none() {
            before_chord = Some((x.clone(), gn));
        }
        x -= &dx;
        iters += 1;
        if step > 0.25 * prev_step {
            stale = true;
        }
        prev_step = step;
    }
}

/// Newton's method on ∇L(·, λ) = 0 with backtracking on ‖∇L‖ (the Newton direction is a
/// descent direction of ½‖∇L‖²).
pub(crate) fn newton_fixed_lambda<O: Objective + ?Sized>(
    obj: &O,
    backend: &Backend,
    theta0: ArrayView1<f64>,
    lambda: f64,
    tol: f64,
    max_iters: usize,
) -> std::result::Result<(Array1<f64>, f64), StepFailure> {
    let mut theta = theta0.to_owned();
    let mut g = obj.gradient(theta.view(), lambda);
    let mut gn = norm(g.view());
    for _ in 0..=max_iters {
        if !gn.is_finite() {
            return Err(StepFailure::NonFiniteGradient { lambda });
        }
        if gn <= tol {
            return Ok((theta, gn));
        }
        let d = backend
            .at(obj, theta.view(), lambda)
            .newton_solve(&g)
            .map_err(|e| StepFailure::hessian(e, lambda))?;
        if d.iter().any(|v| !v.is_finite()) {
            return Err(StepFailure::SingularHessian { lambda });
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let trial = &theta - &(&d * t);
            let gt = obj.gradient(trial.view(), lambda);
            let gtn = norm(gt.view());
            if gtn.is_finite() && gtn < gn {
                if t == 1.0 && gtn > 0.5 * gn && gtn <= FLOOR_FACTOR * tol {
                    // Full Newton step barely helps: rounding floor reached.
                    return Ok((trial, gtn));
                }
                theta = trial;
                g = gt;
                gn = gtn;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted && gn <= FLOOR_FACTOR * tol {
            return Ok((theta, gn));
        }
        if !accepted {
            return Err(StepFailure::Stagnated {
                grad_norm: gn,
                tol,
                lambda,
            });
        }
    }
    if gn <= tol {
        Ok((theta, gn))
    } else {
        Err(StepFailure::NaturalBudget {
            tol,
            iters: max_iters,
            grad_norm: gn,
            lambda,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::continuation::Solver;
    use ndarray::{array, Array2};

    /// ∇L = θ² + 1 has no zero, and ‖∇L‖ ≥ 1 everywhere: Newton wanders without converging.
    struct Rootless;

    impl Objective for Rootless {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, t: ArrayView1<f64>, _l: f64) -> f64 {
            t[0].powi(3) / 3.0 + t[0]
        }
        fn gradient(&self, t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
            array![t[0] * t[0] + 1.0]
        }
        fn hessian(&self, t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
            array![[2.0 * t[0]]]
        }
        fn grad_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
            array![0.0]
        }
        fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
            array![[0.0]]
        }
        fn d3_vec(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
            array![2.0 * u[0] * u[0]]
        }
        fn d4(&self, _t: ArrayView1<f64>, _l: f64, _u: ArrayView1<f64>) -> f64 {
            0.0
        }
    }

    #[test]
    fn no_progress_ends_before_the_newton_budget() {
        let be = Backend::new(Solver::Dense, 1);
        let normal = array![0.0, 1.0];
        for th in [0.3, 0.5, -0.7, 2.0] {
            let xp = array![th, 0.0];
            let r = correct(&Rootless, &be, &xp, normal.view(), None, 1e-13, 10);
            match r {
                Err(StepFailure::NewtonNoProgress {
                    refreshes,
                    start,
                    grad_norm,
                }) => {
                    assert!((NO_PROGRESS_REFRESHES..10).contains(&refreshes));
                    assert_eq!(start, th * th + 1.0);
                    assert!(grad_norm >= start);
                }
                Err(e) => panic!("θ0 = {th}: {e}"),
                Ok(c) => panic!("θ0 = {th}: converged to {}", c.x),
            }
        }
    }
}

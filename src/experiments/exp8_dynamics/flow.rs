//! Gradient flow θ̇ = −∇L(θ, λ) by implicit (backward) Euler: θ' = θ − dt ∇L(θ', λ), solved by
//! Newton with the exact Hessian, (I + dt H(θ')) Δ = −(θ' − θ + dt ∇L(θ')).
//!
//! Backward Euler is L-stable, so the step follows the slow dynamics (the soft direction near
//! a degenerate point) with dt ≫ 1/µ_max, where explicit descent needs dt < 2/µ_max. On a
//! linear mode of rate µ one step multiplies by 1/(1 + µ dt) exactly; relaxation rates are
//! recovered from that map without bias. Each step is the proximal point of L (the minimiser of
//! L(θ') + ‖θ' − θ‖²/(2dt) while I + dt H stays positive definite), so it cannot cross a barrier.

use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{norm, solve};
use ndarray::{Array1, Array2};

/// Newton iterations per implicit step before the step is refused.
const MAX_NEWTON: usize = 30;
/// Relative residual ‖θ' − θ + dt∇L(θ')‖ ≤ NEWTON_TOL·(1 + ‖θ‖) accepted outright …
const NEWTON_TOL: f64 = 1e-13;
/// … and, once Newton stops contracting (the rounding floor, which grows like eps·dt·Σ|terms of
/// ∇L|), any residual below FLOOR_TOL·(1 + dt)(1 + ‖θ‖).
const FLOOR_TOL: f64 = 1e-12;

/// One backward-Euler step of size `dt` from `theta` at λ.
pub fn implicit_step<O: Objective + ?Sized>(
    obj: &O,
    theta: &Array1<f64>,
    lambda: f64,
    dt: f64,
) -> Result<Array1<f64>> {
    let n = theta.len();
    let scale = 1.0 + norm(theta.view());
    let (tol, floor) = (NEWTON_TOL * scale, FLOOR_TOL * (1.0 + dt) * scale);
    // Start at θ: the first Newton step is the linearly implicit Euler step (an explicit
    // predictor would be thrown far off along the stiff modes when dt·µ_max ≫ 1).
    let mut next = theta.clone();
    let mut previous = f64::INFINITY;
    for _ in 0..MAX_NEWTON {
        let f = &next - theta + obj.gradient(next.view(), lambda) * dt;
        let r = norm(f.view());
        // Quadratic convergence halves the residual at least; when it no longer does, the
        // rounding floor is reached.
        if r <= tol || (r > 0.5 * previous && r <= floor) {
            return Ok(next);
        }
        previous = r;
        let jac = Array2::eye(n) + obj.hessian(next.view(), lambda) * dt;
        next += &solve(&jac, &(-f))?;
    }
    Err(Error::NoConvergence {
        method: "backward-Euler gradient-flow step".into(),
        reason: format!("Newton did not reach {tol:e} (or a floor ≤ {floor:e}) in {MAX_NEWTON} iterations (dt = {dt})"),
    })
}

/// Halvings of a refused step before giving up (a step fails when the proximal problem is not
/// convex, dt·|µ_min| ≳ 1, e.g. while the flow crosses a saddle region after a jump).
const MAX_HALVINGS: usize = 30;

/// A backward-Euler step of size `dt`, taken as two half steps (recursively) when Newton fails.
pub fn adaptive_step<O: Objective + ?Sized>(
    obj: &O,
    theta: &Array1<f64>,
    lambda: f64,
    dt: f64,
) -> Result<Array1<f64>> {
    fn go<O: Objective + ?Sized>(
        obj: &O,
        theta: &Array1<f64>,
        lambda: f64,
        dt: f64,
        depth: usize,
    ) -> Result<Array1<f64>> {
        match implicit_step(obj, theta, lambda, dt) {
            Ok(next) => Ok(next),
            Err(e) if depth >= MAX_HALVINGS => Err(e),
            Err(_) => {
                let half = go(obj, theta, lambda, 0.5 * dt, depth + 1)?;
                go(obj, &half, lambda, 0.5 * dt, depth + 1)
            }
        }
    }
    go(obj, theta, lambda, dt, 0)
}

/// Integrates the flow from t = 0 with steps dt_k = `dt_of(t_k)` until t ≥ `t_end`, calling
/// `observe(t, θ)` after each step (false stops early). Returns the final θ and step count.
pub fn integrate<O: Objective + ?Sized>(
    obj: &O,
    theta: Array1<f64>,
    lambda: f64,
    t_end: f64,
    dt_of: impl Fn(f64) -> f64,
    mut observe: impl FnMut(f64, &Array1<f64>) -> bool,
) -> Result<(Array1<f64>, usize)> {
    let (mut t, mut th, mut k) = (0.0, theta, 0);
    while t < t_end {
        let dt = dt_of(t).min(t_end - t);
        th = adaptive_step(obj, &th, lambda, dt)?;
        t += dt;
        k += 1;
        if !observe(t, &th) {
            break;
        }
    }
    Ok((th, k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivatives::ad::{AdObjective, GenericLoss};
    use num_dual::DualNum;

    /// L = ½ Σ µ_i θ_i²: each mode decays by exactly 1/(1 + µ_i dt) per step.
    struct Quadratic(Vec<f64>);
    impl GenericLoss for Quadratic {
        fn dim(&self) -> usize {
            self.0.len()
        }
        fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], _lambda: D) -> D {
            theta.iter().zip(&self.0).fold(D::from(0.0), |acc, (t, m)| {
                acc + t.clone() * t.clone() * (0.5 * m)
            })
        }
    }

    #[test]
    fn backward_euler_applies_the_exact_linear_map() {
        let obj = AdObjective(Quadratic(vec![1e-3, 10.0]));
        let th = Array1::from(vec![1.0, 1.0]);
        let dt = 50.0;
        let next = implicit_step(&obj, &th, 0.0, dt).unwrap();
        assert!((next[0] - 1.0 / (1.0 + 1e-3 * dt)).abs() < 1e-14);
        assert!((next[1] - 1.0 / (1.0 + 10.0 * dt)).abs() < 1e-14);
    }
}

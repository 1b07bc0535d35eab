//! Critical slowing down, measured: the relaxation time τ(λ) of a small perturbation along the
//! soft direction below a fold (by gradient flow and by plain gradient descent), and the
//! algebraic decay at a degenerate point.

use super::descent::{descend, ols_with_se};
use super::flow::integrate;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::sym_eigen;
use ndarray::{Array1, ArrayView1};
use serde::Serialize;

/// The fit uses |a| from e^{-FIT_START} to e^{-FIT_END} of the initial amplitude.
const FIT_START: f64 = 0.5;
const FIT_END: f64 = 3.0;
/// Flow step as a fraction of the soft time scale 1/µ1 (the linear map is exact at any dt;
/// a small fraction keeps the weakly nonlinear part resolved).
const FLOW_STEP_FRACTION: f64 = 0.05;
/// Log-grid flow steps: dt = LOG_STEP·max(t, t_scale) (relative resolution of the decay).
const LOG_STEP: f64 = 0.02;
/// Samples per decade of t in a decay record.
const SAMPLES_PER_DECADE: f64 = 20.0;

/// One relaxation-time measurement at λ = λ* − δ on the minimum branch.
#[derive(Clone, Debug, Serialize)]
pub struct Relaxation {
    /// δ = λ* − λ.
    pub delta: f64,
    /// λ.
    pub lambda: f64,
    /// Smallest Hessian eigenvalue µ1 at the minimum (exact).
    pub mu1: f64,
    /// τ measured by gradient flow (backward Euler, rate recovered from its exact linear map).
    pub tau: f64,
    /// τ measured by plain gradient descent with step η (where run).
    pub tau_gd: Option<f64>,
    /// Linear prediction 1/µ1.
    pub tau_linear: f64,
    /// Fold normal-form prediction 1/√(2|g_µ g_aa| δ).
    pub tau_fold: f64,
}

/// The soft eigenpair (µ1, φ1) at a minimum; errors if it is not one.
pub fn soft_mode<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
) -> Result<(f64, Array1<f64>)> {
    let e = sym_eigen(&obj.hessian(theta, lambda))?;
    let mu1 = e.values[0];
    if mu1 <= 0.0 {
        return Err(Error::param(
            "relaxation",
            format!("λ = {lambda}: not a minimum (µ1 = {mu1:e})"),
        ));
    }
    Ok((mu1, e.vectors.column(0).to_owned()))
}

/// Slope per unit of `x` of ln|a| over the samples inside the fit band.
fn band_slope(xs: &[f64], amps: &[f64], eps: f64) -> Result<f64> {
    let (hi, lo) = (eps * (-FIT_START).exp(), eps * (-FIT_END).exp());
    let (x, y): (Vec<f64>, Vec<f64>) = xs
        .iter()
        .zip(amps)
        .filter(|(_, a)| **a <= hi && **a >= lo)
        .map(|(x, a)| (*x, a.ln()))
        .unzip();
    Ok(ols_with_se(&x, &y)?.1)
}

/// τ by gradient flow from θ_min + εφ1 at λ: backward Euler with dt = 0.05/µ1, one sample per
/// step; a mode of rate µ shrinks by 1/(1 + µ dt) per step, so µ = (e^{−s} − 1)/dt for the fitted
/// per-step log-slope s.
pub fn tau_by_flow<O: Objective + ?Sized>(
    obj: &O,
    theta_min: ArrayView1<f64>,
    lambda: f64,
    eps: f64,
) -> Result<f64> {
    let (mu1, phi) = soft_mode(obj, theta_min, lambda)?;
    let dt = FLOW_STEP_FRACTION / mu1;
    let start = &theta_min + &(&phi * eps);
    let (mut ks, mut amps) = (Vec::new(), Vec::new());
    let lo = eps * (-FIT_END).exp();
    let t_end = 10.0 * FIT_END / mu1; // generous: the decay needs ≈ FIT_END/µ1
    integrate(
        obj,
        start,
        lambda,
        t_end,
        |_| dt,
        |_, th| {
            let a = phi.dot(&(th - &theta_min)).abs();
            ks.push(ks.len() as f64 + 1.0);
            amps.push(a);
            a > lo
        },
    )?;
    let s = band_slope(&ks, &amps, eps)?;
    Ok(dt / ((-s).exp() - 1.0))
}

/// τ by plain gradient descent with step η: a mode of rate µ shrinks by (1 − ηµ) per step, so
/// µ = (1 − e^{s})/η for the fitted per-step log-slope s.
pub fn tau_by_descent<O: Objective + ?Sized>(
    obj: &O,
    theta_min: ArrayView1<f64>,
    lambda: f64,
    (eps, eta, max_steps): (f64, f64, usize),
) -> Result<f64> {
    let (_, phi) = soft_mode(obj, theta_min, lambda)?;
    let mut theta = &theta_min + &(&phi * eps);
    let (mut ks, mut amps) = (Vec::new(), Vec::new());
    let lo = eps * (-FIT_END).exp();
    let steps = descend(obj, &mut theta, lambda, eta, max_steps, |k, th| {
        let a = phi.dot(&(th - &theta_min)).abs();
        ks.push(k as f64);
        amps.push(a);
        a > lo
    });
    if steps == max_steps {
        return Err(Error::NoConvergence {
            method: "relaxation by gradient descent".into(),
            reason: format!(
                "|a| did not decay by e^-{FIT_END} in {max_steps} steps at λ = {lambda}"
            ),
        });
    }
    let s = band_slope(&ks, &amps, eps)?;
    Ok(eta / (1.0 - s.exp()))
}

/// The decay of a(t) at a degenerate point, sampled on a log grid of t.
#[derive(Clone, Debug, Serialize)]
pub struct Decay {
    /// Initial amplitude a0 along the kernel (signed: the side that decays).
    pub a0: f64,
    /// Sample times (log-spaced).
    pub t: Vec<f64>,
    /// |a(t)| at those times.
    pub a: Vec<f64>,
    /// Fitted exponent p of |a| ∝ t^p over the late window.
    pub exponent: f64,
    /// Its standard error.
    pub exponent_se: f64,
    /// The window \[t_lo, t_hi\] of the fit.
    pub window: (f64, f64),
    /// The predicted exponent (−1 fold, −1/2 pitchfork).
    pub predicted_exponent: f64,
    /// The predicted law's constant: |a| ≈ coefficient·t^p at late times.
    pub predicted_coefficient: f64,
    /// Flow steps taken.
    pub steps: usize,
}

/// Gradient flow from θ* + a0 φ at λ* up to `t_hi` (log-grid backward Euler, dt = 0.02·max(t,
/// t_scale)), sampling |a| = |φᵀ(θ − θ*)|, and the exponent fitted on \[t_lo, t_hi\].
pub fn algebraic_decay<O: Objective + ?Sized>(
    obj: &O,
    (theta_star, phi, lambda): (ArrayView1<f64>, ArrayView1<f64>, f64),
    (a0, t_scale): (f64, f64),
    (t_lo, t_hi): (f64, f64),
    (predicted_exponent, predicted_coefficient): (f64, f64),
) -> Result<Decay> {
    let start: Array1<f64> = &theta_star + &(&phi * a0);
    let ratio = 10f64.powf(1.0 / SAMPLES_PER_DECADE);
    let (mut t, mut a) = (Vec::new(), Vec::new());
    let mut next = 0.0;
    let (_, steps) = integrate(
        obj,
        start,
        lambda,
        t_hi,
        |tk| LOG_STEP * tk.max(t_scale),
        |tk, th| {
            if tk >= next {
                t.push(tk);
                a.push(phi.dot(&(th - &theta_star)).abs());
                next = tk * ratio;
            }
            true
        },
    )?;
    let (lx, ly): (Vec<f64>, Vec<f64>) = t
        .iter()
        .zip(&a)
        .filter(|(tk, _)| **tk >= t_lo)
        .map(|(tk, ak)| (tk.ln(), ak.ln()))
        .unzip();
    let (_, exponent, exponent_se) = ols_with_se(&lx, &ly)?;
    Ok(Decay {
        a0,
        t,
        a,
        exponent,
        exponent_se,
        window: (t_lo, t_hi),
        predicted_exponent,
        predicted_coefficient,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivatives::ad::{AdObjective, GenericLoss};
    use ndarray::array;
    use num_dual::DualNum;

    /// L = ½µ1θ0² + ½µ2θ1² + c4·θ0⁴ + c3·θ0³ (c3, c4 = 0: a linear flow with known rates).
    struct Model {
        mu: (f64, f64),
        c3: f64,
        c4: f64,
    }
    impl GenericLoss for Model {
        fn dim(&self) -> usize {
            2
        }
        fn loss<D: DualNum<Primitive = f64>>(&self, t: &[D], _lambda: D) -> D {
            let (a, b) = (t[0].clone(), t[1].clone());
            a.clone() * a.clone() * (0.5 * self.mu.0)
                + b.clone() * b * (0.5 * self.mu.1)
                + a.powi(3) * self.c3
                + a.powi(4) * self.c4
        }
    }

    #[test]
    fn flow_and_descent_recover_the_linear_rate_exactly() {
        // Both schemes apply an exact linear map per step, inverted exactly: τ = 1/µ1 up to
        // the rounding of the log-linear fit.
        let obj = AdObjective(Model {
            mu: (2e-3, 5.0),
            c3: 0.0,
            c4: 0.0,
        });
        let zero = array![0.0, 0.0];
        let tau = tau_by_flow(&obj, zero.view(), 0.0, 1e-6).unwrap();
        assert!((tau * 2e-3 - 1.0).abs() < 1e-9, "{tau}");
        let tau = tau_by_descent(&obj, zero.view(), 0.0, (1e-6, 0.1, 100_000)).unwrap();
        assert!((tau * 2e-3 - 1.0).abs() < 1e-9, "{tau}");
    }

    #[test]
    fn quartic_and_cubic_critical_points_decay_as_the_normal_forms_say() {
        // ϕ = C a⁴: a ≈ 1/√(8Ct) → exponent −1/2 (the paper's (35)).
        let (c, a0) = (0.25, 0.05);
        let obj = AdObjective(Model {
            mu: (0.0, 1.0),
            c3: 0.0,
            c4: c,
        });
        let t0 = 1.0 / (8.0 * c * a0 * a0);
        let (z, e) = (array![0.0, 0.0], array![1.0, 0.0]);
        let d = algebraic_decay(
            &obj,
            (z.view(), e.view(), 0.0),
            (a0, t0),
            (100.0 * t0, 1000.0 * t0),
            (-0.5, 0.0),
        )
        .unwrap();
        assert!((d.exponent + 0.5).abs() < 5e-3, "{}", d.exponent);
        // ϕ = (g/6) a³ with g < 0 (a fold at its critical parameter): ȧ = −(g/2)a², decaying
        // for a0 < 0 as 2/(|g| t) → exponent −1.
        let g: f64 = -0.1;
        let obj = AdObjective(Model {
            mu: (0.0, 1.0),
            c3: g / 6.0,
            c4: 0.0,
        });
        let a0: f64 = -0.05;
        let t0 = 2.0 / (g.abs() * a0.abs());
        let d = algebraic_decay(
            &obj,
            (z.view(), e.view(), 0.0),
            (a0, t0),
            (100.0 * t0, 1000.0 * t0),
            (-1.0, 0.0),
        )
        .unwrap();
        assert!((d.exponent + 1.0).abs() < 5e-3, "{}", d.exponent);
        let late = d.t.len() - 1;
        assert!((d.a[late] * g.abs() * d.t[late] / 2.0 - 1.0).abs() < 0.05);
    }
}

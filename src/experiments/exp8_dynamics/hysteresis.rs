//! Adiabatic sweeps of λ with gradient flow tracking the minimum (a fixed flow time per λ
//! value: the sweep rate), up from the λ = 0 minimum to λ_max, then back down, and where each
//! sweep jumps.

use super::flow::integrate;
use crate::derivatives::Objective;
use crate::error::Result;
use crate::linalg::norm;
use ndarray::Array1;
use serde::Serialize;

/// A displacement per λ step larger than this multiple of the median displacement is a jump
/// (the median is the smooth drift of a tracked minimum; a jump crosses to another basin).
const JUMP_FACTOR: f64 = 20.0;

/// One sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// λ values in sweep order.
    pub lambdas: Vec<f64>,
    /// Loss after the descent at each λ.
    pub losses: Vec<f64>,
    /// ‖∇L‖ after the descent at each λ (how closely the sweep tracks a critical point).
    pub grad_norms: Vec<f64>,
    /// ‖θ_k − θ_{k−1}‖ per λ step.
    pub displacements: Vec<f64>,
    /// λ after the largest displacement, when it is a jump (a displacement over 20× the median one).
    pub jump_lambda: Option<f64>,
    /// The λ interval (previous, jump) bracketing the jump.
    pub jump_interval: Option<(f64, f64)>,
    /// Final θ (the start of the reverse sweep).
    #[serde(skip)]
    pub theta: Array1<f64>,
}

/// Sweeps λ through `lambdas` from `theta`: `steps` backward-Euler flow steps of size `dt` per
/// λ value.
pub fn sweep<O: Objective + ?Sized>(
    obj: &O,
    theta: Array1<f64>,
    lambdas: &[f64],
    dt: f64,
    steps: usize,
) -> Result<Sweep> {
    let mut th = theta;
    let mut out = Sweep {
        lambdas: lambdas.to_vec(),
        losses: Vec::with_capacity(lambdas.len()),
        grad_norms: Vec::with_capacity(lambdas.len()),
        displacements: Vec::with_capacity(lambdas.len()),
        jump_lambda: None,
        jump_interval: None,
        theta: Array1::zeros(0),
    };
    for &lam in lambdas {
        let before = th.clone();
        th = integrate(obj, th, lam, dt * steps as f64, |_| dt, |_, _| true)?.0;
        out.displacements.push(norm((&th - &before).view()));
        out.losses.push(obj.value(th.view(), lam));
        out.grad_norms
            .push(norm(obj.gradient(th.view(), lam).view()));
    }
    out.theta = th;
    locate_jump(&mut out);
    Ok(out)
}

fn locate_jump(s: &mut Sweep) {
    // The first step moves from the given start onto the first λ: not a jump candidate.
    let d = &s.displacements[1.min(s.displacements.len())..];
    if d.len() < 3 {
        return;
    }
    let mut sorted = d.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let (k, &big) = d
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .expect("non-empty");
    if big > JUMP_FACTOR * median {
        let i = k + 1;
        s.jump_lambda = Some(s.lambdas[i]);
        s.jump_interval = Some((s.lambdas[i - 1], s.lambdas[i]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(displacements: Vec<f64>) -> Sweep {
        let n = displacements.len();
        Sweep {
            lambdas: (0..n).map(|i| i as f64 / 10.0).collect(),
            losses: vec![0.0; n],
            grad_norms: vec![0.0; n],
            displacements,
            jump_lambda: None,
            jump_interval: None,
            theta: Array1::zeros(0),
        }
    }

    #[test]
    fn a_large_displacement_is_a_jump_and_a_smooth_drift_is_not() {
        let mut s = with(vec![5.0, 0.01, 0.011, 0.012, 3.0, 0.01, 0.009]);
        locate_jump(&mut s);
        assert_eq!(s.jump_lambda, Some(0.4));
        assert_eq!(s.jump_interval, Some((0.3, 0.4)));
        let mut s = with(vec![5.0, 0.01, 0.011, 0.012, 0.013, 0.014, 0.015]);
        locate_jump(&mut s);
        assert_eq!(s.jump_lambda, None);
    }
}

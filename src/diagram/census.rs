//! The census of critical points at one λ over every traced branch, checked by Morse theory.
//!
//! For α > 0 and a coercive L(·, λ), the critical points of a Morse function on Rⁿ satisfy
//! Σₖ(−1)ᵏcₖ = 1 (cₖ = number of index k). A census that misses points usually breaks it;
//! it is reported, never forced: `complete_by_morse` is true only when the sum is 1.

use super::crossings::crossings;
use super::{DiagramBranch, Orbits};
use crate::derivatives::Objective;
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

/// Held-out loss of θ at λ.
pub type TestLoss<'a> = &'a (dyn Fn(ArrayView1<f64>, f64) -> f64 + Sync);

/// One critical point (one orbit representative) of a census.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CensusPoint {
    /// Branch it lies on (the first that crosses it).
    pub branch: usize,
    /// θ.
    pub theta: Vec<f64>,
    /// L(θ, λ).
    pub loss: f64,
    /// Held-out loss (with `--test-fraction`).
    pub test_loss: Option<f64>,
    /// ‖∇L‖.
    pub grad_norm: f64,
    /// Morse index.
    pub morse_index: usize,
    /// Birth λ of its branch (`null`: connected to λ_min).
    pub birth_lambda: Option<f64>,
    /// Number of critical points in its symmetry orbit (all counted in the sums).
    pub orbit_size: usize,
    /// Whether Newton polished it to the tolerance.
    pub polished: bool,
}

/// The census at one λ.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Census {
    /// λ.
    pub lambda: f64,
    /// Critical points, one per orbit, by increasing loss.
    pub points: Vec<CensusPoint>,
    /// cₖ: critical points of Morse index k (orbits counted with their size).
    pub counts_by_index: Vec<usize>,
    /// Σₖ cₖ.
    pub total: usize,
    /// `odd` or `even` (a complete census of a coercive Morse function has an odd count).
    pub parity: String,
    /// Σₖ(−1)ᵏcₖ.
    pub euler_sum: i64,
    /// Whether `euler_sum` = 1.
    pub complete_by_morse: bool,
}

/// The census at λ: every crossing of every branch, Newton-polished to `tol`, one per orbit.
pub fn census<O: Objective + ?Sized>(
    obj: &O,
    branches: &[DiagramBranch],
    lambda: f64,
    tol: f64,
    orbits: &dyn Orbits,
    test: Option<TestLoss<'_>>,
) -> Census {
    let mut points: Vec<CensusPoint> = Vec::new();
    for b in branches {
        for c in crossings(obj, &b.points, lambda, tol) {
            let same_tol = super::same_tol(c.theta.view());
            if points
                .iter()
                .any(|p| orbits.same_orbit(ArrayView1::from(&p.theta), c.theta.view(), same_tol))
            {
                continue;
            }
            points.push(CensusPoint {
                branch: b.id,
                loss: obj.value(c.theta.view(), lambda),
                test_loss: test.map(|f| f(c.theta.view(), lambda)),
                grad_norm: c.grad_norm,
                morse_index: c.morse_index,
                birth_lambda: b.birth_lambda,
                orbit_size: orbits.orbit_size(c.theta.view(), same_tol),
                polished: c.polished,
                theta: c.theta.to_vec(),
            });
        }
    }
    points.sort_by(|a, b| a.loss.total_cmp(&b.loss));
    summarise(lambda, points)
}

/// Counts and the Morse check of a list of census points.
pub fn summarise(lambda: f64, points: Vec<CensusPoint>) -> Census {
    let kmax = points.iter().map(|p| p.morse_index).max().unwrap_or(0);
    let mut counts = vec![0usize; kmax + 1];
    for p in &points {
        counts[p.morse_index] += p.orbit_size;
    }
    let euler_sum: i64 = counts
        .iter()
        .enumerate()
        .map(|(k, &c)| if k % 2 == 0 { c as i64 } else { -(c as i64) })
        .sum();
    let total: usize = counts.iter().sum();
    Census {
        lambda,
        points,
        counts_by_index: counts,
        total,
        parity: if total % 2 == 1 { "odd" } else { "even" }.into(),
        euler_sum,
        complete_by_morse: euler_sum == 1,
    }
}

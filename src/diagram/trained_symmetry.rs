//! The symmetry group of the two-layer model with both layers trained, θ = [vec(W), v]:
//! every permutation of units (wⱼ, vⱼ), and for odd σ the sign flip (wⱼ, vⱼ) → (−wⱼ, −vⱼ) of
//! any unit. Each unit is reduced to its row (wⱼ, vⱼ), sign-normalised (vⱼ > 0, else the first
//! non-zero entry > 0) when σ is odd; two points are one orbit when their rows agree as
//! multisets.

use super::symmetry::is_odd;
use super::{max_dist, rows_match, Orbits};
use crate::activation::Activation;
use ndarray::{Array1, ArrayView1};

/// Signed permutations of the units of the both-layers-trained model.
#[derive(Clone, Debug)]
pub struct TrainedUnits {
    m: usize,
    d: usize,
    odd: bool,
}

impl TrainedUnits {
    /// The group for width m, input dimension d, and σ (oddness tested numerically).
    pub fn new<A: Activation>(m: usize, d: usize, act: &A) -> Self {
        TrainedUnits {
            m,
            d,
            odd: is_odd(act),
        }
    }

    fn row(&self, theta: ArrayView1<f64>, j: usize) -> Array1<f64> {
        let (m, d) = (self.m, self.d);
        let mut r = Array1::zeros(d + 1);
        for k in 0..d {
            r[k] = theta[j * d + k];
        }
        r[d] = theta[m * d + j];
        if self.odd {
            let lead = if r[d] != 0.0 {
                r[d]
            } else {
                r.iter().copied().find(|x| *x != 0.0).unwrap_or(1.0)
            };
            if lead < 0.0 {
                r.mapv_inplace(|x| -x);
            }
        }
        r
    }
}

impl Orbits for TrainedUnits {
    fn same_orbit(&self, a: ArrayView1<f64>, b: ArrayView1<f64>, tol: f64) -> bool {
        if a.len() != b.len() || a.len() != self.m * (self.d + 1) {
            return false;
        }
        let rows = |t: ArrayView1<f64>| (0..self.m).map(|j| self.row(t, j)).collect();
        rows_match(rows(a), rows(b), tol)
    }

    fn orbit_size(&self, a: ArrayView1<f64>, tol: f64) -> usize {
        let mut reps: Vec<(Array1<f64>, usize)> = Vec::new();
        let mut active = 0usize;
        for j in 0..self.m {
            let r = self.row(a, j);
            if r.iter().any(|x| x.abs() > tol) {
                active += 1;
            }
            match reps
                .iter_mut()
                .find(|(u, _)| max_dist(u.view(), r.view()) <= tol)
            {
                Some((_, c)) => *c += 1,
                None => reps.push((r, 1)),
            }
        }
        let ln_fact = |k: usize| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
        let mut ln = ln_fact(self.m) - reps.iter().map(|&(_, c)| ln_fact(c)).sum::<f64>();
        if self.odd {
            ln += active as f64 * std::f64::consts::LN_2;
        }
        let x = ln.exp().round();
        if x >= usize::MAX as f64 {
            usize::MAX
        } else {
            x as usize
        }
    }

    fn describe(&self) -> String {
        if self.odd {
            format!(
                "signed permutations (σ odd) of all {} units (W and v trained)",
                self.m
            )
        } else {
            format!("permutations of all {} units (W and v trained)", self.m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Builtin;
    use ndarray::array;

    #[test]
    fn swaps_and_sign_flips_of_units() {
        // m = 2, d = 1: θ = [w0, w1, v0, v1].
        let g = TrainedUnits::new(2, 1, &Builtin::Tanh);
        let a = array![0.5, 0.2, 1.0, 2.0];
        assert!(g.same_orbit(a.view(), array![0.2, 0.5, 2.0, 1.0].view(), 1e-12));
        assert!(g.same_orbit(a.view(), array![-0.5, 0.2, -1.0, 2.0].view(), 1e-12));
        assert!(!g.same_orbit(a.view(), array![0.5, 0.2, 2.0, 1.0].view(), 1e-12));
        assert_eq!(g.orbit_size(a.view(), 1e-12), 8);
        let soft = TrainedUnits::new(2, 1, &Builtin::Softplus);
        assert!(!soft.same_orbit(a.view(), array![-0.5, 0.2, -1.0, 2.0].view(), 1e-12));
        assert_eq!(soft.orbit_size(a.view(), 1e-12), 2);
    }
}

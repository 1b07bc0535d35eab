//! The symmetry group of the two-layer model f(x) = Σⱼ vⱼ h(wⱼᵀx, λ) with v fixed, derived
//! from v and the activation, never assumed.
//!
//! A permutation π of units with v_π(j) = vⱼ leaves L unchanged. When σ is odd (then so is
//! h(·, λ) for every λ), w_j → −w_j together with v_j → −v_j does too, so units with
//! |vⱼ| = |vₖ| are interchangeable after the sign change uⱼ = sgn(vⱼ)·wⱼ. Each point is
//! reduced to its classes (units with equal key: vⱼ, or |vⱼ| for odd σ) and the rows uⱼ in
//! each class: two points are in one orbit when every class holds the same multiset of rows.
//! Oddness is tested numerically, σ(−z) = −σ(z) at a few z to rounding, so a user's
//! activation gets the group it has.

use super::{max_dist, rows_match, Orbits};
use crate::activation::Activation;
use ndarray::{Array1, Array2, ArrayView1};

/// Signed permutations of interchangeable units of a two-layer model.
#[derive(Clone, Debug)]
pub struct UnitPermutations {
    /// Input dimension d (θ[j·d + k] = W[j, k]).
    d: usize,
    /// Sign sⱼ with uⱼ = sⱼ·wⱼ (all +1 unless σ is odd).
    signs: Vec<f64>,
    /// Units grouped into classes of interchangeable units.
    classes: Vec<Vec<usize>>,
    /// Whether σ was found odd.
    odd: bool,
}

/// Whether σ(−z) = −σ(z) at a few points, to rounding.
pub fn is_odd<A: Activation>(act: &A) -> bool {
    [0.3f64, 0.7, 1.3, 2.9, 5.1].iter().all(|&z| {
        let (p, m) = (act.sigma(z), act.sigma(-z));
        (p + m).abs() <= 1e-13 * (1.0 + p.abs())
    })
}

impl UnitPermutations {
    /// The group for output weights `v`, input dimension `d` and oddness of σ.
    pub fn new(v: ArrayView1<f64>, d: usize, odd: bool) -> Self {
        let key = |x: f64| if odd { x.abs() } else { x };
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for (j, &vj) in v.iter().enumerate() {
            // Equal output weights to rounding (e.g. 1/3 typed three times).
            let tol = 1e-12 * (1.0 + vj.abs());
            match classes
                .iter_mut()
                .find(|c| (key(v[c[0]]) - key(vj)).abs() <= tol)
            {
                Some(c) => c.push(j),
                None => classes.push(vec![j]),
            }
        }
        let signs = v
            .iter()
            .map(|&x| if odd && x < 0.0 { -1.0 } else { 1.0 })
            .collect();
        UnitPermutations {
            d,
            signs,
            classes,
            odd,
        }
    }

    /// The group of a two-layer model.
    pub fn of<A: Activation>(model: &crate::models::two_layer::TwoLayer<A>) -> Self {
        Self::new(
            model.output_weights().view(),
            model.input_dim(),
            is_odd(model.activation()),
        )
    }

    /// Size of the largest class of interchangeable units.
    pub fn largest_class(&self) -> usize {
        self.classes.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Row uⱼ = sⱼ·wⱼ of θ.
    fn row(&self, theta: ArrayView1<f64>, j: usize) -> Array1<f64> {
        let w = theta.slice(ndarray::s![j * self.d..(j + 1) * self.d]);
        &w * self.signs[j]
    }

    /// Groups of equal rows (within `tol`) in one class: their multiplicities.
    fn multiplicities(&self, theta: ArrayView1<f64>, class: &[usize], tol: f64) -> Vec<usize> {
        let mut reps: Vec<(Array1<f64>, usize)> = Vec::new();
        for &j in class {
            let r = self.row(theta, j);
            match reps
                .iter_mut()
                .find(|(u, _)| max_dist(u.view(), r.view()) <= tol)
            {
                Some((_, c)) => *c += 1,
                None => reps.push((r, 1)),
            }
        }
        reps.into_iter().map(|(_, c)| c).collect()
    }
}

/// n! / Π kᵢ! as f64 (orbit sizes can pass u64 at large widths), rounded to usize::MAX.
fn multinomial(n: usize, ks: &[usize]) -> usize {
    let ln_fact = |k: usize| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
    let ln = ln_fact(n) - ks.iter().map(|&k| ln_fact(k)).sum::<f64>();
    let x = ln.exp().round();
    if x >= usize::MAX as f64 {
        usize::MAX
    } else {
        x as usize
    }
}

impl Orbits for UnitPermutations {
    fn same_orbit(&self, a: ArrayView1<f64>, b: ArrayView1<f64>, tol: f64) -> bool {
        if a.len() != b.len() {
            return false;
        }
        self.classes.iter().all(|class| {
            let rows = |t: ArrayView1<f64>| class.iter().map(|&j| self.row(t, j)).collect();
            rows_match(rows(a), rows(b), tol)
        })
    }

    fn orbit_size(&self, a: ArrayView1<f64>, tol: f64) -> usize {
        self.classes
            .iter()
            .map(|c| multinomial(c.len(), &self.multiplicities(a, c, tol)))
            .fold(1usize, |p, k| p.saturating_mul(k))
    }

    fn fixed_subspace(&self, a: ArrayView1<f64>, tol: f64) -> Option<Array2<f64>> {
        // Groups of equal rows within each class: Fix = {θ: rows equal within each group}.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for class in &self.classes {
            let mut reps: Vec<(Array1<f64>, Vec<usize>)> = Vec::new();
            for &j in class {
                let r = self.row(a, j);
                match reps
                    .iter_mut()
                    .find(|(u, _)| max_dist(u.view(), r.view()) <= tol)
                {
                    Some((_, g)) => g.push(j),
                    None => reps.push((r, vec![j])),
                }
            }
            groups.extend(reps.into_iter().map(|(_, g)| g));
        }
        let m = self.signs.len();
        if groups.len() == m {
            return None;
        }
        let d = self.d;
        let mut p = Array2::zeros((m * d, groups.len() * d));
        for (gi, g) in groups.iter().enumerate() {
            let w = 1.0 / (g.len() as f64).sqrt();
            for &j in g {
                for k in 0..d {
                    p[[j * d + k, gi * d + k]] = self.signs[j] * w;
                }
            }
        }
        Some(p)
    }

    fn describe(&self) -> String {
        let sizes: Vec<String> = self
            .classes
            .iter()
            .filter(|c| c.len() > 1)
            .map(|c| c.len().to_string())
            .collect();
        let kind = if self.odd {
            "signed permutations (σ odd)"
        } else {
            "permutations"
        };
        if sizes.is_empty() {
            format!("trivial (no interchangeable units; {kind} of units with equal |v|)")
        } else {
            format!(
                "{kind} of units with equal {}: classes of size {}",
                if self.odd { "|v|" } else { "v" },
                sizes.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Builtin;
    use ndarray::array;

    #[test]
    fn oddness_is_read_off_the_activation() {
        assert!(is_odd(&Builtin::Tanh));
        assert!(!is_odd(&Builtin::Softplus));
    }

    #[test]
    fn swapped_units_are_one_orbit_and_sizes_count_distinct_images() {
        // m = 3, d = 2, v = (1, 1, 2): units 0 and 1 interchangeable.
        let g = UnitPermutations::new(array![1.0, 1.0, 2.0].view(), 2, false);
        let a = array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = array![3.0, 4.0, 1.0, 2.0, 5.0, 6.0];
        let c = array![5.0, 6.0, 3.0, 4.0, 1.0, 2.0];
        assert!(g.same_orbit(a.view(), b.view(), 1e-12));
        assert!(!g.same_orbit(a.view(), c.view(), 1e-12));
        assert_eq!(g.orbit_size(a.view(), 1e-12), 2);
        let eq = array![1.0, 2.0, 1.0, 2.0, 5.0, 6.0];
        assert_eq!(g.orbit_size(eq.view(), 1e-12), 1);
    }

    #[test]
    fn odd_activation_adds_sign_flips_with_negated_output_weight() {
        // v = (1, −1): for odd σ, (w0, w1) ~ (−w1, −w0).
        let g = UnitPermutations::new(array![1.0, -1.0].view(), 1, true);
        assert!(g.same_orbit(array![0.5, 0.2].view(), array![-0.2, -0.5].view(), 1e-12));
        let h = UnitPermutations::new(array![1.0, -1.0].view(), 1, false);
        assert!(!h.same_orbit(array![0.5, 0.2].view(), array![-0.2, -0.5].view(), 1e-12));
    }

    #[test]
    fn fixed_subspace_of_two_equal_units() {
        // v = (1, 1, 1), d = 1: θ = (a, a, b) is fixed by the swap of units 0 and 1.
        let g = UnitPermutations::new(array![1.0, 1.0, 1.0].view(), 1, false);
        let p = g
            .fixed_subspace(array![0.5, 0.5, 0.2].view(), 1e-12)
            .unwrap();
        assert_eq!(p.dim(), (3, 2));
        assert!((p.t().dot(&p) - Array2::<f64>::eye(2))
            .iter()
            .all(|e| e.abs() < 1e-15));
        // (1, 1, 0) lies in it, (1, −1, 0) is orthogonal to it.
        assert!(p
            .t()
            .dot(&array![1.0, -1.0, 0.0])
            .iter()
            .all(|e| e.abs() < 1e-15));
        assert!(g
            .fixed_subspace(array![0.5, 0.4, 0.2].view(), 1e-12)
            .is_none());
    }

    #[test]
    fn orbit_sizes_are_multinomials() {
        assert_eq!(multinomial(3, &[1, 1, 1]), 6);
        assert_eq!(multinomial(3, &[2, 1]), 3);
        assert_eq!(multinomial(10, &[10]), 1);
    }
}

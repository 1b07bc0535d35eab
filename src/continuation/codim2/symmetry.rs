//! A symmetry S of the objective given by an involutive permutation of θ's coordinates (e.g.
//! swapping two hidden neurons of equal output weight): orthonormal bases of its fixed-point
//! subspace Fix(S) = {Sθ = θ} and of the antisymmetric subspace {Sθ = −θ}. On Fix(S) the
//! Hessian commutes with S and splits into these two blocks.

use crate::error::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1};
use std::f64::consts::FRAC_1_SQRT_2;

/// S as an involutive permutation, with the two bases.
#[derive(Clone, Debug)]
pub struct Symmetry {
    perm: Vec<usize>,
    fix: Array2<f64>,
    anti: Array2<f64>,
}

impl Symmetry {
    /// S from `perm` (Sθ\[i\] = θ\[perm\[i\]\]); an input error unless `perm` is a permutation
    /// with perm∘perm = id that moves at least one coordinate.
    pub fn from_involution(perm: &[usize]) -> Result<Self> {
        let n = perm.len();
        let is_involution = perm.iter().all(|&j| j < n) && (0..n).all(|i| perm[perm[i]] == i);
        if !is_involution {
            return Err(Error::param(
                "symmetry",
                format!("{perm:?} is not an involutive permutation of 0..{n}"),
            ));
        }
        let mut fix_cols: Vec<Array1<f64>> = Vec::new();
        let mut anti_cols: Vec<Array1<f64>> = Vec::new();
        for (i, &j) in perm.iter().enumerate() {
            let mut f = Array1::zeros(n);
            if i == j {
                f[i] = 1.0;
                fix_cols.push(f);
            } else if i < j {
                let mut a = Array1::zeros(n);
                (f[i], f[j]) = (FRAC_1_SQRT_2, FRAC_1_SQRT_2);
                (a[i], a[j]) = (FRAC_1_SQRT_2, -FRAC_1_SQRT_2);
                fix_cols.push(f);
                anti_cols.push(a);
            }
        }
        if anti_cols.is_empty() {
            return Err(Error::param(
                "symmetry",
                "the identity has no antisymmetric subspace",
            ));
        }
        let cols = |c: &[Array1<f64>]| Array2::from_shape_fn((n, c.len()), |(i, k)| c[k][i]);
        Ok(Symmetry {
            perm: perm.to_vec(),
            fix: cols(&fix_cols),
            anti: cols(&anti_cols),
        })
    }

    /// Swapping hidden neurons `j` and `k` of a two-layer θ = vec(W), W ∈ R^{m×d} row-major.
    pub fn swap_neurons(m: usize, d: usize, j: usize, k: usize) -> Result<Self> {
        if j >= m || k >= m || j == k {
            return Err(Error::param(
                "symmetry",
                format!("need two distinct neurons below m = {m}, got {j} and {k}"),
            ));
        }
        let mut perm: Vec<usize> = (0..m * d).collect();
        for c in 0..d {
            perm.swap(j * d + c, k * d + c);
        }
        Symmetry::from_involution(&perm)
    }

    /// Orthonormal basis of Fix(S) (n × k).
    pub fn fix(&self) -> &Array2<f64> {
        &self.fix
    }

    /// Orthonormal basis of the antisymmetric subspace (n × (n − k)).
    pub fn anti(&self) -> &Array2<f64> {
        &self.anti
    }

    /// Sθ.
    pub fn apply(&self, theta: ArrayView1<f64>) -> Array1<f64> {
        Array1::from_shape_fn(theta.len(), |i| theta[self.perm[i]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn bases_are_orthonormal_and_split_by_s() {
        let s = Symmetry::swap_neurons(3, 2, 0, 2).unwrap();
        let (f, a) = (s.fix(), s.anti());
        assert_eq!((f.ncols(), a.ncols()), (4, 2));
        let b = ndarray::concatenate![ndarray::Axis(1), f.view(), a.view()];
        let g = b.t().dot(&b);
        assert!((&g - &Array2::<f64>::eye(6))
            .iter()
            .all(|e| e.abs() < 1e-15));
        for c in f.columns() {
            assert_eq!(s.apply(c), c);
        }
        for c in a.columns() {
            assert_eq!(s.apply(c), -&c);
        }
        assert_eq!(
            s.apply(array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0].view()),
            array![5.0, 6.0, 3.0, 4.0, 1.0, 2.0]
        );
    }

    #[test]
    fn non_involutions_and_the_identity_are_refused() {
        assert!(Symmetry::from_involution(&[1, 2, 0]).is_err());
        assert!(Symmetry::from_involution(&[0, 1]).is_err());
        assert!(Symmetry::from_involution(&[0, 5]).is_err());
        assert!(Symmetry::swap_neurons(2, 1, 1, 1).is_err());
    }
}

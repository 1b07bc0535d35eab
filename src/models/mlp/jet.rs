//! Dual-number scalars seen as fixed-size vectors of real components ("jets"), so that a
//! matrix of jets can be stored as one real matrix per component and multiplied by real GEMMs.
//!
//! A jet algebra is bilinear: the product of two jets is Σ c_ijk a_i b_j e_k over a fixed,
//! sparse table of (i, j, k, c). [`product_table`] reads that table off num-dual's own
//! multiplication of basis jets, so the GEMM layer never re-implements dual arithmetic and
//! cannot disagree with the element-wise code.

use num_dual::{Dual2, Dual2_64, Dual3_64, Dual64, DualNum, HyperDual64};

/// A num-dual scalar with a fixed number of real components.
pub trait Jet: DualNum<Primitive = f64> + Copy + Send + Sync {
    /// Number of real components (1 for `f64`, 2 for `Dual64`, ...).
    const PARTS: usize;
    /// Nilpotency order: the highest total derivative order the type carries.
    const ORDER: usize;
    /// Component `k` (0 = real part).
    fn part(&self, k: usize) -> f64;
    /// The jet with components `p` (`p.len() == PARTS`).
    fn from_parts(p: &[f64]) -> Self;
}

impl Jet for f64 {
    const PARTS: usize = 1;
    const ORDER: usize = 0;
    fn part(&self, _k: usize) -> f64 {
        *self
    }
    fn from_parts(p: &[f64]) -> Self {
        p[0]
    }
}

impl Jet for Dual64 {
    const PARTS: usize = 2;
    const ORDER: usize = 1;
    fn part(&self, k: usize) -> f64 {
        [self.re, self.eps][k]
    }
    fn from_parts(p: &[f64]) -> Self {
        Dual64::new(p[0], p[1])
    }
}

impl Jet for Dual2_64 {
    const PARTS: usize = 3;
    const ORDER: usize = 2;
    fn part(&self, k: usize) -> f64 {
        [self.re, self.v1, self.v2][k]
    }
    fn from_parts(p: &[f64]) -> Self {
        Dual2_64::new(p[0], p[1], p[2])
    }
}

impl Jet for HyperDual64 {
    const PARTS: usize = 4;
    const ORDER: usize = 2;
    fn part(&self, k: usize) -> f64 {
        [self.re, self.eps1, self.eps2, self.eps1eps2][k]
    }
    fn from_parts(p: &[f64]) -> Self {
        HyperDual64::new(p[0], p[1], p[2], p[3])
    }
}

impl Jet for Dual3_64 {
    const PARTS: usize = 4;
    const ORDER: usize = 3;
    fn part(&self, k: usize) -> f64 {
        [self.re, self.v1, self.v2, self.v3][k]
    }
    fn from_parts(p: &[f64]) -> Self {
        Dual3_64::new(p[0], p[1], p[2], p[3])
    }
}

/// `Dual2<Dual2_64>`: component 3·outer + inner, outer and inner each (re, v1, v2).
impl Jet for Dual2<Dual2_64> {
    const PARTS: usize = 9;
    const ORDER: usize = 4;
    fn part(&self, k: usize) -> f64 {
        let o = [self.re, self.v1, self.v2][k / 3];
        o.part(k % 3)
    }
    fn from_parts(p: &[f64]) -> Self {
        Dual2::new(
            Dual2_64::from_parts(&p[0..3]),
            Dual2_64::from_parts(&p[3..6]),
            Dual2_64::from_parts(&p[6..9]),
        )
    }
}

/// One term c·a\[i\]·b\[j\] → out\[k\] of the jet product.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    /// Component of the left factor.
    pub i: usize,
    /// Component of the right factor.
    pub j: usize,
    /// Component of the product.
    pub k: usize,
    /// Coefficient.
    pub c: f64,
}

/// The multiplication table of `J`, from num-dual's product of basis jets e_i·e_j.
pub fn product_table<J: Jet>() -> Vec<Term> {
    let basis = |i: usize| {
        let mut p = vec![0.0; J::PARTS];
        p[i] = 1.0;
        J::from_parts(&p)
    };
    let mut out = Vec::new();
    for i in 0..J::PARTS {
        for j in 0..J::PARTS {
            let prod = basis(i) * basis(j);
            for k in 0..J::PARTS {
                let c = prod.part(k);
                if c != 0.0 {
                    out.push(Term { i, j, k, c });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<J: Jet>() {
        let p: Vec<f64> = (0..J::PARTS).map(|k| 1.5 + k as f64).collect();
        let j = J::from_parts(&p);
        let back: Vec<f64> = (0..J::PARTS).map(|k| j.part(k)).collect();
        assert_eq!(p, back);
    }

    #[test]
    fn parts_roundtrip() {
        roundtrip::<f64>();
        roundtrip::<Dual64>();
        roundtrip::<Dual2_64>();
        roundtrip::<HyperDual64>();
        roundtrip::<Dual3_64>();
        roundtrip::<Dual2<Dual2_64>>();
    }

    #[test]
    fn dual_table_is_the_product_rule() {
        // (a0 + a1 ε)(b0 + b1 ε) = a0b0 + (a0b1 + a1b0) ε: three terms.
        let t = product_table::<Dual64>();
        assert_eq!(t.len(), 3);
        assert!(t.contains(&Term {
            i: 0,
            j: 0,
            k: 0,
            c: 1.0
        }));
        assert!(t.contains(&Term {
            i: 0,
            j: 1,
            k: 1,
            c: 1.0
        }));
        assert!(t.contains(&Term {
            i: 1,
            j: 0,
            k: 1,
            c: 1.0
        }));
        // Dual2 stores the second derivative: v2 = a0b2 + 2a1b1 + a2b0.
        let t2 = product_table::<Dual2_64>();
        assert!(t2.contains(&Term {
            i: 1,
            j: 1,
            k: 2,
            c: 2.0
        }));
        assert_eq!(t2.len(), 6);
    }

    #[test]
    fn table_reproduces_products() {
        let a = HyperDual64::new(0.3, -1.2, 0.7, 2.1);
        let b = HyperDual64::new(-0.4, 0.9, 1.3, -0.6);
        let mut out = [0.0; 4];
        for t in product_table::<HyperDual64>() {
            out[t.k] += t.c * a.part(t.i) * b.part(t.j);
        }
        let p = a * b;
        for (k, o) in out.iter().enumerate() {
            assert_eq!(*o, p.part(k));
        }
    }
}

//! L restricted to a linear subspace θ = P z (P with orthonormal columns): the fixed-point
//! subspace Fix(Σ) of a point's isotropy group Σ.
//!
//! ∇L is equivariant, so Fix(Σ) is invariant: a branch of symmetric critical points stays in
//! it. Followed in the full space, such a branch meets branch points whose kernel is
//! multi-dimensional (forced by the symmetry: e.g. the 2-dimensional standard representation
//! of S₃ for three equal units), where the corrector can land on a crossing branch. Restricted
//! to Fix(Σ) those kernels are invisible and the branch is smooth; they are found afterwards
//! as jumps of the full Morse index (see [`super::equivariant`]). Every derivative is the
//! full one pulled back: ∇L_r = Pᵀ∇L, H_r = PᵀHP, D³L_r[u, u, ·] = PᵀD³L[Pu, Pu, ·], ….

use crate::derivatives::Objective;
use ndarray::{Array1, Array2, ArrayView1};

/// L(P z, λ) on z ∈ R^k.
pub struct Restricted<'a, O: Objective + ?Sized> {
    obj: &'a O,
    p: Array2<f64>,
}

impl<'a, O: Objective + ?Sized> Restricted<'a, O> {
    /// The restriction of `obj` to the column space of `p` (n × k, orthonormal columns).
    pub fn new(obj: &'a O, p: Array2<f64>) -> Self {
        assert_eq!(p.nrows(), obj.dim(), "P must have n rows");
        Restricted { obj, p }
    }

    /// θ = P z.
    pub fn lift(&self, z: ArrayView1<f64>) -> Array1<f64> {
        self.p.dot(&z)
    }

    /// z = Pᵀθ (the orthogonal projection's coordinates).
    pub fn project(&self, theta: ArrayView1<f64>) -> Array1<f64> {
        self.p.t().dot(&theta)
    }

    fn pull(&self, g: Array1<f64>) -> Array1<f64> {
        self.p.t().dot(&g)
    }

    fn sandwich(&self, h: Array2<f64>) -> Array2<f64> {
        self.p.t().dot(&h).dot(&self.p)
    }
}

impl<O: Objective + ?Sized> Objective for Restricted<'_, O> {
    fn dim(&self) -> usize {
        self.p.ncols()
    }
    fn value(&self, z: ArrayView1<f64>, lambda: f64) -> f64 {
        self.obj.value(self.lift(z).view(), lambda)
    }
    fn gradient(&self, z: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.pull(self.obj.gradient(self.lift(z).view(), lambda))
    }
    fn hessian(&self, z: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        // k H·u products: cheaper than forming the n × n Hessian when k ≪ n.
        let theta = self.lift(z);
        let cols: Vec<Array1<f64>> = (0..self.dim())
            .map(|j| self.pull(self.obj.hessian_vec(theta.view(), lambda, self.p.column(j))))
            .collect();
        let k = self.dim();
        let h = Array2::from_shape_fn((k, k), |(i, j)| cols[j][i]);
        crate::derivatives::symmetrised(h)
    }
    fn hessian_vec(&self, z: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let pu = self.lift(u);
        self.pull(self.obj.hessian_vec(self.lift(z).view(), lambda, pu.view()))
    }
    fn grad_lambda(&self, z: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.pull(self.obj.grad_lambda(self.lift(z).view(), lambda))
    }
    fn hessian_lambda(&self, z: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        self.sandwich(self.obj.hessian_lambda(self.lift(z).view(), lambda))
    }
    fn hessian_lambda_vec(
        &self,
        z: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        let pu = self.lift(u);
        self.pull(
            self.obj
                .hessian_lambda_vec(self.lift(z).view(), lambda, pu.view()),
        )
    }
    fn d3_vec(&self, z: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let pu = self.lift(u);
        self.pull(self.obj.d3_vec(self.lift(z).view(), lambda, pu.view()))
    }
    fn d3_mixed_vec(
        &self,
        z: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        let (pu, pv) = (self.lift(u), self.lift(v));
        self.pull(
            self.obj
                .d3_mixed_vec(self.lift(z).view(), lambda, pu.view(), pv.view()),
        )
    }
    fn d4(&self, z: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        self.obj
            .d4(self.lift(z).view(), lambda, self.lift(u).view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derivatives::ad::{AdObjective, GenericLoss};
    use num_dual::DualNum;

    /// L = Σ (θᵢ⁴/4 − λθᵢ²/2) + (θ₀ − θ₁)²·θ₂: symmetric under θ₀ ↔ θ₁.
    struct Toy;
    impl GenericLoss for Toy {
        fn dim(&self) -> usize {
            3
        }
        fn loss<D: DualNum<Primitive = f64>>(&self, t: &[D], l: D) -> D {
            let s = t
                .iter()
                .map(|x| x.powi(4) * 0.25 - l.clone() * x.powi(2) * 0.5)
                .fold(D::from(0.0), |a, b| a + b);
            s + (t[0].clone() - t[1].clone()).powi(2) * t[2].clone()
        }
    }

    #[test]
    fn restricted_derivatives_are_the_pulled_back_ones() {
        // Fix(θ₀ ↔ θ₁) = span{(1, 1, 0)/√2, (0, 0, 1)}; checked against finite differences
        // of the restricted value (O(h²) ≈ 1e-8 for h = 1e-4).
        let obj = AdObjective(Toy);
        let r2 = std::f64::consts::FRAC_1_SQRT_2;
        let p = ndarray::array![[r2, 0.0], [r2, 0.0], [0.0, 1.0]];
        let r = Restricted::new(&obj, p);
        let z = ndarray::array![0.7, -0.4];
        let g = r.gradient(z.view(), 0.3);
        let h = 1e-4;
        for i in 0..2 {
            let mut zp = z.clone();
            zp[i] += h;
            let mut zm = z.clone();
            zm[i] -= h;
            let fd = (r.value(zp.view(), 0.3) - r.value(zm.view(), 0.3)) / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-7, "{fd} vs {}", g[i]);
        }
        let hs = r.hessian(z.view(), 0.3);
        let u = ndarray::array![0.3, 0.9];
        let hv = r.hessian_vec(z.view(), 0.3, u.view());
        assert!((hs.dot(&u) - hv).iter().all(|e| e.abs() < 1e-14));
    }
}

//! [`Mlp`] as a [`GenericLoss`]: the loss by plain element-wise loops in any dual type — an
//! implementation independent of the GEMM/backprop path, for cross-checks on small sizes
//! through [`crate::derivatives::ad::AdObjective`].

use super::Mlp;
use crate::activation::{homotopy, Activation};
use crate::derivatives::ad::GenericLoss;
use num_dual::DualNum;

impl<A: Activation> GenericLoss for Mlp<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }

    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        assert_eq!(theta.len(), self.n_params(), "θ must have n entries");
        let depth = self.depth();
        let weight = |l: usize, a: usize, b: usize| -> D {
            let cols = self.layers()[l];
            match self.offset(l) {
                Some(o) => theta[o + a * cols + b].clone(),
                None => D::from(self.weights(l)[[a, b]]),
            }
        };
        let mut mse = D::zero();
        for (xi, yi) in self.data().x.outer_iter().zip(self.data().y.iter()) {
            let mut act: Vec<D> = xi.iter().map(|&v| D::from(v)).collect();
            for l in 0..depth {
                let mut z = vec![D::zero(); self.layers()[l + 1]];
                for (a, za) in z.iter_mut().enumerate() {
                    for (b, ab) in act.iter().enumerate() {
                        *za += weight(l, a, b) * ab.clone();
                    }
                }
                act = if l + 1 < depth {
                    z.into_iter()
                        .map(|v| homotopy(self.activation(), v, lambda.clone()))
                        .collect()
                } else {
                    z
                };
            }
            let r = act[0].clone() - *yi;
            mse += r.clone() * r;
        }
        let reg = theta
            .iter()
            .fold(D::zero(), |acc, t| acc + t.clone() * t.clone());
        mse * (0.5 / self.data().n_samples() as f64) + reg * (0.5 * self.alpha())
    }
}

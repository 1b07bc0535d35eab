//! The family of one output weight v_k of a two-layer model: p = v_k (B.4's symmetry-breaking
//! a of the toy v = (1, a)). The objective at p is the model with that weight (its structured
//! derivatives); ∂p∇L and ∂pH·u are exact by num-dual AD: the loss is written generic in
//! (θ, λ, v_k), and p rides in the λ slot of a dual loss.

use crate::activation::homotopy;
use crate::derivatives::ad::{AdObjective, GenericLoss};
use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::models::two_layer::{regularised_mse, TwoLayer};
use ndarray::{Array1, ArrayView1};
use num_dual::DualNum;

/// Name of the output-weight parameter (B.4's a).
pub const OUTPUT_WEIGHT: &str = "a";

/// The family v_k = p of `model` (its other weights, α, data and σ fixed).
#[derive(Clone, Copy, Debug)]
pub struct OutputWeight<'m> {
    model: &'m TwoLayer,
    index: usize,
}

impl<'m> OutputWeight<'m> {
    /// The family of v_`index`; an input error if the model has no such weight.
    pub fn new(model: &'m TwoLayer, index: usize) -> Result<Self> {
        if index >= model.width() {
            return Err(Error::param(
                "param",
                format!(
                    "output weight index {index} out of range (width {})",
                    model.width()
                ),
            ));
        }
        Ok(OutputWeight { model, index })
    }
}

/// L(θ, λ) with v_k = a, generic in all three.
fn weight_loss<D: DualNum<Primitive = f64>>(
    model: &TwoLayer,
    index: usize,
    theta: &[D],
    lambda: D,
    a: D,
) -> D {
    let d = model.input_dim();
    let v = model.output_weights();
    regularised_mse(model.data(), theta, model.alpha(), |xi| {
        let mut f = D::from(0.0);
        for (j, wj) in theta.chunks_exact(d).enumerate() {
            let mut z = D::from(0.0);
            for k in 0..d {
                z += wj[k].clone() * xi[k];
            }
            let vj = if j == index { a.clone() } else { D::from(v[j]) };
            f += homotopy(model.activation(), z, lambda.clone()) * vj;
        }
        f
    })
}

/// The loss at a fixed λ with v_k in the λ slot (so ∂λ of it is ∂a).
#[derive(Clone, Copy, Debug)]
struct WeightSlot<'m> {
    model: &'m TwoLayer,
    index: usize,
    lambda: f64,
}

impl GenericLoss for WeightSlot<'_> {
    fn dim(&self) -> usize {
        self.model.n_params()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], a: D) -> D {
        weight_loss(self.model, self.index, theta, D::from(self.lambda), a)
    }
}

impl<'m> OutputWeight<'m> {
    fn slot(&self, lambda: f64) -> AdObjective<WeightSlot<'m>> {
        AdObjective(WeightSlot {
            model: self.model,
            index: self.index,
            lambda,
        })
    }
}

impl Family for OutputWeight<'_> {
    type At<'a>
        = TwoLayer
    where
        Self: 'a;
    fn name(&self) -> &'static str {
        OUTPUT_WEIGHT
    }
    fn base(&self) -> f64 {
        self.model.output_weights()[self.index]
    }
    fn dim(&self) -> usize {
        self.model.n_params()
    }
    fn at(&self, p: f64) -> TwoLayer {
        let mut v = self.model.output_weights().clone();
        v[self.index] = p;
        self.model.with_output_weights_unchecked(v)
    }
    fn grad_p(&self, theta: ArrayView1<f64>, lambda: f64, p: f64) -> Array1<f64> {
        self.slot(lambda).grad_lambda(theta, p)
    }
    fn hessian_p_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        p: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.slot(lambda).hessian_lambda_vec(theta, p, u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Builtin;
    use crate::data::toy;
    use ndarray::array;

    /// The toy v = (1, a) at a = 0.8 built directly (the structured derivatives).
    fn toy_at(a: f64) -> TwoLayer {
        TwoLayer::new(toy(3, 200), array![1.0, a], 4e-3, Builtin::Tanh).unwrap()
    }

    #[test]
    fn objective_at_p_is_the_model_with_that_weight() {
        let base = toy_at(1.0);
        let fam = OutputWeight::new(&base, 1).unwrap();
        let other = toy_at(0.8);
        let th = array![0.7, -0.3];
        let (g1, g2) = (
            fam.at(0.8).gradient(th.view(), 0.4),
            other.gradient(th.view(), 0.4),
        );
        // Same sums in another order: rounding only.
        assert!((&g1 - &g2).iter().all(|e| e.abs() < 1e-13), "{g1} vs {g2}");
        let (h1, h2) = (
            fam.at(0.8).hessian(th.view(), 0.4),
            other.hessian(th.view(), 0.4),
        );
        assert!((&h1 - &h2).iter().all(|e| e.abs() < 1e-13));
    }

    #[test]
    fn p_derivatives_match_central_differences_of_the_model() {
        let base = toy_at(1.0);
        let fam = OutputWeight::new(&base, 1).unwrap();
        let th = array![0.7, -0.3];
        let u = array![0.6, 0.8];
        let (a, lam, h) = (0.9, 0.6, 1e-5);
        let (mp, mm) = (toy_at(a + h), toy_at(a - h));
        let fd_g = (mp.gradient(th.view(), lam) - mm.gradient(th.view(), lam)) / (2.0 * h);
        let fd_hu =
            (mp.hessian(th.view(), lam).dot(&u) - mm.hessian(th.view(), lam).dot(&u)) / (2.0 * h);
        // Central differences: truncation O(h²·|∂³|) ~ 1e-10, rounding O(ε/h) ~ 1e-11.
        let g = fam.grad_p(th.view(), lam, a);
        let hu = fam.hessian_p_vec(th.view(), lam, a, u.view());
        assert!((&g - &fd_g).iter().all(|e| e.abs() < 1e-8), "{g} vs {fd_g}");
        assert!(
            (&hu - &fd_hu).iter().all(|e| e.abs() < 1e-8),
            "{hu} vs {fd_hu}"
        );
    }

    #[test]
    fn an_index_beyond_the_width_is_refused() {
        let base = toy_at(1.0);
        assert!(matches!(
            OutputWeight::new(&base, 2),
            Err(Error::InvalidParameter { .. })
        ));
    }
}

//! Generic automatic differentiation: any loss written once over num-dual's `DualNum`
//! becomes an [`Objective`].

use super::Objective;
use ndarray::{Array1, Array2, ArrayView1};
use num_dual::DualNum;

/// A loss L(θ, λ) written once, generic over dual numbers.
pub trait GenericLoss: Send + Sync {
    /// Number of parameters n.
    fn dim(&self) -> usize;
    /// L(θ, λ) for any dual number type (θ has `dim()` entries).
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D;
}

/// Exact derivatives of a [`GenericLoss`] by forward-mode AD (num-dual).
#[derive(Clone, Debug)]
pub struct AdObjective<L>(pub L);

impl<L: GenericLoss> Objective for AdObjective<L> {
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        let t = theta.to_vec();
        self.0.loss(&t, lambda)
    }
    fn gradient(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array1<f64> {
        todo!("generic AD helper")
    }
    fn hessian(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array2<f64> {
        todo!("generic AD helper")
    }
    fn grad_lambda(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array1<f64> {
        todo!("generic AD helper")
    }
    fn hessian_lambda(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array2<f64> {
        todo!("generic AD helper")
    }
    fn d3_vec(&self, _theta: ArrayView1<f64>, _lambda: f64, _u: ArrayView1<f64>) -> Array1<f64> {
        todo!("generic AD helper")
    }
    fn d4(&self, _theta: ArrayView1<f64>, _lambda: f64, _u: ArrayView1<f64>) -> f64 {
        todo!("generic AD helper")
    }
}

impl<A: crate::activation::Activation> GenericLoss for crate::model::TwoLayer<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        self.loss_generic(theta, lambda)
    }
}

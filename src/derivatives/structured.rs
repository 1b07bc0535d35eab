//! Structured fast path for the two-layer MSE model: per-(sample, unit) derivatives of h
//! assembled as Gauss–Newton GEMM + block-diagonal residual term + αI.

use super::Objective;
use crate::activation::Activation;
use crate::model::TwoLayer;
use ndarray::{Array1, Array2, ArrayView1};

impl<A: Activation> Objective for TwoLayer<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }
    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.loss(theta, lambda)
    }
    fn gradient(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array1<f64> {
        todo!("structured helper")
    }
    fn hessian(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array2<f64> {
        todo!("structured helper")
    }
    fn grad_lambda(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array1<f64> {
        todo!("structured helper")
    }
    fn hessian_lambda(&self, _theta: ArrayView1<f64>, _lambda: f64) -> Array2<f64> {
        todo!("structured helper")
    }
    fn d3_vec(&self, _theta: ArrayView1<f64>, _lambda: f64, _u: ArrayView1<f64>) -> Array1<f64> {
        todo!("structured helper")
    }
    fn d4(&self, _theta: ArrayView1<f64>, _lambda: f64, _u: ArrayView1<f64>) -> f64 {
        todo!("structured helper")
    }
}

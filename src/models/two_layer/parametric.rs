//! The two-layer model's named parameters: λ and the Tikhonov α.

use super::TwoLayer;
use crate::derivatives::parametric::{ParametricObjective, ALPHA, LAMBDA};
use crate::derivatives::Objective;
use ndarray::{Array1, Array2, ArrayView1};

/// The two-layer model: λ and its Tikhonov α (∂α∇L = θ, ∂αH = I).
impl ParametricObjective for TwoLayer {
    fn parameter_names(&self) -> Vec<&'static str> {
        vec![LAMBDA, ALPHA]
    }
    fn parameter(&self, name: &str) -> Option<f64> {
        (name == ALPHA).then(|| self.alpha())
    }
    fn grad_param(&self, name: &str, theta: ArrayView1<f64>, lambda: f64) -> Option<Array1<f64>> {
        match name {
            LAMBDA => Some(self.grad_lambda(theta, lambda)),
            ALPHA => Some(theta.to_owned()),
            _ => None,
        }
    }
    fn hessian_param(
        &self,
        name: &str,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<Array2<f64>> {
        match name {
            LAMBDA => Some(self.hessian_lambda(theta, lambda)),
            ALPHA => Some(Array2::eye(theta.len())),
            _ => None,
        }
    }
}

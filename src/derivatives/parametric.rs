//! Named parameters of an objective besides λ: ∂p∇L and ∂pH for a parameter p, so that p can be
//! the continuation parameter (through a lens, [`crate::continuation::TikhonovLens`]) or the
//! second parameter of a two-parameter continuation.

use super::Objective;
use ndarray::{Array1, Array2, ArrayView1};

/// Name of the homotopy parameter, always available.
pub const LAMBDA: &str = "lambda";
/// Name of the Tikhonov parameter α of L = L₀ + α/2‖θ‖².
pub const ALPHA: &str = "alpha";

/// An [`Objective`] with further named parameters p (λ is always one of them).
///
/// ```
/// use actbif::derivatives::parametric::{ParametricObjective, ALPHA, LAMBDA};
/// use actbif::models::two_layer::TwoLayer;
/// let m = TwoLayer::paper(3)?;
/// assert_eq!(m.parameter_names(), vec![LAMBDA, ALPHA]);
/// assert_eq!(m.parameter(ALPHA), Some(4e-3));
/// let theta = ndarray::Array1::from_elem(15, 0.1);
/// // ∂α∇L = θ for L = L₀ + α/2‖θ‖².
/// assert_eq!(m.grad_param(ALPHA, theta.view(), 0.5).unwrap(), theta);
/// # Ok::<(), actbif::Error>(())
/// ```
pub trait ParametricObjective: Objective {
    /// Names of the parameters, λ first.
    fn parameter_names(&self) -> Vec<&'static str> {
        vec![LAMBDA]
    }
    /// Current value of a parameter other than λ (λ is an argument, so `None` for it).
    fn parameter(&self, name: &str) -> Option<f64> {
        let _ = name;
        None
    }
    /// ∂p∇L at (θ, λ); `None` for an unknown name.
    fn grad_param(&self, name: &str, theta: ArrayView1<f64>, lambda: f64) -> Option<Array1<f64>> {
        (name == LAMBDA).then(|| self.grad_lambda(theta, lambda))
    }
    /// ∂pH at (θ, λ); `None` for an unknown name.
    fn hessian_param(
        &self,
        name: &str,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<Array2<f64>> {
        (name == LAMBDA).then(|| self.hessian_lambda(theta, lambda))
    }
}

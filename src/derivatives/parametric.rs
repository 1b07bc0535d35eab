//! Named parameters of an objective besides λ, so that a parameter p can be named on the
//! command line and resolved to its [`super::family::Family`] (the continuation parameter at a
//! fixed λ, or the second parameter of a two-parameter continuation).

use super::Objective;

/// Name of the homotopy parameter, always available.
pub const LAMBDA: &str = "lambda";
/// Name of the Tikhonov parameter α of L = L₀ + α/2‖θ‖².
pub const ALPHA: &str = "alpha";

/// An [`Objective`] with further named parameters p (λ is always one of them): their names and
/// values. The derivatives in p are the parameter's [`super::family::Family`], which
/// [`super::family::family_of`] builds from the name.
///
/// ```
/// use actbif::derivatives::family::{family_of, Family};
/// use actbif::derivatives::parametric::{ParametricObjective, ALPHA, LAMBDA};
/// use actbif::models::two_layer::TwoLayer;
/// let m = TwoLayer::paper(3)?;
/// assert_eq!(m.parameter_names(), vec![LAMBDA, ALPHA]);
/// assert_eq!(m.parameter(ALPHA), Some(4e-3));
/// let theta = ndarray::Array1::from_elem(15, 0.1);
/// // ∂α∇L = θ for L = L₀ + α/2‖θ‖².
/// assert_eq!(family_of(&m, ALPHA)?.grad_p(theta.view(), 0.5, 4e-3), theta);
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
}

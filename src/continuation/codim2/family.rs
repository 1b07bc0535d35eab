//! A one-parameter family of λ-objectives L(θ, λ; p): what two-parameter continuation needs of
//! the second parameter p (the objective at any p, ∂p∇L, ∂pH·u). [`Tikhonov`] is the family of
//! the Tikhonov α for any objective: L + (α − α₀)/2‖θ‖² (∂α∇L = θ, ∂αH = I, higher derivatives
//! unchanged), so every model with α in its [`ParametricObjective::parameter_names`] has one.

use crate::derivatives::parametric::{ParametricObjective, ALPHA};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1};

/// L(θ, λ; p) for p in an interval: the objective at each p and the p-derivatives.
pub trait Family: Sync {
    /// The objective at a fixed p (λ in its λ slot).
    type At<'a>: Objective
    where
        Self: 'a;
    /// Name of p (as in [`ParametricObjective::parameter_names`]).
    fn name(&self) -> &'static str;
    /// The p built into the underlying model.
    fn base(&self) -> f64;
    /// The objective at p.
    fn at(&self, p: f64) -> Self::At<'_>;
    /// ∂p∇L at (θ, λ, p).
    fn grad_p(&self, theta: ArrayView1<f64>, lambda: f64, p: f64) -> Array1<f64>;
    /// ∂pH·u at (θ, λ, p).
    fn hessian_p_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        p: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64>;
}

/// The family of the Tikhonov α of `obj` (whose own α is `alpha0`).
#[derive(Clone, Debug)]
pub struct Tikhonov<O> {
    /// The objective (α₀ built in).
    pub obj: O,
    /// The α inside `obj`.
    pub alpha0: f64,
}

/// The family of the named parameter `name` of `obj`. Today α is the only second parameter
/// that has a family; λ (the continuation parameter itself) and names the model does not have
/// are refused with [`Error::InvalidParameter`] naming the available ones.
pub fn family_of<'a, O: ParametricObjective>(obj: &'a O, name: &str) -> Result<Tikhonov<&'a O>> {
    let names = obj.parameter_names();
    match (name, obj.parameter(name)) {
        (ALPHA, Some(alpha0)) => Ok(Tikhonov { obj, alpha0 }),
        _ => Err(Error::param(
            "param",
            format!(
                "`{name}` is not a second parameter of this model (it has: {}; λ is the first \
                 parameter and cannot be the second)",
                names
                    .iter()
                    .filter(|n| **n != crate::derivatives::parametric::LAMBDA)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

impl<O: Objective> Family for Tikhonov<O> {
    type At<'a>
        = Shifted<'a, O>
    where
        O: 'a;
    fn name(&self) -> &'static str {
        ALPHA
    }
    fn base(&self) -> f64 {
        self.alpha0
    }
    fn at(&self, p: f64) -> Shifted<'_, O> {
        Shifted {
            obj: &self.obj,
            shift: p - self.alpha0,
        }
    }
    fn grad_p(&self, theta: ArrayView1<f64>, _lambda: f64, _p: f64) -> Array1<f64> {
        theta.to_owned()
    }
    fn hessian_p_vec(
        &self,
        _theta: ArrayView1<f64>,
        _lambda: f64,
        _p: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        u.to_owned()
    }
}

/// L(θ, λ) + shift/2‖θ‖²: an objective at another Tikhonov α.
#[derive(Clone, Copy, Debug)]
pub struct Shifted<'a, O> {
    /// The objective.
    pub obj: &'a O,
    /// α − α₀.
    pub shift: f64,
}

impl<O: Objective> Objective for Shifted<'_, O> {
    fn dim(&self) -> usize {
        self.obj.dim()
    }
    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.obj.value(theta, lambda) + 0.5 * self.shift * theta.dot(&theta)
    }
    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.obj.gradient(theta, lambda) + &(&theta * self.shift)
    }
    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let mut h = self.obj.hessian(theta, lambda);
        h.diag_mut().mapv_inplace(|v| v + self.shift);
        h
    }
    fn hessian_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.obj.hessian_vec(theta, lambda, u) + &(&u * self.shift)
    }
    fn grad_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.obj.grad_lambda(theta, lambda)
    }
    fn hessian_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        self.obj.hessian_lambda(theta, lambda)
    }
    fn d3_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.obj.d3_vec(theta, lambda, u)
    }
    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.obj.d3_mixed_vec(theta, lambda, u, v)
    }
    fn d3(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        self.obj.d3(theta, lambda, u)
    }
    fn d4(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        self.obj.d4(theta, lambda, u)
    }
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        self.obj.hessian_directional(theta, lambda, u)
    }
}

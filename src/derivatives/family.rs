//! The one contract for a second parameter p besides λ: a [`Family`] of λ-objectives
//! L(θ, λ; p) (the objective at any p, ∂p∇L, ∂pH·u). Fold and branch-point curves in (λ, p)
//! use it directly; continuation in p at a fixed λ uses it through [`FixedLambda`], which
//! presents p in the λ slot of an [`Objective`]. [`Tikhonov`] is the family of the Tikhonov α
//! of any objective: L + (α − α₀)/2‖θ‖² (∂α∇L = θ, ∂αH = I, higher derivatives unchanged);
//! [`family_of`] resolves a parameter name of a [`ParametricObjective`] to its family; model
//! families live with their model (the two-layer output weight:
//! `models::two_layer::output_weight`).

use super::parametric::{ParametricObjective, ALPHA};
use super::Objective;
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
    /// Number of parameters θ (without building the objective at some p, which may copy the
    /// model and its data).
    fn dim(&self) -> usize;
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
    /// ∂pH at (θ, λ, p), dense (default: n products with the unit vectors).
    fn hessian_p(&self, theta: ArrayView1<f64>, lambda: f64, p: f64) -> Array2<f64> {
        let n = theta.len();
        let mut h = Array2::zeros((n, n));
        let mut e = Array1::zeros(n);
        for j in 0..n {
            e[j] = 1.0;
            h.column_mut(j)
                .assign(&self.hessian_p_vec(theta, lambda, p, e.view()));
            e[j] = 0.0;
        }
        h
    }
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
    fn dim(&self) -> usize {
        self.obj.dim()
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
    fn hessian_p(&self, theta: ArrayView1<f64>, _lambda: f64, _p: f64) -> Array2<f64> {
        Array2::eye(theta.len())
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
    fn hessian_lambda_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.obj.hessian_lambda_vec(theta, lambda, u)
    }
    /// The objective's structured operator shifted by α − α₀ (`shifted(−shift)` is
    /// H + shift·I in the same form); `None` where it has none or no shifted form.
    fn hessian_operator(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<Box<dyn crate::linalg::krylov::HessianOperator>> {
        let op = self.obj.hessian_operator(theta, lambda)?;
        if self.shift == 0.0 {
            Some(op)
        } else {
            op.shifted(-self.shift)
        }
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

/// "Continue in p at fixed λ": the family seen as an objective whose λ argument is p (so the
/// λ engine continues p unchanged). Its ∂λ derivatives are the family's ∂p ones; the
/// θ-derivatives are those of the objective at p, at the fixed λ.
#[derive(Clone, Debug)]
pub struct FixedLambda<F> {
    /// The family.
    pub family: F,
    /// The fixed homotopy parameter.
    pub lambda: f64,
}

impl<F: Family + Send> Objective for FixedLambda<F> {
    fn dim(&self) -> usize {
        self.family.dim()
    }
    fn value(&self, theta: ArrayView1<f64>, p: f64) -> f64 {
        self.family.at(p).value(theta, self.lambda)
    }
    fn gradient(&self, theta: ArrayView1<f64>, p: f64) -> Array1<f64> {
        self.family.at(p).gradient(theta, self.lambda)
    }
    fn hessian(&self, theta: ArrayView1<f64>, p: f64) -> Array2<f64> {
        self.family.at(p).hessian(theta, self.lambda)
    }
    fn hessian_vec(&self, theta: ArrayView1<f64>, p: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.family.at(p).hessian_vec(theta, self.lambda, u)
    }
    fn grad_lambda(&self, theta: ArrayView1<f64>, p: f64) -> Array1<f64> {
        self.family.grad_p(theta, self.lambda, p)
    }
    fn hessian_lambda(&self, theta: ArrayView1<f64>, p: f64) -> Array2<f64> {
        self.family.hessian_p(theta, self.lambda, p)
    }
    fn hessian_lambda_vec(
        &self,
        theta: ArrayView1<f64>,
        p: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.family.hessian_p_vec(theta, self.lambda, p, u)
    }
    fn d3_vec(&self, theta: ArrayView1<f64>, p: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.family.at(p).d3_vec(theta, self.lambda, u)
    }
    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        p: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.family.at(p).d3_mixed_vec(theta, self.lambda, u, v)
    }
    fn d3(&self, theta: ArrayView1<f64>, p: f64, u: ArrayView1<f64>) -> f64 {
        self.family.at(p).d3(theta, self.lambda, u)
    }
    fn d4(&self, theta: ArrayView1<f64>, p: f64, u: ArrayView1<f64>) -> f64 {
        self.family.at(p).d4(theta, self.lambda, u)
    }
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        p: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        self.family.at(p).hessian_directional(theta, self.lambda, u)
    }
}

//! The continuation problem: an objective plus the lens of the parameter being continued.
//!
//! The engine always continues "the λ slot" of an [`Objective`]. A lens presents another
//! parameter p in that slot at a fixed λ, so the same algorithm continues in p:
//! [`TikhonovLens`] does this for the Tikhonov α of L = L₀ + α/2‖θ‖² (for any objective:
//! ∂α∇L = θ, ∂αH = I, higher derivatives unchanged).

use crate::derivatives::Objective;
use ndarray::{Array1, Array2, ArrayView1};

/// "Continue in α at fixed λ": presents L(θ, λ_fixed) + (α − α₀)/2‖θ‖² as an objective whose
/// λ argument is α. `alpha0` is the α already inside `obj` (e.g. `TwoLayer::alpha()`), so the
/// lens evaluated at α = α₀ is `obj` at λ_fixed.
#[derive(Clone, Debug)]
pub struct TikhonovLens<O> {
    /// The objective (with its own α₀ built in).
    pub obj: O,
    /// The fixed homotopy parameter.
    pub lambda: f64,
    /// The α inside `obj`.
    pub alpha0: f64,
}

impl<O: Objective> TikhonovLens<O> {
    fn shift(&self, alpha: f64) -> f64 {
        alpha - self.alpha0
    }
}

impl<O: Objective> Objective for TikhonovLens<O> {
    fn dim(&self) -> usize {
        self.obj.dim()
    }
    fn value(&self, theta: ArrayView1<f64>, alpha: f64) -> f64 {
        self.obj.value(theta, self.lambda) + 0.5 * self.shift(alpha) * theta.dot(&theta)
    }
    fn gradient(&self, theta: ArrayView1<f64>, alpha: f64) -> Array1<f64> {
        self.obj.gradient(theta, self.lambda) + &(&theta * self.shift(alpha))
    }
    fn hessian(&self, theta: ArrayView1<f64>, alpha: f64) -> Array2<f64> {
        let mut h = self.obj.hessian(theta, self.lambda);
        h.diag_mut().mapv_inplace(|v| v + self.shift(alpha));
        h
    }
    fn hessian_vec(&self, theta: ArrayView1<f64>, alpha: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.obj.hessian_vec(theta, self.lambda, u) + &(&u * self.shift(alpha))
    }
    fn grad_lambda(&self, theta: ArrayView1<f64>, _alpha: f64) -> Array1<f64> {
        theta.to_owned()
    }
    fn hessian_lambda(&self, theta: ArrayView1<f64>, _alpha: f64) -> Array2<f64> {
        Array2::eye(theta.len())
    }
    fn hessian_lambda_vec(
        &self,
        _theta: ArrayView1<f64>,
        _alpha: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        u.to_owned()
    }
    fn d3_vec(&self, theta: ArrayView1<f64>, _alpha: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.obj.d3_vec(theta, self.lambda, u)
    }
    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        _alpha: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.obj.d3_mixed_vec(theta, self.lambda, u, v)
    }
    fn d4(&self, theta: ArrayView1<f64>, _alpha: f64, u: ArrayView1<f64>) -> f64 {
        self.obj.d4(theta, self.lambda, u)
    }
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        _alpha: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        self.obj.hessian_directional(theta, self.lambda, u)
    }
}

/// Which parameter a [`ContinuationProblem`] continues.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lens {
    /// λ itself.
    Lambda,
    /// The Tikhonov α at the given fixed λ (objective's own α given as `alpha0`).
    Alpha {
        /// The fixed λ.
        lambda: f64,
        /// The α built into the objective.
        alpha0: f64,
    },
}

/// An objective and the parameter being continued.
pub struct ContinuationProblem<'a, O: Objective + ?Sized> {
    /// The objective.
    pub objective: &'a O,
    /// The continued parameter.
    pub lens: Lens,
}

impl<'a, O: Objective + ?Sized> ContinuationProblem<'a, O> {
    /// Continue in λ.
    pub fn in_lambda(objective: &'a O) -> Self {
        ContinuationProblem {
            objective,
            lens: Lens::Lambda,
        }
    }
    /// Continue in the Tikhonov α at fixed λ (`alpha0`: the α built into `objective`).
    pub fn in_alpha(objective: &'a O, lambda: f64, alpha0: f64) -> Self {
        ContinuationProblem {
            objective,
            lens: Lens::Alpha { lambda, alpha0 },
        }
    }
}

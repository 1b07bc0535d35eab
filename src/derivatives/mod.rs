//! The [`Objective`] trait — everything downstream (continuation, normal forms) sees a loss
//! only through it — and its three implementations:
//!
//! * [`ad::AdObjective`]: generic AD over any loss written once generically ([`ad::GenericLoss`]);
//! * the structured fast path for the two-layer MSE model ([`crate::models::two_layer::structured`],
//!   implemented directly on [`crate::models::two_layer::TwoLayer`]);
//! * [`finite_diff`]: finite-difference baselines (the paper's method), for comparison only;
//!
//! The cross-checks and timings of these implementations are in `app::check`.

pub mod ad;
pub mod family;
pub mod finite_diff;
pub mod parametric;

use crate::linalg::krylov::HessianOperator;
use ndarray::{Array1, Array2, ArrayView1};

/// A smooth family L(θ, λ) of losses and its exact derivatives.
///
/// Directions `u`, `v` need not be normalised. All methods take θ with [`Objective::dim`]
/// entries and panic otherwise (a programming error, not bad user input).
pub trait Objective: Send + Sync {
    /// Number of parameters n.
    fn dim(&self) -> usize;

    /// L(θ, λ).
    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64;

    /// ∇L (n).
    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64>;

    /// Hessian H = ∇²L (n × n, symmetric).
    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64>;

    /// Hessian-vector product H u.
    fn hessian_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.hessian(theta, lambda).dot(&u)
    }

    /// ∂λ∇L (n).
    fn grad_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64>;

    /// ∂λH (n × n).
    fn hessian_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64>;

    /// (∂λH) u; the default forms ∂λH densely, implementations should override it.
    fn hessian_lambda_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.hessian_lambda(theta, lambda).dot(&u)
    }

    /// The Hessian at (θ, λ) as a structured operator (a preconditioner or exact inverse, the
    /// inertia), for the matrix-free continuation; `None` (the default) when the objective has
    /// no such structure and the engine works from [`Objective::hessian_vec`] alone.
    fn hessian_operator(
        &self,
        _theta: ArrayView1<f64>,
        _lambda: f64,
    ) -> Option<Box<dyn HessianOperator>> {
        None
    }

    /// D³L\[u, u, ·\] (n): the gradient of θ ↦ uᵀH(θ)u.
    fn d3_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64>;

    /// D³L\[u, v, ·\] (n), by polarisation of [`Objective::d3_vec`] unless overridden.
    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        let p = &u + &v;
        let m = &u - &v;
        (self.d3_vec(theta, lambda, p.view()) - self.d3_vec(theta, lambda, m.view())) * 0.25
    }

    /// D³L\[u, u, u\].
    fn d3(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        self.d3_vec(theta, lambda, u).dot(&u)
    }

    /// D⁴L\[u, u, u, u\].
    fn d4(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64;

    /// D³L\[u, ·, ·\] = d/dt H(θ + t u) at t = 0 (n × n). The default builds it column by column
    /// from [`Objective::d3_mixed_vec`] (n calls); implementations should override it.
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        from_unit_columns(self.dim(), |e| {
            self.d3_mixed_vec(theta, lambda, u, e.view())
        })
    }
}

/// The n × n matrix whose column k is `column(e_k)`, e_k the k-th unit vector.
pub(crate) fn from_unit_columns(
    n: usize,
    mut column: impl FnMut(&Array1<f64>) -> Array1<f64>,
) -> Array2<f64> {
    let mut out = Array2::zeros((n, n));
    let mut e = Array1::zeros(n);
    for k in 0..n {
        e[k] = 1.0;
        out.column_mut(k).assign(&column(&e));
        e[k] = 0.0;
    }
    out
}

/// (A + Aᵀ)/2: removes the asymmetry that rounding (or truncation) leaves in a Hessian-like
/// matrix built column by column.
pub(crate) fn symmetrised(a: Array2<f64>) -> Array2<f64> {
    let at = a.t().to_owned();
    (a + at) * 0.5
}

/// A reference to an objective is an objective. Every method forwards, the provided ones too,
/// so that a reference keeps the referent's overrides (its fast paths) instead of the defaults.
impl<T: Objective + ?Sized> Objective for &T {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        (**self).value(theta, lambda)
    }
    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        (**self).gradient(theta, lambda)
    }
    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        (**self).hessian(theta, lambda)
    }
    fn hessian_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        (**self).hessian_vec(theta, lambda, u)
    }
    fn grad_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        (**self).grad_lambda(theta, lambda)
    }
    fn hessian_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        (**self).hessian_lambda(theta, lambda)
    }
    fn hessian_lambda_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        (**self).hessian_lambda_vec(theta, lambda, u)
    }
    fn hessian_operator(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<Box<dyn HessianOperator>> {
        (**self).hessian_operator(theta, lambda)
    }
    fn d3_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        (**self).d3_vec(theta, lambda, u)
    }
    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        (**self).d3_mixed_vec(theta, lambda, u, v)
    }
    fn d3(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        (**self).d3(theta, lambda, u)
    }
    fn d4(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        (**self).d4(theta, lambda, u)
    }
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        (**self).hessian_directional(theta, lambda, u)
    }
}

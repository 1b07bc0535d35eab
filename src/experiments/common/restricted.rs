//! An objective restricted to an affine subspace (e.g. a fixed-point subspace of a symmetry).

use crate::derivatives::Objective;
use ndarray::{Array1, Array2, ArrayView1};

/// An objective restricted to an affine subspace θ = origin + B ξ (e.g. a fixed-point subspace
/// of a symmetry). Derivatives are the pulled-back ones: ∇ = Bᵀ∇L, H = BᵀHB, ...
#[derive(Clone, Debug)]
pub struct Restricted<'a, O: Objective + ?Sized> {
    /// The full objective.
    pub obj: &'a O,
    /// Basis B (n × k), columns spanning the subspace directions.
    pub basis: Array2<f64>,
    /// Origin (n).
    pub origin: Array1<f64>,
}

impl<'a, O: Objective + ?Sized> Restricted<'a, O> {
    /// θ = origin + B ξ.
    pub fn embed(&self, xi: ArrayView1<f64>) -> Array1<f64> {
        &self.origin + &self.basis.dot(&xi)
    }
}

impl<O: Objective + ?Sized> Objective for Restricted<'_, O> {
    fn dim(&self) -> usize {
        self.basis.ncols()
    }
    fn value(&self, xi: ArrayView1<f64>, lambda: f64) -> f64 {
        self.obj.value(self.embed(xi).view(), lambda)
    }
    fn gradient(&self, xi: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.basis
            .t()
            .dot(&self.obj.gradient(self.embed(xi).view(), lambda))
    }
    fn hessian(&self, xi: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let h = self.obj.hessian(self.embed(xi).view(), lambda);
        self.basis.t().dot(&h).dot(&self.basis)
    }
    fn grad_lambda(&self, xi: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.basis
            .t()
            .dot(&self.obj.grad_lambda(self.embed(xi).view(), lambda))
    }
    fn hessian_lambda(&self, xi: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let h = self.obj.hessian_lambda(self.embed(xi).view(), lambda);
        self.basis.t().dot(&h).dot(&self.basis)
    }
    fn d3_vec(&self, xi: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let bu = self.basis.dot(&u);
        self.basis
            .t()
            .dot(&self.obj.d3_vec(self.embed(xi).view(), lambda, bu.view()))
    }
    fn d4(&self, xi: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        let bu = self.basis.dot(&u);
        self.obj.d4(self.embed(xi).view(), lambda, bu.view())
    }
    fn hessian_directional(
        &self,
        xi: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        let bu = self.basis.dot(&u);
        let h = self
            .obj
            .hessian_directional(self.embed(xi).view(), lambda, bu.view());
        self.basis.t().dot(&h).dot(&self.basis)
    }
}

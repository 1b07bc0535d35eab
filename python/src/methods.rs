//! The derivative methods every model class shares (`loss`, `gradient`, `hessian`, `hvp`,
//! `grad_lambda`, `d3`, `d3_vec`, `d4`), written once over `&dyn Objective` and generated into
//! each class's single `#[pymethods]` block by [`model_pymethods`] (pyo3 allows one block per
//! class without the `inventory` crate, which is not available offline).

use crate::convert::{finite_lambda, vector};
use actbif::Objective;
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;

/// A model class exposes its objective to the shared methods.
pub trait HasObjective {
    /// The model as an objective L(θ, λ).
    fn objective(&self) -> &dyn Objective;
}

fn theta_arg<'py>(
    obj: &dyn Objective,
    theta: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray1<'py, f64>> {
    vector(theta, "theta", obj.dim())
}

fn dir_arg<'py>(
    obj: &dyn Objective,
    u: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray1<'py, f64>> {
    vector(u, "u", obj.dim())
}

/// L(θ, λ).
pub fn loss(obj: &dyn Objective, theta: &Bound<'_, PyAny>, lam: f64) -> PyResult<f64> {
    let t = theta_arg(obj, theta)?;
    Ok(obj.value(t.as_array(), finite_lambda(lam)?))
}

/// ∇L(θ, λ).
pub fn gradient<'py>(
    obj: &dyn Objective,
    theta: &Bound<'py, PyAny>,
    lam: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let t = theta_arg(obj, theta)?;
    let g = obj.gradient(t.as_array(), finite_lambda(lam)?);
    Ok(g.into_pyarray(theta.py()))
}

/// ∇²L(θ, λ).
pub fn hessian<'py>(
    obj: &dyn Objective,
    theta: &Bound<'py, PyAny>,
    lam: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let t = theta_arg(obj, theta)?;
    let h = obj.hessian(t.as_array(), finite_lambda(lam)?);
    Ok(h.into_pyarray(theta.py()))
}

/// ∇²L(θ, λ) u.
pub fn hvp<'py>(
    obj: &dyn Objective,
    theta: &Bound<'py, PyAny>,
    lam: f64,
    u: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let t = theta_arg(obj, theta)?;
    let u = dir_arg(obj, u)?;
    let hu = obj.hessian_vec(t.as_array(), finite_lambda(lam)?, u.as_array());
    Ok(hu.into_pyarray(theta.py()))
}

/// ∂λ∇L(θ, λ).
pub fn grad_lambda<'py>(
    obj: &dyn Objective,
    theta: &Bound<'py, PyAny>,
    lam: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let t = theta_arg(obj, theta)?;
    let g = obj.grad_lambda(t.as_array(), finite_lambda(lam)?);
    Ok(g.into_pyarray(theta.py()))
}

/// D³L(θ, λ)\[u, u, u\].
pub fn d3(
    obj: &dyn Objective,
    theta: &Bound<'_, PyAny>,
    lam: f64,
    u: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let t = theta_arg(obj, theta)?;
    let u = dir_arg(obj, u)?;
    Ok(obj.d3(t.as_array(), finite_lambda(lam)?, u.as_array()))
}

/// D³L(θ, λ)\[u, u, ·\].
pub fn d3_vec<'py>(
    obj: &dyn Objective,
    theta: &Bound<'py, PyAny>,
    lam: f64,
    u: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let t = theta_arg(obj, theta)?;
    let u = dir_arg(obj, u)?;
    let v = obj.d3_vec(t.as_array(), finite_lambda(lam)?, u.as_array());
    Ok(v.into_pyarray(theta.py()))
}

/// D⁴L(θ, λ)\[u, u, u, u\].
pub fn d4(
    obj: &dyn Objective,
    theta: &Bound<'_, PyAny>,
    lam: f64,
    u: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let t = theta_arg(obj, theta)?;
    let u = dir_arg(obj, u)?;
    Ok(obj.d4(t.as_array(), finite_lambda(lam)?, u.as_array()))
}

/// `#[pymethods] impl $ty { <class items> <shared derivative methods> }`.
macro_rules! model_pymethods {
    ($ty:ident { $($extra:tt)* }) => {
        #[pyo3::pymethods]
        impl $ty {
            $($extra)*

            /// L(θ, λ).
            fn loss(&self, theta: &Bound<'_, PyAny>, lam: f64) -> PyResult<f64> {
                $crate::methods::loss(self.objective(), theta, lam)
            }
            /// ∇L(θ, λ) (n,).
            fn gradient<'py>(
                &self,
                theta: &Bound<'py, PyAny>,
                lam: f64,
            ) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
                $crate::methods::gradient(self.objective(), theta, lam)
            }
            /// Hessian ∇²L(θ, λ) (n, n).
            fn hessian<'py>(
                &self,
                theta: &Bound<'py, PyAny>,
                lam: f64,
            ) -> PyResult<Bound<'py, numpy::PyArray2<f64>>> {
                $crate::methods::hessian(self.objective(), theta, lam)
            }
            /// Hessian-vector product ∇²L(θ, λ) u (n,).
            fn hvp<'py>(
                &self,
                theta: &Bound<'py, PyAny>,
                lam: f64,
                u: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
                $crate::methods::hvp(self.objective(), theta, lam, u)
            }
            /// ∂λ∇L(θ, λ) (n,).
            fn grad_lambda<'py>(
                &self,
                theta: &Bound<'py, PyAny>,
                lam: f64,
            ) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
                $crate::methods::grad_lambda(self.objective(), theta, lam)
            }
            /// D³L(θ, λ)[u, u, u] (a number).
            fn d3(&self, theta: &Bound<'_, PyAny>, lam: f64, u: &Bound<'_, PyAny>) -> PyResult<f64> {
                $crate::methods::d3(self.objective(), theta, lam, u)
            }
            /// D³L(θ, λ)[u, u, ·] (n,): the gradient of θ ↦ uᵀH(θ)u.
            fn d3_vec<'py>(
                &self,
                theta: &Bound<'py, PyAny>,
                lam: f64,
                u: &Bound<'py, PyAny>,
            ) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
                $crate::methods::d3_vec(self.objective(), theta, lam, u)
            }
            /// D⁴L(θ, λ)[u, u, u, u] (a number).
            fn d4(&self, theta: &Bound<'_, PyAny>, lam: f64, u: &Bound<'_, PyAny>) -> PyResult<f64> {
                $crate::methods::d4(self.objective(), theta, lam, u)
            }
        }
    };
}
pub(crate) use model_pymethods;

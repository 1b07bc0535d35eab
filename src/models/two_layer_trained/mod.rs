//! The two-layer model with both layers trained: f(x) = Σⱼ vⱼ h(wⱼᵀx, λ),
//! L = ½E[(f − y)²] + α/2 (‖W‖² + ‖v‖²), θ = [vec(W) row-major, v] (n = m(d + 1)).
//!
//! At λ = 0 the network is linear, f = (Wᵀv)ᵀx, and its minimisers form a sphere S^{m−1}
//! (the O(m) symmetry of the hidden layer): with the balanced factorisation, W = s·u bᵀ,
//! v = s·u for every unit u, where p* = argmin ½E[(pᵀx − y)²] + α‖p‖ (the Tikhonov term
//! α/2(‖W‖² + ‖v‖²) is at least α‖Wᵀv‖, with equality when balanced), s² = ‖p*‖ and
//! b = p*/‖p*‖. Derivatives are exact by automatic differentiation ([`AdObjective`]).

use crate::activation::{homotopy, Activation, Builtin};
use crate::data::Dataset;
use crate::derivatives::ad::{AdObjective, GenericLoss};
use crate::error::{Error, Result};
use crate::linalg::{norm, solve};
use ndarray::{Array1, Array2, ArrayView1};
use num_dual::DualNum;

/// W and v trained.
#[derive(Clone, Debug)]
pub struct TwoLayerTrained<A: Activation = Builtin> {
    data: Dataset,
    width: usize,
    alpha: f64,
    act: A,
}

/// The λ = 0 critical manifold θ(u) = [s·u bᵀ, s·u], u ∈ S^{m−1}.
#[derive(Clone, Debug)]
pub struct StartSphere {
    /// s = √‖p*‖.
    pub s: f64,
    /// b = p*/‖p*‖ (d).
    pub b: Array1<f64>,
    /// p* (d).
    pub p: Array1<f64>,
}

impl<A: Activation> TwoLayerTrained<A> {
    /// A validated model (α > 0: the balanced sphere needs it).
    pub fn new(data: Dataset, width: usize, alpha: f64, act: A) -> Result<Self> {
        let data = crate::models::two_layer::check_model_parts(data, alpha, &act)?;
        if width == 0 {
            return Err(Error::param("width", "must be at least 1"));
        }
        if alpha <= 0.0 {
            return Err(Error::param(
                "alpha",
                "--train-output needs α > 0 (at α = 0 the λ = 0 minimisers are not a sphere)",
            ));
        }
        Ok(TwoLayerTrained {
            data,
            width,
            alpha,
            act,
        })
    }

    /// Width m.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Input dimension d.
    pub fn input_dim(&self) -> usize {
        self.data.dim()
    }
    /// n = m(d + 1).
    pub fn n_params(&self) -> usize {
        self.width * (self.input_dim() + 1)
    }
    /// The activation.
    pub fn activation(&self) -> &A {
        &self.act
    }
    /// The data.
    pub fn data(&self) -> &Dataset {
        &self.data
    }
    /// α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The objective with exact derivatives by AD.
    pub fn objective(&self) -> AdObjective<Self>
    where
        A: Clone,
    {
        AdObjective(self.clone())
    }

    /// The λ = 0 minimiser sphere: p* from ‖(C + (α/‖p‖) I)⁻¹ c‖ = ‖p‖ (C = E\[xxᵀ\],
    /// c = E\[xy\]; the left side decreases in ‖p‖ from ‖C⁻¹c‖ to 0), solved by bisection to
    /// rounding. An error when p* = 0 (α ≥ ‖c‖: the origin is the only minimiser).
    pub fn start_sphere(&self) -> Result<StartSphere> {
        let (x, y) = (&self.data.x, &self.data.y);
        let n = self.data.n_samples() as f64;
        let c: Array2<f64> = x.t().dot(x) / n;
        let cy: Array1<f64> = x.t().dot(y) / n;
        if norm(cy.view()) <= self.alpha {
            return Err(Error::param(
                "alpha",
                "α ≥ ‖E[xy]‖: the λ = 0 minimiser is θ = 0, not a sphere",
            ));
        }
        let p_of = |r: f64| {
            let mut a = c.clone();
            for i in 0..a.nrows() {
                a[[i, i]] += self.alpha / r;
            }
            solve(&a, &cy)
        };
        // g(r) = ‖p(r)‖ − r: ‖p(r)‖ ≈ r‖c‖/α > r as r → 0⁺ (‖c‖ > α), and ‖p(r)‖ grows
        // to ‖C⁻¹c‖ < r beyond it: one sign change, bracketed by [1e-12, 2‖C⁻¹c‖ + 1].
        let far = solve(&c, &cy).map(|q| norm(q.view())).unwrap_or(1e6);
        let (mut lo, mut hi) = (1e-12f64, 2.0 * far + 1.0);
        for _ in 0..300 {
            let mid = if hi / lo > 4.0 {
                (lo * hi).sqrt()
            } else {
                0.5 * (lo + hi)
            };
            if norm(p_of(mid)?.view()) > mid {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 4.0 * f64::EPSILON * hi {
                break;
            }
        }
        let p = p_of(0.5 * (lo + hi))?;
        let r = norm(p.view());
        Ok(StartSphere {
            s: r.sqrt(),
            b: &p / r,
            p,
        })
    }

    /// θ(u) on the sphere.
    pub fn theta_of(&self, sphere: &StartSphere, u: ArrayView1<f64>) -> Array1<f64> {
        let (m, d) = (self.width, self.input_dim());
        let mut t = Array1::zeros(self.n_params());
        for j in 0..m {
            for k in 0..d {
                t[j * d + k] = sphere.s * u[j] * sphere.b[k];
            }
            t[m * d + j] = sphere.s * u[j];
        }
        t
    }
}

impl<A: Activation + Clone> GenericLoss for TwoLayerTrained<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        let (m, d) = (self.width, self.input_dim());
        crate::models::two_layer::regularised_mse(&self.data, theta, self.alpha, |xi| {
            let mut f = D::from(0.0);
            for j in 0..m {
                let mut z = D::from(0.0);
                for k in 0..d {
                    z += theta[j * d + k].clone() * xi[k];
                }
                f += homotopy(&self.act, z, lambda.clone()) * theta[m * d + j].clone();
            }
            f
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Objective;

    #[test]
    fn every_point_of_the_sphere_is_critical_at_lambda_zero() {
        let data = crate::data::paper_teacher(crate::data::PAPER_SEED, 200);
        let m = TwoLayerTrained::new(data, 3, 4e-3, Builtin::Tanh).unwrap();
        let sp = m.start_sphere().unwrap();
        let obj = m.objective();
        for u in [
            [1.0, 0.0, 0.0],
            [0.6, 0.8, 0.0],
            [0.5, -0.5, std::f64::consts::FRAC_1_SQRT_2],
        ] {
            let u = Array1::from(u.to_vec());
            let u = &u / norm(u.view());
            let t = m.theta_of(&sp, u.view());
            let g = obj.gradient(t.view(), 0.0);
            assert!(norm(g.view()) < 1e-12, "‖∇L‖ = {:e}", norm(g.view()));
        }
    }
}

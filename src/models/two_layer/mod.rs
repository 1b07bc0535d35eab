//! The two-layer model f(x) = Σ_j v_j h(w_jᵀx, λ) with loss
//! L(W, λ) = ½ E\[(f − y)²\] + α/2 ‖W‖² — written once, generic over dual numbers.
//!
//! θ = vec(W) with W ∈ R^{m×d} stored row-major: θ\[j·d + k\] = W\[j, k\]. The output weights v
//! are fixed (not trained), as in the paper's Appendix B.

pub mod output_weight;
mod parametric;
pub mod structured;
pub mod theory;
pub mod woodbury;
mod woodbury_gram;
mod woodbury_jac;

use crate::activation::{check_normalisation, homotopy, Activation, Builtin};
use crate::data::{paper_output_weights, paper_teacher, Dataset, PAPER_N, PAPER_SEED};
use crate::derivatives::ad::GenericLoss;
use crate::error::{ensure_finite, ensure_nonnegative, Error, Result};
use ndarray::{Array1, Array2, ArrayView1};
use num_dual::DualNum;

/// Paper Appendix B Tikhonov parameter α.
pub const PAPER_ALPHA: f64 = 4e-3;

/// The two-layer network with MSE loss and Tikhonov regularisation.
#[derive(Clone, Debug)]
pub struct TwoLayer<A: Activation = Builtin> {
    data: Dataset,
    v: Array1<f64>,
    alpha: f64,
    act: A,
}

impl TwoLayer<Builtin> {
    /// The paper's Appendix B model at width `m`: d = 5, N = 500, seed 77 teacher data,
    /// v_j = 0.5 + j/(m − 1), α = 4e-3, tanh.
    ///
    /// ```
    /// let model = actbif::models::two_layer::TwoLayer::paper(10).unwrap();
    /// assert_eq!(model.n_params(), 50);
    /// assert_eq!(model.alpha(), 4e-3);
    /// ```
    pub fn paper(m: usize) -> Result<Self> {
        if m == 0 {
            return Err(Error::param("width", "must be at least 1"));
        }
        TwoLayer::new(
            paper_teacher(PAPER_SEED, PAPER_N),
            paper_output_weights(m),
            PAPER_ALPHA,
            Builtin::Tanh,
        )
    }
}

/// The toy model v = (1, a) at the given α on the B.1 data.
pub fn toy_model(a: f64, alpha: f64) -> Result<TwoLayer> {
    TwoLayer::new(
        crate::data::toy(crate::data::TOY_SEED, crate::data::TOY_N),
        ndarray::array![1.0, a],
        alpha,
        Builtin::Tanh,
    )
}

/// The checks every model constructor shares: finite data with matching shapes, α finite and
/// ≥ 0, and σ(0) = 0, σ′(0) = 1. Returns the validated data.
pub(crate) fn check_model_parts<A: Activation>(
    data: Dataset,
    alpha: f64,
    act: &A,
) -> Result<Dataset> {
    let data = Dataset::new(data.x, data.y)?;
    ensure_nonnegative("alpha", alpha)?;
    check_normalisation(act)?;
    Ok(data)
}

/// ½E\[(f(x) − y)²\] + α/2‖θ‖² over `data`, with `output(x)` the network's f(x): the loss
/// shape of every model in the crate, generic over dual numbers.
pub(crate) fn regularised_mse<D: DualNum<Primitive = f64>>(
    data: &Dataset,
    theta: &[D],
    alpha: f64,
    mut output: impl FnMut(ArrayView1<f64>) -> D,
) -> D {
    let mut total = D::from(0.0);
    for (xi, yi) in data.x.outer_iter().zip(data.y.iter()) {
        let r = output(xi) - *yi;
        total += r.clone() * r;
    }
    let mut reg = D::from(0.0);
    for t in theta {
        reg += t.clone() * t.clone();
    }
    total * (0.5 / data.n_samples() as f64) + reg * (0.5 * alpha)
}

impl<A: Activation> TwoLayer<A> {
    /// Builds a validated model: finite data and v, v non-empty, α ≥ 0 and finite, and an
    /// activation with σ(0) = 0, σ′(0) = 1.
    pub fn new(data: Dataset, v: Array1<f64>, alpha: f64, act: A) -> Result<Self> {
        let data = check_model_parts(data, alpha, &act)?;
        if v.is_empty() {
            return Err(Error::param(
                "width",
                "output weights v must have at least one entry",
            ));
        }
        ensure_finite("output weights v", v.iter())?;
        Ok(TwoLayer {
            data,
            v,
            alpha,
            act,
        })
    }

    /// The same model with output weights `v` (not re-validated: for two-parameter families
    /// that move one weight; a non-finite entry gives non-finite losses, which correctors
    /// reject).
    pub(crate) fn with_output_weights_unchecked(&self, v: Array1<f64>) -> Self
    where
        A: Clone,
    {
        TwoLayer {
            data: self.data.clone(),
            v,
            alpha: self.alpha,
            act: self.act.clone(),
        }
    }

    /// Width m.
    pub fn width(&self) -> usize {
        self.v.len()
    }

    /// Input dimension d.
    pub fn input_dim(&self) -> usize {
        self.data.dim()
    }

    /// Number of trained parameters n = m·d.
    pub fn n_params(&self) -> usize {
        self.width() * self.input_dim()
    }

    /// Tikhonov parameter α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Output weights v.
    pub fn output_weights(&self) -> &Array1<f64> {
        &self.v
    }

    /// The data set.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The activation σ.
    pub fn activation(&self) -> &A {
        &self.act
    }

    /// Reshapes θ into W (m × d).
    pub fn weights(&self, theta: ArrayView1<f64>) -> Array2<f64> {
        theta
            .to_owned()
            .into_shape_with_order((self.width(), self.input_dim()))
            .expect("θ has m·d entries")
    }

    /// The reference definition of the loss, generic over dual numbers:
    /// L(θ, λ) = 1/(2N) Σ_i (Σ_j v_j h(w_jᵀx_i, λ) − y_i)² + α/2 ‖θ‖².
    pub fn loss_generic<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        assert_eq!(theta.len(), self.n_params(), "θ must have m·d entries");
        let d = self.input_dim();
        regularised_mse(&self.data, theta, self.alpha, |xi| {
            let mut f = D::from(0.0);
            for (wj, vj) in theta.chunks_exact(d).zip(&self.v) {
                let mut z = D::from(0.0);
                for k in 0..d {
                    z += wj[k].clone() * xi[k];
                }
                f += homotopy(&self.act, z, lambda.clone()) * *vj;
            }
            f
        })
    }

    /// L(θ, λ) at a real point.
    pub fn loss(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        let t: Vec<f64> = theta.to_vec();
        self.loss_generic(&t, lambda)
    }
}

/// The generic (num-dual) path sees the same loss as the structured one.
impl<A: Activation> GenericLoss for TwoLayer<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        self.loss_generic(theta, lambda)
    }
}

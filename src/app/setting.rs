//! The model setting written into every result file and the start point W0 of every branch.

use crate::activation::Activation;
use crate::continuation::newton_critical_point;
use crate::error::Result;
use crate::models::two_layer::TwoLayer;
use ndarray::Array1;
use serde::Serialize;

/// Tolerance of the Newton polish of start points (same as the continuation corrector).
pub const START_TOL: f64 = 1e-13;

/// Description of a model setting, written into every result file.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    /// Input dimension d.
    pub d: usize,
    /// Width m.
    pub m: usize,
    /// Number of samples N.
    pub n_samples: usize,
    /// Tikhonov parameter α.
    pub alpha: f64,
    /// Activation name.
    pub activation: String,
    /// Output weights v.
    pub v: Vec<f64>,
    /// Where the data come from.
    pub data: String,
}

impl Setting {
    /// Describes `model`; `data` names the data source.
    pub fn of<A: Activation>(model: &TwoLayer<A>, data: &str) -> Self {
        Setting {
            d: model.input_dim(),
            m: model.width(),
            n_samples: model.data().n_samples(),
            alpha: model.alpha(),
            activation: model.activation().name(),
            v: model.output_weights().to_vec(),
            data: data.to_string(),
        }
    }
}

/// The closed-form minimiser at λ = 0 (Sylvester solution, `theory::linear_endpoint::w0`)
/// as θ: W0 = v cᵀ with (‖v‖²Σ + αI)c = γ. For α = 0 this is the minimum-norm minimiser.
pub fn w0_closed_form<A: Activation>(model: &TwoLayer<A>) -> Result<Array1<f64>> {
    let w = crate::models::two_layer::theory::linear_endpoint::w0(model)?;
    Ok(Array1::from_iter(w.iter().copied()))
}

/// W0 polished by Newton on ∇L(·, 0) = 0 (the start point of every branch at α > 0).
pub fn start_point<A: Activation>(model: &TwoLayer<A>) -> Result<Array1<f64>> {
    let w0 = w0_closed_form(model)?;
    newton_critical_point(model, w0.view(), 0.0, START_TOL)
}

//! The two-layer model's named parameters: λ and the Tikhonov α.

use super::TwoLayer;
use crate::derivatives::parametric::{ParametricObjective, ALPHA, LAMBDA};

/// The two-layer model: λ and its Tikhonov α (its family: `derivatives::family::Tikhonov`).
impl ParametricObjective for TwoLayer {
    fn parameter_names(&self) -> Vec<&'static str> {
        vec![LAMBDA, ALPHA]
    }
    fn parameter(&self, name: &str) -> Option<f64> {
        (name == ALPHA).then(|| self.alpha())
    }
}

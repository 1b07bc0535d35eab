//! Deflated Newton (placeholder until the deflation module lands).

use crate::derivatives::Objective;
use crate::error::Result;
use ndarray::Array1;

/// Options of deflated Newton.
#[derive(Clone, Debug, Default)]
pub struct DeflationOptions {}

/// New critical points at λ from `starts`, none in `known`.
pub fn deflation_search<O: Objective + ?Sized>(
    _obj: &O,
    _lambda: f64,
    _known: &[Array1<f64>],
    _starts: &[Array1<f64>],
    _opts: &DeflationOptions,
) -> Result<Vec<Array1<f64>>> {
    Ok(Vec::new())
}

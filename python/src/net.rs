//! What the native classes and their helpers share without depending on `model`: the network
//! behind an `actbif.TwoLayer` and the data description of arrays from Python.

use actbif::derivatives::ad::AdObjective;
use actbif::models::two_layer::TwoLayer;
use actbif::models::two_layer_trained::TwoLayerTrained;
use std::sync::Arc;

/// The data description written into a branch's JSON `setting` for arrays from Python.
pub const PYTHON_DATA: &str = "numpy arrays (Python)";

/// The network behind an `actbif.TwoLayer`.
pub enum Net {
    /// Output weights v fixed (the paper's model).
    Fixed(Arc<TwoLayer>),
    /// Both layers trained (exact derivatives by AD).
    Trained(Arc<AdObjective<TwoLayerTrained>>),
}

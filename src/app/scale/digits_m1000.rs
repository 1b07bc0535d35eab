//! Case `digits_m1000`: the shipped 8 × 8 digits (d = 64, N = 1797), two-layer model at
//! m = 1000 (n = 64,000), the paper's α = 4e-3, traced matrix-free over λ ∈ [0, 1] with the 6
//! smallest Hessian eigenvalues at every point (the engine's default spectrum), to its first
//! event (as the other two traced cases).

use super::{two_layer_trace, CaseOutcome, ScaleOptions};
use crate::app::commands::{DataSource, ModelSpec};
use crate::continuation::Solver;
use crate::error::Result;

/// Width m.
pub const WIDTH: usize = 1000;

/// Stop at the first located event.
const MAX_EVENTS: usize = 1;

/// Runs the case.
pub fn run(opts: &ScaleOptions) -> Result<CaseOutcome> {
    let spec = ModelSpec {
        width: WIDTH,
        data: DataSource::Digits,
        ..Default::default()
    };
    two_layer_trace(&spec, Solver::MatrixFree, Some(MAX_EVENTS), opts)
}

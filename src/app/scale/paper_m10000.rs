//! Case `paper_m10000`: the paper's teacher data (d = 5, N = 500) at m = 10⁴ (n = 5·10⁴),
//! α = 5e-6, traced matrix-free to λ = 1 or its first event. The first-order law
//! λ* ≈ α·m/|K| = 0.71 (K = −0.0705) puts an event inside [0, 1] if the mechanism survives.

use super::{two_layer_trace, CaseOutcome, ScaleOptions};
use crate::app::commands::{DataSource, ModelSpec};
use crate::continuation::Solver;
use crate::error::Result;

/// Width m.
pub const WIDTH: usize = 10_000;
/// Tikhonov α (the choice: α·m = 0.05, below the phase boundary α_c·m ≈ 0.06–0.1).
pub const ALPHA: f64 = 5e-6;
/// Stop at the first located event.
pub const MAX_EVENTS: usize = 1;

/// Runs the case.
pub fn run(opts: &ScaleOptions) -> Result<CaseOutcome> {
    let spec = ModelSpec {
        width: WIDTH,
        alpha: ALPHA,
        data: DataSource::Paper,
        ..Default::default()
    };
    two_layer_trace(&spec, Solver::MatrixFree, Some(MAX_EVENTS), opts)
}

//! The continuation problem: an objective plus the lens of the parameter being continued.
//!
//! The engine always continues "the λ slot" of an [`Objective`]. A lens presents another
//! parameter p in that slot at a fixed λ, so the same algorithm continues in p: the second
//! parameter's one contract is a [`crate::derivatives::family::Family`], seen at fixed λ
//! through [`crate::derivatives::family::FixedLambda`] (here: the Tikhonov α of any
//! objective; any family through [`super::ContinuationAlgorithm::run_family`]).

use crate::derivatives::Objective;

/// Which parameter a [`ContinuationProblem`] continues.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Lens {
    /// λ itself.
    Lambda,
    /// The Tikhonov α at the given fixed λ (objective's own α given as `alpha0`).
    Alpha {
        /// The fixed λ.
        lambda: f64,
        /// The α built into the objective.
        alpha0: f64,
    },
}

/// An objective and the parameter being continued.
pub struct ContinuationProblem<'a, O: Objective + ?Sized> {
    /// The objective.
    pub objective: &'a O,
    /// The continued parameter.
    pub lens: Lens,
}

impl<'a, O: Objective + ?Sized> ContinuationProblem<'a, O> {
    /// Continue in λ.
    pub fn in_lambda(objective: &'a O) -> Self {
        ContinuationProblem {
            objective,
            lens: Lens::Lambda,
        }
    }
    /// Continue in the Tikhonov α at fixed λ (`alpha0`: the α built into `objective`).
    pub fn in_alpha(objective: &'a O, lambda: f64, alpha0: f64) -> Self {
        ContinuationProblem {
            objective,
            lens: Lens::Alpha { lambda, alpha0 },
        }
    }
}

//! Pieces several experiments share (besides the front door's setting, start point, events at
//! arbitrary points and formatting, re-exported here): crossings on a λ grid, restricted objectives, reduced potentials and
//! fits, the endpoint slope and width fit, the two-way analysis of a model (exact and paper
//! method) with its eigenvalue figures, and formatting.

mod analysis;
mod eigen_figures;
mod endpoint;
mod figures;
mod potential;
mod restricted;
#[cfg(test)]
mod tests;

pub use crate::app::crossing::*;
pub use crate::app::event_at::*;
pub use crate::app::format::*;
pub use crate::app::sampling::*;
pub use crate::app::setting::*;
pub use analysis::*;
pub use eigen_figures::*;
pub use endpoint::*;
pub use figures::*;
pub use potential::*;
pub use restricted::*;

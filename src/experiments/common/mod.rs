//! Pieces several experiments share: the setting and start point W0, Hessians and events at
//! arbitrary points, crossings on a λ grid, restricted objectives, reduced potentials and
//! fits, the endpoint slope and width fit, the two-way analysis of a model (exact and paper
//! method) with its eigenvalue figures, and formatting.

mod analysis;
mod crossing;
mod eigen_figures;
mod endpoint;
mod event_at;
mod figures;
mod format;
mod potential;
mod restricted;
mod sampling;
mod setting;
#[cfg(test)]
mod tests;

pub use analysis::*;
pub use crossing::*;
pub use eigen_figures::*;
pub use endpoint::*;
pub use event_at::*;
pub use figures::*;
pub use format::*;
pub use potential::*;
pub use restricted::*;
pub use sampling::*;
pub use setting::*;

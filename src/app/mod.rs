//! The front door: everything a user runs, called by the CLI (`main.rs`), by Python and by
//! the experiments. Model specifications are parsed and validated once (`tracing` /
//! [`commands`]), each subcommand's computation is one function here, and the long studies
//! ([`scale`], [`sweep`]) and derivative checks ([`check`]) live beside them. The model's start
//! point at λ = 0 ([`start_point`]: the closed form of its family polished by Newton) and the
//! result-file helpers are here too, so `experiments` keeps only the paper's Appendix B.

pub mod check;
pub mod commands;
pub mod crossing;
pub mod curves;
pub mod event_at;
pub mod format;
pub mod memory;
pub mod mlp;
pub mod output;
pub mod sampling;
pub mod scale;
pub mod setting;
pub mod sweep;
mod tracing;

pub use crossing::*;
pub use event_at::*;
pub use format::*;
pub use sampling::*;
pub use setting::*;

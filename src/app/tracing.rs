//! The branch tracing behind `actbif trace`, shared by the subcommands ([`super::commands`],
//! which re-exports it), the MLP commands ([`super::mlp`]) and parameter sweeps
//! ([`super::sweep`]): validated model specifications, the traced branch (with checkpoint and
//! resume) and its JSON report.

mod report;
mod resume;
pub(super) mod spec;
mod trace;

pub use report::{trace_report, TraceReport, GRID_POINTS};
pub use spec::{validate_lambda, validate_lambda_max, DataSource, ModelKind, ModelSpec};
pub use trace::{checkpoint_path, load_theta, run_trace, run_trace_with, TraceOptions};
pub(crate) use trace::{trace_branch, trace_branch_with, trace_from, trace_objective};

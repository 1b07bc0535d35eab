//! The library side of the `actbif` subcommands: validated model specifications and the
//! `trace`, `coefficients`, `check-derivatives` and `bench-derivatives` computations. The
//! binary only parses arguments and prints.

mod coefficients;
mod derivatives;
mod diagram;
mod exit;
mod report;
mod resume;
mod spec;
mod sweep;
mod trace;

pub use coefficients::{run_coefficients, CoefficientsReport};
pub use derivatives::{run_bench_derivatives, run_check_derivatives, BENCH_WIDTHS};
pub use diagram::{load_points, run_diagram, split_data, DiagramCommand, OutputWeights};
pub use exit::{
    error_exit_code, is_input_error, status_exit_code, EXIT_BAD_INPUT, EXIT_INCOMPLETE,
    EXIT_INTERNAL, EXIT_OK,
};
pub use report::{trace_report, TraceReport, GRID_POINTS};
pub use spec::{validate_lambda, validate_lambda_max, DataSource, ModelKind, ModelSpec};
pub use sweep::run_sweep_command;
pub use trace::{checkpoint_path, load_theta, run_trace, run_trace_with, TraceOptions};
pub(crate) use trace::{trace_branch_with, trace_from, trace_objective};

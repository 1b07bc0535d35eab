//! The subcommands of the front door: validated model specifications and the
//! `trace`, `coefficients`, `check-derivatives` and `bench-derivatives` computations. The
//! binary only parses arguments and prints.

mod coefficients;
mod curves;
mod derivatives;
mod diagram;
mod diagram_mlp;
mod diagram_resume;
mod diagram_trained;
mod exit;
mod figures;
mod sweep;

pub use coefficients::{coefficients_on, run_coefficients, CoefficientsReport};
pub use curves::{
    branch_point_curve_command, fold_curve_command, phase_boundary_command, CurveOutput,
};
pub use derivatives::{run_bench_derivatives, run_check_derivatives, BENCH_WIDTHS};
pub use diagram::{load_points, run_diagram, split_data, DiagramCommand, OutputWeights};
pub use diagram_mlp::start_manifold;
pub use diagram_resume::{fingerprint, run_diagram_resuming};
pub use diagram_trained::{trained_diagram, TrainedOutputs, LAMBDA0};
pub use exit::{
    error_exit_code, is_input_error, status_exit_code, EXIT_BAD_INPUT, EXIT_INCOMPLETE,
    EXIT_INTERNAL, EXIT_OK,
};
pub use figures::run_figures;
pub use sweep::run_sweep_command;

// Model specifications, as `super::spec` for the subcommands.
use super::tracing::spec;
pub(crate) use super::tracing::trace_objective;
pub use super::tracing::{
    checkpoint_path, load_theta, run_trace, run_trace_with, trace_report, validate_lambda,
    validate_lambda_max, DataSource, ModelKind, ModelSpec, TraceOptions, TraceReport, GRID_POINTS,
};

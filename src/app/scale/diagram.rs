//! Cases `diagram_m10` and `diagram_digits_m100` (issue 22 §9): whole diagrams as a speed
//! target. The paper's m = 10 model with 400 training starts at λ = 1 and every branch
//! followed on [0, 1] (target ≤ 60 s on 2 cores); the digits two-layer model at m = 100
//! (n = 6,400) with 100 starts (target ≤ 10 min). The case's budget (`--max-seconds`) is the
//! diagram's: a diagram that runs out says `time_budget_exhausted` with what it reached.

use super::{CaseOutcome, ScaleOptions};
use crate::app::commands::{run_diagram, DataSource, DiagramCommand, ModelSpec};
use crate::diagram::DiagramOptions;
use crate::error::Result;
use std::collections::BTreeMap;

/// Training starts and targets (seconds) of the two cases.
pub const M10_STARTS: usize = 400;
/// Target of `diagram_m10`.
pub const M10_TARGET_S: f64 = 60.0;
/// Training starts of `diagram_digits_m100`.
pub const DIGITS_STARTS: usize = 100;
/// Target of `diagram_digits_m100`.
pub const DIGITS_TARGET_S: f64 = 600.0;

fn run_one(
    spec: ModelSpec,
    starts: usize,
    target: f64,
    opts: &ScaleOptions,
) -> Result<CaseOutcome> {
    let n_params = spec.width * spec.load_data()?.dim();
    let d = run_diagram(&DiagramCommand {
        spec,
        output_weights: None,
        test_fraction: None,
        points: None,
        opts: DiagramOptions {
            starts,
            max_seconds: Some(opts.max_seconds),
            progress: opts.progress,
            ..Default::default()
        },
        out: None,
        figures: None,
        train_output: false,
    })?;
    let points = d.branches.iter().map(|b| b.points.len()).sum();
    let mut checks = BTreeMap::new();
    checks.insert(
        format!("diagram within {target} s"),
        d.status == "complete" && d.seconds <= target,
    );
    let census: Vec<_> = d
        .census
        .iter()
        .map(|c| {
            serde_json::json!({
                "lambda": c.lambda, "total": c.total, "counts_by_index": c.counts_by_index,
                "euler_sum": c.euler_sum, "complete_by_morse": c.complete_by_morse,
            })
        })
        .collect();
    let body = serde_json::json!({
        "starts": starts,
        "branches": d.branches.len(),
        "seeds": d.seeds.len(),
        "diagram_seconds": d.seconds,
        "census": census,
    });
    Ok(CaseOutcome {
        status: d.status.clone(),
        status_detail: None,
        solver: None,
        points,
        n_params,
        checks,
        body,
    })
}

/// `diagram_m10`.
pub fn run_m10(opts: &ScaleOptions) -> Result<CaseOutcome> {
    let spec = ModelSpec {
        width: 10,
        ..Default::default()
    };
    run_one(spec, M10_STARTS, M10_TARGET_S, opts)
}

/// `diagram_digits_m100`.
pub fn run_digits_m100(opts: &ScaleOptions) -> Result<CaseOutcome> {
    let spec = ModelSpec {
        width: 100,
        data: DataSource::Digits,
        ..Default::default()
    };
    run_one(spec, DIGITS_STARTS, DIGITS_TARGET_S, opts)
}

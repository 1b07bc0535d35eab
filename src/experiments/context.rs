//! Run-wide settings, progress reporting and the shared m = 10 analysis handed to each
//! experiment.

use super::common::{analyse, panic_message, Analysis};
use crate::error::{Error, Result};
use crate::models::two_layer::TwoLayer;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// Width of the shared analysis (the paper's HD setting of B.2, B.3 and B.6).
pub const SHARED_WIDTH: usize = 10;

/// Run-wide settings and progress reporting handed to each experiment.
pub struct Context {
    /// Quick mode.
    pub quick: bool,
    /// Grid steps of the paper method in B.1 and B.2 (400 = the paper's Δλ = 1/400).
    pub paper_steps: usize,
    /// Grid steps of the paper method in B.4 (14 toy traces).
    pub phase_paper_steps: usize,
    /// Grid steps of the paper method for Remark 7.17 (softplus: L-BFGS needs many more
    /// iterations per grid point than for tanh).
    pub softplus_paper_steps: usize,
    pub(super) multi: MultiProgress,
    pub(super) main: ProgressBar,
    /// The m = 10 analysis, computed once by the first experiment that asks (or its failure).
    shared_m10: OnceLock<std::result::Result<Analysis, String>>,
    /// §9's upward hysteresis sweep: its end θ at λ = 1 and the downward sweep's jump λ, or
    /// `None` when §9 failed (set by that experiment; read by the diagram experiment).
    pub hysteresis: OnceLock<Option<(ndarray::Array1<f64>, Option<f64>)>>,
}

impl Context {
    /// A context for a full or quick run.
    pub fn new(quick: bool, progress: bool) -> Self {
        let multi = if progress {
            MultiProgress::new()
        } else {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        };
        let main = multi.add(ProgressBar::new(0));
        main.set_style(
            ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                .expect("valid template"),
        );
        main.set_prefix("reproduce");
        Context {
            quick,
            paper_steps: if quick { 100 } else { 400 },
            phase_paper_steps: if quick { 50 } else { 200 },
            softplus_paper_steps: if quick { 25 } else { 100 },
            multi,
            main,
            shared_m10: OnceLock::new(),
            hysteresis: OnceLock::new(),
        }
    }

    /// Shows what is running.
    pub fn message(&self, msg: &str) {
        self.main.set_message(msg.to_string());
    }

    /// Grid size: `full` normally, `quick` in quick mode.
    pub fn grid(&self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// Grid steps of the paper method in B.5 at width m. Its cost per grid point is one
    /// L-BFGS solve plus a forward-difference Hessian (m·d + 1 gradients), so the 201-point
    /// grid is used where the events are (m ≤ 15) and coarser grids at large m, where λ1 stays
    /// far from 0 (recorded per width in the JSON).
    pub fn width_paper_steps(&self, m: usize) -> usize {
        match (self.quick, m) {
            (false, 0..=15) => 200,
            (false, 16..=30) => 50,
            (false, _) => 20,
            (true, 0..=10) => 50,
            (true, _) => 20,
        }
    }

    /// A sub-progress bar of `len` steps.
    pub fn bar(&self, len: u64, name: &str) -> ProgressBar {
        let b = self.multi.add(ProgressBar::new(len));
        b.set_style(
            ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {pos}/{len}")
                .expect("valid template"),
        );
        b.set_prefix(name.to_string());
        b
    }

    pub(super) fn step(&self) {
        self.main.inc(1);
    }

    /// The shared m = 10 analysis (`TwoLayer::paper(10)` traced both ways), computed on first
    /// use; its failure (error or panic) is reported to every experiment that needs it.
    pub fn shared_m10(&self) -> Result<&Analysis> {
        self.shared_m10
            .get_or_init(|| {
                let run = catch_unwind(AssertUnwindSafe(|| {
                    TwoLayer::paper(SHARED_WIDTH)
                        .and_then(|m| analyse(m, self, "B.2 m = 10", self.paper_steps))
                }));
                match run {
                    Ok(Ok(m)) => Ok(m),
                    Ok(Err(e)) => Err(format!("m = 10 analysis failed: {e}")),
                    Err(p) => Err(format!(
                        "m = 10 analysis panicked: {}",
                        panic_message(p.as_ref())
                    )),
                }
            })
            .as_ref()
            .map_err(|e| Error::NoConvergence {
                method: "shared m = 10 analysis".into(),
                reason: e.clone(),
            })
    }

    /// The shared analysis if it has been computed successfully (for Table 1 rows).
    pub fn shared_m10_if_ready(&self) -> Option<&Analysis> {
        self.shared_m10.get().and_then(|r| r.as_ref().ok())
    }
}

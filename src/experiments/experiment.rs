//! The [`Experiment`] interface every Appendix B experiment implements, and its isolated
//! execution: errors and panics are recorded (JSON file, status) instead of aborting the run.

use super::common::panic_message;
use super::summary::ExperimentStatus;
use super::table1::Row;
use super::Context;
use crate::app::output::write_json_atomic;
use crate::error::Result;
use crate::io::write_atomic;
use serde::Serialize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

pub use crate::report::Figure;

/// What identifies an experiment in the summary and on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Identifier ("B.1", ..., "R7.17").
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Result file (relative to the output directory).
    pub file: &'static str,
    /// Runs on its own thread alongside the others (the most expensive one, B.5).
    pub own_thread: bool,
}

/// An experiment's result and its rendered figures.
pub struct Outcome<R> {
    /// The result written to JSON.
    pub result: R,
    /// Figures, paths relative to the output directory.
    pub figures: Vec<Figure>,
}

/// Something with a one-paragraph finding.
pub trait Finding {
    /// The finding, generated from the numbers.
    fn finding(&self) -> String;
}

/// One experiment of the paper's Appendix B (or a remark): metadata, a run producing a typed
/// result (its JSON) with figures and a finding, and the Table 1 rows it contributes.
pub trait Experiment: Sync {
    /// The result written to the experiment's JSON file.
    type Result: Serialize + Finding;

    /// Identifier, title and file.
    fn meta(&self) -> Meta;

    /// Runs the experiment.
    fn run(&self, ctx: &Context) -> Result<Outcome<Self::Result>>;

    /// The Table 1 rows this experiment contributes (`None`: it failed; rows then say so).
    fn table_rows(&self, _ctx: &Context, _result: Option<&Self::Result>) -> Vec<Row> {
        Vec::new()
    }
}

/// What running one experiment leaves for the summary: its status and its Table 1 rows.
pub struct Recorded {
    /// Status (ok or the error), time, finding, figures.
    pub status: ExperimentStatus,
    /// Table 1 rows.
    pub rows: Vec<Row>,
}

/// The object-safe face of [`Experiment`] (its result type erased), so that `reproduce`
/// iterates over a list of `Box<dyn DynExperiment>`. Implemented for every [`Experiment`].
pub trait DynExperiment: Sync {
    /// Identifier, title and file.
    fn meta(&self) -> Meta;

    /// Runs isolated, writes the JSON and figures into `out` (or a failure record), and
    /// returns the status and Table 1 rows.
    fn execute(&self, ctx: &Context, out: &Path) -> Recorded;

    /// The Table 1 rows the experiment contributes when it failed (placeholders).
    fn table_rows_if_failed(&self, ctx: &Context) -> Vec<Row>;
}

impl<E: Experiment> DynExperiment for E {
    fn meta(&self) -> Meta {
        Experiment::meta(self)
    }

    fn execute(&self, ctx: &Context, out: &Path) -> Recorded {
        let meta = Experiment::meta(self);
        ctx.message(&format!("{} {}", meta.id, meta.title));
        let t = Instant::now();
        let res = match catch_unwind(AssertUnwindSafe(|| self.run(ctx))) {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(p) => Err(format!("panicked: {}", panic_message(p.as_ref()))),
        };
        let seconds = t.elapsed().as_secs_f64();
        let (status, result) = record(ctx, out, meta, res, seconds);
        let rows = self.table_rows(ctx, result.as_ref());
        Recorded { status, rows }
    }

    fn table_rows_if_failed(&self, ctx: &Context) -> Vec<Row> {
        self.table_rows(ctx, None)
    }
}

#[derive(Serialize)]
struct Failed<'a> {
    id: &'a str,
    status: &'a str,
    error: &'a str,
}

/// Writes a computed experiment's JSON and figures (or a failure record) and its status.
fn record<R: Serialize + Finding>(
    ctx: &Context,
    out: &Path,
    meta: Meta,
    res: std::result::Result<Outcome<R>, String>,
    seconds: f64,
) -> (ExperimentStatus, Option<R>) {
    let written = res.and_then(|o| {
        write_json_atomic(&out.join(meta.file), &o.result).map_err(|e| e.to_string())?;
        let mut figs = Vec::new();
        for (rel, svg) in &o.figures {
            write_atomic(&out.join(rel), svg.as_bytes()).map_err(|e| e.to_string())?;
            figs.push(rel.clone());
        }
        Ok((o.result, figs))
    });
    ctx.step();
    let mut status = ExperimentStatus {
        id: meta.id.into(),
        title: meta.title.into(),
        file: meta.file.into(),
        ok: false,
        error: None,
        seconds,
        finding: None,
        figures: vec![],
    };
    match written {
        Ok((r, figs)) => {
            status.ok = true;
            status.finding = Some(r.finding());
            status.figures = figs;
            (status, Some(r))
        }
        Err(e) => {
            // Replace any stale result so a failure can never pass for a result.
            let _ = write_json_atomic(
                &out.join(meta.file),
                &Failed {
                    id: meta.id,
                    status: "failed",
                    error: &e,
                },
            );
            ctx.multi
                .println(format!("{} {} FAILED: {e}", meta.id, meta.title))
                .ok();
            status.error = Some(e);
            (status, None)
        }
    }
}

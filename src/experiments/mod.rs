//! The paper's Appendix B experiments, each run by the paper's method and exactly, and the
//! [`reproduce`] driver that writes one JSON file per experiment, the figures, Table 1 and the
//! summary (JSON + markdown) into an output directory.
//!
//! Each experiment implements [`Experiment`] (metadata, run → typed result with figures and a
//! finding, its Table 1 rows); [`all`] lists them in the paper's order. Every experiment runs
//! isolated: a failure (an error, or a panic from an engine function) is recorded in its JSON
//! file and in the summary instead of aborting the others, and [`Summary::all_ok`] tells the
//! caller whether everything ran.

pub mod common;
mod context;
pub mod exp10_symmetric_curves;
pub mod exp11_diagrams;
pub mod exp1_symmetric_toy;
pub mod exp2_interior_event;
pub mod exp2_scipy_stopping;
pub mod exp3_transversality;
pub mod exp4_phase_diagram;
pub mod exp5_width_scaling;
pub mod exp6_constants;
pub mod exp6_fd_vs_h;
pub mod exp6_fig5;
mod exp6_paper;
pub mod exp7_softplus_transcritical;
pub mod exp8_dynamics;
pub mod exp9_phase_boundary;
mod experiment;
mod summary;
pub mod table1;

pub use context::{Context, SHARED_WIDTH};
pub use experiment::{DynExperiment, Experiment, Figure, Finding, Meta, Outcome, Recorded};
pub use summary::{ExperimentStatus, Summary};

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Start marker of the generated section of README.md.
pub const README_BEGIN: &str = "<!-- results:begin -->";
/// End marker of the generated section of README.md.
pub const README_END: &str = "<!-- results:end -->";

/// Options of [`reproduce`].
///
/// ```
/// let o = actbif::experiments::ReproduceOptions::default();
/// assert!(!o.quick);
/// assert_eq!(o.out, std::path::PathBuf::from("results"));
/// assert!(o.readme.is_none());
/// ```
#[derive(Clone, Debug)]
pub struct ReproduceOptions {
    /// Fewer widths and coarser grids (for CI).
    pub quick: bool,
    /// Output directory.
    pub out: PathBuf,
    /// Show progress bars on stderr.
    pub progress: bool,
    /// README whose marked section is replaced by the generated summary.
    pub readme: Option<PathBuf>,
}

impl Default for ReproduceOptions {
    fn default() -> Self {
        ReproduceOptions {
            quick: false,
            out: PathBuf::from("results"),
            progress: true,
            readme: None,
        }
    }
}

macro_rules! impl_finding {
    ($($t:ty),*) => {$(
        impl Finding for $t {
            fn finding(&self) -> String {
                self.finding.clone()
            }
        }
    )*};
}
impl_finding!(
    exp1_symmetric_toy::Exp1Result,
    exp2_interior_event::Exp2Result,
    exp3_transversality::Exp3Result,
    exp4_phase_diagram::Exp4Result,
    exp5_width_scaling::Exp5Result,
    exp6_constants::Exp6Result,
    exp7_softplus_transcritical::Exp7Result
);

/// Every experiment, in the paper's order (the order of the summary).
pub fn all() -> Vec<Box<dyn DynExperiment>> {
    vec![
        Box::new(exp1_symmetric_toy::SymmetricToy),
        Box::new(exp2_interior_event::InteriorEvent),
        Box::new(exp3_transversality::Transversality),
        Box::new(exp4_phase_diagram::PhaseDiagram),
        Box::new(exp5_width_scaling::WidthScaling),
        Box::new(exp6_constants::Constants),
        Box::new(exp7_softplus_transcritical::SoftplusTranscritical),
        Box::new(exp8_dynamics::Dynamics),
        Box::new(exp9_phase_boundary::PhaseBoundary),
        Box::new(exp10_symmetric_curves::SymmetricCurves),
        Box::new(exp11_diagrams::Diagrams),
    ]
}

/// Runs `experiments` into `out`: those marked [`Meta::own_thread`] each on a thread of their
/// own, the rest one after the other; returns their records in the order of `experiments`.
pub fn run_all(ctx: &Context, out: &Path, experiments: &[Box<dyn DynExperiment>]) -> Vec<Recorded> {
    ctx.main.set_length(experiments.len() as u64);
    let recorded = std::thread::scope(|scope| {
        let threads: Vec<_> = experiments
            .iter()
            .enumerate()
            .filter(|(_, e)| e.meta().own_thread)
            .map(|(i, e)| (i, scope.spawn(move || e.execute(ctx, out))))
            .collect();
        let mut recorded: Vec<(usize, Recorded)> = experiments
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.meta().own_thread)
            .map(|(i, e)| (i, e.execute(ctx, out)))
            .collect();
        for (i, t) in threads {
            let meta = experiments[i].meta();
            ctx.message(&format!("{} {} (waiting)", meta.id, meta.title));
            // `execute` catches panics of the experiment itself; this only guards the recording.
            let r = t.join().unwrap_or_else(|p| Recorded {
                status: ExperimentStatus::failed(
                    meta,
                    format!("panicked: {}", common::panic_message(p.as_ref())),
                ),
                rows: Vec::new(),
            });
            recorded.push((i, r));
        }
        recorded.sort_by_key(|(i, _)| *i);
        recorded.into_iter().map(|(_, r)| r).collect()
    });
    ctx.main.finish_and_clear();
    recorded
}

/// Runs every experiment, writes results, figures, Table 1 and the summary into `opts.out`,
/// prints Table 1 to stdout and, if `opts.readme` is set, regenerates its marked section.
///
/// Returns the summary even when experiments failed (see [`Summary::all_ok`]); errors only for
/// output that cannot be written.
pub fn reproduce(opts: &ReproduceOptions) -> Result<Summary> {
    let t0 = Instant::now();
    std::fs::create_dir_all(opts.out.join("figures")).map_err(|source| Error::Io {
        path: opts.out.join("figures"),
        source,
    })?;
    let ctx = Context::new(opts.quick, opts.progress);
    let experiments = all();
    let recorded = run_all(&ctx, &opts.out, &experiments);
    let table = table1::Table1::build(
        recorded
            .iter()
            .map(|r| (r.status.id.as_str(), r.rows.as_slice())),
    );
    let summary = Summary {
        quick: opts.quick,
        total_seconds: t0.elapsed().as_secs_f64(),
        experiments: recorded.into_iter().map(|r| r.status).collect(),
        table1: table,
    };
    crate::app::output::write_json_atomic(&opts.out.join("summary.json"), &summary)?;
    let md = summary.to_markdown();
    crate::app::output::write_atomic(&opts.out.join("summary.md"), md.as_bytes())?;
    println!("{}", summary.table1.to_markdown());
    if let Some(readme) = &opts.readme {
        splice_readme(readme, &md)?;
    }
    Ok(summary)
}

/// Replaces the text between [`README_BEGIN`] and [`README_END`] in `readme` by `fragment`.
pub fn splice_readme(readme: &Path, fragment: &str) -> Result<()> {
    let text = std::fs::read_to_string(readme).map_err(|source| Error::Io {
        path: readme.to_path_buf(),
        source,
    })?;
    let new = splice(&text, fragment).ok_or_else(|| Error::Parse {
        path: readme.to_path_buf(),
        reason: format!("missing the markers {README_BEGIN} … {README_END}"),
    })?;
    crate::app::output::write_atomic(readme, new.as_bytes())
}

fn splice(text: &str, fragment: &str) -> Option<String> {
    let b = text.find(README_BEGIN)? + README_BEGIN.len();
    let e = b + text[b..].find(README_END)?;
    Some(format!(
        "{}\n{}\n{}",
        &text[..b],
        fragment.trim_end(),
        &text[e..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_marked_section() {
        let t = format!("# T\nintro\n{README_BEGIN}\nold\n{README_END}\ntail\n");
        let s = splice(&t, "new\n").unwrap();
        assert_eq!(
            s,
            format!("# T\nintro\n{README_BEGIN}\nnew\n{README_END}\ntail\n")
        );
        // Idempotent.
        assert_eq!(splice(&s, "new").unwrap(), s);
        assert!(splice("no markers", "x").is_none());
    }

    /// An experiment that fails in a chosen way (panic or error).
    struct Broken {
        panics: bool,
    }

    impl Experiment for Broken {
        type Result = exp6_constants::Exp6Result;
        fn meta(&self) -> Meta {
            Meta {
                id: if self.panics { "X" } else { "Y" },
                title: "broken",
                file: if self.panics { "x.json" } else { "y.json" },
                own_thread: self.panics,
            }
        }
        fn run(&self, _ctx: &Context) -> Result<Outcome<Self::Result>> {
            if self.panics {
                panic!("engine missing")
            }
            Err(Error::param("alpha", "bad"))
        }
        fn table_rows(&self, _ctx: &Context, r: Option<&Self::Result>) -> Vec<table1::Row> {
            vec![table1::Row::new(
                "s",
                "q",
                "p",
                "m".into(),
                r.map_or("none", |_| "some").into(),
            )]
        }
    }

    #[test]
    fn failures_are_isolated_and_recorded() {
        let dir = std::env::temp_dir().join(format!("actbif-iso-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ctx = Context::new(true, false);
        let list: Vec<Box<dyn DynExperiment>> = vec![
            Box::new(Broken { panics: true }),
            Box::new(Broken { panics: false }),
        ];
        let rec = run_all(&ctx, &dir, &list);
        assert_eq!(rec.len(), 2);
        assert!(rec.iter().all(|r| !r.status.ok));
        // Order of the list, although X ran on its own thread.
        assert_eq!(rec[0].status.id, "X");
        assert!(rec[0]
            .status
            .error
            .as_ref()
            .unwrap()
            .contains("engine missing"));
        assert!(rec[1].status.error.as_ref().unwrap().contains("bad"));
        // A failed experiment still contributes its (placeholder) rows.
        assert_eq!(rec[1].rows[0].exact, "none");
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("x.json")).unwrap()).unwrap();
        assert_eq!(written["status"], "failed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

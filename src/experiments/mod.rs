//! The paper's Appendix B experiments, each run by the paper's method and exactly, and the
//! [`reproduce`] driver that writes one JSON file per experiment, the figures, Table 1 and the
//! summary (JSON + markdown) into an output directory.
//!
//! Every experiment runs isolated: a failure (an error, or a panic from an engine function)
//! is recorded in its JSON file and in the summary instead of aborting the others, and
//! [`Summary::all_ok`] tells the caller whether everything ran.

pub mod check;
pub mod commands;
pub mod common;
pub mod exp1_symmetric_toy;
pub mod exp2_interior_event;
pub mod exp3_transversality;
pub mod exp4_phase_diagram;
pub mod exp5_width_scaling;
pub mod exp6_constants;
pub mod exp7_softplus_transcritical;
pub mod exp8_dynamics;
pub mod memory;
pub mod mlp;
pub mod output;
pub mod sweep;
pub mod table1;

use crate::error::{Error, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::panic::{catch_unwind, AssertUnwindSafe};
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
    multi: MultiProgress,
    main: ProgressBar,
}

impl Context {
    /// A context for a full or quick run.
    pub fn new(quick: bool, progress: bool) -> Self {
        let multi = if progress {
            MultiProgress::new()
        } else {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        };
        let main = multi.add(ProgressBar::new(7));
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

    fn step(&self) {
        self.main.inc(1);
    }
}

/// An experiment's result and its rendered figures (relative path, SVG text).
pub struct Outcome<R> {
    /// The result written to JSON.
    pub result: R,
    /// Figures, paths relative to the output directory.
    pub figures: Vec<(String, String)>,
}

/// Status of one experiment in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct ExperimentStatus {
    /// Identifier ("B.1", ...).
    pub id: String,
    /// Title.
    pub title: String,
    /// Result file (relative to the output directory).
    pub file: String,
    /// Whether it ran to completion.
    pub ok: bool,
    /// The error or panic message if not.
    pub error: Option<String>,
    /// Wall time (s).
    pub seconds: f64,
    /// The experiment's finding (generated from its numbers).
    pub finding: Option<String>,
    /// Figures written.
    pub figures: Vec<String>,
}

/// The run summary (results/summary.json).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Quick mode.
    pub quick: bool,
    /// Total wall time (s).
    pub total_seconds: f64,
    /// Per experiment.
    pub experiments: Vec<ExperimentStatus>,
    /// Table 1 side by side.
    pub table1: table1::Table1,
}

impl Summary {
    /// True when every experiment ran to completion.
    pub fn all_ok(&self) -> bool {
        self.experiments.iter().all(|e| e.ok)
    }

    /// The markdown summary (results/summary.md, also spliced into README.md).
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("### What the exact computation shows\n\n");
        s.push_str(&format!(
            "_Generated by `actbif reproduce{}` in {:.0} s; every number below comes from that \
             run except the column \"paper (printed)\", transcribed from the paper._\n\n",
            if self.quick { " --quick" } else { "" },
            self.total_seconds
        ));
        for e in &self.experiments {
            match (&e.finding, &e.error) {
                (Some(f), _) => s.push_str(&format!("- **{} {}** — {}\n", e.id, e.title, f)),
                (None, Some(err)) => {
                    s.push_str(&format!("- **{} {}** — FAILED: {}\n", e.id, e.title, err))
                }
                _ => {}
            }
        }
        s.push_str("\n#### Table 1, side by side\n\n");
        s.push_str(&self.table1.to_markdown());
        s.push_str("\n| experiment | file | status | time (s) |\n| --- | --- | --- | --- |\n");
        for e in &self.experiments {
            s.push_str(&format!(
                "| {} {} | `{}` | {} | {:.1} |\n",
                e.id,
                e.title,
                e.file,
                if e.ok { "ok" } else { "FAILED" },
                e.seconds
            ));
        }
        s
    }
}

/// Something with a one-paragraph finding.
pub trait Finding {
    /// The finding, generated from the numbers.
    fn finding(&self) -> String;
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

#[derive(Serialize)]
struct Failed<'a> {
    id: &'a str,
    status: &'a str,
    error: &'a str,
}

/// A computed experiment: its outcome or error message, and its wall time.
type Computed<R> = (std::result::Result<Outcome<R>, String>, f64);

/// Runs `f` isolated: errors and panics become a message.
fn compute<R, F: FnOnce() -> Result<Outcome<R>>>(f: F) -> Computed<R> {
    let t = Instant::now();
    let res = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(p) => Err(format!("panicked: {}", common::panic_message(p.as_ref()))),
    };
    (res, t.elapsed().as_secs_f64())
}

/// Writes a computed experiment's JSON and figures (or a failure record) and its status.
fn record<R: Serialize + Finding>(
    ctx: &Context,
    out: &Path,
    statuses: &mut Vec<ExperimentStatus>,
    (id, title, file): (&str, &str, &str),
    (res, seconds): Computed<R>,
) -> Option<R> {
    let written = res.and_then(|o| {
        output::write_json_atomic(&out.join(file), &o.result).map_err(|e| e.to_string())?;
        let mut figs = Vec::new();
        for (rel, svg) in &o.figures {
            output::write_atomic(&out.join(rel), svg.as_bytes()).map_err(|e| e.to_string())?;
            figs.push(rel.clone());
        }
        Ok((o.result, figs))
    });
    ctx.step();
    match written {
        Ok((r, figs)) => {
            statuses.push(ExperimentStatus {
                id: id.into(),
                title: title.into(),
                file: file.into(),
                ok: true,
                error: None,
                seconds,
                finding: Some(r.finding()),
                figures: figs,
            });
            Some(r)
        }
        Err(e) => {
            // Replace any stale result so a failure can never pass for a result.
            let _ = output::write_json_atomic(
                &out.join(file),
                &Failed {
                    id,
                    status: "failed",
                    error: &e,
                },
            );
            ctx.multi.println(format!("{id} {title} FAILED: {e}")).ok();
            statuses.push(ExperimentStatus {
                id: id.into(),
                title: title.into(),
                file: file.into(),
                ok: false,
                error: Some(e),
                seconds,
                finding: None,
                figures: vec![],
            });
            None
        }
    }
}

/// [`compute`] then [`record`].
fn run_isolated<R: Serialize + Finding, F: FnOnce() -> Result<Outcome<R>>>(
    ctx: &Context,
    out: &Path,
    statuses: &mut Vec<ExperimentStatus>,
    ids: (&str, &str, &str),
    f: F,
) -> Option<R> {
    ctx.message(&format!("{} {}", ids.0, ids.1));
    record(ctx, out, statuses, ids, compute(f))
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
    let out = opts.out.as_path();
    let mut st = Vec::new();
    const B5: (&str, &str, &str) = ("B.5", "width scaling", "exp5_width_scaling.json");
    // B.5 (the most expensive) runs on its own thread alongside the others.
    let table = std::thread::scope(|scope| {
        let b5 = scope.spawn(|| compute(|| exp5_width_scaling::run(&ctx)));

        let e1 = run_isolated(
            &ctx,
            out,
            &mut st,
            (
                "B.1",
                "symmetric toy (S2 obstruction)",
                "exp1_symmetric_toy.json",
            ),
            || exp1_symmetric_toy::run(&ctx),
        );

        // The shared m = 10 analysis (B.2, B.3, B.6).
        let t = Instant::now();
        let m10 = catch_unwind(AssertUnwindSafe(|| {
            crate::models::two_layer::TwoLayer::paper(10)
                .and_then(|m| exp2_interior_event::analyse(m, &ctx, "B.2 m = 10", ctx.paper_steps))
        }));
        let m10 = match m10 {
            Ok(Ok(m)) => Ok(m),
            Ok(Err(e)) => Err(format!("m = 10 analysis failed: {e}")),
            Err(p) => Err(format!(
                "m = 10 analysis panicked: {}",
                common::panic_message(p.as_ref())
            )),
        };
        let m10_secs = t.elapsed().as_secs_f64();
        let dep = |r: &std::result::Result<_, String>| -> Result<()> {
            r.as_ref()
                .map(|_| ())
                .map_err(|e: &String| Error::NoConvergence {
                    method: "shared m = 10 analysis".into(),
                    reason: e.clone(),
                })
        };
        let e2 = run_isolated(
            &ctx,
            out,
            &mut st,
            (
                "B.2",
                "interior event (d=5, m=10)",
                "exp2_interior_event.json",
            ),
            || {
                dep(&m10)?;
                exp2_interior_event::run(&ctx, m10.as_ref().expect("checked"))
            },
        );
        if let Some(s) = st.last_mut() {
            s.seconds += m10_secs;
        }
        let e3 = run_isolated(
            &ctx,
            out,
            &mut st,
            (
                "B.3",
                "transversality and reduced potential",
                "exp3_transversality.json",
            ),
            || {
                dep(&m10)?;
                exp3_transversality::run(&ctx, m10.as_ref().expect("checked"))
            },
        );
        let e4 = run_isolated(
            &ctx,
            out,
            &mut st,
            (
                "B.4",
                "symmetry-breaking phase diagram",
                "exp4_phase_diagram.json",
            ),
            || exp4_phase_diagram::run(&ctx),
        );
        let e6 = run_isolated(
            &ctx,
            out,
            &mut st,
            ("B.6", "explicit constants", "exp6_constants.json"),
            || {
                dep(&m10)?;
                exp6_constants::run(&ctx, m10.as_ref().expect("checked"))
            },
        );
        let _e7 = run_isolated(
            &ctx,
            out,
            &mut st,
            (
                "R7.17",
                "softplus (transcritical expectation)",
                "exp7_softplus_transcritical.json",
            ),
            || exp7_softplus_transcritical::run(&ctx),
        );
        ctx.message("B.5 width scaling (waiting)");
        let b5 = b5.join().unwrap_or_else(|p| {
            (
                Err(format!("panicked: {}", common::panic_message(p.as_ref()))),
                0.0,
            )
        });
        let e5 = record(&ctx, out, &mut st, B5, b5);
        // Summary order = paper order.
        st.sort_by_key(|s| {
            ["B.1", "B.2", "B.3", "B.4", "B.5", "B.6", "R7.17"]
                .iter()
                .position(|x| *x == s.id)
        });
        ctx.main.finish_and_clear();

        let table = table1::Table1::build(&table1::Inputs {
            exp1: e1.as_ref(),
            exp2: e2.as_ref(),
            exp3: e3.as_ref(),
            exp5: e5.as_ref(),
            exp6: e6.as_ref(),
        });
        drop(e4);
        table
    });
    let summary = Summary {
        quick: opts.quick,
        total_seconds: t0.elapsed().as_secs_f64(),
        experiments: st,
        table1: table,
    };
    output::write_json_atomic(&out.join("summary.json"), &summary)?;
    let md = summary.to_markdown();
    output::write_atomic(&out.join("summary.md"), md.as_bytes())?;
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
    output::write_atomic(readme, new.as_bytes())
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

    #[test]
    fn failures_are_isolated_and_recorded() {
        let dir = std::env::temp_dir().join(format!("actbif-iso-{}", std::process::id()));
        let ctx = Context::new(true, false);
        let mut st = Vec::new();
        let r: Option<exp6_constants::Exp6Result> =
            run_isolated(&ctx, &dir, &mut st, ("X", "panics", "x.json"), || {
                panic!("engine missing")
            });
        assert!(r.is_none());
        let r2: Option<exp6_constants::Exp6Result> =
            run_isolated(&ctx, &dir, &mut st, ("Y", "errors", "y.json"), || {
                Err(Error::param("alpha", "bad"))
            });
        assert!(r2.is_none());
        assert_eq!(st.len(), 2);
        assert!(st.iter().all(|s| !s.ok));
        assert!(st[0].error.as_ref().unwrap().contains("engine missing"));
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("x.json")).unwrap()).unwrap();
        assert_eq!(written["status"], "failed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

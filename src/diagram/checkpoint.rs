//! What a diagram checkpoint stores besides the diagram (what the run is, the phase reached,
//! the seeds not yet followed), reading it back, and checking it against a command.
//!
//! Phases: 0 the λ_min starts, 1 the user's points, 2 training, 3 + k deflation at
//! `deflation_at[k]`. A phase's seeds join `pending` when it ends (so they are checkpointed);
//! the switched seeds of a branch join `queue`, followed before the next pending seed.

use super::deflation::DeflationReport;
use super::{Diagram, Origin};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// What a run is: names of the model's and the options' settings → their values as text
/// (budgets and output paths excluded: they may change on resume).
pub type Fingerprint = BTreeMap<String, String>;

/// `switch_status` of a branch point whose switch the budget left undone (redone on resume).
pub const NOT_SWITCHED: &str = "not switched: budget";

/// Outcome prefix of a seed the stopped run did not follow (followed on resume).
pub const NOT_TRACED: &str = "not traced: ";

/// The `resume` key of a diagram checkpoint: everything a resumed run needs besides the
/// diagram itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResumeState {
    /// The run's [`Fingerprint`]; a resume with another one is refused.
    pub fingerprint: Fingerprint,
    /// The next phase to run (see the [module](self) doc); 3 + `deflation_at.len()`: all
    /// phases ran.
    pub next_phase: usize,
    /// Switched seeds not yet followed, in order.
    pub queue: Vec<SeedState>,
    /// Seeds of finished phases not yet followed, in order.
    pub pending: Vec<SeedState>,
    /// Seed of the last branch, whose trace the budget cut: that branch is retraced.
    pub cut: Option<SeedState>,
    /// Training starts finished when the budget stopped the training phase.
    pub trained: Vec<TrainedStart>,
    /// The deflation search the budget stopped, to continue.
    #[serde(default)]
    pub deflation: Option<DeflationPartial>,
    /// θ of every point of every branch (not in `points`), one flat row-major list per
    /// branch: the resumed run needs them to recognise, switch and count (empty when the
    /// diagram is complete).
    pub thetas: Vec<Vec<f64>>,
}

/// A seed in a checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SeedState {
    /// θ.
    pub theta: Vec<f64>,
    /// λ.
    pub lambda: f64,
    /// Where it came from.
    pub origin: Origin,
    /// How many starts found it.
    pub count: usize,
    /// Switched seeds: the seed's amplitude along the kernel.
    pub amplitude: Option<f64>,
    /// Switched seeds: the parent event's coefficients (for `switch_check`).
    pub parent_coeffs: Option<serde_json::Value>,
}

/// A deflation search stopped by the budget: its known points and starts (as they were),
/// how far it got and what it found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeflationPartial {
    /// Its index in `deflation_at`.
    pub index: usize,
    /// The points deflated from the start.
    pub known: Vec<Vec<f64>>,
    /// Its starts.
    pub starts: Vec<Vec<f64>>,
    /// Starts tried.
    pub tried: usize,
    /// New critical points found so far.
    pub found: Vec<Vec<f64>>,
    /// The report so far (its counts).
    pub report: DeflationReport,
}

/// A finished training start: the critical point, or why Newton failed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainedStart {
    /// Index of the start (its random stream).
    pub start: usize,
    /// The critical point Newton reached.
    pub theta: Option<Vec<f64>>,
    /// Why Newton failed.
    pub error: Option<String>,
}

/// How a run starts: its clock, what it is, and the checkpoint it continues.
pub struct ResumeFrom {
    /// When the command started (the budget counts from here, including work done before
    /// the diagram's phases, e.g. a selection on the λ = 0 manifold).
    pub started: Instant,
    /// Written into every checkpoint when given (needed to resume it).
    pub fingerprint: Option<Fingerprint>,
    /// The checkpoint to continue (its `resume` state already checked).
    pub previous: Option<Diagram>,
}

impl Default for ResumeFrom {
    fn default() -> Self {
        ResumeFrom {
            started: Instant::now(),
            fingerprint: None,
            previous: None,
        }
    }
}

impl ResumeFrom {
    /// Seconds of the resumed runs plus this one so far.
    pub fn seconds(&self) -> f64 {
        self.previous.as_ref().map_or(0.0, |d| d.seconds) + self.started.elapsed().as_secs_f64()
    }
}

/// Reads a diagram's JSON; `what` names it in the error (exit code 2) when it does not parse.
pub fn read_diagram(path: &Path, what: &str) -> Result<Diagram> {
    let bytes = crate::io::read_bytes(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        reason: format!("not a {what}: {e}"),
    })
}

/// Reads a diagram checkpoint (exit code 2 when missing, malformed, or without `resume`).
pub fn read_checkpoint(path: &Path) -> Result<Diagram> {
    let malformed = |reason: String| Error::Parse {
        path: path.to_path_buf(),
        reason,
    };
    let d = read_diagram(path, "diagram checkpoint")?;
    if d.resume.is_none() {
        return Err(malformed(
            "no `resume` state: not a checkpoint written by `actbif diagram --out`".into(),
        ));
    }
    Ok(d)
}

/// Options that may change on resume: budgets and progress output.
const NOT_FINGERPRINTED: [&str; 3] = ["max_seconds", "max_branches", "progress"];

/// Adds every option of `opts` but budgets and progress output to `f` (by its JSON name).
pub fn put_options(f: &mut Fingerprint, opts: &super::DiagramOptions) {
    if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(opts) {
        for (k, v) in m {
            if !NOT_FINGERPRINTED.contains(&k.as_str()) {
                f.insert(k, v.to_string());
            }
        }
    }
}

/// [`read_checkpoint`], checked to be of the run `now` ([`check_fingerprint`]).
pub fn read_checkpoint_of(path: &Path, now: &Fingerprint) -> Result<Diagram> {
    let d = read_checkpoint(path)?;
    if let Some(state) = &d.resume {
        check_fingerprint(&state.fingerprint, now, path)?;
    }
    Ok(d)
}

/// Errors (naming every setting that differs) unless `now` is the checkpoint's fingerprint.
pub fn check_fingerprint(saved: &Fingerprint, now: &Fingerprint, path: &Path) -> Result<()> {
    let none = String::from("(unset)");
    let keys: std::collections::BTreeSet<&String> = saved.keys().chain(now.keys()).collect();
    let diff: Vec<String> = keys
        .into_iter()
        .filter(|k| saved.get(*k) != now.get(*k))
        .map(|k| {
            let (a, b) = (saved.get(k).unwrap_or(&none), now.get(k).unwrap_or(&none));
            format!("{k}: checkpoint {a}, this command {b}")
        })
        .collect();
    if diff.is_empty() {
        return Ok(());
    }
    Err(Error::param(
        "resume",
        format!(
            "{} was written by a different run ({}); rerun with its settings (only \
             --max-seconds, --max-branches and --out may change)",
            path.display(),
            diff.join("; ")
        ),
    ))
}

//! `--resume`: the saved parts of a previous `trace` output and the splice of a resumed trace
//! onto them.

use crate::continuation::{Event, Point, RejectedEvent, ResumeState, Trace};
use crate::error::{Error, Result};

/// The parts of a previous `trace` output that `--resume` continues.
#[derive(serde::Deserialize)]
pub(super) struct Saved {
    points: Vec<Point>,
    events: Vec<Event>,
    #[serde(default)]
    rejected_events: Vec<RejectedEvent>,
    pub(super) resume: Option<ResumeState>,
}

pub(super) fn read_saved(path: &std::path::Path) -> Result<Saved> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        reason: format!("not an `actbif trace` output: {e}"),
    })
}

/// Appends a resumed trace to the saved one (the resumed trace starts at the saved last point).
pub(super) fn splice(saved: Saved, mut t: Trace) -> Trace {
    let mut points = saved.points;
    points.extend(t.branch.points.drain(..).skip(1));
    let mut events = saved.events;
    events.append(&mut t.branch.events);
    let mut rejected = saved.rejected_events;
    rejected.append(&mut t.rejected_events);
    t.branch.max_grad_norm = points.iter().map(|p| p.grad_norm).fold(0.0, f64::max);
    t.branch.points = points;
    t.branch.events = events;
    t.rejected_events = rejected;
    t
}

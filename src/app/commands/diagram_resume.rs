//! `actbif diagram --resume FILE.json`: the command's fingerprint, the checkpoint read and
//! checked against it, and the run continued from it (see [`crate::diagram::checkpoint`]).

use super::diagram::DiagramCommand;
use crate::diagram::checkpoint::{put_options, read_checkpoint_of, Fingerprint, ResumeFrom};
use crate::diagram::Diagram;
use crate::error::Result;
use std::path::Path;
use std::time::Instant;

/// What the command computes: its model, data and options (not its budgets or outputs).
pub fn fingerprint(cmd: &DiagramCommand) -> Fingerprint {
    let s = &cmd.spec;
    let mut f = Fingerprint::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("model", format!("{:?}", s.model));
    put("width", s.width.to_string());
    put("alpha", format!("{:?}", s.alpha));
    put("activation", format!("{:?}", s.activation));
    put("data", format!("{:?}", s.data));
    put("layers", format!("{:?}", s.layers));
    put("trained", format!("{:?}", s.trained));
    put("output_weights", format!("{:?}", cmd.output_weights));
    put("test_fraction", format!("{:?}", cmd.test_fraction));
    put("points", format!("{:?}", cmd.points));
    put("train_output", cmd.train_output.to_string());
    put_options(&mut f, &cmd.opts);
    f
}

/// How `cmd` starts: now, fingerprinted, continuing the checkpoint at `resume` when given
/// (errors, exit code 2, when it is missing, malformed or of another run).
pub fn resume_from(cmd: &DiagramCommand, resume: Option<&Path>) -> Result<ResumeFrom> {
    let started = Instant::now();
    let now = fingerprint(cmd);
    let previous = resume.map(|p| read_checkpoint_of(p, &now)).transpose()?;
    Ok(ResumeFrom {
        started,
        fingerprint: Some(now),
        previous,
    })
}

/// `actbif diagram` continuing the checkpoint `resume` (when given): the JSON goes to
/// `cmd.out`, else back into `resume`. A `complete` checkpoint is returned as it is (not
/// rewritten, nothing recomputed).
pub fn run_diagram_resuming(cmd: &DiagramCommand, resume: Option<&Path>) -> Result<Diagram> {
    cmd.spec.validate()?;
    let from = resume_from(cmd, resume)?;
    if let Some(prev) = &from.previous {
        if prev.status == "complete" {
            return Ok(prev.clone());
        }
    }
    let mut cmd = cmd.clone();
    if cmd.out.is_none() {
        cmd.out = resume.map(Path::to_path_buf);
    }
    super::diagram::run_diagram_with(&cmd, from)
}

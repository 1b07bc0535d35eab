//! Resuming a diagram run from its [checkpoint](super::checkpoint): a run restored from it,
//! checkpoints written, and what a run that stopped early left recorded.

use super::checkpoint::{ResumeState, SeedState, NOT_SWITCHED, NOT_TRACED};
use super::run::{Run, Seed};
use super::switching::PENDING_MULTI;
use super::{Diagram, OriginKind};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::normal_form::Coefficients;
use ndarray::Array1;

fn flat_thetas(b: &super::DiagramBranch) -> Vec<f64> {
    b.points
        .iter()
        .flat_map(|p| p.theta.iter().copied())
        .collect()
}

/// Puts the checkpoint's θ back into the branches' points.
fn set_thetas(d: &mut Diagram, thetas: &[Vec<f64>]) -> Result<()> {
    let bad = |why: String| Error::param("resume", format!("inconsistent checkpoint: {why}"));
    if thetas.len() != d.branches.len() {
        return Err(bad(format!(
            "{} branches but θ for {}",
            d.branches.len(),
            thetas.len()
        )));
    }
    for (b, t) in d.branches.iter_mut().zip(thetas) {
        let k = b.points.len();
        if k == 0 || t.len() % k != 0 {
            return Err(bad(format!(
                "branch {}: {} θ values for {k} points",
                b.id,
                t.len()
            )));
        }
        let n = t.len() / k;
        for (p, row) in b.points.iter_mut().zip(t.chunks(n)) {
            p.theta = Array1::from(row.to_vec());
        }
    }
    Ok(())
}

fn seed_state(s: &Seed) -> SeedState {
    SeedState {
        theta: s.theta.to_vec(),
        lambda: s.lambda,
        origin: s.origin.clone(),
        count: s.count,
        amplitude: s.parent_coeffs.as_ref().map(|(_, a)| *a),
        parent_coeffs: s
            .parent_coeffs
            .as_ref()
            .and_then(|(c, _)| serde_json::to_value(c).ok()),
    }
}

fn seed_of(s: SeedState) -> Seed {
    // Coefficients with a NaN are written as null and do not read back: no switch_check then.
    let coeffs = s
        .parent_coeffs
        .and_then(|v| serde_json::from_value::<Coefficients>(v).ok());
    Seed {
        theta: Array1::from(s.theta),
        lambda: s.lambda,
        origin: s.origin,
        parent_coeffs: coeffs.zip(s.amplitude),
        count: s.count,
    }
}

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    /// Writes the checkpoint: the diagram so far, with the resume state when fingerprinted.
    pub(super) fn save(&mut self) -> Result<()> {
        self.diagram.seconds = self.seconds_before + self.started.elapsed().as_secs_f64();
        if let Some(f) = &self.fingerprint {
            self.diagram.resume = Some(ResumeState {
                fingerprint: f.clone(),
                next_phase: self.next_phase,
                queue: self.queue.iter().map(seed_state).collect(),
                pending: self.pending.iter().map(seed_state).collect(),
                cut: self.cut.as_ref().map(seed_state),
                trained: self.trained.clone(),
                deflation: self.deflation_part.clone(),
                // A complete diagram is never continued: its θ would only weigh the file.
                thetas: match self.diagram.status.as_str() {
                    "complete" => Vec::new(),
                    _ => self.diagram.branches.iter().map(flat_thetas).collect(),
                },
            });
        }
        (self.checkpoint)(&self.diagram)
    }

    /// Continues `prev`: its branches kept, what the stop recorded undone (seeds marked not
    /// traced, switches not done), a branch the budget cut dropped and its seed queued first.
    pub(super) fn restore(&mut self, mut prev: Diagram) -> Result<()> {
        let Some(state) = prev.resume.take() else {
            return Err(Error::param("resume", "the checkpoint has no resume state"));
        };
        set_thetas(&mut prev, &state.thetas)?;
        self.seconds_before = prev.seconds;
        prev.status = "in_progress".into();
        prev.census.clear();
        prev.seeds.retain(|s| !s.outcome.starts_with(NOT_TRACED));
        let mut unswitched = Vec::new();
        for b in &mut prev.branches {
            for e in b
                .events
                .iter_mut()
                .filter(|e| e.switch_status == NOT_SWITCHED)
            {
                e.switch_status = if e.kernel_dim > 1 {
                    PENDING_MULTI.into()
                } else {
                    "pending".into()
                };
                unswitched.push(b.id);
            }
        }
        unswitched.dedup();
        if let Some(c) = state.cut {
            if let Some(b) = prev.branches.pop() {
                let id = b.id;
                if let Some(k) = prev.seeds.iter().rposition(|s| s.branch == Some(id)) {
                    prev.seeds.remove(k);
                }
            }
            self.queue.push_back(seed_of(c));
            self.retracing = true;
        }
        self.queue.extend(state.queue.into_iter().map(seed_of));
        self.pending.extend(state.pending.into_iter().map(seed_of));
        self.next_phase = state.next_phase;
        self.trained = state.trained;
        self.deflation_part = state.deflation;
        self.diagram = prev;
        // Their switched seeds join the queue after those computed before the stop.
        let n = self.diagram.branches.len();
        for id in unswitched.into_iter().filter(|&id| id < n) {
            self.queue_switches(id)?;
        }
        Ok(())
    }

    /// What a stopped run leaves, recorded: seeds not followed, switches not done.
    pub(super) fn record_left(&mut self) {
        let why = format!("{NOT_TRACED}{}", self.stopped.clone().unwrap_or_default());
        let left: Vec<Seed> = self.queue.iter().chain(&self.pending).cloned().collect();
        for seed in &left {
            self.record_switch(seed, None);
            if !matches!(seed.origin.kind, OriginKind::Switch | OriginKind::Lambda0) {
                self.record_seed(seed, why.clone(), None, seed.count);
            }
        }
        if !self.opts.switch {
            return;
        }
        for e in self
            .diagram
            .branches
            .iter_mut()
            .flat_map(|b| b.events.iter_mut())
        {
            if e.switch_status.starts_with("pending") {
                e.switch_status = NOT_SWITCHED.into();
            }
        }
    }
}

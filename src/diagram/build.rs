//! The diagram run: seeds → branches (followed both ways) → switching → census.

use super::census::census;
use super::checkpoint::ResumeFrom;
use super::crossings::{crossings, morse_index, Crossing};
use super::equivariant::{follow_in_fix, EQUIVARIANT_MAX_DIM};
use super::follow::follow_both_ways;
pub use super::run::DiagramInput;
use super::run::{Run, Seed};
use super::switching::{switch_check, PENDING_MULTI};
use super::{
    same_tol, Diagram, DiagramBranch, DiagramEvent, DiagramOptions, OrbitInfo, Origin, OriginKind,
    SeedRecord,
};
use crate::continuation::EventKind;
use crate::derivatives::Objective;
use crate::error::Result;
use ndarray::{Array1, ArrayView1};
use std::collections::{HashMap, VecDeque};

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    pub(super) fn remaining(&self) -> Option<f64> {
        self.opts
            .max_seconds
            .map(|t| t - self.started.elapsed().as_secs_f64())
    }

    /// Whether the budget or the branch limit ends the run (and records why).
    pub(super) fn out_of_budget(&mut self) -> bool {
        if self.stopped.is_some() {
            return true;
        }
        if self.remaining().is_some_and(|r| r <= 0.0) {
            self.stopped = Some("time_budget_exhausted".into());
        } else if self.diagram.branches.len() >= self.opts.max_branches {
            self.stopped = Some("max_branches".into());
        }
        self.stopped.is_some()
    }

    /// The crossings of branch `id` with λ (cached).
    pub(super) fn crossings_of(&mut self, id: usize, lambda: f64) -> &Vec<Crossing> {
        let (obj, tol) = (self.input.obj, self.opts.newton_tol);
        let points = &self.diagram.branches[id].points;
        self.crossings
            .entry((id, lambda.to_bits()))
            .or_insert_with(|| crossings(obj, points, lambda, tol))
    }

    /// The traced branch the critical point (θ, λ) lies on (up to symmetry), if any.
    pub(super) fn known_branch(&mut self, theta: ArrayView1<f64>, lambda: f64) -> Option<usize> {
        let tol = same_tol(theta);
        let orbits = self.input.orbits;
        (0..self.diagram.branches.len()).find(|&id| {
            self.crossings_of(id, lambda)
                .iter()
                .any(|c| orbits.same_orbit(c.theta.view(), theta, tol))
        })
    }

    pub(super) fn record_seed(
        &mut self,
        s: &Seed,
        outcome: String,
        branch: Option<usize>,
        count: usize,
    ) {
        let obj = self.input.obj;
        self.diagram.seeds.push(SeedRecord {
            kind: s.origin.kind,
            lambda: s.lambda,
            loss: obj.value(s.theta.view(), s.lambda),
            morse_index: Some(morse_index(obj, s.theta.view(), s.lambda, 0)),
            outcome,
            branch,
            count,
        });
    }

    /// Follows the queued seeds (switched ones first, then the pending seeds of the phases,
    /// in order) until none is left or the budget ends the run; checkpoints after each branch.
    pub(super) fn drain(&mut self) -> Result<()> {
        loop {
            let from_queue = !self.queue.is_empty();
            if !from_queue && self.pending.is_empty() {
                return Ok(());
            }
            // What is left stays queued: it is recorded, and checkpointed, when the run ends.
            if self.out_of_budget() {
                return Ok(());
            }
            let seed = match from_queue {
                true => self.queue.pop_front(),
                false => self.pending.pop_front(),
            }
            .expect("a seed is queued");
            let kind = seed.origin.kind;
            if let Some(id) = self.known_branch(seed.theta.view(), seed.lambda) {
                self.record_switch(&seed, Some(id));
                if kind != OriginKind::Switch {
                    self.record_seed(&seed, "known".into(), Some(id), seed.count);
                }
                continue;
            }
            let id = self.follow(&seed)?;
            self.record_switch(&seed, Some(id));
            if !matches!(kind, OriginKind::Switch | OriginKind::Lambda0) {
                self.record_seed(&seed, "traced".into(), Some(id), seed.count);
            }
            let cut = self.diagram.branches[id]
                .ends
                .iter()
                .any(|e| matches!(e, crate::continuation::Status::TimeBudgetExhausted));
            if cut && self.retracing && self.opts.progress {
                eprintln!(
                    "warning: branch {id} was cut by the budget again: a resume retraces it \
                     whole, so it needs a larger --max-seconds to make progress"
                );
            }
            self.retracing = false;
            if cut {
                // Kept as traced so far; a resumed run retraces it from its seed.
                self.cut = Some(seed);
                self.stopped = Some("time_budget_exhausted".into());
            } else if self.opts.switch {
                self.queue_switches(id)?;
            }
            self.save()?;
        }
    }

    /// Notes on the parent's event which branch a switched seed led to.
    pub(super) fn record_switch(&mut self, seed: &Seed, id: Option<usize>) {
        if let (OriginKind::Switch, Some(p), Some(e)) =
            (seed.origin.kind, seed.origin.parent, seed.origin.event)
        {
            let ev = &mut self.diagram.branches[p].events[e];
            match id {
                Some(id) => {
                    if !ev.switched_branches.contains(&id) {
                        ev.switched_branches.push(id);
                    }
                    ev.switch_status = "switched".into();
                }
                None => ev.switch_status = "not followed: budget".into(),
            }
        }
    }
}

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    /// Follows a seed both ways into a new branch; returns its id.
    fn follow(&mut self, seed: &Seed) -> Result<usize> {
        let obj = self.input.obj;
        let params = self.opts.branch_params(self.remaining());
        let fix = (obj.dim() <= EQUIVARIANT_MAX_DIM)
            .then(|| {
                let tol = 1e-9 * (1.0 + seed.theta.iter().fold(0.0f64, |m, x| m.max(x.abs())));
                self.input.orbits.fixed_subspace(seed.theta.view(), tol)
            })
            .flatten();
        let (th, l, tol) = (seed.theta.view(), seed.lambda, self.opts.newton_tol);
        let f = match fix {
            Some(p) => follow_in_fix(obj, p, th, l, &params, tol)?,
            None => follow_both_ways(obj, th, l, &params)?,
        };
        let id = self.diagram.branches.len();
        let status = f.status();
        let events = f
            .events
            .iter()
            .zip(&f.kernel_dims)
            .map(|(e, &k)| DiagramEvent {
                event: e.clone(),
                kernel_dim: k,
                switched_branches: Vec::new(),
                switch_status: match e.kind {
                    EventKind::BranchPoint if k > 1 => PENDING_MULTI.into(),
                    EventKind::BranchPoint => "pending".into(),
                    _ => "not_a_branch_point".into(),
                },
            })
            .collect();
        let mut b = DiagramBranch {
            id,
            origin: seed.origin.clone(),
            points: f.points,
            events,
            rejected_events: f.rejected,
            status,
            ends: f.ends,
            max_grad_norm: f.max_grad_norm,
            birth_lambda: None,
            orbit: None,
            switch_check: None,
        };
        b.birth_lambda = self.birth(&b);
        if let Some((c, a)) = &seed.parent_coeffs {
            b.switch_check = switch_check(c, *a, &self.diagram, seed, &b);
        }
        self.mark_parent_point(seed, &mut b);
        self.diagram.branches.push(b);
        let size = self.branch_orbit_size(id, seed);
        if size > 1 {
            self.diagram.branches[id].orbit = Some(OrbitInfo { size });
        }
        if self.opts.progress {
            let b = &self.diagram.branches[id];
            eprintln!(
                "branch {id} ({:?}): {} points, {} events, {:?}",
                b.origin.kind,
                b.points.len(),
                b.events.len(),
                b.status
            );
        }
        Ok(id)
    }

    /// Events of a switched branch at its parent's branch point are that branch point (where
    /// a pitchfork branch also turns in λ): relabelled, and reported once.
    fn mark_parent_point(&self, seed: &Seed, b: &mut DiagramBranch) {
        let (Some(p), Some(k)) = (seed.origin.parent, seed.origin.event) else {
            return;
        };
        let pe = &self.diagram.branches[p].events[k].event;
        // λ of a pitchfork point is located to ~ε, θ along the kernel only to ~√ε.
        let scale = 1e-3 * (1.0 + pe.theta.iter().fold(0.0f64, |m, x| m.max(x.abs())));
        let at_parent = |e: &crate::continuation::Event| {
            (e.lambda - pe.lambda).abs() <= 1e-6
                && super::max_dist(ArrayView1::from(&e.theta), ArrayView1::from(&pe.theta)) <= scale
        };
        let mut seen = false;
        b.events.retain_mut(|e| {
            if !at_parent(&e.event) {
                return true;
            }
            let keep = !seen;
            seen = true;
            e.event.kind = EventKind::BranchPoint;
            e.switch_status = format!("the parent's branch point (branch {p}, event {k})");
            e.switched_branches = vec![p];
            keep
        });
    }

    /// The λ where the branch is born: none if it reaches λ_min or starts at λ = 0; the parent
    /// event's λ if switched; else its lowest fold (or lowest point).
    fn birth(&self, b: &DiagramBranch) -> Option<f64> {
        let lo = self.opts.lambda_min;
        if b.origin.kind == OriginKind::Lambda0 || b.points.iter().any(|p| p.lambda <= lo) {
            return None;
        }
        if let (Some(p), Some(e)) = (b.origin.parent, b.origin.event) {
            return Some(self.diagram.branches[p].events[e].event.lambda);
        }
        let folds = b.events.iter().filter(|e| e.event.kind == EventKind::Fold);
        let fold_min = folds.map(|e| e.event.lambda).reduce(f64::min);
        fold_min.or_else(|| b.points.iter().map(|p| p.lambda).reduce(f64::min))
    }

    /// Distinct branches in the orbit of branch `id`: the seed's orbit size over the number
    /// of its images that lie on this branch (at the seed's λ).
    fn branch_orbit_size(&mut self, id: usize, seed: &Seed) -> usize {
        let orbits = self.input.orbits;
        let tol = same_tol(seed.theta.view());
        let n = orbits.orbit_size(seed.theta.view(), tol);
        if n <= 1 {
            return 1;
        }
        let on = self
            .crossings_of(id, seed.lambda)
            .iter()
            .filter(|c| orbits.same_orbit(c.theta.view(), seed.theta.view(), tol))
            .count()
            .max(1);
        n.div_ceil(on)
    }
}

/// The whole diagram (see the [module](super) doc). `checkpoint` is called with the diagram so
/// far after each branch and phase (e.g. to write it atomically).
pub fn diagram<O: Objective + ?Sized>(
    input: &DiagramInput<'_, O>,
    opts: &DiagramOptions,
    checkpoint: &mut dyn FnMut(&Diagram) -> Result<()>,
) -> Result<Diagram> {
    diagram_from(input, input.start.as_slice(), opts, checkpoint)
}

/// [`diagram`] with several branches from λ_min: each of `starts` (critical points at λ_min,
/// e.g. those selected on a λ = 0 manifold) seeds a [`OriginKind::Lambda0`] branch, in
/// order (one already on a traced branch is recorded as `known`); `input.start` is ignored.
pub fn diagram_from<O: Objective + ?Sized>(
    input: &DiagramInput<'_, O>,
    starts: &[Array1<f64>],
    opts: &DiagramOptions,
    checkpoint: &mut dyn FnMut(&Diagram) -> Result<()>,
) -> Result<Diagram> {
    diagram_with(input, starts, opts, ResumeFrom::default(), checkpoint)
}

/// [`diagram_from`] on a clock started at `from.started`, continuing `from.previous` when
/// given (its branches kept, its processed seeds and phases skipped, `seconds` added up), and
/// writing `from.fingerprint` with the resume state into every checkpoint.
pub fn diagram_with<O: Objective + ?Sized>(
    input: &DiagramInput<'_, O>,
    starts: &[Array1<f64>],
    opts: &DiagramOptions,
    from: ResumeFrom,
    checkpoint: &mut dyn FnMut(&Diagram) -> Result<()>,
) -> Result<Diagram> {
    opts.validate(input.obj.dim())?;
    let mut run = Run {
        input,
        opts,
        started: from.started,
        seconds_before: 0.0,
        diagram: Diagram {
            status: "in_progress".into(),
            lambda_min: opts.lambda_min,
            lambda_max: opts.lambda_max,
            branches: Vec::new(),
            census: Vec::new(),
            seeds: Vec::new(),
            deflation: Vec::new(),
            start_manifold: None,
            selected_orbits: None,
            symmetry: input.orbits.describe(),
            seconds: 0.0,
            resume: None,
        },
        queue: VecDeque::new(),
        pending: VecDeque::new(),
        next_phase: 0,
        trained: Vec::new(),
        deflation_part: None,
        cut: None,
        retracing: false,
        fingerprint: from.fingerprint,
        crossings: HashMap::new(),
        stopped: None,
        checkpoint,
    };
    if let Some(prev) = from.previous {
        run.restore(prev)?;
    }
    run.run_phases(starts)?;
    if run.stopped.is_some() {
        run.record_left();
    }
    for lambda in opts.census_lambdas() {
        let c = census(
            input.obj,
            &run.diagram.branches,
            lambda,
            opts.newton_tol,
            input.orbits,
            input.test,
        );
        run.diagram.census.push(c);
    }
    // A branch that ran out of the budget mid-trace leaves the diagram incomplete too.
    let timed_out = run.diagram.branches.iter().any(|b| {
        b.ends
            .iter()
            .any(|e| matches!(e, crate::continuation::Status::TimeBudgetExhausted))
    });
    if run.stopped.is_none() && timed_out {
        run.stopped = Some("time_budget_exhausted".into());
    }
    run.diagram.status = run.stopped.clone().unwrap_or_else(|| "complete".into());
    run.save()?;
    Ok(run.diagram)
}

pub(super) fn origin(kind: OriginKind, lambda: f64) -> Origin {
    Origin {
        kind,
        parent: None,
        event: None,
        seed_lambda: lambda,
    }
}

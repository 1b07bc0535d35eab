//! The diagram run: seeds → branches (followed both ways) → switching → census.

use super::census::census;
use super::crossings::{crossings, morse_index, Crossing};
use super::equivariant::{follow_in_fix, EQUIVARIANT_MAX_DIM};
use super::follow::follow_both_ways;
pub use super::run::DiagramInput;
use super::run::{Run, Seed};
use super::switching::{switch_check, PENDING_MULTI};
use super::training::{train_starts, TrainOptions};
use super::{
    same_tol, Diagram, DiagramBranch, DiagramEvent, DiagramOptions, OrbitInfo, Origin, OriginKind,
    SeedRecord,
};
use crate::continuation::{newton_critical_point, EventKind};
use crate::derivatives::Objective;
use crate::error::Result;
use ndarray::{Array1, ArrayView1};
use std::collections::{HashMap, VecDeque};
use std::time::Instant;

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    fn remaining(&self) -> Option<f64> {
        self.opts
            .max_seconds
            .map(|t| t - self.started.elapsed().as_secs_f64())
    }

    /// Whether the budget or the branch limit ends the run (and records why).
    fn out_of_budget(&mut self) -> bool {
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
    fn crossings_of(&mut self, id: usize, lambda: f64) -> &Vec<Crossing> {
        let (obj, tol) = (self.input.obj, self.opts.newton_tol);
        let points = &self.diagram.branches[id].points;
        self.crossings
            .entry((id, lambda.to_bits()))
            .or_insert_with(|| crossings(obj, points, lambda, tol))
    }

    /// The traced branch the critical point (θ, λ) lies on (up to symmetry), if any.
    fn known_branch(&mut self, theta: ArrayView1<f64>, lambda: f64) -> Option<usize> {
        let tol = same_tol(theta);
        let orbits = self.input.orbits;
        (0..self.diagram.branches.len()).find(|&id| {
            self.crossings_of(id, lambda)
                .iter()
                .any(|c| orbits.same_orbit(c.theta.view(), theta, tol))
        })
    }

    fn record_seed(&mut self, s: &Seed, outcome: String, branch: Option<usize>, count: usize) {
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

    /// Follows every queued seed (and the switched seeds they produce).
    fn drain(&mut self) -> Result<()> {
        while let Some(seed) = self.queue.pop_front() {
            if self.out_of_budget() {
                let why = format!("not traced: {}", self.stopped.clone().unwrap_or_default());
                self.record_switch(&seed, None);
                if seed.origin.kind != OriginKind::Switch && seed.origin.kind != OriginKind::Lambda0
                {
                    self.record_seed(&seed, why, None, 1);
                }
                continue;
            }
            if let Some(id) = self.known_branch(seed.theta.view(), seed.lambda) {
                self.record_switch(&seed, Some(id));
                if seed.origin.kind != OriginKind::Switch {
                    self.record_seed(&seed, "known".into(), Some(id), 1);
                }
                continue;
            }
            let id = self.follow(&seed)?;
            self.record_switch(&seed, Some(id));
            if !matches!(seed.origin.kind, OriginKind::Switch | OriginKind::Lambda0) {
                self.record_seed(&seed, "traced".into(), Some(id), 1);
            }
            if self.opts.switch {
                self.queue_switches(id)?;
            }
        }
        Ok(())
    }

    /// Notes on the parent's event which branch a switched seed led to.
    fn record_switch(&mut self, seed: &Seed, id: Option<usize>) {
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
/// far after each phase (e.g. to write it atomically).
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
    opts.validate(input.obj.dim())?;
    let mut run = Run {
        input,
        opts,
        started: Instant::now(),
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
        },
        queue: VecDeque::new(),
        crossings: HashMap::new(),
        stopped: None,
    };
    for s in starts {
        run.queue.push_back(Seed {
            theta: s.clone(),
            lambda: opts.lambda_min,
            origin: origin(OriginKind::Lambda0, opts.lambda_min),
            parent_coeffs: None,
        });
        run.drain()?;
    }
    checkpoint(&run.diagram)?;
    run.user_seeds()?;
    run.training_seeds()?;
    checkpoint(&run.diagram)?;
    run.deflation_seeds()?;
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
    run.diagram.seconds = run.started.elapsed().as_secs_f64();
    checkpoint(&run.diagram)?;
    Ok(run.diagram)
}

fn origin(kind: OriginKind, lambda: f64) -> Origin {
    Origin {
        kind,
        parent: None,
        event: None,
        seed_lambda: lambda,
    }
}

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    /// Queues the unique critical points among `found` (found `count` times each) and drains.
    fn queue_found(
        &mut self,
        kind: OriginKind,
        lambda: f64,
        found: Vec<Array1<f64>>,
    ) -> Result<()> {
        let orbits = self.input.orbits;
        let mut unique: Vec<(Array1<f64>, usize)> = Vec::new();
        for t in found {
            let tol = same_tol(t.view());
            match unique
                .iter_mut()
                .find(|(u, _)| orbits.same_orbit(u.view(), t.view(), tol))
            {
                Some((_, c)) => *c += 1,
                None => unique.push((t, 1)),
            }
        }
        for (theta, count) in unique {
            let seed = Seed {
                theta,
                lambda,
                origin: origin(kind, lambda),
                parent_coeffs: None,
            };
            if let Some(id) = self.known_branch(seed.theta.view(), lambda) {
                self.record_seed(&seed, "known".into(), Some(id), count);
                continue;
            }
            self.queue.push_back(seed);
            let before = self.diagram.seeds.len();
            self.drain()?;
            if let Some(r) = self.diagram.seeds.get_mut(before) {
                r.count = count;
            }
        }
        Ok(())
    }

    fn user_seeds(&mut self) -> Result<()> {
        let (obj, lambda) = (self.input.obj, self.opts.starts_lambda());
        let mut found = Vec::new();
        for p in &self.input.user_points {
            match newton_critical_point(obj, p.view(), lambda, self.opts.newton_tol) {
                Ok(t) => found.push(t),
                Err(e) => {
                    let s = Seed {
                        theta: p.clone(),
                        lambda,
                        origin: origin(OriginKind::User, lambda),
                        parent_coeffs: None,
                    };
                    self.record_seed(&s, format!("failed: {e}"), None, 1);
                }
            }
        }
        self.queue_found(OriginKind::User, lambda, found)
    }

    fn training_seeds(&mut self) -> Result<()> {
        if self.opts.starts == 0 || self.out_of_budget() {
            return Ok(());
        }
        let lambda = self.opts.starts_lambda();
        let t = TrainOptions {
            starts: self.opts.starts,
            seed: self.opts.seed,
            iters: self.opts.train_iters,
            lr: self.opts.train_lr,
            init_scale: self.opts.init_scale.unwrap_or(self.input.init_scale),
            tol: self.opts.newton_tol,
        };
        let results = train_starts(self.input.obj, lambda, &t);
        let failed = results.iter().filter(|r| r.is_err()).count();
        if failed > 0 {
            let s = Seed {
                theta: Array1::zeros(self.input.obj.dim()),
                lambda,
                origin: origin(OriginKind::Training, lambda),
                parent_coeffs: None,
            };
            let why = results
                .iter()
                .find_map(|r| r.as_ref().err())
                .cloned()
                .unwrap_or_default();
            self.record_seed(
                &s,
                format!("failed: Newton after Adam did not converge ({why})"),
                None,
                failed,
            );
        }
        self.queue_found(
            OriginKind::Training,
            lambda,
            results.into_iter().flatten().collect(),
        )
    }

    fn deflation_seeds(&mut self) -> Result<()> {
        for &lambda in &self.opts.deflation_at.clone() {
            if self.out_of_budget() {
                return Ok(());
            }
            let known = self.known_at(lambda);
            let starts = self.deflation_starts(&known, lambda);
            let opts = super::deflation::DeflationOptions {
                tol: self.opts.newton_tol,
                ..Default::default()
            };
            let mut r =
                super::deflation::deflation_search(self.input.obj, lambda, &known, &starts, &opts)?;
            let found = std::mem::take(&mut r.found);
            self.diagram.deflation.push(r);
            self.queue_found(OriginKind::Deflation, lambda, found)?;
        }
        Ok(())
    }

    /// Starts for deflation at λ: every known point perturbed, then random weights after a
    /// fifth of the training's Adam steps (from raw random weights Newton-type iterations on
    /// ∇L = 0 stagnate on plateaus of ‖∇L‖: measured 0 of 20 found on B.4-like data against
    /// 5 of 20 after 300 Adam steps).
    fn deflation_starts(&self, known: &[Array1<f64>], lambda: f64) -> Vec<Array1<f64>> {
        use rayon::prelude::*;
        let n = self.input.obj.dim();
        let scale = self.opts.init_scale.unwrap_or(self.input.init_scale);
        let mut rng = crate::linalg::SplitMix64::new(self.opts.seed ^ 0x0DEF_1A7E);
        let mut out: Vec<Array1<f64>> = known
            .iter()
            .map(|k| k + &(super::training::gaussian_vector(&mut rng, n) * (0.1 * scale)))
            .collect();
        let raw: Vec<Array1<f64>> = (0..self.opts.deflation_starts)
            .map(|_| super::training::gaussian_vector(&mut rng, n) * scale)
            .collect();
        let (obj, iters, lr) = (
            self.input.obj,
            self.opts.train_iters / 5,
            self.opts.train_lr,
        );
        out.par_extend(
            raw.into_par_iter()
                .map(|t| super::training::adam(obj, t, lambda, iters, lr)),
        );
        out
    }

    /// Every critical point at λ on the branches traced so far.
    pub(super) fn known_at(&mut self, lambda: f64) -> Vec<Array1<f64>> {
        (0..self.diagram.branches.len())
            .flat_map(|id| {
                self.crossings_of(id, lambda)
                    .iter()
                    .map(|c| c.theta.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

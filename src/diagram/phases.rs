//! The phases of a diagram run that find seeds (λ_min starts, the user's points, training,
//! deflation), each ended by a checkpoint; every one stops at the deadline (see
//! [`super::checkpoint`] for what a resumed run redoes).

use super::build::origin;
use super::checkpoint::DeflationPartial;
use super::deflation::{deflation_continue, DeflationOptions, DeflationReport};
use super::run::{Run, Seed};
use super::training::{adam_until, gaussian_vector, train_starts_until, TrainOptions};
use super::{same_tol, OriginKind};
use crate::continuation::newton_critical_point;
use crate::derivatives::Objective;
use crate::error::Result;
use ndarray::Array1;
use std::time::{Duration, Instant};

const BUDGET: &str = "time_budget_exhausted";

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    /// When the budget ends.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let t = self.opts.max_seconds?;
        Some(self.started + Duration::from_secs_f64(t.clamp(0.0, 1e9)))
    }

    /// Runs the phases from `next_phase` on, following their seeds, until all ran or the
    /// run stops.
    pub(super) fn run_phases(&mut self, starts: &[Array1<f64>]) -> Result<()> {
        let last = 3 + self.opts.deflation_at.len();
        loop {
            self.drain()?;
            if self.stopped.is_some() || self.next_phase >= last {
                return Ok(());
            }
            let done = match self.next_phase {
                0 => self.lambda0_seeds(starts),
                1 => self.user_seeds(),
                2 => self.training_seeds()?,
                k => self.deflation_seeds(k - 3)?,
            };
            if !done {
                return Ok(());
            }
            self.next_phase += 1;
            self.save()?;
        }
    }

    fn lambda0_seeds(&mut self, starts: &[Array1<f64>]) -> bool {
        let lambda = self.opts.lambda_min;
        for s in starts {
            self.pending.push_back(Seed {
                theta: s.clone(),
                lambda,
                origin: origin(OriginKind::Lambda0, lambda),
                parent_coeffs: None,
                count: 1,
            });
        }
        true
    }

    /// Queues the unique critical points among `found`, each with how often it was found.
    fn push_found(&mut self, kind: OriginKind, lambda: f64, found: Vec<Array1<f64>>) {
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
            self.pending.push_back(Seed {
                theta,
                lambda,
                origin: origin(kind, lambda),
                parent_coeffs: None,
                count,
            });
        }
    }

    fn user_seeds(&mut self) -> bool {
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
                        count: 1,
                    };
                    self.record_seed(&s, format!("failed: {e}"), None, 1);
                }
            }
        }
        self.push_found(OriginKind::User, lambda, found);
        true
    }

    /// Trains the starts not trained yet; false (the finished ones kept) when the deadline
    /// cut the phase.
    fn training_seeds(&mut self) -> Result<bool> {
        if self.opts.starts == 0 {
            return Ok(true);
        }
        if self.out_of_budget() {
            return Ok(false);
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
        let todo: Vec<usize> = (0..t.starts)
            .filter(|i| !self.trained.iter().any(|d| d.start == *i))
            .collect();
        let fresh = train_starts_until(self.input.obj, lambda, &t, &todo, self.deadline());
        self.trained.extend(fresh);
        if self.trained.len() < t.starts {
            self.stopped = Some(BUDGET.into());
            return Ok(false);
        }
        let mut all = std::mem::take(&mut self.trained);
        all.sort_by_key(|d| d.start);
        let failed: Vec<&String> = all.iter().filter_map(|d| d.error.as_ref()).collect();
        if let Some(why) = failed.first() {
            let s = Seed {
                theta: Array1::zeros(self.input.obj.dim()),
                lambda,
                origin: origin(OriginKind::Training, lambda),
                parent_coeffs: None,
                count: failed.len(),
            };
            let why = format!("failed: Newton after Adam did not converge ({why})");
            self.record_seed(&s, why, None, failed.len());
        }
        let found = all.into_iter().filter_map(|d| d.theta.map(Array1::from));
        self.push_found(OriginKind::Training, lambda, found.collect());
        Ok(true)
    }

    /// Deflation at `deflation_at[k]` (continued when the budget stopped it); false when the
    /// deadline stops it (its state kept for a resume).
    fn deflation_seeds(&mut self, k: usize) -> Result<bool> {
        if self.out_of_budget() {
            return Ok(false);
        }
        let lambda = self.opts.deflation_at[k];
        let mut part = match self.deflation_part.take() {
            Some(p) if p.index == k => p,
            _ => {
                let known = self.known_at(lambda);
                let Some(starts) = self.deflation_starts(&known, lambda) else {
                    self.stopped = Some(BUDGET.into());
                    return Ok(false);
                };
                let rows = |v: Vec<Array1<f64>>| v.into_iter().map(|a| a.to_vec()).collect();
                DeflationPartial {
                    index: k,
                    report: DeflationReport {
                        lambda,
                        starts: starts.len(),
                        ..Default::default()
                    },
                    known: rows(known),
                    starts: rows(starts),
                    tried: 0,
                    found: Vec::new(),
                }
            }
        };
        let arrays = |v: &[Vec<f64>]| v.iter().cloned().map(Array1::from).collect::<Vec<_>>();
        let (known, starts) = (arrays(&part.known), arrays(&part.starts));
        let mut r = DeflationReport {
            found: arrays(&part.found),
            tried: part.tried,
            ..part.report.clone()
        };
        let opts = DeflationOptions {
            tol: self.opts.newton_tol,
            deadline: self.deadline(),
            ..Default::default()
        };
        deflation_continue(self.input.obj, &known, &starts, &opts, &mut r)?;
        if r.interrupted {
            part.found = r.found.iter().map(|a| a.to_vec()).collect();
            part.tried = r.tried;
            part.report = r;
            self.deflation_part = Some(part);
            self.stopped = Some(BUDGET.into());
            return Ok(false);
        }
        let found = std::mem::take(&mut r.found);
        self.diagram.deflation.push(r);
        self.push_found(OriginKind::Deflation, lambda, found);
        Ok(true)
    }

    /// Starts for deflation at λ: every known point perturbed, then random weights after a
    /// fifth of the training's Adam steps (from raw random weights Newton-type iterations on
    /// ∇L = 0 stagnate on plateaus of ‖∇L‖: measured 0 of 20 found on B.4-like data against
    /// 5 of 20 after 300 Adam steps). `None` when the deadline cut Adam.
    fn deflation_starts(&self, known: &[Array1<f64>], lambda: f64) -> Option<Vec<Array1<f64>>> {
        use rayon::prelude::*;
        let n = self.input.obj.dim();
        let scale = self.opts.init_scale.unwrap_or(self.input.init_scale);
        let mut rng = crate::linalg::SplitMix64::new(self.opts.seed ^ 0x0DEF_1A7E);
        let mut out: Vec<Array1<f64>> = known
            .iter()
            .map(|k| k + &(gaussian_vector(&mut rng, n) * (0.1 * scale)))
            .collect();
        let raw: Vec<Array1<f64>> = (0..self.opts.deflation_starts)
            .map(|_| gaussian_vector(&mut rng, n) * scale)
            .collect();
        let (obj, iters, lr) = (
            self.input.obj,
            self.opts.train_iters / 5,
            self.opts.train_lr,
        );
        let deadline = self.deadline();
        let trained: Option<Vec<Array1<f64>>> = raw
            .into_par_iter()
            .map(|t| adam_until(obj, t, lambda, iters, lr, deadline))
            .collect();
        out.extend(trained?);
        Some(out)
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

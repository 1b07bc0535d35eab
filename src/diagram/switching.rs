//! Queues the seeds of the branches born at a diagram branch's branch points: simple kernels
//! by the normal form ([`super::switch`]), symmetry-breaking points and multi-dimensional
//! kernels from the kernel's sphere ([`super::equivariant`]).

use super::equivariant::multi_switch;
use super::run::{Run, Seed};
use super::switch::{simple_switch, SwitchSeed};
use super::{Diagram, DiagramBranch, Origin, OriginKind, SwitchCheck};
use crate::continuation::{Branch, EventKind, Method};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::normal_form::{branch_check_with, BranchCheckOptions, Coefficients};

/// `switch_status` of a branch point whose branches come from the kernel's sphere.
pub const PENDING_MULTI: &str = "pending_multi";

/// The seed of a branch switched onto at event `k` of branch `id`.
fn switched(s: SwitchSeed, id: usize, k: usize, coeffs: Option<(Coefficients, f64)>) -> Seed {
    Seed {
        theta: s.theta,
        lambda: s.lambda,
        origin: Origin {
            kind: OriginKind::Switch,
            parent: Some(id),
            event: Some(k),
            seed_lambda: s.lambda,
        },
        parent_coeffs: coeffs,
        count: 1,
    }
}

impl<'a, O: Objective + ?Sized> Run<'a, O> {
    /// Queues the switched seeds at every branch point of branch `id`.
    pub(super) fn queue_switches(&mut self, id: usize) -> Result<()> {
        let obj = self.input.obj;
        let window = (self.opts.lambda_min, self.opts.lambda_max);
        for k in 0..self.diagram.branches[id].events.len() {
            // Left `pending` past the deadline: recorded as not switched, redone on resume.
            if self.remaining().is_some_and(|r| r <= 0.0) {
                self.stopped = Some("time_budget_exhausted".into());
                return Ok(());
            }
            let b = &self.diagram.branches[id];
            if b.events[k].event.kind != EventKind::BranchPoint
                || !b.events[k].switch_status.starts_with("pending")
            {
                continue;
            }
            if b.events[k].switch_status == PENDING_MULTI {
                self.queue_multi(id, k);
                continue;
            }
            let ev = b.events[k].event.clone();
            let (coeffs, seed) =
                match simple_switch(obj, &ev, &b.points, window, self.opts.newton_tol) {
                    Ok(x) => x,
                    Err(e) => {
                        self.diagram.branches[id].events[k].switch_status = format!("failed: {e}");
                        continue;
                    }
                };
            match seed {
                Ok(s) => {
                    let a = s.amplitude;
                    self.queue.push_back(switched(s, id, k, Some((coeffs, a))));
                }
                Err(why) => self.diagram.branches[id].events[k].switch_status = why,
            }
        }
        Ok(())
    }

    /// Queues one seed per ray found on the kernel's sphere at event `k` of branch `id`.
    fn queue_multi(&mut self, id: usize, k: usize) {
        let obj = self.input.obj;
        let window = (self.opts.lambda_min, self.opts.lambda_max);
        let b = &self.diagram.branches[id];
        let (ev, dim) = (b.events[k].event.clone(), b.events[k].kernel_dim);
        match multi_switch(obj, &ev, dim, &b.points, window, self.opts.newton_tol) {
            Ok(seeds) => {
                for s in seeds {
                    self.queue.push_back(switched(s, id, k, None));
                }
            }
            Err(why) => self.diagram.branches[id].events[k].switch_status = why,
        }
    }
}

/// The normal form's prediction compared with the switched branch (order ≈ 2 for a Z2
/// pitchfork, ≈ 1 for a transcritical point).
pub(super) fn switch_check(
    c: &Coefficients,
    amplitude: f64,
    d: &Diagram,
    seed: &Seed,
    b: &DiagramBranch,
) -> Option<SwitchCheck> {
    let (p, e) = (seed.origin.parent?, seed.origin.event?);
    let event = &d.branches[p].events[e].event;
    let branch = Branch {
        method: Method::Exact,
        points: b.points.clone(),
        events: Vec::new(),
        max_grad_norm: b.max_grad_norm,
        status: b.status.clone(),
    };
    // The leading-order law holds near the point: compare within 3 seed amplitudes.
    let opts = BranchCheckOptions {
        max_abs_a: Some(3.0 * amplitude.abs()),
        // Beside the crossing λ is fixed only to ‖∇L‖/(|g_aµ|·|a|): skip |λ − λ*| ≤ 1e-6.
        min_abs_dlambda: 1e-6,
    };
    let bc = branch_check_with(c, event, &branch, &opts).ok()?;
    Some(SwitchCheck {
        classification: format!("{:?}", c.classification),
        order_estimate: bc.order_estimate,
        max_rel_deviation: bc.max_rel_deviation,
        samples: bc.samples.len(),
    })
}

//! The pseudo-arclength predictor–corrector loop: start (or resume), one step (predict,
//! correct, land on the window boundary, analyse, run the test functions, locate events),
//! acceptance with observers and budgets. Step control is [`StepController`], event detection
//! [`super::test_functions`], location [`super::events`].

use super::corrector::{correct, join, lambda_of, newton_fixed_lambda, norm, theta_of};
use super::events::{locate, Located};
use super::failure::StepFailure;
use super::observer::{Control, Observer};
use super::step::StepController;
use super::test_functions::{rejection, BranchPointTest, FoldTest, RejectedEvent, TestFunction};
use super::{Branch, ContinuationParams, EventKind, Method, ResumeState, Spectrum, Status};
use super::{Event, Trace};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::hessian::{Backend, Hess};
use crate::linalg::DENSE_EIGEN_MAX;
use ndarray::{Array1, ArrayView1};
use std::time::Instant;

mod fold_ahead;
mod state;
use fold_ahead::Trend;
use state::{analyse, State};

/// Newton iterations allowed for a natural-parameter solve (start point, boundary landing).
pub(crate) const NATURAL_NEWTON_ITERS: usize = 50;
/// Largest correction ‖x − x_pred‖ accepted, relative to the step (guards against jumping to
/// another branch).
const MAX_CORRECTION: f64 = 0.5;
/// Points traced with dense eigenvalues after the partial eigensolver fell back to the dense one
/// (clustered spectra), before it is tried again.
const DENSE_SPELL: usize = 8;
/// Steps down to `ISOLATE_FACTOR · ds_min` (at least [`ISOLATE_FLOOR`]) are retried to
/// isolate events; below, an event is accepted (or rejected with a diagnostic) as found.
const ISOLATE_FACTOR: f64 = 64.0;
/// See [`ISOLATE_FACTOR`].
const ISOLATE_FLOOR: f64 = 1e-9;
/// A start Hessian whose smallest |eigenvalue| is at most this times its largest is singular:
/// computed eigenvalues carry an absolute error of about n·ε·‖H‖ (backward-stable solver on a
/// Hessian exact to a few ulps), ≤ 1e-10·‖H‖ for n up to 4·10⁵, while the isolated minima of
/// the experiments have |λ_min|/‖H‖ ≥ 1e-5 (α = 4e-3).
pub const SINGULAR_START_RTOL: f64 = 1e-10;
/// A resumed point must satisfy ‖∇L‖ ≤ this (else it belongs to another model).
const RESUME_GRAD_TOL: f64 = 1e-8;

/// Refuses a start whose Hessian is numerically singular ([`SINGULAR_START_RTOL`]): the
/// critical point is then not isolated (or sits exactly on a singular point), and the tracer
/// would follow a valley of critical points instead of a branch.
fn check_isolated(h: &Hess, lambda: f64) -> Result<()> {
    let (smallest, largest) = h.isolation().map_err(|e| Error::Linalg(e.to_string()))?;
    if smallest <= SINGULAR_START_RTOL * largest || largest == 0.0 {
        return Err(Error::param(
            "start point",
            format!(
                "the critical point at λ = {lambda} is not isolated: its Hessian is singular \
                 (smallest |eigenvalue| {smallest:.3e} ≤ {SINGULAR_START_RTOL:.0e} × largest \
                 {largest:.3e}), so the branch through it is not unique (e.g. a valley of \
                 minimisers at α = 0); add regularisation (α > 0) or start at a λ0 where the \
                 critical point is isolated"
            ),
        ));
    }
    Ok(())
}

/// Located events split into the reported ones and those the admissibility rules reject.
fn screen(found: Vec<Located>) -> (Vec<Event>, Vec<RejectedEvent>) {
    let mut events = Vec::new();
    let mut rejected = Vec::new();
    for l in found {
        match rejection(&l.event, l.mu, l.second, l.scale) {
            None => events.push(l.event),
            Some(reason) => rejected.push(RejectedEvent {
                kind: l.event.kind,
                lambda: l.event.lambda,
                residual: l.event.residual,
                morse_before: l.event.morse_before,
                morse_after: l.event.morse_after,
                reason,
            }),
        }
    }
    (events, rejected)
}

/// Where a trace starts.
pub(crate) enum Start<'a> {
    /// Newton-polish θ at λ0, initial tangent towards increasing λ.
    Guess(ArrayView1<'a, f64>, f64),
    /// Continue from the last point of a previous trace.
    Resume(&'a ResumeState),
}

/// One accepted step.
struct Accepted<'o> {
    next: State<'o>,
    iters: usize,
    refreshes: usize,
    boundary: Option<Status>,
    events: Vec<Event>,
    rejected: Vec<RejectedEvent>,
}

/// The loop's configuration.
pub(crate) struct Engine<'a, O: Objective + ?Sized> {
    pub obj: &'a O,
    pub backend: Backend,
    pub params: &'a ContinuationParams,
    pub tests: &'a [Box<dyn TestFunction>],
}

impl<'a, O: Objective + ?Sized> Engine<'a, O> {
    fn start(&self, start: &Start) -> Result<(State<'a>, f64)> {
        let p = self.params;
        match start {
            Start::Guess(theta0, lambda0) => {
                let (theta, gn) = newton_fixed_lambda(
                    self.obj,
                    &self.backend,
                    *theta0,
                    *lambda0,
                    p.grad_tol,
                    NATURAL_NEWTON_ITERS,
                )
                .map_err(|f| Error::NoConvergence {
                    method: "Newton at the start point".into(),
                    reason: f.to_string(),
                })?;
                check_isolated(&self.backend.at(self.obj, theta.view(), *lambda0), *lambda0)?;
                let x0 = join(theta.view(), *lambda0);
                let mut e_lambda = Array1::zeros(x0.len());
                e_lambda[x0.len() - 1] = 1.0;
                let s = analyse(
                    self.obj,
                    &self.backend,
                    x0,
                    gn,
                    e_lambda.view(),
                    None,
                    false,
                    0.0,
                    p.spectrum,
                )
                .map_err(|f| Error::Linalg(f.to_string()))?;
                Ok((s, p.ds_initial))
            }
            Start::Resume(r) => {
                let x = join(ArrayView1::from(&r.theta), r.lambda);
                let gn = norm(self.obj.gradient(theta_of(&x), r.lambda).view());
                if gn.is_nan() || gn > RESUME_GRAD_TOL {
                    return Err(Error::param(
                        "resume",
                        format!(
                            "the saved point is not critical for this model (‖∇L‖ = {gn:.3e} > \
                             {RESUME_GRAD_TOL:.0e}); resume with the model options of the saved trace"
                        ),
                    ));
                }
                let tau = Array1::from(r.tangent.clone());
                let s = analyse(
                    self.obj,
                    &self.backend,
                    x,
                    gn,
                    tau.view(),
                    None,
                    false,
                    r.arclength,
                    p.spectrum,
                )
                .map_err(|f| Error::Linalg(f.to_string()))?;
                Ok((s, r.ds.clamp(p.ds_min, p.ds_max)))
            }
        }
    }

    /// Predictor and corrector; the corrected point, ‖∇L‖, solves and refreshes.
    fn predict_correct(
        &self,
        cur: &State<'a>,
        ds: f64,
    ) -> std::result::Result<(Array1<f64>, f64, usize, usize), StepFailure> {
        let p = self.params;
        let xp = &cur.x + &(&cur.tau * ds);
        let corr = correct(
            self.obj,
            &self.backend,
            &xp,
            cur.border.view(),
            Some(&cur.jac),
            p.grad_tol,
            p.max_newton_iters,
        )?;
        let dist = norm((&corr.x - &xp).view());
        if dist > MAX_CORRECTION * ds {
            return Err(StepFailure::CorrectionTooLarge { dist, ds });
        }
        Ok((corr.x, corr.grad_norm, corr.iters, corr.refreshes))
    }

    /// Replaces a point beyond the λ window by one exactly on its boundary.
    fn land(
        &self,
        cur: &State<'a>,
        xb: Array1<f64>,
        gnb: f64,
        ds: f64,
    ) -> std::result::Result<(Array1<f64>, f64, Option<Status>), StepFailure> {
        let p = self.params;
        let lam_b = lambda_of(&xb);
        let (bound, status) = if lam_b > p.lambda_max {
            (p.lambda_max, Status::ReachedLambdaMax)
        } else if lam_b < p.lambda_min {
            (p.lambda_min, Status::ReachedLambdaMin)
        } else {
            return Ok((xb, gnb, None));
        };
        let lam_a = lambda_of(&cur.x);
        let t = (bound - lam_a) / (lam_b - lam_a);
        let guess = &cur.x + &((&xb - &cur.x) * t);
        match newton_fixed_lambda(
            self.obj,
            &self.backend,
            theta_of(&guess),
            bound,
            p.grad_tol,
            NATURAL_NEWTON_ITERS,
        ) {
            Ok((th, g)) if norm((&th - &theta_of(&guess)).view()) <= ds => {
                Ok((join(th.view(), bound), g, Some(status)))
            }
            Ok(_) => Err(StepFailure::BoundaryJump { bound }),
            Err(e) => Err(StepFailure::BoundaryFailed(Box::new(e))),
        }
    }

    /// Runs the test functions between two accepted points and locates what they detect.
    fn detect(
        &self,
        cur: &State<'a>,
        next: &State<'a>,
        ds: f64,
    ) -> std::result::Result<(Vec<Event>, Vec<RejectedEvent>), StepFailure> {
        let p = self.params;
        let isolate_min = (ISOLATE_FACTOR * p.ds_min).max(ISOLATE_FLOOR);
        let (a, b) = (cur.test_point(), next.test_point());
        let fold = FoldTest.crossed(&a, &b);
        let bp = BranchPointTest.crossed(&a, &b);
        let dm = cur.morse.abs_diff(next.morse);
        let consistent = (dm % 2 == 1) == (fold ^ bp);
        if ((fold && bp) || dm > 1 || !consistent) && ds > isolate_min {
            return Err(StepFailure::SeveralEvents);
        }
        let mut kinds: Vec<(EventKind, Option<&dyn TestFunction>)> = Vec::new();
        if fold {
            kinds.push((EventKind::Fold, None));
        }
        if bp {
            kinds.push((EventKind::BranchPoint, None));
        }
        if kinds.is_empty() && dm != 0 {
            kinds.push((EventKind::MorseChange, None));
        }
        for t in self.tests {
            if t.crossed(&a, &b) {
                kinds.push((t.kind(), Some(t.as_ref())));
            }
        }
        let (ea, eb) = (cur.endpoint(), next.endpoint());
        let found: Vec<Located> = kinds
            .into_iter()
            .map(|(kind, test)| locate(self.obj, &self.backend, kind, test, &ea, &eb, p))
            .collect();
        // An event not located to event_tol means the test functions jumped (the corrector
        // landed on a nearby branch: an imperfect bifurcation seen from afar) or the chord was
        // too long for the correctors beside a branch point (their Newton basin shrinks like
        // µ₁²; m = 10⁴ crossed one with a 4e-4 step and no chord point converged): retry with
        // a smaller step, which either resolves the event or follows the turn. A fixed 1e-8
        // (the rule before) let that m = 10⁴ failure (|µ| = 1.9e-9 at α = 5e-6) through as
        // "not located".
        let gross = |l: &Located| {
            l.event.kind != EventKind::UserDefined
                && (l.event.residual.is_nan() || l.event.residual > p.event_tol)
        };
        if p.locate_events && ds > isolate_min && found.iter().any(gross) {
            return Err(StepFailure::EventNotLocated {
                from: lambda_of(&cur.x),
                to: lambda_of(&next.x),
            });
        }
        Ok(screen(found))
    }

    /// One attempted step of size `ds` from `cur`.
    fn attempt(
        &self,
        cur: &State<'a>,
        ds: f64,
        dense: bool,
    ) -> std::result::Result<Accepted<'a>, StepFailure> {
        let p = self.params;
        let (xb, gnb, iters, refreshes) = self.predict_correct(cur, ds)?;
        let (xb, gnb, boundary) = self.land(cur, xb, gnb, ds)?;
        let arclength = cur.arclength + norm((&xb - &cur.x).view());
        let next = analyse(
            self.obj,
            &self.backend,
            xb,
            gnb,
            cur.tau.view(),
            Some(&cur.eig.vectors),
            dense,
            arclength,
            p.spectrum,
        )?;
        let cos_turn = cur.tau.dot(&next.tau).clamp(-1.0, 1.0);
        if cos_turn.acos() > p.max_turn {
            return Err(StepFailure::TurnTooLarge {
                angle: cos_turn.acos(),
            });
        }
        let (events, rejected) = self.detect(cur, &next, ds)?;
        Ok(Accepted {
            next,
            iters,
            refreshes,
            boundary,
            events,
            rejected,
        })
    }

    /// The time budget, if spent.
    fn time_budget(&self, started: Instant) -> Option<Status> {
        match self.params.max_seconds {
            Some(t) if started.elapsed().as_secs_f64() >= t => Some(Status::TimeBudgetExhausted),
            _ => None,
        }
    }

    /// Pushes an accepted step into the branch and tells the observer; a stop request.
    fn record(
        &self,
        branch: &mut Branch,
        acc: &mut Accepted<'a>,
        observer: &mut dyn Observer,
    ) -> Option<Status> {
        let mut stop = None;
        for e in acc.events.drain(..) {
            if let Control::Stop(r) = observer.on_event(&e) {
                stop.get_or_insert(r.status());
            }
            branch.events.push(e);
        }
        let point = acc.next.point(self.obj);
        branch.max_grad_norm = branch.max_grad_norm.max(point.grad_norm);
        branch.points.push(point);
        let last = branch.points.last().expect("just pushed");
        if let Control::Stop(r) = observer.on_point(last, branch) {
            stop.get_or_insert(r.status());
        }
        stop
    }

    /// Pseudo-arclength continuation from `start` (see [`super::trace`]).
    pub(crate) fn run(&self, start: Start, observer: &mut dyn Observer) -> Result<Trace> {
        let p = self.params;
        let started = Instant::now();
        let (mut cur, ds0) = self.start(&start)?;
        let mut krylov_seen = self.backend.iterations();
        cur.krylov = krylov_seen;
        let mut branch = Branch {
            method: Method::Exact,
            points: Vec::new(),
            events: Vec::new(),
            max_grad_norm: 0.0,
            status: Status::InProgress,
        };
        let first = cur.point(self.obj);
        branch.max_grad_norm = first.grad_norm;
        branch.points.push(first);
        let mut stop = match observer.on_point(&branch.points[0], &branch) {
            Control::Stop(r) => Some(r.status()),
            Control::Continue => None,
        };
        let mut rejected = Vec::new();
        let mut ctrl = StepController::new(p, ds0);
        let (mut steps, mut dense_spell) = (0usize, 0usize);
        let mut last_failure: Option<StepFailure> = None;
        // The previous point's eigenvalue trend, taken by the first fold-ahead try after it.
        let mut trend: Option<Trend> = None;
        let partial_possible = matches!(p.spectrum,
            Spectrum::Smallest(k) if self.obj.dim() > DENSE_EIGEN_MAX && 4 * k <= self.obj.dim());
        let status =
            loop {
                if let Some(st) = stop.take() {
                    break st;
                }
                if steps >= p.max_steps {
                    break Status::StepBudgetExhausted;
                }
                if ctrl.stalled() {
                    break Status::Stalled(format!(
                    "step size {:.3e} below ds_min = {:.1e} at λ = {} after {} accepted points: {}",
                    ctrl.ds(),
                    p.ds_min,
                    lambda_of(&cur.x),
                    branch.points.len(),
                    last_failure.as_ref().map(|f| f.to_string()).unwrap_or_default()
                ));
                }
                if let Some(st) = self.time_budget(started) {
                    break st;
                }
                steps += 1;
                let mut acc = match self.attempt(&cur, ctrl.ds(), dense_spell > 0) {
                    Ok(a) => a,
                    Err(f) => {
                        let ahead = trend
                            .take()
                            .and_then(|t| self.fold_ahead(&cur, t, ctrl.ds(), &f));
                        match ahead {
                            Some(a) => {
                                ctrl.restart(norm((&a.next.x - &cur.x).view()));
                                a
                            }
                            None => {
                                last_failure = Some(f);
                                ctrl.reject();
                                continue;
                            }
                        }
                    }
                };
                rejected.append(&mut acc.rejected);
                let krylov_now = self.backend.iterations();
                acc.next.krylov = krylov_now - krylov_seen;
                krylov_seen = krylov_now;
                stop = self.record(&mut branch, &mut acc, observer);
                ctrl.accept(acc.iters, acc.refreshes);
                if partial_possible {
                    if dense_spell > 0 {
                        dense_spell -= 1;
                    } else if acc.next.eig.dense {
                        dense_spell = DENSE_SPELL;
                    }
                }
                trend = cur.trend();
                cur = acc.next;
                if let Some(st) = acc.boundary {
                    break st;
                }
                if p.max_events.is_some_and(|k| branch.events.len() >= k) {
                    break Status::MaxEvents;
                }
            };
        branch.status = status;
        Ok(Trace {
            branch,
            rejected_events: rejected,
            resume: Some(cur.resume(ctrl.ds())),
            steps,
        })
    }
}

//! The state of a diagram run, shared by the run itself ([`super::build`]) and the branch
//! switching that queues seeds into it ([`super::switching`]).

use super::census::TestLoss;
use super::checkpoint::{DeflationPartial, Fingerprint, TrainedStart};
use super::crossings::Crossing;
use super::{Diagram, DiagramOptions, Orbits, Origin};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::normal_form::Coefficients;
use ndarray::Array1;
use std::collections::{HashMap, VecDeque};
use std::time::Instant;

/// What a diagram starts from besides its options.
pub struct DiagramInput<'a, O: Objective + ?Sized> {
    /// The objective.
    pub obj: &'a O,
    /// The critical point at λ_min to start the λ = 0 branch from (e.g. W0).
    pub start: Option<Array1<f64>>,
    /// A user's points (`--points`), Newton-polished at the training λ.
    pub user_points: Vec<Array1<f64>>,
    /// The model's symmetry.
    pub orbits: &'a dyn Orbits,
    /// Held-out loss, when data were held out.
    pub test: Option<TestLoss<'a>>,
    /// Standard deviation of random initial weights for training.
    pub init_scale: f64,
}

/// A point to follow a branch from.
#[derive(Clone)]
pub(super) struct Seed {
    pub(super) theta: Array1<f64>,
    pub(super) lambda: f64,
    pub(super) origin: Origin,
    /// The parent event's coefficients and the seed's amplitude, for switched seeds.
    pub(super) parent_coeffs: Option<(Coefficients, f64)>,
    /// How many starts found it (training finds a basin many times).
    pub(super) count: usize,
}

/// The run's state.
pub(super) struct Run<'a, O: Objective + ?Sized> {
    pub(super) input: &'a DiagramInput<'a, O>,
    pub(super) opts: &'a DiagramOptions,
    /// When this invocation started (the budget counts from here).
    pub(super) started: Instant,
    /// Seconds spent by the runs this one resumes.
    pub(super) seconds_before: f64,
    pub(super) diagram: Diagram,
    /// Switched seeds, followed before any further `pending` seed.
    pub(super) queue: VecDeque<Seed>,
    /// Seeds found by a phase (λ_min starts, user, training, deflation), in order.
    pub(super) pending: VecDeque<Seed>,
    /// The next phase to run (see [`super::checkpoint::ResumeState::next_phase`]).
    pub(super) next_phase: usize,
    /// Training starts finished before the budget ran out (the phase is then redone for the
    /// others only).
    pub(super) trained: Vec<TrainedStart>,
    /// The deflation search the budget stopped.
    pub(super) deflation_part: Option<DeflationPartial>,
    /// The seed of the last branch when the budget cut its trace (retraced on resume).
    pub(super) cut: Option<Seed>,
    /// The first seed is a cut branch's, queued again by a resume.
    pub(super) retracing: bool,
    /// What the run is (written into checkpoints to check a resume against); none: no
    /// resume state is written.
    pub(super) fingerprint: Option<Fingerprint>,
    pub(super) crossings: HashMap<(usize, u64), Vec<Crossing>>,
    pub(super) stopped: Option<String>,
    /// Called with the diagram after every branch and phase.
    pub(super) checkpoint: &'a mut dyn FnMut(&Diagram) -> Result<()>,
}

//! The state of a diagram run, shared by the run itself ([`super::build`]) and the branch
//! switching that queues seeds into it ([`super::switching`]).

use super::census::TestLoss;
use super::crossings::Crossing;
use super::{Diagram, DiagramOptions, Orbits, Origin};
use crate::derivatives::Objective;
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
pub(super) struct Seed {
    pub(super) theta: Array1<f64>,
    pub(super) lambda: f64,
    pub(super) origin: Origin,
    /// The parent event's coefficients and the seed's amplitude, for switched seeds.
    pub(super) parent_coeffs: Option<(Coefficients, f64)>,
}

/// The run's state.
pub(super) struct Run<'a, O: Objective + ?Sized> {
    pub(super) input: &'a DiagramInput<'a, O>,
    pub(super) opts: &'a DiagramOptions,
    pub(super) started: Instant,
    pub(super) diagram: Diagram,
    pub(super) queue: VecDeque<Seed>,
    pub(super) crossings: HashMap<(usize, u64), Vec<Crossing>>,
    pub(super) stopped: Option<String>,
}

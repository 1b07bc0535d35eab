//! Whole bifurcation diagrams: every branch of critical points of L(·, λ) on a λ window, not
//! only the one from the λ = 0 start.
//!
//! Branches come from the λ = 0 start, from branch switching at located branch points
//! ([`switch`]: simple kernels by the reduced equation; multi-dimensional kernels, met on
//! symmetric branches followed in their fixed-point subspace ([`restricted`]), by Newton from
//! the kernel's sphere, [`equivariant`]), from many-start training ([`training`]), from
//! deflated Newton ([`deflation`]) and from a user's points. Each is followed both ways in λ
//! ([`follow`]); a point that lies on a traced branch is recognised by the branch's Newton-
//! polished crossings of its λ ([`crossings`]) and not traced twice. The census per λ
//! ([`census`]) counts the critical points by Morse index and checks Σ(−1)ᵏcₖ = 1 (a coercive
//! Morse function on Rⁿ); branches related by a symmetry of the model ([`symmetry`]) are
//! reported as one orbit, and each census orbit counts with its size.
//!
//! [`build::diagram`] runs it all; its JSON shape is [`Diagram`]. A run checkpoints after every
//! branch and can be continued from its checkpoint ([`checkpoint`]).

pub mod build;
pub mod census;
pub mod checkpoint;
pub mod crossings;
pub mod deflation;
pub mod equivariant;
pub mod figure;
pub mod follow;
pub mod mlp_selection;
pub mod mlp_symmetry;
pub mod options;
mod phases;
pub mod restricted;
mod resume;
pub mod run;
pub mod selected;
pub mod selection;
pub mod switch;
pub mod switching;
pub mod symmetry;
pub mod trained_symmetry;
pub mod training;

pub use build::diagram;
pub use census::{Census, CensusPoint};
pub use options::DiagramOptions;

use crate::continuation::{Event, Point, Status};
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

/// Where a branch of the diagram came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    /// The branch through the λ = 0 start point.
    Lambda0,
    /// Switched onto at a branch point of another branch.
    Switch,
    /// From a critical point found by many-start training.
    Training,
    /// From a critical point found by deflated Newton.
    Deflation,
    /// From a user's point (`--points`).
    User,
}

/// The origin of a branch: its kind, and for switched branches the parent branch and the index
/// of the parent's event it was switched at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// How the branch was found.
    pub kind: OriginKind,
    /// Parent branch id (switched branches).
    pub parent: Option<usize>,
    /// Index of the parent's event (switched branches).
    pub event: Option<usize>,
    /// λ of the seed point the branch was followed from.
    pub seed_lambda: f64,
}

/// An orbit of branches under the model's symmetry group, followed once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrbitInfo {
    /// Number of distinct branches in the orbit (1: the branch is invariant).
    pub size: usize,
}

/// An event of a diagram branch: the trace's event plus the kernel dimension and the branches
/// switched onto there.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DiagramEvent {
    /// The located event, as in `trace`.
    #[serde(flatten)]
    pub event: Event,
    /// Dimension of the Hessian kernel at the event (eigenvalues within the rounding level).
    pub kernel_dim: usize,
    /// Ids of the branches switched onto at this event (branch points only).
    pub switched_branches: Vec<usize>,
    /// What branch switching did here: `switched`, `not_a_branch_point`, or why it could not.
    pub switch_status: String,
}

/// One branch of a diagram, followed both ways from its seed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DiagramBranch {
    /// Id (index in [`Diagram::branches`]).
    pub id: usize,
    /// Where it came from.
    pub origin: Origin,
    /// Accepted points in order along the branch (from the end reached going down in λ to the
    /// end reached going up).
    pub points: Vec<Point>,
    /// Located events in order along the branch.
    pub events: Vec<DiagramEvent>,
    /// Singular points detected but not located to tolerance or not simple (as in `trace`),
    /// with why: never silently dropped. On a symmetric branch followed in its fixed-point
    /// subspace, the Morse indices are those of the restricted problem.
    #[serde(default)]
    pub rejected_events: Vec<crate::continuation::RejectedEvent>,
    /// Why the trace stopped: the worse of its two ends (an incomplete or stalled end wins).
    pub status: Status,
    /// Status of each end: [going down in λ from the seed, going up].
    pub ends: [Status; 2],
    /// Largest ‖∇L‖ over the points.
    pub max_grad_norm: f64,
    /// Smallest λ on the branch at a fold (the λ where a branch with both ends at λ_max is
    /// born); `None` for a branch that reaches λ_min.
    pub birth_lambda: Option<f64>,
    /// The symmetry orbit this branch represents, when larger than one branch.
    pub orbit: Option<OrbitInfo>,
    /// For a switched branch: the parent event's normal form checked against it.
    pub switch_check: Option<SwitchCheck>,
}

impl DiagramBranch {
    /// θ at point `i` (not in the JSON).
    pub fn theta(&self, i: usize) -> ArrayView1<'_, f64> {
        self.points[i].theta.view()
    }
}

/// A seed that was not traced, and why (e.g. it lies on a traced branch).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SeedRecord {
    /// Where it came from.
    pub kind: OriginKind,
    /// λ of the seed.
    pub lambda: f64,
    /// Loss at the seed.
    pub loss: f64,
    /// Morse index at the seed.
    pub morse_index: Option<usize>,
    /// `traced` (→ `branch`), `known` (lies on `branch`), or `failed: why`.
    pub outcome: String,
    /// The branch it started or was found on.
    pub branch: Option<usize>,
    /// How many starts led to this point (training finds a basin many times).
    pub count: usize,
}

/// The normal form of the parent's branch point against a switched branch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SwitchCheck {
    /// The parent event's classification.
    pub classification: String,
    /// Order p of the deviation |λ − λ_pred| / |λ − λ*| ∝ |a|^p (≈ 2 Z2 pitchfork, ≈ 1
    /// transcritical).
    pub order_estimate: Option<f64>,
    /// Largest relative deviation over the compared points.
    pub max_rel_deviation: f64,
    /// Points compared.
    pub samples: usize,
}

/// A whole bifurcation diagram.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Diagram {
    /// `complete`, or why it stopped early (`time_budget_exhausted`, `max_branches`).
    pub status: String,
    /// λ window.
    pub lambda_min: f64,
    /// λ window.
    pub lambda_max: f64,
    /// Every branch.
    pub branches: Vec<DiagramBranch>,
    /// Census per requested λ.
    pub census: Vec<Census>,
    /// Every seed from training, deflation and the user, with its outcome.
    pub seeds: Vec<SeedRecord>,
    /// Each deflation search: its λ, starts and how its runs ended.
    #[serde(default)]
    pub deflation: Vec<deflation::DeflationReport>,
    /// The symmetry group used to recognise orbits.
    pub symmetry: String,
    /// Both layers trained: the λ = 0 critical manifold (a sphere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_manifold: Option<StartManifold>,
    /// Both layers trained: the points of the sphere that continue into λ > 0, one per orbit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_orbits: Option<Vec<SelectedOrbit>>,
    /// Wall-clock seconds (summed over the runs a resumed diagram was made by).
    pub seconds: f64,
    /// What `actbif diagram --resume` needs to continue this run (CLI checkpoints only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<checkpoint::ResumeState>,
}

/// The λ = 0 critical manifold of a model with every layer trained.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StartManifold {
    /// Its dimension (m − 1 for the sphere S^{m−1}).
    pub dimension: usize,
    /// Dimension of the λ = 0 Hessian's kernel at a point of it (eigenvalues at rounding
    /// level): equal to `dimension` when the manifold is non-degenerate.
    pub kernel_dim_at_lambda0: usize,
    /// Σ(−1)ᵏ over the critical points of F found (orbits with their size) against χ;
    /// `null` when no selection on the manifold was done (the MLP with every layer trained).
    pub euler_check: Option<EulerCheck>,
    /// Rank of the symmetry group's infinitesimal action at that point (the orbit's
    /// dimension, computed independently of the Hessian); MLP only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orbit_tangent_rank: Option<usize>,
    /// L(θ, 0) on the manifold; MLP only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
}

/// Σ(−1)ᵏ over the critical points of F on the manifold against its Euler characteristic.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EulerCheck {
    /// Σ(−1)ᵏ, orbits counted with their size.
    pub sum: i64,
    /// χ of the manifold (2 for even-dimensional spheres, 0 for odd).
    pub chi: i64,
    /// Whether they agree (a mismatch proves points are missing).
    pub complete: bool,
}

/// One orbit of critical points of F = ∂λL on the start manifold, and its branch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SelectedOrbit {
    /// Points in the orbit (signed permutations of units).
    pub size: usize,
    /// Units with non-zero weights.
    pub active_units: usize,
    /// F at the point.
    #[serde(rename = "F")]
    pub f: f64,
    /// Morse index of F on the manifold.
    pub morse_on_manifold: usize,
    /// Morse index in the full space at the first λ of the branch.
    pub morse_index: Option<usize>,
    /// θ on the manifold (λ = 0).
    pub theta: Vec<f64>,
    /// The branch it starts or lies on (`null`: see `branch_note`).
    pub branch: Option<usize>,
    /// Why `branch` is `null` (Newton at λ_min failed, the budget ran out, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_note: Option<String>,
}

/// Recognises points related by a symmetry of the model.
pub trait Orbits: Sync {
    /// Whether `a` and `b` are in one orbit (within `tol`, max-norm).
    fn same_orbit(&self, a: ArrayView1<f64>, b: ArrayView1<f64>, tol: f64) -> bool;
    /// Number of distinct points in the orbit of `a`.
    fn orbit_size(&self, a: ArrayView1<f64>, tol: f64) -> usize;
    /// A description for the JSON.
    fn describe(&self) -> String;
    /// Orthonormal basis (n × k, k < n) of the fixed-point subspace of `a`'s isotropy group,
    /// when `a` is fixed by a non-trivial symmetry (to `tol`); `None` otherwise.
    fn fixed_subspace(&self, _a: ArrayView1<f64>, _tol: f64) -> Option<ndarray::Array2<f64>> {
        None
    }
}

/// No symmetry: orbits are single points.
pub struct NoSymmetry;

impl Orbits for NoSymmetry {
    fn same_orbit(&self, a: ArrayView1<f64>, b: ArrayView1<f64>, tol: f64) -> bool {
        max_dist(a, b) <= tol
    }
    fn orbit_size(&self, _a: ArrayView1<f64>, _tol: f64) -> usize {
        1
    }
    fn describe(&self) -> String {
        "trivial".into()
    }
}

/// Whether two lists of unit rows agree as multisets (max-norm `tol`): greedy matching, exact
/// for rows distinct beyond 2·tol, the case of every nondegenerate critical point.
pub(crate) fn rows_match(
    a: Vec<ndarray::Array1<f64>>,
    mut free: Vec<ndarray::Array1<f64>>,
    tol: f64,
) -> bool {
    a.len() == free.len()
        && a.iter().all(|r| {
            match free
                .iter()
                .position(|u| max_dist(u.view(), r.view()) <= tol)
            {
                Some(k) => {
                    free.swap_remove(k);
                    true
                }
                None => false,
            }
        })
}

/// Tolerance for "the same critical point" (max-norm), relative to θ's size.
pub(crate) fn same_tol(theta: ArrayView1<f64>) -> f64 {
    1e-7 * (1.0 + theta.iter().fold(0.0f64, |m, x| m.max(x.abs())))
}

/// max |aᵢ − bᵢ|.
pub(crate) fn max_dist(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

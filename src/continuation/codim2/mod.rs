//! Two-parameter continuation of folds in (θ, λ, p) and the codimension-two points on them.
//!
//! A fold of the λ-branch (H singular, g_µ = φᵀ∂λ∇L ≠ 0) persists as p varies: the folds form
//! a curve in (θ, λ, p). [`fold_curve`] follows it by pseudo-arclength continuation (in the full
//! space (θ, λ, p), so that it passes cusps, where the curve's (λ, p) projection is singular) on
//! the minimally augmented system of `min_aug_fold` (Govaerts), from a located fold, in both
//! directions of p by default. Along the curve it records λ, p, the kernel eigenvalue, g_µ and
//! g_aa = D³L\[φ, φ, φ\] (φ oriented continuously along the curve), and it detects and locates,
//! each by Newton on its own extended system (`codim2_points`):
//!
//! * a **cusp** (g_aa = 0: the two folds of an S-shaped λ-branch merge; its cubic coefficient,
//!   the corrected g_aaa, is reported and must be non-zero);
//! * a **g_µ = 0 point** (the p-component of the tangent changes sign with g_aa ≠ 0: the
//!   λ-branch through the fold reconnects; at that p it has a branch point);
//! * where the curve **leaves** the window λ ∈ \[λ_min, λ_max\], p ∈ \[p_min, p_max\] (located
//!   exactly on the boundary).
//!
//! A point that cannot be located is still reported, with status `not_located` and why.
//!
//! Both Hessian backends run the fold curve (`FoldCurveParams::solver`): the fold system's
//! Jacobian is never assembled — its solves go by block elimination with the bordered
//! \[\[H, b\], \[bᵀ, 0\]\] on the backend (`min_aug_fold`), dense LU or matrix-free GMRES with
//! the model's structured inverse. The codimension-two points are located on the dense
//! backend by Newton on their 2n + 2 extended systems, on the matrix-free one by regula falsi
//! along the curve (`on_curve`); both to the same [`LOCATE_TOL`]. Step control is the λ
//! tracer's [`crate::continuation::StepController`] (its Newton growth rule).
//!
//! In a family that keeps a symmetry S (`symmetry`), a symmetry-breaking branch point (a
//! pitchfork) is not a regular fold: [`branch_point_curve`] follows it on Fix(S) with the test
//! function of the antisymmetric Hessian block (`branch_point`). With a symmetry-breaking p
//! (e.g. [`OutputWeight`], B.4's a) the pitchfork unfolds into folds whose curve passes
//! through the branch point at the symmetric p as a cusp of its (λ, p) projection;
//! [`fold_curve`] can start there (its start falls back to fixing the kernel coordinate).
//!
//! Both curves are followed by one stepper (`stepper`, with `window_exit`) over the
//! `curve_system::CurveSystem` trait: each curve supplies its bordered system (corrector,
//! linearisation with its tangent, initial tangent), its point record, the border update,
//! the events it detects between accepted points (`fold_events` for folds) and its
//! window-exit event. The branch-point curve (on Fix(S)) stays dense.

mod branch_point;
mod branch_point_curve;
mod codim2_points;
mod curve_system;
mod fold_curve;
mod fold_events;
mod min_aug_fold;
mod on_curve;
mod spectrum;
mod stepper;
#[cfg(test)]
mod stepper_tests;
pub mod symmetry;
mod window_exit;

pub use branch_point_curve::{branch_point_curve, BranchPointCurve, BranchPointPoint};
pub use codim2_points::LOCATE_TOL;
// The second parameter's one contract lives with the derivatives (and the models' families).
pub use crate::derivatives::family::{family_of, Family, FixedLambda, Shifted, Tikhonov};
pub use crate::models::two_layer::output_weight::{OutputWeight, OUTPUT_WEIGHT};
pub use fold_curve::fold_curve;
pub use symmetry::Symmetry;

use crate::continuation::CancelFlag;
use crate::error::{ensure_positive, Error, Result};
use crate::hessian::Solver;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

/// Which way along the fold curve, named by the p-component of the initial tangent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Initially towards larger p.
    IncreasingP,
    /// Initially towards smaller p.
    DecreasingP,
}

/// Which directions [`fold_curve`] follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Directions {
    /// Both (the default).
    Both,
    /// Only one.
    Only(Direction),
}

/// Parameters of fold-curve continuation.
///
/// ```
/// let p = actbif::continuation::codim2::FoldCurveParams::new(1e-4, 1e-1);
/// assert_eq!((p.lambda_min, p.lambda_max), (0.0, 1.0));
/// assert_eq!(p.tol, 1e-12);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FoldCurveParams {
    /// Lower end of the λ window.
    pub lambda_min: f64,
    /// Upper end of the λ window.
    pub lambda_max: f64,
    /// Lower end of the p window.
    pub p_min: f64,
    /// Upper end of the p window.
    pub p_max: f64,
    /// First arclength step (in (θ, λ, p)).
    pub ds_initial: f64,
    /// Smallest step before a direction is declared stalled.
    pub ds_min: f64,
    /// Largest step.
    pub ds_max: f64,
    /// Step budget per direction (accepted + rejected).
    pub max_steps: usize,
    /// Corrector tolerance on max(‖∇L‖, |g|) (10× once Newton stalls at rounding).
    pub tol: f64,
    /// Newton iterations per corrector before the step is halved.
    pub max_newton_iters: usize,
    /// Largest angle (radians) between consecutive tangents.
    pub max_turn: f64,
    /// Directions to follow.
    pub directions: Directions,
    /// Locate cusps and g_µ = 0 points (dense: Newton on their extended systems;
    /// matrix-free: regula falsi on the curve).
    pub locate: bool,
    /// How the Hessian systems are solved (dense, or matrix-free with the model's structured
    /// inverse where it has one: the fold curve at n ≫ 10³).
    #[serde(default)]
    pub solver: Solver,
    /// Checked after every accepted point: once set, each direction ends `interrupted`
    /// with every point and event so far (Ctrl-C in the CLI).
    #[serde(skip)]
    pub cancel: Option<CancelFlag>,
}

impl FoldCurveParams {
    /// Defaults with the p window \[p_min, p_max\].
    pub fn new(p_min: f64, p_max: f64) -> Self {
        FoldCurveParams {
            lambda_min: 0.0,
            lambda_max: 1.0,
            p_min,
            p_max,
            ds_initial: 1e-2,
            ds_min: 1e-9,
            ds_max: 5e-2,
            max_steps: 3000,
            tol: 1e-12,
            max_newton_iters: 8,
            max_turn: 0.3,
            directions: Directions::Both,
            locate: true,
            solver: Solver::Dense,
            cancel: None,
        }
    }

    /// Checks the window, steps and budgets, and that the start (λ0, p0) lies in the window.
    pub fn validate(&self, lambda0: f64, p0: f64) -> Result<()> {
        for (name, v) in [
            ("lambda_min", self.lambda_min),
            ("lambda_max", self.lambda_max),
            ("p_min", self.p_min),
            ("p_max", self.p_max),
        ] {
            if !v.is_finite() {
                return Err(Error::param(name, format!("must be finite, got {v}")));
            }
        }
        if self.lambda_min >= self.lambda_max || self.p_min >= self.p_max {
            return Err(Error::param(
                "p_max",
                format!(
                    "need λ_min < λ_max and p_min < p_max, got [{}, {}] × [{}, {}]",
                    self.lambda_min, self.lambda_max, self.p_min, self.p_max
                ),
            ));
        }
        if !(self.p_min..=self.p_max).contains(&p0)
            || !(self.lambda_min..=self.lambda_max).contains(&lambda0)
        {
            return Err(Error::param(
                "p_min",
                format!(
                    "the start (λ, p) = ({lambda0}, {p0}) lies outside the window [{}, {}] × [{}, {}]",
                    self.lambda_min, self.lambda_max, self.p_min, self.p_max
                ),
            ));
        }
        if !(self.ds_min > 0.0 && self.ds_min <= self.ds_initial && self.ds_initial <= self.ds_max)
        {
            return Err(Error::param(
                "ds_initial",
                "need 0 < ds_min ≤ ds_initial ≤ ds_max",
            ));
        }
        ensure_positive("tol", self.tol)?;
        ensure_positive("max_turn", self.max_turn)?;
        if self.max_newton_iters == 0 || self.max_steps == 0 {
            return Err(Error::param("max_steps", "budgets must be at least 1"));
        }
        Ok(())
    }
}

/// A located fold to start from: (θ, λ) at the family's base p, with its kernel vector.
#[derive(Clone, Debug)]
pub struct FoldStart {
    /// θ at the fold.
    pub theta: Array1<f64>,
    /// λ at the fold.
    pub lambda: f64,
    /// p at the fold.
    pub p: f64,
    /// Kernel vector (any normalisation; its orientation fixes the signs of g_µ, g_aa).
    pub kernel: Array1<f64>,
}

/// One accepted point of a fold curve.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CurvePoint {
    /// λ.
    pub lambda: f64,
    /// p.
    pub p: f64,
    /// Hessian eigenvalue nearest zero (dense spectrum).
    pub kernel_eigenvalue: f64,
    /// g_µ = φᵀ∂λ∇L (unit φ, oriented continuously along the curve).
    pub g_mu: f64,
    /// g_aa = D³L\[φ, φ, φ\].
    pub g_aa: f64,
    /// ‖∇L‖.
    pub grad_norm: f64,
    /// λ-component of the unit tangent in (θ, λ, p).
    pub tangent_lambda: f64,
    /// p-component of the unit tangent.
    pub tangent_p: f64,
    /// Signed arclength from the start (negative on the decreasing-p side).
    pub arclength: f64,
    /// θ (not written to JSON).
    #[serde(skip)]
    pub theta: Array1<f64>,
    /// Unit kernel φ (not written to JSON).
    #[serde(skip)]
    pub phi: Array1<f64>,
}

/// Kind of a point found on a fold curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codim2Kind {
    /// g_aa = 0: two folds merge.
    Cusp,
    /// g_µ = 0: the λ-branch through the fold reconnects (a branch point at that p).
    GmuZero,
    /// The curve leaves the (λ, p) window.
    LeavesWindow,
}

/// Whether Newton located a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocateStatus {
    /// Residual ≤ [`LOCATE_TOL`] (the recorded point is the Newton solution).
    Located,
    /// Detected but not located (the recorded point is the secant estimate).
    NotLocated,
}

/// Which side of the window the curve left through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowSide {
    /// λ = λ_min.
    LambdaMin,
    /// λ = λ_max.
    LambdaMax,
    /// p = p_min.
    PMin,
    /// p = p_max.
    PMax,
}

/// A codimension-two point or a window exit on a fold curve.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Codim2Event {
    /// Kind.
    pub kind: Codim2Kind,
    /// λ.
    pub lambda: f64,
    /// p.
    pub p: f64,
    /// Located or only detected.
    pub status: LocateStatus,
    /// Why it was not located (or a caveat, e.g. a vanishing cubic coefficient).
    pub reason: Option<String>,
    /// max(‖∇L‖, ‖Hφ‖, |test|/scale) at the recorded point (for a window exit: max(‖∇L‖, |g|)).
    pub residual: f64,
    /// Hessian eigenvalue nearest zero there.
    pub kernel_eigenvalue: f64,
    /// g_µ = φᵀ∂λ∇L there.
    pub g_mu: f64,
    /// g_aa = D³L\[φ, φ, φ\] there.
    pub g_aa: f64,
    /// φᵀ∂p∇L there (≠ 0 at a g_µ = 0 point: p turns).
    pub g_p: f64,
    /// Cusp (and a branch-point curve's window exit: the pitchfork's): the corrected
    /// g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\].
    pub cubic_coefficient: Option<f64>,
    /// Cusp: |cubic_coefficient| / (|D⁴L\[φ⁴\]| + 3|D³L\[φ, φ, ψ20\]|).
    pub cubic_relative: Option<f64>,
    /// Window exit: which side.
    pub boundary: Option<WindowSide>,
    /// Direction of the curve it was found on.
    pub direction: Direction,
    /// θ there (not written to JSON).
    #[serde(skip)]
    pub theta: Array1<f64>,
}

/// How one direction of a fold curve ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum CurveEnd {
    /// Left the window (final point on its boundary).
    LeftWindow,
    /// Came back to the start: a closed curve.
    Closed,
    /// The step fell below `ds_min`.
    Stalled(String),
    /// The step budget was spent.
    StepBudgetExhausted,
    /// Cancelled from outside ([`FoldCurveParams::cancel`]).
    Interrupted,
}

/// A followed codimension-one curve in (λ, p): fold curves ([`FoldCurve`]) and branch-point
/// curves ([`BranchPointCurve`]) differ only in what a point records.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Curve<P> {
    /// Name of p.
    pub parameter: String,
    /// Points in order of signed arclength.
    pub points: Vec<P>,
    /// Events in order along the curve.
    pub events: Vec<Codim2Event>,
    /// How each followed direction ended.
    pub ends: Vec<(Direction, CurveEnd)>,
}

impl<P> Curve<P> {
    /// Whether every followed direction ended by leaving the window or closing.
    pub fn complete(&self) -> bool {
        self.ends
            .iter()
            .all(|(_, e)| matches!(e, CurveEnd::LeftWindow | CurveEnd::Closed))
    }
}

/// A followed fold curve.
pub type FoldCurve = Curve<CurvePoint>;

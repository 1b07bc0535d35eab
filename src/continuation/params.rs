//! The parameters of the two methods: [`ContinuationParams`] (pseudo-arclength) and
//! [`PaperParams`] (the paper's natural-parameter minimiser method), with the [`Spectrum`]
//! both record.

use super::Solver;
pub use crate::hessian::Spectrum;
use serde::{Deserialize, Serialize};

/// Parameters of pseudo-arclength continuation.
///
/// ```
/// use actbif::continuation::{ContinuationParams, Spectrum};
/// let p = ContinuationParams::default();
/// assert_eq!((p.lambda_min, p.lambda_max), (0.0, 1.0));
/// assert_eq!(p.spectrum, Spectrum::Smallest(6));
/// assert_eq!(p.grad_tol, 1e-13);
/// assert_eq!(p.event_tol, 1e-12);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContinuationParams {
    /// Lower end of the λ window; the trace stops when λ leaves it.
    pub lambda_min: f64,
    /// Upper end of the λ window.
    pub lambda_max: f64,
    /// First arclength step.
    pub ds_initial: f64,
    /// Smallest step before the trace is declared stalled.
    pub ds_min: f64,
    /// Largest step.
    pub ds_max: f64,
    /// Step budget (accepted + rejected steps).
    pub max_steps: usize,
    /// Corrector tolerance on ‖∇L‖. Rounding fallback: a corrector whose exact Newton steps
    /// stop halving ‖∇L‖ is accepted once ‖∇L‖ ≤ 10·grad_tol (so ≤ 1e-12 by default); the
    /// recorded ‖∇L‖ is always the true value.
    pub grad_tol: f64,
    /// Newton iterations per corrector before the step is rejected.
    pub max_newton_iters: usize,
    /// Largest angle (radians) between consecutive tangents of an accepted step.
    pub max_turn: f64,
    /// Eigenvalues recorded per point.
    pub spectrum: Spectrum,
    /// Locate detected events by Newton on an extended system.
    pub locate_events: bool,
    /// Residual required of a located event.
    pub event_tol: f64,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Wall-clock budget in seconds
    /// ([`Status::TimeBudgetExhausted`](super::Status::TimeBudgetExhausted)); none by default.
    #[serde(default)]
    pub max_seconds: Option<f64>,
    /// Stop once this many events are located
    /// ([`Status::MaxEvents`](super::Status::MaxEvents)); none by default.
    #[serde(default)]
    pub max_events: Option<usize>,
    /// Linear-algebra backend ([`Solver::Dense`] by default).
    #[serde(default)]
    pub solver: Solver,
}

impl Default for ContinuationParams {
    fn default() -> Self {
        ContinuationParams {
            lambda_min: 0.0,
            lambda_max: 1.0,
            ds_initial: 1e-2,
            ds_min: 1e-10,
            ds_max: 5e-2,
            max_steps: 5000,
            grad_tol: 1e-13,
            max_newton_iters: 10,
            max_turn: 0.3,
            spectrum: Spectrum::Smallest(6),
            locate_events: true,
            event_tol: 1e-12,
            progress: false,
            max_seconds: None,
            max_events: None,
            solver: Solver::Dense,
        }
    }
}

/// Parameters of the paper's method: natural-parameter continuation by warm-started L-BFGS on
/// a uniform λ grid, forward-difference Hessians, crossings by linear interpolation.
///
/// ```
/// let p = actbif::continuation::PaperParams::default();
/// assert_eq!(p.n_steps, 400);
/// assert_eq!(p.gtol, 1e-14);
/// assert_eq!(p.fd_step, 1e-5);
/// assert_eq!(p.ftol, f64::EPSILON);
/// assert_eq!(p.jump_ratio, 10.0);
/// assert!(!p.continue_after_jump);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaperParams {
    /// λ grid end (start is 0).
    pub lambda_max: f64,
    /// Number of grid steps (Δλ = lambda_max / n_steps).
    pub n_steps: usize,
    /// L-BFGS gradient tolerance (the paper's gtol).
    pub gtol: f64,
    /// L-BFGS iteration cap per grid point.
    pub max_iters: u64,
    /// Forward-difference step of the Hessian.
    pub fd_step: f64,
    /// Eigenvalues recorded per point.
    pub spectrum: Spectrum,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// L-BFGS also stops when the cost changes by less than this between iterations
    /// (argmin's default, f64::EPSILON), so the achieved ‖∇L‖ is typically 1e-10…1e-6 rather
    /// than `gtol`; it is recorded honestly at every point.
    pub ftol: f64,
    /// A step ‖θ_i − θ_{i−1}‖ larger than `jump_ratio` times the largest of the previous five,
    /// and larger than 1% of ‖θ_{i−1}‖ (below that it is L-BFGS stagnation noise), is a branch
    /// jump.
    pub jump_ratio: f64,
    /// Keep tracing (and recording) after a detected branch jump instead of stopping before the
    /// jumped point; the status is [`Status::BranchJump`](super::Status::BranchJump) either way.
    pub continue_after_jump: bool,
    /// How the minimiser at each grid point decides it has converged.
    pub stopping: PaperStopping,
}

/// Stopping rule of the paper method's minimiser at each grid point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperStopping {
    /// argmin's L-BFGS with [`PaperParams::gtol`] and [`PaperParams::ftol`] (defaults 1e-14
    /// and ε_mach): ‖∇L‖ typically 1e-10…1e-6 at stop.
    #[default]
    Tight,
    /// scipy's `minimize(method="L-BFGS-B")` defaults as the paper used them
    /// ([`super::scipy_lbfgs`]: relative decrease ≤ 1e7·ε_mach or max|gᵢ| ≤ 1e-5, memory 10,
    /// maxiter = maxfun = 15000; [`PaperParams::gtol`], `ftol` and `max_iters` are not used):
    /// stops at ‖∇L‖ ≈ 1e-4 near a fold, which is where the paper's λ* = 0.721 comes from.
    /// The iterate then lags the branch and catches up in bursts, so the branch-jump tests
    /// (which would misread a catch-up as a jump) are off, as in the paper.
    ScipyDefault,
}

impl Default for PaperParams {
    fn default() -> Self {
        PaperParams {
            lambda_max: 1.0,
            n_steps: 400,
            gtol: 1e-14,
            max_iters: 15000,
            fd_step: 1e-5,
            spectrum: Spectrum::Smallest(6),
            progress: false,
            ftol: f64::EPSILON,
            jump_ratio: 10.0,
            continue_after_jump: false,
            stopping: PaperStopping::Tight,
        }
    }
}

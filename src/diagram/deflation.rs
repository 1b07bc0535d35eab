//! Deflated Newton (Farrell, Birkisson & Funke 2015): new critical points of L(·, λ), of any
//! Morse index, without re-finding the known ones.
//!
//! Newton is applied to G(θ) = M(θ)·∇L(θ) with M(θ) = Πᵢ (‖θ − rᵢ‖⁻ᵖ + σ) over the known
//! points rᵢ: G has the roots of ∇L except the rᵢ, and for σ > 0 M → 1 far from them, so
//! iterates are not pushed off to infinity. The deflated step is the Newton step δ = −H⁻¹∇L
//! rescaled, d = δ / (1 − ∇log M·δ) (Farrell et al. eq. 3.5), so one Hessian solve per
//! iteration as in plain Newton. Each root found joins the known set and the same start is
//! tried again, as in the paper, until it finds nothing new.

use crate::continuation::newton_critical_point;
use crate::derivatives::Objective;
use crate::error::Result;
use crate::linalg::{norm, solve};
use ndarray::{Array1, ArrayView1};
use serde::{Deserialize, Serialize};

/// Options of deflated Newton.
#[derive(Clone, Debug)]
pub struct DeflationOptions {
    /// Power p of the deflation operator.
    pub power: f64,
    /// Shift σ of the deflation operator.
    pub shift: f64,
    /// Iterations per attempt.
    pub max_iters: usize,
    /// ‖∇L‖ at which an iterate is handed to plain Newton to polish.
    pub hand_over: f64,
    /// Newton tolerance of the polished point.
    pub tol: f64,
    /// Attempts from one start (each after a new root joined the known set).
    pub attempts_per_start: usize,
    /// Above this many parameters the Newton step is solved by MINRES on H·u products.
    pub dense_max_dim: usize,
    /// Levenberg–Marquardt steps on ½‖G‖² instead of backtracked Newton steps (dense only;
    /// [`deflation_search`] runs both variants from every start when dense).
    pub lm: bool,
    /// Stop (the report's `interrupted` set) once this instant passes.
    pub deadline: Option<std::time::Instant>,
}

impl Default for DeflationOptions {
    fn default() -> Self {
        DeflationOptions {
            power: 2.0,
            shift: 1.0,
            max_iters: 100,
            hand_over: 1e-8,
            tol: 1e-12,
            attempts_per_start: 3,
            dense_max_dim: 2000,
            lm: false,
            deadline: None,
        }
    }
}

/// The Newton step δ = −H⁻¹∇L at θ.
fn newton_step<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    g: &Array1<f64>,
    opts: &DeflationOptions,
) -> Option<Array1<f64>> {
    let rhs = -g;
    if obj.dim() <= opts.dense_max_dim {
        return solve(&obj.hessian(theta, lambda), &rhs).ok();
    }
    let op = |u: ArrayView1<f64>| obj.hessian_vec(theta, lambda, u);
    let iters = (2 * obj.dim()).min(4000);
    crate::linalg::krylov::minres(&op, &rhs, 1e-10, iters)
        .ok()
        .map(|s| s.x)
}

/// log M(θ) and ∇log M(θ), or `None` when θ is a known point.
fn log_deflation(
    theta: ArrayView1<f64>,
    known: &[Array1<f64>],
    opts: &DeflationOptions,
) -> Option<(f64, Array1<f64>)> {
    let p = opts.power;
    let mut log_m = 0.0;
    let mut grad = Array1::zeros(theta.len());
    for r in known {
        let diff = &theta - r;
        let dist = norm(diff.view());
        if dist == 0.0 {
            return None;
        }
        let m = dist.powf(-p) + opts.shift;
        log_m += m.ln();
        // ∇log mᵢ = −p‖θ − rᵢ‖^{−p−2}(θ − rᵢ) / mᵢ.
        grad.scaled_add(-p * dist.powf(-p - 2.0) / m, &diff);
    }
    Some((log_m, grad))
}

/// log ‖G(θ)‖ = log M + log ‖∇L‖ (the merit of the line search).
fn log_merit<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    known: &[Array1<f64>],
    opts: &DeflationOptions,
) -> f64 {
    let gn = norm(obj.gradient(theta, lambda).view());
    match log_deflation(theta, known, opts) {
        Some((lm, _)) if gn.is_finite() => lm + gn.ln(),
        _ => f64::INFINITY,
    }
}

/// How one deflated Newton run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A new critical point, polished.
    Found(Array1<f64>),
    /// Polished onto a known point (deflation did not keep it away).
    Known,
    /// ‖θ‖ or ‖∇L‖ blew up.
    Diverged,
    /// The Newton step could not be solved (singular Hessian) or polishing failed.
    Failed,
    /// `max_iters` spent.
    IterationLimit,
}

/// One deflated run from `start`: backtracked deflated Newton steps on G = M·∇L (merit
/// log‖G‖), or Levenberg–Marquardt steps on ½‖G‖² (J = M·H + ∇L ⊗ ∇M) with `opts.lm`, which
/// do not stagnate where H is nearly singular but can settle in a local minimum of ‖G‖ that
/// Newton steps cross. Above `dense_max_dim` the Newton solves are MINRES on H·u products.
/// Measured (paper data, v = (1, 1), 20 Adam-prefixed starts at λ = 1): LM finds all 7
/// critical points, Newton 5; on the double well of the unit test Newton finds both other
/// points and LM neither — hence both variants from every start.
fn deflated_newton<O: Objective + ?Sized>(
    obj: &O,
    lambda: f64,
    known: &[Array1<f64>],
    start: &Array1<f64>,
    opts: &DeflationOptions,
) -> Outcome {
    let mut theta = start.clone();
    let scale = 1.0 + norm(start.view());
    let mut mu = None;
    for _ in 0..opts.max_iters {
        let g = obj.gradient(theta.view(), lambda);
        let gn = norm(g.view());
        if !gn.is_finite() || norm(theta.view()) > 1e6 * scale {
            return Outcome::Diverged;
        }
        if gn <= opts.hand_over {
            return match newton_critical_point(obj, theta.view(), lambda, opts.tol) {
                Ok(t) if is_known(t.view(), known) => Outcome::Known,
                Ok(t) => Outcome::Found(t),
                Err(_) => Outcome::Failed,
            };
        }
        let Some((lm, grad_lm)) = log_deflation(theta.view(), known, opts) else {
            return Outcome::Known;
        };
        let merit = lm + gn.ln();
        let step = if opts.lm && obj.dim() <= opts.dense_max_dim {
            lm_step(
                obj,
                theta.view(),
                lambda,
                &g,
                &grad_lm,
                merit,
                known,
                opts,
                &mut mu,
            )
        } else {
            newton_backtrack(obj, theta.view(), lambda, &g, &grad_lm, merit, known, opts)
        };
        match step {
            Some(d) => theta += &d,
            None => return Outcome::Failed,
        }
    }
    Outcome::IterationLimit
}

/// One Levenberg–Marquardt step on ½‖G‖² (µ adapted: ÷3 on success, ×4 on failure).
#[allow(clippy::too_many_arguments)]
fn lm_step<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    g: &Array1<f64>,
    grad_lm: &Array1<f64>,
    merit: f64,
    known: &[Array1<f64>],
    opts: &DeflationOptions,
    mu: &mut Option<f64>,
) -> Option<Array1<f64>> {
    let n = theta.len();
    // J = M(H + ∇L ⊗ ∇log M), G = M∇L: M cancels from the normal equations (µ absorbs it).
    let mut j = obj.hessian(theta, lambda);
    for r in 0..n {
        for c in 0..n {
            j[[r, c]] += g[r] * grad_lm[c];
        }
    }
    let a = j.t().dot(&j);
    let b = -j.t().dot(g);
    let trace = (0..n).map(|i| a[[i, i]]).sum::<f64>() / n as f64;
    let mut damp = mu.unwrap_or(1e-6 * trace.max(f64::MIN_POSITIVE));
    for _ in 0..30 {
        let mut shifted = a.clone();
        for i in 0..n {
            shifted[[i, i]] += damp;
        }
        if let Ok(d) = solve(&shifted, &b) {
            let trial = &theta + &d;
            if log_merit(obj, trial.view(), lambda, known, opts) < merit {
                *mu = Some((damp / 3.0).max(1e-15 * trace));
                return Some(d);
            }
        }
        damp *= 4.0;
    }
    None
}

/// Backtracking on log‖G‖ along the deflated Newton step (the smallest step tried when none
/// decreases it).
#[allow(clippy::too_many_arguments)]
fn newton_backtrack<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    g: &Array1<f64>,
    grad_lm: &Array1<f64>,
    merit: f64,
    known: &[Array1<f64>],
    opts: &DeflationOptions,
) -> Option<Array1<f64>> {
    let delta = newton_step(obj, theta, lambda, g, opts)?;
    let beta = grad_lm.dot(&delta);
    let d = if (1.0 - beta).abs() > 1e-12 {
        &delta / (1.0 - beta)
    } else {
        delta
    };
    let mut t = 1.0;
    for _ in 0..8 {
        let trial = &theta + &(&d * t);
        if log_merit(obj, trial.view(), lambda, known, opts) < merit {
            return Some(d * t);
        }
        t *= 0.5;
    }
    Some(d * t)
}

/// Whether θ coincides with a known point (max-norm, relative to θ's size).
fn is_known(theta: ArrayView1<f64>, known: &[Array1<f64>]) -> bool {
    let tol = super::same_tol(theta);
    known
        .iter()
        .any(|k| super::max_dist(theta, k.view()) <= tol)
}

/// What a deflation search found, and how its other runs ended.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeflationReport {
    /// λ of the search.
    pub lambda: f64,
    /// Starts tried.
    pub starts: usize,
    /// New critical points, in the order found (not in the JSON: they become seeds).
    #[serde(skip)]
    pub found: Vec<Array1<f64>>,
    /// Runs that polished onto a known point.
    pub known: usize,
    /// Runs that diverged.
    pub diverged: usize,
    /// Runs whose Newton step or polish failed.
    pub failed: usize,
    /// Runs that spent their iterations.
    pub iteration_limit: usize,
    /// The deadline passed before every start was tried (not in the JSON; a resumed run
    /// continues the search from start `tried`).
    #[serde(skip)]
    pub interrupted: bool,
    /// Starts tried so far (not in the JSON).
    #[serde(skip)]
    pub tried: usize,
}

impl DeflationReport {
    /// One line for a seed record.
    pub fn summary(&self) -> String {
        format!(
            "{} new, {} onto known points, {} diverged, {} singular, {} at the iteration limit",
            self.found.len(),
            self.known,
            self.diverged,
            self.failed,
            self.iteration_limit
        )
    }
}

/// New critical points at λ from `starts`, none in `known` (nor repeated).
pub fn deflation_search<O: Objective + ?Sized>(
    obj: &O,
    lambda: f64,
    known: &[Array1<f64>],
    starts: &[Array1<f64>],
    opts: &DeflationOptions,
) -> Result<DeflationReport> {
    let mut r = DeflationReport {
        lambda,
        starts: starts.len(),
        ..Default::default()
    };
    deflation_continue(obj, known, starts, opts, &mut r)?;
    Ok(r)
}

/// [`deflation_search`] continued from start `r.tried` (what `r` found deflated too). At the
/// deadline the start under way is undone and `r.interrupted` set.
pub fn deflation_continue<O: Objective + ?Sized>(
    obj: &O,
    known: &[Array1<f64>],
    starts: &[Array1<f64>],
    opts: &DeflationOptions,
    r: &mut DeflationReport,
) -> Result<()> {
    let mut all: Vec<Array1<f64>> = known.iter().chain(&r.found).cloned().collect();
    let lambda = r.lambda;
    r.interrupted = false;
    for s in &starts[r.tried.min(starts.len())..] {
        if s.len() != obj.dim() {
            return Err(crate::Error::shape("deflation start", obj.dim(), s.len()));
        }
        let before = r.clone();
        // Both variants when dense: each finds points the other misses (see above).
        let variants: &[bool] = if obj.dim() <= opts.dense_max_dim {
            &[true, false]
        } else {
            &[false]
        };
        for &lm in variants {
            let o = DeflationOptions { lm, ..opts.clone() };
            for _ in 0..opts.attempts_per_start {
                if opts
                    .deadline
                    .is_some_and(|d| std::time::Instant::now() >= d)
                {
                    *r = before;
                    r.interrupted = true;
                    return Ok(());
                }
                match deflated_newton(obj, lambda, &all, s, &o) {
                    Outcome::Found(t) => {
                        all.push(t.clone());
                        r.found.push(t);
                        continue;
                    }
                    Outcome::Known => r.known += 1,
                    Outcome::Diverged => r.diverged += 1,
                    Outcome::Failed => r.failed += 1,
                    Outcome::IterationLimit => r.iteration_limit += 1,
                }
                break;
            }
        }
        r.tried += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    /// L(x, y) = (x² − 1)² / 4 + y²/2: critical points (±1, 0) minima, (0, 0) a saddle.
    struct DoubleWell;

    impl Objective for DoubleWell {
        fn dim(&self) -> usize {
            2
        }
        fn value(&self, t: ArrayView1<f64>, _l: f64) -> f64 {
            (t[0] * t[0] - 1.0).powi(2) / 4.0 + t[1] * t[1] / 2.0
        }
        fn gradient(&self, t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
            array![t[0] * (t[0] * t[0] - 1.0), t[1]]
        }
        fn hessian(&self, t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
            array![[3.0 * t[0] * t[0] - 1.0, 0.0], [0.0, 1.0]]
        }
        fn grad_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
            Array1::zeros(2)
        }
        fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
            Array2::zeros((2, 2))
        }
        fn d3_vec(&self, t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
            array![6.0 * t[0] * u[0] * u[0], 0.0]
        }
        fn d3_mixed_vec(
            &self,
            t: ArrayView1<f64>,
            _l: f64,
            u: ArrayView1<f64>,
            w: ArrayView1<f64>,
        ) -> Array1<f64> {
            array![6.0 * t[0] * u[0] * w[0], 0.0]
        }
        fn d4(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> f64 {
            6.0 * u[0].powi(4)
        }
    }

    #[test]
    fn deflation_finds_the_other_critical_points_from_one_start() {
        // Plain Newton from (1.2, 0.3) goes to the known minimum (1, 0); deflated, it must find
        // the saddle and the other minimum (checked against the closed form).
        let known = vec![array![1.0, 0.0]];
        let starts = vec![array![1.2, 0.3]];
        let opts = DeflationOptions {
            attempts_per_start: 4,
            ..Default::default()
        };
        let found = deflation_search(&DoubleWell, 0.0, &known, &starts, &opts)
            .unwrap()
            .found;
        let has = |x: f64| {
            found
                .iter()
                .any(|t| (t[0] - x).abs() < 1e-12 && t[1].abs() < 1e-12)
        };
        assert!(has(0.0) && has(-1.0), "found {found:?}");
        assert!(!has(1.0), "re-found the known point");
    }
}

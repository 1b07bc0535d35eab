//! The pseudo-arclength predictor–corrector loop with step control, boundary landing and event
//! detection.

use super::corrector::{
    correct, join, lambda_of, newton_fixed_lambda, norm, tangent, tangent_svd, theta_of, Bordered,
};
use super::events::{locate, Endpoint};
use super::{Branch, ContinuationParams, EventKind, Method, Point, Spectrum, Status};
use crate::derivatives::Objective;
use crate::error::{ensure_finite, ensure_positive, Error, Result};
use crate::linalg::{sym_eigen_smallest, sym_eigenvalues, PartialEigen, DENSE_EIGEN_MAX};
use ndarray::{Array1, Array2, ArrayView1};

/// Newton iterations allowed for a natural-parameter solve (start point, boundary landing).
pub(crate) const NATURAL_NEWTON_ITERS: usize = 50;
/// Step growth when the corrector converged by chord iterations alone in few steps.
const GROW_FAST: f64 = 2.0;
/// Step growth when the corrector needed at most one Jacobian evaluation.
const GROW_SLOW: f64 = 1.3;
/// Largest correction ‖x − x_pred‖ accepted, relative to the step (guards against jumping to
/// another branch).
const MAX_CORRECTION: f64 = 0.5;

/// An event whose location leaves a residual above this (after Newton/Brent to `event_tol`)
/// is taken as a sign that the step jumped between branches; the step is retried smaller.
const JUMP_RESIDUAL: f64 = 1e-8;

/// Everything kept about an accepted point.
struct State {
    x: Array1<f64>,
    tau: Array1<f64>,
    /// Factorisation of \[\[H, ∂λ∇L\], \[borderᵀ\]\] at x (chord Jacobian of the next corrector).
    jac: Bordered,
    /// The border row of `jac` (the previous tangent), also the next corrector's normal.
    border: Array1<f64>,
    eig: PartialEigen,
    morse: usize,
    arclength: f64,
    grad_norm: f64,
}

impl State {
    fn endpoint(&self) -> Endpoint<'_> {
        Endpoint {
            x: &self.x,
            morse: self.morse,
            arclength: self.arclength,
        }
    }

    fn point<O: Objective + ?Sized>(&self, obj: &O) -> Point {
        Point {
            lambda: lambda_of(&self.x),
            grad_norm: self.grad_norm,
            loss: obj.value(theta_of(&self.x), lambda_of(&self.x)),
            eigenvalues: self.eig.values.to_vec(),
            tangent_lambda: self.tau[self.tau.len() - 1],
            morse_index: self.morse,
            arclength: self.arclength,
            theta: theta_of(&self.x).to_owned(),
        }
    }
}

/// Points traced with dense eigenvalues after the partial eigensolver fell back to the dense one
/// (clustered spectra), before it is tried again.
const DENSE_SPELL: usize = 8;

/// Eigenvalues per `spectrum` and the Morse index (exact inertia count on the partial path,
/// the full spectrum on the dense one). With `dense_values_only`, the dense eigenvalues without
/// eigenvectors (the cheapest dense path; no warm start for the next point).
pub(crate) fn spectrum_of(
    h: &Array2<f64>,
    spectrum: Spectrum,
    warm: Option<&Array2<f64>>,
    dense_values_only: bool,
) -> Result<PartialEigen> {
    let k = match spectrum {
        Spectrum::Smallest(k) if !dense_values_only => return sym_eigen_smallest(h, k, warm),
        Spectrum::Smallest(k) => k.min(h.nrows()),
        Spectrum::Full => h.nrows(),
    };
    let values = sym_eigenvalues(h)?;
    let negative_count = values.iter().filter(|&&v| v < 0.0).count();
    Ok(PartialEigen {
        values: values.slice(ndarray::s![..k]).to_owned(),
        vectors: Array2::zeros((h.nrows(), 0)),
        negative_count,
        dense: true,
    })
}

/// Hessian, tangent (oriented by `border`) and spectrum at a converged point.
#[allow(clippy::too_many_arguments)]
fn analyse<O: Objective + ?Sized>(
    obj: &O,
    x: Array1<f64>,
    grad_norm: f64,
    border: ArrayView1<f64>,
    warm: Option<&Array2<f64>>,
    dense_values_only: bool,
    arclength: f64,
    params: &ContinuationParams,
) -> std::result::Result<State, String> {
    let theta = theta_of(&x);
    let lam = lambda_of(&x);
    let h = obj.hessian(theta, lam);
    let gl = obj.grad_lambda(theta, lam);
    let (tau, jac) = tangent(&h, &gl, border)
        .ok_or_else(|| format!("singular bordered Jacobian at λ = {lam}"))?;
    let eig =
        spectrum_of(&h, params.spectrum, warm, dense_values_only).map_err(|e| e.to_string())?;
    Ok(State {
        morse: eig.negative_count,
        x,
        tau,
        jac,
        border: border.to_owned(),
        eig,
        arclength,
        grad_norm,
    })
}

fn validate(n: usize, theta0: ArrayView1<f64>, lambda0: f64, p: &ContinuationParams) -> Result<()> {
    if theta0.len() != n {
        return Err(Error::shape("initial θ", n, theta0.len()));
    }
    ensure_finite("initial θ", theta0.iter())?;
    let finite = |name: &str, v: f64| {
        if v.is_finite() {
            Ok(())
        } else {
            Err(Error::param(name, format!("must be finite, got {v}")))
        }
    };
    finite("lambda_min", p.lambda_min)?;
    finite("lambda_max", p.lambda_max)?;
    finite("lambda0", lambda0)?;
    if p.lambda_min >= p.lambda_max {
        return Err(Error::param(
            "lambda_max",
            format!(
                "must exceed lambda_min = {}, got {}",
                p.lambda_min, p.lambda_max
            ),
        ));
    }
    if !(p.lambda_min..=p.lambda_max).contains(&lambda0) {
        return Err(Error::param(
            "lambda0",
            format!(
                "must lie in [{}, {}], got {lambda0}",
                p.lambda_min, p.lambda_max
            ),
        ));
    }
    if !(p.ds_min > 0.0
        && p.ds_min <= p.ds_initial
        && p.ds_initial <= p.ds_max
        && p.ds_max.is_finite())
    {
        return Err(Error::param(
            "ds_initial",
            format!(
                "need 0 < ds_min ≤ ds_initial ≤ ds_max < ∞, got {} ≤ {} ≤ {}",
                p.ds_min, p.ds_initial, p.ds_max
            ),
        ));
    }
    ensure_positive("grad_tol", p.grad_tol)?;
    ensure_positive("event_tol", p.event_tol)?;
    if !(p.max_turn > 0.0 && p.max_turn < std::f64::consts::PI) {
        return Err(Error::param(
            "max_turn",
            format!("must lie in (0, π), got {}", p.max_turn),
        ));
    }
    if p.max_newton_iters == 0 {
        return Err(Error::param("max_newton_iters", "must be at least 1"));
    }
    if p.spectrum == Spectrum::Smallest(0) {
        return Err(Error::param("spectrum", "Smallest(k) needs k ≥ 1"));
    }
    Ok(())
}

fn progress_bar(params: &ContinuationParams) -> Option<indicatif::ProgressBar> {
    params.progress.then(|| {
        let pb = indicatif::ProgressBar::new(1000);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} exact trace [{bar:40}] {elapsed_precise} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    })
}

/// Pseudo-arclength continuation (see [`super::trace`]).
pub(crate) fn trace_impl<O: Objective + ?Sized>(
    obj: &O,
    theta0: ArrayView1<f64>,
    lambda0: f64,
    params: &ContinuationParams,
) -> Result<Branch> {
    let n = obj.dim();
    validate(n, theta0, lambda0, params)?;
    let (theta, gn) =
        newton_fixed_lambda(obj, theta0, lambda0, params.grad_tol, NATURAL_NEWTON_ITERS).map_err(
            |reason| Error::NoConvergence {
                method: "Newton at the start point".into(),
                reason,
            },
        )?;
    let x0 = join(theta.view(), lambda0);
    let mut e_lambda = Array1::zeros(n + 1);
    e_lambda[n] = 1.0;
    let mut cur = match analyse(
        obj,
        x0.clone(),
        gn,
        e_lambda.view(),
        None,
        false,
        0.0,
        params,
    ) {
        Ok(s) => s,
        Err(_) => {
            // Start exactly at a fold: take the kernel of [H ∂λ∇L] as the tangent.
            let h = obj.hessian(theta.view(), lambda0);
            let gl = obj.grad_lambda(theta.view(), lambda0);
            let t = tangent_svd(&h, &gl).ok_or_else(|| {
                Error::Linalg(format!("no tangent at the start point λ = {lambda0}"))
            })?;
            analyse(obj, x0, gn, t.view(), None, false, 0.0, params).map_err(Error::Linalg)?
        }
    };

    let mut points = vec![cur.point(obj)];
    let mut events = Vec::new();
    let pb = progress_bar(params);
    let span = params.lambda_max - params.lambda_min;
    let mut ds = params.ds_initial;
    let mut steps = 0usize;
    let mut last_failure = String::new();
    let isolate_min = (64.0 * params.ds_min).max(1e-9);
    // Whether the partial eigensolver can take its fast path at all here.
    let partial_possible =
        matches!(params.spectrum, Spectrum::Smallest(k) if n > DENSE_EIGEN_MAX && 4 * k <= n);
    let mut dense_spell = 0usize;

    let status = loop {
        if steps >= params.max_steps {
            break Status::StepBudgetExhausted;
        }
        if ds < params.ds_min {
            break Status::Stalled(format!(
                "step size {ds:.3e} below ds_min = {:.1e} at λ = {} after {} accepted points: {}",
                params.ds_min,
                lambda_of(&cur.x),
                points.len(),
                last_failure
            ));
        }
        steps += 1;
        let xp = &cur.x + &(&cur.tau * ds);
        let corr = match correct(
            obj,
            &xp,
            cur.border.view(),
            Some(&cur.jac),
            params.grad_tol,
            params.max_newton_iters,
        ) {
            Ok(c) => c,
            Err(e) => {
                last_failure = e;
                ds *= 0.5;
                continue;
            }
        };
        let dist = norm((&corr.x - &xp).view());
        if dist > MAX_CORRECTION * ds {
            last_failure = format!("correction {dist:.3e} too large for step {ds:.3e}");
            ds *= 0.5;
            continue;
        }
        let (mut xb, mut gnb) = (corr.x, corr.grad_norm);
        // Land exactly on a window boundary that the step crossed.
        let lam_b = lambda_of(&xb);
        let boundary = if lam_b > params.lambda_max {
            Some((params.lambda_max, Status::ReachedLambdaMax))
        } else if lam_b < params.lambda_min {
            Some((params.lambda_min, Status::ReachedLambdaMin))
        } else {
            None
        };
        if let Some((bound, _)) = &boundary {
            let lam_a = lambda_of(&cur.x);
            let t = (bound - lam_a) / (lam_b - lam_a);
            let guess = &cur.x + &((&xb - &cur.x) * t);
            match newton_fixed_lambda(
                obj,
                theta_of(&guess),
                *bound,
                params.grad_tol,
                NATURAL_NEWTON_ITERS,
            ) {
                Ok((th, g)) if norm((&th - &theta_of(&guess)).view()) <= ds => {
                    xb = join(th.view(), *bound);
                    gnb = g;
                }
                Ok(_) => {
                    last_failure = format!("boundary landing at λ = {bound} jumped");
                    ds *= 0.5;
                    continue;
                }
                Err(e) => {
                    last_failure = format!("boundary landing failed: {e}");
                    ds *= 0.5;
                    continue;
                }
            }
        }
        let arclength = cur.arclength + norm((&xb - &cur.x).view());
        let next = match analyse(
            obj,
            xb,
            gnb,
            cur.tau.view(),
            Some(&cur.eig.vectors),
            dense_spell > 0,
            arclength,
            params,
        ) {
            Ok(s) => s,
            Err(e) => {
                last_failure = e;
                ds *= 0.5;
                continue;
            }
        };
        let cos_turn = cur.tau.dot(&next.tau).clamp(-1.0, 1.0);
        if cos_turn.acos() > params.max_turn {
            last_failure = format!("tangent turned by {:.3} rad", cos_turn.acos());
            ds *= 0.5;
            continue;
        }
        // Test functions: tangent λ-component (fold), bordered determinant (branch point).
        let (ta, tb) = (cur.tau[n], next.tau[n]);
        let fold = (ta > 0.0) != (tb > 0.0);
        let bp = cur.jac.det_sign != next.jac.det_sign;
        let dm = (next.morse as i64 - cur.morse as i64).abs();
        let consistent = (dm % 2 == 1) == (fold ^ bp);
        if ((fold && bp) || dm > 1 || !consistent) && ds > isolate_min {
            last_failure = "several events in one step".into();
            ds *= 0.5;
            continue;
        }

        let mut kinds = Vec::new();
        if fold {
            kinds.push(EventKind::Fold);
        }
        if bp {
            kinds.push(EventKind::BranchPoint);
        }
        if kinds.is_empty() && dm != 0 {
            kinds.push(EventKind::MorseChange);
        }
        let found: Vec<_> = kinds
            .into_iter()
            .map(|kind| locate(obj, kind, &cur.endpoint(), &next.endpoint(), ta, tb, params))
            .collect();
        // A gross location failure means the test functions jumped, typically because the
        // corrector landed on a nearby branch (an imperfect bifurcation seen from afar): retry
        // with a smaller step, which either resolves the event or follows the turn.
        if params.locate_events
            && ds > isolate_min
            && found
                .iter()
                .any(|e| e.residual.is_nan() || e.residual > JUMP_RESIDUAL)
        {
            last_failure = format!(
                "event between λ = {} and λ = {} could not be located (possible branch jump)",
                lambda_of(&cur.x),
                lambda_of(&next.x)
            );
            ds *= 0.5;
            continue;
        }

        // Accept.
        events.extend(found);
        points.push(next.point(obj));
        if corr.refreshes == 0 && corr.iters <= 4 {
            ds = (ds * GROW_FAST).min(params.ds_max);
        } else if corr.refreshes <= 1 && corr.iters <= 8 {
            ds = (ds * GROW_SLOW).min(params.ds_max);
        } else if corr.refreshes > 3 {
            ds *= 0.5;
        }
        if partial_possible {
            if dense_spell > 0 {
                dense_spell -= 1;
            } else if next.eig.dense {
                dense_spell = DENSE_SPELL;
            }
        }
        cur = next;
        if let Some(pb) = &pb {
            let frac = (lambda_of(&cur.x) - params.lambda_min) / span;
            pb.set_position((frac.clamp(0.0, 1.0) * 1000.0) as u64);
            pb.set_message(format!(
                "λ = {:.5}, {} points, {} events",
                lambda_of(&cur.x),
                points.len(),
                events.len()
            ));
        }
        if let Some((_, st)) = boundary {
            break st;
        }
    };
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let max_grad_norm = points.iter().map(|p| p.grad_norm).fold(0.0, f64::max);
    Ok(Branch {
        method: Method::Exact,
        points,
        events,
        max_grad_norm,
        status,
    })
}

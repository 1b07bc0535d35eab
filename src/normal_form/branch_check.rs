//! The normal-form prediction λ(a) near an event compared with a traced branch.

use super::types::{Classification, Coefficients};
use crate::continuation::{Branch, Event};
use crate::error::{ensure_nonnegative, ensure_positive, Error, Result};
use crate::linalg;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

/// Options of [`branch_check_with`].
///
/// ```
/// let o = actbif::normal_form::BranchCheckOptions::default();
/// assert_eq!(o.max_abs_a, None);
/// assert_eq!(o.min_abs_dlambda, 1e-8);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BranchCheckOptions {
    /// Only points with |a| ≤ this are compared. `None`: 0.1/r with r the rate at which the
    /// neglected terms grow (r = max(|g_aµ/g_µ|, |g_aaa/(3g_aa)|) for a fold,
    /// |g_aaa/(3g_aa)| for a transcritical point); no limit when r = 0 (pitchfork).
    pub max_abs_a: Option<f64>,
    /// Points with |λ − λ*| ≤ this · max(1, |λ*|) are skipped: there the relative deviation is
    /// dominated by the location error of λ*.
    pub min_abs_dlambda: f64,
}

impl Default for BranchCheckOptions {
    fn default() -> Self {
        BranchCheckOptions {
            max_abs_a: None,
            min_abs_dlambda: 1e-8,
        }
    }
}

/// Agreement of the normal-form prediction with the traced branch near the event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BranchCheck {
    /// What was compared.
    pub description: String,
    /// Points compared: (a, λ on branch, λ predicted).
    pub samples: Vec<(f64, f64, f64)>,
    /// Largest relative deviation |λ_branch − λ_pred| / |λ_branch − λ*|.
    pub max_rel_deviation: f64,
    /// Least-squares slope p of log(relative deviation) against log|a|: the deviation shrinks
    /// like |a|^p (p ≈ 1 generically, ≈ 2 for a Z2 pitchfork). `None` with < 2 usable samples.
    pub order_estimate: Option<f64>,
    /// The |a| window used.
    pub max_abs_a: f64,
}

/// Compares the normal form (fold parabola λ(a) ≈ λ* − g_aa a²/(2 g_µ)) with the branch points
/// near the event, with default [`BranchCheckOptions`].
pub fn branch_check(coeffs: &Coefficients, event: &Event, branch: &Branch) -> Result<BranchCheck> {
    branch_check_with(coeffs, event, branch, &BranchCheckOptions::default())
}

/// Compares the normal-form prediction λ(a) with branch points (a = φᵀ(θ − θ*)).
///
/// * Fold: `branch` is the traced branch; λ(a) = λ* − g_aa a²/(2g_µ).
/// * Transcritical: `branch` is the bifurcating (branch-switched) trace;
///   λ(a) = λ* − g_aa a/(2g_aµ).
/// * Pitchfork: `branch` is a bifurcating trace; λ(a) = λ* − g_aaa a²/(6g_aµ) with the reduced
///   g_aaa.
///
/// The branch-point predictions assume the other branch through the event has tangent ⟂ φ
/// (g_µµ = 0, as for the paper's straightened trivial branch or a symmetric one).
/// Samples are the contiguous run of branch points around the one nearest (θ*, λ*) with
/// |a| ≤ `max_abs_a`.
pub fn branch_check_with(
    coeffs: &Coefficients,
    event: &Event,
    branch: &Branch,
    opts: &BranchCheckOptions,
) -> Result<BranchCheck> {
    validate_branch_check(coeffs, event, branch, opts)?;
    let ls = coeffs.lambda_star;
    let c = coeffs;
    let (description, rate, predict) = prediction(c)?;
    let max_abs_a = match opts.max_abs_a {
        Some(a) => a,
        None if rate > 0.0 => 0.1 / rate,
        None => f64::INFINITY,
    };

    let theta_star = Array1::from(event.theta.clone());
    let phi = Array1::from(c.phi.clone());
    let a_of: Vec<f64> = branch
        .points
        .iter()
        .map(|p| phi.dot(&(&p.theta - &theta_star)))
        .collect();
    let dist = |i: usize| {
        let p = &branch.points[i];
        linalg::norm((&p.theta - &theta_star).view()) + (p.lambda - ls).abs()
    };
    let i0 = (0..branch.points.len())
        .min_by(|&i, &j| dist(i).total_cmp(&dist(j)))
        .expect("non-empty");
    let mut lo = i0;
    while lo > 0 && a_of[lo - 1].abs() <= max_abs_a {
        lo -= 1;
    }
    let mut hi = i0;
    while hi + 1 < a_of.len() && a_of[hi + 1].abs() <= max_abs_a {
        hi += 1;
    }
    let floor = opts.min_abs_dlambda * ls.abs().max(1.0);
    let mut samples = Vec::new();
    let mut max_rel = 0.0f64;
    let mut logs = Vec::new();
    for (&a, p) in a_of[lo..=hi].iter().zip(&branch.points[lo..=hi]) {
        let lb = p.lambda;
        if a.abs() > max_abs_a || (lb - ls).abs() <= floor {
            continue;
        }
        let lp = predict(a);
        let rel = (lb - lp).abs() / (lb - ls).abs();
        max_rel = max_rel.max(rel);
        samples.push((a, lb, lp));
        if rel > 0.0 && a != 0.0 {
            logs.push((a.abs().ln(), rel.ln()));
        }
    }
    if samples.is_empty() {
        return Err(Error::param(
            "branch",
            format!(
                "no branch point with {floor:.1e} < |λ − λ*| and |a| ≤ {max_abs_a:.3e} near the event"
            ),
        ));
    }
    let order_estimate = slope(&logs);
    Ok(BranchCheck {
        description,
        samples,
        max_rel_deviation: max_rel,
        order_estimate,
        max_abs_a,
    })
}

/// Checks that the event, the branch and the options fit the coefficients.
fn validate_branch_check(
    coeffs: &Coefficients,
    event: &Event,
    branch: &Branch,
    opts: &BranchCheckOptions,
) -> Result<()> {
    let n = coeffs.phi.len();
    if event.theta.len() != n {
        return Err(Error::shape(
            "event θ*",
            format!("{n} entries (as the coefficients' φ)"),
            event.theta.len(),
        ));
    }
    if let Some(a) = opts.max_abs_a {
        ensure_positive("max_abs_a", a)?;
    }
    ensure_nonnegative("min_abs_dlambda", opts.min_abs_dlambda)?;
    if branch.points.is_empty() {
        return Err(Error::param("branch", "has no points"));
    }
    if let Some(i) = branch.points.iter().position(|p| p.theta.len() != n) {
        return Err(Error::shape(
            "branch point θ (θ is not stored in JSON; pass an in-memory branch)",
            n,
            format!("{} at point {i}", branch.points[i].theta.len()),
        ));
    }
    Ok(())
}

/// (description, rate, λ(a)) of [`prediction`].
type Prediction = (String, f64, Box<dyn Fn(f64) -> f64>);

/// The normal form's prediction λ(a) near the event with its description and the rate that
/// sets the default window (|a| ≤ 0.1/rate); a degenerate event has none.
fn prediction(c: &Coefficients) -> Result<Prediction> {
    let ls = c.lambda_star;
    let g_aaa = c.g_aaa_reduced;
    let g_aa = c.g_aa.ad;
    let (g_mu, g_amu) = (c.g_mu, c.g_amu);
    let safe = |x: f64| if x.is_finite() { x.abs() } else { 0.0 };
    Ok(match c.classification {
        Classification::Fold => (
            format!(
                "fold: traced branch vs parabola λ(a) = λ* − g_aa a²/(2g_µ), \
                     g_aa = {g_aa:.6e}, g_µ = {:.6e}",
                c.g_mu
            ),
            safe(c.g_amu / c.g_mu).max(safe(g_aaa / (3.0 * g_aa))),
            Box::new(move |a| ls - g_aa * a * a / (2.0 * g_mu)),
        ),
        Classification::Transcritical => (
            format!(
                "transcritical: bifurcating trace vs line λ(a) = λ* − g_aa a/(2g_aµ), \
                     g_aa = {g_aa:.6e}, g_aµ = {:.6e} (assumes the other branch ⟂ φ)",
                c.g_amu
            ),
            safe(g_aaa / (3.0 * g_aa)),
            Box::new(move |a| ls - g_aa * a / (2.0 * g_amu)),
        ),
        Classification::Pitchfork => (
            format!(
                "pitchfork: bifurcating trace vs parabola λ(a) = λ* − g_aaa a²/(6g_aµ), \
                     reduced g_aaa = {g_aaa:.6e}, g_aµ = {:.6e} (assumes the other branch ⟂ φ)",
                c.g_amu
            ),
            0.0,
            Box::new(move |a| ls - g_aaa * a * a / (6.0 * g_amu)),
        ),
        Classification::Degenerate => {
            return Err(Error::param(
                "coefficients",
                "degenerate event: no normal form to compare with",
            ))
        }
    })
}

/// Least-squares slope of y against x; `None` if fewer than two distinct x.
fn slope(xy: &[(f64, f64)]) -> Option<f64> {
    if xy.len() < 2 {
        return None;
    }
    let k = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / k;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 0.0 {
        None
    } else {
        Some(sxy / sxx)
    }
}

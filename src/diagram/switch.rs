//! Branch switching: seeds on the branches born at a branch point, from the reduced equation.
//!
//! At a simple branch point (θ*, λ*) with kernel φ the bifurcating branch is, to leading order,
//! θ = θ* + aφ, λ = λ* + µ(a) with µ = −g_aa·a/(2g_aµ) (transcritical) or
//! µ = −g_aaa·a²/(6g_aµ) (Z2 pitchfork, reduced g_aaa). The seed is corrected onto the branch
//! by Newton on (∇L = 0, uᵀ(θ − θ*) = a) with λ free — regular on the new branch, where
//! Newton at fixed λ would be nearly singular — and accepted only if it lies off the parent
//! (farther than a/4 from the parent's crossing of its λ). A multi-dimensional kernel is handled by
//! [`super::equivariant`] (Newton from the kernel's sphere).

use super::crossings::crossings;
use crate::continuation::{Event, Point};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::linalg::{norm, solve_bordered};
use crate::normal_form::{coefficients, Classification, CoefficientOptions, Coefficients};
use ndarray::{Array1, ArrayView1};

/// Target |λ − λ*| of a seed (the first try; then ÷10, twice).
const SEED_DLAMBDA: f64 = 1e-3;

/// A corrected point on a bifurcating branch.
#[derive(Clone, Debug)]
pub struct SwitchSeed {
    /// θ.
    pub theta: Array1<f64>,
    /// λ.
    pub lambda: f64,
    /// The amplitude a = uᵀ(θ − θ*) along the switching direction u.
    pub amplitude: f64,
}

/// Newton on (∇L = 0, uᵀ(θ − θ*) = a) in (θ, λ) from (θ0, λ0), dense bordered solves.
pub fn correct_on_section<O: Objective + ?Sized>(
    obj: &O,
    anchor: ArrayView1<f64>,
    u: ArrayView1<f64>,
    a: f64,
    start: (Array1<f64>, f64),
    tol: f64,
) -> Option<(Array1<f64>, f64)> {
    let (mut theta, mut lambda) = start;
    for _ in 0..30 {
        let g = obj.gradient(theta.view(), lambda);
        let cons = u.dot(&(&theta - &anchor)) - a;
        if norm(g.view()) <= tol && cons.abs() <= 1e-12 * (1.0 + a.abs()) {
            return Some((theta, lambda));
        }
        let h = obj.hessian(theta.view(), lambda);
        let gl = obj.grad_lambda(theta.view(), lambda);
        let (dx, dl) = solve_bordered(h.view(), gl.view(), u, 0.0, (-&g).view(), -cons).ok()?;
        theta += &dx;
        lambda += dl;
        if !lambda.is_finite() {
            return None;
        }
    }
    let g = norm(obj.gradient(theta.view(), lambda).view());
    (g <= 10.0 * tol).then_some((theta, lambda))
}

/// µ(a), the leading-order λ − λ* along a bifurcating branch.
type MuOfA = Box<dyn Fn(f64) -> f64>;

/// The leading-order amplitude law of a simple branch point: µ(a) and the a giving |µ| = dl.
fn amplitude_law(c: &Coefficients, dl: f64) -> Option<(f64, MuOfA)> {
    let gam = c.g_amu;
    if gam == 0.0 || !gam.is_finite() {
        return None;
    }
    match c.classification {
        Classification::Transcritical => {
            let k = -c.g_aa.ad / (2.0 * gam);
            Some((dl / k.abs(), Box::new(move |a| k * a)))
        }
        Classification::Pitchfork => {
            let k = -c.g_aaa_reduced / (6.0 * gam);
            Some(((dl / k.abs()).sqrt(), Box::new(move |a| k * a * a)))
        }
        _ => None,
    }
}

/// Seeds on the branch born at a simple branch point `event` of the branch `parent`, in the
/// window [lo, hi]: one for a pitchfork or transcritical point (the trace through it covers
/// both halves). Returns the coefficients and the seeds, or why there are none.
pub fn simple_switch<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
    parent: &[Point],
    window: (f64, f64),
    tol: f64,
) -> Result<(Coefficients, std::result::Result<SwitchSeed, String>)> {
    let c = coefficients(obj, event, None, &CoefficientOptions::default())?;
    let theta_star = Array1::from(event.theta.clone());
    let phi = Array1::from(c.phi.clone());
    let scale = 1.0 + norm(theta_star.view());
    let mut why = format!(
        "{:?}: no bifurcating branch to switch onto",
        c.classification
    );
    let mut dl = SEED_DLAMBDA;
    for _ in 0..3 {
        let Some((a, mu)) = amplitude_law(&c, dl) else {
            return Ok((c, Err(why)));
        };
        let a = a.min(0.1 * scale);
        for sign in [1.0, -1.0] {
            let a = sign * a;
            let lambda0 = event.lambda + mu(a);
            if !(window.0..=window.1).contains(&lambda0) {
                why = format!("the seed at λ = {lambda0:.4} leaves the window");
                continue;
            }
            let start = (&theta_star + &(&phi * a), lambda0);
            match correct_on_section(obj, theta_star.view(), phi.view(), a, start, tol) {
                // λ is free in the corrector: it can leave the window the prediction was in.
                Some((_, lambda)) if !(window.0..=window.1).contains(&lambda) => {
                    why = format!("the corrected seed at λ = {lambda:.4e} leaves the window");
                }
                Some((theta, lambda)) if off_parent(obj, parent, &theta, lambda, a, tol) => {
                    let s = SwitchSeed {
                        theta,
                        lambda,
                        amplitude: a,
                    };
                    return Ok((c, Ok(s)));
                }
                Some(_) => why = "the corrected seed fell back onto the parent branch".into(),
                None => why = "the corrector did not converge from the predicted seed".into(),
            }
        }
        dl *= 0.1;
    }
    Ok((c, Err(why)))
}

/// Whether the critical point (θ, λ) lies farther than |a|/4 from every crossing of the parent
/// branch with λ.
pub fn off_parent<O: Objective + ?Sized>(
    obj: &O,
    parent: &[Point],
    theta: &Array1<f64>,
    lambda: f64,
    a: f64,
    tol: f64,
) -> bool {
    crossings(obj, parent, lambda, tol)
        .iter()
        .all(|x| norm((&x.theta - theta).view()) > 0.25 * a.abs())
}

//! The paper's reduced-potential slices along the kernel line and their polynomial fits
//! (Appendix B.2, B.3).
//!
//! The paper's "reduced potential" is the loss on the straight line θ* + aφ (not the
//! Lyapunov–Schmidt potential, which follows the slaved w(a, µ)):
//! φ(a, µ) = L(θ* + aφ, λ* + µ) − L(θ*, λ* + µ). Its Taylor coefficients are
//! c1 = µ-dependent slope φᵀ∇L, c2 = ½φᵀHφ, c3 = D³L\[φ³\]/6 = g_aa/6 and
//! c4 = D⁴L\[φ⁴\]/24 = raw g_aaa/24, so the fit recovers the *raw* (26), not the reduced g_aaa;
//! dc2/dµ = ½φᵀ(∂λH)φ, the first term of g_aµ only.

use super::event_point;
use crate::continuation::Event;
use crate::derivatives::Objective;
use crate::error::{ensure_finite, Error, Result};
use crate::linalg::lstsq;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Monomials of the polynomial fit of a potential slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PolyBasis {
    /// The paper's c2 a² + c3 a³ + c4 a⁴ (B.2). Biased when µ ≠ 0 and g_µ ≠ 0, where the
    /// slice has a linear term.
    #[default]
    Paper,
    /// c1 a + c2 a² + c3 a³ + c4 a⁴.
    WithLinear,
}

/// A least-squares polynomial fit of a slice.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolyFit {
    /// The basis used.
    pub basis: PolyBasis,
    /// Linear coefficient (only for [`PolyBasis::WithLinear`]).
    pub c1: Option<f64>,
    /// Quadratic coefficient.
    pub c2: f64,
    /// Cubic coefficient.
    pub c3: f64,
    /// Quartic coefficient.
    pub c4: f64,
    /// Root-mean-square residual of the fit.
    pub rms_residual: f64,
}

/// One slice a ↦ φ(a, µ) on the grid.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PotentialSlice {
    /// µ = λ − λ*.
    pub mu: f64,
    /// φ(a, µ) on [`PotentialSlices::a`].
    pub values: Vec<f64>,
    /// Polynomial fit of the slice.
    pub fit: PolyFit,
}

/// Slices of the paper's reduced potential at several µ (Figure 1, row 4).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PotentialSlices {
    /// λ*.
    pub lambda_star: f64,
    /// The a-grid.
    pub a: Vec<f64>,
    /// One slice per µ, in the order given.
    pub slices: Vec<PotentialSlice>,
}

/// The c2(µ) line of B.3.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TransversalityFit {
    /// µ values.
    pub mu: Vec<f64>,
    /// Fitted c2(µ).
    pub c2: Vec<f64>,
    /// Least-squares slope dc2/dµ (compare with ½φᵀ∂λHφ, the first term of
    /// [`super::Coefficients::g_amu_terms`]).
    pub slope: f64,
    /// Intercept c2(0) (½φᵀHφ ≈ λ1/2 at the event).
    pub intercept: f64,
}

/// Fits c2 a² + c3 a³ + c4 a⁴ (plus c1 a for [`PolyBasis::WithLinear`]) to `values` by least
/// squares. Needs at least 3 (4) distinct nonzero a. Columns are scaled by max|a| for
/// conditioning.
pub fn fit_polynomial(a: &[f64], values: &[f64], basis: PolyBasis) -> Result<PolyFit> {
    if a.len() != values.len() {
        return Err(Error::shape("slice values", a.len(), values.len()));
    }
    ensure_finite("a-grid", a.iter())?;
    ensure_finite("slice values", values.iter())?;
    let first = match basis {
        PolyBasis::Paper => 2,
        PolyBasis::WithLinear => 1,
    };
    let k = 5 - first;
    let mut distinct: Vec<f64> = a.iter().copied().filter(|x| *x != 0.0).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < k {
        return Err(Error::param(
            "a-grid",
            format!(
                "needs at least {k} distinct nonzero values, got {}",
                distinct.len()
            ),
        ));
    }
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let design = Array2::from_shape_fn((a.len(), k), |(i, j)| {
        (a[i] / scale).powi((first + j) as i32)
    });
    let y = Array1::from(values.to_vec());
    let x = lstsq(&design, &y)?;
    let resid = design.dot(&x) - &y;
    let rms_residual = (resid.dot(&resid) / a.len() as f64).sqrt();
    let c = |p: usize| x[p - first] / scale.powi(p as i32);
    Ok(PolyFit {
        basis,
        c1: (first == 1).then(|| c(1)),
        c2: c(2),
        c3: c(3),
        c4: c(4),
        rms_residual,
    })
}

/// φ(a, µ) = L(θ* + aφ, λ* + µ) − L(θ*, λ* + µ) on `a_grid` for each µ in `mus`, each slice
/// fitted in `basis`. φ is the event's kernel vector, normalised.
pub fn potential_slices<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
    a_grid: &[f64],
    mus: &[f64],
    basis: PolyBasis,
) -> Result<PotentialSlices> {
    let (theta, lambda, phi) = event_point(obj, event)?;
    ensure_finite("a-grid", a_grid.iter())?;
    ensure_finite("µ values", mus.iter())?;
    if mus.is_empty() {
        return Err(Error::param("µ values", "need at least one"));
    }
    let mut slices = Vec::with_capacity(mus.len());
    for &mu in mus {
        let l = lambda + mu;
        let base = obj.value(theta.view(), l);
        let values: Vec<f64> = a_grid
            .iter()
            .map(|&a| obj.value((&theta + &(&phi * a)).view(), l) - base)
            .collect();
        let fit = fit_polynomial(a_grid, &values, basis)?;
        slices.push(PotentialSlice { mu, values, fit });
    }
    Ok(PotentialSlices {
        lambda_star: lambda,
        a: a_grid.to_vec(),
        slices,
    })
}

/// Fits the line c2(µ) = intercept + slope·µ through the slices' quadratic coefficients (B.3).
/// Needs at least two distinct µ.
pub fn transversality(slices: &PotentialSlices) -> Result<TransversalityFit> {
    let mu: Vec<f64> = slices.slices.iter().map(|s| s.mu).collect();
    let c2: Vec<f64> = slices.slices.iter().map(|s| s.fit.c2).collect();
    let mut distinct = mu.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 {
        return Err(Error::param(
            "µ values",
            "need at least two distinct values",
        ));
    }
    let design = Array2::from_shape_fn((mu.len(), 2), |(i, j)| if j == 0 { 1.0 } else { mu[i] });
    let x = lstsq(&design, &Array1::from(c2.clone()))?;
    Ok(TransversalityFit {
        mu,
        c2,
        slope: x[1],
        intercept: x[0],
    })
}

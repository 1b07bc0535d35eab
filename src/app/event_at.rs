//! Hessians by the exact or the paper's method, and events built at arbitrary points.

use crate::continuation::{Event, EventKind, Point};
use crate::derivatives::finite_diff::{forward_hessian, PAPER_FD_STEP};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::sym_eigen;
use ndarray::{Array2, ArrayView1};
use serde::Serialize;

/// Where a Hessian comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HessianSource {
    /// Exact (AD / structured).
    Exact,
    /// The paper's forward differences of the exact gradient with this step.
    ForwardDifference(f64),
}

impl HessianSource {
    /// The paper's choice: forward differences with ε = 1e-5.
    pub const PAPER: HessianSource = HessianSource::ForwardDifference(PAPER_FD_STEP);

    /// The Hessian at (θ, λ).
    pub fn hessian<O: Objective + ?Sized>(
        self,
        obj: &O,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Array2<f64> {
        match self {
            HessianSource::Exact => obj.hessian(theta, lambda),
            HessianSource::ForwardDifference(eps) => forward_hessian(obj, theta, lambda, eps),
        }
    }
}

/// Builds an [`Event`] at an arbitrary point (e.g. the paper method's grid point nearest its
/// crossing): kernel = eigenvector of the eigenvalue of smallest modulus of the chosen
/// Hessian, residual = max(‖∇L‖, |λ_min|).
pub fn event_at<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    kind: EventKind,
    source: HessianSource,
    arclength: f64,
) -> Result<Event> {
    let h = source.hessian(obj, theta, lambda);
    let eig = sym_eigen(&h)?;
    let (k, _) = eig
        .values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .ok_or_else(|| Error::param("theta", "empty parameter vector"))?;
    let g = obj.gradient(theta, lambda);
    let gn = g.dot(&g).sqrt();
    let morse = eig.values.iter().filter(|&&x| x < 0.0).count();
    let residual = gn.max(eig.values[k].abs());
    let scale = eig.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Ok(Event {
        kind,
        lambda,
        residual,
        eigenvalues: eig.values.iter().take(6).copied().collect(),
        kernel: eig.vectors.column(k).to_vec(),
        theta: theta.to_vec(),
        morse_before: morse,
        morse_after: morse,
        arclength,
        located: crate::continuation::is_located(residual, scale, &Default::default()),
    })
}

/// The paper method's "event" at its branch point `p` (the grid point nearest its crossing):
/// an eigenvalue crossing with the kernel of the paper's forward-difference Hessian.
pub fn paper_event_at<O: Objective + ?Sized>(obj: &O, p: &Point) -> Result<Event> {
    event_at(
        obj,
        p.theta.view(),
        p.lambda,
        EventKind::EigenvalueCrossing,
        HessianSource::PAPER,
        p.arclength,
    )
}

//! Location of the codimension-two points on a fold curve, each by Newton on its own standard
//! extended system in z = (θ, λ, p, φ) (2n + 2 unknowns):
//!
//! * cusp: (∇L, Hφ, bᵀφ − 1, D³L\[φ, φ, φ\]) = 0 — g_aa = 0;
//! * g_µ = 0 point: (∇L, Hφ, bᵀφ − 1, φᵀ∂λ∇L) = 0.
//!
//! The residual is exact (AD). The Jacobian is exact except for the derivatives of the last
//! row in θ along φ, λ and p, which are central differences of exact AD quantities (relative
//! error ≈ 1e-10): Newton then still converges to the exact zero, at a linear rate of ≈ 1e-10
//! per step, so the located point is accurate to rounding.

use super::min_aug_fold::{lambda_of, p_of, theta_of};
use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::hessian::Hess;
use crate::linalg::{norm, solve};
use ndarray::{concatenate, s, Array1, Array2, ArrayView1, Axis};

/// Central-difference step (relative) for the last row's derivatives: ≈ ε^(1/3).
const FD_REL: f64 = 1e-5;
/// Newton iterations of the extended systems.
const MAX_ITERS: usize = 30;
/// A located point must have max(‖∇L‖, ‖Hφ‖, |test|/scale) below this.
pub const LOCATE_TOL: f64 = 1e-10;

/// Which codimension-two point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    /// D³L\[φ, φ, φ\] = 0.
    Cusp,
    /// φᵀ∂λ∇L = 0.
    GmuZero,
}

/// A Newton solution (or the last iterate) of an extended system.
pub(crate) struct Solved {
    /// (θ, λ, p).
    pub y: Array1<f64>,
    /// Unit kernel vector (orientation of the start φ).
    pub phi: Array1<f64>,
    /// max(‖∇L‖, ‖Hφ‖/‖φ‖, |test|/scale) at the returned point.
    pub residual: f64,
}

/// Test value and its scale (|test| ≤ scale, so test/scale is a cosine).
pub(crate) fn test_value<O: Objective>(
    obj: &O,
    which: Which,
    y: &Array1<f64>,
    phi: &Array1<f64>,
) -> (f64, f64) {
    let (theta, lam) = (theta_of(y), lambda_of(y));
    let pn = norm(phi.view());
    match which {
        Which::Cusp => {
            let d = obj.d3_vec(theta, lam, phi.view());
            (d.dot(phi), norm(d.view()) * pn)
        }
        Which::GmuZero => {
            let gl = obj.grad_lambda(theta, lam);
            (gl.dot(phi), norm(gl.view()) * pn)
        }
    }
}

/// The scaled residual max(‖∇L‖, ‖Hφ‖/‖φ‖, |test|/scale).
pub(crate) fn scaled_residual<F: Family>(
    fam: &F,
    which: Which,
    y: &Array1<f64>,
    phi: &Array1<f64>,
) -> f64 {
    let obj = fam.at(p_of(y));
    let (theta, lam) = (theta_of(y), lambda_of(y));
    let g = norm(obj.gradient(theta, lam).view());
    let k = norm(obj.hessian_vec(theta, lam, phi.view()).view()) / norm(phi.view());
    let (t, sc) = test_value(&obj, which, y, phi);
    let t = if sc > 0.0 { t.abs() / sc } else { t.abs() };
    g.max(k).max(t)
}

/// Last row of the Jacobian: the derivatives of the test function in (θ, λ, p, φ).
fn test_row<F: Family>(fam: &F, which: Which, y: &Array1<f64>, phi: &Array1<f64>) -> Array1<f64> {
    let (theta, lam, p) = (theta_of(y), lambda_of(y), p_of(y));
    let obj = fam.at(p);
    let n = theta.len();
    let hl = FD_REL * lam.abs().max(1.0);
    let hp = FD_REL * p.abs().max(f64::MIN_POSITIVE.sqrt());
    let value = |o: &F::At<'_>, t: ArrayView1<f64>, l: f64| -> f64 {
        match which {
            Which::Cusp => o.d3(t, l, phi.view()),
            Which::GmuZero => o.grad_lambda(t, l).dot(phi),
        }
    };
    let d_lambda = (value(&obj, theta, lam + hl) - value(&obj, theta, lam - hl)) / (2.0 * hl);
    let (op, om) = (fam.at(p + hp), fam.at(p - hp));
    let d_p = (value(&op, theta, lam) - value(&om, theta, lam)) / (2.0 * hp);
    let (d_theta, d_phi) = match which {
        Which::Cusp => {
            // ∇θ D³L[φ,φ,φ] = D⁴L[φ,φ,φ,·] = d/dt D³L(θ + tφ)[φ,φ,·].
            let ht = FD_REL / norm(phi.view()).max(f64::MIN_POSITIVE);
            let tp = &theta + &(phi * ht);
            let tm = &theta - &(phi * ht);
            let d4 = (obj.d3_vec(tp.view(), lam, phi.view())
                - obj.d3_vec(tm.view(), lam, phi.view()))
                / (2.0 * ht);
            (d4, obj.d3_vec(theta, lam, phi.view()) * 3.0)
        }
        Which::GmuZero => (
            obj.hessian_lambda(theta, lam).dot(phi),
            obj.grad_lambda(theta, lam),
        ),
    };
    let mut row = Array1::zeros(2 * n + 2);
    row.slice_mut(s![..n]).assign(&d_theta);
    row[n] = d_lambda;
    row[n + 1] = d_p;
    row.slice_mut(s![n + 2..]).assign(&d_phi);
    row
}

/// Residual and Jacobian of the extended system at (y, φ) with normalisation border `b`.
fn extended<F: Family>(
    fam: &F,
    which: Which,
    y: &Array1<f64>,
    phi: &Array1<f64>,
    b: &Array1<f64>,
) -> (Array1<f64>, Array2<f64>) {
    let (theta, lam, p) = (theta_of(y), lambda_of(y), p_of(y));
    let n = theta.len();
    let obj = fam.at(p);
    let h = obj.hessian(theta, lam);
    let mut jac = Array2::zeros((2 * n + 2, 2 * n + 2));
    jac.slice_mut(s![..n, ..n]).assign(&h);
    jac.slice_mut(s![..n, n])
        .assign(&obj.grad_lambda(theta, lam));
    jac.slice_mut(s![..n, n + 1])
        .assign(&fam.grad_p(theta, lam, p));
    jac.slice_mut(s![n..2 * n, ..n])
        .assign(&obj.hessian_directional(theta, lam, phi.view()));
    jac.slice_mut(s![n..2 * n, n])
        .assign(&obj.hessian_lambda(theta, lam).dot(phi));
    jac.slice_mut(s![n..2 * n, n + 1])
        .assign(&fam.hessian_p_vec(theta, lam, p, phi.view()));
    jac.slice_mut(s![n..2 * n, n + 2..]).assign(&h);
    jac.slice_mut(s![2 * n, n + 2..]).assign(b);
    jac.row_mut(2 * n + 1).assign(&test_row(fam, which, y, phi));
    let (t, _) = test_value(&obj, which, y, phi);
    let res = concatenate![
        Axis(0),
        obj.gradient(theta, lam),
        h.dot(phi),
        Array1::from(vec![b.dot(phi) - 1.0, t])
    ];
    (res, jac)
}

/// Newton on the extended system of `which` from (y0, φ0) (φ0 ≈ kernel, b = φ0/‖φ0‖), until
/// the scaled residual stops decreasing. Returns the best iterate (the caller judges it by
/// its residual against [`LOCATE_TOL`]).
pub(crate) fn locate<F: Family>(
    fam: &F,
    which: Which,
    y0: &Array1<f64>,
    phi0: &Array1<f64>,
) -> Solved {
    let b = phi0 / norm(phi0.view());
    let n = theta_of(y0).len();
    let mut y = y0.clone();
    let mut phi = b.clone();
    let mut best = Solved {
        residual: scaled_residual(fam, which, &y, &phi),
        y: y.clone(),
        phi: phi.clone(),
    };
    let mut stalls = 0;
    for _ in 0..MAX_ITERS {
        let (res, jac) = extended(fam, which, &y, &phi, &b);
        let Ok(dz) = solve(&jac, &(-res)) else { break };
        y += &dz.slice(s![..n + 2]);
        phi += &dz.slice(s![n + 2..]);
        let r = scaled_residual(fam, which, &y, &phi);
        if !r.is_finite() {
            break;
        }
        if r < best.residual {
            stalls = if r > 0.5 * best.residual {
                stalls + 1
            } else {
                0
            };
            best = Solved {
                residual: r,
                y: y.clone(),
                phi: &phi / norm(phi.view()),
            };
        } else {
            stalls += 1;
        }
        // Two steps without halving the residual: rounding reached (or no convergence).
        if stalls >= 2 {
            break;
        }
    }
    best
}

/// The cubic coefficient at a cusp: the corrected g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\] with
/// ψ20 ⟂ φ solving Hψ20 = −(I − φφᵀ)D³L\[φ, φ, ·\] (bordered solve). `None` if that solve is
/// singular (a kernel of dimension > 1).
pub(crate) fn cubic_coefficient<O: Objective>(
    obj: &O,
    hess: &Hess,
    y: &Array1<f64>,
    phi: &Array1<f64>,
) -> Option<(f64, f64)> {
    let (theta, lam) = (theta_of(y), lambda_of(y));
    let d3 = obj.d3_vec(theta, lam, phi.view());
    let rhs = -(&d3 - &(phi * d3.dot(phi)));
    let psi = hess.solve_with_kernel(phi, &rhs).ok()?;
    let d4 = obj.d4(theta, lam, phi.view());
    let corr = 3.0 * d3.dot(&psi);
    Some((d4 + corr, d4.abs() + corr.abs()))
}

//! The minimally augmented system of a symmetry-breaking branch point (a pitchfork of an
//! S-symmetric objective) in z = (c, λ, p), θ = P c on Fix(S) (P = [`Symmetry::fix`]):
//! G(z) = (Pᵀ∇L, g), with g from the bordered solve \[\[A, b\], \[bᵀ, 0\]\] (v; g) = (0; 1) of
//! A = QᵀHQ, the Hessian on the antisymmetric subspace (Q = [`Symmetry::anti`]).
//!
//! The plain fold system is singular here (the kernel φ is antisymmetric and ∂λ∇L symmetric,
//! so g_µ = 0 and the λ-branch crosses the symmetric branch); restricted to Fix(S) with the
//! test function of the antisymmetric block the system is regular when the crossing is
//! transversal (g_aµ ≠ 0). As for folds, ∂g = −uᵀ(∂H)u with u = Qv: ∂c g = −PᵀD³L\[u, u, ·\],
//! g_λ = −uᵀ∂λH u, g_p = −uᵀ∂pH u, all exact (AD).

use super::min_aug_fold::solve_with_row;
use super::symmetry::Symmetry;
use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{norm, DenseBordered};
use ndarray::{concatenate, s, Array1, Array2, Axis};

/// θ = P c of z = (c, λ, p).
pub(crate) fn theta_of(sym: &Symmetry, z: &Array1<f64>) -> Array1<f64> {
    sym.fix().dot(&z.slice(s![..z.len() - 2]))
}

/// G(z), its Jacobian and the bordered solution at one point.
pub(crate) struct BpSystem {
    /// (Pᵀ∇L, g), k + 1 entries.
    pub residual: Array1<f64>,
    /// ∂G/∂z, (k + 1) × (k + 2).
    pub jacobian: Array2<f64>,
    /// u = Qv, the (unnormalised) antisymmetric kernel estimate.
    pub u: Array1<f64>,
    /// The full gradient ∇L (its antisymmetric part is 0 when L is S-invariant).
    pub grad: Array1<f64>,
}

impl BpSystem {
    /// ‖(Pᵀ∇L, g)‖.
    pub fn size(&self) -> f64 {
        norm(self.residual.view())
    }
}

/// Builds G(z) and its Jacobian with border `b` (unit, in antisymmetric coordinates).
pub(crate) fn bp_system<F: Family>(
    fam: &F,
    sym: &Symmetry,
    z: &Array1<f64>,
    b: &Array1<f64>,
) -> Result<BpSystem> {
    let k = z.len() - 2;
    let (lam, p) = (z[k], z[k + 1]);
    let theta = theta_of(sym, z);
    let (pf, q) = (sym.fix(), sym.anti());
    let obj = fam.at(p);
    let h = obj.hessian(theta.view(), lam);
    let grad = obj.gradient(theta.view(), lam);
    let gl = obj.grad_lambda(theta.view(), lam);
    let gp = fam.grad_p(theta.view(), lam, p);
    let a = q.t().dot(&h).dot(q);
    let r = a.nrows();
    let row = concatenate![Axis(0), b.view(), Array1::zeros(1)];
    let mut rhs = Array1::zeros(r + 1);
    rhs[r] = 1.0;
    let x = DenseBordered::new(&a, b, row.view())
        .solve(&rhs)
        .ok_or_else(|| Error::Linalg("singular branch-point border [[QᵀHQ, b], [bᵀ, 0]]".into()))?;
    let u = q.dot(&x.slice(s![..r]));
    let g = x[r];
    let mut jac = Array2::zeros((k + 1, k + 2));
    jac.slice_mut(s![..k, ..k]).assign(&pf.t().dot(&h).dot(pf));
    jac.slice_mut(s![..k, k]).assign(&pf.t().dot(&gl));
    jac.slice_mut(s![..k, k + 1]).assign(&pf.t().dot(&gp));
    jac.slice_mut(s![k, ..k])
        .assign(&(-pf.t().dot(&obj.d3_vec(theta.view(), lam, u.view()))));
    jac[[k, k]] = -u.dot(&obj.hessian_lambda_vec(theta.view(), lam, u.view()));
    jac[[k, k + 1]] = -u.dot(&fam.hessian_p_vec(theta.view(), lam, p, u.view()));
    let residual = concatenate![Axis(0), pf.t().dot(&grad), Array1::from(vec![g])];
    Ok(BpSystem {
        residual,
        jacobian: jac,
        u,
        grad,
    })
}

/// Newton on (G(z), aᵀz − t) = 0 from `z0` with border `b`, until ‖G‖ and |aᵀz − t| are
/// ≤ `tol` (or ≤ 10·`tol` once a step no longer halves them: the rounding floor). `None` if
/// it fails within `max_iters`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn bp_correct<F: Family>(
    fam: &F,
    sym: &Symmetry,
    z0: &Array1<f64>,
    b: &Array1<f64>,
    a: &Array1<f64>,
    t: f64,
    tol: f64,
    max_iters: usize,
) -> Option<(Array1<f64>, BpSystem, usize)> {
    let mut z = z0.clone();
    let mut sys = bp_system(fam, sym, &z, b).ok()?;
    let mut last = f64::INFINITY;
    for iters in 0..=max_iters {
        let size = sys.size().max((a.dot(&z) - t).abs());
        if !size.is_finite() {
            return None;
        }
        if size <= tol || (size <= ROUNDING_SLACK * tol && size > 0.5 * last) {
            return Some((z, sys, iters));
        }
        if iters == max_iters {
            break;
        }
        last = size;
        let dz = solve_with_row(&sys.jacobian, a, &(-&sys.residual), t - a.dot(&z)).ok()?;
        z += &dz;
        sys = bp_system(fam, sym, &z, b).ok()?;
    }
    None
}

/// Factor over `tol` accepted once Newton stalls at rounding.
const ROUNDING_SLACK: f64 = 10.0;

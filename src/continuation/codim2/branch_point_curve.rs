//! Two-parameter continuation of a symmetry-breaking branch point (pitchfork) in (λ, p) for a
//! family that keeps the symmetry S (e.g. the Tikhonov α): pseudo-arclength on the system of
//! `branch_point` in z = (c, λ, p), θ = Pc on Fix(S), by the codim-2 stepper. Each point
//! records the pitchfork's coefficients: the transversality g_aµ = φᵀ∂λHφ + D³L\[φ, φ, ξ\]
//! (ξ the tangent of the symmetric branch), g_aa = D³L\[φ³\] (0 by symmetry) and the cubic
//! g_aaa = D⁴L\[φ⁴\] + 3D³L\[φ, φ, ψ20\] (its sign: super- or subcritical).

use super::branch_point::{bp_correct, bp_system, theta_of};
use super::curve_system::{Correction, CurveSample, CurveSystem, Linearised, Tangent, WindowExit};
use super::min_aug_fold::DenseJacobian;
use super::spectrum::nearest_zero;
use super::stepper::follow_curve;
use super::symmetry::Symmetry;
use super::{Codim2Event, Codim2Kind, Curve, FoldCurveParams, FoldStart};
use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{norm, solve, sym_eigenvalues};
use ndarray::{concatenate, Array1, Axis};
use serde::{Deserialize, Serialize};

/// Largest ‖θ − PPᵀθ‖/max(1, ‖θ‖) of a start on Fix(S): a trace of an S-invariant objective
/// from a symmetric start keeps θ symmetric up to rounding (≈ 1e-15).
const START_SYMMETRY_TOL: f64 = 1e-8;
/// Smallest antisymmetric fraction ‖Qᵀφ‖/‖φ‖ of the start kernel.
const MIN_ANTISYMMETRIC: f64 = 0.5;

/// One accepted point of a branch-point curve.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BranchPointPoint {
    /// λ.
    pub lambda: f64,
    /// p.
    pub p: f64,
    /// Hessian eigenvalue nearest zero (dense spectrum of the full H).
    pub kernel_eigenvalue: f64,
    /// Eigenvalue nearest zero of the antisymmetric block QᵀHQ (dense).
    pub antisymmetric_eigenvalue: f64,
    /// Transversality g_aµ (the λ-speed of the antisymmetric eigenvalue along the symmetric
    /// branch, for unit φ).
    pub g_a_mu: f64,
    /// g_aa = D³L\[φ, φ, φ\] (0 by symmetry: a check).
    pub g_aa: f64,
    /// The pitchfork's cubic coefficient g_aaa.
    pub g_aaa: f64,
    /// ‖∇L‖ (the full gradient).
    pub grad_norm: f64,
    /// ‖Qᵀ∇L‖: the antisymmetric part of the gradient (0 when the family keeps S).
    pub asymmetric_gradient: f64,
    /// λ-component of the unit tangent in (c, λ, p).
    pub tangent_lambda: f64,
    /// p-component of the unit tangent.
    pub tangent_p: f64,
    /// Signed arclength from the start (negative on the decreasing-p side).
    pub arclength: f64,
    /// θ (not written to JSON).
    #[serde(skip)]
    pub theta: Array1<f64>,
    /// Unit antisymmetric kernel φ (not written to JSON).
    #[serde(skip)]
    pub phi: Array1<f64>,
}

/// A followed branch-point curve (events: window exits, kind `leaves_window`).
pub type BranchPointCurve = Curve<BranchPointPoint>;

/// Follows the branch-point curve through `start` (a branch point on Fix(S) with an
/// antisymmetric kernel, at p = `start.p`) within the window of `params`. Errors when the
/// start is not on Fix(S), its kernel is not antisymmetric, or Newton at fixed p fails.
pub fn branch_point_curve<F: Family>(
    fam: &F,
    sym: &Symmetry,
    start: &FoldStart,
    params: &FoldCurveParams,
) -> Result<BranchPointCurve> {
    params.validate(start.lambda, start.p)?;
    let n = fam.dim();
    if start.theta.len() != n || start.kernel.len() != n || sym.fix().nrows() != n {
        return Err(Error::shape(
            "branch-point start θ / kernel / symmetry",
            n,
            start.theta.len(),
        ));
    }
    let c0 = sym.fix().t().dot(&start.theta);
    let defect = norm((&start.theta - &sym.fix().dot(&c0)).view());
    if defect > START_SYMMETRY_TOL * norm(start.theta.view()).max(1.0) {
        return Err(Error::param(
            "symmetry",
            format!("the start θ is not on Fix(S) (‖θ − Sθ‖-part {defect:.1e})"),
        ));
    }
    let b0 = sym.anti().t().dot(&start.kernel);
    let (nb, nk) = (norm(b0.view()), norm(start.kernel.view()));
    if !(nb > MIN_ANTISYMMETRIC * nk && nb.is_finite()) {
        return Err(Error::param(
            "kernel",
            "the start kernel is not antisymmetric: not a symmetry-breaking branch point",
        ));
    }
    let b = b0 / nb;
    let k = c0.len();
    let z0 = concatenate![Axis(0), c0, Array1::from(vec![start.lambda, start.p])];
    let mut e_p = Array1::zeros(k + 2);
    e_p[k + 1] = 1.0;
    let (z, _, _) = bp_correct(
        fam,
        sym,
        &z0,
        &b,
        &e_p,
        start.p,
        params.tol,
        4 * params.max_newton_iters,
    )
    .ok_or_else(|| Error::NoConvergence {
        method: "branch-point system at the start".into(),
        reason: format!(
            "no symmetry-breaking branch point near (λ, p) = ({}, {})",
            start.lambda, start.p
        ),
    })?;
    follow_curve(&BranchPointSystem { fam, sym }, fam.name(), &z, &b, params)
}

/// The branch-point curve of a family that keeps `sym`, in z = (c, λ, p).
struct BranchPointSystem<'a, F> {
    fam: &'a F,
    sym: &'a Symmetry,
}

impl CurveSample for BranchPointPoint {
    fn lambda(&self) -> f64 {
        self.lambda
    }
    fn p(&self) -> f64 {
        self.p
    }
}

impl<F: Family> CurveSystem for BranchPointSystem<'_, F> {
    type Point = BranchPointPoint;
    type Lin = DenseJacobian;

    fn correct(
        &self,
        z0: &Array1<f64>,
        b: &Array1<f64>,
        a: &Array1<f64>,
        t: f64,
        tol: f64,
        max_iters: usize,
    ) -> Option<Correction<DenseJacobian>> {
        bp_correct(self.fam, self.sym, z0, b, a, t, tol, max_iters).map(|(z, sys, iters)| {
            Correction {
                y: z,
                lin: DenseJacobian(sys.jacobian),
                iters,
            }
        })
    }

    fn linearise(&self, z: &Array1<f64>, b: &Array1<f64>) -> Result<Linearised<DenseJacobian>> {
        let sys = bp_system(self.fam, self.sym, z, b)?;
        let residual = sys.size();
        Ok(Linearised {
            lin: DenseJacobian(sys.jacobian),
            residual,
        })
    }

    /// p-component positive; the λ direction decides if the curve starts with p′ = 0.
    fn initial_tangent(&self, z: &Array1<f64>, b: &Array1<f64>) -> Result<Array1<f64>> {
        DenseJacobian(bp_system(self.fam, self.sym, z, b)?.jacobian).tangent_up_in_p(z.len())
    }

    /// φ = u/‖u‖ keeps the border's orientation.
    fn record(
        &self,
        z: &Array1<f64>,
        b: &Array1<f64>,
        _lin: &DenseJacobian,
        t: &Array1<f64>,
        s: f64,
    ) -> Result<BranchPointPoint> {
        let (fam, sym) = (self.fam, self.sym);
        let sys = bp_system(fam, sym, z, b)?;
        let k = z.len() - 2;
        let (lam, p) = (z[k], z[k + 1]);
        let theta = theta_of(sym, z);
        let th = theta.view();
        let obj = fam.at(p);
        let phi = &sys.u / norm(sys.u.view());
        let h = obj.hessian(th, lam);
        let pf = sym.fix();
        let hs = pf.t().dot(&h).dot(pf);
        // ξ: tangent of the symmetric branch; ψ20: its quadratic correction along φ.
        let xi = pf.dot(&solve(&hs, &(-pf.t().dot(&obj.grad_lambda(th, lam))))?);
        let d3v = obj.d3_vec(th, lam, phi.view());
        let psi = pf.dot(&solve(&hs, &(-pf.t().dot(&d3v)))?);
        let anti_h = sym.anti().t().dot(&h).dot(sym.anti());
        Ok(BranchPointPoint {
            lambda: lam,
            p,
            kernel_eigenvalue: nearest_zero(&sym_eigenvalues(&h)?.to_vec()),
            antisymmetric_eigenvalue: nearest_zero(&sym_eigenvalues(&anti_h)?.to_vec()),
            g_a_mu: phi.dot(&obj.hessian_lambda_vec(th, lam, phi.view())) + d3v.dot(&xi),
            g_aa: obj.d3(th, lam, phi.view()),
            g_aaa: obj.d4(th, lam, phi.view()) + 3.0 * d3v.dot(&psi),
            grad_norm: norm(sys.grad.view()),
            asymmetric_gradient: norm(sym.anti().t().dot(&sys.grad).view()),
            tangent_lambda: t[k],
            tangent_p: t[k + 1],
            arclength: s,
            theta,
            phi,
        })
    }

    /// The antisymmetric coordinates of φ.
    fn next_border(&self, pt: &BranchPointPoint) -> Array1<f64> {
        self.sym.anti().t().dot(&pt.phi)
    }

    /// Residual ‖(Pᵀ∇L, g)‖; the kernel eigenvalue of the antisymmetric block; the
    /// pitchfork's cubic coefficient.
    fn exit_event(&self, pt: &BranchPointPoint, exit: WindowExit) -> Codim2Event {
        let obj = self.fam.at(pt.p);
        let th = pt.theta.view();
        Codim2Event {
            kind: Codim2Kind::LeavesWindow,
            lambda: pt.lambda,
            p: pt.p,
            status: exit.status,
            reason: exit.reason,
            residual: exit.residual,
            kernel_eigenvalue: pt.antisymmetric_eigenvalue,
            g_mu: pt.phi.dot(&obj.grad_lambda(th, pt.lambda)),
            g_aa: pt.g_aa,
            g_p: pt.phi.dot(&self.fam.grad_p(th, pt.lambda, pt.p)),
            cubic_coefficient: Some(pt.g_aaa),
            cubic_relative: None,
            boundary: Some(exit.side),
            direction: exit.direction,
            theta: pt.theta.clone(),
        }
    }
}

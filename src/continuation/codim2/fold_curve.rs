//! The fold curve as a [`CurveSystem`] for the codim-2 stepper: the minimally augmented fold
//! system in y = (θ, λ, p), its point record (kernel eigenvalue, g_µ, g_aa), sign tests of g_aa
//! and g_µ between accepted points (`fold_events`) and its window-exit event.

use super::curve_system::{Correction, CurveSample, CurveSystem, Linearised, Tangent, WindowExit};
use super::fold_events::codim2_between;
use super::min_aug_fold::{correct, fold_system, join, lambda_of, p_of, theta_of, FoldSystem};
use super::stepper::follow_curve;
use super::{
    Codim2Event, Codim2Kind, CurvePoint, Direction, FoldCurve, FoldCurveParams, FoldStart,
};
use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::hessian::Backend;
use crate::linalg::norm;
use ndarray::Array1;

/// Follows the fold curve through `start` (a located fold at p = `start.p`) in the window of
/// `params`, in both directions of p by default. Errors when the start is not a fold to
/// within 1e-8 (Newton on the fold system at fixed p fails) or the parameters are invalid.
pub fn fold_curve<F: Family>(
    fam: &F,
    start: &FoldStart,
    params: &FoldCurveParams,
) -> Result<FoldCurve> {
    params.validate(start.lambda, start.p)?;
    let n = fam.dim();
    if start.theta.len() != n {
        return Err(Error::shape("fold start θ", n, start.theta.len()));
    }
    let sys = FoldSystemOf {
        fam,
        backend: Backend::new(params.solver, n),
    };
    let y0 = join(start.theta.view(), start.lambda, start.p);
    let b = start_border(&sys, start, &y0)?;
    let mut e_p = Array1::zeros(n + 2);
    e_p[n + 1] = 1.0;
    // At a cusp (e.g. a symmetric pitchfork unfolded by p) p is not a local coordinate of
    // the curve (its tangent is (φ, 0, 0)): fix the kernel coordinate φᵀθ instead.
    let along_kernel = join(b.view(), 0.0, 0.0);
    let iters = 4 * params.max_newton_iters;
    let be = &sys.backend;
    let c = correct(fam, be, &y0, &b, &e_p, start.p, params.tol, iters)
        .or_else(|| {
            let t = along_kernel.dot(&y0);
            correct(fam, be, &y0, &b, &along_kernel, t, params.tol, iters)
        })
        .ok_or_else(|| Error::NoConvergence {
            method: "fold system at the start".into(),
            reason: format!(
                "no fold near (λ, p) = ({}, {}): the start is not a located fold",
                start.lambda, start.p
            ),
        })?;
    follow_curve(&sys, fam.name(), &c.y, &b, params)
}

/// Inverse-iteration steps for a start without a usable kernel vector.
const KERNEL_ITERS: usize = 3;

/// The unit border at the start: the given kernel, or — when it is empty or not finite (an
/// event whose eigensolve failed) — [`KERNEL_ITERS`] steps of inverse iteration through the
/// fold border itself (B(v; g) = (0; 1) gives v = −g·H⁻¹b), from the normalised ones vector.
fn start_border<F: Family>(
    sys: &FoldSystemOf<F>,
    start: &FoldStart,
    y0: &Array1<f64>,
) -> Result<Array1<f64>> {
    let n = start.theta.len();
    let kn = norm(start.kernel.view());
    if start.kernel.len() == n && kn > 0.0 && kn.is_finite() {
        return Ok(&start.kernel / kn);
    }
    if !start.kernel.is_empty() && start.kernel.len() != n {
        return Err(Error::shape("fold start kernel", n, start.kernel.len()));
    }
    let mut b = Array1::from_elem(n, 1.0 / (n as f64).sqrt());
    for _ in 0..KERNEL_ITERS {
        let v = fold_system(sys.fam, &sys.backend, y0, &b)?.v;
        b = &v / norm(v.view());
    }
    if b.iter().all(|x| x.is_finite()) {
        Ok(b)
    } else {
        Err(Error::param("kernel", "no kernel vector at the fold start"))
    }
}

/// The fold curve of a family, its systems solved on `backend`.
pub(super) struct FoldSystemOf<'a, F> {
    pub fam: &'a F,
    pub backend: Backend,
}

impl CurveSample for CurvePoint {
    fn lambda(&self) -> f64 {
        self.lambda
    }
    fn p(&self) -> f64 {
        self.p
    }
}

impl<F: Family> CurveSystem for FoldSystemOf<'_, F> {
    type Point = CurvePoint;
    type Lin = FoldSystem;

    fn correct(
        &self,
        y0: &Array1<f64>,
        b: &Array1<f64>,
        a: &Array1<f64>,
        t: f64,
        tol: f64,
        max_iters: usize,
    ) -> Option<Correction<FoldSystem>> {
        let be = &self.backend;
        correct(self.fam, be, y0, b, a, t, tol, max_iters).map(|c| Correction {
            y: c.y,
            lin: c.sys,
            iters: c.iters,
        })
    }

    fn linearise(&self, y: &Array1<f64>, b: &Array1<f64>) -> Result<Linearised<FoldSystem>> {
        let sys = fold_system(self.fam, &self.backend, y, b)?;
        let residual = sys.size();
        Ok(Linearised { lin: sys, residual })
    }

    /// p-component positive; the λ direction decides if the curve starts with p′ = 0, the
    /// kernel direction if it starts at a cusp.
    fn initial_tangent(&self, y: &Array1<f64>, b: &Array1<f64>) -> Result<Array1<f64>> {
        let sys = fold_system(self.fam, &self.backend, y, b)?;
        sys.tangent_up_in_p(y.len())
            .or_else(|_| sys.tangent(&join(b.view(), 0.0, 0.0)))
    }

    /// φ = v/‖v‖ keeps the border's orientation.
    fn record(
        &self,
        y: &Array1<f64>,
        _b: &Array1<f64>,
        sys: &FoldSystem,
        t: &Array1<f64>,
        s: f64,
    ) -> Result<CurvePoint> {
        let (theta, lam, p) = (theta_of(y), lambda_of(y), p_of(y));
        let obj = self.fam.at(p);
        let phi = &sys.v / norm(sys.v.view());
        let n = theta.len();
        Ok(CurvePoint {
            lambda: lam,
            p,
            kernel_eigenvalue: self
                .backend
                .nearest_zero_value(&obj, theta, lam, phi.view()),
            g_mu: phi.dot(&sys.grad_lambda),
            g_aa: obj.d3(theta, lam, phi.view()),
            grad_norm: sys.grad_norm(),
            tangent_lambda: t[n],
            tangent_p: t[n + 1],
            arclength: s,
            theta: theta.to_owned(),
            phi,
        })
    }

    fn next_border(&self, pt: &CurvePoint) -> Array1<f64> {
        pt.phi.clone()
    }

    fn events_between(
        &self,
        a: &CurvePoint,
        b: &CurvePoint,
        ya: &Array1<f64>,
        yb: &Array1<f64>,
        dir: Direction,
    ) -> Vec<Codim2Event> {
        codim2_between(self, a, b, ya, yb, dir)
    }

    /// Residual max(‖∇L‖, |g|).
    fn exit_event(&self, pt: &CurvePoint, exit: WindowExit) -> Codim2Event {
        Codim2Event {
            kind: Codim2Kind::LeavesWindow,
            lambda: pt.lambda,
            p: pt.p,
            status: exit.status,
            reason: exit.reason,
            residual: exit.residual,
            kernel_eigenvalue: pt.kernel_eigenvalue,
            g_mu: pt.g_mu,
            g_aa: pt.g_aa,
            g_p: pt
                .phi
                .dot(&self.fam.grad_p(pt.theta.view(), pt.lambda, pt.p)),
            cubic_coefficient: None,
            cubic_relative: None,
            boundary: Some(exit.side),
            direction: exit.direction,
            theta: pt.theta.clone(),
        }
    }
}

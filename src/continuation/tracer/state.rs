//! An accepted point of the tracer: its [`State`] (tangent, factorisation, spectrum) and how it
//! is computed from a converged point ([`analyse`]).

use crate::continuation::corrector::{lambda_of, norm, theta_of};
use crate::continuation::events::Endpoint;
use crate::continuation::failure::StepFailure;
use crate::continuation::test_functions::TestPoint;
use crate::continuation::{Point, ResumeState, Spectrum};
use crate::derivatives::Objective;
use crate::hessian::{free_det_sign, spectrum_at, Backend, Bordered, Hess};
use crate::linalg::PartialEigen;
use ndarray::{Array1, Array2, ArrayView1};

/// Everything kept about an accepted point.
pub(crate) struct State<'o> {
    pub(super) x: Array1<f64>,
    pub(super) tau: Array1<f64>,
    /// Factorisation of \[\[H, ∂λ∇L\], \[borderᵀ\]\] at x (chord Jacobian of the next corrector).
    pub(super) jac: Bordered<'o>,
    /// Sign of its determinant (the branch-point test function).
    pub(super) det_sign: f64,
    /// Krylov iterations spent since the previous accepted point.
    pub(super) krylov: usize,
    /// The border row of `jac` (the previous tangent), also the next corrector's normal.
    pub(super) border: Array1<f64>,
    pub(super) eig: PartialEigen,
    pub(super) morse: usize,
    pub(super) arclength: f64,
    pub(super) grad_norm: f64,
}

impl State<'_> {
    pub(super) fn endpoint(&self) -> Endpoint<'_> {
        Endpoint {
            x: &self.x,
            morse: self.morse,
            arclength: self.arclength,
            tau_lambda: self.tau[self.tau.len() - 1],
            eigenvalues: self.eig.values.as_slice().unwrap_or(&[]),
            vectors: (self.eig.vectors.ncols() > 0).then_some(&self.eig.vectors),
        }
    }

    pub(super) fn test_point(&self) -> TestPoint<'_> {
        TestPoint {
            theta: theta_of(&self.x),
            lambda: lambda_of(&self.x),
            tangent_lambda: self.tau[self.tau.len() - 1],
            det_sign: self.det_sign,
            eigenvalues: self.eig.values.as_slice().unwrap_or(&[]),
            morse_index: self.morse,
        }
    }

    pub(super) fn point<O: Objective + ?Sized>(&self, obj: &O) -> Point {
        Point {
            lambda: lambda_of(&self.x),
            grad_norm: self.grad_norm,
            loss: obj.value(theta_of(&self.x), lambda_of(&self.x)),
            eigenvalues: self.eig.values.to_vec(),
            tangent_lambda: self.tau[self.tau.len() - 1],
            morse_index: self.morse,
            arclength: self.arclength,
            theta: theta_of(&self.x).to_owned(),
            krylov_iterations: self.krylov,
        }
    }

    pub(super) fn resume(&self, ds: f64) -> ResumeState {
        ResumeState {
            theta: theta_of(&self.x).to_vec(),
            lambda: lambda_of(&self.x),
            tangent: self.tau.to_vec(),
            ds,
            arclength: self.arclength,
        }
    }
}

/// Unit tangent of the branch from the bordered solve \[\[H, ∂λ∇L\], \[borderᵀ\]\] z = e_{n+1};
/// τ = z/‖z‖ satisfies borderᵀτ > 0, which keeps the orientation when `border` is the previous
/// tangent. Returns the factorisation too (it serves as the chord Jacobian of the next
/// corrector) and z_{n+1} (for the matrix-free determinant sign).
fn tangent<'o>(
    h: &Hess<'o>,
    gl: &Array1<f64>,
    border: ArrayView1<f64>,
    lambda: f64,
) -> std::result::Result<(Array1<f64>, Bordered<'o>, f64), StepFailure> {
    let n = gl.len();
    let b = h.bordered(gl, border);
    let mut e = Array1::zeros(n + 1);
    e[n] = 1.0;
    let z = b.solve(&e).map_err(|f| StepFailure::hessian(f, lambda))?;
    let nz = norm(z.view());
    if !(nz.is_finite() && nz > 0.0) {
        return Err(StepFailure::SingularBordered { lambda });
    }
    let last = z[n];
    Ok((z / nz, b, last))
}

/// Hessian, tangent (oriented by `border`) and spectrum at a converged point.
#[allow(clippy::too_many_arguments)]
pub(super) fn analyse<'o, O: Objective + ?Sized>(
    obj: &'o O,
    backend: &Backend,
    x: Array1<f64>,
    grad_norm: f64,
    border: ArrayView1<f64>,
    warm: Option<&Array2<f64>>,
    dense_values_only: bool,
    arclength: f64,
    spectrum: Spectrum,
) -> std::result::Result<State<'o>, StepFailure> {
    let theta = theta_of(&x);
    let lam = lambda_of(&x);
    let h = backend.at(obj, theta, lam);
    let gl = obj.grad_lambda(theta, lam);
    // The spectrum first: on the matrix-free path its eigenpairs deflate the operator's
    // preconditioner (`HessianOperator::deflate`), which the tangent's bordered solve (and the
    // next corrector, whose chord Jacobian it is) then uses.
    let eig = spectrum_at(&h, spectrum, warm, dense_values_only)
        .map_err(|e| StepFailure::hessian(e, lam))?;
    let (tau, jac, z_last) = tangent(&h, &gl, border, lam)?;
    let det_sign = jac
        .dense_det_sign()
        .unwrap_or_else(|| free_det_sign(eig.negative_count, z_last));
    Ok(State {
        morse: eig.negative_count,
        x,
        tau,
        jac,
        det_sign,
        krylov: 0,
        border: border.to_owned(),
        eig,
        arclength,
        grad_norm,
    })
}

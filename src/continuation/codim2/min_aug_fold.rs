//! The minimally augmented fold system (Govaerts) in y = (θ, λ, p):
//! G(y) = (∇L, g) with g from the bordered solve \[\[H, b\], \[bᵀ, 0\]\] (v; g) = (0; 1).
//! H is symmetric and the border is the same vector on both sides, so the adjoint solution
//! equals v and ∂g = −vᵀ(∂H)v: ∇θg = −D³L\[v, v, ·\] (exact AD `d3_vec`), g_λ = −vᵀ∂λH v,
//! g_p = −vᵀ∂pH v. g vanishes exactly where H is singular; near there g ≈ the eigenvalue
//! nearest zero (for a unit border aligned with the kernel).
//!
//! The Jacobian ∂G/∂y is never assembled: its solves (Newton step, tangent) go by block
//! elimination with the bordered matrix B = \[\[H, b\], \[bᵀ, 0\]\], which stays regular at
//! the fold where H does not, on either Hessian backend (dense LU or matrix-free GMRES with
//! the structured inverse). Writing dθ = z − dλ z_λ − dp z_p + σv with B(z_λ; ξ_λ) =
//! (∂λ∇L; 0), B(z_p; ξ_p) = (∂p∇L; 0) and B(z; ξ) = (f; 0) leaves a 3 × 3 system in
//! (σ, dλ, dp): four bordered solves with one matrix per point, none with H alone.

use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::hessian::{Backend, Bordered};
use crate::linalg::{norm, solve};
use ndarray::{array, concatenate, s, Array1, Array2, ArrayView1, Axis};

/// θ of y = (θ, λ, p).
pub(crate) fn theta_of(y: &Array1<f64>) -> ArrayView1<'_, f64> {
    y.slice(s![..y.len() - 2])
}

/// λ of y.
pub(crate) fn lambda_of(y: &Array1<f64>) -> f64 {
    y[y.len() - 2]
}

/// p of y.
pub(crate) fn p_of(y: &Array1<f64>) -> f64 {
    y[y.len() - 1]
}

/// y = (θ, λ, p).
pub(crate) fn join(theta: ArrayView1<f64>, lambda: f64, p: f64) -> Array1<f64> {
    concatenate![Axis(0), theta, Array1::from(vec![lambda, p])]
}

/// A solution (x; ξ) of B(x; ξ) = (f; 0).
struct Eliminated {
    x: Array1<f64>,
    xi: f64,
}

fn solve_top(bordered: &Bordered, f: &Array1<f64>) -> Result<Eliminated> {
    let n = f.len();
    let rhs = concatenate![Axis(0), f.view(), Array1::zeros(1)];
    let x = bordered
        .solve(&rhs)
        .map_err(|e| Error::Linalg(format!("fold border [[H, b], [bᵀ, 0]]: {e}")))?;
    Ok(Eliminated {
        xi: x[n],
        x: x.slice(s![..n]).to_owned(),
    })
}

/// G(y) and the data of its Jacobian's solves at one point.
pub(crate) struct FoldSystem {
    /// ∇L.
    pub grad: Array1<f64>,
    /// g.
    pub g: f64,
    /// v of the bordered solve (bᵀv = 1).
    pub v: Array1<f64>,
    /// ∂λ∇L (for g_µ).
    pub grad_lambda: Array1<f64>,
    /// ∇θg = −D³L\[v, v, ·\].
    g_theta: Array1<f64>,
    /// (g_λ, g_p).
    g_param: [f64; 2],
    /// B⁻¹(∂λ∇L; 0) and B⁻¹(∂p∇L; 0).
    z_param: [Eliminated; 2],
    /// B⁻¹(−∇L; 0): the Newton right-hand side's top block.
    z_newton: Eliminated,
}

impl FoldSystem {
    /// ‖∇L‖.
    pub fn grad_norm(&self) -> f64 {
        norm(self.grad.view())
    }
    /// max(‖∇L‖, |g|): the residual the corrector drives to rounding.
    pub fn size(&self) -> f64 {
        self.grad_norm().max(self.g.abs())
    }

    /// x with \[\[∂G/∂y\], \[aᵀ\]\] x = (f; r_g; r_a), f = −∇L (`newton`) or 0.
    fn solve(&self, a: &Array1<f64>, newton: bool, r_g: f64, r_a: f64) -> Result<Array1<f64>> {
        let n = self.v.len();
        let a_theta = a.slice(s![..n]);
        let (a_l, a_p) = (a[n], a[n + 1]);
        let [zl, zp] = &self.z_param;
        let zero = Eliminated {
            x: Array1::zeros(n),
            xi: 0.0,
        };
        let zr = if newton { &self.z_newton } else { &zero };
        let gt = &self.g_theta;
        let [g_l, g_p] = self.g_param;
        let m = array![
            [self.g, -zl.xi, -zp.xi],
            [gt.dot(&self.v), g_l - gt.dot(&zl.x), g_p - gt.dot(&zp.x)],
            [
                a_theta.dot(&self.v),
                a_l - a_theta.dot(&zl.x),
                a_p - a_theta.dot(&zp.x)
            ],
        ];
        let rhs = array![-zr.xi, r_g - gt.dot(&zr.x), r_a - a_theta.dot(&zr.x)];
        let k = solve(&m, &rhs)?;
        let (sigma, dl, dp) = (k[0], k[1], k[2]);
        let mut dtheta = zr.x.clone();
        dtheta.scaled_add(-dl, &zl.x);
        dtheta.scaled_add(-dp, &zp.x);
        dtheta.scaled_add(sigma, &self.v);
        Ok(concatenate![Axis(0), dtheta, array![dl, dp]])
    }

    /// The Newton step of (G(y), aᵀy − t) = 0 at y.
    pub fn newton_step(&self, a: &Array1<f64>, y: &Array1<f64>, t: f64) -> Result<Array1<f64>> {
        self.solve(a, true, -self.g, t - a.dot(y))
    }
}

impl super::curve_system::Tangent for FoldSystem {
    /// The null vector of ∂G/∂y oriented by τᵀ`prev` > 0, unit.
    fn tangent(&self, prev: &Array1<f64>) -> Result<Array1<f64>> {
        let t = self.solve(prev, false, 0.0, 1.0)?;
        let nt = norm(t.view());
        Ok(t / nt)
    }
}

/// Builds G(y) and its Jacobian's solves with border `b` (unit, close to the kernel) on
/// `backend`.
pub(crate) fn fold_system<F: Family>(
    fam: &F,
    backend: &Backend,
    y: &Array1<f64>,
    b: &Array1<f64>,
) -> Result<FoldSystem> {
    let (theta, lam, p) = (theta_of(y), lambda_of(y), p_of(y));
    let n = theta.len();
    let obj = fam.at(p);
    let hess = backend.at(&obj, theta, lam);
    let row = concatenate![Axis(0), b.view(), Array1::zeros(1)];
    let bordered = hess.bordered(b, row.view());
    let mut e = Array1::zeros(n + 1);
    e[n] = 1.0;
    let x = bordered
        .solve(&e)
        .map_err(|e| Error::Linalg(format!("singular fold border [[H, b], [bᵀ, 0]]: {e}")))?;
    let v = x.slice(s![..n]).to_owned();
    let g = x[n];
    let grad = obj.gradient(theta, lam);
    let gl = obj.grad_lambda(theta, lam);
    let gp = fam.grad_p(theta, lam, p);
    let g_theta = -obj.d3_vec(theta, lam, v.view());
    let g_lambda = -hess.phi_hl_phi(&obj, theta, lam, v.view());
    let g_p = -v.dot(&fam.hessian_p_vec(theta, lam, p, v.view()));
    let z_param = [solve_top(&bordered, &gl)?, solve_top(&bordered, &gp)?];
    let z_newton = solve_top(&bordered, &(-&grad))?;
    Ok(FoldSystem {
        grad,
        g,
        v,
        grad_lambda: gl,
        g_theta,
        g_param: [g_lambda, g_p],
        z_param,
        z_newton,
    })
}

/// Solves \[\[J\], \[aᵀ\]\] x = (r; t) for an assembled curve Jacobian J (k × (k + 2)).
pub(crate) fn solve_with_row(
    jac: &Array2<f64>,
    a: &Array1<f64>,
    r: &Array1<f64>,
    t: f64,
) -> Result<Array1<f64>> {
    let m = concatenate![Axis(0), jac.view(), a.view().insert_axis(Axis(0))];
    let rhs = concatenate![Axis(0), r.view(), Array1::from(vec![t])];
    solve(&m, &rhs)
}

/// An assembled curve Jacobian (the branch-point curve's, on Fix(S)).
pub(crate) struct DenseJacobian(pub Array2<f64>);

impl super::curve_system::Tangent for DenseJacobian {
    /// The unit null vector of J oriented by τᵀ`prev` > 0.
    fn tangent(&self, prev: &Array1<f64>) -> Result<Array1<f64>> {
        let r = Array1::zeros(self.0.nrows());
        let t = solve_with_row(&self.0, prev, &r, 1.0)?;
        let nt = norm(t.view());
        Ok(t / nt)
    }
}

/// Outcome of [`correct`].
pub(crate) struct Corrected {
    /// The corrected point.
    pub y: Array1<f64>,
    /// The system there (its border unchanged).
    pub sys: FoldSystem,
    /// Newton iterations used.
    pub iters: usize,
}

/// Newton on (G(y), aᵀy − t) = 0 from `y0` with border `b`, until max(‖∇L‖, |g|) ≤ `tol`, or
/// ≤ 10·`tol` once a step no longer halves it (the rounding floor). `None` if it fails within
/// `max_iters`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn correct<F: Family>(
    fam: &F,
    backend: &Backend,
    y0: &Array1<f64>,
    b: &Array1<f64>,
    a: &Array1<f64>,
    t: f64,
    tol: f64,
    max_iters: usize,
) -> Option<Corrected> {
    let mut y = y0.clone();
    let mut sys = fold_system(fam, backend, &y, b).ok()?;
    let mut last = f64::INFINITY;
    for iters in 0..=max_iters {
        let size = sys.size().max((a.dot(&y) - t).abs());
        if !size.is_finite() {
            return None;
        }
        if size <= tol || (size <= ROUNDING_SLACK * tol && size > 0.5 * last) {
            return Some(Corrected { y, sys, iters });
        }
        if iters == max_iters {
            break;
        }
        last = size;
        let dy = sys.newton_step(a, &y, t).ok()?;
        y += &dy;
        sys = fold_system(fam, backend, &y, b).ok()?;
    }
    None
}

/// Factor over `tol` accepted once Newton stalls at rounding.
const ROUNDING_SLACK: f64 = 10.0;

//! The minimally augmented fold system (Govaerts) in y = (θ, λ, p):
//! G(y) = (∇L, g) with g from the bordered solve \[\[H, b\], \[bᵀ, 0\]\] (v; g) = (0; 1).
//! H is symmetric and the border is the same vector on both sides, so the adjoint solution
//! equals v and ∂g = −vᵀ(∂H)v: ∇θg = −D³L\[v, v, ·\] (exact AD `d3_vec`), g_λ = −vᵀ∂λH v,
//! g_p = −vᵀ∂pH v. g vanishes exactly where H is singular; near there g ≈ the eigenvalue
//! nearest zero (for a unit border aligned with the kernel).

use crate::derivatives::family::Family;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{norm, solve, DenseBordered};
use ndarray::{concatenate, s, Array1, Array2, ArrayView1, Axis};

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

/// G(y), its Jacobian and the bordered solution at one point.
pub(crate) struct FoldSystem {
    /// (∇L, g), n + 1 entries.
    pub residual: Array1<f64>,
    /// ∂G/∂y, (n + 1) × (n + 2).
    pub jacobian: Array2<f64>,
    /// v of the bordered solve (bᵀv = 1).
    pub v: Array1<f64>,
    /// ∂λ∇L (for g_µ).
    pub grad_lambda: Array1<f64>,
}

impl FoldSystem {
    /// ‖∇L‖.
    pub fn grad_norm(&self) -> f64 {
        let n = self.residual.len() - 1;
        norm(self.residual.slice(s![..n]))
    }
    /// g.
    pub fn g(&self) -> f64 {
        self.residual[self.residual.len() - 1]
    }
    /// max(‖∇L‖, |g|): the residual the corrector drives to rounding.
    pub fn size(&self) -> f64 {
        self.grad_norm().max(self.g().abs())
    }
}

/// Builds G(y) and its Jacobian with border `b` (unit, close to the kernel).
pub(crate) fn fold_system<F: Family>(
    fam: &F,
    y: &Array1<f64>,
    b: &Array1<f64>,
) -> Result<FoldSystem> {
    let (theta, lam, p) = (theta_of(y), lambda_of(y), p_of(y));
    let n = theta.len();
    let obj = fam.at(p);
    let h = obj.hessian(theta, lam);
    let grad = obj.gradient(theta, lam);
    let gl = obj.grad_lambda(theta, lam);
    let gp = fam.grad_p(theta, lam, p);
    let row = concatenate![Axis(0), b.view(), Array1::zeros(1)];
    let mut rhs = Array1::zeros(n + 1);
    rhs[n] = 1.0;
    let x = DenseBordered::new(&h, b, row.view())
        .solve(&rhs)
        .ok_or_else(|| Error::Linalg("singular fold border [[H, b], [bᵀ, 0]]".into()))?;
    let v = x.slice(s![..n]).to_owned();
    let g = x[n];
    let g_theta = -obj.d3_vec(theta, lam, v.view());
    let g_lambda = -v.dot(&obj.hessian_lambda(theta, lam).dot(&v));
    let g_p = -v.dot(&fam.hessian_p_vec(theta, lam, p, v.view()));
    let mut jac = Array2::zeros((n + 1, n + 2));
    jac.slice_mut(s![..n, ..n]).assign(&h);
    jac.slice_mut(s![..n, n]).assign(&gl);
    jac.slice_mut(s![..n, n + 1]).assign(&gp);
    jac.slice_mut(s![n, ..n]).assign(&g_theta);
    jac[[n, n]] = g_lambda;
    jac[[n, n + 1]] = g_p;
    let residual = concatenate![Axis(0), grad, Array1::from(vec![g])];
    Ok(FoldSystem {
        residual,
        jacobian: jac,
        v,
        grad_lambda: gl,
    })
}

/// Solves \[\[J\], \[aᵀ\]\] x = (r; t) ((n + 2) × (n + 2)).
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

/// The unit tangent of the fold curve at a point: the null vector of J oriented by
/// τᵀ`prev` > 0.
pub(crate) fn tangent(jac: &Array2<f64>, prev: &Array1<f64>) -> Result<Array1<f64>> {
    let r = Array1::zeros(jac.nrows());
    let t = solve_with_row(jac, prev, &r, 1.0)?;
    let nt = norm(t.view());
    Ok(t / nt)
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
pub(crate) fn correct<F: Family>(
    fam: &F,
    y0: &Array1<f64>,
    b: &Array1<f64>,
    a: &Array1<f64>,
    t: f64,
    tol: f64,
    max_iters: usize,
) -> Option<Corrected> {
    let mut y = y0.clone();
    let mut sys = fold_system(fam, &y, b).ok()?;
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
        let dy = solve_with_row(&sys.jacobian, a, &(-&sys.residual), t - a.dot(&y)).ok()?;
        y += &dy;
        sys = fold_system(fam, &y, b).ok()?;
    }
    None
}

/// Factor over `tol` accepted once Newton stalls at rounding.
const ROUNDING_SLACK: f64 = 10.0;

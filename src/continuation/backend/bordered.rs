//! Bordered systems \[\[H, c\], \[rowᵀ\]\] on either backend.

use super::*;

/// A bordered matrix \[\[H, c\], \[rowᵀ\]\] ready for solves.
pub(crate) enum Bordered<'o> {
    /// Dense LU.
    Dense(crate::linalg::DenseBordered),
    /// GMRES.
    Free(FreeBordered<'o>),
}

/// The matrix-free bordered matrix: GMRES right-preconditioned by block elimination with the
/// structured H⁻¹ (exact away from singular H; near a fold the elimination loses accuracy and
/// GMRES recovers it in a few more iterations, since the bordered matrix itself stays regular).
pub(crate) struct FreeBordered<'o> {
    pub(super) h: FreeHess<'o>,
    pub(super) c: Array1<f64>,
    pub(super) row: Array1<f64>,
    /// H⁻¹c from the preconditioner.
    pub(super) hc: Option<Array1<f64>>,
}

impl FreeBordered<'_> {
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let n = self.c.len();
        let mut out = Array1::zeros(n + 1);
        let mut top = self.h.op.apply(u.slice(s![..n]));
        top.scaled_add(u[n], &self.c);
        out.slice_mut(s![..n]).assign(&top);
        out[n] = self.row.dot(&u);
        out
    }
    fn precondition(&self, r: ArrayView1<f64>) -> Array1<f64> {
        let n = self.c.len();
        let (Some(hc), Some(y1)) = (&self.hc, self.h.op.precondition(r.slice(s![..n]))) else {
            return r.to_owned();
        };
        let rt = self.row.slice(s![..n]);
        let den = self.row[n] - rt.dot(hc);
        let sv = (r[n] - rt.dot(&y1)) / den;
        if !(sv.is_finite() && den != 0.0) {
            return r.to_owned();
        }
        let mut out = Array1::zeros(n + 1);
        out.slice_mut(s![..n]).assign(&(&y1 - &(hc * sv)));
        out[n] = sv;
        out
    }
}

impl Bordered<'_> {
    /// Solves with the bordered matrix.
    pub fn solve(&self, rhs: &Array1<f64>) -> std::result::Result<Array1<f64>, SolveFail> {
        match self {
            Bordered::Dense(b) => b.solve(rhs).ok_or(SolveFail::Singular),
            Bordered::Free(f) => {
                let a = |u: ArrayView1<f64>| f.apply(u);
                let m = |u: ArrayView1<f64>| f.precondition(u);
                let s = gmres(&a, &m, rhs, None, KRYLOV_TOL, KRYLOV_MAX_ITERS)
                    .map_err(SolveFail::Krylov)?;
                f.h.count(s.iters);
                Ok(s.x)
            }
        }
    }
    /// Sign of the determinant on the dense path (`None` matrix-free: see
    /// [`free_det_sign`]).
    pub fn dense_det_sign(&self) -> Option<f64> {
        match self {
            Bordered::Dense(b) => Some(b.det_sign),
            Bordered::Free(_) => None,
        }
    }
}

/// sign det \[\[H, c\], \[rowᵀ\]\] without a determinant: with z the solution for e_{n+1},
/// z_{n+1} = det H / det M (Cramer), so sign det M = (−1)^neg(H) · sign z_{n+1}.
pub(crate) fn free_det_sign(negative_count: usize, z_last: f64) -> f64 {
    let s = if negative_count.is_multiple_of(2) {
        1.0
    } else {
        -1.0
    };
    if z_last == 0.0 {
        0.0
    } else {
        s * z_last.signum()
    }
}

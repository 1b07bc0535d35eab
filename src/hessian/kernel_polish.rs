//! The kernel vector finished by inverse iteration through the bordered matrix.
//!
//! Block Lanczos on the structured H⁻¹ stalls at a located fold: with µ ≈ 1e-16 the Woodbury
//! inverse's rounding, relative to |ν| = 1/|µ|, leaves ‖H⁻¹φ − νφ‖/|ν| ≈ 2e-9 however long
//! it runs (m = 500, α = 5e-6: 10, 30 and 100 restarts alike), and a true residual
//! ‖Hφ − µφ‖ ≈ 8e-8, 1e4 × the floor. One solve of \[\[H, φ\], \[φᵀ, 0\]\](x, s) = (0, 1) is
//! a step of inverse iteration (Hx = −sφ) that mixed block elimination keeps O(1) however
//! small µ is; measured there: residual 2e-15 after two GMRES iterations.

use super::*;
use crate::linalg::norm;

/// Backward error asked of the polishing solve: the rounding level of the bordered product
/// (measured: 2 GMRES iterations; 1e-10 would leave ‖Hφ − µφ‖ ≈ 1e-13).
const POLISH_TOL: f64 = 1e-14;
/// Inverse-iteration steps before giving up (one suffices at the measured fold).
const POLISH_STEPS: usize = 2;

impl FreeHess<'_> {
    /// (µ, φ) from a rough kernel estimate `phi` (unit, e.g. a stalled Lanczos vector), µ the
    /// Rayleigh quotient, once ‖Hφ − µφ‖ ≤ `tol`; `None` when no step reaches it.
    pub(super) fn polish_kernel(&self, phi: &Array1<f64>, tol: f64) -> Option<(f64, Array1<f64>)> {
        let n = phi.len();
        let mut phi = phi.clone();
        for _ in 0..POLISH_STEPS {
            let mut row = Array1::zeros(n + 1);
            row.slice_mut(s![..n]).assign(&phi);
            let bordered = Hess::Free(self.clone()).bordered(&phi, row.view());
            let mut rhs = Array1::zeros(n + 1);
            rhs[n] = 1.0;
            let x = bordered.solve_to(&rhs, POLISH_TOL).ok()?;
            let x = x.slice(s![..n]);
            let size = norm(x);
            if !(size.is_finite() && size > 0.0) {
                return None;
            }
            phi = x.mapv(|v| v / size);
            let hphi = self.op.apply(phi.view());
            let mu = phi.dot(&hphi);
            if norm((&hphi - &(&phi * mu)).view()) <= tol {
                return Some((mu, phi));
            }
        }
        None
    }
}

//! Bordered systems \[\[H, c\], \[rowᵀ\]\] on either backend.

use super::*;

/// A bordered matrix \[\[H, c\], \[rowᵀ\]\] ready for solves.
pub(crate) enum Bordered<'o> {
    /// Dense LU.
    Dense(crate::linalg::DenseBordered),
    /// GMRES.
    Free(FreeBordered<'o>),
}

/// The matrix-free bordered matrix: GMRES right-preconditioned by mixed block elimination
/// (Govaerts & Pryce, "Mixed block elimination for linear systems with wider borders", IMA J.
/// Numer. Anal. 13, 1993) with the structured H⁻¹.
///
/// Plain block elimination x = H⁻¹f − H⁻¹c·y forms two vectors of size ≈ ‖f‖/|µ| (µ the
/// eigenvalue of H nearest zero) that cancel to the O(‖f‖) solution. Near a fold |µ| → 0, and
/// GMRES, whose attainable accuracy is ≈ ε·‖A‖·max‖M v_j‖, then stalls at a relative residual
/// ≈ ε·‖H‖/|µ| (4e-10 measured at m = 100, α = 5e-4). Mixed elimination first removes the
/// near-kernel component of f with the left border (y₁ from H⁻¹r), so every intermediate
/// vector stays O(‖solution‖) however small µ is.
pub(crate) struct FreeBordered<'o> {
    pub(super) h: FreeHess<'o>,
    pub(super) c: Array1<f64>,
    pub(super) row: Array1<f64>,
    /// The elimination data (`None` without a structured inverse or if a pivot vanished).
    pub(super) mixed: Option<MixedElimination>,
    /// ‖\[\[H, c\], \[rowᵀ\]\]‖ estimate for the backward-error test, computed on first need.
    pub(super) norm: std::sync::OnceLock<f64>,
}

/// Precomputed vectors of mixed block elimination for \[\[H, c\], \[rᵀ, δ₀\]\] (H symmetric, so
/// H⁻ᵀr = H⁻¹r): w = H⁻¹c/δ, v = H⁻¹r/δ*, with the pivots δ = δ₀ − rᵀH⁻¹c and
/// δ* = δ₀ − cᵀH⁻¹r (equal in exact arithmetic; both ≈ 1/µ near a fold, so w and v stay O(1)).
pub(crate) struct MixedElimination {
    w: Array1<f64>,
    v: Array1<f64>,
    inv_delta: f64,
    inv_delta_star: f64,
}

impl MixedElimination {
    /// From the structured inverse applied to c and to the top of `row`; `None` if a pivot is
    /// zero or anything is non-finite.
    pub(super) fn new(h: &FreeHess, c: &Array1<f64>, row: ArrayView1<f64>) -> Option<Self> {
        let n = c.len();
        let rt = row.slice(s![..n]);
        let hc = h.op.precondition(c.view())?;
        let hr = h.op.precondition(rt)?;
        let delta = row[n] - rt.dot(&hc);
        let delta_star = row[n] - c.dot(&hr);
        let ok = |x: f64| x.is_finite() && x != 0.0;
        if !(ok(delta) && ok(delta_star)) {
            return None;
        }
        let me = MixedElimination {
            w: hc / delta,
            v: hr / delta_star,
            inv_delta: 1.0 / delta,
            inv_delta_star: 1.0 / delta_star,
        };
        let finite = me.w.iter().chain(me.v.iter()).all(|x| x.is_finite());
        finite.then_some(me)
    }
}

impl FreeBordered<'_> {
    /// ‖\[\[H, c\], \[rowᵀ\]\]‖₂ ≤ √(‖H‖² + ‖c‖²) + ‖row‖, with ‖H‖ from power iteration
    /// (from below, within a few per cent).
    fn norm(&self) -> f64 {
        *self.norm.get_or_init(|| {
            let h = self.h.scale();
            (h * h + self.c.dot(&self.c)).sqrt() + self.row.dot(&self.row).sqrt()
        })
    }
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let n = self.c.len();
        let mut out = Array1::zeros(n + 1);
        let mut top = self.h.op.apply(u.slice(s![..n]));
        top.scaled_add(u[n], &self.c);
        out.slice_mut(s![..n]).assign(&top);
        out[n] = self.row.dot(&u);
        out
    }
    /// Mixed block elimination for the right-hand side (f, g): y₁ = (g − rᵀH⁻¹f)/δ* makes
    /// f₁ = f − c·y₁ (numerically) orthogonal to H⁻¹r, hence free of the near-kernel
    /// direction; ξ = H⁻¹f₁; y₂ = (g − δ₀y₁ − rᵀξ)/δ corrects what the inexact H⁻¹ left;
    /// x = ξ − H⁻¹c·y₂, y = y₁ + y₂ (exact for an exact H⁻¹).
    fn precondition(&self, r: ArrayView1<f64>) -> Array1<f64> {
        let n = self.c.len();
        let Some(me) = &self.mixed else {
            return r.to_owned();
        };
        let f = r.slice(s![..n]);
        let g = r[n];
        let y1 = g * me.inv_delta_star - me.v.dot(&f);
        let mut f1 = f.to_owned();
        f1.scaled_add(-y1, &self.c);
        let Some(mut xi) = self.h.op.precondition(f1.view()) else {
            return r.to_owned();
        };
        let g1 = g - self.row[n] * y1;
        let t = g1 - self.row.slice(s![..n]).dot(&xi);
        xi.scaled_add(-t, &me.w);
        let mut out = Array1::zeros(n + 1);
        out.slice_mut(s![..n]).assign(&xi);
        out[n] = y1 + t * me.inv_delta;
        out
    }
}

impl Bordered<'_> {
    /// Solves with the bordered matrix.
    pub fn solve(&self, rhs: &Array1<f64>) -> std::result::Result<Array1<f64>, HessianError> {
        self.solve_to(rhs, KRYLOV_TOL)
    }
    /// [`Bordered::solve`] to the backward error `tol` on the matrix-free path.
    pub(super) fn solve_to(
        &self,
        rhs: &Array1<f64>,
        tol: f64,
    ) -> std::result::Result<Array1<f64>, HessianError> {
        match self {
            Bordered::Dense(b) => b.solve(rhs).ok_or(HessianError::Singular),
            Bordered::Free(f) => {
                let a = |u: ArrayView1<f64>| f.apply(u);
                let m = |u: ArrayView1<f64>| f.precondition(u);
                let norm = || f.norm();
                let s = gmres_backward(&a, &m, rhs, None, tol, KRYLOV_MAX_ITERS, &norm)
                    .map_err(HessianError::Krylov)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::krylov::HessianOperator;

    /// diag(values) with its exact inverse as preconditioner.
    struct Diag(Array1<f64>);
    impl HessianOperator for Diag {
        fn dim(&self) -> usize {
            self.0.len()
        }
        fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
            &self.0 * &u
        }
        fn precondition(&self, r: ArrayView1<f64>) -> Option<Array1<f64>> {
            Some(&r / &self.0)
        }
        fn has_preconditioner(&self) -> bool {
            true
        }
    }

    /// At a fold H has an eigenvalue µ ≈ 0 while the bordered matrix stays regular. Plain block
    /// elimination (x = H⁻¹f − H⁻¹c·y) forms vectors of size 1/µ = 1e14 that cancel, which
    /// leaves GMRES at a relative residual ≈ ε/µ ≫ KRYLOV_TOL; mixed elimination does not.
    #[test]
    fn bordered_solve_at_a_near_singular_hessian() {
        let n = 40;
        let mut vals = Array1::from_shape_fn(n, |i| 1.0 + i as f64 * 0.25);
        vals[7] = 1e-14;
        let h = FreeHess {
            op: Arc::new(Diag(vals.clone())),
            counter: Arc::new(AtomicUsize::new(0)),
            scale: Default::default(),
        };
        let c = Array1::from_shape_fn(n, |i| ((i + 1) as f64).sin());
        let row = Array1::from_shape_fn(n + 1, |i| ((2 * i + 1) as f64).cos());
        let b = Hess::Free(h.clone()).bordered(&c, row.view());
        // Dense reference of the (n + 1)-square system.
        let mut m = Array2::zeros((n + 1, n + 1));
        for i in 0..n {
            m[[i, i]] = vals[i];
            m[[i, n]] = c[i];
        }
        m.row_mut(n).assign(&row);
        let rhs = Array1::from_shape_fn(n + 1, |i| 1.0 / (1.0 + i as f64));
        let want = crate::linalg::solve(&m, &rhs).unwrap();
        let got = b.solve(&rhs).unwrap();
        let err = (&got - &want).mapv(f64::abs).fold(0.0f64, |a, &v| a.max(v));
        // The bordered matrix has κ ≈ 1e3 here: forward error ≲ κ·KRYLOV_TOL.
        assert!(err < 1e-8, "error {err:e}");
        // Exact inverse, exact elimination: GMRES needs at most two iterations (besides the
        // ‖H‖ estimate of the backward-error test, counted with them: measured on a copy).
        let probe = FreeHess {
            op: h.op.clone(),
            counter: Arc::new(AtomicUsize::new(0)),
            scale: Default::default(),
        };
        probe.scale();
        let scale_cost = probe.counter.load(Ordering::Relaxed);
        assert!(h.counter.load(Ordering::Relaxed) <= 2 + scale_cost);
    }
}

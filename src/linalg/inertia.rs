//! Inertia (Sylvester) from LBLᵀ and determinant signs from LU.

use super::dense::check_square;
use super::{clear_simd_upper_state, to_faer};
use crate::error::Result;
use faer::linalg::solvers::{Lblt, PartialPivLu};
use faer::Side;
use ndarray::Array2;

/// Inertia of a symmetric matrix: how many eigenvalues are negative, zero and positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Inertia {
    /// Number of negative eigenvalues.
    pub negative: usize,
    /// Number of (exactly) zero pivots.
    pub zero: usize,
    /// Number of positive eigenvalues.
    pub positive: usize,
}

/// Inertia of the block-diagonal factor of a Bunch–Kaufman LBLᵀ factorisation (Sylvester's law
/// of inertia: P L B Lᵀ Pᵀ has the inertia of B).
pub(super) fn lblt_inertia(f: &Lblt<f64>) -> Inertia {
    let d = f.B_diag();
    let s = f.B_subdiag();
    let n = d.dim();
    let mut out = Inertia::default();
    let mut push = |x: f64| {
        if x < 0.0 {
            out.negative += 1
        } else if x > 0.0 {
            out.positive += 1
        } else {
            out.zero += 1
        }
    };
    let mut i = 0;
    while i < n {
        if i + 1 < n && s[i] != 0.0 {
            // 2×2 pivot [a b; b c]: its two eigenvalues.
            let (a, b, c) = (d[i], s[i], d[i + 1]);
            let mean = 0.5 * (a + c);
            let rad = (0.25 * (a - c) * (a - c) + b * b).sqrt();
            push(mean - rad);
            push(mean + rad);
            i += 2;
        } else {
            push(d[i]);
            i += 1;
        }
    }
    out
}

/// Inertia of a symmetric matrix (lower triangle used) from a Bunch–Kaufman LBLᵀ factorisation:
/// exact counts for the backward-perturbed matrix, robust for eigenvalues well away from zero.
///
/// ```
/// use ndarray::array;
/// let i = actbif::linalg::inertia(&array![[1.0, 2.0], [2.0, 1.0]]).unwrap();
/// assert_eq!((i.negative, i.zero, i.positive), (1, 0, 1));
/// ```
pub fn inertia(a: &Array2<f64>) -> Result<Inertia> {
    check_square(a, "symmetric matrix")?;
    let f = to_faer(a).lblt(Side::Lower);
    clear_simd_upper_state();
    Ok(lblt_inertia(&f))
}

/// Sign (+1, −1 or 0) of the determinant of a partial-pivoting LU factorisation: the product of
/// the signs of U's diagonal times the parity of the row permutation.
pub(crate) fn lu_det_sign(lu: &PartialPivLu<f64>) -> f64 {
    let u = lu.U();
    let mut sign = 1.0;
    for i in 0..u.nrows() {
        let d = u[(i, i)];
        if d == 0.0 || !d.is_finite() {
            return 0.0;
        }
        if d < 0.0 {
            sign = -sign;
        }
    }
    // Parity of the permutation by cycle decomposition.
    let (fwd, _) = lu.P().arrays();
    let mut seen = vec![false; fwd.len()];
    for start in 0..fwd.len() {
        if seen[start] {
            continue;
        }
        let mut len = 0usize;
        let mut j = start;
        while !seen[j] {
            seen[j] = true;
            j = fwd[j];
            len += 1;
        }
        if len.is_multiple_of(2) {
            sign = -sign;
        }
    }
    sign
}

/// A Bunch–Kaufman LBLᵀ factorisation of a symmetric matrix with its inertia: solves and the
/// exact eigenvalue sign counts (Sylvester) from one factorisation.
pub struct SymFactor {
    f: Lblt<f64>,
    /// Inertia of the factorised matrix.
    pub inertia: Inertia,
}

impl SymFactor {
    /// Factorises `a` (lower triangle used).
    pub fn new(a: faer::MatRef<'_, f64>) -> Self {
        let f = a.lblt(Side::Lower);
        clear_simd_upper_state();
        let inertia = lblt_inertia(&f);
        SymFactor { f, inertia }
    }
    /// Overwrites `rhs` with A⁻¹ rhs.
    pub fn solve_in_place(&self, rhs: faer::MatMut<'_, f64>) {
        use faer::linalg::solvers::SolveCore;
        self.f.solve_in_place_with_conj(faer::Conj::No, rhs);
        clear_simd_upper_state();
    }
}

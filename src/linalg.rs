//! Dense linear algebra on ndarray types, backed by faer.

use crate::error::{Error, Result};
use faer::linalg::solvers::{Lblt, PartialPivLu, Solve};
use faer::{Mat, MatRef, Par, Side};
use ndarray::{Array1, Array2};

/// The parallelism actbif gives faer's own kernels (eigendecompositions, LU, LBLᵀ, QR and
/// matrix products): faer's default, `Par::rayon(0)`, splits work — and so sums — by the size
/// of the rayon pool, which made eigenvalues differ by ~1e-15 between `RAYON_NUM_THREADS` = 1
/// and 2. A fixed setting makes every result bit-identical for any thread count on the same
/// machine; sequential, because the parallel speed-up of these kernels at the sizes the dense
/// solver handles is small next to the structured Hessian assembly (which is parallel in
/// fixed blocks, see `derivatives::structured`).
pub const FAER_PARALLELISM: Par = Par::Seq;

/// Sets faer's global parallelism to [`FAER_PARALLELISM`] (once per process; later calls do
/// nothing). Every function of this module calls it, as do the CLI and
/// [`crate::experiments::commands`] at their start, so that faer calls made elsewhere in the
/// crate are covered too. A program that wants faer's default back may call
/// `faer::set_global_parallelism` afterwards, at the cost of thread-count-dependent bits.
pub fn fix_parallelism() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| faer::set_global_parallelism(FAER_PARALLELISM));
}

/// Copies an ndarray matrix into a faer matrix.
pub fn to_faer(a: &Array2<f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]])
}

/// Copies a faer matrix into an ndarray matrix.
pub fn from_faer(m: MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// Eigenpairs of a symmetric matrix, eigenvalues ascending, eigenvectors as columns.
#[derive(Clone, Debug)]
pub struct SymEigen {
    /// Eigenvalues in ascending order.
    pub values: Array1<f64>,
    /// Orthonormal eigenvectors, column k for `values[k]`.
    pub vectors: Array2<f64>,
}

fn check_square(a: &Array2<f64>, what: &str) -> Result<()> {
    // Every public entry point checks its matrix first: fix faer's parallelism here.
    fix_parallelism();
    if a.nrows() != a.ncols() {
        return Err(Error::shape(
            what,
            "a square matrix",
            format!("{} × {}", a.nrows(), a.ncols()),
        ));
    }
    crate::error::ensure_finite(what, a.iter())
}

/// Full symmetric eigendecomposition (lower triangle used).
pub fn sym_eigen(a: &Array2<f64>) -> Result<SymEigen> {
    check_square(a, "symmetric matrix")?;
    let m = to_faer(a);
    let evd = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::Linalg(format!("symmetric eigendecomposition failed: {e:?}")))?;
    clear_simd_upper_state();
    let s = evd.S();
    let values = Array1::from_shape_fn(a.nrows(), |k| s[k]);
    Ok(SymEigen {
        values,
        vectors: from_faer(evd.U()),
    })
}

/// Eigenvalues only of a symmetric matrix, ascending.
pub fn sym_eigenvalues(a: &Array2<f64>) -> Result<Array1<f64>> {
    check_square(a, "symmetric matrix")?;
    let m = to_faer(a);
    let v = m
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| Error::Linalg(format!("symmetric eigenvalues failed: {e:?}")))?;
    clear_simd_upper_state();
    Ok(Array1::from(v))
}

/// Solves A x = b by LU with partial pivoting; errors if the result is not finite
/// (A numerically singular).
pub fn solve(a: &Array2<f64>, b: &Array1<f64>) -> Result<Array1<f64>> {
    check_square(a, "linear system matrix")?;
    if b.len() != a.nrows() {
        return Err(Error::shape("right-hand side", a.nrows(), b.len()));
    }
    let lu = to_faer(a).partial_piv_lu();
    let rhs = Mat::from_fn(b.len(), 1, |i, _| b[i]);
    let x = lu.solve(&rhs);
    clear_simd_upper_state();
    let out = Array1::from_shape_fn(b.len(), |i| x[(i, 0)]);
    if out.iter().all(|v| v.is_finite()) {
        Ok(out)
    } else {
        Err(Error::Linalg("singular linear system".into()))
    }
}

// ---------------------------------------------------------------------------------------------
// Inertia, determinant signs and the partial (smallest-k) symmetric eigensolver.
// ---------------------------------------------------------------------------------------------

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
fn lblt_inertia(f: &Lblt<f64>) -> Inertia {
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

/// `v` or `−v`, whichever has its entry of largest modulus (the first such on exact ties)
/// positive: the crate's sign convention for vectors defined only up to sign, such as an
/// event's kernel vector ([`crate::continuation::Event::kernel`]), so that results depending
/// on that sign are reproducible. Zero and empty vectors are returned unchanged.
///
/// ```
/// use actbif::linalg::orient;
/// use ndarray::array;
/// assert_eq!(orient(array![0.3, -0.9, 0.1]), array![-0.3, 0.9, -0.1]);
/// assert_eq!(orient(array![-0.5, 0.5]), array![0.5, -0.5]);
/// ```
pub fn orient(v: Array1<f64>) -> Array1<f64> {
    let mut lead = 0.0f64;
    for &x in &v {
        if x.abs() > lead.abs() {
            lead = x;
        }
    }
    if lead < 0.0 {
        -v
    } else {
        v
    }
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

/// Matrices up to this order are always handled by the dense eigensolver in
/// [`sym_eigen_smallest`].
///
/// ```
/// assert_eq!(actbif::linalg::DENSE_EIGEN_MAX, 60);
/// ```
pub const DENSE_EIGEN_MAX: usize = 60;

/// Relative residual ‖A v − θ v‖ ≤ tol·‖A‖∞ required of every returned Ritz pair of
/// [`sym_eigen_smallest`] (eigenvalue errors are then ≲ tol²‖A‖²/gap).
pub const PARTIAL_EIGEN_RESIDUAL: f64 = 1e-10;

/// Subspace iterations before [`sym_eigen_smallest`] falls back to the dense solver (at n = 500
/// about the cost of a few dense eigendecompositions; tightly clustered spectra, where subspace
/// iteration converges slowly, are then done densely).
const PARTIAL_EIGEN_MAX_ITERS: usize = 30;

/// The k algebraically smallest eigenpairs of a symmetric matrix and its exact negative count.
#[derive(Clone, Debug)]
pub struct PartialEigen {
    /// The k smallest eigenvalues, ascending.
    pub values: Array1<f64>,
    /// Orthonormal eigenvectors (n × k), column i for `values[i]`.
    pub vectors: Array2<f64>,
    /// Number of negative eigenvalues of the whole matrix (from the inertia of an LBLᵀ
    /// factorisation, or counted in the full spectrum on the dense path).
    pub negative_count: usize,
    /// Whether the dense eigensolver was used.
    pub dense: bool,
}

fn dense_smallest(a: &Array2<f64>, k: usize) -> Result<PartialEigen> {
    let e = sym_eigen(a)?;
    let negative_count = e.values.iter().filter(|&&x| x < 0.0).count();
    Ok(PartialEigen {
        values: e.values.slice(ndarray::s![..k]).to_owned(),
        vectors: e.vectors.slice(ndarray::s![.., ..k]).to_owned(),
        negative_count,
        dense: true,
    })
}

/// Deterministic pseudo-random numbers in [−1, 1) (splitmix64) for starting blocks.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// The `k` smallest eigenpairs of a symmetric matrix (lower triangle used).
///
/// For n ≤ [`DENSE_EIGEN_MAX`] (or k > n/4) this is the dense decomposition. Otherwise A is
/// factorised once as LBLᵀ (Bunch–Kaufman), which also gives the exact number of negative
/// eigenvalues, and block subspace iteration on A⁻¹ (shift 0, block size max(2k, k + 8)) with
/// Rayleigh–Ritz converges to the eigenvalues nearest zero; these are the k smallest whenever all
/// negative eigenvalues are among them, which is checked against the inertia. `warm` (n × q,
/// e.g. the eigenvectors at a nearby matrix) seeds the block. Every returned pair has residual
/// ≤ [`PARTIAL_EIGEN_RESIDUAL`]·‖A‖∞. Falls back to the dense solver when A has k or more
/// negative eigenvalues, is singular to working precision, or the iteration does not converge.
///
/// ```
/// use ndarray::Array2;
/// let a = Array2::from_shape_fn((100, 100), |(i, j)| if i == j { i as f64 - 2.5 } else { 0.0 });
/// let e = actbif::linalg::sym_eigen_smallest(&a, 3, None).unwrap();
/// assert!((e.values[0] + 2.5).abs() < 1e-12 && (e.values[2] + 0.5).abs() < 1e-12);
/// assert_eq!(e.negative_count, 3);
/// ```
pub fn sym_eigen_smallest(
    a: &Array2<f64>,
    k: usize,
    warm: Option<&Array2<f64>>,
) -> Result<PartialEigen> {
    let out = sym_eigen_smallest_impl(a, k, warm);
    clear_simd_upper_state();
    out
}

fn sym_eigen_smallest_impl(
    a: &Array2<f64>,
    k: usize,
    warm: Option<&Array2<f64>>,
) -> Result<PartialEigen> {
    check_square(a, "symmetric matrix")?;
    let n = a.nrows();
    let k = k.min(n);
    if let Some(w) = warm {
        if w.nrows() != n {
            return Err(Error::shape("warm-start block rows", n, w.nrows()));
        }
        crate::error::ensure_finite("warm-start block", w.iter())?;
    }
    if n <= DENSE_EIGEN_MAX || 4 * k > n {
        return dense_smallest(a, k);
    }
    // Symmetrise from the lower triangle so A·X and the factorisation see the same matrix.
    let af = Mat::from_fn(n, n, |i, j| if i >= j { a[[i, j]] } else { a[[j, i]] });
    let fact = af.lblt(Side::Lower);
    let inert = lblt_inertia(&fact);
    if inert.zero > 0 || inert.negative >= k {
        return dense_smallest(a, k);
    }
    let anorm = (0..n)
        .map(|i| (0..n).map(|j| af[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    if anorm == 0.0 {
        return dense_smallest(a, k);
    }
    let tol = PARTIAL_EIGEN_RESIDUAL * anorm;
    let p = (2 * k).max(k + 8).min(n);

    // Starting block: warm vectors, then pseudo-random columns.
    let mut seed = 0x5EED_u64 ^ (n as u64);
    let q = warm.map_or(0, |w| w.ncols().min(p));
    let mut x = Mat::from_fn(n, p, |i, j| if j < q { warm.unwrap()[[i, j]] } else { 0.0 });
    for j in q..p {
        for i in 0..n {
            x[(i, j)] = splitmix(&mut seed);
        }
    }
    // Apply A⁻¹ once before the first Rayleigh–Ritz (damps the unwanted end of the spectrum).
    fact.solve_in_place(x.as_mut());
    for _ in 0..PARTIAL_EIGEN_MAX_ITERS {
        if x.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
            return dense_smallest(a, k);
        }
        let qmat = x.qr().compute_thin_Q();
        let ax = &af * &qmat;
        let t = qmat.transpose() * &ax;
        let t = Mat::from_fn(p, p, |i, j| 0.5 * (t[(i, j)] + t[(j, i)]));
        let evd = match t.self_adjoint_eigen(Side::Lower) {
            Ok(e) => e,
            Err(_) => return dense_smallest(a, k),
        };
        let s = evd.S();
        let u = evd.U();
        let ritz_vecs = &qmat * u;
        let a_ritz = &ax * u;
        // Residuals of the k smallest Ritz pairs (Ritz values ascending).
        let mut converged = true;
        for i in 0..k {
            let mut r2 = 0.0;
            for row in 0..n {
                let r = a_ritz[(row, i)] - s[i] * ritz_vecs[(row, i)];
                r2 += r * r;
            }
            if r2.sqrt() > tol {
                converged = false;
                break;
            }
        }
        let neg_found = (0..p).filter(|&i| s[i] < 0.0).count();
        if converged && neg_found == inert.negative {
            return Ok(PartialEigen {
                values: Array1::from_shape_fn(k, |i| s[i]),
                vectors: Array2::from_shape_fn((n, k), |(r, c)| ritz_vecs[(r, c)]),
                negative_count: inert.negative,
                dense: false,
            });
        }
        x = ritz_vecs;
        fact.solve_in_place(x.as_mut());
    }
    dense_smallest(a, k)
}

/// Clears the upper halves of the vector registers (`vzeroupper`) on the calling thread.
///
/// faer's AVX-512 GEMM kernels return with dirty upper register state; afterwards every
/// legacy-SSE instruction (glibc's `tanh`, `exp`, … as called by the activations) pays a
/// transition penalty — measured 7 ns → 140–300 ns per `tanh` on this project's machine,
/// persisting until the next `vzeroupper`. Calling this before transcendental-heavy loops and
/// after our GEMMs keeps them at full speed.
pub(crate) fn clear_simd_upper_state() {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx")]
        unsafe fn zeroupper() {
            core::arch::x86_64::_mm256_zeroupper();
        }
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: AVX support was checked at run time; vzeroupper only zeroes the upper
            // register halves, which hold no live values across this call boundary.
            unsafe { zeroupper() }
        }
    }
}

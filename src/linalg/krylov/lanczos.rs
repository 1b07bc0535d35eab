//! Thick-restart block Lanczos for the extreme eigenvalues of a symmetric operator.
//!
//! Written by hand rather than taken from `faer::operator::partial_self_adjoint_eigen` (a
//! single-vector Krylov–Schur): single-vector Lanczos sees one copy of each multiple
//! eigenvalue, while the continuation needs the k smallest eigenvalues of a Hessian whose
//! bottom eigenvalue α has multiplicity n − d at λ = 0 (and a quasi-continuum near α after), and
//! a block method applies the operator to b vectors at once (one GEMM per block in the
//! two-layer Woodbury inverse instead of b matrix-vector sweeps).
//!
//! The basis V and its image AV are both stored (n × `max_basis` each), so Rayleigh–Ritz is
//! T = Vᵀ(AV) and every Ritz residual ‖Ay − νy‖ is computed exactly, not from the recurrence;
//! each new block is reorthogonalised against the whole basis (twice). At a restart the
//! `keep` best Ritz pairs and the pending next block are kept (Krylov–Schur), so the space
//! stays a Krylov space of the kept vectors.

use super::{vnorm, KrylovFailure};
use crate::linalg::{sym_eigen, SplitMix64};
use ndarray::{s, Array1, Array2, ArrayView2, Axis};

/// A block operator application Y = A X (columns independent) that may fail.
pub type BlockMap<'a> = dyn Fn(ArrayView2<f64>) -> Result<Array2<f64>, KrylovFailure> + 'a;

/// Which end of the spectrum is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// Largest algebraic eigenvalues (a shift-inverted operator below the wanted ones).
    LargestAlgebraic,
    /// Largest |eigenvalue| (an inverse: the eigenvalues nearest the shift).
    LargestMagnitude,
}

/// Parameters of [`block_lanczos`].
#[derive(Clone, Copy, Debug)]
pub struct LanczosOptions {
    /// Block size b (≥ the multiplicity of the wanted eigenvalues that must be resolved).
    pub block: usize,
    /// Basis columns before a restart.
    pub max_basis: usize,
    /// Converged when every wanted pair has ‖Ay − νy‖ ≤ `tol`·|ν|.
    pub tol: f64,
    /// Restarts before [`LanczosOptions::tol_last`] decides.
    pub max_restarts: usize,
    /// After `max_restarts`, the relative residual accepted (else a typed failure).
    pub tol_last: f64,
}

/// Converged Ritz pairs of [`block_lanczos`].
#[derive(Clone, Debug)]
pub struct LanczosPairs {
    /// The k wanted Ritz values, best first (descending, algebraically or in modulus).
    pub values: Array1<f64>,
    /// Orthonormal Ritz vectors (n × k), column i for `values[i]`.
    pub vectors: Array2<f64>,
    /// ‖Ay − νy‖ of each pair.
    pub residuals: Vec<f64>,
    /// The next Ritz value after the k wanted (an unconverged estimate; `None` if n = k).
    pub next_value: Option<f64>,
    /// Operator applications (columns).
    pub applications: usize,
    /// Restarts used.
    pub restarts: usize,
}

/// See [`orthonormalise_against`]: a column that keeps less than this fraction of its norm
/// after projection is numerically in the span already (two Gram–Schmidt passes then leave
/// it orthogonal only to ≈ ε/DEPENDENT_RTOL) and is replaced by a random one.
const DEPENDENT_RTOL: f64 = 1e-8;

/// Orthonormalises the columns of `r` against the orthonormal columns of `basis` and each
/// other (classical Gram–Schmidt, twice); dependent columns are replaced by random ones.
/// The projection on `basis` is done for the whole block at once (two GEMMs per pass: at
/// n = 64,000 the column-by-column strided products took 17 % of a digits m = 1000 trace),
/// the columns among themselves one by one on a transposed (contiguous) copy.
fn orthonormalise_against(basis: ArrayView2<f64>, r: &mut Array2<f64>, rng: &mut SplitMix64) {
    let q = r.ncols();
    let n0: Vec<f64> = (0..q).map(|j| vnorm(r.column(j))).collect();
    for _pass in 0..2 {
        let c = basis.t().dot(&*r);
        *r -= &basis.dot(&c);
    }
    let mut rt = r.t().as_standard_layout().into_owned();
    for (j, &n0_orig) in n0.iter().enumerate() {
        let mut fresh = false;
        for _attempt in 0..3 {
            let n0j = if fresh { vnorm(rt.row(j)) } else { n0_orig };
            for _pass in 0..2 {
                if fresh {
                    let c = basis.t().dot(&rt.row(j));
                    let proj = basis.dot(&c);
                    rt.row_mut(j).scaled_add(-1.0, &proj);
                }
                let (done, mut rest) = rt.view_mut().split_at(Axis(0), j);
                let mut col = rest.row_mut(0);
                for qi in done.rows() {
                    let c = qi.dot(&col);
                    col.scaled_add(-c, &qi);
                }
            }
            let nj = vnorm(rt.row(j));
            if nj.is_finite() && nj > DEPENDENT_RTOL * n0j && nj > 0.0 {
                rt.row_mut(j).mapv_inplace(|v| v / nj);
                break;
            }
            rt.row_mut(j).mapv_inplace(|_| rng.next_signed());
            fresh = true;
        }
    }
    r.assign(&rt.t());
}

/// The Krylov basis with its image.
struct Basis {
    v: Array2<f64>,
    av: Array2<f64>,
    /// Columns of `v` in use.
    used: usize,
    /// Columns whose image is in `av`.
    applied: usize,
}

/// The `k` extreme eigenpairs (per `which`) of the symmetric operator `a` of dimension `n`,
/// seeded with the columns of `warm` (then pseudo-random ones). Stops when the k wanted
/// pairs have relative residual ≤ `opts.tol`, or after `opts.max_restarts` restarts if
/// ≤ `opts.tol_last`; a typed failure otherwise or when `a` fails. Each Ritz value is within
/// its residual of an eigenvalue (Weyl), within residual²/gap when separated.
pub fn block_lanczos(
    a: &BlockMap,
    n: usize,
    k: usize,
    warm: Option<&Array2<f64>>,
    which: Which,
    opts: &LanczosOptions,
) -> Result<LanczosPairs, KrylovFailure> {
    let k = k.clamp(1, n);
    let b = opts.block.clamp(1, n);
    // Room for the kept pairs plus at least two new blocks, never more than n columns.
    let cap = opts.max_basis.max(k + 2 * b).min(n);
    let keep = (cap / 2).max(k + b).min(cap.saturating_sub(b)).max(1);
    let mut rng = SplitMix64::new(0x1A2C_u64 ^ (n as u64));
    let mut x0 = Array2::from_shape_fn((n, b.min(cap)), |_| rng.next_signed());
    if let Some(w) = warm.filter(|w| w.nrows() == n) {
        let q = w.ncols().min(x0.ncols());
        x0.slice_mut(s![.., ..q]).assign(&w.slice(s![.., ..q]));
    }
    orthonormalise_against(Array2::zeros((n, 0)).view(), &mut x0, &mut rng);
    let mut basis = Basis {
        v: Array2::zeros((n, cap)),
        av: Array2::zeros((n, cap)),
        used: x0.ncols(),
        applied: 0,
    };
    basis.v.slice_mut(s![.., ..x0.ncols()]).assign(&x0);
    let mut applications = 0;
    let mut pending: Option<Array2<f64>> = None;
    for restart in 0..=opts.max_restarts {
        expand(a, &mut basis, b, &mut pending, &mut applications, &mut rng)?;
        let ritz = rayleigh_ritz(&basis, which, opts.tol)?;
        let wanted = ritz.values.len().min(k);
        let worst = (0..wanted)
            .map(|i| ritz.residuals[i] / ritz.values[i].abs())
            .fold(
                0.0f64,
                |m, r| if r.is_nan() { f64::INFINITY } else { m.max(r) },
            );
        let done = worst <= opts.tol || basis.used == n;
        if done || (restart == opts.max_restarts && worst <= opts.tol_last) {
            return Ok(LanczosPairs {
                values: ritz.values.slice(s![..wanted]).to_owned(),
                vectors: basis
                    .v
                    .slice(s![.., ..basis.used])
                    .dot(&ritz.s.slice(s![.., ..wanted])),
                residuals: ritz.residuals[..wanted].to_vec(),
                next_value: ritz.values.get(wanted).copied(),
                applications,
                restarts: restart,
            });
        }
        if restart == opts.max_restarts {
            return Err(KrylovFailure {
                method: "block Lanczos",
                iters: applications,
                residual: worst,
                tol: opts.tol,
            });
        }
        let kept = keep.min(basis.used);
        thick_restart(&mut basis, &ritz.s, kept);
    }
    unreachable!("the loop returns at its last restart")
}

/// Applies `a` to the unapplied columns and grows the basis block by block until it is full;
/// the block that would come next is left in `pending`.
fn expand(
    a: &BlockMap,
    basis: &mut Basis,
    b: usize,
    pending: &mut Option<Array2<f64>>,
    applications: &mut usize,
    rng: &mut SplitMix64,
) -> Result<(), KrylovFailure> {
    let (n, cap) = basis.v.dim();
    if let Some(p) = pending.take() {
        let q = p.ncols().min(cap - basis.used);
        let mut p = p.slice(s![.., ..q]).to_owned();
        // Re-orthogonalise: the kept Ritz vectors are combinations of the old basis.
        orthonormalise_against(basis.v.slice(s![.., ..basis.used]), &mut p, rng);
        basis
            .v
            .slice_mut(s![.., basis.used..basis.used + q])
            .assign(&p);
        basis.used += q;
    }
    while basis.applied < basis.used {
        let (lo, hi) = (basis.applied, basis.used);
        let w = a(basis.v.slice(s![.., lo..hi]))?;
        *applications += hi - lo;
        basis.av.slice_mut(s![.., lo..hi]).assign(&w);
        basis.applied = hi;
        if basis.used == n {
            break;
        }
        let q = b.min(n - basis.used);
        let mut r = w.slice(s![.., w.ncols() - q.min(w.ncols())..]).to_owned();
        if r.ncols() < q {
            let extra = Array2::from_shape_fn((n, q - r.ncols()), |_| rng.next_signed());
            r = ndarray::concatenate(Axis(1), &[r.view(), extra.view()]).expect("same rows");
        }
        orthonormalise_against(basis.v.slice(s![.., ..basis.used]), &mut r, rng);
        if basis.used + q > cap {
            *pending = Some(r);
            break;
        }
        basis
            .v
            .slice_mut(s![.., basis.used..basis.used + q])
            .assign(&r);
        basis.used += q;
    }
    Ok(())
}

/// Ritz values (wanted first), their coefficient vectors S (basis coordinates) and residuals.
struct Ritz {
    values: Array1<f64>,
    s: Array2<f64>,
    residuals: Vec<f64>,
}

fn rayleigh_ritz(basis: &Basis, which: Which, tol: f64) -> Result<Ritz, KrylovFailure> {
    let m = basis.used;
    let v = basis.v.slice(s![.., ..m]);
    let av = basis.av.slice(s![.., ..m]);
    let t = v.t().dot(&av);
    let t = (&t + &t.t()) * 0.5;
    let e = sym_eigen(&t).map_err(|_| KrylovFailure {
        method: "block Lanczos (Rayleigh–Ritz)",
        iters: 0,
        residual: f64::NAN,
        tol,
    })?;
    let mut idx: Vec<usize> = (0..m).collect();
    match which {
        Which::LargestAlgebraic => idx.sort_by(|&i, &j| e.values[j].total_cmp(&e.values[i])),
        Which::LargestMagnitude => {
            idx.sort_by(|&i, &j| e.values[j].abs().total_cmp(&e.values[i].abs()))
        }
    }
    let values: Array1<f64> = idx.iter().map(|&i| e.values[i]).collect();
    let s_mat = e.vectors.select(Axis(1), &idx);
    let y = v.dot(&s_mat);
    let ay = av.dot(&s_mat);
    let residuals = (0..m)
        .map(|i| vnorm((&ay.column(i) - &(&y.column(i) * values[i])).view()))
        .collect();
    Ok(Ritz {
        values,
        s: s_mat,
        residuals,
    })
}

/// Keeps the first `keep` Ritz vectors (and their images) as the new basis.
fn thick_restart(basis: &mut Basis, s_mat: &Array2<f64>, keep: usize) {
    let m = basis.used;
    let sk = s_mat.slice(s![.., ..keep]);
    let y = basis.v.slice(s![.., ..m]).dot(&sk);
    let ay = basis.av.slice(s![.., ..m]).dot(&sk);
    basis.v.slice_mut(s![.., ..keep]).assign(&y);
    basis.av.slice_mut(s![.., ..keep]).assign(&ay);
    basis.used = keep;
    basis.applied = keep;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::sym_eigen;

    /// A symmetric matrix with prescribed eigenvalues: Q diag(values) Qᵀ, Q from the
    /// eigenvectors of a pseudo-random symmetric matrix.
    fn with_spectrum(values: &[f64], seed: u64) -> Array2<f64> {
        let n = values.len();
        let mut rng = SplitMix64::new(seed);
        let r = Array2::from_shape_fn((n, n), |_| rng.next_signed());
        let q = sym_eigen(&(&r + &r.t())).expect("eigen").vectors;
        q.dot(&Array2::from_diag(&Array1::from_vec(values.to_vec())))
            .dot(&q.t())
    }

    fn run(m: &Array2<f64>, k: usize, which: Which, block: usize) -> LanczosPairs {
        let a = |x: ArrayView2<f64>| Ok(m.dot(&x));
        let opts = LanczosOptions {
            block,
            max_basis: 24,
            tol: 1e-12,
            max_restarts: 200,
            tol_last: 1e-12,
        };
        block_lanczos(&a, m.nrows(), k, None, which, &opts).expect("converges")
    }

    /// Residual relative tolerance 1e-12 puts each value within 1e-12·|ν|·‖A‖-ish of an
    /// eigenvalue; 1e-10 relative leaves room for the rounding of the 120 × 120 products.
    const VALUE_RTOL: f64 = 1e-10;

    #[test]
    fn largest_of_a_separated_spectrum() {
        let vals: Vec<f64> = (0..120).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let m = with_spectrum(&vals, 1);
        let r = run(&m, 5, Which::LargestAlgebraic, 3);
        for (i, want) in vals.iter().take(5).enumerate() {
            assert!(
                (r.values[i] - want).abs() <= VALUE_RTOL * want,
                "{i}: {}",
                r.values[i]
            );
        }
    }

    #[test]
    fn multiple_eigenvalue_is_found_with_its_multiplicity() {
        // The top eigenvalue 2 has multiplicity 4 (the λ = 0 Hessian's α-eigenspace, inverted).
        let mut vals = vec![2.0; 4];
        vals.extend((0..116).map(|i| 1.0 - i as f64 / 200.0));
        let m = with_spectrum(&vals, 2);
        let r = run(&m, 6, Which::LargestAlgebraic, 6);
        for i in 0..4 {
            assert!(
                (r.values[i] - 2.0).abs() <= VALUE_RTOL * 2.0,
                "{i}: {}",
                r.values[i]
            );
        }
        assert!((r.values[4] - 1.0).abs() <= VALUE_RTOL);
        assert!((r.values[5] - 0.995).abs() <= VALUE_RTOL);
    }

    #[test]
    fn tight_cluster_values_converge() {
        // Five eigenvalues within 1e-9 of each other on top of a separated tail.
        let mut vals: Vec<f64> = (0..5).map(|i| 3.0 + 1e-10 * i as f64).collect();
        vals.extend((0..115).map(|i| 1.0 + i as f64 / 115.0));
        let m = with_spectrum(&vals, 3);
        let r = run(&m, 5, Which::LargestAlgebraic, 5);
        let mut want = vals[..5].to_vec();
        want.reverse();
        for (i, w) in want.iter().enumerate() {
            assert!(
                (r.values[i] - w).abs() <= VALUE_RTOL * 3.0,
                "{i}: {}",
                r.values[i]
            );
        }
    }

    #[test]
    fn largest_magnitude_of_an_indefinite_spectrum() {
        let mut vals: Vec<f64> = (0..118).map(|i| -1.0 + 2.0 * i as f64 / 118.0).collect();
        vals.push(-5.0);
        vals.push(4.0);
        let m = with_spectrum(&vals, 4);
        let r = run(&m, 2, Which::LargestMagnitude, 2);
        assert!(
            (r.values[0] + 5.0).abs() <= VALUE_RTOL * 5.0,
            "{}",
            r.values[0]
        );
        assert!(
            (r.values[1] - 4.0).abs() <= VALUE_RTOL * 4.0,
            "{}",
            r.values[1]
        );
        // Ritz vectors of separated values are eigenvectors: ‖Ay − νy‖ small.
        for i in 0..2 {
            let y = r.vectors.column(i);
            let res = &m.dot(&y) - &(&y * r.values[i]);
            assert!(vnorm(res.view()) <= 1e-10 * 5.0);
        }
    }

    #[test]
    fn small_operator_is_solved_exactly() {
        // n below the basis size: the whole space is spanned, eigenvalues exact.
        let vals = [3.0, -1.0, 2.0, 0.5, 7.0];
        let m = with_spectrum(&vals, 5);
        let r = run(&m, 3, Which::LargestAlgebraic, 2);
        for (got, want) in r.values.iter().zip([7.0, 3.0, 2.0]) {
            assert!((got - want).abs() <= 1e-12 * 7.0, "{got} vs {want}");
        }
    }
}

//! Block LOBPCG (Knyazev) for the smallest eigenvalues of a symmetric operator with a
//! symmetric positive definite preconditioner T ≈ (A − σI)⁻¹, σ below the wanted values.
//!
//! Written by hand because `faer::operator` (0.24) has no preconditioned eigensolver, and the
//! operators it serves (the MLP Hessian) have no exact inverse for shift-invert Lanczos: a
//! cheap structured T that is close to (A − σI)⁻¹ makes the k smallest eigenvalues of a
//! quasi-continuum converge in a few dozen iterations, where Lanczos on A alone needs
//! O(√(‖A‖/gap)) blocks.
//!
//! Each iteration spans \[X, W, P\] (Ritz block, preconditioned residuals, previous
//! directions), with W and P orthogonalised against X and orthonormalised by SVQB (the
//! eigenvectors of their Gram matrix, tiny directions dropped), so Rayleigh–Ritz is a plain
//! symmetric eigenproblem. AX, AW, AP are carried by the same linear transforms; before a pair
//! is accepted AX is recomputed, so every reported residual ‖Ay − θy‖ is the true one.
//!
//! What is certified: each accepted θᵢ is within its residual of an eigenvalue of A (Weyl, for
//! a symmetric A and unit y), and since the θᵢ are Ritz values of a subspace, the i-th
//! smallest θ is ≥ the i-th smallest eigenvalue (Cauchy interlacing / min–max). Inside a
//! cluster the individual vectors are not determined, the values are.

use super::{vnorm, BlockMap, KrylovFailure};
use crate::linalg::{sym_eigen, SplitMix64};
use ndarray::{concatenate, s, Array1, Array2, Axis};

/// Parameters of [`lobpcg`].
#[derive(Clone, Copy, Debug)]
pub struct LobpcgOptions {
    /// Block size (≥ k; the extra columns guard the k-th value against its neighbours).
    pub block: usize,
    /// Residual ‖Ay − θy‖ ≤ `tol`·`scale` asked of each of the k wanted pairs.
    pub tol: f64,
    /// The scale of the residual tolerances (an estimate of ‖A‖).
    pub scale: f64,
    /// Iterations before [`LobpcgOptions::tol_last`] decides.
    pub max_iters: usize,
    /// After `max_iters`, the relative residual accepted (else a typed failure).
    pub tol_last: f64,
}

/// Converged pairs of [`lobpcg`], ascending.
#[derive(Clone, Debug)]
pub struct LobpcgPairs {
    /// The k smallest Ritz values, ascending.
    pub values: Array1<f64>,
    /// Orthonormal Ritz vectors (n × k).
    pub vectors: Array2<f64>,
    /// True residuals ‖Ay − θy‖ (AX recomputed).
    pub residuals: Vec<f64>,
    /// The Ritz value after the k wanted (a guard column's, unconverged; `None` if block = k).
    pub next_value: Option<f64>,
    /// Operator applications (columns).
    pub applications: usize,
    /// Iterations used.
    pub iters: usize,
}

/// SVQB drops Gram eigen-directions below this fraction of the largest: they are numerically
/// in the span of the others (their orthonormalised image would be rounding noise).
const SVQB_DROP: f64 = 1e-12;

/// Orthonormalises the columns of `z` (and carries `az` = A z along) by SVQB twice; returns
/// the orthonormal block and its image with dependent directions dropped.
fn svqb(mut z: Array2<f64>, mut az: Array2<f64>) -> (Array2<f64>, Array2<f64>) {
    for _pass in 0..2 {
        if z.ncols() == 0 {
            break;
        }
        let g = z.t().dot(&z);
        let g = (&g + &g.t()) * 0.5;
        let Ok(e) = sym_eigen(&g) else {
            return (Array2::zeros((z.nrows(), 0)), Array2::zeros((z.nrows(), 0)));
        };
        let top = e.values.iter().copied().fold(0.0f64, f64::max);
        let keep: Vec<usize> = (0..e.values.len())
            .filter(|&i| e.values[i] > SVQB_DROP * top && e.values[i] > 0.0)
            .collect();
        let mut c = e.vectors.select(Axis(1), &keep);
        for (j, &i) in keep.iter().enumerate() {
            c.column_mut(j).mapv_inplace(|v| v / e.values[i].sqrt());
        }
        z = z.dot(&c);
        az = az.dot(&c);
    }
    (z, az)
}

/// Removes the components along the orthonormal `x` from `w`, and the same combination of
/// `ax` from its image `aw` (twice, for orthogonality to rounding).
fn project_out(x: &Array2<f64>, ax: &Array2<f64>, w: &mut Array2<f64>, aw: &mut Array2<f64>) {
    for _pass in 0..2 {
        let c = x.t().dot(&*w);
        *w -= &x.dot(&c);
        *aw -= &ax.dot(&c);
    }
}

/// Rayleigh–Ritz on the orthonormal `q` (image `aq`): Ritz values ascending and the
/// coefficient matrix.
fn rayleigh_ritz(
    q: &Array2<f64>,
    aq: &Array2<f64>,
) -> Result<(Array1<f64>, Array2<f64>), KrylovFailure> {
    let t = q.t().dot(aq);
    let t = (&t + &t.t()) * 0.5;
    let e = sym_eigen(&t).map_err(|_| KrylovFailure {
        method: "LOBPCG (Rayleigh–Ritz)",
        iters: 0,
        residual: f64::NAN,
        tol: 0.0,
    })?;
    let mut idx: Vec<usize> = (0..e.values.len()).collect();
    idx.sort_by(|&i, &j| e.values[i].total_cmp(&e.values[j]));
    Ok((
        idx.iter().map(|&i| e.values[i]).collect(),
        e.vectors.select(Axis(1), &idx),
    ))
}

fn residual_norms(
    x: &Array2<f64>,
    ax: &Array2<f64>,
    theta: &Array1<f64>,
) -> (Array2<f64>, Vec<f64>) {
    let r = ax - &(x * &theta.view().insert_axis(Axis(0)));
    let norms = r.columns().into_iter().map(vnorm).collect();
    (r, norms)
}

/// The `k` smallest eigenpairs of the symmetric `a` (dimension `n`) by block LOBPCG with the
/// SPD preconditioner `t`, seeded with `warm` (then pseudo-random columns). Stops when the k
/// wanted pairs have true residual ≤ `opts.tol`·`opts.scale`, or after `opts.max_iters` if
/// ≤ `opts.tol_last`·`opts.scale`; a typed failure otherwise or when `a`/`t` fails.
pub fn lobpcg(
    a: &BlockMap,
    t: &BlockMap,
    n: usize,
    k: usize,
    warm: Option<&Array2<f64>>,
    opts: &LobpcgOptions,
) -> Result<LobpcgPairs, KrylovFailure> {
    let k = k.clamp(1, n);
    let b = opts.block.max(k).min(n);
    let mut rng = SplitMix64::new(0x10B_u64 ^ (n as u64));
    let mut x0 = Array2::from_shape_fn((n, b), |_| rng.next_signed());
    if let Some(w) = warm.filter(|w| w.nrows() == n) {
        let q = w.ncols().min(b);
        x0.slice_mut(s![.., ..q]).assign(&w.slice(s![.., ..q]));
    }
    let mut applications = b;
    let ax0 = a(x0.view())?;
    let (q, aq) = svqb(x0, ax0);
    let (theta, c) = rayleigh_ritz(&q, &aq)?;
    let b = b.min(q.ncols());
    let mut x = q.dot(&c.slice(s![.., ..b]));
    let mut ax = aq.dot(&c.slice(s![.., ..b]));
    let mut theta = theta.slice(s![..b]).to_owned();
    let mut p: Option<(Array2<f64>, Array2<f64>)> = None;
    let wanted = k.min(b);
    for iter in 0..=opts.max_iters {
        let (mut r, norms) = residual_norms(&x, &ax, &theta);
        let worst = norms[..wanted].iter().copied().fold(0.0f64, f64::max);
        let last = iter == opts.max_iters;
        if worst <= opts.tol * opts.scale || last {
            // Recompute AX: the carried image accumulates rounding of the transforms.
            ax = a(x.view())?;
            applications += b;
            let (fresh, norms) = residual_norms(&x, &ax, &theta);
            let worst = norms[..wanted].iter().copied().fold(0.0f64, f64::max);
            if worst <= opts.tol * opts.scale || (last && worst <= opts.tol_last * opts.scale) {
                return Ok(LobpcgPairs {
                    values: theta.slice(s![..wanted]).to_owned(),
                    vectors: x.slice(s![.., ..wanted]).to_owned(),
                    residuals: norms[..wanted].to_vec(),
                    next_value: theta.get(wanted).copied(),
                    applications,
                    iters: iter,
                });
            }
            if last {
                return Err(KrylovFailure {
                    method: "LOBPCG",
                    iters: applications,
                    residual: worst / opts.scale,
                    tol: opts.tol,
                });
            }
            r = fresh;
        }
        let w = t(r.view())?;
        let aw = a(w.view())?;
        applications += w.ncols();
        let (mut z, mut az) = (w, aw);
        if let Some((pp, app)) = p.take() {
            z = concatenate(Axis(1), &[z.view(), pp.view()]).expect("same rows");
            az = concatenate(Axis(1), &[az.view(), app.view()]).expect("same rows");
        }
        project_out(&x, &ax, &mut z, &mut az);
        let ap_img = az;
        let (zq, azq) = svqb(z, ap_img);
        let q = concatenate(Axis(1), &[x.view(), zq.view()]).expect("same rows");
        let aq = concatenate(Axis(1), &[ax.view(), azq.view()]).expect("same rows");
        let (vals, c) = rayleigh_ritz(&q, &aq)?;
        let cb = c.slice(s![.., ..b]);
        let cz = c.slice(s![b.., ..b]);
        p = (zq.ncols() > 0).then(|| (zq.dot(&cz), azq.dot(&cz)));
        x = q.dot(&cb);
        ax = aq.dot(&cb);
        theta = vals.slice(s![..b]).to_owned();
    }
    unreachable!("the loop returns at its last iteration")
}

/// The carried image check used by tests: ‖AX − X diag(θ)‖ per column.
#[cfg(test)]
fn true_residuals(m: &Array2<f64>, pairs: &LobpcgPairs) -> Vec<f64> {
    let ax = m.dot(&pairs.vectors);
    residual_norms(&pairs.vectors, &ax, &pairs.values).1
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ArrayView2;

    fn with_spectrum(values: &[f64], seed: u64) -> Array2<f64> {
        let n = values.len();
        let mut rng = SplitMix64::new(seed);
        let r = Array2::from_shape_fn((n, n), |_| rng.next_signed());
        let q = sym_eigen(&(&r + &r.t())).expect("eigen").vectors;
        q.dot(&Array2::from_diag(&Array1::from_vec(values.to_vec())))
            .dot(&q.t())
    }

    fn opts(block: usize) -> LobpcgOptions {
        LobpcgOptions {
            block,
            tol: 1e-11,
            scale: 1.0,
            max_iters: 500,
            tol_last: 1e-11,
        }
    }

    /// Residual 1e-11 with ‖A‖ ≤ 10 puts each value within 1e-11 of an eigenvalue (Weyl);
    /// 1e-10 leaves room for the rounding of the 150 × 150 products.
    const VALUE_TOL: f64 = 1e-10;

    #[test]
    fn smallest_of_an_indefinite_spectrum_without_preconditioner() {
        let vals: Vec<f64> = (0..150).map(|i| -0.5 + 0.07 * i as f64).collect();
        let m = with_spectrum(&vals, 11);
        let a = |x: ArrayView2<f64>| Ok(m.dot(&x));
        let id = |x: ArrayView2<f64>| Ok(x.to_owned());
        let r = lobpcg(&a, &id, 150, 4, None, &opts(6)).expect("converges");
        for (i, (got, want)) in r.values.iter().zip(&vals).enumerate() {
            assert!((got - want).abs() <= VALUE_TOL, "{i}: {got}");
        }
        for res in true_residuals(&m, &r) {
            assert!(res <= 1e-11 * 1.01);
        }
    }

    #[test]
    fn exact_shift_invert_preconditioner_resolves_a_cluster_fast() {
        // Four eigenvalues within 1e-9 of 0.004 on top of a spread tail (the α-cluster).
        let mut vals: Vec<f64> = (0..4).map(|i| 0.004 + 1e-10 * i as f64).collect();
        vals.extend((0..146).map(|i| 0.005 + 10.0 * i as f64 / 146.0));
        let m = with_spectrum(&vals, 12);
        let sigma = -0.002;
        // Same seed, same eigenvectors: the exact (A − σI)⁻¹.
        let inv_vals: Vec<f64> = vals.iter().map(|v| 1.0 / (v - sigma)).collect();
        let inv = with_spectrum(&inv_vals, 12);
        let a = |x: ArrayView2<f64>| Ok(m.dot(&x));
        let t = |x: ArrayView2<f64>| Ok(inv.dot(&x));
        let r = lobpcg(&a, &t, 150, 4, None, &opts(6)).expect("converges");
        assert!(r.iters <= 10, "{} iterations", r.iters);
        for (i, (got, want)) in r.values.iter().zip(&vals).enumerate() {
            assert!((got - want).abs() <= VALUE_TOL, "{i}: {got}");
        }
    }
}

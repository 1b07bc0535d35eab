//! The two-layer output Jacobian J (N × n, J_i,(j,k) = a_ij x_ik) kept factored as the
//! N × m matrix A = \[a_ij\] and the data X (N × d): 1/d of the memory of J (40 MB instead of
//! 200 MB at the issue-10 target), and products J U, Jᵀ T that stream A once instead of J,
//! which makes the memory-bound single-vector products of the Krylov solves ≈ d× cheaper.
//! Every output entry is summed by one thread in a fixed order (bit-identical for any thread
//! count).

use rayon::prelude::*;

/// J = \[a_ij x_ik\] in factored form.
pub struct ScaledJac {
    n_samples: usize,
    m: usize,
    d: usize,
    /// A (N × m, row-major).
    a: Vec<f64>,
    /// X (N × d, row-major).
    x: Vec<f64>,
}

/// Columns j per task of Jᵀ T: the task's accumulators (b·d·JT_CHUNK doubles) stay in cache.
const JT_CHUNK: usize = 256;

impl ScaledJac {
    /// From A (N × m) and X (N × d), both row-major.
    pub fn new(n_samples: usize, m: usize, d: usize, a: Vec<f64>, x: Vec<f64>) -> Self {
        debug_assert_eq!(a.len(), n_samples * m);
        debug_assert_eq!(x.len(), n_samples * d);
        ScaledJac {
            n_samples,
            m,
            d,
            a,
            x,
        }
    }
    /// J as a dense row-major N × n matrix (transient: the capacitance GEMM).
    pub fn dense(&self) -> Vec<f64> {
        let (m, d) = (self.m, self.d);
        let n = m * d;
        let mut out = vec![0.0; self.n_samples * n];
        out.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
            let xi = &self.x[i * d..(i + 1) * d];
            for (j, blk) in row.chunks_exact_mut(d).enumerate() {
                let aij = self.a[i * m + j];
                for (o, xk) in blk.iter_mut().zip(xi) {
                    *o = aij * xk;
                }
            }
        });
        out
    }
    /// J U (N × b, row-major) for U (n × b, row-major).
    pub fn apply(&self, u: &[f64], b: usize) -> Vec<f64> {
        let (m, d) = (self.m, self.d);
        // U regrouped as b·d contiguous rows of length m: uc[(c·d + k)·m + j] = U[j·d + k, c].
        let mut uc = vec![0.0; b * d * m];
        for j in 0..m {
            for k in 0..d {
                for c in 0..b {
                    uc[(c * d + k) * m + j] = u[(j * d + k) * b + c];
                }
            }
        }
        let mut out = vec![0.0; self.n_samples * b];
        out.par_chunks_mut(b).enumerate().for_each(|(i, oi)| {
            let ai = &self.a[i * m..(i + 1) * m];
            let xi = &self.x[i * d..(i + 1) * d];
            let mut s = vec![0.0; m];
            for (c, o) in oi.iter_mut().enumerate() {
                s.iter_mut().for_each(|v| *v = 0.0);
                for (k, &xk) in xi.iter().enumerate() {
                    let row = &uc[(c * d + k) * m..(c * d + k + 1) * m];
                    for (sv, r) in s.iter_mut().zip(row) {
                        *sv += xk * r;
                    }
                }
                *o = lane_dot(ai, &s);
            }
        });
        out
    }
    /// Jᵀ T (n × b, row-major) for T (N × b, row-major).
    pub fn apply_t(&self, t: &[f64], b: usize) -> Vec<f64> {
        let (m, d) = (self.m, self.d);
        let mut out = vec![0.0; m * d * b];
        out.par_chunks_mut(JT_CHUNK * d * b)
            .enumerate()
            .for_each(|(chunk, oc)| {
                let j0 = chunk * JT_CHUNK;
                let len = oc.len() / (d * b);
                // acc[(c·d + k)·len + jj] = Σ_i t_ic a_i,j0+jj x_ik
                let mut acc = vec![0.0; b * d * len];
                for i in 0..self.n_samples {
                    let ai = &self.a[i * m + j0..i * m + j0 + len];
                    let xi = &self.x[i * d..(i + 1) * d];
                    for c in 0..b {
                        let tc = t[i * b + c];
                        for (k, &xk) in xi.iter().enumerate() {
                            let w = tc * xk;
                            let dst = &mut acc[(c * d + k) * len..(c * d + k + 1) * len];
                            for (o, a) in dst.iter_mut().zip(ai) {
                                *o += w * a;
                            }
                        }
                    }
                }
                for jj in 0..len {
                    for k in 0..d {
                        for c in 0..b {
                            oc[(jj * d + k) * b + c] = acc[(c * d + k) * len + jj];
                        }
                    }
                }
            });
        out
    }
}

/// Independent partial sums of a dot product (so the compiler can vectorise the loop).
const LANES: usize = 8;

/// Σ a_j s_j in [`LANES`] fixed partial sums (a fixed summation order).
fn lane_dot(a: &[f64], s: &[f64]) -> f64 {
    let mut lanes = [0.0f64; LANES];
    let (ac, ar) = a.split_at(a.len() - a.len() % LANES);
    let (sc, sr) = s.split_at(ac.len());
    for (ca, cs) in ac.chunks_exact(LANES).zip(sc.chunks_exact(LANES)) {
        for l in 0..LANES {
            lanes[l] += ca[l] * cs[l];
        }
    }
    let tail: f64 = ar.iter().zip(sr).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::SplitMix64;

    /// J U and Jᵀ T against the dense J (same products summed differently: agreement to
    /// rounding: ≤ 900 O(1) terms, so ≈ 1e-13 absolute at worst).
    #[test]
    fn factored_products_match_the_dense_jacobian() {
        let (nn, m, d, b) = (7, 300, 3, 2);
        let mut rng = SplitMix64::new(9);
        let a: Vec<f64> = (0..nn * m).map(|_| rng.next_signed()).collect();
        let x: Vec<f64> = (0..nn * d).map(|_| rng.next_signed()).collect();
        let jac = ScaledJac::new(nn, m, d, a, x);
        let dense = jac.dense();
        let n = m * d;
        let u: Vec<f64> = (0..n * b).map(|_| rng.next_signed()).collect();
        let t: Vec<f64> = (0..nn * b).map(|_| rng.next_signed()).collect();
        let ju = jac.apply(&u, b);
        let jt = jac.apply_t(&t, b);
        for i in 0..nn {
            for c in 0..b {
                let want: f64 = (0..n).map(|p| dense[i * n + p] * u[p * b + c]).sum();
                assert!((ju[i * b + c] - want).abs() <= 1e-12 * (1.0 + want.abs()));
            }
        }
        for p in 0..n {
            for c in 0..b {
                let want: f64 = (0..nn).map(|i| dense[i * n + p] * t[i * b + c]).sum();
                assert!((jt[p * b + c] - want).abs() <= 1e-12 * (1.0 + want.abs()));
            }
        }
    }
}

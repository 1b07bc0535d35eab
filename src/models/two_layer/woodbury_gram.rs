//! The capacitance product J B⁻¹ Jᵀ of the two-layer Woodbury form (N × N, symmetric).
//!
//! Only the lower triangle is computed (half the flops of the full GEMM), and J is streamed in
//! chunks of neurons: each chunk's J_c (N × K) is formed once, and every row block forms its
//! own rows of G_c = J_c B_c⁻¹ (block-diagonal B_c⁻¹, small GEMMs) next to the GEMM that uses
//! them, so neither J nor G exists in full (memory O(N·K) instead of 2·N·n: 1.8 GB at the
//! digits m = 1000 target). Row blocks and chunks are fixed by the sizes, not by the thread
//! count, and every entry is accumulated by one sequential kernel call per chunk in chunk
//! order: bit-identical results for any number of threads.

use super::woodbury_jac::ScaledJac;
use crate::linalg::clear_simd_upper_state;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Target columns of J per chunk (the GEMM's inner dimension K, rounded to whole neurons):
/// long enough that faer's kernels run at speed, short enough that J_c (N·K doubles, 59 MB at
/// N = 1797) stays small.
const CHUNK_COLS: usize = 4096;
/// Output rows per GEMM call: the packed right-hand side (K × ≤ N) is reused over this many
/// rows (its packing is then ≈ 1% of the flops), and N/ROW_BLOCK tasks balance the triangle.
const ROW_BLOCK: usize = 96;
/// Below this many multiply-adds the row blocks run serially (threading overhead).
const PAR_MIN_WORK: usize = 1 << 20;

/// The lower triangle (and the diagonal) of J B⁻¹ Jᵀ, row-major N × N (the strict upper
/// triangle is left unspecified); `binv` holds the m blocks B_j⁻¹ (d × d, row-major).
pub(super) fn capacitance_lower(jac: &ScaledJac, binv: &[f64]) -> Vec<f64> {
    let (n_samples, m, d) = jac.dims();
    let mut out = vec![0.0; n_samples * n_samples];
    if n_samples == 0 || m == 0 || d == 0 {
        return out;
    }
    let per_chunk = (CHUNK_COLS / d).max(1);
    let parallel = n_samples * n_samples * m * d / 2 >= PAR_MIN_WORK;
    for (c, j0) in (0..m).step_by(per_chunk).enumerate() {
        let j1 = (j0 + per_chunk).min(m);
        let k = (j1 - j0) * d;
        let jc = jac.dense_cols(j0, j1);
        let jc_ref = MatRef::from_row_major_slice(&jc, n_samples, k);
        let accum = if c == 0 { Accum::Replace } else { Accum::Add };
        let binv_c = &binv[j0 * d * d..j1 * d * d];
        let block = |(b, rows): (usize, &mut [f64])| {
            let r0 = b * ROW_BLOCK;
            let h = rows.len() / n_samples;
            let g = g_rows(jc_ref.subrows(r0, h), binv_c, d);
            let c_end = r0 + h;
            let dst = MatMut::from_row_major_slice_mut(rows, h, n_samples).subcols_mut(0, c_end);
            let lhs = MatRef::from_row_major_slice(&g, h, k);
            matmul(
                dst,
                accum,
                lhs,
                jc_ref.subrows(0, c_end).transpose(),
                1.0,
                Par::Seq,
            );
            clear_simd_upper_state();
        };
        if parallel && rayon::current_num_threads() > 1 {
            out.par_chunks_mut(ROW_BLOCK * n_samples)
                .enumerate()
                .for_each(block);
        } else {
            out.chunks_mut(ROW_BLOCK * n_samples)
                .enumerate()
                .for_each(block);
        }
    }
    out
}

/// G = J_rows · blockdiag(B_j⁻¹) for h rows of a chunk of J (h × K, row-major), one d × d GEMM
/// per neuron.
fn g_rows(j_rows: MatRef<'_, f64>, binv: &[f64], d: usize) -> Vec<f64> {
    let (h, k) = (j_rows.nrows(), j_rows.ncols());
    let mut g = vec![0.0; h * k];
    let mut gm = MatMut::from_row_major_slice_mut(&mut g, h, k);
    for j in 0..k / d {
        let inv = MatRef::from_row_major_slice(&binv[j * d * d..(j + 1) * d * d], d, d);
        matmul(
            gm.as_mut().subcols_mut(j * d, d),
            Accum::Replace,
            j_rows.subcols(j * d, d),
            inv,
            1.0,
            Par::Seq,
        );
    }
    clear_simd_upper_state();
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::SplitMix64;

    /// The lower triangle against the plain triple sum Σ_p Σ_q J_ip (B⁻¹)_pq J_kq over the
    /// dense J, at awkward sizes (N = 1, 7, 65 > … ; d = 1, 3; m = 1, 5, and a width that
    /// spans several chunks and row blocks). Same products summed in another order: ≤ n·d
    /// O(1) terms, so a 1e-12 relative bound has margin.
    #[test]
    fn lower_triangle_matches_the_triple_sum() {
        let mut rng = SplitMix64::new(21);
        let cases = [
            (1, 1, 1),
            (7, 5, 3),
            (65, 5, 1),
            (65, 1, 3),
            (7, 1, 1),
            (200, 1500, 3),
        ];
        for (nn, m, d) in cases {
            let a: Vec<f64> = (0..nn * m).map(|_| rng.next_signed()).collect();
            let x: Vec<f64> = (0..nn * d).map(|_| rng.next_signed()).collect();
            // Symmetric, not necessarily definite blocks (the inverse of an indefinite B).
            let mut binv = vec![0.0; m * d * d];
            for j in 0..m {
                for p in 0..d {
                    for q in 0..=p {
                        let v = rng.next_signed();
                        binv[j * d * d + p * d + q] = v;
                        binv[j * d * d + q * d + p] = v;
                    }
                }
            }
            let jac = ScaledJac::new(nn, m, d, a, x);
            let dense = jac.dense_cols(0, m);
            let n = m * d;
            let got = capacitance_lower(&jac, &binv);
            for i in 0..nn {
                for k in 0..=i {
                    let mut want = 0.0;
                    let mut mag = 0.0;
                    for j in 0..m {
                        for p in 0..d {
                            for q in 0..d {
                                let t = dense[i * n + j * d + p]
                                    * binv[j * d * d + p * d + q]
                                    * dense[k * n + j * d + q];
                                want += t;
                                mag += t.abs();
                            }
                        }
                    }
                    let err = (got[i * nn + k] - want).abs();
                    assert!(
                        err <= 1e-12 * mag.max(1.0),
                        "N = {nn}, m = {m}, d = {d}, ({i}, {k}): {} vs {want}",
                        got[i * nn + k]
                    );
                }
            }
        }
    }
}

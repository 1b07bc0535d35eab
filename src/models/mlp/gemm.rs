//! Matrices of jets stored as one real row-major matrix per component, their products as
//! real GEMMs (faer) over the jet's multiplication table, and element-wise maps.
//!
//! A first-order dual product (re, ε)·(re, ε) is 3 real GEMMs; components known to be zero
//! (real data, frozen weights, unseeded parts) are `None` and their GEMMs are skipped, so a
//! dual matrix times a real one is 2 GEMMs.

use super::jet::{product_table, Jet, Term};
use crate::linalg::clear_simd_upper_state;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Below this many multiply-adds a GEMM runs on one thread (threading overhead dominates).
const PAR_MIN_FLOPS: usize = 1 << 18;
/// Below this many entries an element-wise map runs on one thread.
const PAR_MIN_ENTRIES: usize = 1 << 14;

/// A rows × cols matrix of jets with `J::PARTS` real components (row-major each; `None` = 0).
#[derive(Clone, Debug)]
pub struct JetMat {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// One row-major real matrix per component; `None` means identically zero.
    pub parts: Vec<Option<Vec<f64>>>,
}

impl JetMat {
    /// A matrix with only a real part.
    pub fn real(rows: usize, cols: usize, re: Vec<f64>, n_parts: usize) -> Self {
        debug_assert_eq!(re.len(), rows * cols);
        let mut parts = vec![None; n_parts];
        parts[0] = Some(re);
        JetMat { rows, cols, parts }
    }

    /// Component `k` as a slice, if non-zero.
    pub fn part(&self, k: usize) -> Option<&[f64]> {
        self.parts[k].as_deref()
    }

    /// The jet at flat index `idx`.
    #[inline]
    pub fn get<J: Jet>(&self, idx: usize) -> J {
        let mut p = [0.0; MAX_PARTS];
        for (k, slot) in self.parts.iter().enumerate() {
            if let Some(v) = slot {
                p[k] = v[idx];
            }
        }
        J::from_parts(&p[..J::PARTS])
    }

    /// The transpose (copies every non-zero component).
    pub fn transposed(&self) -> JetMat {
        let (r, c) = (self.rows, self.cols);
        let parts = self
            .parts
            .iter()
            .map(|p| {
                p.as_ref().map(|v| {
                    let mut t = vec![0.0; r * c];
                    for i in 0..r {
                        for j in 0..c {
                            t[j * r + i] = v[i * c + j];
                        }
                    }
                    t
                })
            })
            .collect();
        JetMat {
            rows: c,
            cols: r,
            parts,
        }
    }
}

/// Largest number of components of the jets used ([`Jet::PARTS`] of `Dual2<Dual2_64>`).
pub const MAX_PARTS: usize = 9;

/// Whether a GEMM operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// As stored.
    N,
    /// Transposed.
    T,
}

fn view(m: &[f64], rows: usize, cols: usize, op: Op) -> MatRef<'_, f64> {
    let v = MatRef::from_row_major_slice(m, rows, cols);
    match op {
        Op::N => v,
        Op::T => v.transpose(),
    }
}

fn dims(m: &JetMat, op: Op) -> (usize, usize) {
    match op {
        Op::N => (m.rows, m.cols),
        Op::T => (m.cols, m.rows),
    }
}

/// op(A)·op(B) in the jet algebra `J`, one real GEMM per table term whose factors are both
/// non-zero. `table` must be [`product_table::<J>()`](product_table).
pub fn jet_gemm<J: Jet>(a: &JetMat, op_a: Op, b: &JetMat, op_b: Op, table: &[Term]) -> JetMat {
    let (m, k) = dims(a, op_a);
    let (k2, n) = dims(b, op_b);
    assert_eq!(k, k2, "inner dimensions of a jet GEMM");
    let par = if m * n * k >= PAR_MIN_FLOPS && rayon::current_num_threads() > 1 {
        Par::rayon(0)
    } else {
        Par::Seq
    };
    let mut parts: Vec<Option<Vec<f64>>> = vec![None; J::PARTS];
    for t in table {
        let (Some(pa), Some(pb)) = (a.part(t.i), b.part(t.j)) else {
            continue;
        };
        let (out, accum) = match &mut parts[t.k] {
            Some(v) => (v, Accum::Add),
            slot => (slot.insert(vec![0.0; m * n]), Accum::Replace),
        };
        matmul(
            MatMut::from_row_major_slice_mut(out, m, n),
            accum,
            view(pa, a.rows, a.cols, op_a),
            view(pb, b.rows, b.cols, op_b),
            t.c,
            par,
        );
    }
    clear_simd_upper_state();
    if !matches!(par, Par::Seq) && rayon::current_thread_index().is_none() {
        rayon::broadcast(|_| clear_simd_upper_state());
    }
    JetMat {
        rows: m,
        cols: n,
        parts,
    }
}

/// [`jet_gemm`] building its own table (convenience for one-off products).
pub fn jet_matmul<J: Jet>(a: &JetMat, op_a: Op, b: &JetMat, op_b: Op) -> JetMat {
    jet_gemm::<J>(a, op_a, b, op_b, &product_table::<J>())
}

/// Applies `f` to every entry of `inputs` (all of one shape), producing `NO` matrices of
/// that shape; runs row-parallel for large matrices. Every output component is stored.
pub fn map_entries<J: Jet, const NO: usize>(
    inputs: &[&JetMat],
    f: impl Fn(&[J]) -> [J; NO] + Sync,
) -> [JetMat; NO] {
    let (rows, cols) = (inputs[0].rows, inputs[0].cols);
    let np = J::PARTS;
    // Plane o·np + k holds component k of output o; each row of every plane is written by
    // the one task handling that row.
    let mut planes: Vec<Vec<f64>> = (0..NO * np).map(|_| vec![0.0; rows * cols]).collect();
    let mut per_row: Vec<Vec<&mut [f64]>> =
        (0..rows).map(|_| Vec::with_capacity(NO * np)).collect();
    for plane in planes.iter_mut() {
        for (r, chunk) in plane.chunks_mut(cols.max(1)).enumerate() {
            per_row[r].push(chunk);
        }
    }
    let body = |(row, mut outs): (usize, Vec<&mut [f64]>)| {
        clear_simd_upper_state();
        let mut args = Vec::with_capacity(inputs.len());
        for (c, idx) in (row * cols..(row + 1) * cols).enumerate() {
            args.clear();
            args.extend(inputs.iter().map(|m| m.get::<J>(idx)));
            for (o, r) in f(&args).iter().enumerate() {
                for k in 0..np {
                    outs[o * np + k][c] = r.part(k);
                }
            }
        }
    };
    if rows * cols >= PAR_MIN_ENTRIES {
        per_row.into_par_iter().enumerate().for_each(body);
    } else {
        per_row.into_iter().enumerate().for_each(body);
    }
    let mut it = planes.into_iter();
    std::array::from_fn(|_| JetMat {
        rows,
        cols,
        parts: (0..np).map(|_| it.next()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    /// Element-wise reference product with num-dual arithmetic.
    fn naive(a: &JetMat, b: &JetMat) -> Vec<Dual64> {
        let mut out = vec![Dual64::from_re(0.0); a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for l in 0..a.cols {
                    out[i * b.cols + j] +=
                        a.get::<Dual64>(i * a.cols + l) * b.get::<Dual64>(l * b.cols + j);
                }
            }
        }
        out
    }

    #[test]
    fn dual_gemm_matches_elementwise() {
        let a = JetMat {
            rows: 3,
            cols: 4,
            parts: vec![
                Some((0..12).map(|x| (x as f64 * 0.7).sin()).collect()),
                Some((0..12).map(|x| (x as f64 * 1.3).cos()).collect()),
            ],
        };
        let b = JetMat::real(4, 2, (0..8).map(|x| x as f64 - 3.5).collect(), 2);
        let c = jet_matmul::<Dual64>(&a, Op::N, &b, Op::N);
        let r = naive(&a, &b);
        for (idx, e) in r.iter().enumerate() {
            let g = c.get::<Dual64>(idx);
            assert!((g.re - e.re).abs() <= 1e-14 && (g.eps - e.eps).abs() <= 1e-14);
        }
        // (AB)ᵀ = BᵀAᵀ through the transposed-operand path.
        let ct = jet_matmul::<Dual64>(&b, Op::T, &a, Op::T);
        let ctt = ct.transposed();
        for idx in 0..6 {
            let (x, y) = (c.get::<Dual64>(idx), ctt.get::<Dual64>(idx));
            assert!((x.re - y.re).abs() <= 1e-14 && (x.eps - y.eps).abs() <= 1e-14);
        }
    }
}

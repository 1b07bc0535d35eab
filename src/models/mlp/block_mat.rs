//! Matrices of first-order duals with b tangent directions at once ("block duals"), for the
//! block Hessian product H·U ([`super::block_hvp`]): one real part and the b tangent parts
//! stored side by side, so that each dual GEMM is one real GEMM on the real parts plus ONE
//! real GEMM with a b× wider (or taller) operand for the tangents, instead of b thin ones.
//!
//! Two layouts of the tangents make every product of the pass a single GEMM:
//!
//! * [`Layout::H`] (horizontal): rows × (b·cols) row-major, tangent k of entry (i, j) at
//!   i·b·cols + k·cols + j. The same memory is the (rows·b) × cols row-major stack of the
//!   rows (i, k), so εA·op(B) is one GEMM with a b× taller left factor, and op(A)·εB (op N) one
//!   with a b× wider right factor; activations and back-propagated errors live here.
//! * [`Layout::V`] (vertical): b × rows × cols, tangent k a contiguous row-major block. A·εBᵀ is
//!   one GEMM with the stack transposed as right factor, and εAᵀ·B of an H-layout εA lands
//!   here; weight seeds and weight gradients live here (θ's layout per direction).
//!
//! Any other combination runs b GEMMs on strided views of the blocks (same result).

use super::gemm::Op;
use crate::linalg::clear_simd_upper_state;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use std::borrow::Cow;

/// Below this many multiply-adds a GEMM runs on one thread (as [`super::gemm`]).
const PAR_MIN_FLOPS: usize = 1 << 18;

/// Where tangent k of entry (i, j) is stored (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// rows × (b·cols) row-major.
    H,
    /// b × rows × cols.
    V,
}

/// The b tangent parts of a [`BlockMat`].
#[derive(Clone, Debug)]
pub struct Tangents {
    /// The entries, in `layout`.
    pub data: Vec<f64>,
    /// Their layout.
    pub layout: Layout,
}

/// A rows × cols matrix of first-order duals with `b` tangents (`eps` `None`: all zero).
#[derive(Clone, Debug)]
pub struct BlockMat {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Number of directions b.
    pub b: usize,
    /// Real part, row-major.
    pub re: Vec<f64>,
    /// Tangent parts.
    pub eps: Option<Tangents>,
}

fn op_view(m: MatRef<'_, f64>, op: Op) -> MatRef<'_, f64> {
    match op {
        Op::N => m,
        Op::T => m.transpose(),
    }
}

impl BlockMat {
    /// A real matrix (no tangents).
    pub fn real(rows: usize, cols: usize, b: usize, re: Vec<f64>) -> Self {
        debug_assert_eq!(re.len(), rows * cols);
        BlockMat {
            rows,
            cols,
            b,
            re,
            eps: None,
        }
    }
    fn dims(&self, op: Op) -> (usize, usize) {
        match op {
            Op::N => (self.rows, self.cols),
            Op::T => (self.cols, self.rows),
        }
    }
    fn re_view(&self) -> MatRef<'_, f64> {
        MatRef::from_row_major_slice(&self.re, self.rows, self.cols)
    }
    /// Tangent k as a (strided) rows × cols view.
    fn block(&self, k: usize) -> Option<MatRef<'_, f64>> {
        let t = self.eps.as_ref()?;
        Some(block_view(
            &t.data, t.layout, self.rows, self.cols, self.b, k,
        ))
    }
    /// The tangents in `layout` (borrowed, or copied if stored in the other one).
    pub fn to_layout(&self, layout: Layout) -> Option<Cow<'_, [f64]>> {
        let t = self.eps.as_ref()?;
        if t.layout == layout {
            return Some(Cow::Borrowed(&t.data));
        }
        let (r, c, b) = (self.rows, self.cols, self.b);
        let mut out = vec![0.0; r * c * b];
        for k in 0..b {
            for i in 0..r {
                for j in 0..c {
                    let (h, v) = (i * b * c + k * c + j, k * r * c + i * c + j);
                    match layout {
                        Layout::H => out[h] = t.data[v],
                        Layout::V => out[v] = t.data[h],
                    }
                }
            }
        }
        Some(Cow::Owned(out))
    }
    /// Tangent k of the flat entry `idx` = i·cols + j (0 without tangents).
    #[inline]
    pub fn tangent(&self, idx: usize, k: usize) -> f64 {
        let Some(t) = &self.eps else { return 0.0 };
        let (i, j) = (idx / self.cols, idx % self.cols);
        match t.layout {
            Layout::H => t.data[i * self.b * self.cols + k * self.cols + j],
            Layout::V => t.data[k * self.rows * self.cols + idx],
        }
    }
}

fn block_view(
    data: &[f64],
    layout: Layout,
    r: usize,
    c: usize,
    b: usize,
    k: usize,
) -> MatRef<'_, f64> {
    match layout {
        Layout::H => MatRef::from_row_major_slice(data, r, b * c).subcols(k * c, c),
        Layout::V => MatRef::from_row_major_slice(&data[k * r * c..(k + 1) * r * c], r, c),
    }
}

fn block_view_mut(
    data: &mut [f64],
    layout: Layout,
    r: usize,
    c: usize,
    b: usize,
    k: usize,
) -> MatMut<'_, f64> {
    match layout {
        Layout::H => MatMut::from_row_major_slice_mut(data, r, b * c).subcols_mut(k * c, c),
        Layout::V => MatMut::from_row_major_slice_mut(&mut data[k * r * c..(k + 1) * r * c], r, c),
    }
}

/// The one-GEMM form of a tangent term, if the operand's layout allows it: the operand
/// reshaped, and the layout of the product's tangents.
enum Fused<'a> {
    /// εA·op(B): εA (H, op N) as a (rows·b) × cols matrix → product in H.
    LeftTall(MatRef<'a, f64>),
    /// εAᵀ·op(B): εA (H, op T) as rows × (b·cols), transposed → product in V.
    LeftStack(MatRef<'a, f64>),
    /// op(A)·εB: εB (H, op N) as rows × (b·cols) → product in H.
    RightWide(MatRef<'a, f64>),
    /// op(A)·εBᵀ: εB (V, op T) as (b·rows) × cols, transposed → product in H.
    RightStack(MatRef<'a, f64>),
}

impl Fused<'_> {
    fn layout(&self) -> Layout {
        match self {
            Fused::LeftStack(_) => Layout::V,
            _ => Layout::H,
        }
    }
}

fn fuse_left(a: &BlockMat, op: Op) -> Option<Fused<'_>> {
    let t = a.eps.as_ref()?;
    match (t.layout, op) {
        (Layout::H, Op::N) => Some(Fused::LeftTall(MatRef::from_row_major_slice(
            &t.data,
            a.rows * a.b,
            a.cols,
        ))),
        (Layout::H, Op::T) => Some(Fused::LeftStack(
            MatRef::from_row_major_slice(&t.data, a.rows, a.b * a.cols).transpose(),
        )),
        _ => None,
    }
}

fn fuse_right(m: &BlockMat, op: Op) -> Option<Fused<'_>> {
    let t = m.eps.as_ref()?;
    match (t.layout, op) {
        (Layout::H, Op::N) => Some(Fused::RightWide(MatRef::from_row_major_slice(
            &t.data,
            m.rows,
            m.b * m.cols,
        ))),
        (Layout::V, Op::T) => Some(Fused::RightStack(
            MatRef::from_row_major_slice(&t.data, m.b * m.rows, m.cols).transpose(),
        )),
        _ => None,
    }
}

/// op(A)·op(B) in the block-dual algebra. The tangents are (re A)·εB + εA·(re B), in that
/// order (the order of the single-direction jet GEMM, [`super::gemm::jet_gemm`]), each as one
/// GEMM where the layouts allow it (module docs), else b GEMMs on views; `prefer` picks the
/// product's tangent layout when given, else the first fused term's. `with_re` false skips
/// the real part (left zero) when the caller needs only the tangents.
pub fn block_gemm(
    a: &BlockMat,
    op_a: Op,
    bm: &BlockMat,
    op_b: Op,
    prefer: Option<Layout>,
    with_re: bool,
) -> BlockMat {
    let (m, k) = a.dims(op_a);
    let (k2, n) = bm.dims(op_b);
    assert_eq!(k, k2, "inner dimensions of a block GEMM");
    assert_eq!(a.b, bm.b, "same number of directions");
    let b = a.b;
    let par = if m * n * k * b.max(1) >= PAR_MIN_FLOPS && rayon::current_num_threads() > 1 {
        Par::rayon(0)
    } else {
        Par::Seq
    };
    let mut re = vec![0.0; m * n];
    if with_re {
        let out = MatMut::from_row_major_slice_mut(&mut re, m, n);
        let (av, bv) = (op_view(a.re_view(), op_a), op_view(bm.re_view(), op_b));
        matmul(out, Accum::Replace, av, bv, 1.0, par);
    }
    let right = bm.eps.is_some().then(|| fuse_right(bm, op_b));
    let left = a.eps.is_some().then(|| fuse_left(a, op_a));
    let natural = [&right, &left]
        .into_iter()
        .find_map(|f| f.as_ref().and_then(|f| f.as_ref().map(Fused::layout)));
    let layout = prefer.or(natural).unwrap_or(Layout::H);
    let eps = (right.is_some() || left.is_some()).then(|| {
        let mut data = vec![0.0; m * n * b];
        let mut accum = Accum::Replace;
        if let Some(f) = right {
            let fixed = op_view(a.re_view(), op_a);
            match f.filter(|f| f.layout() == layout) {
                Some(Fused::RightWide(v) | Fused::RightStack(v)) => {
                    let out = MatMut::from_row_major_slice_mut(&mut data, m, b * n);
                    matmul(out, accum, fixed, v, 1.0, par);
                }
                _ => per_block(&mut data, layout, (m, n, b), accum, par, |kk| {
                    (fixed, op_view(bm.block(kk).expect("tangents"), op_b))
                }),
            }
            accum = Accum::Add;
        }
        if let Some(f) = left {
            let fixed = op_view(bm.re_view(), op_b);
            match f.filter(|f| f.layout() == layout) {
                Some(Fused::LeftTall(v)) => {
                    let out = MatMut::from_row_major_slice_mut(&mut data, m * b, n);
                    matmul(out, accum, v, fixed, 1.0, par);
                }
                Some(Fused::LeftStack(v)) => {
                    let out = MatMut::from_row_major_slice_mut(&mut data, b * m, n);
                    matmul(out, accum, v, fixed, 1.0, par);
                }
                _ => per_block(&mut data, layout, (m, n, b), accum, par, |kk| {
                    (op_view(a.block(kk).expect("tangents"), op_a), fixed)
                }),
            }
        }
        Tangents { data, layout }
    });
    clear_simd_upper_state();
    if !matches!(par, Par::Seq) && rayon::current_thread_index().is_none() {
        rayon::broadcast(|_| clear_simd_upper_state());
    }
    BlockMat {
        rows: m,
        cols: n,
        b,
        re,
        eps,
    }
}

/// b GEMMs, block k of the product (in `layout`) from the factors `f(k)`.
fn per_block<'a>(
    data: &mut [f64],
    layout: Layout,
    (m, n, b): (usize, usize, usize),
    accum: Accum,
    par: Par,
    f: impl Fn(usize) -> (MatRef<'a, f64>, MatRef<'a, f64>),
) {
    for kk in 0..b {
        let (x, y) = f(kk);
        let out = block_view_mut(data, layout, m, n, b, kk);
        matmul(out, accum, x, y, 1.0, par);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::mlp::gemm::{jet_matmul, JetMat};
    use num_dual::Dual64;

    fn mat(rows: usize, cols: usize, seed: f64) -> Vec<f64> {
        (0..rows * cols)
            .map(|x| ((x as f64 + 1.0) * seed).sin())
            .collect()
    }

    fn with_eps(rows: usize, cols: usize, b: usize, layout: Layout, seed: f64) -> BlockMat {
        let mut m = BlockMat::real(rows, cols, b, mat(rows, cols, seed));
        let v = mat(rows * b, cols, seed + 0.37);
        m.eps = Some(Tangents {
            data: v,
            layout: Layout::V,
        });
        let data = m.to_layout(layout).expect("tangents").into_owned();
        m.eps = Some(Tangents { data, layout });
        m
    }

    /// Direction k of a block matrix as a single-direction jet matrix.
    fn single(m: &BlockMat, k: usize) -> JetMat {
        let mut j = JetMat::real(m.rows, m.cols, m.re.clone(), 2);
        if m.eps.is_some() {
            j.parts[1] = Some((0..m.rows * m.cols).map(|i| m.tangent(i, k)).collect());
        }
        j
    }

    /// Every operand combination (layouts, transposes, real or dual factors, preferred output
    /// layout) against b single-direction jet GEMMs: the same sums of the same products, so
    /// equal to rounding of a length-5 dot product (≤ 1e-14 on entries of size ≤ 5).
    #[test]
    fn block_gemm_matches_single_direction_gemms() {
        let b = 3;
        let layouts = [None, Some(Layout::H), Some(Layout::V)];
        let ops = [Op::N, Op::T];
        for &op_a in &ops {
            for &op_b in &ops {
                for la in layouts {
                    for lb in layouts {
                        for prefer in layouts {
                            let (ar, ac) = if op_a == Op::N { (4, 5) } else { (5, 4) };
                            let (br, bc) = if op_b == Op::N { (5, 6) } else { (6, 5) };
                            let a = match la {
                                Some(l) => with_eps(ar, ac, b, l, 0.3),
                                None => BlockMat::real(ar, ac, b, mat(ar, ac, 0.3)),
                            };
                            let bm = match lb {
                                Some(l) => with_eps(br, bc, b, l, 0.7),
                                None => BlockMat::real(br, bc, b, mat(br, bc, 0.7)),
                            };
                            let c = block_gemm(&a, op_a, &bm, op_b, prefer, true);
                            for k in 0..b {
                                let s = jet_matmul::<Dual64>(
                                    &single(&a, k),
                                    op_a,
                                    &single(&bm, k),
                                    op_b,
                                );
                                for idx in 0..c.rows * c.cols {
                                    let want = s.get::<Dual64>(idx);
                                    assert!((c.re[idx] - want.re).abs() <= 1e-14);
                                    let got = c.tangent(idx, k);
                                    assert!(
                                        (got - want.eps).abs() <= 1e-14,
                                        "{op_a:?} {op_b:?} {la:?} {lb:?} {prefer:?}: {got} vs {}",
                                        want.eps
                                    );
                                }
                            }
                            if let (Some(p), Some(t)) = (prefer, &c.eps) {
                                assert_eq!(t.layout, p);
                            }
                        }
                    }
                }
            }
        }
    }
}

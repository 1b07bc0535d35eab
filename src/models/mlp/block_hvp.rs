//! H·U for b directions in ONE forward-over-reverse pass ([`Mlp::hessian_block`]): the pass of
//! [`super::backprop`] with `Dual64` scalars, but with the b tangents of every matrix stored
//! side by side ([`super::block_mat`]), so each GEMM of the pass runs once with b× wider (or
//! taller) operands, the real parts are computed once instead of b times, and σ's derivative
//! table is evaluated once per entry. Column k of the result equals
//! [`crate::derivatives::Objective::hessian_vec`] of column k to rounding: the element-wise
//! arithmetic is the single pass's `Dual64` arithmetic written out, and every GEMM sums the
//! same products (faer may block a wider product differently, so not always bit for bit).
//! With b = 1 it is also the cheaper single product: it skips the per-entry allocations of
//! the generic jet code, which dominate a `Dual64` pass at the digits size.

use super::block_mat::{block_gemm, BlockMat, Layout, Tangents};
use super::gemm::Op;
use super::Mlp;
use crate::activation::Activation;
use crate::linalg::clear_simd_upper_state;
use ndarray::{Array2, ArrayView1, ArrayView2};
use num_dual::Dual64;
use rayon::prelude::*;
use std::borrow::Cow;

/// Below this many entries (times directions) an element-wise map runs on one thread.
const PAR_MIN_ENTRIES: usize = 1 << 14;

/// What the block forward pass keeps for the backward pass.
struct BlockTape {
    acts: Vec<BlockMat>,
    slopes: Vec<Option<BlockMat>>,
    residual: BlockMat,
}

/// Rows per rayon task of the element-wise maps: all rows in one task below
/// [`PAR_MIN_ENTRIES`] entries.
fn min_rows(rows: usize, row_len: usize) -> usize {
    if rows * row_len >= PAR_MIN_ENTRIES {
        1
    } else {
        rows.max(1)
    }
}

/// h(z, λ), h′(z, λ) and their tangents along `e` at one entry, from σ's derivatives `d` at z:
/// the `Dual64` arithmetic of the single-direction pass (`backprop::homotopy_jet`: Taylor
/// composition s = (d₀, d₁e), h = z + λ(s − z), h′ = 1 + λ(ds − 1), ds = (d₁, d₂e)) written
/// out, without its per-entry allocations.
#[inline]
fn homotopy_tangent(d: &[f64], e: f64, lambda: f64) -> (f64, f64) {
    let h_eps = e + lambda * (d[1] * e - e);
    let s_eps = lambda * (d[2] * e);
    (h_eps, s_eps)
}

/// Real parts of h(z, λ) and h′(z, λ) (see [`homotopy_tangent`]).
#[inline]
fn homotopy_real(d: &[f64], re: f64, lambda: f64) -> (f64, f64) {
    (re + lambda * (d[0] - re), 1.0 + lambda * (d[1] - 1.0))
}

/// h(Z, λ) and h′(Z, λ) of a block matrix, tangents in H layout; row-parallel. σ's derivative
/// table is evaluated once per entry for all b directions.
fn homotopy_block<A: Activation>(act: &A, z: &BlockMat, lambda: f64) -> [BlockMat; 2] {
    let (rows, cols, b) = (z.rows, z.cols, z.b);
    let Some(zt) = z.to_layout(Layout::H) else {
        // No tangents (below the trained layers): real parts only.
        let eval = |&re: &f64| homotopy_real(&act.derivs(re), re, lambda);
        let (hr, sr): (Vec<f64>, Vec<f64>) = z.re.par_iter().map(eval).unzip();
        return [
            BlockMat::real(rows, cols, b, hr),
            BlockMat::real(rows, cols, b, sr),
        ];
    };
    let ec = b * cols;
    let (mut hr, mut sr) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
    let (mut he, mut se) = (vec![0.0; rows * ec], vec![0.0; rows * ec]);
    hr.par_chunks_mut(cols)
        .zip(sr.par_chunks_mut(cols))
        .zip(he.par_chunks_mut(ec))
        .zip(se.par_chunks_mut(ec))
        .enumerate()
        .with_min_len(min_rows(rows, ec))
        .for_each(|(i, (((hr, sr), he), se))| {
            clear_simd_upper_state();
            for j in 0..cols {
                let re = z.re[i * cols + j];
                let d = act.derivs(re);
                (hr[j], sr[j]) = homotopy_real(&d, re, lambda);
                for k in 0..b {
                    let e = zt[i * ec + k * cols + j];
                    (he[k * cols + j], se[k * cols + j]) = homotopy_tangent(&d, e, lambda);
                }
            }
        });
    let mk = |re, data| BlockMat {
        rows,
        cols,
        b,
        re,
        eps: Some(Tangents {
            data,
            layout: Layout::H,
        }),
    };
    [mk(hr, he), mk(sr, se)]
}

/// G ⊙ S entry-wise in `Dual64` arithmetic (both with H-layout tangents or none).
fn times_slope(g: &BlockMat, s: &BlockMat) -> BlockMat {
    let (rows, cols, b) = (g.rows, g.cols, g.b);
    let (gt, st) = (g.to_layout(Layout::H), s.to_layout(Layout::H));
    let re: Vec<f64> = g.re.iter().zip(&s.re).map(|(x, y)| x * y).collect();
    let eps = (gt.is_some() || st.is_some()).then(|| {
        let mut data = vec![0.0; rows * cols * b];
        let at = |t: &Option<Cow<[f64]>>, h: usize| t.as_deref().map_or(0.0, |v| v[h]);
        data.par_chunks_mut((b * cols).max(1))
            .enumerate()
            .with_min_len(min_rows(rows, b * cols))
            .for_each(|(i, row)| {
                for k in 0..b {
                    for j in 0..cols {
                        let (idx, h) = (i * cols + j, i * b * cols + k * cols + j);
                        let x = Dual64::new(g.re[idx], at(&gt, h));
                        let y = Dual64::new(s.re[idx], at(&st, h));
                        row[k * cols + j] = (x * y).eps;
                    }
                }
            });
        Tangents {
            data,
            layout: Layout::H,
        }
    });
    BlockMat {
        rows,
        cols,
        b,
        re,
        eps,
    }
}

impl<A: Activation> Mlp<A> {
    /// Every W_l as a block matrix: trained layers take θ as real part and the columns of `u`
    /// (their slices) as V-layout tangents; frozen layers are real.
    fn weight_blocks(&self, theta: ArrayView1<f64>, u: ArrayView2<f64>) -> Vec<BlockMat> {
        let b = u.ncols();
        (0..self.depth())
            .map(|l| {
                let (rows, cols) = (self.layers()[l + 1], self.layers()[l]);
                match self.offset(l) {
                    None => {
                        BlockMat::real(rows, cols, b, self.weights(l).iter().copied().collect())
                    }
                    Some(o) => {
                        let sz = rows * cols;
                        let mut m = BlockMat::real(
                            rows,
                            cols,
                            b,
                            theta.slice(ndarray::s![o..o + sz]).to_vec(),
                        );
                        let mut data = Vec::with_capacity(sz * b);
                        for col in u.columns() {
                            data.extend(col.slice(ndarray::s![o..o + sz]).iter());
                        }
                        m.eps = Some(Tangents {
                            data,
                            layout: Layout::V,
                        });
                        m
                    }
                }
            })
            .collect()
    }

    /// The block forward pass with slopes above the lowest trained layer.
    fn block_forward(&self, w: &[BlockMat], lambda: f64, b: usize) -> BlockTape {
        let n = self.data().n_samples();
        let depth = self.depth();
        let lowest = self.trained()[0];
        let mut acts = vec![BlockMat::real(
            n,
            self.layers()[0],
            b,
            self.x_row_major().to_vec(),
        )];
        let mut slopes: Vec<Option<BlockMat>> = vec![None; depth];
        for (l, wl) in w.iter().enumerate().take(depth - 1) {
            let z = block_gemm(&acts[l], Op::N, wl, Op::T, Some(Layout::H), true);
            let [a, s] = homotopy_block(self.activation(), &z, lambda);
            acts.push(a);
            // h′ at layer l + 1 is needed only above the lowest trained layer.
            if l + 1 > lowest {
                slopes[l + 1] = Some(s);
            }
        }
        let mut f = block_gemm(&acts[depth - 1], Op::N, &w[depth - 1], Op::T, None, true);
        // f − y: y is real, the tangents are f's (Dual64 subtraction of a zero tangent).
        for (fi, yi) in f.re.iter_mut().zip(self.data().y.iter()) {
            *fi -= yi;
        }
        BlockTape {
            acts,
            slopes,
            residual: f,
        }
    }

    /// The tangents of ∇L (V layout, one per trained layer, ascending) from a block forward
    /// pass, as in [`Mlp::backward`].
    fn block_backward(&self, w: &[BlockMat], tape: BlockTape) -> Vec<Vec<f64>> {
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let lowest = self.trained()[0];
        let mut g = tape.residual;
        g.re.iter_mut().for_each(|x| *x *= inv_n);
        if let Some(t) = &mut g.eps {
            t.data.iter_mut().for_each(|x| *x *= inv_n);
        }
        let mut grads = Vec::with_capacity(self.trained().len());
        for l in (lowest..self.depth()).rev() {
            if self.offset(l).is_some() {
                let gw = block_gemm(&g, Op::T, &tape.acts[l], Op::N, Some(Layout::V), false);
                // `Some(Layout::V)` above: the tangents are in V layout.
                let mut t = match gw.eps {
                    Some(t) => t.data,
                    None => vec![0.0; gw.rows * gw.cols * gw.b],
                };
                let seeds = &w[l].eps.as_ref().expect("trained layers are seeded").data;
                t.iter_mut()
                    .zip(seeds)
                    .for_each(|(a, s)| *a += self.alpha() * s);
                grads.push(t);
            }
            if l > lowest {
                let da = block_gemm(&g, Op::N, &w[l], Op::N, Some(Layout::H), true);
                let s = tape.slopes[l]
                    .as_ref()
                    .expect("slopes kept above the lowest trained layer");
                g = times_slope(&da, s);
            }
        }
        grads.reverse();
        grads
    }

    /// H U for the columns of U (n × b) at (θ, λ) by one block forward-over-reverse pass
    /// (module docs): column k equals `hessian_vec(θ, λ, U[:, k])` to rounding.
    pub fn hessian_block(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView2<f64>,
    ) -> Array2<f64> {
        let (n, b) = u.dim();
        assert_eq!(theta.len(), self.n_params(), "θ must have n entries");
        assert_eq!(n, self.n_params(), "U must have n rows");
        let mut out = Array2::zeros((n, b));
        if b == 0 {
            return out;
        }
        let w = self.weight_blocks(theta, u);
        let tape = self.block_forward(&w, lambda, b);
        let grads = self.block_backward(&w, tape);
        let mut offset = 0;
        for g in grads {
            let sz = g.len() / b;
            for k in 0..b {
                out.slice_mut(ndarray::s![offset..offset + sz, k])
                    .iter_mut()
                    .zip(&g[k * sz..(k + 1) * sz])
                    .for_each(|(o, v)| *o = *v);
            }
            offset += sz;
        }
        out
    }
}

//! Structured fast path for the two-layer MSE model: per-(sample, unit) derivatives of h
//! assembled as Gauss–Newton GEMM + block-diagonal residual term + αI.
//!
//! Notation: z_ij = w_jᵀx_i, h^(k)_ij = h^(k)(z_ij, λ), r_i = f_i − y_i, and for a direction u
//! (rows u_j) s_ij = u_jᵀx_i and D^k f_i = Σ_j v_j h^(k)_ij s_ij^k. With J_i,(j,k) = v_j h′_ij x_ik,
//!
//! * ∇L_j = (1/N) Σ_i r_i v_j h′_ij x_i + α w_j,
//! * H = JᵀJ/N + blockdiag_j((1/N) Σ_i r_i v_j h″_ij x_i x_iᵀ) + αI,
//! * D³L\[u,u,·\]_j = (1/N) Σ_i v_j (2 Df_i h″_ij s_ij + D²f_i h′_ij + r_i h‴_ij s_ij²) x_i,
//! * D⁴L\[u⁴\] = (1/N) Σ_i (3 (D²f_i)² + 4 Df_i D³f_i + r_i D⁴f_i),
//!
//! and λ-derivatives by differentiating through ∂λh^(k) and ∂λr_i = Σ_j v_j ∂λh_ij.
//! Vector quantities cost O(N·n); the matrices cost one GEMM, O(N·n²).

use crate::activation::{Activation, N_DERIVS};
use crate::derivatives::Objective;
use crate::linalg::clear_simd_upper_state;
use crate::models::two_layer::TwoLayer;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::{Array1, Array2, ArrayView1, CowArray, Ix2};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;

/// Below this many (sample, unit) pairs the pointwise stage runs serially.
const PAR_MIN_PAIRS: usize = 4096;
/// Below this parameter count the GEMM blocks run serially (threading overhead dominates).
const PAR_MIN_DIM: usize = 96;

/// Per-(sample, unit) derivatives of h at (θ, λ) and the residuals.
pub(super) struct Pointwise {
    m: usize,
    /// Stride per (i, j) pair: `k_count` orders of h, then (if requested) `k_count` of ∂λh.
    stride: usize,
    k_count: usize,
    buf: Vec<f64>,
    /// (r_i, ∂λr_i) interleaved; ∂λr_i is 0 unless requested.
    res: Vec<f64>,
}

impl Pointwise {
    #[inline]
    pub(super) fn h(&self, i: usize, j: usize, k: usize) -> f64 {
        self.buf[(i * self.m + j) * self.stride + k]
    }
    #[inline]
    pub(super) fn hl(&self, i: usize, j: usize, k: usize) -> f64 {
        self.buf[(i * self.m + j) * self.stride + self.k_count + k]
    }
    #[inline]
    pub(super) fn r(&self, i: usize) -> f64 {
        self.res[2 * i]
    }
    #[inline]
    pub(super) fn rl(&self, i: usize) -> f64 {
        self.res[2 * i + 1]
    }
}

/// Row-major contiguous view of a 1-D array (copies only if needed).
fn contiguous(a: ArrayView1<'_, f64>) -> Cow<'_, [f64]> {
    match a.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.to_vec()),
    }
}

/// Output rows per GEMM block. The blocks, not the threads, fix how every GEMM is split, so
/// each entry is computed by the same sequential kernel call whatever the thread count
/// (bit-identical results for any `RAYON_NUM_THREADS`).
const GEMM_BLOCK_ROWS: usize = 32;

/// `dst = scale · Lᵀ R` for row-major `dst` (p × q), L (N × p) and R (N × q), computed in
/// blocks of [`GEMM_BLOCK_ROWS`] output rows, each by one sequential faer GEMM; with `lower`,
/// only the columns up to the block's last row (the lower triangle plus the upper part of the
/// diagonal block). Blocks run in parallel when `parallel`; the result is the same either way.
pub(super) fn blocked_gemm_tn(
    dst: &mut [f64],
    l: MatRef<'_, f64>,
    r: MatRef<'_, f64>,
    scale: f64,
    lower: bool,
    parallel: bool,
) {
    let q = r.ncols();
    if q == 0 || l.ncols() == 0 {
        return;
    }
    let block = |(b, chunk): (usize, &mut [f64])| {
        let r0 = b * GEMM_BLOCK_ROWS;
        let h = chunk.len() / q;
        let c_end = if lower { (r0 + h).min(q) } else { q };
        let out = MatMut::from_row_major_slice_mut(chunk, h, q).subcols_mut(0, c_end);
        let lhs = l.subcols(r0, h).transpose();
        matmul(
            out,
            Accum::Replace,
            lhs,
            r.subcols(0, c_end),
            scale,
            Par::Seq,
        );
        // faer's AVX-512 kernels leave dirty upper register state on this thread.
        clear_simd_upper_state();
    };
    if parallel && rayon::current_num_threads() > 1 {
        dst.par_chunks_mut(GEMM_BLOCK_ROWS * q)
            .enumerate()
            .for_each(block);
    } else {
        dst.chunks_mut(GEMM_BLOCK_ROWS * q)
            .enumerate()
            .for_each(block);
    }
}

/// s_ij = u_jᵀx_i (N × m, row-major).
fn projections(x: &[f64], u: &[f64], n_samples: usize, m: usize, d: usize) -> Vec<f64> {
    let mut s = vec![0.0; n_samples * m];
    for i in 0..n_samples {
        let xi = &x[i * d..(i + 1) * d];
        for j in 0..m {
            let uj = &u[j * d..(j + 1) * d];
            s[i * m + j] = xi.iter().zip(uj).map(|(a, b)| a * b).sum();
        }
    }
    s
}

/// `scale · AᵀA` (b = None) or `scale · (AᵀB + BᵀA)` for row-major N × n factors.
fn gram(a: &[f64], b: Option<&[f64]>, n_samples: usize, n: usize, scale: f64) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((n, n));
    let am = MatRef::from_row_major_slice(a, n_samples, n);
    let dst = out.as_slice_mut().expect("standard");
    let parallel = n >= PAR_MIN_DIM;
    match b {
        None => blocked_gemm_tn(dst, am, am, scale, true, parallel),
        Some(b) => {
            let bm = MatRef::from_row_major_slice(b, n_samples, n);
            blocked_gemm_tn(dst, am, bm, scale, false, parallel);
        }
    }
    let s = out.as_slice_mut().expect("standard");
    match b {
        // Mirror the lower triangle.
        None => {
            for r in 0..n {
                for c in (r + 1)..n {
                    s[r * n + c] = s[c * n + r];
                }
            }
        }
        // M + Mᵀ.
        Some(_) => {
            for r in 0..n {
                for c in r..n {
                    let v = s[r * n + c] + s[c * n + r];
                    s[r * n + c] = v;
                    s[c * n + r] = v;
                }
            }
        }
    }
    out
}

/// Adds blockdiag_j(Σ_i c_ij x_i x_iᵀ) to `h` (c is N × m row-major), as one GEMM Cᵀ P with
/// P_i,(k,l) = x_ik x_il.
fn add_block_diag(h: &mut Array2<f64>, c: &[f64], x: &[f64], n_samples: usize, m: usize, d: usize) {
    let mut p = vec![0.0; n_samples * d * d];
    for i in 0..n_samples {
        let xi = &x[i * d..(i + 1) * d];
        let pi = &mut p[i * d * d..(i + 1) * d * d];
        for k in 0..d {
            for l in 0..d {
                pi[k * d + l] = xi[k] * xi[l];
            }
        }
    }
    let mut blocks = vec![0.0; m * d * d];
    blocked_gemm_tn(
        &mut blocks,
        MatRef::from_row_major_slice(c, n_samples, m),
        MatRef::from_row_major_slice(&p, n_samples, d * d),
        1.0,
        false,
        m * d >= PAR_MIN_DIM,
    );
    for j in 0..m {
        for k in 0..d {
            for l in 0..d {
                h[[j * d + k, j * d + l]] += blocks[j * d * d + k * d + l];
            }
        }
    }
}

impl<A: Activation> TwoLayer<A> {
    pub(super) fn x_contiguous(&self) -> CowArray<'_, f64, Ix2> {
        self.data().x.as_standard_layout()
    }

    fn check_theta(&self, theta: &ArrayView1<f64>) {
        assert_eq!(theta.len(), self.n_params(), "θ must have m·d entries");
    }

    /// h^(k) for k < `K` (≤ 6) and, if `with_lambda`, ∂λh^(k), at every (i, j). `K` is a
    /// constant so that unused derivative orders of inlined closed forms are optimised away.
    pub(super) fn pointwise<const K: usize>(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        with_lambda: bool,
    ) -> Pointwise {
        const { assert!(K >= 1 && K <= N_DERIVS) };
        let k_count = K;
        self.check_theta(&theta);
        let (n_samples, d) = self.data().x.dim();
        let m = self.width();
        let x = self.x_contiguous();
        let x = x.as_slice().expect("standard layout");
        let w = contiguous(theta);
        let w = &w[..];
        let v = self.output_weights();
        let y = &self.data().y;
        let stride = if with_lambda { 2 * k_count } else { k_count };
        let mut buf = vec![0.0; n_samples * m * stride];
        let mut res = vec![0.0; 2 * n_samples];
        let act = self.activation();
        let fill = |i: usize, row: &mut [f64], rr: &mut [f64]| {
            // Cheap, and protects the transcendental calls below on whichever thread runs
            // this row, whoever left the registers dirty.
            clear_simd_upper_state();
            let xi = &x[i * d..(i + 1) * d];
            let (mut f, mut fl) = (0.0, 0.0);
            for j in 0..m {
                let wj = &w[j * d..(j + 1) * d];
                let z: f64 = xi.iter().zip(wj).map(|(a, b)| a * b).sum();
                let s = act.derivs(z);
                let slot = &mut row[j * stride..(j + 1) * stride];
                for k in 0..k_count {
                    let id = match k {
                        0 => z,
                        1 => 1.0,
                        _ => 0.0,
                    };
                    let dl = s[k] - id;
                    slot[k] = id + lambda * dl;
                    if with_lambda {
                        slot[k_count + k] = dl;
                    }
                }
                f += v[j] * slot[0];
                if with_lambda {
                    fl += v[j] * slot[k_count];
                }
            }
            rr[0] = f - y[i];
            rr[1] = fl;
        };
        if n_samples * m >= PAR_MIN_PAIRS && rayon::current_num_threads() > 1 {
            buf.par_chunks_mut(m * stride)
                .zip(res.par_chunks_mut(2))
                .enumerate()
                .with_min_len(16)
                .for_each(|(i, (row, rr))| fill(i, row, rr));
        } else {
            for (i, (row, rr)) in buf
                .chunks_mut(m * stride)
                .zip(res.chunks_mut(2))
                .enumerate()
            {
                fill(i, row, rr);
            }
        }
        Pointwise {
            m,
            stride,
            k_count,
            buf,
            res,
        }
    }

    /// Σ_i c_ij x_i for a row-major N × m coefficient matrix c, as a flat m·d vector.
    fn contract_x(&self, c: &[f64]) -> Array1<f64> {
        let (n_samples, d) = self.data().x.dim();
        let m = self.width();
        let x = self.x_contiguous();
        let x = x.as_slice().expect("standard layout");
        let mut out = vec![0.0; m * d];
        for i in 0..n_samples {
            let xi = &x[i * d..(i + 1) * d];
            let ci = &c[i * m..(i + 1) * m];
            for (j, cij) in ci.iter().enumerate() {
                let oj = &mut out[j * d..(j + 1) * d];
                for (o, xk) in oj.iter_mut().zip(xi) {
                    *o += cij * xk;
                }
            }
        }
        Array1::from(out)
    }

    /// The row-major N × m matrix with entries `f(i, j)` (per (sample, unit) coefficients).
    pub(super) fn per_pair(&self, f: impl Fn(usize, usize) -> f64) -> Vec<f64> {
        let (n_samples, m) = (self.data().n_samples(), self.width());
        let mut c = vec![0.0; n_samples * m];
        for (i, ci) in c.chunks_exact_mut(m).enumerate() {
            for (j, cij) in ci.iter_mut().enumerate() {
                *cij = f(i, j);
            }
        }
        c
    }

    /// `jacobian_gram(a, b, 1/N)` plus blockdiag_j(Σ_i c_ij x_i x_iᵀ): the shape shared by H,
    /// ∂λH and D³L\[u, ·, ·\] (Gauss–Newton part plus residual part).
    fn gram_plus_blocks(&self, a: &[f64], b: Option<&[f64]>, c: &[f64]) -> Array2<f64> {
        let ((n_samples, d), m) = (self.data().x.dim(), self.width());
        let mut h = self.jacobian_gram(a, b, 1.0 / n_samples as f64);
        let x = self.x_contiguous();
        add_block_diag(&mut h, c, x.as_slice().expect("standard"), n_samples, m, d);
        h
    }

    /// Fills `out` with the row-major N × n matrix with entries a_ij x_ik at (i, j·d + k).
    pub(super) fn scaled_jacobian(&self, a: &[f64], out: &mut Vec<f64>) {
        let (n_samples, d) = self.data().x.dim();
        let m = self.width();
        let n = m * d;
        let x = self.x_contiguous();
        let x = x.as_slice().expect("standard layout");
        out.resize(n_samples * n, 0.0);
        for i in 0..n_samples {
            let xi = &x[i * d..(i + 1) * d];
            let row = &mut out[i * n..(i + 1) * n];
            for j in 0..m {
                let aij = a[i * m + j];
                for (o, xk) in row[j * d..(j + 1) * d].iter_mut().zip(xi) {
                    *o = aij * xk;
                }
            }
        }
    }

    /// `scale · JₐᵀJₐ` or `scale · (JₐᵀJ_b + J_bᵀJₐ)` with J_c = \[c_ij x_ik\], built in
    /// per-thread scratch buffers (no page faults for the N × n factors on repeated calls).
    fn jacobian_gram(&self, a: &[f64], b: Option<&[f64]>, scale: f64) -> Array2<f64> {
        thread_local! {
            static SCRATCH: RefCell<[Vec<f64>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
        }
        let n_samples = self.data().n_samples();
        let n = self.n_params();
        // Take the buffers out for the duration: the GEMM may run rayon jobs on this thread
        // (work stealing), and a stolen job calling this again must not find them borrowed.
        let mut bufs = SCRATCH.with(|cell| std::mem::take(&mut *cell.borrow_mut()));
        let [ja, jb] = &mut bufs;
        self.scaled_jacobian(a, ja);
        let out = match b {
            None => gram(ja, None, n_samples, n, scale),
            Some(b) => {
                self.scaled_jacobian(b, jb);
                gram(ja, Some(jb), n_samples, n, scale)
            }
        };
        SCRATCH.with(|cell| *cell.borrow_mut() = bufs);
        out
    }

    /// D^k f_i for k = 1..=`kmax` along u (returned as `[k-1][i]`) and s_ij.
    fn directional_f(
        &self,
        pw: &Pointwise,
        u: ArrayView1<f64>,
        kmax: usize,
    ) -> (Vec<Vec<f64>>, Vec<f64>) {
        assert_eq!(u.len(), self.n_params(), "direction must have m·d entries");
        let (n_samples, d) = self.data().x.dim();
        let m = self.width();
        let x = self.x_contiguous();
        let uc = contiguous(u);
        let s = projections(x.as_slice().expect("standard"), &uc, n_samples, m, d);
        let v = self.output_weights();
        let mut df = vec![vec![0.0; n_samples]; kmax];
        for i in 0..n_samples {
            for j in 0..m {
                let sij = s[i * m + j];
                let mut p = v[j];
                for (k, dfk) in df.iter_mut().enumerate() {
                    p *= sij;
                    dfk[i] += pw.h(i, j, k + 1) * p;
                }
            }
        }
        (df, s)
    }
}

impl<A: Activation> Objective for TwoLayer<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }

    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.check_theta(&theta);
        self.loss(theta, lambda)
    }

    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        let pw = self.pointwise::<2>(theta, lambda, false);
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let c = self.per_pair(|i, j| pw.r(i) * inv_n * v[j] * pw.h(i, j, 1));
        self.contract_x(&c) + &(&theta * self.alpha())
    }

    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let pw = self.pointwise::<3>(theta, lambda, false);
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let a = self.per_pair(|i, j| v[j] * pw.h(i, j, 1));
        let c = self.per_pair(|i, j| pw.r(i) * inv_n * v[j] * pw.h(i, j, 2));
        let mut h = self.gram_plus_blocks(&a, None, &c);
        h.diag_mut().mapv_inplace(|x| x + self.alpha());
        h
    }

    fn hessian_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let pw = self.pointwise::<3>(theta, lambda, false);
        let (df, s) = self.directional_f(&pw, u, 1);
        let m = self.width();
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let c = self.per_pair(|i, j| {
            let sij = s[i * m + j];
            inv_n * v[j] * (pw.h(i, j, 1) * df[0][i] + pw.r(i) * pw.h(i, j, 2) * sij)
        });
        self.contract_x(&c) + &(&u * self.alpha())
    }

    fn grad_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        let pw = self.pointwise::<2>(theta, lambda, true);
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let c = self
            .per_pair(|i, j| inv_n * v[j] * (pw.rl(i) * pw.h(i, j, 1) + pw.r(i) * pw.hl(i, j, 1)));
        self.contract_x(&c)
    }

    fn hessian_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let pw = self.pointwise::<3>(theta, lambda, true);
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let a = self.per_pair(|i, j| v[j] * pw.h(i, j, 1));
        let al = self.per_pair(|i, j| v[j] * pw.hl(i, j, 1));
        let c = self
            .per_pair(|i, j| inv_n * v[j] * (pw.rl(i) * pw.h(i, j, 2) + pw.r(i) * pw.hl(i, j, 2)));
        self.gram_plus_blocks(&al, Some(&a), &c)
    }

    fn hessian_lambda_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array1<f64> {
        let pw = self.pointwise::<3>(theta, lambda, true);
        let (df, s) = self.directional_f(&pw, u, 1);
        let m = self.width();
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        // ∂λ Df_i = Σ_j v_j ∂λh′_ij s_ij.
        let dfl: Vec<f64> = (0..self.data().n_samples())
            .map(|i| (0..m).map(|j| v[j] * pw.hl(i, j, 1) * s[i * m + j]).sum())
            .collect();
        let c = self.per_pair(|i, j| {
            let sij = s[i * m + j];
            inv_n
                * v[j]
                * (pw.hl(i, j, 1) * df[0][i]
                    + pw.h(i, j, 1) * dfl[i]
                    + (pw.rl(i) * pw.h(i, j, 2) + pw.r(i) * pw.hl(i, j, 2)) * sij)
        });
        self.contract_x(&c)
    }

    fn hessian_operator(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<Box<dyn crate::linalg::krylov::HessianOperator>> {
        self.woodbury(theta, lambda)
            .map(|w| Box::new(w) as Box<dyn crate::linalg::krylov::HessianOperator>)
    }

    fn d3_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let pw = self.pointwise::<4>(theta, lambda, false);
        let (df, s) = self.directional_f(&pw, u, 2);
        let m = self.width();
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let (d1, d2) = (&df[0], &df[1]);
        let c = self.per_pair(|i, j| {
            let sij = s[i * m + j];
            inv_n
                * v[j]
                * (2.0 * d1[i] * pw.h(i, j, 2) * sij
                    + d2[i] * pw.h(i, j, 1)
                    + pw.r(i) * pw.h(i, j, 3) * sij * sij)
        });
        self.contract_x(&c)
    }

    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        w: ArrayView1<f64>,
    ) -> Array1<f64> {
        let pw = self.pointwise::<4>(theta, lambda, false);
        let (dfu, su) = self.directional_f(&pw, u, 1);
        let (dfw, sw) = self.directional_f(&pw, w, 1);
        let n_samples = self.data().n_samples();
        let m = self.width();
        let v = self.output_weights();
        let inv_n = 1.0 / n_samples as f64;
        // D²f[u, w]_i = Σ_j v_j h″_ij s^u_ij s^w_ij.
        let mut d2uw = vec![0.0; n_samples];
        for (i, out) in d2uw.iter_mut().enumerate() {
            for j in 0..m {
                *out += v[j] * pw.h(i, j, 2) * su[i * m + j] * sw[i * m + j];
            }
        }
        let c = self.per_pair(|i, j| {
            let (a, b) = (su[i * m + j], sw[i * m + j]);
            inv_n
                * v[j]
                * (pw.h(i, j, 2) * (a * dfw[0][i] + b * dfu[0][i])
                    + pw.h(i, j, 1) * d2uw[i]
                    + pw.r(i) * pw.h(i, j, 3) * a * b)
        });
        self.contract_x(&c)
    }

    fn d3(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        let pw = self.pointwise::<4>(theta, lambda, false);
        let (df, _) = self.directional_f(&pw, u, 3);
        let n_samples = self.data().n_samples();
        let sum: f64 = (0..n_samples)
            .map(|i| 3.0 * df[0][i] * df[1][i] + pw.r(i) * df[2][i])
            .sum();
        sum / n_samples as f64
    }

    fn d4(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        let pw = self.pointwise::<5>(theta, lambda, false);
        let (df, _) = self.directional_f(&pw, u, 4);
        let n_samples = self.data().n_samples();
        let sum: f64 = (0..n_samples)
            .map(|i| 3.0 * df[1][i] * df[1][i] + 4.0 * df[0][i] * df[2][i] + pw.r(i) * df[3][i])
            .sum();
        sum / n_samples as f64
    }

    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        let pw = self.pointwise::<4>(theta, lambda, false);
        let (df, s) = self.directional_f(&pw, u, 1);
        let m = self.width();
        let v = self.output_weights();
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let a = self.per_pair(|i, j| v[j] * pw.h(i, j, 1));
        let au = self.per_pair(|i, j| v[j] * pw.h(i, j, 2) * s[i * m + j]);
        let c = self.per_pair(|i, j| {
            let sij = s[i * m + j];
            inv_n * v[j] * (df[0][i] * pw.h(i, j, 2) + pw.r(i) * pw.h(i, j, 3) * sij)
        });
        self.gram_plus_blocks(&au, Some(&a), &c)
    }
}

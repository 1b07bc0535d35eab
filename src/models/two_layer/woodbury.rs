//! The exact structured inverse of the two-layer Hessian (matrix-free continuation).
//!
//! H = B + JᵀJ/N with B = αI + blockdiag_j(C_j), C_j = (1/N) Σ_i r_i v_j h″_ij x_i x_iᵀ (d × d)
//! and J the N × n Jacobian of the outputs (J_i,(j,k) = v_j h′_ij x_ik). With the N × N matrix
//! S = N·I + J B⁻¹ Jᵀ, the Woodbury identity gives
//!
//!   H⁻¹ = B⁻¹ − B⁻¹ Jᵀ S⁻¹ J B⁻¹,
//!
//! O(N²n + N³ + m d³) to set up (one GEMM for J B⁻¹ Jᵀ) and O(N n) per solve, memory O(N n).
//! Inertia (Haynsworth): the matrix K = \[\[B, Jᵀ\], \[J, −N·I\]\] has the Schur complements
//! H (of −N·I) and −S (of B), so N + neg(H) = neg(K) = neg(B) + pos(S), i.e.
//!
//!   neg(H) = neg(B) + pos(S) − N,
//!
//! exact from the block eigenvalues of B and an LBLᵀ of S. A (near-)singular block B_j (an
//! eigenvalue within [`BLOCK_RTOL`] of zero relative to the block's largest) is clamped away
//! from zero: the result is then only a preconditioner of H (`exact_inverse` false, no inertia),
//! and the callers iterate (GMRES) instead of trusting it.

use super::structured::blocked_gemm_tn;
use super::woodbury_gram::capacitance_lower;
use super::woodbury_jac::ScaledJac;
use super::TwoLayer;
use crate::activation::Activation;
use crate::linalg::krylov::HessianOperator;
use crate::linalg::{sym_eigen, SymFactor};
use faer::{Mat, MatRef};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

/// A block eigenvalue |e| ≤ BLOCK_RTOL·max|eig(B_j)| counts as singular: inverting it would
/// amplify the block's rounding (≈ d·ε relative) by more than 1e8, beyond what the Woodbury
/// solve can carry to the 1e-11 of the Krylov solves.
pub const BLOCK_RTOL: f64 = 1e-8;

/// Below this many entries of J the capacitance GEMM runs serially (threading overhead).
const PAR_MIN_WORK: usize = 1 << 16;

/// The two-layer Hessian at one point in Woodbury form.
pub struct Woodbury {
    n_samples: usize,
    m: usize,
    d: usize,
    /// J (N × n, factored), shared with shifted copies.
    jac: std::sync::Arc<ScaledJac>,
    /// B_j (m blocks d × d, row-major).
    b: Vec<f64>,
    /// B_j⁻¹ (clamped where near-singular).
    binv: Vec<f64>,
    /// LBLᵀ of S = N·I + J B⁻¹ Jᵀ.
    s: SymFactor,
    /// neg(H) when exact.
    negative: Option<usize>,
    /// The smallest eigenvalue of B: a lower bound of H's (Weyl, JᵀJ/N ⪰ 0).
    b_min: f64,
}

/// Inverse of a symmetric d × d block from its eigendecomposition; its negative count,
/// whether it was clamped and its smallest eigenvalue.
fn invert_block(block: &Array2<f64>) -> Option<(Array2<f64>, usize, bool, f64)> {
    let e = sym_eigen(block).ok()?;
    let top = e.values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let floor = BLOCK_RTOL * top;
    let mut clamped = top == 0.0;
    let inv_vals = e.values.mapv(|v| {
        if v.abs() <= floor || v == 0.0 {
            clamped = true;
            1.0 / if v < 0.0 {
                -floor
            } else {
                floor.max(f64::MIN_POSITIVE)
            }
        } else {
            1.0 / v
        }
    });
    let neg = e.values.iter().filter(|&&v| v < 0.0).count();
    let low = e.values.iter().fold(f64::INFINITY, |a, &v| a.min(v));
    let u = &e.vectors;
    let inv = u.dot(&Array2::from_diag(&inv_vals)).dot(&u.t());
    Some((inv, neg, clamped, low))
}

impl Woodbury {
    /// The d × d blocks applied to the columns of U (n × b, row-major), in place.
    fn block_apply_rows(&self, blocks: &[f64], u: &mut [f64], b: usize) {
        let d = self.d;
        let mut tmp = vec![0.0; d * b];
        for j in 0..self.m {
            let bj = &blocks[j * d * d..(j + 1) * d * d];
            let rows = &mut u[j * d * b..(j + 1) * d * b];
            tmp.iter_mut().for_each(|t| *t = 0.0);
            for k in 0..d {
                for l in 0..d {
                    let c = bj[k * d + l];
                    for (t, x) in tmp[k * b..(k + 1) * b]
                        .iter_mut()
                        .zip(&rows[l * b..(l + 1) * b])
                    {
                        *t += c * x;
                    }
                }
            }
            rows.copy_from_slice(&tmp);
        }
    }
    /// J U (N × b, row-major) for U (n × b, row-major).
    fn j_apply_rows(&self, u: &[f64], b: usize) -> Vec<f64> {
        self.jac.apply(u, b)
    }
    /// Jᵀ T (n × b, row-major) for T (N × b, row-major).
    fn jt_apply_rows(&self, t: &[f64], b: usize) -> Vec<f64> {
        self.jac.apply_t(t, b)
    }
}

/// The columns of a view as one row-major buffer (n × b).
fn row_major(u: ArrayView2<f64>) -> Vec<f64> {
    u.as_standard_layout().iter().copied().collect()
}

impl HessianOperator for Woodbury {
    fn dim(&self) -> usize {
        self.m * self.d
    }
    fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let out = self.apply_block(u.insert_axis(ndarray::Axis(1)));
        out.index_axis_move(ndarray::Axis(1), 0)
    }
    fn precondition(&self, r: ArrayView1<f64>) -> Option<Array1<f64>> {
        let out = self.precondition_block(r.insert_axis(ndarray::Axis(1)))?;
        Some(out.index_axis_move(ndarray::Axis(1), 0))
    }
    fn has_preconditioner(&self) -> bool {
        true
    }
    fn exact_inverse(&self) -> bool {
        self.negative.is_some()
    }
    fn negative_count(&self) -> Option<usize> {
        self.negative
    }
    fn lower_bound(&self) -> Option<f64> {
        Some(self.b_min)
    }
    fn apply_block(&self, u: ArrayView2<f64>) -> Array2<f64> {
        let (n, b) = u.dim();
        let mut bu = row_major(u);
        let ju = self.j_apply_rows(&bu, b);
        let jtju = self.jt_apply_rows(&ju, b);
        self.block_apply_rows(&self.b, &mut bu, b);
        let inv_n = 1.0 / self.n_samples as f64;
        bu.iter_mut().zip(&jtju).for_each(|(o, g)| *o += g * inv_n);
        Array2::from_shape_vec((n, b), bu).expect("n × b")
    }
    fn precondition_block(&self, r: ArrayView2<f64>) -> Option<Array2<f64>> {
        let (n, b) = r.dim();
        let mut y = row_major(r);
        self.block_apply_rows(&self.binv, &mut y, b);
        let t = self.j_apply_rows(&y, b);
        let mut tm = Mat::from_fn(self.n_samples, b, |i, j| t[i * b + j]);
        self.s.solve_in_place(tm.as_mut());
        let st: Vec<f64> = (0..self.n_samples * b)
            .map(|e| tm[(e / b, e % b)])
            .collect();
        let mut corr = self.jt_apply_rows(&st, b);
        self.block_apply_rows(&self.binv, &mut corr, b);
        y.iter_mut().zip(&corr).for_each(|(o, c)| *o -= c);
        y.iter()
            .all(|v| v.is_finite())
            .then(|| Array2::from_shape_vec((n, b), y).expect("n × b"))
    }
    fn shifted(&self, sigma: f64) -> Option<Box<dyn HessianOperator>> {
        let d = self.d;
        let mut b = self.b.clone();
        for j in 0..self.m {
            for k in 0..d {
                b[j * d * d + k * d + k] -= sigma;
            }
        }
        Woodbury::assemble(self.n_samples, self.m, d, self.jac.clone(), b)
            .map(|w| Box::new(w) as Box<dyn HessianOperator>)
    }
}

impl<A: Activation> TwoLayer<A> {
    /// The Hessian at (θ, λ) in Woodbury form (see the module docs); `None` if a block or the
    /// N × N capacitance matrix cannot be factorised (non-finite entries).
    pub fn woodbury(&self, theta: ArrayView1<f64>, lambda: f64) -> Option<Woodbury> {
        let pw = self.pointwise::<3>(theta, lambda, false);
        let v = self.output_weights();
        let (n_samples, d) = self.data().x.dim();
        let m = self.width();
        let inv_n = 1.0 / n_samples as f64;
        let a = self.per_pair(|i, j| v[j] * pw.h(i, j, 1));
        let c = self.per_pair(|i, j| pw.r(i) * inv_n * v[j] * pw.h(i, j, 2));
        let x_rows = self.x_contiguous();
        let x = x_rows.as_slice().expect("standard layout");
        let mut b = curvature_blocks(&c, x, n_samples, m, d);
        let jac = ScaledJac::new(n_samples, m, d, a, x.to_vec());
        for j in 0..m {
            for k in 0..d {
                b[j * d * d + k * d + k] += self.alpha();
            }
        }
        Woodbury::assemble(n_samples, m, d, std::sync::Arc::new(jac), b)
    }
}

/// The blocks C_j = Σ_i c_ij x_i x_iᵀ (m × d × d, row-major) as one GEMM Cᵀ P with
/// P_i = the lower triangle of x_i x_iᵀ (d(d+1)/2 columns: half the flops of vec(x_i x_iᵀ)),
/// mirrored after.
fn curvature_blocks(c: &[f64], x: &[f64], n_samples: usize, m: usize, d: usize) -> Vec<f64> {
    let tri = d * (d + 1) / 2;
    let mut p = vec![0.0; n_samples * tri];
    for (xi, pi) in x.chunks_exact(d).zip(p.chunks_exact_mut(tri)) {
        let mut e = 0;
        for k in 0..d {
            for l in 0..=k {
                pi[e] = xi[k] * xi[l];
                e += 1;
            }
        }
    }
    let mut packed = vec![0.0; m * tri];
    blocked_gemm_tn(
        &mut packed,
        MatRef::from_row_major_slice(c, n_samples, m),
        MatRef::from_row_major_slice(&p, n_samples, tri),
        1.0,
        false,
        n_samples * m * tri >= PAR_MIN_WORK,
    );
    let mut b = vec![0.0; m * d * d];
    for (bj, pj) in b.chunks_exact_mut(d * d).zip(packed.chunks_exact(tri)) {
        let mut e = 0;
        for k in 0..d {
            for l in 0..=k {
                bj[k * d + l] = pj[e];
                bj[l * d + k] = pj[e];
                e += 1;
            }
        }
    }
    b
}

impl Woodbury {
    /// Factorises B (blocks) and S and counts the inertia.
    fn assemble(
        n_samples: usize,
        m: usize,
        d: usize,
        jac: std::sync::Arc<ScaledJac>,
        b: Vec<f64>,
    ) -> Option<Woodbury> {
        let (mut binv, mut neg_b, mut exact) = (vec![0.0; m * d * d], 0usize, true);
        let mut b_min = f64::INFINITY;
        // The m block eigendecompositions are independent (in parallel; each is sequential).
        let inverses: Vec<_> = b
            .par_chunks(d * d)
            .map(|bj| {
                let block = Array2::from_shape_vec((d, d), bj.to_vec()).ok()?;
                invert_block(&block)
            })
            .collect();
        for (j, inv) in inverses.into_iter().enumerate() {
            let (inv, neg, clamped, low) = inv?;
            binv[j * d * d..(j + 1) * d * d].copy_from_slice(inv.as_slice()?);
            neg_b += neg;
            exact &= !clamped;
            b_min = b_min.min(low);
        }
        let mut w = Woodbury {
            n_samples,
            m,
            d,
            jac,
            b,
            binv,
            s: SymFactor::new(Mat::<f64>::zeros(0, 0).as_ref()),
            negative: None,
            b_min,
        };
        let s = w.capacitance()?;
        if exact && s.inertia.zero == 0 {
            w.negative = Some(neg_b + s.inertia.positive - n_samples);
        }
        w.s = s;
        Some(w)
    }
}

impl Woodbury {
    /// S = N·I + J B⁻¹ Jᵀ (lower triangle, [`capacitance_lower`]), factorised.
    fn capacitance(&self) -> Option<SymFactor> {
        let nn = self.n_samples;
        let flat = capacitance_lower(&self.jac, &self.binv);
        if (0..nn).any(|i| flat[i * nn..=i * nn + i].iter().any(|v| !v.is_finite())) {
            return None;
        }
        // The lower triangle is what the LBLᵀ reads (Side::Lower); mirrored for clarity.
        let s = Mat::from_fn(nn, nn, |i, j| {
            let (r, c) = if i >= j { (i, j) } else { (j, i) };
            flat[r * nn + c] + if i == j { nn as f64 } else { 0.0 }
        });
        drop(flat);
        Some(SymFactor::new(s.as_ref()))
    }
}

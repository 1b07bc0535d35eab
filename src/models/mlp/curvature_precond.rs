//! A stronger preconditioner for one trained hidden layer ℓ: the Gauss–Newton matrix plus the
//! block-diagonal part of the curvature, shifted to be positive definite, inverted exactly by
//! Woodbury on the block-diagonal base.
//!
//! The curvature part (1/N) Σ_i r_i ∇²f_i of H has, for the trained W_ℓ, the term
//! Σ_j C_j (one n_ℓ × n_ℓ block per unit j of layer ℓ + 1):
//!
//! C_j = (1/N) Σ_i r_i h″(z_ij, λ) b_ij a_i a_iᵀ,  b_ij = ∂f_i/∂a_{ℓ+1,ij},
//!
//! (the second derivative of h at unit j itself); the rest of the curvature couples units
//! through the layers above and is left out. With σ below the blocks' spectrum,
//!
//! P_σ = B_σ + JᵀJ/N,  B_σ = blockdiag((α − σ)I + C_j) ≻ 0,
//!
//! so P_σ ≻ 0 (JᵀJ ⪰ 0) and P_σ⁻¹ = B_σ⁻¹ − B_σ⁻¹Jᵀ S⁻¹ J B_σ⁻¹ with the N × N capacitance
//! S = N·I + J B_σ⁻¹ Jᵀ ≻ 0 — the same algebra as the two-layer Woodbury form. The blocks are
//! diagonalised (B_σ,j = Q_j E_j Q_jᵀ) and S = N·I + KKᵀ with K = \[diag(Δ_·j) A Q_j E_j^{-1/2}\]_j
//! (N × n), one GEMM of O(N²n) flops.
//!
//! P_σ serves both as the right preconditioner of the engine's GMRES solves and, being SPD and
//! close to H − σI where the cross-unit curvature is small, as the LOBPCG preconditioner of
//! the smallest eigenpairs. σ = λ_B − [`SHIFT_MARGIN`]·max(|λ_B|, α), λ_B the smallest
//! eigenvalue of αI + C (a lower bound of λ_min(αI + C_bd + JᵀJ/N)): at λ = 0 (C = 0) this is
//! σ = α/2 and P_σ = H − σI exactly.

use super::gauss_newton::{
    j_apply, j_apply_block, jt_apply, jt_apply_block, real_part, solve_columns,
};
use super::jet::product_table;
use super::Mlp;
use crate::activation::{homotopy_derivs, Activation};
use crate::linalg::{clear_simd_upper_state, sym_eigen, SymFactor};
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, Par};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};

/// σ = λ_B − SHIFT_MARGIN·max(|λ_B|, α): far enough below the blocks' smallest eigenvalue that
/// B_σ is well conditioned (κ(B_σ) ≲ ‖B‖/(SHIFT_MARGIN·α)), close enough that P_σ stays a
/// good approximation of H − σI for the eigenvalues just above λ_B.
pub const SHIFT_MARGIN: f64 = 0.5;

/// P_σ = B_σ + JᵀJ/N (module docs) with its exact inverse.
pub struct CurvaturePreconditioner {
    /// The shift σ.
    pub sigma: f64,
    /// The smallest eigenvalue λ_B of αI + C_bd.
    pub block_min: f64,
    delta: Array2<f64>,
    act: Array2<f64>,
    /// Eigenvectors Q_j of each block B_σ,j.
    q: Vec<Array2<f64>>,
    /// Eigenvalues E_j (> 0) of each block.
    e: Vec<Array1<f64>>,
    /// S = N·I + J B_σ⁻¹ Jᵀ, factorised.
    s: SymFactor,
}

impl CurvaturePreconditioner {
    /// From Δ (N × m), A (N × d), the curvature weights c_ij = r_i h″(z_ij) b_ij and α;
    /// `None` unless α > 0 and everything factorises.
    pub fn new(delta: Array2<f64>, act: Array2<f64>, c: &Array2<f64>, alpha: f64) -> Option<Self> {
        let (n_samples, m) = delta.dim();
        let d = act.ncols();
        if alpha.is_nan() || alpha <= 0.0 || act.nrows() != n_samples || c.dim() != (n_samples, m) {
            return None;
        }
        let inv_n = 1.0 / n_samples as f64;
        // C_j = Aᵀ diag(c_·j) A / N, eigendecomposed with the α shift included.
        let mut blocks = Vec::with_capacity(m);
        for j in 0..m {
            let scaled = &act * &c.column(j).insert_axis(Axis(1));
            let cj = act.t().dot(&scaled) * inv_n + Array2::<f64>::eye(d) * alpha;
            let cj = (&cj + &cj.t()) * 0.5;
            blocks.push(sym_eigen(&cj).ok()?);
        }
        let block_min = blocks
            .iter()
            .map(|b| b.values[0])
            .fold(f64::INFINITY, f64::min);
        let sigma = block_min - SHIFT_MARGIN * block_min.abs().max(alpha);
        let e: Vec<Array1<f64>> = blocks
            .iter()
            .map(|b| b.values.mapv(|v| v - sigma))
            .collect();
        let q: Vec<Array2<f64>> = blocks.into_iter().map(|b| b.vectors).collect();
        let mut k = Mat::<f64>::zeros(n_samples, m * d);
        for j in 0..m {
            let g = act.dot(&(&q[j] / &e[j].mapv(f64::sqrt).insert_axis(Axis(0))));
            for i in 0..n_samples {
                for a in 0..d {
                    k[(i, j * d + a)] = delta[(i, j)] * g[(i, a)];
                }
            }
        }
        // Only the lower triangle of KKᵀ (the factorisation reads no more): half the O(N²n)
        // flops of the full product, the dominant cost of the build.
        let mut smat = Mat::<f64>::zeros(n_samples, n_samples);
        triangular::matmul(
            smat.as_mut(),
            BlockStructure::TriangularLower,
            Accum::Replace,
            k.as_ref(),
            BlockStructure::Rectangular,
            k.as_ref().transpose(),
            BlockStructure::Rectangular,
            1.0,
            Par::rayon(0),
        );
        clear_simd_upper_state();
        if rayon::current_thread_index().is_none() {
            rayon::broadcast(|_| clear_simd_upper_state());
        }
        for i in 0..n_samples {
            smat[(i, i)] += n_samples as f64;
        }
        if smat
            .col_iter()
            .any(|col| col.iter().any(|v| !v.is_finite()))
        {
            return None;
        }
        let s = SymFactor::new(smat.as_ref());
        (s.inertia.positive == n_samples).then_some(CurvaturePreconditioner {
            sigma,
            block_min,
            delta,
            act,
            q,
            e,
            s,
        })
    }
    /// n = m·d.
    pub fn dim(&self) -> usize {
        self.delta.ncols() * self.act.ncols()
    }
    /// B_σ⁻¹ u (blockwise, or B_σ u with `inverse` false).
    fn blocks(&self, u: ArrayView1<f64>, inverse: bool) -> Array1<f64> {
        let d = self.act.ncols();
        let mut out = Array1::zeros(u.len());
        for (j, (q, e)) in self.q.iter().zip(&self.e).enumerate() {
            let uj = u.slice(s![j * d..(j + 1) * d]);
            let c = q.t().dot(&uj);
            let c = if inverse { c / e } else { c * e };
            out.slice_mut(s![j * d..(j + 1) * d]).assign(&q.dot(&c));
        }
        out
    }
    /// B_σ⁻¹ U for the columns of U (n × b): per unit one d × d by d × b product each way.
    fn blocks_inverse(&self, u: ArrayView2<f64>) -> Array2<f64> {
        let d = self.act.ncols();
        let mut out = Array2::zeros(u.dim());
        for (j, (q, e)) in self.q.iter().zip(&self.e).enumerate() {
            let uj = u.slice(s![j * d..(j + 1) * d, ..]);
            let c = q.t().dot(&uj) / e.view().insert_axis(Axis(1));
            out.slice_mut(s![j * d..(j + 1) * d, ..]).assign(&q.dot(&c));
        }
        out
    }
    /// P_σ⁻¹ R for the columns of R (n × b), as [`CurvaturePreconditioner::solve`] with GEMMs
    /// (b× wider right-hand sides).
    pub fn solve_block(&self, r: ArrayView2<f64>) -> Array2<f64> {
        let y = self.blocks_inverse(r);
        let jy = j_apply_block(&self.delta, &self.act, y.view());
        let st = solve_columns(&self.s, &jy);
        let z = jt_apply_block(&self.delta, &self.act, st.view());
        y - self.blocks_inverse(z.view())
    }
    /// P_σ u = B_σ u + JᵀJu/N (for checks).
    pub fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let ju = j_apply(&self.delta, &self.act, u) / self.delta.nrows() as f64;
        jt_apply(&self.delta, &self.act, ju.view()) + &self.blocks(u, false)
    }
    /// P_σ⁻¹ r = y − B_σ⁻¹Jᵀ S⁻¹ J y with y = B_σ⁻¹ r.
    pub fn solve(&self, r: ArrayView1<f64>) -> Array1<f64> {
        let y = self.blocks(r, true);
        let jy = j_apply(&self.delta, &self.act, y.view());
        let mut t = Mat::from_fn(jy.len(), 1, |i, _| jy[i]);
        self.s.solve_in_place(t.as_mut());
        let st = Array1::from_shape_fn(jy.len(), |i| t[(i, 0)]);
        let z = jt_apply(&self.delta, &self.act, st.view());
        y - self.blocks(z.view(), true)
    }
}

impl<A: Activation> Mlp<A> {
    /// [`CurvaturePreconditioner`] at (θ, λ) for the single trained layer; `None` with several
    /// trained layers, α = 0, or a trained output layer (no curvature block: use
    /// [`Mlp::gauss_newton`], which is then H).
    pub fn curvature_preconditioner(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<CurvaturePreconditioner> {
        let [l] = self.trained()[..] else {
            return None;
        };
        if l + 1 >= self.depth() {
            return None;
        }
        let table = product_table::<f64>();
        let w = self.weight_jets::<f64>(theta, &[]);
        let tape = self.forward::<f64>(&w, lambda, &table, true);
        let resid = real_part(&tape.residual);
        let mut g = Array2::<f64>::ones((self.data().n_samples(), 1));
        let mut b = g.clone();
        for k in (l + 1..self.depth()).rev() {
            let slope = real_part(tape.slopes[k].as_ref()?);
            b = g.dot(self.weights(k));
            g = &b * &slope;
        }
        let act = real_part(&tape.acts[l]);
        let z = act.dot(&self.layer_at(theta, l).t());
        let curv = z.mapv(|v| homotopy_derivs(self.activation(), v, lambda).0[2]);
        let c = curv * &b * &resid;
        CurvaturePreconditioner::new(g, act, &c, self.alpha())
    }
}

//! The Gauss–Newton part of the MLP Hessian for one trained layer, and its exact inverse by
//! the Woodbury identity, from the Kronecker structure of the output Jacobian.
//!
//! With one trained layer ℓ, the output f_i depends on W_ℓ only through z_i = W_ℓ a_i (a_i: row
//! i of the layer input A_ℓ, N × n_ℓ), so row i of the N × n output Jacobian is
//! J_i = δ_i ⊗ a_i, δ_i = ∂f_i/∂z_i (row i of Δ, N × n_{ℓ+1}: f back-propagated to layer ℓ+1).
//! Then, never forming an n × n (or N × n) matrix,
//!
//! * J u = rowsum(Δ ⊙ (A Uᵀ)) and Jᵀ t = Δᵀ diag(t) A (U: u as n_{ℓ+1} × n_ℓ, θ's layout);
//! * JJᵀ = (ΔΔᵀ) ⊙ (AAᵀ), an N × N matrix in O(N²(n_ℓ + n_{ℓ+1}));
//! * P = αI + JᵀJ/N has P⁻¹ = (1/α)(I − Jᵀ S⁻¹ J) with S = NαI + JJᵀ ≻ 0 (Woodbury).
//!
//! H − P = (1/N) Σ_i r_i ∇²f_i is the curvature part: zero at λ = 0 (the network is linear
//! there) and whenever ℓ is the output layer, so P is then H itself.

use super::gemm::JetMat;
use super::jet::product_table;
use super::Mlp;
use crate::activation::Activation;
use crate::linalg::SymFactor;
use faer::Mat;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};

/// αI + JᵀJ/N for one trained layer, with its Woodbury inverse.
pub struct GaussNewton {
    alpha: f64,
    /// Δ (N × n_{ℓ+1}).
    delta: Array2<f64>,
    /// A_ℓ (N × n_ℓ).
    act: Array2<f64>,
    /// S = NαI + JJᵀ, factorised.
    s: SymFactor,
}

pub(super) fn real_part(m: &JetMat) -> Array2<f64> {
    let re = m
        .part(0)
        .map_or_else(|| vec![0.0; m.rows * m.cols], <[f64]>::to_vec);
    Array2::from_shape_vec((m.rows, m.cols), re).expect("rows × cols entries")
}

/// J u = rowsum(Δ ⊙ (A Uᵀ)) (N entries; U: u as n_{ℓ+1} × n_ℓ).
pub(super) fn j_apply(delta: &Array2<f64>, act: &Array2<f64>, u: ArrayView1<f64>) -> Array1<f64> {
    let (rows, cols) = (delta.ncols(), act.ncols());
    let uu = u.to_shape((rows, cols)).expect("u has n_{ℓ+1}·n_ℓ entries");
    (act.dot(&uu.t()) * delta).sum_axis(Axis(1))
}

/// Jᵀ t = Δᵀ diag(t) A (n entries, θ's layout).
pub(super) fn jt_apply(delta: &Array2<f64>, act: &Array2<f64>, t: ArrayView1<f64>) -> Array1<f64> {
    let scaled = act * &t.insert_axis(Axis(1));
    let g = delta.t().dot(&scaled);
    Array1::from_iter(g.iter().copied())
}

/// J U for the columns of U (n × b): one GEMM A·\[U_1ᵀ … U_bᵀ\] (N × b·n_{ℓ+1}), then the
/// row sums against Δ (N × b).
pub(super) fn j_apply_block(
    delta: &Array2<f64>,
    act: &Array2<f64>,
    u: ArrayView2<f64>,
) -> Array2<f64> {
    let (rows, cols, b) = (delta.ncols(), act.ncols(), u.ncols());
    let mut stack = Array2::zeros((cols, b * rows));
    for k in 0..b {
        for a in 0..rows {
            for c in 0..cols {
                stack[[c, k * rows + a]] = u[[a * cols + c, k]];
            }
        }
    }
    let z = act.dot(&stack);
    Array2::from_shape_fn((delta.nrows(), b), |(i, k)| {
        let zr = z.slice(s![i, k * rows..(k + 1) * rows]);
        zr.dot(&delta.row(i))
    })
}

/// Jᵀ T for the columns of T (N × b): one GEMM Δᵀ·\[diag(t_1)A … diag(t_b)A\] (n × b).
pub(super) fn jt_apply_block(
    delta: &Array2<f64>,
    act: &Array2<f64>,
    t: ArrayView2<f64>,
) -> Array2<f64> {
    let (rows, cols, b) = (delta.ncols(), act.ncols(), t.ncols());
    let mut scaled = Array2::zeros((act.nrows(), b * cols));
    for k in 0..b {
        let sk = act * &t.column(k).insert_axis(Axis(1));
        scaled
            .slice_mut(s![.., k * cols..(k + 1) * cols])
            .assign(&sk);
    }
    let g = delta.t().dot(&scaled);
    Array2::from_shape_fn((rows * cols, b), |(idx, k)| {
        g[[idx / cols, k * cols + idx % cols]]
    })
}

/// S⁻¹ T for the columns of T by the factorisation of S.
pub(super) fn solve_columns(s: &SymFactor, t: &Array2<f64>) -> Array2<f64> {
    let mut m = Mat::from_fn(t.nrows(), t.ncols(), |i, k| t[[i, k]]);
    s.solve_in_place(m.as_mut());
    Array2::from_shape_fn(t.dim(), |(i, k)| m[(i, k)])
}

impl GaussNewton {
    /// From Δ, A and α; `None` unless α > 0 and S factorises as positive definite.
    pub fn new(delta: Array2<f64>, act: Array2<f64>, alpha: f64) -> Option<Self> {
        let n_samples = delta.nrows();
        if alpha.is_nan() || alpha <= 0.0 || act.nrows() != n_samples {
            return None;
        }
        let gram = delta.dot(&delta.t()) * &act.dot(&act.t());
        let shift = n_samples as f64 * alpha;
        let s = Mat::from_fn(n_samples, n_samples, |i, k| {
            gram[(i, k)] + if i == k { shift } else { 0.0 }
        });
        if s.col_iter().any(|c| c.iter().any(|v| !v.is_finite())) {
            return None;
        }
        let s = SymFactor::new(s.as_ref());
        (s.inertia.positive == n_samples).then_some(GaussNewton {
            alpha,
            delta,
            act,
            s,
        })
    }
    /// n = n_{ℓ+1}·n_ℓ.
    pub fn dim(&self) -> usize {
        self.delta.ncols() * self.act.ncols()
    }
    /// J u (N).
    pub fn j_apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        j_apply(&self.delta, &self.act, u)
    }
    /// Jᵀ t (n, θ's layout).
    pub fn jt_apply(&self, t: ArrayView1<f64>) -> Array1<f64> {
        jt_apply(&self.delta, &self.act, t)
    }
    /// P u = αu + JᵀJu/N.
    pub fn apply(&self, u: ArrayView1<f64>) -> Array1<f64> {
        let ju = self.j_apply(u) / self.delta.nrows() as f64;
        self.jt_apply(ju.view()) + &(&u * self.alpha)
    }
    /// P⁻¹ R for the columns of R (n × b), as [`GaussNewton::solve`] with GEMMs.
    pub fn solve_block(&self, r: ArrayView2<f64>) -> Array2<f64> {
        let jr = j_apply_block(&self.delta, &self.act, r);
        let st = solve_columns(&self.s, &jr);
        (&r - &jt_apply_block(&self.delta, &self.act, st.view())) / self.alpha
    }
    /// P⁻¹ r = (r − Jᵀ S⁻¹ J r)/α.
    pub fn solve(&self, r: ArrayView1<f64>) -> Array1<f64> {
        let jr = self.j_apply(r);
        let mut t = Mat::from_fn(jr.len(), 1, |i, _| jr[i]);
        self.s.solve_in_place(t.as_mut());
        let st = Array1::from_shape_fn(jr.len(), |i| t[(i, 0)]);
        (&r - &self.jt_apply(st.view())) / self.alpha
    }
}

impl<A: Activation> Mlp<A> {
    /// (Δ, A_ℓ) at (θ, λ) for the single trained layer ℓ: f back-propagated to layer ℓ + 1,
    /// and the layer's input; `None` with several trained layers.
    pub fn layer_jacobian_factors(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Option<(Array2<f64>, Array2<f64>)> {
        let [l] = self.trained()[..] else {
            return None;
        };
        let table = product_table::<f64>();
        let w = self.weight_jets::<f64>(theta, &[]);
        let tape = self.forward::<f64>(&w, lambda, &table, true);
        let mut g = Array2::<f64>::ones((self.data().n_samples(), 1));
        for k in (l + 1..self.depth()).rev() {
            let slope = real_part(tape.slopes[k].as_ref()?);
            g = g.dot(self.weights(k)) * &slope;
        }
        Some((g, real_part(&tape.acts[l])))
    }

    /// The Gauss–Newton matrix αI + JᵀJ/N at (θ, λ) with its Woodbury inverse (module docs);
    /// `None` with several trained layers or α = 0.
    pub fn gauss_newton(&self, theta: ArrayView1<f64>, lambda: f64) -> Option<GaussNewton> {
        let (delta, act) = self.layer_jacobian_factors(theta, lambda)?;
        GaussNewton::new(delta, act, self.alpha())
    }
}

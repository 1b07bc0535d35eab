//! F(u) = ∂λL(θ(u), 0) on the λ = 0 balanced manifold Π_l S^{n_l−1} of the all-trained MLP
//! ([`super::linear_start`]), with its exact Riemannian gradient and Hessian.
//!
//! u = (u_1, …, u_{L−1}), u_l ∈ R^{n_l}, stacked. The extension θ̃(u) (W_l = s u_{l+1}u_lᵀ,
//! u_0 = p*/‖p*‖, u_L = (1), no normalisation) is linear in each u_l and bilinear in
//! consecutive pairs, and equals θ(u) on the manifold. So with g = ∂λ∇L(θ, 0) and
//! J = ∂θ̃/∂u, the Euclidean derivatives of F̃ = ∂λL(θ̃(·), 0) are exact:
//! ∇F̃ = Jᵀg and ∇²F̃ = Jᵀ(∂λH)J + C, where C holds s·g at the entries where W_l is bilinear
//! (∂²W_l\[a, b\]/∂u_{l+1,a}∂u_{l,b} = s). ∂λH·v comes from AD (`hessian_lambda_vec`), so
//! the Hessian has no truncation error. On each sphere factor the Riemannian Hessian is
//! P_l∇²F̃P_l − (u_lᵀ∂_lF̃)P_l (the Weingarten term); it is returned in an orthonormal basis
//! of the tangent space (one Householder reflector per factor).

use super::Mlp;
use crate::activation::Activation;
use crate::derivatives::Objective;
use crate::models::mlp::linear_start::BalancedStart;
use ndarray::{s, Array1, Array2, ArrayView1};
use num_dual::Dual64;

/// The balanced manifold of `model` at its global λ = 0 minimiser `start` (p* ≠ 0).
pub struct ProductSphere<'a, A: Activation> {
    model: &'a Mlp<A>,
    start: &'a BalancedStart,
    /// Offsets of the blocks u_l in the stacked u (one per hidden layer, and the end).
    blocks: Vec<usize>,
}

/// F, the Riemannian gradient and Hessian at u, in the tangent basis.
pub struct Derivatives {
    /// F(u).
    pub f: f64,
    /// Riemannian gradient in the tangent basis (length Σ(n_l − 1)).
    pub grad: Array1<f64>,
    /// Riemannian Hessian in the tangent basis.
    pub hess: Array2<f64>,
    /// The tangent basis (stacked u coordinates × Σ(n_l − 1)), orthonormal.
    pub basis: Array2<f64>,
    /// max |∂F̃/∂u| (the Euclidean gradient, normal part included): the scale of `grad`.
    pub scale: f64,
}

impl<'a, A: Activation + Clone + 'static> ProductSphere<'a, A> {
    /// The manifold of `model` (every layer trained) through `start` (p* ≠ 0).
    pub fn new(model: &'a Mlp<A>, start: &'a BalancedStart) -> Self {
        let mut blocks = vec![0];
        for &n in &model.layers()[1..model.depth()] {
            blocks.push(blocks.last().unwrap() + n);
        }
        ProductSphere {
            model,
            start,
            blocks,
        }
    }

    /// Number of hidden layers (sphere factors).
    pub fn factors(&self) -> usize {
        self.blocks.len() - 1
    }

    /// Length of the stacked u.
    pub fn ambient(&self) -> usize {
        *self.blocks.last().unwrap()
    }

    /// Block l − 1 of u (hidden layer l), as a slice range.
    pub fn block(&self, k: usize) -> std::ops::Range<usize> {
        self.blocks[k]..self.blocks[k + 1]
    }

    /// u with every block normalised.
    pub fn normalise(&self, u: &Array1<f64>) -> Array1<f64> {
        let mut v = u.clone();
        for k in 0..self.factors() {
            let mut b = v.slice_mut(s![self.block(k)]);
            let n = b.dot(&b).sqrt();
            b.mapv_inplace(|x| x / n);
        }
        v
    }

    /// θ(u) (blocks normalised by [`Mlp::balanced_theta`]).
    pub fn theta(&self, u: &Array1<f64>) -> Array1<f64> {
        let units: Vec<Array1<f64>> = (0..self.factors())
            .map(|k| u.slice(s![self.block(k)]).to_owned())
            .collect();
        self.model.balanced_theta(self.start, &units)
    }

    /// F(u) = ∂λL(θ(u), 0), exact (a dual number on λ).
    pub fn f(&self, u: &Array1<f64>) -> f64 {
        lambda_derivative(self.model, self.theta(u).view(), 0.0)
    }

    /// The unit vectors u_0 = p̂, u_1, …, u_{L−1}, u_L = (1) at a normalised u.
    fn chain(&self, u: &Array1<f64>) -> Vec<Array1<f64>> {
        let p = &self.start.p;
        let mut c = vec![p / p.dot(p).sqrt()];
        c.extend((0..self.factors()).map(|k| u.slice(s![self.block(k)]).to_owned()));
        c.push(Array1::ones(1));
        c
    }

    /// J = ∂θ̃/∂u at a normalised u (n_params × ambient).
    pub fn jacobian(&self, u: &Array1<f64>) -> Array2<f64> {
        let (m, sc, c) = (self.model, self.start.scale, self.chain(u));
        let mut j = Array2::zeros((m.n_params(), self.ambient()));
        for k in 0..self.factors() {
            let l = k + 1; // hidden layer l: W_{l−1} rows, W_l columns
            let (below, above) = (m.offset(l - 1).unwrap(), m.offset(l).unwrap());
            let (n_prev, n) = (m.layers()[l - 1], m.layers()[l]);
            for i in 0..n {
                let col = self.blocks[k] + i;
                for b in 0..n_prev {
                    j[[below + i * n_prev + b, col]] = sc * c[l - 1][b];
                }
                for a in 0..m.layers()[l + 1] {
                    j[[above + a * n + i, col]] = sc * c[l + 1][a];
                }
            }
        }
        j
    }

    /// F, its Riemannian gradient and Hessian at u (normalised here).
    pub fn derivatives(&self, u: &Array1<f64>) -> Derivatives {
        let u = self.normalise(u);
        let theta = self.theta(&u);
        let m = self.model;
        let j = self.jacobian(&u);
        let g = m.grad_lambda(theta.view(), 0.0);
        let egrad = j.t().dot(&g);
        let mut hj = Array2::zeros(j.raw_dim());
        for c in 0..j.ncols() {
            let v = m.hessian_lambda_vec(theta.view(), 0.0, j.column(c));
            hj.column_mut(c).assign(&v);
        }
        let mut he = j.t().dot(&hj);
        self.add_bilinear(&mut he, &g);
        let he = 0.5 * (&he + &he.t());
        let basis = self.tangent_basis(&u);
        let mut hess = basis.t().dot(&he).dot(&basis);
        // Weingarten term: −(u_lᵀ∂_lF̃) on factor l's tangent directions.
        let mut row = 0;
        for k in 0..self.factors() {
            let r = self.block(k);
            let mu = u.slice(s![r.clone()]).dot(&egrad.slice(s![r.clone()]));
            for _ in 0..r.len() - 1 {
                hess[[row, row]] -= mu;
                row += 1;
            }
        }
        Derivatives {
            f: lambda_derivative(m, theta.view(), 0.0),
            grad: basis.t().dot(&egrad),
            hess,
            basis,
            scale: egrad.iter().fold(0.0f64, |a, x| a.max(x.abs())),
        }
    }

    /// C: s·g\[W_l(a, b)\] at ((l+1, a), (l, b)) for the layers bilinear in u (1 ≤ l ≤ L−2).
    fn add_bilinear(&self, he: &mut Array2<f64>, g: &Array1<f64>) {
        let (m, sc) = (self.model, self.start.scale);
        for k in 0..self.factors().saturating_sub(1) {
            let l = k + 1; // W_l between hidden layers l and l + 1
            let off = m.offset(l).unwrap();
            let (n, n_next) = (m.layers()[l], m.layers()[l + 1]);
            for a in 0..n_next {
                for b in 0..n {
                    let (r, c) = (self.blocks[k + 1] + a, self.blocks[k] + b);
                    let v = sc * g[off + a * n + b];
                    he[[r, c]] += v;
                    he[[c, r]] += v;
                }
            }
        }
    }

    /// Orthonormal basis of the tangent space at a normalised u: per factor the columns 2..n
    /// of the Householder reflector sending u_l to ∓e_1.
    pub fn tangent_basis(&self, u: &Array1<f64>) -> Array2<f64> {
        let dim: usize = (0..self.factors()).map(|k| self.block(k).len() - 1).sum();
        let mut b = Array2::zeros((self.ambient(), dim));
        let mut col = 0;
        for k in 0..self.factors() {
            let r = self.block(k);
            let uk = u.slice(s![r.clone()]);
            let mut w = uk.to_owned();
            w[0] += if uk[0] >= 0.0 { 1.0 } else { -1.0 };
            let ww = w.dot(&w);
            for e in 1..r.len() {
                for i in 0..r.len() {
                    let delta = if i == e { 1.0 } else { 0.0 };
                    b[[r.start + i, col]] = delta - 2.0 * w[i] * w[e] / ww;
                }
                col += 1;
            }
        }
        b
    }
}

/// ∂λL(θ, λ) exactly: the forward pass with λ a dual number.
pub fn lambda_derivative<A: Activation>(m: &Mlp<A>, theta: ArrayView1<f64>, lambda: f64) -> f64 {
    m.value_jet::<Dual64>(theta, Dual64::new(lambda, 1.0), &[])
        .eps
}

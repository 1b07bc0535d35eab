//! A three-layer network under the activation homotopy, as a [`GenericLoss`] for
//! [`AdObjective`]:
//!
//! f(x) = Σ_k u_k h(Σ_j A_kj h(w_jᵀx, λ), λ),
//! L(W, A, λ) = ½ E\[(f − y)²\] + α/2 (‖W‖² + ‖A‖²),
//!
//! with W ∈ R^{m₁×d} and A ∈ R^{m₂×m₁} trained and the output weights u ∈ R^{m₂} fixed (like
//! v in [`crate::models::two_layer::TwoLayer`]).
//!
//! # Parameter layout
//!
//! θ = \[vec(W), vec(A)\], both row-major: θ\[j·d + k\] = W\[j, k\] and
//! θ\[m₁·d + k·m₁ + j\] = A\[k, j\]; n = m₁·d + m₂·m₁. [`ThreeLayer::split`] and
//! [`ThreeLayer::pack`] convert.
//!
//! # The λ = 0 starting point is not isolated
//!
//! At λ = 0 the network is linear, f(x) = bᵀx with b = Wᵀ Aᵀ u, and the loss is invariant under
//! W ↦ QW, A ↦ AQᵀ for every orthogonal Q ∈ O(m₁). Minimising ‖W‖² + ‖A‖² at fixed b gives
//! W = a bᵀ/‖a‖², A = u aᵀ/‖u‖² with ‖a‖² = ‖b‖‖u‖ and the direction of a ∈ R^{m₁} free, so the
//! problem reduces to the group-lasso-like
//! min_b ½ bᵀΣb − γᵀb + (α/‖u‖)‖b‖ (Σ = E\[xxᵀ\], γ = E\[xy\]), and the minimisers form a sphere
//! S^{m₁−1} (when b ≠ 0): for m₁ ≥ 2 the Hessian at any of them has (at least) m₁ − 1 zero
//! eigenvalues, the infinitesimal rotations. For λ > 0 the homotopy acts entry-wise and breaks
//! this continuous symmetry (leaving only signed permutations of the hidden units for odd σ),
//! so the λ = 0 point is a degenerate start for continuation unless m₁ = 1.
//! [`ThreeLayer::lambda0_minimiser`] returns one minimiser and the Hessian spectrum there, so
//! callers see the zero modes.
//!
//! [`FixedSecondLayer`] freezes A (only W is trained): its λ = 0 minimiser is unique, so it is
//! the three-layer model continuation can start from at λ = 0 (the `deep_network` example).

use crate::activation::{homotopy, Activation, Builtin};
use crate::data::{
    paper_output_weights, paper_teacher, Dataset, NumpyRng, PAPER_N, PAPER_NOISE, PAPER_SEED,
    PAPER_W_LINEAR, PAPER_W_NONLINEAR,
};
use crate::derivatives::ad::{AdObjective, GenericLoss};
use crate::derivatives::Objective;
use crate::error::{ensure_finite, ensure_positive, Error, Result};
use crate::linalg::{sym_eigen, SplitMix64};
use crate::models::two_layer::{check_model_parts, regularised_mse, PAPER_ALPHA};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use num_dual::DualNum;

/// The three-layer network with MSE loss and Tikhonov regularisation on W and A.
#[derive(Clone, Debug)]
pub struct ThreeLayer<A: Activation = Builtin> {
    data: Dataset,
    hidden: usize,
    u: Array1<f64>,
    alpha: f64,
    act: A,
}

impl ThreeLayer<Builtin> {
    /// The paper's Appendix B data and regularisation with a second hidden layer: d = 5,
    /// N = 500, seed-77 teacher data, α = 4e-3, tanh, first hidden width `m1`, and fixed output
    /// weights u_k = 0.5 + k/(m₂ − 1) on the `m2` units of the second hidden layer.
    pub fn paper(m1: usize, m2: usize) -> Result<Self> {
        if m2 == 0 {
            return Err(Error::param("m2", "second hidden width must be at least 1"));
        }
        ThreeLayer::new(
            paper_teacher(PAPER_SEED, PAPER_N),
            m1,
            paper_output_weights(m2),
            PAPER_ALPHA,
            Builtin::Tanh,
        )
    }
}

impl<A: Activation> ThreeLayer<A> {
    /// Builds a validated model: finite data, first hidden width `hidden` = m₁ ≥ 1, finite
    /// non-empty output weights u (their length is m₂), α finite and ≥ 0, and an activation
    /// with σ(0) = 0, σ′(0) = 1.
    pub fn new(data: Dataset, hidden: usize, u: Array1<f64>, alpha: f64, act: A) -> Result<Self> {
        let data = check_model_parts(data, alpha, &act)?;
        if hidden == 0 {
            return Err(Error::param("m1", "first hidden width must be at least 1"));
        }
        if u.is_empty() {
            return Err(Error::param(
                "m2",
                "output weights u must have at least one entry",
            ));
        }
        ensure_finite("output weights u", u.iter())?;
        Ok(ThreeLayer {
            data,
            hidden,
            u,
            alpha,
            act,
        })
    }

    /// First hidden width m₁ (rows of W).
    pub fn hidden_width(&self) -> usize {
        self.hidden
    }

    /// Second hidden width m₂ (rows of A, entries of u).
    pub fn second_width(&self) -> usize {
        self.u.len()
    }

    /// Input dimension d.
    pub fn input_dim(&self) -> usize {
        self.data.dim()
    }

    /// Number of trained parameters n = m₁·d + m₂·m₁.
    pub fn n_params(&self) -> usize {
        self.hidden * self.input_dim() + self.second_width() * self.hidden
    }

    /// Tikhonov parameter α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Fixed output weights u.
    pub fn output_weights(&self) -> &Array1<f64> {
        &self.u
    }

    /// The data set.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The activation σ.
    pub fn activation(&self) -> &A {
        &self.act
    }

    /// Splits θ into (W (m₁ × d), A (m₂ × m₁)); errors if θ does not have n entries.
    pub fn split(&self, theta: ArrayView1<f64>) -> Result<(Array2<f64>, Array2<f64>)> {
        let n = self.n_params();
        if theta.len() != n {
            return Err(Error::shape("θ", n, theta.len()));
        }
        let nw = self.hidden * self.input_dim();
        let t = theta.to_vec();
        let w = Array2::from_shape_vec((self.hidden, self.input_dim()), t[..nw].to_vec())
            .expect("m₁·d entries");
        let a = Array2::from_shape_vec((self.second_width(), self.hidden), t[nw..].to_vec())
            .expect("m₂·m₁ entries");
        Ok((w, a))
    }

    /// Packs W (m₁ × d) and A (m₂ × m₁) into θ; errors on wrong shapes.
    pub fn pack(&self, w: ArrayView2<f64>, a: ArrayView2<f64>) -> Result<Array1<f64>> {
        let (m1, d, m2) = (self.hidden, self.input_dim(), self.second_width());
        if w.dim() != (m1, d) {
            return Err(Error::shape(
                "W",
                format!("{m1} × {d}"),
                format!("{} × {}", w.nrows(), w.ncols()),
            ));
        }
        if a.dim() != (m2, m1) {
            return Err(Error::shape(
                "A",
                format!("{m2} × {m1}"),
                format!("{} × {}", a.nrows(), a.ncols()),
            ));
        }
        Ok(w.iter().chain(a.iter()).copied().collect())
    }

    /// The reference definition of the loss, generic over dual numbers (θ in the
    /// [module layout](self)).
    pub fn loss_generic<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        assert_eq!(
            theta.len(),
            self.n_params(),
            "θ must have m₁·d + m₂·m₁ entries"
        );
        let m1 = self.hidden;
        let a = &theta[m1 * self.input_dim()..];
        self.loss_with_second_layer(theta, lambda, |k, h1| {
            let mut z = D::from(0.0);
            for (j, h) in h1.iter().enumerate() {
                z += a[k * m1 + j].clone() * h.clone();
            }
            z
        })
    }

    /// ½E\[(f − y)²\] + α/2‖θ‖² for f(x) = Σ_k u_k h(z_k, λ), where W is the first m₁·d
    /// entries of θ and z_k = `second_layer(k, h1)` with h1_j = h(w_jᵀx, λ): the forward pass
    /// shared with [`FixedSecondLayer`], whose A is not part of θ.
    fn loss_with_second_layer<D: DualNum<Primitive = f64>>(
        &self,
        theta: &[D],
        lambda: D,
        second_layer: impl Fn(usize, &[D]) -> D,
    ) -> D {
        let d = self.input_dim();
        let w = &theta[..self.hidden * d];
        let mut h1 = Vec::with_capacity(self.hidden);
        regularised_mse(&self.data, theta, self.alpha, |xi| {
            h1.clear();
            for wj in w.chunks_exact(d) {
                let mut z = D::from(0.0);
                for k in 0..d {
                    z += wj[k].clone() * xi[k];
                }
                h1.push(homotopy(&self.act, z, lambda.clone()));
            }
            let mut f = D::from(0.0);
            for (k, uk) in self.u.iter().enumerate() {
                f += homotopy(&self.act, second_layer(k, &h1), lambda.clone()) * *uk;
            }
            f
        })
    }

    /// L(θ, λ) at a real point.
    pub fn loss(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.loss_generic(&theta.to_vec(), lambda)
    }

    /// A minimiser of L(·, 0) (the linear network) by saddle-free damped Newton on the exact AD
    /// derivatives, from a small deterministic start.
    ///
    /// Each step solves with |H| + μI (eigenvalues of the AD Hessian replaced by their moduli,
    /// μ = ‖∇L‖), which moves away from the saddle at θ = 0 and stays well defined on the
    /// degenerate minimiser set (see the [module documentation](self)), followed by a
    /// backtracking line search on L. Stops when ‖∇L‖₂ ≤ `grad_tol`; errors with
    /// [`Error::NoConvergence`] if that is not reached within `max_iter` steps, if the line
    /// search fails, or if the point found is not a minimum (a Hessian eigenvalue below
    /// −1e-8·max(1, ‖H‖)). Cost per step: one dense AD Hessian and one n × n eigensolve.
    pub fn lambda0_minimiser(&self, opts: &Lambda0Options) -> Result<Lambda0Minimum> {
        ensure_positive("grad_tol", opts.grad_tol)?;
        ensure_positive("init_scale", opts.init_scale)?;
        let obj = AdObjective(self);
        let n = self.n_params();
        let mut rng = SplitMix64::new(opts.seed);
        let mut theta = Array1::from_shape_simple_fn(n, || opts.init_scale * rng.next_signed());
        let method = "λ = 0 saddle-free Newton";
        for it in 0..=opts.max_iter {
            let g = obj.gradient(theta.view(), 0.0);
            let gnorm = g.dot(&g).sqrt();
            let h = obj.hessian(theta.view(), 0.0);
            let eig = sym_eigen(&h)?;
            if gnorm <= opts.grad_tol {
                let hscale = eig.values.iter().fold(1.0f64, |m, x| m.max(x.abs()));
                let lmin = eig.values[0];
                if lmin < -1e-8 * hscale {
                    return Err(Error::NoConvergence {
                        method: method.into(),
                        reason: format!(
                            "reached a critical point that is not a minimum (smallest Hessian \
                             eigenvalue {lmin:e}) after {it} iterations"
                        ),
                    });
                }
                return Ok(Lambda0Minimum {
                    theta,
                    gradient_norm: gnorm,
                    iterations: it,
                    hessian_eigenvalues: eig.values,
                });
            }
            if it == opts.max_iter {
                return Err(Error::NoConvergence {
                    method: method.into(),
                    reason: format!(
                        "‖∇L‖ = {gnorm:e} > {:e} after {} iterations",
                        opts.grad_tol, opts.max_iter
                    ),
                });
            }
            // p = −Σ_k (v_kᵀg)/(|λ_k| + μ) v_k.
            let coeffs = eig.vectors.t().dot(&g);
            let scaled = Array1::from_shape_fn(n, |k| -coeffs[k] / (eig.values[k].abs() + gnorm));
            let p = eig.vectors.dot(&scaled);
            let l0 = obj.value(theta.view(), 0.0);
            let slope = g.dot(&p);
            // Slack for rounding in L near convergence, where true decreases fall below it.
            let slack = 16.0 * f64::EPSILON * l0.abs().max(1.0);
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let trial = &theta + &(&p * t);
                let l = obj.value(trial.view(), 0.0);
                if l.is_finite() && l <= l0 + 1e-4 * t * slope + slack {
                    theta = trial;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            if !accepted {
                return Err(Error::NoConvergence {
                    method: method.into(),
                    reason: format!("line search failed at iteration {it} with ‖∇L‖ = {gnorm:e}"),
                });
            }
        }
        unreachable!("the loop returns at it == max_iter")
    }
}

/// Options of [`ThreeLayer::lambda0_minimiser`].
///
/// ```
/// let o = actbif::models::deep::Lambda0Options::default();
/// assert_eq!(o.grad_tol, 1e-12);
/// assert_eq!(o.max_iter, 200);
/// assert_eq!(o.init_scale, 0.1);
/// assert_eq!(o.seed, 0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Lambda0Options {
    /// Stop when ‖∇L‖₂ ≤ this.
    pub grad_tol: f64,
    /// Maximum number of Newton steps.
    pub max_iter: usize,
    /// Start: θ entries uniform in [−init_scale, init_scale).
    pub init_scale: f64,
    /// Seed of the deterministic (SplitMix64) start.
    pub seed: u64,
}

impl Default for Lambda0Options {
    fn default() -> Self {
        Lambda0Options {
            grad_tol: 1e-12,
            max_iter: 200,
            init_scale: 0.1,
            seed: 0,
        }
    }
}

/// Result of [`ThreeLayer::lambda0_minimiser`].
#[derive(Clone, Debug)]
pub struct Lambda0Minimum {
    /// The minimiser θ*.
    pub theta: Array1<f64>,
    /// ‖∇L(θ*, 0)‖₂ (≤ the requested tolerance).
    pub gradient_norm: f64,
    /// Newton steps taken.
    pub iterations: usize,
    /// Eigenvalues of ∇²L(θ*, 0), ascending: for m₁ ≥ 2, m₁ − 1 of them vanish (rotation
    /// symmetry; see the [module documentation](self)).
    pub hessian_eigenvalues: Array1<f64>,
}

impl<A: Activation> GenericLoss for ThreeLayer<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        self.loss_generic(theta, lambda)
    }
}

/// Compile-time check that the three-layer model plugs into everything that takes an
/// [`Objective`].
const _: fn() = || {
    fn is_objective<O: Objective>() {}
    is_objective::<AdObjective<ThreeLayer<Builtin>>>();
};

/// The three-layer network of [`ThreeLayer`] with its second layer A frozen: only W is trained.
///
/// f(x) = Σ_k u_k h(Σ_j A_kj h(w_jᵀx, λ), λ), L(W, λ) = ½ E\[(f − y)²\] + α/2 ‖W‖²,
/// θ = vec(W) row-major (θ\[j·d + k\] = W\[j, k\]), n = m₁·d; A ∈ R^{m₂×m₁} and u ∈ R^{m₂} are
/// fixed. (The constant α/2‖A‖² of [`ThreeLayer`]'s loss is left out.)
///
/// Freezing A removes the rotation symmetry W ↦ QW, A ↦ AQᵀ that makes [`ThreeLayer`]'s
/// λ = 0 minimisers a continuum (see the [module documentation](self)): at λ = 0,
/// f(x) = cᵀWx with c = Aᵀu, the Hessian is (ccᵀ) ⊗ Σ + αI (positive definite for α > 0) and
/// the minimiser W₀ = c βᵀ, (‖c‖²Σ + αI) β = γ, is unique
/// ([`FixedSecondLayer::lambda0_minimiser`]), so continuation can start there.
#[derive(Clone, Debug)]
pub struct FixedSecondLayer<A: Activation = Builtin> {
    /// The same network with A trainable: data, u, α, σ and the forward pass.
    net: ThreeLayer<A>,
    a: Array2<f64>,
}

impl FixedSecondLayer<Builtin> {
    /// A small generic instance (d = 3, m₁ = 4, m₂ = 3, N = 200, tanh; n = 12 parameters),
    /// used by the `deep_network` example and its test. From `NumpyRng::new(seed)` in this
    /// order: X = randn(200, 3), ε = randn(200), A = randn(3, 4)/2; teacher
    /// y = X w_ℓ + 0.4 tanh(1.5 X w_nl) + 0.05 ε with the first three entries of the paper's
    /// w_ℓ and w_nl; u_k = 0.5 + k/2.
    ///
    /// ```
    /// let model = actbif::models::deep::FixedSecondLayer::small_teacher(10, 4e-3).unwrap();
    /// assert_eq!((model.input_dim(), model.hidden_width(), model.second_width()), (3, 4, 3));
    /// assert_eq!(model.n_params(), 12);
    /// ```
    pub fn small_teacher(seed: u32, alpha: f64) -> Result<Self> {
        const D: usize = 3;
        const M1: usize = 4;
        const M2: usize = 3;
        const N: usize = 200;
        let mut rng = NumpyRng::new(seed);
        let x = rng.randn2(N, D);
        let eps = rng.randn(N);
        let a = rng.randn2(M2, M1) / (M1 as f64).sqrt();
        let wl = Array1::from(PAPER_W_LINEAR[..D].to_vec());
        let wnl = Array1::from(PAPER_W_NONLINEAR[..D].to_vec());
        let y = x.dot(&wl) + x.dot(&wnl).mapv(|z| 0.4 * (1.5 * z).tanh()) + eps * PAPER_NOISE;
        FixedSecondLayer::new(
            Dataset { x, y },
            a,
            paper_output_weights(M2),
            alpha,
            Builtin::Tanh,
        )
    }
}

impl<A: Activation> FixedSecondLayer<A> {
    /// Builds a validated model: finite data, a finite second layer `a` (m₂ × m₁, both ≥ 1),
    /// finite output weights u with m₂ entries, α finite and ≥ 0, and an activation with
    /// σ(0) = 0, σ′(0) = 1.
    pub fn new(data: Dataset, a: Array2<f64>, u: Array1<f64>, alpha: f64, act: A) -> Result<Self> {
        if a.nrows() == 0 || a.ncols() == 0 {
            return Err(Error::shape(
                "second layer A",
                "m₂ × m₁ with m₁, m₂ ≥ 1",
                format!("{} × {}", a.nrows(), a.ncols()),
            ));
        }
        if u.len() != a.nrows() {
            return Err(Error::shape(
                "output weights u",
                format!("{} entries (rows of A)", a.nrows()),
                u.len(),
            ));
        }
        ensure_finite("second layer A", a.iter())?;
        let net = ThreeLayer::new(data, a.ncols(), u, alpha, act)?;
        Ok(FixedSecondLayer { net, a })
    }

    /// First hidden width m₁ (rows of W).
    pub fn hidden_width(&self) -> usize {
        self.a.ncols()
    }

    /// Second hidden width m₂.
    pub fn second_width(&self) -> usize {
        self.a.nrows()
    }

    /// Input dimension d.
    pub fn input_dim(&self) -> usize {
        self.net.input_dim()
    }

    /// Number of trained parameters n = m₁·d.
    pub fn n_params(&self) -> usize {
        self.hidden_width() * self.input_dim()
    }

    /// Tikhonov parameter α.
    pub fn alpha(&self) -> f64 {
        self.net.alpha()
    }

    /// The frozen second layer A (m₂ × m₁).
    pub fn second_layer(&self) -> &Array2<f64> {
        &self.a
    }

    /// Fixed output weights u.
    pub fn output_weights(&self) -> &Array1<f64> {
        self.net.output_weights()
    }

    /// The data set.
    pub fn data(&self) -> &Dataset {
        self.net.data()
    }

    /// The activation σ.
    pub fn activation(&self) -> &A {
        self.net.activation()
    }

    /// The same network as a [`ThreeLayer`] (with A trainable), for cross-checks:
    /// its loss at [`FixedSecondLayer::pack_three_layer`]`(θ)` is this loss plus α/2‖A‖².
    pub fn three_layer(&self) -> Result<ThreeLayer<A>>
    where
        A: Clone,
    {
        Ok(self.net.clone())
    }

    /// θ = vec(W) extended by the frozen vec(A): the [`ThreeLayer`] parameter vector.
    pub fn pack_three_layer(&self, theta: ArrayView1<f64>) -> Result<Array1<f64>> {
        let n = self.n_params();
        if theta.len() != n {
            return Err(Error::shape("θ", n, theta.len()));
        }
        Ok(theta.iter().chain(self.a.iter()).copied().collect())
    }

    /// The reference definition of the loss, generic over dual numbers (θ = vec(W)).
    pub fn loss_generic<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        assert_eq!(theta.len(), self.n_params(), "θ must have m₁·d entries");
        self.net.loss_with_second_layer(theta, lambda, |k, h1| {
            let mut z = D::from(0.0);
            for (h, akj) in h1.iter().zip(self.a.row(k)) {
                z += h.clone() * *akj;
            }
            z
        })
    }

    /// L(θ, λ) at a real point.
    pub fn loss(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.loss_generic(&theta.to_vec(), lambda)
    }

    /// The unique minimiser of L(·, 0) in closed form: θ₀ = vec(c βᵀ) with c = Aᵀu and
    /// (‖c‖²Σ + αI) β = γ (Σ = E\[xxᵀ\], γ = E\[xy\]). Errors if that system is singular
    /// (α = 0 with Σ singular or c = 0).
    pub fn lambda0_minimiser(&self) -> Result<Array1<f64>> {
        let c = self.a.t().dot(self.output_weights());
        let cc = c.dot(&c);
        let d = self.input_dim();
        let m = self.data().covariance() * cc + Array2::<f64>::eye(d) * self.alpha();
        let beta = crate::linalg::solve(&m, &self.data().cross_covariance())?;
        Ok(Array1::from_shape_fn(self.n_params(), |p| {
            c[p / d] * beta[p % d]
        }))
    }
}

impl<A: Activation> GenericLoss for FixedSecondLayer<A> {
    fn dim(&self) -> usize {
        self.n_params()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        self.loss_generic(theta, lambda)
    }
}

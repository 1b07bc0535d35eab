//! Generic automatic differentiation: any loss written once over num-dual's `DualNum`
//! becomes an [`Objective`].
//!
//! Every derivative is exact (forward-mode AD, no truncation error). Which dual type computes
//! what, and at what cost (n = [`GenericLoss::dim`], C = cost of one real loss evaluation):
//!
//! | method | dual type | cost |
//! |---|---|---|
//! | [`Objective::gradient`] | `DualDVec<f64>` | O(n·C) |
//! | [`Objective::hessian`] | `Dual2DVec<f64>` | O(n²·C) |
//! | [`Objective::hessian_vec`] | `DualDVec<Dual64>`, inner ε along u | O(n·C) |
//! | [`Objective::grad_lambda`] | `DualDVec<Dual64>`, inner ε on λ | O(n·C) |
//! | [`Objective::hessian_lambda`] | `Dual2DVec<Dual64>`, inner ε on λ | O(n²·C) |
//! | [`Objective::d3_vec`], [`AdObjective::directional`] | `DualDVec<Dual2_64>`, inner along u | O(n·C) |
//! | [`Objective::d3_mixed_vec`] | `DualDVec<HyperDual64>`, inner along u and v | O(n·C) |
//! | [`Objective::d3`] | `Dual3_64` along t ↦ L(θ + tu) | O(C) |
//! | [`Objective::d4`] | `Dual2<Dual2_64>` along t ↦ L(θ + tu) | O(C) |
//! | [`Objective::hessian_directional`] | `Dual2DVec<Dual64>`, inner ε along u | O(n²·C) |
//!
//! The dense Hessians carry an n × n block through every operation: fine for n up to a few
//! hundred, beyond that use [`Objective::hessian_vec`] (matrix-free, O(n·C)) in iterative
//! solvers instead. On the paper's two-layer model at m = 50 (n = 250, N = 500) one dense AD
//! Hessian takes tens of seconds against a fraction of a second for `hessian_vec`
//! (`cargo bench --bench ad`); the structured path of [`crate::models::two_layer::TwoLayer`] is the fast
//! route there. num-dual's `HyperHyperDual` stops at third order, so [`Objective::d4`] nests
//! second-order duals instead.

use super::{symmetrised, Objective};
use nalgebra::Dyn;
use ndarray::{Array1, Array2, ArrayView1};
use num_dual::{Dual2, Dual2Vec, Dual3_64, Dual64, DualNum, DualVec, HyperDual64};

type DualDVec<T> = DualVec<T, Dyn>;
type Dual2DVec<T> = Dual2Vec<T, Dyn>;

/// A loss L(θ, λ) written once, generic over dual numbers; wrap it in [`AdObjective`] to get
/// every exact derivative the continuation needs.
///
/// Closures cannot be generic over the number type, so a user-defined loss is a small struct
/// implementing this trait. Write `loss` with the arithmetic of [`DualNum`] (`+ − × ÷`,
/// `powi`, `exp`, `tanh`, ... and mixing with `f64`), never by reading `.re()` values into
/// branches that change the formula, and the same code yields values and derivatives of any
/// order.
///
/// # Example: a pitchfork
///
/// L(θ, λ) = θ₀⁴/4 − λθ₀²/2 + θ₁²/2 + θ₀θ₁²: θ = 0 is a minimum for λ < 0 and loses
/// stability at λ = 0.
///
/// ```
/// use actbif::derivatives::ad::{AdObjective, GenericLoss};
/// use actbif::Objective;
/// use ndarray::array;
/// use num_dual::DualNum;
///
/// struct Pitchfork;
///
/// impl GenericLoss for Pitchfork {
///     fn dim(&self) -> usize {
///         2
///     }
///     fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
///         let (a, b) = (theta[0].clone(), theta[1].clone());
///         a.powi(4) * 0.25 - lambda * a.powi(2) * 0.5 + b.powi(2) * 0.5 + a * b.powi(2)
///     }
/// }
///
/// let obj = AdObjective(Pitchfork);
/// let theta = array![1.0, 2.0];
/// // ∇L = (θ₀³ − λθ₀ + θ₁², θ₁ + 2θ₀θ₁) = (4.5, 6) at λ = 0.5.
/// assert_eq!(obj.gradient(theta.view(), 0.5), array![4.5, 6.0]);
/// // H = [[3θ₀² − λ, 2θ₁], [2θ₁, 1 + 2θ₀]] = [[2.5, 4], [4, 3]].
/// assert_eq!(obj.hessian(theta.view(), 0.5), array![[2.5, 4.0], [4.0, 3.0]]);
/// // ∂λ∇L = (−θ₀, 0).
/// assert_eq!(obj.grad_lambda(theta.view(), 0.5), array![-1.0, 0.0]);
/// // Along u = e₀: D³L[u,u,u] = 6θ₀ = 6 and D⁴L[u,u,u,u] = 6.
/// let u = array![1.0, 0.0];
/// assert_eq!(obj.d3(theta.view(), 0.5, u.view()), 6.0);
/// assert_eq!(obj.d4(theta.view(), 0.5, u.view()), 6.0);
/// ```
pub trait GenericLoss: Send + Sync {
    /// Number of parameters n.
    fn dim(&self) -> usize;
    /// L(θ, λ) for any dual number type (θ has `dim()` entries).
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D;
}

/// A reference to a loss is a loss (so `AdObjective(&model)` borrows).
impl<L: GenericLoss + ?Sized> GenericLoss for &L {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        (**self).loss(theta, lambda)
    }
}

/// Exact derivatives of a [`GenericLoss`] by forward-mode AD (num-dual); see the
/// [module documentation](self) for the dual type and cost of each method.
#[derive(Clone, Debug)]
pub struct AdObjective<L>(pub L);

/// Everything one `DualDVec<Dual2_64>` pass along a direction u yields
/// ([`AdObjective::directional`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Directional {
    /// L(θ, λ).
    pub value: f64,
    /// DL\[u\] = ∇Lᵀu.
    pub d1: f64,
    /// D²L\[u, u\] = uᵀHu.
    pub d2: f64,
    /// ∇L (n).
    pub gradient: Array1<f64>,
    /// H u (n).
    pub hessian_u: Array1<f64>,
    /// D³L\[u, u, ·\] (n).
    pub d3_vec: Array1<f64>,
}

impl<L: GenericLoss> AdObjective<L> {
    /// Wraps a loss.
    pub fn new(loss: L) -> Self {
        AdObjective(loss)
    }

    /// The wrapped loss.
    pub fn loss(&self) -> &L {
        &self.0
    }

    /// ∇L, Hu, DL\[u\], D²L\[u, u\] and D³L\[u, u, ·\] together, from one `DualDVec<Dual2_64>` pass
    /// (θ + tu with t an inner second-order dual, outer gradient): O(n·C), the cost of
    /// [`Objective::d3_vec`] alone.
    pub fn directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Directional {
        let t = self.along(theta, u, |t, ui| Dual2::new(t, ui, 0.0));
        let (v, g) = grad_pass(&self.0, t, Dual2::from_re(lambda));
        Directional {
            value: v.re,
            d1: v.v1,
            d2: v.v2,
            gradient: g.iter().map(|x| x.re).collect(),
            hessian_u: g.iter().map(|x| x.v1).collect(),
            d3_vec: g.iter().map(|x| x.v2).collect(),
        }
    }

    /// θ + tu with t inner: entry i is `seed(θ_i, u_i)` (after checking both lengths).
    fn along<T>(
        &self,
        theta: ArrayView1<f64>,
        u: ArrayView1<f64>,
        seed: impl Fn(f64, f64) -> T,
    ) -> Vec<T> {
        self.check(theta);
        self.check_dir(u);
        theta
            .iter()
            .zip(u.iter())
            .map(|(&t, &ui)| seed(t, ui))
            .collect()
    }

    fn check(&self, theta: ArrayView1<f64>) {
        assert_eq!(
            theta.len(),
            self.0.dim(),
            "θ must have dim() = {} entries",
            self.0.dim()
        );
    }

    fn check_dir(&self, u: ArrayView1<f64>) {
        assert_eq!(
            u.len(),
            self.0.dim(),
            "direction must have dim() = {} entries",
            self.0.dim()
        );
    }
}

/// One gradient pass with outer `DualDVec<T>` seeded on the identity: returns (L, ∇L) with
/// entries in the inner type `T` (which carries whatever inner seeding the caller chose).
fn grad_pass<L: GenericLoss, T: DualNum<Primitive = f64>>(
    loss: &L,
    theta: Vec<T>,
    lambda: T,
) -> (T, Vec<T>) {
    let n = theta.len();
    let x: Vec<DualDVec<T>> = theta
        .into_iter()
        .enumerate()
        .map(|(i, t)| DualDVec::from_re(t).derivative(n, i))
        .collect();
    let r = loss.loss(&x, DualDVec::from_re(lambda));
    let g = match r.eps.0 {
        Some(m) => m.iter().cloned().collect(),
        None => vec![T::zero(); n],
    };
    (r.re, g)
}

/// One dense Hessian pass with outer `Dual2DVec<T>`: returns H row-major (n²) in the inner
/// type `T`.
fn hess_pass<L: GenericLoss, T: DualNum<Primitive = f64>>(
    loss: &L,
    theta: Vec<T>,
    lambda: T,
) -> Vec<T> {
    let n = theta.len();
    let x: Vec<Dual2DVec<T>> = theta
        .into_iter()
        .enumerate()
        .map(|(i, t)| Dual2DVec::from_re(t).derivative(n, i))
        .collect();
    let r = loss.loss(&x, Dual2DVec::from_re(lambda));
    match r.v2.0 {
        Some(m) => {
            let mut out = Vec::with_capacity(n * n);
            for i in 0..n {
                for j in 0..n {
                    out.push(m[(i, j)].clone());
                }
            }
            out
        }
        None => vec![T::zero(); n * n],
    }
}

/// n × n from row-major entries, symmetrised: nested inner duals combine the two mixed
/// partials in different floating-point orders, so they can differ in the last bit.
fn square(n: usize, entries: impl Iterator<Item = f64>) -> Array2<f64> {
    symmetrised(Array2::from_shape_vec((n, n), entries.collect()).expect("n² entries"))
}

impl<L: GenericLoss> Objective for AdObjective<L> {
    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.check(theta);
        let t = theta.to_vec();
        self.0.loss(&t, lambda)
    }

    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.check(theta);
        Array1::from(grad_pass(&self.0, theta.to_vec(), lambda).1)
    }

    /// Dense `Dual2DVec` pass: O(n²) work per operation of the loss; for n beyond a few
    /// hundred prefer [`Objective::hessian_vec`].
    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        self.check(theta);
        let h = hess_pass(&self.0, theta.to_vec(), lambda);
        square(self.0.dim(), h.into_iter())
    }

    /// One `DualDVec<Dual64>` pass at θ + εu: the outer gradient of L + ε DL\[u\] has ε-part
    /// ∇(DL\[u\]) = Hu. O(n) work per operation; never forms H.
    fn hessian_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let t = self.along(theta, u, Dual64::new);
        let g = grad_pass(&self.0, t, Dual64::from_re(lambda)).1;
        g.iter().map(|x| x.eps).collect()
    }

    fn grad_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.check(theta);
        let t = theta.iter().map(|&t| Dual64::from_re(t)).collect();
        let g = grad_pass(&self.0, t, Dual64::new(lambda, 1.0)).1;
        g.iter().map(|x| x.eps).collect()
    }

    fn hessian_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        self.check(theta);
        let t = theta.iter().map(|&t| Dual64::from_re(t)).collect();
        let h = hess_pass(&self.0, t, Dual64::new(lambda, 1.0));
        square(self.0.dim(), h.iter().map(|x| x.eps))
    }

    fn d3_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        self.directional(theta, lambda, u).d3_vec
    }

    /// One `DualDVec<HyperDual64>` pass (θ + s u + t v): the ε₁ε₂ part of the outer gradient.
    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        self.check(theta);
        self.check_dir(u);
        self.check_dir(v);
        let t = theta
            .iter()
            .zip(u.iter().zip(v.iter()))
            .map(|(&t, (&ui, &vi))| HyperDual64::new(t, ui, vi, 0.0))
            .collect();
        let g = grad_pass(&self.0, t, HyperDual64::from_re(lambda)).1;
        g.iter().map(|x| x.eps1eps2).collect()
    }

    /// Third derivative of t ↦ L(θ + tu) by one scalar `Dual3_64` pass.
    fn d3(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        let t = self.along(theta, u, |t, ui| Dual3_64::new(t, ui, 0.0, 0.0));
        self.0.loss(&t, Dual3_64::from_re(lambda)).v3
    }

    /// Fourth derivative of t ↦ L(θ + tu) by one `Dual2<Dual2_64>` pass: the argument is
    /// θ + (s + t)u with s outer, t inner; num-dual's `v2` is the full second derivative, so
    /// `v2.v2` = ∂s²∂t² = g⁗(0).
    fn d4(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        let t = self.along(theta, u, |t, ui| {
            Dual2::new(
                Dual2::new(t, ui, 0.0),
                Dual2::from_re(ui),
                Dual2::from_re(0.0),
            )
        });
        let lam = Dual2::from_re(Dual2::from_re(lambda));
        self.0.loss(&t, lam).v2.v2
    }

    /// Dense `Dual2DVec<Dual64>` pass at θ + εu: the ε-part of the Hessian. O(n²) work per
    /// operation, like [`Objective::hessian`].
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        let t = self.along(theta, u, Dual64::new);
        let h = hess_pass(&self.0, t, Dual64::from_re(lambda));
        square(self.0.dim(), h.iter().map(|x| x.eps))
    }
}

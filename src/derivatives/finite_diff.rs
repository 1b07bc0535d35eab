//! Finite-difference baselines (the paper's method): forward-difference Hessian of the
//! analytic gradient (ε = 1e-5), and a [`FiniteDifference`] wrapper whose every higher
//! derivative comes from difference stencils of an inner objective's value and gradient.
//! For comparison and benchmarking only.
//!
//! # Steps: truncation versus round-off
//!
//! A k-th difference with step h of a function known to relative precision ε_mach ≈ 1.1e-16
//! has round-off error ~ ε_mach·|F|/h^k and truncation error ~ h^p·|F^(k+p)| (p = 2 for central,
//! p = 1 for forward stencils). For central stencils the total is smallest near
//! h ≈ ε_mach^{1/(k+2)}: ≈ 5e-6 (k = 1), 1e-4 (k = 2), 7e-4 (k = 3), 2.4e-3 (k = 4), giving
//! best-case relative errors ≈ ε_mach^{2/(k+2)}: 2e-11, 1e-8, 4e-7, 6e-6. The defaults in
//! [`FdSteps`] follow this (assuming θ and the loss are O(1); directions are normalised before
//! stepping). Differences of the *exact gradient* ([`HigherOrder::Gradient`], the default) need
//! one order less than differences of values and are therefore more accurate for D³L and D⁴L.

/// The paper's forward-difference step ε = 1e-5.
pub const PAPER_FD_STEP: f64 = 1e-5;

use super::{from_unit_columns, symmetrised, Objective};
use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};

/// The paper's Hessian: forward differences of the analytic gradient with step `eps`,
/// symmetrised, H_{:,k} ≈ (∇L(θ + ε e_k) − ∇L(θ))/ε. Costs n + 1 gradient evaluations.
pub fn forward_hessian<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    eps: f64,
) -> Array2<f64> {
    let n = obj.dim();
    let g0 = obj.gradient(theta, lambda);
    let mut h = Array2::zeros((n, n));
    let mut t = theta.to_owned();
    for k in 0..n {
        let orig = t[k];
        t[k] = orig + eps;
        let g = obj.gradient(t.view(), lambda);
        t[k] = orig;
        h.column_mut(k).assign(&((g - &g0) / eps));
    }
    symmetrised(h)
}

/// Difference stencil family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StepScheme {
    /// One-sided stencils on 0, h, …, k·h: error O(h).
    Forward,
    /// Symmetric stencils: error O(h²).
    #[default]
    Central,
}

/// Where derivatives of order ≥ 3 (D³L\[u³\], D⁴L\[u⁴\]) come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HigherOrder {
    /// The paper's 1-D stencils on t ↦ L(θ + tu): third and fourth differences of values.
    Value,
    /// Second and third differences of t ↦ ∇L(θ + tu)·u (one order fewer: more accurate).
    #[default]
    Gradient,
}

/// Steps for k-th differences (k = 1..=4), in units of θ (directions are normalised first).
///
/// ```
/// use actbif::derivatives::finite_diff::FdSteps;
/// let s = FdSteps::default();
/// assert_eq!([s.first, s.second, s.third, s.fourth], [1e-5, 1e-4, 1e-3, 2e-3]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FdSteps {
    /// First differences of the gradient: Hessian, Hv, ∂λ∇L (paper: 1e-5).
    pub first: f64,
    /// Second differences: ∂λH, D³L\[u,u,·\], D³L\[u³\] from gradients.
    pub second: f64,
    /// Third differences: D³L\[u³\] from values, D⁴L\[u⁴\] from gradients.
    pub third: f64,
    /// Fourth differences: D⁴L\[u⁴\] from values.
    pub fourth: f64,
}

impl Default for FdSteps {
    fn default() -> Self {
        FdSteps {
            first: PAPER_FD_STEP,
            second: 1e-4,
            third: 1e-3,
            fourth: 2e-3,
        }
    }
}

impl FdSteps {
    /// All four steps equal to `h` (for convergence studies).
    pub fn uniform(h: f64) -> Self {
        FdSteps {
            first: h,
            second: h,
            third: h,
            fourth: h,
        }
    }

    fn for_order(&self, k: usize) -> f64 {
        match k {
            1 => self.first,
            2 => self.second,
            3 => self.third,
            _ => self.fourth,
        }
    }
}

/// Configuration of [`FiniteDifference`].
///
/// ```
/// use actbif::derivatives::finite_diff::{FdConfig, HigherOrder, StepScheme};
/// let c = FdConfig::default();
/// assert_eq!(c.scheme, StepScheme::Central);
/// assert_eq!(c.higher, HigherOrder::Gradient);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct FdConfig {
    /// Stencil family.
    pub scheme: StepScheme,
    /// Steps per difference order.
    pub steps: FdSteps,
    /// Source of D³L\[u³\] and D⁴L\[u⁴\].
    pub higher: HigherOrder,
}

/// (offset in steps, weight) of the k-th difference, k = 1..=4; divide by h^k.
fn stencil(scheme: StepScheme, k: usize) -> Vec<(f64, f64)> {
    match scheme {
        StepScheme::Central => match k {
            1 => vec![(-1.0, -0.5), (1.0, 0.5)],
            2 => vec![(-1.0, 1.0), (0.0, -2.0), (1.0, 1.0)],
            3 => vec![(-2.0, -0.5), (-1.0, 1.0), (1.0, -1.0), (2.0, 0.5)],
            4 => vec![
                (-2.0, 1.0),
                (-1.0, -4.0),
                (0.0, 6.0),
                (1.0, -4.0),
                (2.0, 1.0),
            ],
            _ => unreachable!("difference order {k}"),
        },
        StepScheme::Forward => {
            // Δ^k f(0) = Σ_i (−1)^{k−i} C(k, i) f(i h).
            let mut out = Vec::with_capacity(k + 1);
            let mut binom = 1.0;
            for i in 0..=k {
                let sign = if (k - i).is_multiple_of(2) { 1.0 } else { -1.0 };
                out.push((i as f64, sign * binom));
                binom = binom * (k - i) as f64 / (i + 1) as f64;
            }
            out
        }
    }
}

/// Applies the k-th difference stencil with step h to t ↦ f(t) (vector valued).
fn difference<F: FnMut(f64) -> Array1<f64>>(
    scheme: StepScheme,
    k: usize,
    h: f64,
    mut f: F,
) -> Array1<f64> {
    let mut acc: Option<Array1<f64>> = None;
    for (off, wgt) in stencil(scheme, k) {
        let val = f(off * h) * wgt;
        acc = Some(match acc {
            None => val,
            Some(a) => a + val,
        });
    }
    acc.expect("non-empty stencil") / h.powi(k as i32)
}

fn difference_scalar<F: FnMut(f64) -> f64>(scheme: StepScheme, k: usize, h: f64, mut f: F) -> f64 {
    stencil(scheme, k)
        .into_iter()
        .map(|(off, wgt)| wgt * f(off * h))
        .sum::<f64>()
        / h.powi(k as i32)
}

/// An [`Objective`] whose derivatives beyond the gradient are difference quotients of the
/// inner objective's `value` and `gradient` (nothing else of the inner objective is used).
#[derive(Clone, Debug)]
pub struct FiniteDifference<O> {
    /// The objective supplying L and ∇L.
    pub inner: O,
    /// Stencils and steps.
    pub config: FdConfig,
}

impl<O: Objective> FiniteDifference<O> {
    /// Wraps `inner` with the given configuration.
    pub fn new(inner: O, config: FdConfig) -> Self {
        FiniteDifference { inner, config }
    }

    fn step(&self, k: usize) -> f64 {
        self.config.steps.for_order(k)
    }

    /// Unit direction and its norm (zero directions give (u, 0)).
    fn normalise(u: ArrayView1<f64>) -> (Array1<f64>, f64) {
        let nrm = u.dot(&u).sqrt();
        if nrm > 0.0 {
            (&u / nrm, nrm)
        } else {
            (u.to_owned(), 0.0)
        }
    }

    fn shifted(theta: ArrayView1<f64>, t: f64, u: &Array1<f64>) -> Array1<f64> {
        &theta + &(u * t)
    }

    /// ∇L(θ + t u, λ) as a function of t.
    fn grad_along(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: &Array1<f64>,
        t: f64,
    ) -> Array1<f64> {
        self.inner
            .gradient(Self::shifted(theta, t, u).view(), lambda)
    }

    /// The `order`-th derivative of t ↦ L(θ + t u) (order 3 or 4): a difference of values, or
    /// one order lower of t ↦ ∇L(θ + t û)ᵀû, per [`FdConfig::higher`].
    fn derivative_along(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        order: usize,
    ) -> f64 {
        let (e, nrm) = Self::normalise(u);
        let sc = self.config.scheme;
        let val = match self.config.higher {
            HigherOrder::Value => difference_scalar(sc, order, self.step(order), |t| {
                self.inner.value(Self::shifted(theta, t, &e).view(), lambda)
            }),
            HigherOrder::Gradient => difference_scalar(sc, order - 1, self.step(order - 1), |t| {
                self.grad_along(theta, lambda, &e, t).dot(&e)
            }),
        };
        val * nrm.powi(order as i32)
    }

    /// Mixed derivative ∂_t ∂_s ∇L(θ + t a + s b, λ) (or ∂_t ∂_λ ∇L(θ + t a, λ) when `b` is
    /// `None`) by the tensor product of two first differences with the second-order step.
    fn mixed(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        a: &Array1<f64>,
        b: Option<&Array1<f64>>,
    ) -> Array1<f64> {
        let h = self.step(2);
        let sc = self.config.scheme;
        difference(sc, 1, h, |t| {
            difference(sc, 1, h, |s| match b {
                Some(b) => self
                    .inner
                    .gradient((&theta + &(a * t) + &(b * s)).view(), lambda),
                None => self.inner.gradient((&theta + &(a * t)).view(), lambda + s),
            })
        })
    }
}

impl<O: Objective> Objective for FiniteDifference<O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn value(&self, theta: ArrayView1<f64>, lambda: f64) -> f64 {
        self.inner.value(theta, lambda)
    }

    fn gradient(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.inner.gradient(theta, lambda)
    }

    /// Columns are first differences of the gradient along e_k, then symmetrised.
    fn hessian(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        symmetrised(from_unit_columns(self.dim(), |e| {
            difference(self.config.scheme, 1, self.step(1), |t| {
                self.grad_along(theta, lambda, e, t)
            })
        }))
    }

    fn hessian_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let (e, nrm) = Self::normalise(u);
        difference(self.config.scheme, 1, self.step(1), |t| {
            self.grad_along(theta, lambda, &e, t)
        }) * nrm
    }

    fn grad_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        difference(self.config.scheme, 1, self.step(1), |s| {
            self.inner.gradient(theta, lambda + s)
        })
    }

    /// Column k: ∂λ∂_k∇L by a mixed second difference (4 gradients per column, central).
    fn hessian_lambda(&self, theta: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        symmetrised(from_unit_columns(self.dim(), |e| {
            self.mixed(theta, lambda, e, None)
        }))
    }

    /// Second difference of t ↦ ∇L(θ + t û), times ‖u‖².
    fn d3_vec(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let (e, nrm) = Self::normalise(u);
        difference(self.config.scheme, 2, self.step(2), |t| {
            self.grad_along(theta, lambda, &e, t)
        }) * (nrm * nrm)
    }

    fn d3_mixed_vec(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
        v: ArrayView1<f64>,
    ) -> Array1<f64> {
        let (a, na) = Self::normalise(u);
        let (b, nb) = Self::normalise(v);
        self.mixed(theta, lambda, &a, Some(&b)) * (na * nb)
    }

    fn d3(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        self.derivative_along(theta, lambda, u, 3)
    }

    fn d4(&self, theta: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        self.derivative_along(theta, lambda, u, 4)
    }

    /// Column k: ∂_t ∂_k ∇L(θ + t û) by a mixed second difference, times ‖u‖.
    fn hessian_directional(
        &self,
        theta: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        let (a, nrm) = Self::normalise(u);
        symmetrised(from_unit_columns(self.dim(), |e| {
            self.mixed(theta, lambda, &a, Some(e))
        })) * nrm
    }
}

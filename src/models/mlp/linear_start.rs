//! The λ = 0 minimisers of the MLP with every layer trained: a deep linear network with
//! Tikhonov α on every W_l, whose minimisers form a product of spheres.
//!
//! At λ = 0, f(x) = pᵀx with p = (W_{L−1}⋯W_0)ᵀ ∈ R^d, and
//! L(θ, 0) = ½pᵀΣp − γᵀp + ½E\[y²\] + α/2 Σ_l ‖W_l‖² (Σ = E\[xxᵀ\], γ = E\[xy\]).
//!
//! **Fixed p.** ‖p‖ ≤ Π_l ‖W_l‖₂ ≤ Π_l ‖W_l‖_F and AM–GM give Σ_l ‖W_l‖_F² ≥ L‖p‖^{2/L}, with
//! equality iff every W_l is rank 1 with singular value s = ‖p‖^{1/L} and consecutive singular
//! vectors aligned: W_l = s u_{l+1} u_lᵀ with u_0 = p/‖p‖, u_L = (1) and unit u_l ∈ R^{n_l}
//! (the balanced factorisation). So every minimiser is balanced and rank 1, and
//! min_θ L(θ, 0) = min_p g(p) + ½E\[y²\], g(p) = ½pᵀΣp − γᵀp + (αL/2)‖p‖^{2/L}.
//!
//! **The reduced problem.** A critical p ≠ 0 of g solves (Σ + α‖p‖^{2/L−2} I)p = γ, so it is
//! p(r) = (Σ + αr^{2/L−2}I)⁻¹γ at a root of ‖p(r)‖ = r; ‖p(r)‖ ≤ ‖Σ⁺γ‖ bounds the roots,
//! which [`Mlp::balanced_start`] brackets on a log grid. For L ≥ 3 the penalty is concave
//! in ‖p‖, θ = 0 is a strict local minimum (Hessian αI) and competes with the best root.
//!
//! **The manifold.** For the global p* ≠ 0 the minimisers are {θ(u_1, …, u_{L−1})}, one point
//! per choice of unit vectors (u_l determines W_{l−1} given u_{l−1}: the map is injective), so
//! the manifold is Π_l S^{n_l−1}: dimension Σ_l (n_l − 1), χ = Π_l (1 + (−1)^{n_l−1}). It is
//! one orbit of Π_l O(n_l) (W_l ↦ G_{l+1}W_lG_lᵀ), which acts transitively on each sphere with
//! stabiliser O(n_l − 1): dim O(n) − dim O(n − 1) = n − 1 per layer, the same count.
//! [`Mlp::orbit_tangents`] spans the tangent space numerically, to check it against the
//! kernel of the λ = 0 Hessian (equal when the manifold is non-degenerate, Morse–Bott).

use super::Mlp;
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::linalg;
use ndarray::{Array1, Array2};

/// Log-grid points per decade when bracketing the roots of ‖p(r)‖ = r.
const GRID_PER_DECADE: usize = 40;
/// Decades below ‖Σ⁺γ‖ the grid reaches.
const GRID_DECADES: usize = 14;

/// The global λ = 0 minimiser of the all-trained MLP in reduced form.
#[derive(Clone, Debug)]
pub struct BalancedStart {
    /// End-to-end map p* (f(x) = p*ᵀx); zero when θ = 0 is the global minimiser.
    pub p: Array1<f64>,
    /// Singular value of every factor, s = ‖p*‖^{1/L}.
    pub scale: f64,
    /// L(θ*, 0).
    pub loss: f64,
    /// L(0, 0) = ½E\[y²\] (the strict local minimum θ = 0 for L ≥ 3).
    pub zero_loss: f64,
    /// Norms r of every critical p ≠ 0 of the reduced problem (roots of ‖p(r)‖ = r).
    pub roots: Vec<f64>,
    /// Predicted dimension Σ_l (n_l − 1) of the minimiser manifold (0 when p* = 0).
    pub dimension: usize,
    /// χ of the manifold Π_l S^{n_l−1} (1 for a point).
    pub euler_characteristic: i64,
}

impl<A: Activation> Mlp<A> {
    /// The global minimiser of L(·, 0) with every layer trained, in reduced form (module docs).
    pub fn balanced_start(&self) -> Result<BalancedStart> {
        let depth = self.depth();
        if self.trained != (0..depth).collect::<Vec<_>>() {
            return Err(Error::param(
                "trained",
                format!("the balanced λ = 0 manifold needs every layer trained (`--trained all`), got {:?}", self.trained),
            ));
        }
        let eig = linalg::sym_eigen(&self.data.covariance())?;
        let g = eig.vectors.t().dot(&self.data.cross_covariance());
        let lam = eig.values.mapv(|x| x.max(0.0));
        let (alpha, l) = (self.alpha, depth as f64);
        // ‖p(r)‖ in Σ's eigenbasis; components with λ_i + c = 0 (α = 0, null Σ) carry g_i = 0.
        let norm_p = |r: f64| {
            let c = alpha * r.powf(2.0 / l - 2.0);
            g.iter()
                .zip(lam.iter())
                .filter(|(_, &li)| li + c > 0.0)
                .map(|(gi, li)| (gi / (li + c)).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let p_of = |r: f64| {
            let c = alpha * r.powf(2.0 / l - 2.0);
            let q = Array1::from_shape_fn(g.len(), |i| {
                let den = lam[i] + c;
                if den > 0.0 {
                    g[i] / den
                } else {
                    0.0
                }
            });
            eig.vectors.dot(&q)
        };
        let y2 = self.data.y.dot(&self.data.y) / self.data.n_samples() as f64;
        let sigma = self.data.covariance();
        let gamma = self.data.cross_covariance();
        let reduced = |p: &Array1<f64>| {
            let r: f64 = p.dot(p).sqrt();
            0.5 * p.dot(&sigma.dot(p)) - gamma.dot(p) + 0.5 * alpha * l * r.powf(2.0 / l) + 0.5 * y2
        };
        let r_max = norm_p(1e300).max(f64::MIN_POSITIVE);
        let roots = if depth == 1 {
            vec![norm_p(1.0)] // c = α for every r: the ridge solution
        } else {
            bracket_roots(|r| norm_p(r) - r, r_max * 1.01)
        };
        let zero_loss = 0.5 * y2;
        let best = roots
            .iter()
            .map(|&r| (r, reduced(&p_of(r))))
            .filter(|&(_, v)| v < zero_loss || depth < 3)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let widths = &self.layers[1..depth];
        let (p, loss, dimension, chi) = match best {
            Some((r, v)) => (
                p_of(r),
                v,
                widths.iter().map(|n| n - 1).sum(),
                widths
                    .iter()
                    .map(|&n| if n % 2 == 1 { 2 } else { 0 })
                    .product(),
            ),
            None => (Array1::zeros(g.len()), zero_loss, 0, 1),
        };
        let scale = p.dot(&p).sqrt().powf(1.0 / l);
        Ok(BalancedStart {
            p,
            scale,
            loss,
            zero_loss,
            roots,
            dimension,
            euler_characteristic: chi,
        })
    }

    /// θ(u_1, …, u_{L−1}) on the manifold: W_l = s u_{l+1}u_lᵀ (u_0 = p*/‖p*‖, u_L = (1));
    /// each `units[l − 1]` ∈ R^{n_l} is normalised here. θ = 0 when p* = 0.
    pub fn balanced_theta(&self, start: &BalancedStart, units: &[Array1<f64>]) -> Array1<f64> {
        let depth = self.depth();
        assert_eq!(units.len(), depth - 1, "one unit vector per hidden layer");
        let r = start.p.dot(&start.p).sqrt();
        if r == 0.0 {
            return Array1::zeros(self.n_params);
        }
        let mut u: Vec<Array1<f64>> = vec![&start.p / r];
        for v in units {
            u.push(v / v.dot(v).sqrt());
        }
        u.push(Array1::ones(1));
        let mut theta = Vec::with_capacity(self.n_params);
        for l in 0..depth {
            for &a in u[l + 1].iter() {
                theta.extend(u[l].iter().map(|&b| start.scale * a * b));
            }
        }
        Array1::from(theta)
    }

    /// The point of the manifold with u_l = (1, …, 1)/√n_l.
    pub fn balanced_point(&self, start: &BalancedStart) -> Array1<f64> {
        let units: Vec<Array1<f64>> = self.layers[1..self.depth()]
            .iter()
            .map(|&n| Array1::ones(n))
            .collect();
        self.balanced_theta(start, &units)
    }

    /// The infinitesimal Π_l O(n_l) action at θ (every layer trained): one column per hidden
    /// layer l and pair i < j, δW_{l−1} = A W_{l−1}, δW_l = −W_l A with A = e_ieⱼᵀ − eⱼeᵢᵀ.
    pub fn orbit_tangents(&self, theta: ndarray::ArrayView1<f64>) -> Array2<f64> {
        let depth = self.depth();
        let mut cols: Vec<Array1<f64>> = Vec::new();
        for l in 1..depth {
            let (prev, next) = (self.layer_at(theta, l - 1), self.layer_at(theta, l));
            let n = self.layers[l];
            for i in 0..n {
                for j in i + 1..n {
                    let mut t = Array1::<f64>::zeros(self.n_params);
                    let (o_prev, o_next) = (
                        self.offsets[l - 1].unwrap_or(0),
                        self.offsets[l].unwrap_or(0),
                    );
                    let c_prev = self.layers[l - 1];
                    for k in 0..c_prev {
                        // (A W)[i, k] = W[j, k], (A W)[j, k] = −W[i, k].
                        t[o_prev + i * c_prev + k] = prev[[j, k]];
                        t[o_prev + j * c_prev + k] = -prev[[i, k]];
                    }
                    for a in 0..self.layers[l + 1] {
                        // (−W A)[a, i] = W[a, j], (−W A)[a, j] = −W[a, i].
                        t[o_next + a * n + i] = next[[a, j]];
                        t[o_next + a * n + j] = -next[[a, i]];
                    }
                    cols.push(t);
                }
            }
        }
        let mut out = Array2::zeros((self.n_params, cols.len()));
        for (c, col) in cols.iter().enumerate() {
            out.column_mut(c).assign(col);
        }
        out
    }
}

/// Numerical rank of the columns of `t`: eigenvalues of tᵀt above `rtol`·max.
pub fn column_rank(t: &Array2<f64>, rtol: f64) -> Result<usize> {
    if t.ncols() == 0 {
        return Ok(0);
    }
    let ev = linalg::sym_eigenvalues(&t.t().dot(t))?;
    let top = ev.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    Ok(ev.iter().filter(|&&x| x > rtol * top).count())
}

/// Roots of φ on (0, r_max]: sign changes on a log grid, refined by bisection.
fn bracket_roots(phi: impl Fn(f64) -> f64, r_max: f64) -> Vec<f64> {
    let n = GRID_PER_DECADE * GRID_DECADES;
    let r_at = |k: usize| r_max * 10f64.powf(-(GRID_DECADES as f64) * (1.0 - k as f64 / n as f64));
    let mut roots = Vec::new();
    let (mut a, mut fa) = (r_at(0), phi(r_at(0)));
    for k in 1..=n {
        let b = r_at(k);
        let fb = phi(b);
        if fa == 0.0 {
            roots.push(a);
        } else if fa * fb < 0.0 {
            let (mut lo, mut hi, mut flo) = (a, b, fa);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                let fm = phi(mid);
                if (fm < 0.0) == (flo < 0.0) {
                    (lo, flo) = (mid, fm);
                } else {
                    hi = mid;
                }
                if hi - lo <= 1e-15 * hi {
                    break;
                }
            }
            roots.push(0.5 * (lo + hi));
        }
        (a, fa) = (b, fb);
    }
    roots
}

//! Which points of the λ = 0 minimiser sphere continue into λ > 0 (both layers trained).
//!
//! On the sphere θ(u) = [s·u bᵀ, s·u] the network is f = p*ᵀx for every u, so the residual
//! r(x) = p*ᵀx − y is the same everywhere on it, and the first-order change of the loss,
//! F(u) = ∂λL(θ(u), 0) = E\[r Σⱼ vⱼ (σ(zⱼ) − zⱼ)\] with zⱼ = s uⱼ t, t = bᵀx, vⱼ = s uⱼ,
//! is separable: F(u) = Σⱼ φ(uⱼ), φ(a) = s·E\[r·a·(σ(s a t) − s a t)\]. Only critical points of
//! F on S^{m−1} continue into λ > 0 (first-order Lyapunov–Schmidt on the orbit). They solve
//! φ′(uⱼ) = 2µuⱼ, |u| = 1: found by Newton on that system from many starts, deduplicated up
//! to permutations of units (and sign flips of units when σ is odd). Each gets its Morse index
//! on the sphere (the Lagrangian's Hessian on the tangent space) and its orbit size; Σ(−1)ᵏ
//! over all of them, orbits counted with their size, must be χ(S^{m−1}) = 1 + (−1)^{m−1} when
//! none was missed.

use crate::activation::Activation;
use crate::data::Dataset;
use crate::linalg::{norm, solve, sym_eigenvalues, SplitMix64};
use ndarray::{Array1, Array2, ArrayView1};

/// φ and its first two derivatives at a (the separable part of F).
pub struct Phi<'a, A: Activation> {
    act: &'a A,
    s: f64,
    /// (tᵢ = bᵀxᵢ, rᵢ) per sample.
    samples: Vec<(f64, f64)>,
}

impl<'a, A: Activation> Phi<'a, A> {
    /// φ for the sphere (s, b, p*) on `data`.
    pub fn new(act: &'a A, data: &Dataset, s: f64, b: ArrayView1<f64>, p: ArrayView1<f64>) -> Self {
        let samples = data
            .x
            .outer_iter()
            .zip(data.y.iter())
            .map(|(x, &y)| (b.dot(&x), p.dot(&x) - y))
            .collect();
        Phi { act, s, samples }
    }

    /// (φ(a), φ′(a), φ″(a)).
    pub fn eval(&self, a: f64) -> (f64, f64, f64) {
        let s = self.s;
        let n = self.samples.len() as f64;
        let (mut f0, mut f1, mut f2) = (0.0, 0.0, 0.0);
        for &(t, r) in &self.samples {
            let z = s * a * t;
            let d = self.act.derivs(z);
            // g(a) = σ(s a t) − s a t and its a-derivatives.
            let g = d[0] - z;
            let g1 = s * t * (d[1] - 1.0);
            let g2 = s * s * t * t * d[2];
            f0 += r * a * g;
            f1 += r * (g + a * g1);
            f2 += r * (2.0 * g1 + a * g2);
        }
        (s * f0 / n, s * f1 / n, s * f2 / n)
    }

    /// F(u) = Σ φ(uⱼ).
    pub fn f(&self, u: ArrayView1<f64>) -> f64 {
        u.iter().map(|&a| self.eval(a).0).sum()
    }
}

/// A critical point of F on the sphere.
#[derive(Clone, Debug)]
pub struct SpherePoint {
    /// u (unit), canonical: |uⱼ| descending (signs positive when σ is odd).
    pub u: Array1<f64>,
    /// F(u).
    pub f: f64,
    /// Morse index of F on the sphere.
    pub morse_on_manifold: usize,
    /// Units with uⱼ ≠ 0.
    pub active_units: usize,
    /// Number of distinct points in its orbit.
    pub orbit_size: usize,
}

/// Newton on (φ′(uⱼ) − 2µuⱼ = 0, |u|² = 1) from u0.
fn newton_sphere<A: Activation>(phi: &Phi<'_, A>, u0: Array1<f64>) -> Option<Array1<f64>> {
    let m = u0.len();
    let mut u = &u0 / norm(u0.view());
    let grad = |u: &Array1<f64>| -> (Array1<f64>, Array1<f64>) {
        let e: Vec<(f64, f64, f64)> = u.iter().map(|&a| phi.eval(a)).collect();
        (
            e.iter().map(|x| x.1).collect(),
            e.iter().map(|x| x.2).collect(),
        )
    };
    let (g, _) = grad(&u);
    let mut mu = 0.5 * g.dot(&u);
    for _ in 0..60 {
        let (g, h) = grad(&u);
        let mut res = Array1::zeros(m + 1);
        for j in 0..m {
            res[j] = g[j] - 2.0 * mu * u[j];
        }
        res[m] = u.dot(&u) - 1.0;
        let scale = g.iter().fold(0.0f64, |a, x| a.max(x.abs())).max(1e-300);
        if res.iter().fold(0.0f64, |a, x| a.max(x.abs())) <= 1e-14 * scale.max(1.0) {
            return Some(u);
        }
        let mut jac = Array2::zeros((m + 1, m + 1));
        for j in 0..m {
            jac[[j, j]] = h[j] - 2.0 * mu;
            jac[[j, m]] = -2.0 * u[j];
            jac[[m, j]] = 2.0 * u[j];
        }
        let step = solve(&jac, &(-&res)).ok()?;
        for j in 0..m {
            u[j] += step[j];
        }
        mu += step[m];
        if !u.iter().all(|x| x.is_finite()) {
            return None;
        }
    }
    None
}

/// Canonical form of u under the symmetry: entries by |uⱼ| descending, signs dropped if odd.
fn canonical(u: &Array1<f64>, odd: bool) -> Array1<f64> {
    let mut v: Vec<f64> = u.iter().map(|&x| if odd { x.abs() } else { x }).collect();
    v.sort_by(|a, b| b.abs().total_cmp(&a.abs()).then(b.total_cmp(a)));
    Array1::from(v)
}

/// Orbit size of a canonical u: m!/Π(multiplicities!) × 2^(active units) when σ is odd.
fn orbit_size(u: &Array1<f64>, odd: bool, tol: f64) -> usize {
    let mut groups: Vec<(f64, usize)> = Vec::new();
    for &x in u {
        match groups.iter_mut().find(|(y, _)| (y - x).abs() <= tol) {
            Some((_, c)) => *c += 1,
            None => groups.push((x, 1)),
        }
    }
    let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let perms = fact(u.len()) / groups.iter().map(|&(_, c)| fact(c)).product::<f64>();
    let active = u.iter().filter(|x| x.abs() > tol).count();
    let signs = if odd { 2f64.powi(active as i32) } else { 1.0 };
    (perms * signs).round() as usize
}

/// Morse index of F on the sphere at u (Lagrangian Hessian diag(φ″) − 2µI on u⊥).
fn sphere_morse<A: Activation>(phi: &Phi<'_, A>, u: &Array1<f64>) -> usize {
    let m = u.len();
    let e: Vec<(f64, f64, f64)> = u.iter().map(|&a| phi.eval(a)).collect();
    let mu = 0.5 * e.iter().zip(u.iter()).map(|(x, a)| x.1 * a).sum::<f64>();
    let mut h = Array2::zeros((m, m));
    for j in 0..m {
        h[[j, j]] = e[j].2 - 2.0 * mu;
    }
    let p = Array2::<f64>::eye(m) - &outer(u, u);
    let hp = p.dot(&h).dot(&p);
    let ev = sym_eigenvalues(&hp).map(|x| x.to_vec()).unwrap_or_default();
    let scale = ev.iter().fold(0.0f64, |a, x| a.max(x.abs())).max(1e-300);
    ev.iter().filter(|&&x| x < -1e-10 * scale).count()
}

fn outer(a: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j])
}

/// The critical points of F on S^{m−1}, one per orbit, from `starts` random starts plus the
/// symmetric candidates (k equal active units, k = 1..m).
pub fn sphere_critical_points<A: Activation>(
    phi: &Phi<'_, A>,
    m: usize,
    odd: bool,
    starts: usize,
    seed: u64,
) -> Vec<SpherePoint> {
    let mut rng = SplitMix64::new(seed);
    let mut cands: Vec<Array1<f64>> = (1..=m)
        .map(|k| Array1::from_shape_fn(m, |j| if j < k { 1.0 } else { 0.0 }))
        .collect();
    cands.extend((0..starts).map(|_| super::training::gaussian_vector(&mut rng, m)));
    let tol = 1e-8;
    let mut out: Vec<SpherePoint> = Vec::new();
    for c in cands {
        let Some(u) = newton_sphere(phi, c) else {
            continue;
        };
        let u = canonical(&u.mapv(|x| if x.abs() < 1e-13 { 0.0 } else { x }), odd);
        if out
            .iter()
            .any(|p| super::max_dist(p.u.view(), u.view()) <= tol)
        {
            continue;
        }
        out.push(SpherePoint {
            f: phi.f(u.view()),
            morse_on_manifold: sphere_morse(phi, &u),
            active_units: u.iter().filter(|x| x.abs() > tol).count(),
            orbit_size: orbit_size(&u, odd, tol),
            u,
        });
    }
    out.sort_by(|a, b| a.f.total_cmp(&b.f));
    out
}

/// Σ(−1)ᵏ over the critical points (orbits with their size) and χ(S^{m−1}).
pub fn euler_check(points: &[SpherePoint], m: usize) -> (i64, i64) {
    let sum = points
        .iter()
        .map(|p| {
            let s = p.orbit_size as i64;
            if p.morse_on_manifold % 2 == 0 {
                s
            } else {
                -s
            }
        })
        .sum();
    let chi = if m % 2 == 1 { 2 } else { 0 };
    (sum, chi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orbit_sizes_count_signed_permutations() {
        let u = Array1::from(vec![0.8, 0.6, 0.0]);
        assert_eq!(orbit_size(&u, false, 1e-9), 6);
        assert_eq!(orbit_size(&u, true, 1e-9), 24);
        let e = Array1::from(vec![1.0, 0.0, 0.0]);
        assert_eq!(orbit_size(&e, true, 1e-9), 6);
    }
}

//! Which points of the all-trained MLP's λ = 0 manifold Π_l S^{n_l−1} continue into λ > 0:
//! the critical points of F(u) = ∂λL(θ(u), 0) on it ([`crate::models::mlp::manifold`]), as
//! [`super::selection`] does for the two-layer sphere.
//!
//! Riemannian Newton (exact gradient and Hessian, retraction by normalising each factor) from
//! random starts and from the structured candidates (in every factor, k equal entries, k =
//! 1..n_l). The group of signed hidden-unit permutations ([`HiddenUnits`]) acts on u as
//! independent signed permutations of each u_l (θ(u) is injective), so each point is brought
//! to a canonical form per factor (|entries| descending, signs dropped when σ is odd) and
//! deduplicated there; the orbit size comes from [`HiddenUnits`] on θ. Σ(−1)ᵏ over the points,
//! orbits with their size, is compared with χ(Π S^{n_l−1}) = Π(1 + (−1)^{n_l−1}).

use super::mlp_symmetry::HiddenUnits;
use super::selection::SpherePoint;
use super::symmetry::is_odd;
use super::Orbits;
use crate::activation::Activation;
use crate::linalg::{solve, sym_eigenvalues, SplitMix64};
use crate::models::mlp::manifold::ProductSphere;
use crate::models::mlp::Mlp;
use ndarray::{s, Array1};

/// Newton iterations per start.
const NEWTON_ITERS: usize = 60;
/// Largest tangent step (radians, roughly): keeps Newton from jumping across the sphere.
const MAX_STEP: f64 = 0.5;
/// Structured candidates beyond which only random starts are used.
const MAX_STRUCTURED: usize = 4096;

/// A critical point of F on the manifold, with the stacked u and θ.
#[derive(Clone, Debug)]
pub struct ManifoldPoint {
    /// u (every block unit, canonical), F, Morse index on the manifold, active hidden units
    /// (entries uₗⱼ ≠ 0 over all layers) and orbit size.
    pub point: SpherePoint,
    /// θ(u).
    pub theta: Array1<f64>,
}

/// Riemannian Newton on F from u0; the converged (normalised) u.
fn newton(
    ps: &ProductSphere<'_, impl Activation + Clone + 'static>,
    u0: &Array1<f64>,
) -> Option<Array1<f64>> {
    let mut u = ps.normalise(u0);
    for _ in 0..NEWTON_ITERS {
        let d = ps.derivatives(&u);
        let res = d.grad.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        // The gradient is exact (AD): rounding of its O(scale) terms is ≈ 1e-16·scale.
        if res <= 1e-12 * d.scale.max(1e-300) {
            return Some(u);
        }
        let eta = solve(&d.hess, &(-&d.grad)).ok()?;
        let len = eta.dot(&eta).sqrt();
        let eta = if len > MAX_STEP {
            eta * (MAX_STEP / len)
        } else {
            eta
        };
        u = ps.normalise(&(&u + &d.basis.dot(&eta)));
        if !u.iter().all(|x| x.is_finite()) {
            return None;
        }
    }
    None
}

/// Canonical form per factor: entries by |x| descending (then by value), signs dropped if odd.
fn canonical(
    ps: &ProductSphere<'_, impl Activation + Clone + 'static>,
    u: &Array1<f64>,
    odd: bool,
) -> Array1<f64> {
    let mut out = u.mapv(|x| if x.abs() < 1e-13 { 0.0 } else { x });
    for k in 0..ps.factors() {
        let mut v: Vec<f64> = out
            .slice(s![ps.block(k)])
            .iter()
            .map(|&x| if odd { x.abs() } else { x })
            .collect();
        v.sort_by(|a, b| b.abs().total_cmp(&a.abs()).then(b.total_cmp(a)));
        out.slice_mut(s![ps.block(k)]).assign(&Array1::from(v));
    }
    ps.normalise(&out)
}

/// Morse index of F on the manifold: negative eigenvalues of the Riemannian Hessian `h`.
fn morse(h: &ndarray::Array2<f64>) -> usize {
    if h.nrows() == 0 {
        return 0;
    }
    let ev = sym_eigenvalues(h).map(|x| x.to_vec()).unwrap_or_default();
    let scale = ev.iter().fold(0.0f64, |a, x| a.max(x.abs())).max(1e-300);
    ev.iter().filter(|&&x| x < -1e-10 * scale).count()
}

/// Per factor, k equal entries (k = 1..n_l), every combination (up to [`MAX_STRUCTURED`]).
fn structured(ps: &ProductSphere<'_, impl Activation + Clone + 'static>) -> Vec<Array1<f64>> {
    let mut out = vec![Array1::<f64>::zeros(ps.ambient())];
    for k in 0..ps.factors() {
        let r = ps.block(k);
        let mut next = Vec::new();
        for c in &out {
            for on in 1..=r.len() {
                let mut v = c.clone();
                v.slice_mut(s![r.start..r.start + on]).fill(1.0);
                next.push(v);
            }
        }
        out = next;
        if out.len() > MAX_STRUCTURED {
            return Vec::new();
        }
    }
    out
}

/// The critical points of F on the balanced manifold of `model` (p* ≠ 0), one per orbit,
/// sorted by F, from `starts` random starts (seeded) plus the structured candidates.
pub fn manifold_critical_points<A: Activation + Clone + 'static>(
    ps: &ProductSphere<'_, A>,
    model: &Mlp<A>,
    starts: usize,
    seed: u64,
) -> Vec<ManifoldPoint> {
    let odd = is_odd(model.activation());
    let group = HiddenUnits::of(model).expect("every layer trained");
    let mut rng = SplitMix64::new(seed);
    let mut cands = structured(ps);
    cands.extend((0..starts).map(|_| super::training::gaussian_vector(&mut rng, ps.ambient())));
    let tol = 1e-8;
    let mut out: Vec<ManifoldPoint> = Vec::new();
    for c in cands {
        let Some(u) = newton(ps, &c) else { continue };
        let u = canonical(ps, &u, odd);
        if out
            .iter()
            .any(|p| super::max_dist(p.point.u.view(), u.view()) <= tol)
        {
            continue;
        }
        let theta = ps.theta(&u);
        let d = ps.derivatives(&u);
        out.push(ManifoldPoint {
            point: SpherePoint {
                f: d.f,
                morse_on_manifold: morse(&d.hess),
                active_units: u.iter().filter(|x| x.abs() > tol).count(),
                orbit_size: group.orbit_size(theta.view(), super::same_tol(theta.view())),
                u,
            },
            theta,
        });
    }
    out.sort_by(|a, b| a.point.f.total_cmp(&b.point.f));
    out
}

/// Σ(−1)ᵏ over the points (orbits with their size) and χ(Π S^{n_l−1}) for `widths`.
pub fn product_euler_check(points: &[ManifoldPoint], widths: &[usize]) -> (i64, i64) {
    let sum = points
        .iter()
        .map(|p| {
            let s = p.point.orbit_size as i64;
            if p.point.morse_on_manifold % 2 == 0 {
                s
            } else {
                -s
            }
        })
        .sum();
    let chi = widths
        .iter()
        .map(|&n| 1 + (-1i64).pow(n as u32 - 1))
        .product();
    (sum, chi)
}

//! Symmetric branches: followed in their fixed-point subspace, their symmetry-breaking branch
//! points located in the full space, and branches switched on at them from the kernel's
//! sphere, whatever the kernel's dimension.
//!
//! A branch of points fixed by a symmetry group Σ is followed by the restriction of L to
//! Fix(Σ) ([`super::restricted`]), where it is smooth. Each point is lifted back and its full
//! spectrum computed: where the full Morse index changes by more than the restricted events
//! explain, eigenvalues outside Fix(Σ) crossed zero — a symmetry-breaking branch point, its
//! kernel as many-dimensional as the representation forces (2 for the standard representation
//! of S₃). It is located by bisection in λ on the restricted branch (full Morse index on
//! either side), its kernel dimension k is the index change there, and its kernel basis Φ the k
//! eigenvectors nearest zero. Branches born there are found by Newton on (∇L = 0,
//! uᵀ(θ − θ*) = a) with λ free from θ* + a·u for directions u on the unit sphere of the
//! kernel (k = 1: ±φ; 2: 24 angles; 3, 4: quasi-uniform points), clustered by the direction
//! their correction ends in: one seed per ray. Rays related by a symmetry are recognised later
//! as known branches (their images lie on the branch traced first).

use super::follow::{follow_both_ways, kernel_dim, Followed};
use super::restricted::Restricted;
use super::switch::{correct_on_section, off_parent, SwitchSeed};
use crate::continuation::{newton_critical_point, ContinuationParams, Event, EventKind, Point};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::linalg::{norm, sym_eigen, sym_eigenvalues};
use ndarray::{Array1, Array2, ArrayView1};

/// Largest n for which full spectra along a restricted branch are computed.
pub const EQUIVARIANT_MAX_DIM: usize = 2000;

/// Largest kernel dimension whose sphere is enumerated.
pub const MAX_KERNEL_DIM: usize = 4;

/// Full Morse index and the smallest eigenvalues of the Hessian at (θ, λ).
fn full_spectrum<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
) -> (usize, Vec<f64>, usize) {
    match sym_eigenvalues(&obj.hessian(theta, lambda)) {
        Ok(ev) => {
            let scale = ev.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let idx = ev.iter().filter(|&&x| x < -1e-13 * scale).count();
            let k = kernel_dim(ev.as_slice().unwrap_or(&[]));
            (idx, ev.iter().take(6).copied().collect(), k)
        }
        Err(_) => (0, Vec::new(), 1),
    }
}
/// A point of the restricted branch lifted to the full space, with its full spectrum.
fn lift_point<O: Objective + ?Sized>(obj: &O, r: &Restricted<'_, O>, p: Point) -> Point {
    let theta = r.lift(p.theta.view());
    let (morse_index, eigenvalues, _) = full_spectrum(obj, theta.view(), p.lambda);
    Point {
        grad_norm: norm(obj.gradient(theta.view(), p.lambda).view()),
        eigenvalues,
        morse_index,
        theta,
        ..p
    }
}

/// The branch through the symmetric critical point (θ, λ), followed in the column space of
/// `p`, lifted, with its symmetry-breaking branch points added to its events (kernel
/// dimensions in `Followed::kernel_dims`).
pub fn follow_in_fix<O: Objective + ?Sized>(
    obj: &O,
    p: Array2<f64>,
    theta: ArrayView1<f64>,
    lambda: f64,
    params: &ContinuationParams,
    tol: f64,
) -> Result<Followed> {
    let r = Restricted::new(obj, p);
    let z0 = newton_critical_point(&r, r.project(theta).view(), lambda, tol)?;
    let f = follow_both_ways(&r, z0.view(), lambda, params)?;
    let points: Vec<Point> = f
        .points
        .into_iter()
        .map(|q| lift_point(obj, &r, q))
        .collect();
    let mut events: Vec<(Event, usize)> = Vec::new();
    for e in f.events {
        let th = r.lift(ArrayView1::from(&e.theta));
        let (_, eigenvalues, k) = full_spectrum(obj, th.view(), e.lambda);
        let kernel = r.lift(ArrayView1::from(&e.kernel)).to_vec();
        events.push((
            Event {
                theta: th.to_vec(),
                kernel,
                eigenvalues,
                ..e
            },
            k,
        ));
    }
    for i in 0..points.len().saturating_sub(1) {
        let (a, b) = (&points[i], &points[i + 1]);
        let inside = events
            .iter()
            .filter(|(e, _)| e.arclength > a.arclength && e.arclength <= b.arclength)
            .count();
        if a.morse_index.abs_diff(b.morse_index) > inside {
            events.extend(locate_breaking(obj, &r, a, b, tol));
        }
    }
    events.sort_by(|x, y| x.0.arclength.total_cmp(&y.0.arclength));
    let (events, kernel_dims) = events.into_iter().unzip();
    Ok(Followed {
        points,
        events,
        kernel_dims,
        rejected: f.rejected,
        ends: f.ends,
        max_grad_norm: f.max_grad_norm,
    })
}

/// A point of a restricted branch: λ, z and the full Morse index.
type Bracket = (f64, Array1<f64>, usize);

/// The symmetry-breaking branch points between lifted points `a` and `b` (full Morse indices
/// differ by more than the restricted events explain), each by bisection in λ on the
/// restricted branch from the last one found; crossings that rounding splits (a forced double
/// eigenvalue) are merged. Each with its kernel dimension.
fn locate_breaking<O: Objective + ?Sized>(
    obj: &O,
    r: &Restricted<'_, O>,
    a: &Point,
    b: &Point,
    tol: f64,
) -> Vec<(Event, usize)> {
    let end: Bracket = (b.lambda, r.project(b.theta.view()), b.morse_index);
    let mut cur: Bracket = (a.lambda, r.project(a.theta.view()), a.morse_index);
    let mut out: Vec<(Event, usize)> = Vec::new();
    for _ in 0..8 {
        if cur.2 == end.2 {
            break;
        }
        let (lo, hi) = bisect(obj, r, cur.clone(), end.clone(), tol);
        let (event, k) = breaking_event(obj, r, &lo, &hi, a, b);
        match out.last_mut() {
            Some((e, kk)) if (e.lambda - event.lambda).abs() <= 1e-9 * (1.0 + e.lambda.abs()) => {
                *kk = (*kk).max(k);
                e.morse_after = hi.2;
            }
            _ => out.push((event, k)),
        }
        if hi.0 == end.0 {
            break;
        }
        cur = hi;
    }
    out
}

/// Bisection in λ for the first change of the full Morse index from `lo`'s towards `hi`.
fn bisect<O: Objective + ?Sized>(
    obj: &O,
    r: &Restricted<'_, O>,
    mut lo: Bracket,
    mut hi: Bracket,
    tol: f64,
) -> (Bracket, Bracket) {
    let m0 = lo.2;
    for _ in 0..60 {
        if (hi.0 - lo.0).abs() <= 4.0 * f64::EPSILON * (1.0 + lo.0.abs()) {
            break;
        }
        let mid = 0.5 * (lo.0 + hi.0);
        let z0 = (&lo.1 + &hi.1) * 0.5;
        let Ok(z) = newton_critical_point(r, z0.view(), mid, tol) else {
            break;
        };
        let (m, _, _) = full_spectrum(obj, r.lift(z.view()).view(), mid);
        if m == m0 {
            lo = (mid, z, m);
        } else {
            hi = (mid, z, m);
        }
    }
    (lo, hi)
}

/// The event at a located bracket: kernel dimension from the eigenvalues at rounding level
/// there (and at least the index change across it).
fn breaking_event<O: Objective + ?Sized>(
    obj: &O,
    r: &Restricted<'_, O>,
    lo: &Bracket,
    hi: &Bracket,
    a: &Point,
    b: &Point,
) -> (Event, usize) {
    let theta = r.lift(lo.1.view());
    let lambda = lo.0;
    let (eigenvalues, kernel, k_eig) = match sym_eigen(&obj.hessian(theta.view(), lambda)) {
        Ok(e) => {
            let j = nearest_zero(e.values.view(), 1)[0];
            let all: Vec<f64> = e.values.to_vec();
            (
                all.iter().take(6).copied().collect(),
                e.vectors.column(j).to_vec(),
                kernel_dim(&all),
            )
        }
        Err(_) => (Vec::new(), Vec::new(), 1),
    };
    let k = lo.2.abs_diff(hi.2).max(k_eig).max(1);
    let frac = if b.lambda != a.lambda {
        (lambda - a.lambda) / (b.lambda - a.lambda)
    } else {
        0.5
    };
    let residual = norm(obj.gradient(theta.view(), lambda).view()).max((hi.0 - lo.0).abs());
    let scale = eigenvalues
        .iter()
        .fold(0.0f64, |m: f64, v: &f64| m.max(v.abs()));
    let event = Event {
        kind: EventKind::BranchPoint,
        lambda,
        residual,
        eigenvalues,
        kernel: crate::linalg::orient(Array1::from(kernel)).to_vec(),
        theta: theta.to_vec(),
        morse_before: lo.2,
        morse_after: hi.2,
        arclength: a.arclength + frac.clamp(0.0, 1.0) * (b.arclength - a.arclength),
        // Bisected in λ: located when the residual reached the event tolerance.
        located: crate::continuation::is_located(residual, scale, &Default::default()),
    };
    (event, k)
}

/// Indices of the `k` entries of `values` nearest zero.
fn nearest_zero(values: ArrayView1<f64>, k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&i, &j| values[i].abs().total_cmp(&values[j].abs()));
    idx.truncate(k);
    idx
}

/// Unit directions on the sphere of R^k (k ≤ [`MAX_KERNEL_DIM`]).
fn sphere_directions(k: usize) -> Vec<Array1<f64>> {
    match k {
        1 => vec![Array1::from(vec![1.0]), Array1::from(vec![-1.0])],
        2 => (0..24)
            .map(|j| {
                let t = std::f64::consts::TAU * j as f64 / 24.0;
                Array1::from(vec![t.cos(), t.sin()])
            })
            .collect(),
        _ => {
            let mut rng = crate::linalg::SplitMix64::new(0x5EED + k as u64);
            (0..40 * k)
                .map(|_| {
                    let g = super::training::gaussian_vector(&mut rng, k);
                    let n = norm(g.view());
                    g / n
                })
                .collect()
        }
    }
}

/// Seeds on the branches born at the branch point `event` (kernel dimension `k`) of the branch
/// `parent`: one per ray of corrected points, or why there are none.
pub fn multi_switch<O: Objective + ?Sized>(
    obj: &O,
    event: &Event,
    k: usize,
    parent: &[Point],
    window: (f64, f64),
    tol: f64,
) -> std::result::Result<Vec<SwitchSeed>, String> {
    if k > MAX_KERNEL_DIM {
        return Err(format!(
            "kernel of dimension {k} too large to enumerate (limit {MAX_KERNEL_DIM})"
        ));
    }
    if obj.dim() > EQUIVARIANT_MAX_DIM {
        return Err(format!(
            "n = {} too large for dense kernel enumeration",
            obj.dim()
        ));
    }
    let theta_star = Array1::from(event.theta.clone());
    let e = sym_eigen(&obj.hessian(theta_star.view(), event.lambda)).map_err(|e| e.to_string())?;
    let basis: Vec<Array1<f64>> = nearest_zero(e.values.view(), k)
        .into_iter()
        .map(|j| e.vectors.column(j).to_owned())
        .collect();
    let scale = 1.0 + norm(theta_star.view());
    let mut rays: Vec<Array1<f64>> = Vec::new();
    let mut seeds = Vec::new();
    for a in [1e-2 * scale, 3e-3 * scale] {
        for dir in sphere_directions(k) {
            let u = basis
                .iter()
                .zip(dir.iter())
                .fold(Array1::zeros(obj.dim()), |acc, (b, c)| acc + &(b * *c));
            let start = (&theta_star + &(&u * a), event.lambda);
            let Some((theta, lambda)) =
                correct_on_section(obj, theta_star.view(), u.view(), a, start, tol)
            else {
                continue;
            };
            if !(window.0..=window.1).contains(&lambda)
                || !off_parent(obj, parent, &theta, lambda, a, tol)
            {
                continue;
            }
            // The ray: the correction's direction within the kernel.
            let d = &theta - &theta_star;
            let ray = Array1::from_iter(basis.iter().map(|b| b.dot(&d)));
            let rn = norm(ray.view());
            if rn == 0.0 || rn > 20.0 * a {
                continue;
            }
            let ray = ray / rn;
            if rays.iter().any(|q| q.dot(&ray) > 0.99) {
                continue;
            }
            rays.push(ray);
            seeds.push(SwitchSeed {
                theta,
                lambda,
                amplitude: a,
            });
        }
        if !seeds.is_empty() {
            break;
        }
    }
    if seeds.is_empty() {
        Err(format!(
            "no bifurcating branch found from {k}-dimensional kernel's sphere"
        ))
    } else {
        Ok(seeds)
    }
}

//! Where a grid method's smallest eigenvalue crosses (or approaches) zero.

use crate::continuation::{Branch, Point};
use serde::Serialize;

/// Where a grid method's smallest eigenvalue reaches zero — or, when it never changes sign,
/// its closest approach to zero (the point the paper's method would call λ*).
#[derive(Clone, Debug, Serialize)]
pub struct Crossing {
    /// True: λ1 changes sign (λ* by linear interpolation); false: closest approach only.
    pub sign_change: bool,
    /// λ*: interpolated zero, or the λ of the smallest λ1.
    pub lambda: f64,
    /// Index of the last point before the crossing (closest approach: the point itself).
    pub index_before: usize,
    /// Index of the point nearest to λ* (closest approach: the point itself).
    pub index_nearest: usize,
    /// λ1 at the nearest point.
    pub lambda1: f64,
    /// Δλ1/Δλ over the crossing interval (closest approach: over the interval before it),
    /// the paper's crossing speed.
    pub slope: f64,
    /// |λ1/λ2| at the nearest point.
    pub eig_ratio: f64,
    /// λ2 at the nearest point.
    pub lambda2: f64,
}

fn e1(p: &Point) -> f64 {
    p.eigenvalues.first().copied().unwrap_or(f64::NAN)
}

fn crossing_at(
    points: &[Point],
    nearest: usize,
    before: usize,
    lambda: f64,
    sign_change: bool,
) -> Crossing {
    let p = &points[nearest];
    let l2 = p.eigenvalues.get(1).copied().unwrap_or(f64::NAN);
    let slope = if before + 1 < points.len() && sign_change {
        (e1(&points[before + 1]) - e1(&points[before]))
            / (points[before + 1].lambda - points[before].lambda)
    } else if nearest > 0 {
        (e1(&points[nearest]) - e1(&points[nearest - 1]))
            / (points[nearest].lambda - points[nearest - 1].lambda)
    } else {
        f64::NAN
    };
    Crossing {
        sign_change,
        lambda,
        index_before: before,
        index_nearest: nearest,
        lambda1: e1(p),
        slope,
        eig_ratio: (e1(p) / l2).abs(),
        lambda2: l2,
    }
}

/// The first sign change (+ → −) of the smallest recorded eigenvalue along `points`, by
/// linear interpolation (the paper's crossing), if any.
pub fn first_crossing(points: &[Point]) -> Option<Crossing> {
    points.windows(2).enumerate().find_map(|(i, w)| {
        let (a, b) = (e1(&w[0]), e1(&w[1]));
        if !(a > 0.0 && b <= 0.0) {
            return None;
        }
        let t = a / (a - b);
        let lambda = w[0].lambda + t * (w[1].lambda - w[0].lambda);
        let nearest = if t < 0.5 { i } else { i + 1 };
        Some(crossing_at(points, nearest, i, lambda, true))
    })
}

/// The point with the smallest |λ1| among `points` (closest approach to a singular Hessian).
pub fn closest_approach(points: &[Point]) -> Option<Crossing> {
    let (k, p) = points
        .iter()
        .enumerate()
        .filter(|(_, p)| e1(p).is_finite())
        .min_by(|a, b| e1(a.1).abs().total_cmp(&e1(b.1).abs()))?;
    Some(crossing_at(points, k, k, p.lambda, false))
}

/// The paper method's singular point: its first sign change, else its closest approach.
pub fn paper_singular_point(points: &[Point]) -> Option<Crossing> {
    first_crossing(points).or_else(|| closest_approach(points))
}

/// The point of `branch` nearest in λ to `lambda` among its first `upto` points.
pub fn nearest_point(branch: &Branch, lambda: f64) -> Option<&Point> {
    branch.points.iter().min_by(|a, b| {
        (a.lambda - lambda)
            .abs()
            .total_cmp(&(b.lambda - lambda).abs())
    })
}

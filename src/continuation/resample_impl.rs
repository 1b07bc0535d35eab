//! Resampling the graph part of a branch onto a λ grid.

use super::{Branch, GridPoint, Method};

/// Number of leading points on which λ strictly increases (and, for exact branches, the tangent
/// points towards increasing λ): the part of the branch that is a graph over λ.
pub(crate) fn graph_len(branch: &Branch) -> usize {
    let pts = &branch.points;
    if pts.is_empty() {
        return 0;
    }
    let mut end = 1;
    while end < pts.len()
        && pts[end].lambda > pts[end - 1].lambda
        && (branch.method == Method::Paper || pts[end].tangent_lambda > 0.0)
    {
        end += 1;
    }
    end
}

pub(crate) fn resample_impl(branch: &Branch, grid: &[f64]) -> Vec<GridPoint> {
    let pts = &branch.points[..graph_len(branch)];
    let Some(first) = pts.first() else {
        return Vec::new();
    };
    let last = &pts[pts.len() - 1];
    let k = pts.iter().map(|p| p.eigenvalues.len()).min().unwrap_or(0);
    let mut out = Vec::new();
    for &l in grid {
        if !(l >= first.lambda && l <= last.lambda) {
            continue;
        }
        // First point with λ ≥ l (λ is increasing on the graph part).
        let j = pts.partition_point(|p| p.lambda < l);
        let (a, b) = if j == 0 {
            (&pts[0], &pts[0])
        } else {
            (&pts[j - 1], &pts[j])
        };
        let t = if b.lambda > a.lambda {
            (l - a.lambda) / (b.lambda - a.lambda)
        } else {
            0.0
        };
        let lerp = |u: f64, v: f64| u + t * (v - u);
        out.push(GridPoint {
            lambda: l,
            loss: lerp(a.loss, b.loss),
            eigenvalues: (0..k)
                .map(|i| lerp(a.eigenvalues[i], b.eigenvalues[i]))
                .collect(),
        });
    }
    out
}

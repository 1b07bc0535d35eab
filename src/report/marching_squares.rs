//! Iso-lines of a gridded field by marching squares, and bilinear refinement.
//!
//! Hand-written rather than the `contour` crate (0.13, d3-contour's port), measured on the
//! four toy contour figures (81 × 81, 14 levels) and synthetic saddle / NaN fields by an
//! ignored comparison test (commit dc6158e, `report::contour::crate_comparison`): inside the
//! grid both give the same crossing points (to 7e-15 cells) in comparable time (4–11 ms
//! against 6–13 ms per figure, loaded machine), but the crate (a) pads the grid and closes
//! every line into a ring half a cell outside it — 58–74 % of its points on the toy figures
//! — which a plot would have to clip; (b) counts NaN as below the level (by its source), so
//! lines run through cells with a NaN corner and end in NaN coordinates, where ours leaves
//! such cells blank; (c) resolves saddle cells by a fixed case table, not by the cell mean: 216, 14, 6
//! and 0 saddle cells on the λ = 0, 0.3, 0.7, 1 figures join their crossings differently.
//! Getting our lines from it would take clipping and NaN glue around it.

use std::collections::HashMap;

/// Refinement factor so that the colour fill has ~200 cells per axis (at most 8 per cell).
pub(super) fn refine(n: usize) -> usize {
    (200 / (n - 1).max(1)).clamp(1, 8)
}

/// Bilinear interpolation of `t` at fractional grid coordinates (u, v); corners with zero
/// weight are ignored, so only cells touching a non-finite value give NaN.
pub(super) fn bilinear(t: &[Vec<f64>], u: f64, v: f64) -> f64 {
    let (nx, ny) = (t[0].len(), t.len());
    let i = (u.floor() as usize).min(nx - 2);
    let j = (v.floor() as usize).min(ny - 2);
    let (a, b) = (u - i as f64, v - j as f64);
    let mut acc = 0.0;
    for (w, z) in [
        ((1.0 - a) * (1.0 - b), t[j][i]),
        (a * (1.0 - b), t[j][i + 1]),
        ((1.0 - a) * b, t[j + 1][i]),
        (a * b, t[j + 1][i + 1]),
    ] {
        if w > 0.0 {
            acc += w * z;
        }
    }
    acc
}

/// A point on a grid edge: horizontal edge (i, j)–(i+1, j) or vertical edge (i, j)–(i, j+1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Edge {
    H(usize, usize),
    V(usize, usize),
}

/// Marching squares: iso-lines `t = c` as polylines in fractional grid coordinates (i, j).
/// Cells with a non-finite corner are skipped; saddles are resolved by the cell mean.
pub(super) fn iso_lines(t: &[Vec<f64>], c: f64) -> Vec<Vec<(f64, f64)>> {
    let (nx, ny) = (t[0].len(), t.len());
    let above = |i: usize, j: usize| t[j][i] > c;
    let point = |e: Edge| -> (f64, f64) {
        let (a, b, (i, j), horizontal) = match e {
            Edge::H(i, j) => (t[j][i], t[j][i + 1], (i, j), true),
            Edge::V(i, j) => (t[j][i], t[j + 1][i], (i, j), false),
        };
        let s = ((c - a) / (b - a)).clamp(0.0, 1.0);
        if horizontal {
            (i as f64 + s, j as f64)
        } else {
            (i as f64, j as f64 + s)
        }
    };
    let mut segs: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let v = [t[j][i], t[j][i + 1], t[j + 1][i + 1], t[j + 1][i]];
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let b = [
                above(i, j),
                above(i + 1, j),
                above(i + 1, j + 1),
                above(i, j + 1),
            ];
            // Edges in cyclic order: bottom, right, top, left (edge k joins corners k, k+1).
            let edges = [
                Edge::H(i, j),
                Edge::V(i + 1, j),
                Edge::H(i, j + 1),
                Edge::V(i, j),
            ];
            let crossing: Vec<usize> = (0..4).filter(|&k| b[k] != b[(k + 1) % 4]).collect();
            match crossing.len() {
                2 => segs.push((edges[crossing[0]], edges[crossing[1]])),
                4 => {
                    let centre_above = v.iter().sum::<f64>() / 4.0 > c;
                    if centre_above == b[0] {
                        // corners 1 and 3 are cut off
                        segs.push((edges[0], edges[1]));
                        segs.push((edges[2], edges[3]));
                    } else {
                        // corners 0 and 2 are cut off
                        segs.push((edges[3], edges[0]));
                        segs.push((edges[1], edges[2]));
                    }
                }
                _ => {}
            }
        }
    }
    // Chain segments sharing an edge into polylines.
    let mut at: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, &(a, b)) in segs.iter().enumerate() {
        at.entry(a).or_default().push(k);
        at.entry(b).or_default().push(k);
    }
    let mut used = vec![false; segs.len()];
    let next = |e: Edge, used: &mut Vec<bool>| -> Option<Edge> {
        let k = *at.get(&e)?.iter().find(|&&k| !used[k])?;
        used[k] = true;
        let (a, b) = segs[k];
        Some(if a == e { b } else { a })
    };
    let mut out = Vec::new();
    for k in 0..segs.len() {
        if used[k] {
            continue;
        }
        used[k] = true;
        let (a, b) = segs[k];
        let mut fwd = vec![a, b];
        while let Some(e) = next(*fwd.last().expect("non-empty"), &mut used) {
            fwd.push(e);
        }
        let mut back = Vec::new();
        while let Some(e) = next(*back.last().unwrap_or(&a), &mut used) {
            back.push(e);
        }
        back.reverse();
        back.extend(fwd);
        out.push(back.into_iter().map(point).collect());
    }
    out
}

//! The `selected_orbits` of a diagram started on a λ = 0 manifold: each critical point of
//! F = ∂λL there, Newton-polished at λ0 = λ_min, with the branch it starts (or lies on).

use super::crossings::{crossings, morse_index, DENSE_MORSE_MAX_DIM};
use super::selection::SpherePoint;
use super::{Diagram, Orbits, SelectedOrbit};
use crate::derivatives::Objective;
use ndarray::{Array1, ArrayView1};

/// The branch through the critical point q at λ0, up to symmetry: a traced point at λ0 in
/// q's orbit, else a crossing of a branch with λ0 (Newton-polished) in it.
pub fn branch_through<O: Objective + ?Sized>(
    d: &Diagram,
    obj: &O,
    orbits: &dyn Orbits,
    q: ArrayView1<f64>,
    lambda0: f64,
    tol: f64,
) -> Option<usize> {
    let same = super::same_tol(q);
    let at_seed = d.branches.iter().find(|b| {
        b.points.iter().any(|p| {
            (p.lambda - lambda0).abs() <= 1e-12 && orbits.same_orbit(p.theta.view(), q, same)
        })
    });
    at_seed.map(|b| b.id).or_else(|| {
        d.branches.iter().find_map(|b| {
            crossings(obj, &b.points, lambda0, tol)
                .iter()
                .any(|c| orbits.same_orbit(c.theta.view(), q, same))
                .then_some(b.id)
        })
    })
}

/// One [`SelectedOrbit`] per point: `polished` is its θ Newton-polished at λ0 or why Newton
/// failed; `branch_note` says why a branch is missing (Newton failed, the run stopped first,
/// or no traced branch passes through it).
#[allow(clippy::too_many_arguments)]
pub fn selected_orbits<O: Objective + ?Sized>(
    d: &Diagram,
    obj: &O,
    orbits: &dyn Orbits,
    points: &[(SpherePoint, Array1<f64>)],
    polished: &[Result<Array1<f64>, String>],
    lambda0: f64,
    tol: f64,
) -> Vec<SelectedOrbit> {
    let stopped = d.status != "complete";
    points
        .iter()
        .zip(polished)
        .map(|((p, theta), q)| {
            let (branch, note, morse) = match q {
                Ok(q) => {
                    let b = branch_through(d, obj, orbits, q.view(), lambda0, tol);
                    let note = b.is_none().then(|| {
                        if stopped {
                            format!("not traced: the run stopped ({})", d.status)
                        } else {
                            "no traced branch passes through the polished point".to_string()
                        }
                    });
                    let dense = obj.dim() <= DENSE_MORSE_MAX_DIM;
                    (
                        b,
                        note,
                        dense.then(|| morse_index(obj, q.view(), lambda0, 0)),
                    )
                }
                Err(e) => (
                    None,
                    Some(format!("Newton at λ = {lambda0} failed: {e}")),
                    None,
                ),
            };
            SelectedOrbit {
                size: p.orbit_size,
                active_units: p.active_units,
                f: p.f,
                morse_on_manifold: p.morse_on_manifold,
                morse_index: morse,
                theta: theta.to_vec(),
                branch,
                branch_note: note,
            }
        })
        .collect()
}

//! What the engine asks of the Hessian at a point, answered on either backend: Newton steps,
//! the eigenpair nearest zero, the softest two eigenvalues, the spectrum at an event, bordered
//! solves with the kernel, φᵀ(∂λH)φ and the fold system's Jacobian.

use super::free_generic::nearest_index;
use super::{Hess, HessianError, Spectrum};
use crate::derivatives::Objective;
use crate::linalg::{faer_view, orient, solve, sym_eigen, sym_eigenvalues, to_faer};
use faer::linalg::solvers::Solve;
use faer::Mat;
use ndarray::{s, Array1, Array2, ArrayView1};

/// The spectrum recorded with an event.
#[derive(Clone, Debug)]
pub struct EventSpectrum {
    /// The eigenvalue nearest zero.
    pub mu: f64,
    /// Its unit eigenvector, oriented (largest-modulus entry positive).
    pub phi: Vec<f64>,
    /// The smallest eigenvalues (as many as the [`Spectrum`] asks for).
    pub smallest: Vec<f64>,
    /// The second-smallest |eigenvalue|.
    pub second: f64,
    /// The largest |eigenvalue| (or its estimate).
    pub scale: f64,
}

impl EventSpectrum {
    /// All NaN (an eigensolve failed; the admissibility rules then reject the event).
    fn failed() -> Self {
        EventSpectrum {
            mu: f64::NAN,
            phi: vec![],
            smallest: vec![],
            second: f64::NAN,
            scale: f64::NAN,
        }
    }
}

impl Hess<'_> {
    /// The Newton step H⁻¹g (dense LU, or the matrix-free solve).
    pub fn newton_solve(&self, g: &Array1<f64>) -> Result<Array1<f64>, HessianError> {
        match self {
            Hess::Dense(h) => {
                let lu = match faer_view(h) {
                    Some(v) => v.partial_piv_lu(),
                    None => to_faer(h).partial_piv_lu(),
                };
                let b = Mat::from_fn(g.len(), 1, |i, _| g[i]);
                let d = lu.solve(&b);
                Ok(Array1::from_shape_fn(g.len(), |i| d[(i, 0)]))
            }
            Hess::Free(f) => f.solve(g).map_err(HessianError::Krylov),
        }
    }

    /// (smallest |eigenvalue|, largest |eigenvalue|): is the point isolated?
    pub fn isolation(&self) -> Result<(f64, f64), HessianError> {
        match self {
            Hess::Dense(h) => {
                let values = sym_eigenvalues(h).map_err(|e| HessianError::Eigen(e.to_string()))?;
                let smallest = values.iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
                let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                Ok((smallest, largest))
            }
            Hess::Free(f) => {
                let (mu, _, _) = f.kernel()?;
                Ok((mu.abs(), f.scale()))
            }
        }
    }

    /// The eigenpair nearest zero (the matrix-free path warm-started from `warm`).
    pub fn nearest_zero_pair(
        &self,
        warm: Option<&Array2<f64>>,
    ) -> Result<(f64, Array1<f64>), HessianError> {
        match self {
            Hess::Dense(hd) => {
                let e = sym_eigen(hd).map_err(|e| HessianError::Eigen(e.to_string()))?;
                let i = nearest_index(&e.values);
                Ok((e.values[i], e.vectors.column(i).to_owned()))
            }
            Hess::Free(f) => {
                let (mu, phi, _) = f.kernel_warm(warm)?;
                Ok((mu, phi))
            }
        }
    }

    /// The two eigenvalues of smallest modulus and the eigenvector of the first.
    pub fn softest_two(&self) -> Result<(f64, f64, Array1<f64>), HessianError> {
        match self {
            Hess::Dense(hd) => {
                let eig = sym_eigen(hd).map_err(|e| HessianError::Eigen(e.to_string()))?;
                let mut order: Vec<usize> = (0..eig.values.len()).collect();
                order.sort_by(|&i, &j| eig.values[i].abs().total_cmp(&eig.values[j].abs()));
                let v = eig.vectors.column(order[0]).to_owned();
                Ok((eig.values[order[0]], eig.values[order[1]], v))
            }
            Hess::Free(f) => {
                let (mu, v, second) = f.kernel()?;
                Ok((mu, second, v))
            }
        }
    }

    /// Eigenvalues for a test function: all of them (dense), or the `k` smallest.
    pub fn test_eigenvalues(&self, k: usize) -> Result<Array1<f64>, HessianError> {
        match self {
            Hess::Dense(h) => sym_eigen(h)
                .map(|e| e.values)
                .map_err(|e| HessianError::Eigen(e.to_string())),
            Hess::Free(f) => f.smallest(k, None).map(|e| e.values),
        }
    }

    /// The spectrum recorded with an event (warm start `warm` on the matrix-free path).
    pub fn event_spectrum(&self, spectrum: Spectrum, warm: Option<&Array2<f64>>) -> EventSpectrum {
        match self {
            Hess::Dense(h) => match sym_eigen(h) {
                Ok(e) if !e.values.is_empty() => {
                    let i = nearest_index(&e.values);
                    let phi = orient(e.vectors.column(i).to_owned());
                    let k = match spectrum {
                        Spectrum::Smallest(k) => k.min(e.values.len()),
                        Spectrum::Full => e.values.len(),
                    };
                    let second = (0..e.values.len())
                        .filter(|&j| j != i)
                        .map(|j| e.values[j].abs())
                        .fold(f64::INFINITY, f64::min);
                    EventSpectrum {
                        mu: e.values[i],
                        phi: phi.to_vec(),
                        smallest: e.values.slice(s![..k]).to_vec(),
                        second,
                        scale: e.values.iter().fold(0.0f64, |m, v| m.max(v.abs())),
                    }
                }
                _ => EventSpectrum::failed(),
            },
            Hess::Free(f) => {
                let k = match spectrum {
                    Spectrum::Smallest(k) => k,
                    Spectrum::Full => f.op.dim(),
                };
                let Ok((mu, phi, second)) = f.kernel_warm(warm) else {
                    return EventSpectrum::failed();
                };
                let phi = orient(phi);
                let warm = phi.clone().insert_axis(ndarray::Axis(1));
                let smallest = f
                    .smallest(k, Some(&warm))
                    .map(|e| e.values.to_vec())
                    .unwrap_or_default();
                EventSpectrum {
                    mu,
                    phi: phi.to_vec(),
                    smallest,
                    second: second.abs(),
                    scale: f.scale(),
                }
            }
        }
    }

    /// The eigenvalue nearest zero as a record: dense, from the full spectrum (NaN if the
    /// eigensolver fails); matrix-free, the Rayleigh quotient φᵀHφ/φᵀφ of the kernel estimate
    /// `phi`, which is within ‖Hφ − ρφ‖²/(gap·‖φ‖²) of that eigenvalue (no eigensolve per point).
    pub fn nearest_zero_value(&self, phi: ArrayView1<f64>) -> f64 {
        match self {
            Hess::Dense(h) => sym_eigenvalues(h)
                .map(|e| e[nearest_index(&e)])
                .unwrap_or(f64::NAN),
            Hess::Free(f) => phi.dot(&f.op.apply(phi)) / phi.dot(&phi),
        }
    }

    /// φᵀ(∂λH)φ at (θ, λ): by the assembled ∂λH on the dense path (as the dense results were
    /// computed), by one product on the matrix-free path.
    pub fn phi_hl_phi<O: Objective + ?Sized>(
        &self,
        obj: &O,
        theta: ArrayView1<f64>,
        lambda: f64,
        phi: ArrayView1<f64>,
    ) -> f64 {
        match self {
            Hess::Dense(_) => phi.dot(&obj.hessian_lambda(theta, lambda).dot(&phi)),
            Hess::Free(_) => phi.dot(&obj.hessian_lambda_vec(theta, lambda, phi)),
        }
    }

    /// x with \[\[H, c\], \[rowᵀ\]\] x = rhs (row and rhs: n + 1 entries) — the fold system's
    /// Jacobian solve; assembled and LU-solved on the dense path.
    pub fn solve_bordered_once(
        &self,
        c: &Array1<f64>,
        row: ArrayView1<f64>,
        rhs: &Array1<f64>,
    ) -> Result<Array1<f64>, HessianError> {
        match self {
            Hess::Dense(h) => {
                let n = h.nrows();
                let mut j = Array2::zeros((n + 1, n + 1));
                j.slice_mut(s![..n, ..n]).assign(h);
                j.slice_mut(s![..n, n]).assign(c);
                j.row_mut(n).assign(&row);
                solve(&j, rhs).map_err(|_| HessianError::Singular)
            }
            Hess::Free(_) => self.bordered(c, row).solve(rhs),
        }
    }

    /// x with \[\[H, φ\], \[φᵀ, 0\]\] (x, ·) = (r, 0): the slaved correction's solve.
    pub fn solve_with_kernel(
        &self,
        phi: &Array1<f64>,
        r: &Array1<f64>,
    ) -> Result<Array1<f64>, HessianError> {
        match self {
            Hess::Dense(h) => {
                let (x, _) = crate::linalg::solve_bordered(
                    h.view(),
                    phi.view(),
                    phi.view(),
                    0.0,
                    r.view(),
                    0.0,
                )
                .map_err(|e| HessianError::Eigen(e.to_string()))?;
                Ok(x)
            }
            Hess::Free(_) => {
                let n = phi.len();
                let mut row = Array1::zeros(n + 1);
                row.slice_mut(s![..n]).assign(phi);
                let mut rhs = Array1::zeros(n + 1);
                rhs.slice_mut(s![..n]).assign(r);
                let x = self.bordered(phi, row.view()).solve(&rhs)?;
                Ok(x.slice(s![..n]).to_owned())
            }
        }
    }
}

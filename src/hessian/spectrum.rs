//! The dense spectrum at a point: the eigenvalues a [`Spectrum`] asks for and the Morse index
//! (the dense path of `spectrum_at`).

use super::Spectrum;
use crate::error::Result;
use crate::linalg::{sym_eigen_smallest, sym_eigenvalues, PartialEigen};
use ndarray::Array2;

/// Eigenvalues per `spectrum` and the Morse index (exact inertia count on the partial path,
/// the full spectrum on the dense one). With `dense_values_only`, the dense eigenvalues without
/// eigenvectors (the cheapest dense path; no warm start for the next point).
pub(crate) fn spectrum_of(
    h: &Array2<f64>,
    spectrum: Spectrum,
    warm: Option<&Array2<f64>>,
    dense_values_only: bool,
) -> Result<PartialEigen> {
    let k = match spectrum {
        Spectrum::Smallest(k) if !dense_values_only => return sym_eigen_smallest(h, k, warm),
        Spectrum::Smallest(k) => k.min(h.nrows()),
        Spectrum::Full => h.nrows(),
    };
    let values = sym_eigenvalues(h)?;
    let negative_count = values.iter().filter(|&&v| v < 0.0).count();
    Ok(PartialEigen {
        values: values.slice(ndarray::s![..k]).to_owned(),
        vectors: Array2::zeros((h.nrows(), 0)),
        negative_count,
        dense: true,
    })
}

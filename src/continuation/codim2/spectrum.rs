//! The nearest-zero entry of a spectrum, which the branch-point curve's records report.

/// The nearest-zero entry of a spectrum (NaN if empty).
pub(super) fn nearest_zero(eigs: &[f64]) -> f64 {
    eigs.iter().copied().fold(f64::NAN, |m, v| {
        if m.is_nan() || v.abs() < m.abs() {
            v
        } else {
            m
        }
    })
}

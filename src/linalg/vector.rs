//! Vector helpers: sign convention, norms.

use ndarray::{Array1, ArrayView1};

/// `v` or `−v`, whichever has its entry of largest modulus (the first such on exact ties)
/// positive: the crate's sign convention for vectors defined only up to sign, such as an
/// event's kernel vector ([`crate::continuation::Event::kernel`]), so that results depending
/// on that sign are reproducible. Zero and empty vectors are returned unchanged.
///
/// ```
/// use actbif::linalg::orient;
/// use ndarray::array;
/// assert_eq!(orient(array![0.3, -0.9, 0.1]), array![-0.3, 0.9, -0.1]);
/// assert_eq!(orient(array![-0.5, 0.5]), array![0.5, -0.5]);
/// ```
pub fn orient(v: Array1<f64>) -> Array1<f64> {
    let mut lead = 0.0f64;
    for &x in &v {
        if x.abs() > lead.abs() {
            lead = x;
        }
    }
    if lead < 0.0 {
        -v
    } else {
        v
    }
}

/// Euclidean norm ‖v‖₂ (plain sum of squares: the vectors here are far from overflow).
pub fn norm(v: ArrayView1<f64>) -> f64 {
    v.dot(&v).sqrt()
}

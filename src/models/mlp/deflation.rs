//! Spectral deflation of the MLP preconditioner with the point's smallest eigenpairs.
//!
//! The structured P (`super::curvature_precond`) leaves out the cross-unit curvature, so it
//! misses exactly the directions where H differs most from it: the few smallest eigenvalues,
//! which the curvature pulls down from α and one of which goes to zero at a fold. There P⁻¹H
//! has eigenvalues near zero and restarted GMRES stagnates. With (Θ, V) approximate eigenpairs
//! of H (orthonormal V, n × k, from the point's LOBPCG),
//!
//! M⁻¹ = (I − VVᵀ) P⁻¹ (I − VVᵀ) + V Θ⁻¹ Vᵀ
//!
//! maps H v = θv back to v exactly for every exact pair (θ, v) in V and acts as P⁻¹ on the
//! complement, so the near-singular direction is solved by the coarse part and GMRES sees
//! only the well-approximated rest. M is not positive definite (Θ may have negative or tiny
//! entries), so it serves GMRES, never the LOBPCG preconditioner.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// A Ritz value closer to zero than its residual has no certain sign or size: it is replaced
/// by ±max(|θ|, DEFLATION_RESIDUAL_FACTOR·residual) so Θ⁻¹ stays bounded by what is known.
const DEFLATION_RESIDUAL_FACTOR: f64 = 1.0;

/// The coarse part of the deflated preconditioner.
#[derive(Clone, Debug)]
pub struct Deflation {
    /// Orthonormal columns V (n × k).
    v: Array2<f64>,
    /// Θ⁻¹ (bounded, module docs).
    inv_theta: Array1<f64>,
}

impl Deflation {
    /// From Ritz values, orthonormal Ritz vectors (columns) and their true residuals
    /// ‖Hv − θv‖; `None` if the shapes disagree, anything is non-finite or a value is zero.
    pub fn new(
        values: ArrayView1<f64>,
        vectors: ArrayView2<f64>,
        residuals: &[f64],
    ) -> Option<Self> {
        let k = values.len();
        if vectors.ncols() != k || residuals.len() != k || k == 0 {
            return None;
        }
        let inv_theta = Array1::from_shape_fn(k, |i| {
            let floor = DEFLATION_RESIDUAL_FACTOR * residuals[i];
            let mag = values[i].abs().max(floor);
            let sign = if values[i] < 0.0 { -1.0 } else { 1.0 };
            1.0 / (sign * mag)
        });
        let finite = vectors
            .iter()
            .chain(inv_theta.iter())
            .all(|x| x.is_finite());
        finite.then(|| Deflation {
            v: vectors.to_owned(),
            inv_theta,
        })
    }
    /// Number of deflated directions.
    pub fn len(&self) -> usize {
        self.inv_theta.len()
    }
    /// Whether no direction is deflated.
    pub fn is_empty(&self) -> bool {
        self.inv_theta.is_empty()
    }
    /// M⁻¹ r given `p_inv` = P⁻¹ (module docs); `None` if `p_inv` fails.
    pub fn apply(
        &self,
        r: ArrayView1<f64>,
        p_inv: impl Fn(ArrayView1<f64>) -> Option<Array1<f64>>,
    ) -> Option<Array1<f64>> {
        let c = self.v.t().dot(&r);
        let mut q = r.to_owned();
        q -= &self.v.dot(&c);
        let mut x = p_inv(q.view())?;
        let cx = self.v.t().dot(&x);
        x -= &self.v.dot(&cx);
        x += &self.v.dot(&(&c * &self.inv_theta));
        Some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::sym_eigen;

    /// A symmetric test matrix with one eigenvalue near zero, and a crude SPD P (its diagonal
    /// shifted): M⁻¹ applied to H v for the deflated eigenvectors v returns v (to rounding),
    /// whatever P is — the property that removes the near-singular direction.
    #[test]
    fn deflated_inverse_maps_h_v_back_to_v() {
        let n = 12;
        let mut h = Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) as f64).sin());
        h = (&h + &h.t()) * 0.5;
        let e = sym_eigen(&h).unwrap();
        // Shift so that the smallest eigenvalue is 1e-9 (a fold's near-kernel).
        let shift = e.values[0] - 1e-9;
        for i in 0..n {
            h[[i, i]] -= shift;
        }
        let e = sym_eigen(&h).unwrap();
        let k = 3;
        let v = e.vectors.slice(ndarray::s![.., ..k]).to_owned();
        let vals = e.values.slice(ndarray::s![..k]).to_owned();
        let d = Deflation::new(vals.view(), v.view(), &[0.0; 3]).unwrap();
        let diag = Array1::from_shape_fn(n, |i| h[[i, i]].abs() + 1.0);
        let p_inv = |u: ArrayView1<f64>| Some(&u / &diag);
        for i in 0..k {
            let hv = h.dot(&v.column(i));
            let back = d.apply(hv.view(), p_inv).unwrap();
            let err = (&back - &v.column(i))
                .mapv(f64::abs)
                .fold(0.0f64, |a, &b| a.max(b));
            // H v = θv to ε‖H‖ (≈ 1e-15), divided by θ ≥ 1e-9 in the coarse part: ≲ 1e-6.
            assert!(err < 1e-5, "pair {i}: error {err:e}");
        }
        // On the complement M⁻¹ is P⁻¹ projected: a vector orthogonal to V maps to
        // (I − VVᵀ)P⁻¹u.
        let u = e.vectors.column(k + 1).to_owned();
        let got = d.apply(u.view(), p_inv).unwrap();
        let mut want = &u / &diag;
        let c = v.t().dot(&want);
        want -= &v.dot(&c);
        let err = (&got - &want).mapv(f64::abs).fold(0.0f64, |a, &b| a.max(b));
        // Vᵀu is rounding (≈ 1e-16 each) but the coarse part multiplies it by 1/θ₁ = 1e9:
        // ≲ 1e-6, far below the O(0.1) entries a missing projection would change.
        assert!(err < 1e-5, "complement: {err:e}");
    }

    /// A value below its residual keeps its sign and is floored at the residual.
    #[test]
    fn tiny_values_are_floored_at_their_residual() {
        let v = Array2::from_shape_fn((4, 1), |(i, _)| if i == 0 { 1.0 } else { 0.0 });
        let d = Deflation::new(ndarray::array![-1e-14].view(), v.view(), &[1e-8]).unwrap();
        assert_eq!(d.inv_theta[0], -1e8);
        assert!(Deflation::new(ndarray::array![0.0].view(), v.view(), &[0.0]).is_none());
    }
}

//! The linear endpoint λ = 0: W0, λ1′(0) and the width-scaling fit.
//!
//! At λ = 0 the two-layer loss is the quadratic L(W, 0) = ½E\[(vᵀWx − y)²\] + α/2‖W‖², with
//! gradient v(vᵀWΣ − γᵀ) + αW and Hessian H0,α = (vvᵀ) ⊗ Σ + αI (paper (15), (17)).
//!
//! * W0: the ansatz W = v bᵀ turns the gradient equation into bᵀ(‖v‖²Σ + αI) = γᵀ, so
//!   W0 = v γᵀ(‖v‖²Σ + αI)⁻¹ exactly (unique for α > 0); Prop 7.9's W0 ≈ vγᵀΣ⁻¹/‖v‖² is its
//!   α → 0 limit.
//! * λ1′(0): the eigenvalue α of H0,α is (m − 1)d-fold degenerate on {vᵀδW = 0}, so the
//!   slope of the lowest eigenvalue branch is the smallest eigenvalue of Qᵀ(dH/dλ)Q, Q an
//!   orthonormal basis of that space, dH/dλ = ∂λH + D³L\[dθ/dλ, ·, ·\], dθ/dλ = −H⁻¹∂λ∇L.
//!   (L(·, 0) is quadratic, so the D³ term vanishes at λ = 0; it is computed anyway.)
//!
//! On the flat space the Gauss–Newton part of ∂λH vanishes identically (its quadratic form is
//! 2E\[(Σ_j v_j(σ′_j − 1)u_jᵀx)(Σ_k v_k u_kᵀx)\] and Σ_k v_k u_k = 0), so λ1′(0) comes entirely
//! from the residual term E\[r Σ_j v_j σ″(w_jᵀx)(u_jᵀx)²\], which the paper's (18)/(22) drop.
//! [`EndpointSlope::closed_form`] reports both terms.

use crate::activation::Activation;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg;
use crate::linalg::lstsq;
use crate::models::two_layer::theory::Decomposed;
use crate::models::two_layer::TwoLayer;
use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

fn nonzero_v<A: Activation>(model: &TwoLayer<A>) -> Result<f64> {
    let v = model.output_weights();
    let vv = v.dot(v);
    if vv == 0.0 {
        return Err(Error::param(
            "output weights v",
            "must not be all zero (the loss would not depend on W)",
        ));
    }
    Ok(vv)
}

fn outer(a: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> {
    let a2 = a.view().insert_axis(Axis(1));
    let b2 = b.view().insert_axis(Axis(0));
    a2.dot(&b2)
}

/// The exact regularised minimiser at λ = 0, W0 = v γᵀ(‖v‖²Σ + αI)⁻¹ (m × d).
///
/// For α = 0 this is the minimum-norm minimiser (needs Σ ≻ 0 and v ≠ 0).
pub fn w0<A: Activation>(model: &TwoLayer<A>) -> Result<Array2<f64>> {
    let data = model.data();
    let v = model.output_weights();
    let vv = v.dot(v);
    let d = model.input_dim();
    let m = data.covariance() * vv + Array2::<f64>::eye(d) * model.alpha();
    let b = linalg::solve(&m, &data.cross_covariance()).map_err(|_| {
        Error::Linalg("‖v‖²Σ + αI is singular (α = 0 with v = 0 or singular Σ)".into())
    })?;
    Ok(outer(v, &b))
}

/// Prop 7.9's approximation W0 ≈ v γᵀΣ⁻¹/‖v‖² (the α → 0 limit of [`w0`]).
pub fn w0_approx<A: Activation>(model: &TwoLayer<A>) -> Result<Array2<f64>> {
    let vv = nonzero_v(model)?;
    let data = model.data();
    let b = linalg::solve(&data.covariance(), &data.cross_covariance())
        .map_err(|_| Error::Linalg("the input covariance Σ is singular".into()))?;
    Ok(outer(model.output_weights(), &(b / vv)))
}

/// Closed-form gradient of the λ = 0 loss, v(vᵀWΣ − γᵀ) + αW, flattened row-major like θ.
/// Independent of the [`Objective`] implementations, for checks.
pub fn gradient_at_zero<A: Activation>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
) -> Result<Array1<f64>> {
    if theta.len() != model.n_params() {
        return Err(Error::shape("θ", model.n_params(), theta.len()));
    }
    crate::error::ensure_finite("θ", theta.iter())?;
    let w = model.weights(theta);
    let v = model.output_weights();
    let data = model.data();
    let vw = w.t().dot(v);
    let row = data.covariance().dot(&vw) - data.cross_covariance();
    let g = outer(v, &row) + &w * model.alpha();
    Ok(Array1::from_iter(g.iter().copied()))
}

/// Orthonormal basis (columns) of the flat space {vec(δW) : vᵀδW = 0} ⊂ R^{m·d} in θ's
/// row-major layout: columns Q_v\[:, i\] ⊗ e_k with Q_v an orthonormal basis of v⊥ ⊂ R^m.
/// Shape (m·d) × ((m − 1)·d).
pub fn flat_basis(v: &Array1<f64>, d: usize) -> Result<Array2<f64>> {
    let m = v.len();
    crate::error::ensure_finite("output weights v", v.iter())?;
    if v.dot(v) == 0.0 {
        return Err(Error::param("output weights v", "must not be all zero"));
    }
    if d == 0 {
        return Err(Error::param("input dimension d", "must be at least 1"));
    }
    // Eigenvectors of vvᵀ for its m − 1 zero eigenvalues (ascending order puts them first).
    let qv = linalg::sym_eigen(&outer(v, v))?.vectors;
    let mut q = Array2::zeros((m * d, (m - 1) * d));
    for i in 0..m - 1 {
        for j in 0..m {
            for k in 0..d {
                q[[j * d + k, i * d + k]] = qv[[j, i]];
            }
        }
    }
    Ok(q)
}

/// The paper's approximate formulas for λ1′(0), evaluated at W0 with one eigenvector u0.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PaperSlopes {
    /// (18) as Σ_j v_j² u0_jᵀE\[(σ′(w_jᵀx) − 1)xxᵀ\]u0_j (u0_j: block j of u0). The paper prints
    /// a leading minus sign, which contradicts its (22) and its claim λ1′(0) < 0 for tanh;
    /// we use the sign that makes (18) = (22) for σ = tanh.
    pub eq18: f64,
    /// (22): −Σ_j v_j² u0_jᵀE\[tanh²(w_jᵀx)xxᵀ\]u0_j; `Some` only when the activation is
    /// named "tanh".
    pub eq22: Option<f64>,
    /// Remark 7.8: (22) with tanh²(z) replaced by z².
    pub remark_7_8: f64,
}

/// λ1′(0) and everything around it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EndpointSlope {
    /// α (= λ1(0)).
    pub alpha: f64,
    /// λ1′(0) by degenerate perturbation theory: smallest eigenvalue of Qᵀ(dH/dλ)Q.
    pub lambda1_prime: f64,
    /// u0ᵀ(∂λH)u0 (partial derivative only, no D³ term).
    pub partial_only: f64,
    /// u0ᵀD³L\[dθ/dλ, ·, ·\]u0 (zero in exact arithmetic at λ = 0).
    pub d3_term: f64,
    /// All eigenvalues of Qᵀ(dH/dλ)Q, ascending: the slopes of the (m − 1)d eigenvalue
    /// branches leaving α.
    pub splitting_rates: Vec<f64>,
    /// Unit eigenvector u0 (θ layout) of the smallest splitting rate.
    pub u0: Vec<f64>,
    /// ‖H0,α u0 − α u0‖ / α with the objective's Hessian: checks the flat-space claim.
    pub eigenspace_residual: f64,
    /// W0 (θ layout).
    pub w0: Vec<f64>,
    /// u0ᵀ(∂λH)u0 in closed form from the data: Gauss–Newton term (zero on the flat space)
    /// and residual term E\[r Σ_j v_j σ″(w_jᵀx)(u0_jᵀx)²\].
    pub closed_form: Decomposed,
    /// The residual term with σ″(z) ≈ σ‴(0)z: E\[r Σ_j v_j σ‴(0)(w_jᵀx)(u0_jᵀx)²\] (the
    /// small-weight approximation of the exact slope, analogous to Remark 7.8).
    pub residual_polynomial: f64,
    /// The paper's formulas at the same u0.
    pub paper: PaperSlopes,
    /// First-order crossing λ* ≈ α/|λ1′(0)| (`None` when λ1′(0) ≥ 0: no crossing predicted).
    pub lambda_star_first_order: Option<f64>,
}

/// First-order prediction λ* ≈ α/|λ1′(0)| of λ1(λ) ≈ α + λ1′(0)λ = 0; `None` unless
/// slope < 0.
///
/// ```
/// use actbif::models::two_layer::theory::linear_endpoint::first_order_lambda_star;
/// assert_eq!(first_order_lambda_star(4e-3, -8e-3), Some(0.5));
/// assert_eq!(first_order_lambda_star(4e-3, 1e-3), None);
/// ```
pub fn first_order_lambda_star(alpha: f64, slope: f64) -> Option<f64> {
    (slope < 0.0 && alpha.is_finite()).then(|| alpha / slope.abs())
}

/// λ1′(0) for the model with its own (structured) derivatives.
pub fn lambda1_prime<A: Activation>(model: &TwoLayer<A>) -> Result<EndpointSlope> {
    lambda1_prime_with(model, model)
}

/// λ1′(0) for `model` with derivatives from `obj` (any [`Objective`] of the same loss, e.g.
/// the generic AD path).
///
/// Requires α > 0, v ≠ 0 and Σ ≻ 0 (then α's eigenspace is exactly the flat space).
pub fn lambda1_prime_with<A: Activation, O: Objective + ?Sized>(
    model: &TwoLayer<A>,
    obj: &O,
) -> Result<EndpointSlope> {
    let n = model.n_params();
    if obj.dim() != n {
        return Err(Error::shape(
            "objective dimension",
            format!("{n} (= m·d of the model)"),
            obj.dim(),
        ));
    }
    let alpha = model.alpha();
    if alpha <= 0.0 {
        return Err(Error::param(
            "alpha",
            "must be > 0 (at α = 0 the minimiser at λ = 0 is not unique)",
        ));
    }
    nonzero_v(model)?;
    let sigma_min = linalg::sym_eigenvalues(&model.data().covariance())?[0];
    if sigma_min <= 0.0 {
        return Err(Error::param(
            "data",
            format!("input covariance Σ must be positive definite (λ_min = {sigma_min:e})"),
        ));
    }
    let w0m = w0(model)?;
    let theta = Array1::from_iter(w0m.iter().copied());
    let tv = theta.view();

    let h = obj.hessian(tv, 0.0);
    let dtheta = -linalg::solve(&h, &obj.grad_lambda(tv, 0.0))?;
    let hl = obj.hessian_lambda(tv, 0.0);
    let d3 = obj.hessian_directional(tv, 0.0, dtheta.view());
    let dh = &hl + &d3;
    let dh = (&dh + &dh.t()) * 0.5;

    let q = flat_basis(model.output_weights(), model.input_dim())?;
    let mq = q.t().dot(&dh).dot(&q);
    let eig = linalg::sym_eigen(&mq)?;
    let u0 = q.dot(&eig.vectors.column(0));
    let lambda1_prime = eig.values[0];
    let eigenspace_residual = {
        let r = h.dot(&u0) - &u0 * alpha;
        r.dot(&r).sqrt() / alpha
    };
    let partial_only = u0.dot(&hl.dot(&u0));
    let d3_term = u0.dot(&d3.dot(&u0));
    let (closed_form, residual_polynomial, paper) = endpoint_formulas(model, &w0m, u0.view());
    Ok(EndpointSlope {
        alpha,
        lambda1_prime,
        partial_only,
        d3_term,
        splitting_rates: eig.values.to_vec(),
        u0: u0.to_vec(),
        eigenspace_residual,
        w0: theta.to_vec(),
        closed_form,
        residual_polynomial,
        paper,
        lambda_star_first_order: first_order_lambda_star(alpha, lambda1_prime),
    })
}

/// The closed-form u0ᵀ(∂λH)u0 at λ = 0 (with its two terms), its polynomial approximation and
/// the paper's formulas.
fn endpoint_formulas<A: Activation>(
    model: &TwoLayer<A>,
    w0m: &Array2<f64>,
    u0: ArrayView1<f64>,
) -> (Decomposed, f64, PaperSlopes) {
    let data = model.data();
    let v = model.output_weights();
    let u = model.weights(u0);
    let act = model.activation();
    let nf = data.n_samples() as f64;
    let z = data.x.dot(&w0m.t()); // N × m pre-activations
    let s = data.x.dot(&u.t()); // N × m directional pre-activations
    let s3 = act.derivs(0.0)[3];
    let (mut gn, mut res, mut poly, mut e18, mut e22, mut e78) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..data.n_samples() {
        let f: f64 = z.row(i).dot(v);
        let r = f - data.y[i];
        let (mut a, mut b) = (0.0, 0.0);
        for j in 0..v.len() {
            let (zij, sij) = (z[[i, j]], s[[i, j]]);
            let der = act.derivs(zij);
            let vj = v[j];
            a += vj * (der[1] - 1.0) * sij;
            b += vj * sij;
            res += r * vj * der[2] * sij * sij;
            poly += r * vj * s3 * zij * sij * sij;
            let w2 = vj * vj * sij * sij;
            e18 += w2 * (der[1] - 1.0);
            e22 -= w2 * zij.tanh().powi(2);
            e78 -= w2 * zij * zij;
        }
        gn += 2.0 * a * b;
    }
    let (gn, res) = (gn / nf, res / nf);
    let closed = Decomposed {
        value: gn + res,
        terms: vec![
            (
                "Gauss-Newton 2E[(Σv_j(σ′_j−1)u_j·x)(Σv_k u_k·x)]".into(),
                gn,
            ),
            ("residual E[r Σv_j σ″(w_j·x)(u_j·x)²]".into(), res),
        ],
    };
    let paper = PaperSlopes {
        eq18: e18 / nf,
        eq22: (act.name() == "tanh").then_some(e22 / nf),
        remark_7_8: e78 / nf,
    };
    (closed, poly / nf, paper)
}

/// Least-squares fit of λ1′(0) = K/m + K2/m² over (m, λ1′(0)) pairs; returns (K, K2).
/// Needs at least two distinct widths m ≥ 1 and finite slopes.
///
/// ```
/// use actbif::models::two_layer::theory::linear_endpoint::fit_width_constant;
/// let pts: Vec<(usize, f64)> = [3, 10, 30]
///     .iter()
///     .map(|&m| (m, -0.07 / m as f64 + 0.2 / (m * m) as f64))
///     .collect();
/// let (k, k2) = fit_width_constant(&pts).unwrap();
/// assert!((k + 0.07).abs() < 1e-12 && (k2 - 0.2).abs() < 1e-12);
/// ```
pub fn fit_width_constant(points: &[(usize, f64)]) -> Result<(f64, f64)> {
    if let Some((m, _)) = points.iter().find(|(m, _)| *m == 0) {
        return Err(Error::param("width", format!("must be ≥ 1, got {m}")));
    }
    crate::error::ensure_finite("λ1′(0) values", points.iter().map(|(_, s)| s))?;
    let mut ms: Vec<usize> = points.iter().map(|(m, _)| *m).collect();
    ms.sort_unstable();
    ms.dedup();
    if ms.len() < 2 {
        return Err(Error::param(
            "widths",
            format!("need at least two distinct widths, got {}", ms.len()),
        ));
    }
    let design = Array2::from_shape_fn((points.len(), 2), |(i, j)| {
        (points[i].0 as f64).powi(-(j as i32) - 1)
    });
    let y = Array1::from_iter(points.iter().map(|(_, s)| *s));
    let x = lstsq(&design, &y)?;
    Ok((x[0], x[1]))
}

//! Closed forms (15), (17), (27)–(30), (25)–(26).
//!
//! Written independently of the structured fast path (plain per-sample sums over ndarray
//! products) so that the two can check each other. Expectations E are sample means over the
//! data set, the same convention as the loss L = ½E\[(f − y)²\] + α/2‖W‖².

use super::{ClosedFormCoefficients, Decomposed};
use crate::activation::{homotopy_derivs, Activation};
use crate::error::{ensure_finite, Error, Result};
use crate::models::two_layer::TwoLayer;
use ndarray::{Array1, Array2, ArrayView1};
use serde::Serialize;

/// H0 = (vvᵀ) ⊗ Σ (15): the Hessian of the unregularised loss at λ = 0 (independent of W),
/// in the θ = vec(W) row-major ordering, i.e. block (j, l) is v_j v_l Σ.
pub fn h0<A: Activation>(model: &TwoLayer<A>) -> Array2<f64> {
    let v = model.output_weights();
    let sigma = model.data().covariance();
    let (m, d) = (model.width(), model.input_dim());
    Array2::from_shape_fn((m * d, m * d), |(p, q)| {
        v[p / d] * v[q / d] * sigma[[p % d, q % d]]
    })
}

/// H0,α = (vvᵀ) ⊗ Σ + α I (17): the Hessian of the regularised loss at λ = 0.
pub fn h0_alpha<A: Activation>(model: &TwoLayer<A>) -> Array2<f64> {
    let n = model.n_params();
    h0(model) + Array2::<f64>::eye(n) * model.alpha()
}

/// The directional derivatives of f along u (24) per sample and of L by (27)–(30).
#[derive(Clone, Debug, Serialize)]
pub struct DirectionalDerivatives {
    /// Residuals r_i = f(x_i) − y_i.
    pub residual: Array1<f64>,
    /// `df[k − 1][i]` = D^k f(x_i) = Σ_j v_j h^(k)(w_jᵀx_i, λ)(u_jᵀx_i)^k, k = 1..=4.
    pub df: [Array1<f64>; 4],
    /// `[DL[u], D²L[u²], D³L[u³], D⁴L[u⁴]]` by (27)–(30).
    pub dl: [f64; 4],
}

fn validate<A: Activation>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
    lambda: f64,
    u: ArrayView1<f64>,
    u_name: &str,
) -> Result<()> {
    let n = model.n_params();
    if theta.len() != n {
        return Err(Error::shape("θ", format!("{n} entries (m·d)"), theta.len()));
    }
    if u.len() != n {
        return Err(Error::shape(u_name, format!("{n} entries (m·d)"), u.len()));
    }
    ensure_finite("θ", theta.iter())?;
    ensure_finite(u_name, u.iter())?;
    if !lambda.is_finite() {
        return Err(Error::param(
            "lambda",
            format!("must be finite, got {lambda}"),
        ));
    }
    Ok(())
}

/// Faà di Bruno along u: D^k f per sample (24) and DL\[u\], …, D⁴L\[u⁴\] by (27)–(30):
///
/// DL\[u\] = E\[r·Df\] + α⟨θ, u⟩, D²L\[u²\] = E\[(Df)² + r·D²f\] + α‖u‖²,
/// D³L\[u³\] = E\[3Df·D²f + r·D³f\], D⁴L\[u⁴\] = E\[3(D²f)² + 4Df·D³f + r·D⁴f\].
///
/// (27) as printed omits the regulariser's first-order term α⟨θ, u⟩; it is included here so
/// that DL\[u\] is the derivative of the regularised loss, consistent with (28).
pub fn faa_di_bruno<A: Activation>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
    lambda: f64,
    u: ArrayView1<f64>,
) -> Result<DirectionalDerivatives> {
    validate(model, theta, lambda, u, "direction u")?;
    let x = &model.data().x;
    let y = &model.data().y;
    let v = model.output_weights();
    let w = model.weights(theta);
    let ud = model.weights(u);
    let z = x.dot(&w.t()); // N × m pre-activations
    let s = x.dot(&ud.t()); // N × m projections u_jᵀx_i
    let n_samples = x.nrows();
    let mut residual = Array1::zeros(n_samples);
    let mut df: [Array1<f64>; 4] = std::array::from_fn(|_| Array1::zeros(n_samples));
    for i in 0..n_samples {
        let mut f = 0.0;
        for (j, vj) in v.iter().enumerate() {
            let (h, _) = homotopy_derivs(model.activation(), z[[i, j]], lambda);
            f += vj * h[0];
            for (k, dfk) in df.iter_mut().enumerate() {
                dfk[i] += vj * h[k + 1] * s[[i, j]].powi(k as i32 + 1);
            }
        }
        residual[i] = f - y[i];
    }
    let mean = |a: Array1<f64>| a.mean().expect("N ≥ 1");
    let r = &residual;
    let [d1, d2, d3, d4] = &df;
    let alpha = model.alpha();
    let dl = [
        mean(r * d1) + alpha * theta.dot(&u),
        mean(d1 * d1 + r * d2) + alpha * u.dot(&u),
        mean(d1 * d2 * 3.0 + r * d3),
        mean(d2 * d2 * 3.0 + d1 * d3 * 4.0 + r * d4),
    ];
    Ok(DirectionalDerivatives { residual, df, dl })
}

/// The paper's reduced coefficients along φ: (25) g_aa = 3E\[Df·D²f\] + E\[r·D³f\] and (26)
/// g_aaa = 3E\[(D²f)²\] + 4E\[Df·D³f\] + E\[r·D⁴f\], with the named terms. They equal D³L\[φ³\] and
/// D⁴L\[φ⁴\] (the regulariser is quadratic); φ is used as given (the paper's kernel vector is
/// unit-norm).
pub fn closed_form_coefficients<A: Activation>(
    model: &TwoLayer<A>,
    theta: ArrayView1<f64>,
    lambda: f64,
    phi: ArrayView1<f64>,
) -> Result<ClosedFormCoefficients> {
    validate(model, theta, lambda, phi, "kernel direction φ")?;
    let dd = faa_di_bruno(model, theta, lambda, phi)?;
    let r = &dd.residual;
    let [d1, d2, d3, d4] = &dd.df;
    let mean = |a: Array1<f64>| a.mean().expect("N ≥ 1");
    let decomposed = |terms: Vec<(&str, f64)>| Decomposed {
        value: terms.iter().map(|(_, t)| t).sum(),
        terms: terms.into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
    };
    Ok(ClosedFormCoefficients {
        g_aa: decomposed(vec![
            ("3E[Df·D2f]", 3.0 * mean(d1 * d2)),
            ("E[r·D3f]", mean(r * d3)),
        ]),
        g_aaa: decomposed(vec![
            ("3E[(D2f)^2]", 3.0 * mean(d2 * d2)),
            ("4E[Df·D3f]", 4.0 * mean(d1 * d3)),
            ("E[r·D4f]", mean(r * d4)),
        ]),
    })
}

//! Activations σ and the homotopy h(z, λ) = (1 − λ)z + λσ(z).
//!
//! Every activation is written once, generic over num-dual's [`DualNum`], so the same code
//! yields values and exact derivatives of any order. Closed-form derivatives at real points
//! ([`Activation::derivs`]) feed the structured fast path.

use crate::error::{Error, Result};
use num_dual::{Dual2, Dual64, DualNum};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::str::FromStr;

/// Number of derivatives of σ (orders 0..=5) returned by [`Activation::derivs`].
pub const N_DERIVS: usize = 6;

/// A smooth activation, normalised so that σ(0) = 0 and σ′(0) = 1.
///
/// Implement [`Activation::sigma`] once, generically; [`Activation::derivs`] has an AD default.
/// Use [`check_normalisation`] before building a model from a user-defined activation.
pub trait Activation: Send + Sync {
    /// Short name used in output files.
    fn name(&self) -> String;

    /// σ(z) for any dual number type.
    fn sigma<D: DualNum<Primitive = f64>>(&self, z: D) -> D;

    /// σ^(k)(z) for k = 0..=5 at a real point.
    ///
    /// The default uses nested duals `Dual2<Dual2<Dual64>>` (exact, but slower than a
    /// closed form).
    fn derivs(&self, z: f64) -> [f64; N_DERIVS] {
        // z + t1 + t2 + t3 with orders (2, 2, 1): mixed partials give every derivative up to 5.
        let inner = Dual2::new(Dual64::new(z, 1.0), Dual64::from(1.0), Dual64::from(0.0));
        let one = Dual2::new(Dual64::from(1.0), Dual64::from(0.0), Dual64::from(0.0));
        let zero = Dual2::new(Dual64::from(0.0), Dual64::from(0.0), Dual64::from(0.0));
        let s = self.sigma(Dual2::new(inner, one, zero));
        [
            s.re.re.re,
            s.v1.re.re,
            s.v2.re.re,
            s.v2.v1.re,
            s.v2.v2.re,
            s.v2.v2.eps,
        ]
    }
}

/// The activations the paper uses, each normalised to σ(0) = 0, σ′(0) = 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Builtin {
    /// σ(z) = tanh(z) (the paper's default; σ″(0) = 0).
    #[default]
    Tanh,
    /// σ(z) = erf(√π z / 2) (erf rescaled so that σ′(0) = 1; σ″(0) = 0).
    Erf,
    /// σ(z) = 2(softplus(z) − ln 2) (σ″(0) = 1/2 ≠ 0: Remark 7.17's transcritical case).
    Softplus,
    /// σ(z) = 4(sigmoid(z) − 1/2) = 2 tanh(z/2) (σ″(0) = 0).
    Sigmoid,
}

impl Builtin {
    /// All built-in activations.
    pub const ALL: [Builtin; 4] = [
        Builtin::Tanh,
        Builtin::Erf,
        Builtin::Softplus,
        Builtin::Sigmoid,
    ];
}

impl FromStr for Builtin {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "tanh" => Ok(Builtin::Tanh),
            "erf" => Ok(Builtin::Erf),
            "softplus" => Ok(Builtin::Softplus),
            "sigmoid" => Ok(Builtin::Sigmoid),
            _ => Err(Error::UnknownActivation(s.to_string())),
        }
    }
}

impl std::fmt::Display for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// √π / 2: the scale that makes erf satisfy σ′(0) = 1.
const ERF_SCALE: f64 = 0.886_226_925_452_758;

impl Activation for Builtin {
    fn name(&self) -> String {
        match self {
            Builtin::Tanh => "tanh",
            Builtin::Erf => "erf",
            Builtin::Softplus => "softplus",
            Builtin::Sigmoid => "sigmoid",
        }
        .to_string()
    }

    fn sigma<D: DualNum<Primitive = f64>>(&self, z: D) -> D {
        match self {
            Builtin::Tanh => z.tanh(),
            Builtin::Sigmoid => (z * 0.5).tanh() * 2.0,
            Builtin::Softplus => {
                // softplus(z) = max(z, 0) + ln(1 + e^{−|z|}), stable for large |z|.
                let sp = if z.re() > 0.0 {
                    z.clone() + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                };
                (sp - std::f64::consts::LN_2) * 2.0
            }
            Builtin::Erf => {
                let x = z * ERF_SCALE;
                let x0 = x.re();
                taylor_apply(&x, &erf_derivs::<TAYLOR_ORDER_PLUS_ONE>(x0))
            }
        }
    }

    fn derivs(&self, z: f64) -> [f64; N_DERIVS] {
        match self {
            Builtin::Tanh => tanh_derivs(z),
            Builtin::Sigmoid => {
                let t = tanh_derivs(0.5 * z);
                let mut out = [0.0; N_DERIVS];
                let mut scale = 2.0;
                for k in 0..N_DERIVS {
                    out[k] = scale * t[k];
                    scale *= 0.5;
                }
                out
            }
            Builtin::Softplus => {
                // σ′(z) = 1 + tanh(z/2), so σ^(k) = 2^{1−k} tanh^{(k−1)}(z/2) for k ≥ 2.
                let t = tanh_derivs(0.5 * z);
                let sp = if z > 0.0 {
                    z + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                };
                let mut out = [0.0; N_DERIVS];
                out[0] = 2.0 * (sp - std::f64::consts::LN_2);
                out[1] = 1.0 + t[0];
                let mut scale = 0.5;
                for k in 2..N_DERIVS {
                    out[k] = scale * t[k - 1];
                    scale *= 0.5;
                }
                out
            }
            Builtin::Erf => {
                let e = erf_derivs::<N_DERIVS>(ERF_SCALE * z);
                let mut out = [0.0; N_DERIVS];
                let mut scale = 1.0;
                for k in 0..N_DERIVS {
                    out[k] = scale * e[k];
                    scale *= ERF_SCALE;
                }
                out
            }
        }
    }
}

/// Highest Taylor order used by [`taylor_apply`] for activations without a num-dual primitive.
/// Exact for every dual type whose total derivative order is at most this (num-dual's nested
/// types used here reach at most 5).
pub const TAYLOR_ORDER: usize = 8;
const TAYLOR_ORDER_PLUS_ONE: usize = TAYLOR_ORDER + 1;

/// Applies a function given by its derivatives `d[k] = f^(k)(z.re())` to a dual number:
/// f(z) = Σ_k d\[k\]/k! (z − z.re())^k. Exact when the dual part is nilpotent of order < d.len().
pub fn taylor_apply<D: DualNum<Primitive = f64>>(z: &D, d: &[f64]) -> D {
    let delta = z.clone() - z.re();
    let mut fact = 1.0;
    let mut coeffs = Vec::with_capacity(d.len());
    for (k, dk) in d.iter().enumerate() {
        if k > 0 {
            fact *= k as f64;
        }
        coeffs.push(dk / fact);
    }
    let mut acc = D::from(coeffs[coeffs.len() - 1]);
    for c in coeffs.iter().rev().skip(1) {
        acc = acc * delta.clone() + *c;
    }
    acc
}

/// tanh^(k)(z), k = 0..=5, via p_{k+1}(t) = p_k′(t)(1 − t²) with t = tanh z.
pub fn tanh_derivs(z: f64) -> [f64; N_DERIVS] {
    let t = z.tanh();
    // Polynomial coefficients in t, lowest degree first (degree ≤ 6).
    let mut p = [0.0f64; 8];
    p[1] = 1.0;
    let mut out = [0.0; N_DERIVS];
    for slot in out.iter_mut() {
        *slot = p.iter().rev().fold(0.0, |acc, c| acc * t + c);
        // q(t) = p′(t)(1 − t²)
        let mut dp = [0.0f64; 8];
        for i in 1..8 {
            dp[i - 1] = p[i] * i as f64;
        }
        let mut q = [0.0f64; 8];
        for i in 0..8 {
            q[i] += dp[i];
            if i + 2 < 8 {
                q[i + 2] -= dp[i];
            }
        }
        p = q;
    }
    out
}

/// erf^(k)(x) for k = 0..K−1: erf^(k)(x) = (2/√π)(−1)^{k−1} H_{k−1}(x) e^{−x²} (Hermite H).
pub fn erf_derivs<const K: usize>(x: f64) -> [f64; K] {
    let mut out = [0.0; K];
    out[0] = libm::erf(x);
    let g = 2.0 / PI.sqrt() * (-x * x).exp();
    let (mut h_prev, mut h) = (0.0, 1.0); // H_{-1} (unused), H_0
    for (k, slot) in out.iter_mut().enumerate().skip(1) {
        let n = (k - 1) as f64;
        let sign = if (k - 1) % 2 == 0 { 1.0 } else { -1.0 };
        *slot = sign * h * g;
        let h_next = 2.0 * x * h - 2.0 * n * h_prev;
        h_prev = h;
        h = h_next;
    }
    out
}

/// h(z, λ) = (1 − λ)z + λσ(z), generic over dual numbers in both arguments.
pub fn homotopy<A: Activation + ?Sized, D: DualNum<Primitive = f64>>(
    act: &A,
    z: D,
    lambda: D,
) -> D {
    let s = act.sigma(z.clone());
    z.clone() + lambda * (s - z)
}

/// Derivatives of the homotopy at a real point: `(h^(k)(z, λ), ∂λ h^(k)(z, λ))`, k = 0..=5
/// (k-th derivative in z).
pub fn homotopy_derivs<A: Activation + ?Sized>(
    act: &A,
    z: f64,
    lambda: f64,
) -> ([f64; N_DERIVS], [f64; N_DERIVS]) {
    let s = act.derivs(z);
    let mut h = [0.0; N_DERIVS];
    let mut dl = [0.0; N_DERIVS];
    for k in 0..N_DERIVS {
        let id = match k {
            0 => z,
            1 => 1.0,
            _ => 0.0,
        };
        dl[k] = s[k] - id;
        h[k] = id + lambda * dl[k];
    }
    (h, dl)
}

/// Checks the normalisation σ(0) = 0 and σ′(0) = 1 with exact AD (tolerance 1e-12).
pub fn check_normalisation<A: Activation + ?Sized>(act: &A) -> Result<()> {
    let s = act.sigma(Dual64::new(0.0, 1.0));
    // Written so that NaN fails the check.
    if s.re.abs().partial_cmp(&1e-12) != Some(std::cmp::Ordering::Less) {
        return Err(Error::BadActivation {
            name: act.name(),
            condition: "σ(0) = 0".into(),
            value: s.re,
        });
    }
    if (s.eps - 1.0).abs().partial_cmp(&1e-12) != Some(std::cmp::Ordering::Less) {
        return Err(Error::BadActivation {
            name: act.name(),
            condition: "σ′(0) = 1".into(),
            value: s.eps,
        });
    }
    Ok(())
}

//! The classification of an event from its smallness ratios, and the human-readable
//! statement of the criteria applied.

use super::types::{Classification, Smallness};

/// |num| / den with 0/0 = 0, capped at 1 (den bounds num up to rounding).
pub(super) fn smallness(num: f64, den: f64) -> f64 {
    let num = num.abs();
    if num == 0.0 {
        0.0
    } else {
        (num / den.max(f64::MIN_POSITIVE)).min(1.0)
    }
}

/// The normal form from the smallness of each coefficient: the first nonzero of g_µ, g_aa,
/// g_aaa decides (a NaN smallness counts as nonzero).
pub(super) fn classify(small: &Smallness, tol: f64) -> Classification {
    let mu_zero = small.g_mu <= tol;
    let aa_zero = small.g_aa <= tol;
    let aaa_zero = small.g_aaa <= tol;
    if !mu_zero {
        Classification::Fold
    } else if !aa_zero {
        Classification::Transcritical
    } else if !aaa_zero {
        Classification::Pitchfork
    } else {
        Classification::Degenerate
    }
}

pub(super) struct CriteriaInput<'a> {
    pub(super) tol: f64,
    pub(super) g_mu: f64,
    pub(super) grad_lambda_norm: f64,
    pub(super) g_aa: f64,
    pub(super) aa_scale: f64,
    pub(super) g_aaa_raw: f64,
    pub(super) g_aaa_reduced: f64,
    pub(super) aaa_scale: f64,
    pub(super) g_amu: f64,
    pub(super) amu_zero: bool,
    pub(super) small: &'a Smallness,
    pub(super) ratio_aa_aaa: f64,
    pub(super) classification: Classification,
    pub(super) grad_norm: f64,
    pub(super) lambda1: f64,
    pub(super) lambda2: f64,
    pub(super) kernel_alignment: f64,
}

fn cmp(ratio: f64, tol: f64) -> &'static str {
    if ratio > tol {
        "> tol: nonzero"
    } else {
        "≤ tol: zero"
    }
}

pub(super) fn criteria_text(c: &CriteriaInput<'_>) -> String {
    let mut s = format!(
        "zero means |coefficient|/scale ≤ tol = {:.1e}.\n\
         imperfection: g_µ = {:.6e}, ‖∂λ∇L‖ = {:.6e}, ratio {:.3e} ({}).\n\
         quadratic: g_aa = {:.6e}, scale max(‖D3L[φ,φ,·]‖, Σ|terms|) = {:.6e}, ratio {:.3e} ({}).\n\
         cubic: g_aaa (reduced) = {:.6e} (raw D4L[φ⁴] = {:.6e}), scale {:.6e}, ratio {:.3e} ({}).\n\
         transversality: g_aµ = {:.6e}, ratio {:.3e} ({}).\n\
         |g_aa/g_aaa| = {:.3e}: the quadratic term dominates the cubic for |a| < 3|g_aa/g_aaa| = {:.3e}.\n\
         point: ‖∇L‖ = {:.3e}, λ1 = {:.6e}, λ2 = {:.6e}, |λ1/λ2| = {:.3e}, |φᵀu1| = {:.12}.\n",
        c.tol,
        c.g_mu,
        c.grad_lambda_norm,
        c.small.g_mu,
        cmp(c.small.g_mu, c.tol),
        c.g_aa,
        c.aa_scale,
        c.small.g_aa,
        cmp(c.small.g_aa, c.tol),
        c.g_aaa_reduced,
        c.g_aaa_raw,
        c.aaa_scale,
        c.small.g_aaa,
        cmp(c.small.g_aaa, c.tol),
        c.g_amu,
        c.small.g_amu,
        cmp(c.small.g_amu, c.tol),
        c.ratio_aa_aaa,
        3.0 * c.ratio_aa_aaa,
        c.grad_norm,
        c.lambda1,
        c.lambda2,
        smallness(c.lambda1, c.lambda2.abs()),
        c.kernel_alignment,
    );
    let verdict = match c.classification {
        Classification::Fold => {
            let mut v = String::from(
                "verdict: fold (g_µ ≠ 0): the branch turns back at λ*; it does not persist \
                 through a branch point.",
            );
            if c.small.g_aa <= c.tol {
                v.push_str(
                    " g_aa is also zero: degenerate fold (cusp-like), the parabola λ(a) fails.",
                );
            }
            v.push_str(&format!(
                " Distance from a pitchfork (g_µ = g_aa = 0): imperfection ratio {:.3e}, \
                 quadratic ratio {:.3e}, |g_aa/g_aaa| = {:.3e}.",
                c.small.g_mu, c.small.g_aa, c.ratio_aa_aaa
            ));
            v
        }
        Classification::Transcritical => "verdict: transcritical (g_µ = 0, g_aa ≠ 0).".to_string(),
        Classification::Pitchfork => "verdict: pitchfork (g_µ = g_aa = 0, g_aaa ≠ 0).".to_string(),
        Classification::Degenerate => {
            "verdict: degenerate (g_µ = g_aa = g_aaa = 0 at this tolerance).".to_string()
        }
    };
    s.push_str(&verdict);
    if c.amu_zero && c.classification != Classification::Fold {
        s.push_str(" Warning: g_aµ = 0, the transversality condition fails.");
    }
    s
}

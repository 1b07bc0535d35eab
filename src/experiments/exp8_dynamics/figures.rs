//! exp8 figures: τ against δ, the decays at λ*, and the hysteresis loop on the exact S-curve.

use super::{Exp8Result, PitchforkDecay};
use crate::error::Result;
use crate::report::{LegendPosition, LinePlot, LineStyle, Series};

pub(super) fn all(r: &Exp8Result) -> Result<Vec<(String, String)>> {
    Ok(vec![
        ("figures/exp8_relaxation_time.svg".into(), tau(r)?),
        ("figures/exp8_decay_at_critical.svg".into(), decay(r)?),
        ("figures/exp8_hysteresis.svg".into(), hysteresis(r)?),
    ])
}

fn tau(r: &Exp8Result) -> Result<String> {
    let pts = |f: fn(&super::Relaxation) -> f64| -> Vec<(f64, f64)> {
        r.relaxation.iter().map(|x| (x.delta, f(x))).collect()
    };
    LinePlot::new(format!(
        "Relaxation time below the fold (m = 10): τ ∝ δ^{:.3}",
        r.tau_exponent
    ))
    .x_label("δ = λ* − λ")
    .y_label("τ")
    .log_log()
    .series(Series::new("measured (gradient flow)", pts(|x| x.tau)).style(LineStyle::Points))
    .series(
        Series::new(
            "measured (gradient descent, η = 1/µ_max)",
            r.relaxation
                .iter()
                .filter_map(|x| x.tau_gd.map(|t| (x.delta, t))),
        )
        .style(LineStyle::Points),
    )
    .series(Series::new("1/µ1 (exact Hessian)", pts(|x| x.tau_linear)))
    .series(Series::new("fold: 1/√(2|g_µ g_aa| δ)", pts(|x| x.tau_fold)).style(LineStyle::Dashed))
    .legend(LegendPosition::UpperRight)
    .render_svg()
}

fn decay(r: &Exp8Result) -> Result<String> {
    let d = &r.fold_decay;
    let law = |c: f64, p: f64, t: &[f64]| -> Vec<(f64, f64)> {
        t.iter().map(|&x| (x, c * x.powf(p))).collect()
    };
    let mut plot = LinePlot::new("Decay along the kernel at the critical point")
        .x_label("t (= steps × η)")
        .y_label("|a(t)|")
        .log_log()
        .series(Series::new(
            format!("fold m = 10: |a| ∝ t^{:.3}", d.exponent),
            d.t.iter().copied().zip(d.a.iter().copied()),
        ))
        .series(
            Series::new("2/(|g_aa| t)", law(d.predicted_coefficient, -1.0, &d.t))
                .style(LineStyle::Dashed),
        );
    if let PitchforkDecay::Measured(p) = &r.pitchfork_decay {
        plot = plot
            .series(Series::new(
                format!("pitchfork B.4 a = 1: |a| ∝ t^{:.3}", p.exponent),
                p.t.iter().copied().zip(p.a.iter().copied()),
            ))
            .series(
                Series::new(
                    "1/√(8Ct) (paper (35))",
                    law(p.predicted_coefficient, -0.5, &p.t),
                )
                .style(LineStyle::Dotted),
            );
    }
    plot.legend(LegendPosition::LowerLeft).render_svg()
}

fn hysteresis(r: &Exp8Result) -> Result<String> {
    let h = &r.hysteresis;
    let mut plot =
        LinePlot::new("Hysteresis (m = 10): adiabatic gradient flow on the exact S-curve")
            .x_label("λ")
            .y_label("loss");
    if let Some(b) = &r.branch {
        // Split the exact branch at Morse-index changes: minima solid, saddles dashed.
        let mut start = 0;
        for i in 1..=b.points.len() {
            let end = i == b.points.len() || b.points[i].morse_index != b.points[start].morse_index;
            if end {
                let seg = &b.points[start..i];
                let saddle = seg[0].morse_index > 0;
                let name = match (saddle, start) {
                    (false, 0) => "exact branch: minimum",
                    (true, _) => "exact branch: saddle",
                    (false, _) => "exact branch: second minimum",
                };
                plot = plot.series(
                    Series::new(name, seg.iter().map(|p| (p.lambda, p.loss))).style(if saddle {
                        LineStyle::Dashed
                    } else {
                        LineStyle::Solid
                    }),
                );
                start = i;
            }
        }
    }
    plot.series(
        Series::new(
            "gradient-flow sweep up",
            h.up.lambdas
                .iter()
                .copied()
                .zip(h.up.losses.iter().copied()),
        )
        .style(LineStyle::Points),
    )
    .series(
        Series::new(
            "gradient-flow sweep down",
            h.down
                .lambdas
                .iter()
                .copied()
                .zip(h.down.losses.iter().copied()),
        )
        .style(LineStyle::Points),
    )
    .legend(LegendPosition::UpperLeft)
    .render_svg()
}

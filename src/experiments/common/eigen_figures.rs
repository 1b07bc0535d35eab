//! The eigenvalue figures of an analysed model (B.2 and Remark 7.17).

use super::series;
use super::{Analysis, N_EIGS};
use crate::activation::Activation;
use crate::error::Result;
use crate::report::{LinePlot, LineStyle};

/// λ window of the zoom below and above the first event (paper Fig. 1, row 3 right).
const ZOOM_BELOW: f64 = 0.1;
/// See [`ZOOM_BELOW`].
const ZOOM_ABOVE: f64 = 0.02;
/// Eigenvalue window of the zoom.
const ZOOM_EIG: (f64, f64) = (-1e-3, 1.5e-3);

/// The eigenvalue figures of a traced model: vs λ (exact and paper overlaid) and vs arclength.
pub fn eigen_figures<A: Activation>(
    m: &Analysis<A>,
    prefix: &str,
) -> Result<Vec<(String, String)>> {
    let vs_l = eigen_vs_lambda(
        m,
        format!(
            "{} smallest Hessian eigenvalues (exact: solid, paper method: dashed)",
            N_EIGS
        ),
    );
    let mut vs_s = LinePlot::new(format!(
        "{} smallest Hessian eigenvalues vs arclength (exact)",
        N_EIGS
    ))
    .x_label("arclength s")
    .y_label("eigenvalue")
    .hline(0.0, "");
    for r in &m.events {
        vs_s = vs_s.vline(r.event.arclength, "");
    }
    for k in 0..N_EIGS {
        vs_s.push_series(series(
            format!("λ{}", k + 1),
            m.exact
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.arclength, e)))
                .collect(),
            LineStyle::Solid,
            k,
        ));
    }
    let mut lam_s = LinePlot::new("λ along the exact branch (a fold shows as a turning point)")
        .x_label("arclength s")
        .y_label("λ");
    lam_s.push_series(series(
        "λ(s)",
        m.exact
            .points
            .iter()
            .map(|p| (p.arclength, p.lambda))
            .collect(),
        LineStyle::Solid,
        0,
    ));
    // Zoom on the first event (the paper's Fig. 1, row 3 right).
    let zoom = m.events.first().map(|r| {
        let l = r.event.lambda;
        eigen_vs_lambda(m, format!("zoom near the first event, λ* = {l:.4}"))
            .x_range(l - ZOOM_BELOW, l + ZOOM_ABOVE)
            .y_range(ZOOM_EIG.0, ZOOM_EIG.1)
    });
    let mut figs = vec![
        (
            format!("figures/{prefix}_eigenvalues_vs_lambda.svg"),
            vs_l.render_svg()?,
        ),
        (
            format!("figures/{prefix}_eigenvalues_vs_arclength.svg"),
            vs_s.render_svg()?,
        ),
        (
            format!("figures/{prefix}_lambda_vs_arclength.svg"),
            lam_s.render_svg()?,
        ),
    ];
    if let Some(z) = zoom {
        figs.push((
            format!("figures/{prefix}_eigenvalues_zoom.svg"),
            z.render_svg()?,
        ));
    }
    Ok(figs)
}

/// The N_EIGS smallest eigenvalues against λ, exact (solid) and paper method (dashed), with the
/// events marked.
fn eigen_vs_lambda<A: Activation>(m: &Analysis<A>, title: String) -> LinePlot {
    let mut vs_l = LinePlot::new(title)
        .x_label("λ")
        .y_label("eigenvalue")
        .hline(0.0, "");
    for r in &m.events {
        vs_l = vs_l.vline(r.event.lambda, "");
    }
    for k in 0..N_EIGS {
        vs_l.push_series(series(
            if k == 0 { "exact" } else { "" },
            m.exact
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.lambda, e)))
                .collect(),
            LineStyle::Solid,
            k,
        ));
        vs_l.push_series(series(
            if k == 0 { "paper method" } else { "" },
            m.paper
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.lambda, e)))
                .collect(),
            LineStyle::Dashed,
            k,
        ));
    }
    vs_l
}

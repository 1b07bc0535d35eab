//! The eigenvalue figures of an analysed model (B.2 and Remark 7.17).

use super::{Analysis, N_EIGS};
use crate::activation::Activation;
use crate::error::Result;
use crate::experiments::output::{LinePlot, Series, Style};

/// The eigenvalue figures of a traced model: vs λ (exact and paper overlaid) and vs arclength.
pub fn eigen_figures<A: Activation>(
    m: &Analysis<A>,
    prefix: &str,
) -> Result<Vec<(String, String)>> {
    let ev_lambdas: Vec<f64> = m.events.iter().map(|r| r.event.lambda).collect();
    let mut vs_l = LinePlot {
        title: format!(
            "{} smallest Hessian eigenvalues (exact: solid, paper method: dashed)",
            N_EIGS
        ),
        x_label: "λ".into(),
        y_label: "eigenvalue".into(),
        hlines: vec![0.0],
        vlines: ev_lambdas.clone(),
        ..Default::default()
    };
    for k in 0..N_EIGS {
        vs_l.series.push(Series::new(
            if k == 0 { "exact" } else { "" },
            m.exact
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.lambda, e)))
                .collect(),
            Style::Line,
            k,
        ));
        vs_l.series.push(Series::new(
            if k == 0 { "paper method" } else { "" },
            m.paper
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.lambda, e)))
                .collect(),
            Style::Dashed,
            k,
        ));
    }
    let mut vs_s = LinePlot {
        title: format!(
            "{} smallest Hessian eigenvalues vs arclength (exact)",
            N_EIGS
        ),
        x_label: "arclength s".into(),
        y_label: "eigenvalue".into(),
        hlines: vec![0.0],
        vlines: m.events.iter().map(|r| r.event.arclength).collect(),
        ..Default::default()
    };
    for k in 0..N_EIGS {
        vs_s.series.push(Series::new(
            format!("λ{}", k + 1),
            m.exact
                .points
                .iter()
                .filter_map(|p| p.eigenvalues.get(k).map(|&e| (p.arclength, e)))
                .collect(),
            Style::Line,
            k,
        ));
    }
    let mut lam_s = LinePlot {
        title: "λ along the exact branch (a fold shows as a turning point)".into(),
        x_label: "arclength s".into(),
        y_label: "λ".into(),
        ..Default::default()
    };
    lam_s.series.push(Series::new(
        "λ(s)",
        m.exact
            .points
            .iter()
            .map(|p| (p.arclength, p.lambda))
            .collect(),
        Style::Line,
        0,
    ));
    // Zoom on the first event (the paper's Fig. 1, row 3 right).
    let zoom = m.events.first().map(|r| {
        let l = r.event.lambda;
        let mut z = vs_l.clone();
        z.title = format!("zoom near the first event, λ* = {l:.4}");
        z.x_range = Some((l - 0.1, l + 0.02));
        z.y_range = Some((-1e-3, 1.5e-3));
        z
    });
    let mut figs = vec![
        (
            format!("figures/{prefix}_eigenvalues_vs_lambda.svg"),
            vs_l.to_svg()?,
        ),
        (
            format!("figures/{prefix}_eigenvalues_vs_arclength.svg"),
            vs_s.to_svg()?,
        ),
        (
            format!("figures/{prefix}_lambda_vs_arclength.svg"),
            lam_s.to_svg()?,
        ),
    ];
    if let Some(z) = zoom {
        figs.push((
            format!("figures/{prefix}_eigenvalues_zoom.svg"),
            z.to_svg()?,
        ));
    }
    Ok(figs)
}

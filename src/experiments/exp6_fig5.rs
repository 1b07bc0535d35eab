//! The paper's Fig. 5 (top right): the terms of g_aa (25) and raw g_aaa (26) as grouped bars,
//! paper (printed) | the paper's method | exact, so a reader sees which term differs.

use super::exp6_paper::PaperConstants;
use super::Figure;
use crate::error::Result;
use crate::normal_form::{Coefficients, ThreeWay};
use crate::report::{BarChart, Panel};
use serde::Serialize;

/// Categories of the g_aa panel: its two terms (25) and the total.
pub const G_AA_TERMS: [&str; 3] = ["3E[Df·D²f]", "E[r·D³f]", "g_aa"];
/// Categories of the g_aaa panel: its three terms (26) and the total.
pub const G_AAA_TERMS: [&str; 4] = ["3E[(D²f)²]", "4E[Df·D³f]", "E[r·D⁴f]", "g_aaa raw"];

/// One bar group: a source of the values, in category order (null: not available).
#[derive(Clone, Debug, Serialize)]
pub struct BarGroup {
    /// "paper (printed)", "paper method", "exact".
    pub name: String,
    /// Where the values come from.
    pub source: String,
    /// g_aa panel values ([`G_AA_TERMS`]).
    pub g_aa: Vec<f64>,
    /// g_aaa panel values ([`G_AAA_TERMS`]).
    pub g_aaa: Vec<f64>,
}

/// The data of the figure (written to exp6_constants.json as `fig5`).
#[derive(Clone, Debug, Serialize)]
pub struct Fig5Bars {
    /// Category names of the g_aa panel.
    pub g_aa_categories: Vec<String>,
    /// Category names of the g_aaa panel.
    pub g_aaa_categories: Vec<String>,
    /// paper (printed) | paper method | exact.
    pub groups: Vec<BarGroup>,
}

/// Terms of the closed form followed by the total `total(t)`; NaN when not available.
fn values(t: Option<&ThreeWay>, n_terms: usize, total: impl Fn(&ThreeWay) -> f64) -> Vec<f64> {
    let mut v: Vec<f64> = match t.and_then(|t| t.formula.as_ref()) {
        Some(f) if f.terms.len() == n_terms => f.terms.iter().map(|(_, x)| *x).collect(),
        _ => vec![f64::NAN; n_terms],
    };
    v.push(t.map_or(f64::NAN, total));
    v
}

/// The bar data: printed constants, the paper method's point (closed-form terms with the
/// paper's FD value as total), the exact event (closed-form terms with the AD total).
pub fn fig5_bars(
    paper: &PaperConstants,
    method: Option<(f64, &Coefficients)>,
    exact: Option<(f64, &Coefficients)>,
) -> Fig5Bars {
    let mut printed_aa = paper.g_aa.1.to_vec();
    printed_aa.push(paper.g_aa.0);
    let mut printed_aaa = paper.g_aaa.1.to_vec();
    printed_aaa.push(paper.g_aaa.0);
    let at =
        |c: Option<(f64, &Coefficients)>| c.map_or("not run".into(), |(l, _)| format!("{l:.4}"));
    Fig5Bars {
        g_aa_categories: G_AA_TERMS.iter().map(|s| s.to_string()).collect(),
        g_aaa_categories: G_AAA_TERMS.iter().map(|s| s.to_string()).collect(),
        groups: vec![
            BarGroup {
                name: "paper (printed)".into(),
                source: format!("transcribed, λ* ≈ {}", paper.lambda_star),
                g_aa: printed_aa,
                g_aaa: printed_aaa,
            },
            BarGroup {
                name: "paper method (FD)".into(),
                source: format!(
                    "its grid point λ = {}, FD-Hessian kernel; terms by (25)/(26), total by FD",
                    at(method)
                ),
                g_aa: values(method.map(|m| &m.1.g_aa), 2, |t| t.fd),
                g_aaa: values(method.map(|m| &m.1.g_aaa), 3, |t| t.fd),
            },
            BarGroup {
                name: "exact (AD)".into(),
                source: format!(
                    "exact event λ* = {}; terms by (25)/(26), total by AD",
                    at(exact)
                ),
                g_aa: values(exact.map(|m| &m.1.g_aa), 2, |t| t.ad),
                g_aaa: values(exact.map(|m| &m.1.g_aaa), 3, |t| t.ad),
            },
        ],
    }
}

/// The figure: the g_aa panel beside the g_aaa panel.
pub fn fig5_figure(bars: &Fig5Bars) -> Result<Figure> {
    let mut aa = BarChart::new("g_aa = D³L[φ³] (25); sign follows φ", &bars.g_aa_categories);
    let mut aaa = BarChart::new("raw g_aaa = D⁴L[φ⁴] (26)", &bars.g_aaa_categories);
    for g in &bars.groups {
        aa = aa.group(g.name.clone(), g.g_aa.iter().copied())?;
        aaa = aaa.group(g.name.clone(), g.g_aaa.iter().copied())?;
    }
    let svg = Panel::new(2)
        .cell_size(640, 460)
        .title("Fig. 5: terms of g_aa and g_aaa — paper | paper method | exact")
        .push(aa)
        .push(aaa)
        .render_svg()?;
    Ok(("figures/fig5_constants_bars.svg".into(), svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::exp6_paper::PAPER;

    #[test]
    fn printed_group_holds_the_papers_values_and_missing_ones_are_nan() {
        let b = fig5_bars(&PAPER, None, None);
        assert_eq!(b.groups.len(), 3);
        assert_eq!(b.g_aa_categories.len(), 3);
        assert_eq!(b.g_aaa_categories.len(), 4);
        // (40): g_aa = 0.0010 − 0.0038 = −0.0028; g_aaa = 0.552 − 0.002 + 0.072 = 0.622.
        assert_eq!(b.groups[0].g_aa, vec![0.0010, -0.0038, -0.0028]);
        assert_eq!(b.groups[0].g_aaa, vec![0.552, -0.002, 0.072, 0.622]);
        for g in &b.groups[1..] {
            assert_eq!((g.g_aa.len(), g.g_aaa.len()), (3, 4));
            assert!(g.g_aa.iter().chain(&g.g_aaa).all(|v| v.is_nan()));
        }
        // The JSON: categories, and per group a name, a source and one entry per category.
        let j = serde_json::to_value(&b).unwrap();
        assert_eq!(j["g_aaa_categories"][3], "g_aaa raw");
        assert_eq!(j["groups"][2]["name"], "exact (AD)");
        assert_eq!(j["groups"][1]["g_aaa"].as_array().unwrap().len(), 4);
        let (path, svg) = fig5_figure(&b).unwrap();
        assert!(path.ends_with(".svg") && svg.contains("E[r·D⁴f]") && svg.contains("exact (AD)"));
    }
}

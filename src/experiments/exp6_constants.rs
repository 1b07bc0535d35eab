//! B.6: g_aa and raw g_aaa by the closed forms (25)–(26) with their terms, by exact AD and by
//! the paper's finite differences — at the exact event and (as the paper did) at the paper
//! method's grid point nearest its crossing; the corrected g_aaa and |g_aa/g_aaa|.

use super::common::{fmt, Analysis, EventReport};
use super::exp6_fd_vs_h::{fd_vs_h, fd_vs_h_figure, FdVsH};
use super::exp6_fig5::{fig5_bars, fig5_figure, Fig5Bars};
pub use super::exp6_paper::{PaperConstants, PAPER};
use super::table1::{coeffs, opt, Row, HD, MISSING};
use super::{Context, Experiment, Meta, Outcome};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::normal_form::{Coefficients, ThreeWay};
use ndarray::Array1;
use serde::Serialize;

/// Result of B.6.
#[derive(Clone, Debug, Serialize)]
pub struct Exp6Result {
    /// The paper's printed values.
    pub paper_printed: PaperConstants,
    /// At the exact event.
    pub at_exact_event: Option<EventReport>,
    /// At the paper method's grid point nearest its crossing (kernel from its FD Hessian).
    pub at_paper_point: Option<EventReport>,
    /// AD vs finite differences at the exact event: error against the step, and timings.
    pub fd_vs_h: Option<FdVsH>,
    /// The bars of the paper's Fig. 5 (terms of g_aa and g_aaa: paper | paper method | exact).
    pub fig5: Fig5Bars,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

/// " = t1 + t2 (closed form, rel. dev. from AD e)" when the closed form is available.
fn terms(t: &crate::normal_form::ThreeWay) -> String {
    match (&t.formula, t.rel_err_formula) {
        (Some(f), Some(e)) => format!(
            " = {} (closed form; rel. dev. from AD {e:.1e})",
            f.terms
                .iter()
                .map(|(k, v)| format!("{k} {v:.4e}"))
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        _ => String::new(),
    }
}

fn describe(label: &str, r: &Option<EventReport>) -> String {
    match r {
        None => format!("{label}: no point. "),
        Some(r) => match &r.coefficients {
            Err(e) => format!("{label} (λ = {:.6}): coefficients failed: {e}. ", r.event.lambda),
            Ok(c) => format!(
                "{label} (λ = {:.6}): g_aa = {:.4e}{} (FD rel. err {:.1e}), raw g_aaa = {:.4e}{} (FD \
                 rel. err {:.1e}), corrected g_aaa = {:.4e}, |g_aa/g_aaa| = {:.3e}, g_µ = {:.3e} → {:?}. ",
                r.event.lambda,
                c.g_aa.ad,
                terms(&c.g_aa),
                c.g_aa.rel_err_fd,
                c.g_aaa.ad,
                terms(&c.g_aaa),
                c.g_aaa.rel_err_fd,
                c.g_aaa_reduced,
                c.ratio_aa_aaa,
                c.g_mu,
                c.classification
            ),
        },
    }
}

/// (λ, coefficients) of a report, if its coefficients were computed.
fn with_lambda(r: &Option<EventReport>) -> Option<(f64, &Coefficients)> {
    r.as_ref()
        .and_then(|r| r.coefficients.as_ref().ok().map(|c| (r.event.lambda, c)))
}

/// " Best FD relative errors over h at the exact event: …" (vs the structured AD error).
fn describe_fd(r: &FdVsH) -> String {
    let best: Vec<String> = r
        .curves
        .iter()
        .map(|c| format!("{} {:.1e} at h = {:.0e}", c.name, c.best_rel_err, c.best_h))
        .collect();
    let ad = r
        .methods
        .iter()
        .filter(|m| m.method == "AD (structured)")
        .map(|m| format!("{} {:.1e}", m.quantity, m.rel_err))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        " Smallest FD relative errors over h ∈ [1e-10, 1e-1] at the exact event (reference: \
         generic num-dual AD): {}; structured AD: {ad}.",
        best.join("; ")
    )
}

/// Runs B.6 from the shared m = 10 analysis.
pub fn run<A: Activation>(_ctx: &Context, m: &Analysis<A>) -> Result<Outcome<Exp6Result>> {
    let at_exact = m.events.first().cloned();
    let at_paper = m.paper_event.clone();
    if at_exact.is_none() && at_paper.is_none() {
        return Err(Error::NoConvergence {
            method: "B.6".into(),
            reason: "neither method found a degenerate point on [0, 1]".into(),
        });
    }
    let mut finding = format!(
        "{}{}Paper printed: g_aa = 0.0010 − 0.0038 = −0.0028, g_aaa = 0.552 − 0.002 + 0.072 = \
         0.622, |g_aa/g_aaa| = 0.0045 at λ* ≈ 0.72. The sign of g_aa follows the orientation of \
         the kernel vector φ.",
        describe("Exact event", &at_exact),
        describe("Paper-method point", &at_paper)
    );
    let fig5 = fig5_bars(&PAPER, with_lambda(&at_paper), with_lambda(&at_exact));
    let mut figures = vec![fig5_figure(&fig5)?];
    let fd_vs_h = match m.events.first() {
        Some(r) => {
            let e = &r.event;
            let (theta, phi) = (
                Array1::from(e.theta.clone()),
                Array1::from(e.kernel.clone()),
            );
            let curves = fd_vs_h(&m.model, theta.view(), e.lambda, phi.view())?;
            figures.push(fd_vs_h_figure(&curves)?);
            finding.push_str(&describe_fd(&curves));
            Some(curves)
        }
        None => None,
    };
    Ok(Outcome {
        result: Exp6Result {
            paper_printed: PAPER,
            at_exact_event: at_exact,
            at_paper_point: at_paper,
            fd_vs_h,
            fig5,
            finding,
        },
        figures,
    })
}

/// B.6 as an [`Experiment`] (on the shared m = 10 analysis of the run context).
pub struct Constants;

impl Experiment for Constants {
    type Result = Exp6Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "B.6",
            title: "explicit constants",
            file: "exp6_constants.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp6Result>> {
        run(ctx, ctx.shared_m10()?)
    }

    /// The coefficient rows: at the paper method's point vs at the exact event (both cells
    /// say "not run" when B.6 failed).
    fn table_rows(&self, _ctx: &Context, result: Option<&Exp6Result>) -> Vec<Row> {
        let pp = coeffs(result.and_then(|r| r.at_paper_point.as_ref()));
        let ex = coeffs(result.and_then(|r| r.at_exact_event.as_ref()));
        coefficient_rows(pp, ex)
    }
}

/// The closed-form terms of a coefficient, " | "-separated.
fn formula_terms(tw: Option<&ThreeWay>) -> String {
    tw.and_then(|t| t.formula.as_ref())
        .map(|f| {
            f.terms
                .iter()
                .map(|(_, v)| fmt(*v))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or(MISSING.into())
}

/// A cell from the coefficients, or [`MISSING`].
fn cell(c: Option<&Coefficients>, f: impl Fn(&Coefficients) -> String) -> String {
    c.map(f).unwrap_or(MISSING.into())
}

/// One row per coefficient: paper method's point `pp`, exact event `ex`.
fn coefficient_rows(pp: Option<&Coefficients>, ex: Option<&Coefficients>) -> Vec<Row> {
    let row = |q: &str, paper: &str, f: &dyn Fn(Option<&Coefficients>) -> String| {
        Row::new(HD, q, paper, f(pp), f(ex))
    };
    vec![
        row("g_µ", "— (not computed)", &|c| opt(c.map(|c| c.g_mu))),
        row("g_aµ", "—", &|c| opt(c.map(|c| c.g_amu))),
        row("g_aa (sign follows φ's orientation)", "−0.0028", &|c| {
            opt(c.map(|c| c.g_aa.ad))
        }),
        row(
            "g_aa terms (25): 3E[Df·D²f] | E[r·D³f]",
            "0.0010 | −0.0038",
            &|c| formula_terms(c.map(|c| &c.g_aa)),
        ),
        row("g_aaa raw D⁴L[φ⁴]", "0.622", &|c| {
            opt(c.map(|c| c.g_aaa.ad))
        }),
        row(
            "g_aaa terms (26): 3E[(D²f)²] | 4E[Df·D³f] | E[r·D⁴f]",
            "0.552 | −0.002 | 0.072",
            &|c| formula_terms(c.map(|c| &c.g_aaa)),
        ),
        row("closed form (25)/(26) vs AD, rel. dev.", "—", &|c| {
            cell(c, |c| {
                format!(
                    "{} / {}",
                    opt(c.g_aa.rel_err_formula),
                    opt(c.g_aaa.rel_err_formula)
                )
            })
        }),
        row("g_aaa corrected (+3D³L[φ,φ,ψ20])", "—", &|c| {
            opt(c.map(|c| c.g_aaa_reduced))
        }),
        row("|g_aa/g_aaa| (raw / corrected)", "0.0045", &|c| {
            cell(c, |c| {
                format!(
                    "{} / {}",
                    fmt((c.g_aa.ad / c.g_aaa.ad).abs()),
                    fmt(c.ratio_aa_aaa)
                )
            })
        }),
        row("FD rel. error g_aa / g_aaa", "0.3% / 0.004%", &|c| {
            cell(c, |c| {
                format!(
                    "{}% / {}%",
                    fmt(100.0 * c.g_aa.rel_err_fd),
                    fmt(100.0 * c.g_aaa.rel_err_fd)
                )
            })
        }),
        row("classification", "near-pitchfork", &|c| {
            cell(c, |c| format!("{:?}", c.classification))
        }),
    ]
}

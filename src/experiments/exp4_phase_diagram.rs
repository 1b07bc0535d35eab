//! B.4: the toy model with v = (1, a), a ∈ {0, 0.1, 0.3, 0.5, 0.7, 0.9, 1}, at α = 0 (the
//! toy's setting) and at α = 4e-3 (the regularised setting of §7.3).
//!
//! The paper's Fig. 3 shows λ1(0) > 0 for a < 1; at α = 0 this is impossible (Prop 7.4:
//! H0 = vvᵀ ⊗ Σ has a kernel of dimension (m − 1)d for every v), and at α > 0 λ1(0) = α for
//! every a, including a = 1. Both settings are run and reported as computed.
//!
//! At α = 0 the minimiser at λ = 0 is not unique (a line vᵀw = γ/Σ of minima), so "the branch
//! from the minimum" needs a selection: the branch into λ > 0 leaves the line where the
//! reduced gradient's λ-derivative φᵀ∂λ∇L(w0 + tφ, 0) vanishes (φ ⟂ v spans the line). The
//! root t* nearest the minimum-norm minimiser is taken; the exact trace starts at λ = δ from
//! the Newton solution near w0 + t*φ. The paper method simply starts from the minimum-norm
//! minimiser.

use super::common::{
    first_crossing, linspace, par_map, report_event, series, start_point, w0_closed_form, Setting,
    START_TOL,
};
use super::{Context, Experiment, Figure, Meta, Outcome};
use crate::continuation::{
    newton_critical_point, trace, trace_paper, ContinuationParams, PaperParams, Spectrum, Status,
};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::models::two_layer::toy_model;
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use crate::report::{LegendPosition, LinePlot, LineStyle};
use ndarray::{array, Array1};
use serde::Serialize;

/// The symmetry-breaking parameters a of v = (1, a).
pub const A_VALUES: [f64; 7] = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0];
/// The two regularisations run.
pub const ALPHAS: [f64; 2] = [0.0, PAPER_ALPHA];
/// Start offset in λ of the exact trace at α = 0 (the start itself is a branch point).
pub const ALPHA0_DELTA: f64 = 1e-3;

/// The first located event of an exact trace.
#[derive(Clone, Debug, Serialize)]
pub struct EventSummary {
    /// Kind.
    pub kind: String,
    /// λ.
    pub lambda: f64,
    /// Classification from the reduced coefficients (or the error).
    pub classification: String,
    /// g_µ, if computed.
    pub g_mu: Option<f64>,
}

/// Exact side of a phase-diagram row.
#[derive(Clone, Debug, Serialize)]
pub struct ExactPhase {
    /// Why the trace stopped (None: not traced, see `note`).
    pub status: Option<Status>,
    /// How the start point was chosen, or why no trace was possible.
    pub note: String,
    /// Boundary degeneracy at λ = 0 (λ1(0) = 0).
    pub boundary: bool,
    /// First interior event, if any.
    pub first_event: Option<EventSummary>,
    /// (λ, λ1) along the branch.
    pub curve: Vec<(f64, f64)>,
}

/// Paper-method side of a row.
#[derive(Clone, Debug, Serialize)]
pub struct PaperPhase {
    /// Why it stopped.
    pub status: Status,
    /// Interpolated first crossing of λ1 through 0.
    pub crossing: Option<f64>,
    /// λ1(0) from the FD Hessian.
    pub lambda1_at_0: f64,
    /// (λ, λ1) along the grid.
    pub curve: Vec<(f64, f64)>,
}

/// One (a, α) row.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseRow {
    /// a.
    pub a: f64,
    /// α.
    pub alpha: f64,
    /// Exact λ1(0) at the minimum-norm minimiser.
    pub lambda1_at_0: f64,
    /// Exact computation.
    #[serde(serialize_with = "super::common::ok_or_error")]
    pub exact: std::result::Result<ExactPhase, String>,
    /// Paper method.
    #[serde(serialize_with = "super::common::ok_or_error")]
    pub paper: std::result::Result<PaperPhase, String>,
}

/// Result of B.4.
#[derive(Clone, Debug, Serialize)]
pub struct Exp4Result {
    /// Common setting (v varies with a).
    pub setting: Setting,
    /// What is run and why.
    pub alpha_choice: String,
    /// Paper-method grid steps used.
    pub paper_steps: usize,
    /// Rows, α-major.
    pub rows: Vec<PhaseRow>,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

fn is_zero_eig(x: f64) -> bool {
    // Exact arithmetic gives 0; rounding of a Hessian with entries O(1) gives ~1e-16.
    x.abs() <= 1e-12
}

/// The start of the α = 0 branch: (θ at λ = δ, description), or `Err(note)` when the family is
/// degenerate for every λ.
fn alpha0_start(model: &TwoLayer) -> Result<std::result::Result<(Array1<f64>, String), String>> {
    let w0 = w0_closed_form(model)?;
    let v = model.output_weights();
    let nv = v.dot(v).sqrt();
    let phi = array![v[1] / nv, -v[0] / nv];
    let f = |t: f64| {
        let th = &w0 + &(&phi * t);
        phi.dot(&model.grad_lambda(th.view(), 0.0))
    };
    let ts = linspace(-2.0, 2.0, 401);
    let fs: Vec<f64> = ts.iter().map(|&t| f(t)).collect();
    let scale = fs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if scale <= 1e-14 {
        return Ok(Err(format!(
            "φᵀ∂λ∇L ≡ 0 on the line of minima (max {scale:.1e}): the direction φ = ({:.3}, {:.3}) \
             does not enter the loss, λ1 ≡ 0 for every λ; no isolated branch to trace",
            phi[0], phi[1]
        )));
    }
    let mut roots = Vec::new();
    for i in 0..ts.len() - 1 {
        let (mut a, mut b) = (ts[i], ts[i + 1]);
        let (mut fa, fb) = (fs[i], fs[i + 1]);
        if fa == 0.0 {
            roots.push(a);
            continue;
        }
        if fa * fb < 0.0 {
            for _ in 0..100 {
                let c = 0.5 * (a + b);
                let fc = f(c);
                if fc == 0.0 || (b - a) < 1e-15 {
                    a = c;
                    b = c;
                    break;
                }
                if fa * fc < 0.0 {
                    b = c;
                } else {
                    a = c;
                    fa = fc;
                }
            }
            roots.push(0.5 * (a + b));
        }
    }
    if roots.is_empty() {
        return Ok(Err(
            "no zero of φᵀ∂λ∇L on the line of minima for t ∈ [−2, 2]: no branch leaves it there"
                .into(),
        ));
    }
    // Near (w0 + t*φ, 0) the reduced gradient is ≈ λ·F(t), so the branch leaving a root with
    // F′(t*) > 0 is a minimum for small λ > 0, one with F′(t*) < 0 a saddle. Prefer minima,
    // then the root nearest the minimum-norm minimiser.
    let h = 1e-6;
    let slope = |t: f64| (f(t + h) - f(t - h)) / (2.0 * h);
    let classified: Vec<(f64, f64)> = roots.iter().map(|&t| (t, slope(t))).collect();
    let &(t_star, fp) = classified
        .iter()
        .min_by(|a, b| {
            (a.1 <= 0.0)
                .cmp(&(b.1 <= 0.0))
                .then(a.0.abs().total_cmp(&b.0.abs()))
        })
        .expect("roots is not empty");
    let start = &w0 + &(&phi * t_star);
    let theta = newton_critical_point(model, start.view(), ALPHA0_DELTA, START_TOL)?;
    Ok(Ok((
        theta,
        format!(
            "line of minima w0 + tφ at λ = 0; F(t) = φᵀ∂λ∇L(w0 + tφ, 0) has roots (t, F′) = \
             {classified:.4?}; branch selected at t* = {t_star:.6} (F′ = {fp:.3e}: {}; preferred: \
             minima first, then nearest the minimum-norm minimiser); traced from λ = {ALPHA0_DELTA}",
            if fp > 0.0 { "a minimum for small λ" } else { "a saddle for small λ" }
        ),
    )))
}

fn exact_row(model: &TwoLayer, lambda1_0: f64) -> Result<ExactPhase> {
    let params = ContinuationParams {
        spectrum: Spectrum::Full,
        ..Default::default()
    };
    let (theta, lam0, note, mut curve) = if model.alpha() == 0.0 {
        match alpha0_start(model)? {
            Ok((th, note)) => (th, ALPHA0_DELTA, note, vec![(0.0, lambda1_0)]),
            Err(note) => {
                return Ok(ExactPhase {
                    status: None,
                    note,
                    boundary: is_zero_eig(lambda1_0),
                    first_event: None,
                    curve: vec![(0.0, lambda1_0)],
                })
            }
        }
    } else {
        (
            start_point(model)?,
            0.0,
            "regularised minimiser W0 (closed form, Newton-polished)".into(),
            vec![],
        )
    };
    let branch = trace(model, theta.view(), lam0, &params)?;
    curve.extend(
        branch
            .points
            .iter()
            .filter_map(|p| p.eigenvalues.first().map(|&e| (p.lambda, e))),
    );
    let first_event = branch.events.first().map(|e| {
        let r = report_event(model, e, &branch);
        EventSummary {
            kind: format!("{:?}", e.kind),
            lambda: e.lambda,
            classification: match &r.coefficients {
                Ok(c) => format!("{:?}", c.classification),
                Err(err) => format!("not computed: {err}"),
            },
            g_mu: r.coefficients.as_ref().ok().map(|c| c.g_mu),
        }
    });
    Ok(ExactPhase {
        status: Some(branch.status),
        note,
        boundary: is_zero_eig(lambda1_0),
        first_event,
        curve,
    })
}

fn paper_row(model: &TwoLayer, steps: usize) -> Result<PaperPhase> {
    let w0 = w0_closed_form(model)?;
    let b = trace_paper(
        model,
        w0.view(),
        &PaperParams {
            n_steps: steps,
            spectrum: Spectrum::Full,
            ..Default::default()
        },
    )?;
    let curve: Vec<(f64, f64)> = b
        .points
        .iter()
        .filter_map(|p| p.eigenvalues.first().map(|&e| (p.lambda, e)))
        .collect();
    Ok(PaperPhase {
        status: b.status.clone(),
        crossing: first_crossing(&b.points).map(|c| c.lambda),
        lambda1_at_0: curve.first().map(|c| c.1).unwrap_or(f64::NAN),
        curve,
    })
}

/// Runs B.4.
pub fn run(ctx: &Context) -> Result<Outcome<Exp4Result>> {
    let jobs: Vec<(f64, f64)> = ALPHAS
        .iter()
        .flat_map(|&al| A_VALUES.iter().map(move |&a| (a, al)))
        .collect();
    ctx.message(&format!("B.4: {} toy traces × 2 methods", jobs.len()));
    let rows: Vec<PhaseRow> = par_map(&jobs, |&(a, alpha)| -> Result<PhaseRow> {
        let model = toy_model(a, alpha)?;
        let w0 = w0_closed_form(&model)?;
        let l0 = crate::linalg::sym_eigenvalues(&model.hessian(w0.view(), 0.0))?[0];
        Ok(PhaseRow {
            a,
            alpha,
            lambda1_at_0: l0,
            exact: exact_row(&model, l0).map_err(|e| e.to_string()),
            paper: paper_row(&model, ctx.phase_paper_steps).map_err(|e| e.to_string()),
        })
    })
    .into_iter()
    .collect::<Result<_>>()?;

    let finding = finding(&rows);
    let setting = Setting::of(&toy_model(0.5, 0.0)?, "data::toy(42, 2000); v = (1, a)");
    let result = Exp4Result {
        setting,
        alpha_choice: "Both α = 0 (the toy's setting; Prop 7.4 forces λ1(0) = 0 for every a) and \
                       α = 4e-3 (λ1(0) = α for every a, Thm 7.6(i)). Neither reproduces the \
                       paper's Fig. 3 claim λ1(0) > 0 for a < 1 with λ1(0) = 0 at a = 1."
            .into(),
        paper_steps: ctx.phase_paper_steps,
        rows,
        finding,
    };

    let mut figures = eigenvalue_figures(&result)?;
    figures.push(("figures/phase_diagram.svg".into(), phase_diagram(&result)?));
    Ok(Outcome { result, figures })
}

/// B.4's finding: λ1(0) and λ*(a) per α.
fn finding(rows: &[PhaseRow]) -> String {
    let mut finding = String::new();
    for &alpha in &ALPHAS {
        let rs: Vec<&PhaseRow> = rows.iter().filter(|r| r.alpha == alpha).collect();
        let l0: Vec<String> = rs
            .iter()
            .map(|r| format!("{:.1e}", r.lambda1_at_0))
            .collect();
        let ls: Vec<String> = rs
            .iter()
            .map(|r| match &r.exact {
                Ok(e) => match (&e.first_event, e.boundary) {
                    (Some(ev), true) => format!(
                        "a={}: 0 (boundary) then {} at {:.4}",
                        r.a, ev.kind, ev.lambda
                    ),
                    (Some(ev), false) => format!(
                        "a={}: {} at {:.4} ({})",
                        r.a, ev.kind, ev.lambda, ev.classification
                    ),
                    (None, true) => format!("a={}: 0 (boundary)", r.a),
                    (None, false) => format!("a={}: none", r.a),
                },
                Err(err) => format!("a={}: failed ({err})", r.a),
            })
            .collect();
        finding.push_str(&format!(
            "α = {alpha}: exact λ1(0) over a = {:?}: [{}]; λ*(a): {}. ",
            A_VALUES,
            l0.join(", "),
            ls.join("; ")
        ));
    }
    finding
}

/// λ1 along the branch per a, one figure per α.
fn eigenvalue_figures(result: &Exp4Result) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for &alpha in &ALPHAS {
        let mut p = LinePlot::new(format!(
            "toy v = (1, a), α = {alpha}: smallest eigenvalue (exact solid, paper dashed)"
        ))
        .x_label("λ")
        .y_label("λ1")
        .hline(0.0, "");
        for (k, r) in result.rows.iter().filter(|r| r.alpha == alpha).enumerate() {
            if let Ok(e) = &r.exact {
                p.push_series(series(
                    format!("a = {}", r.a),
                    e.curve.clone(),
                    LineStyle::Solid,
                    k,
                ));
            }
            if let Ok(pp) = &r.paper {
                p.push_series(series("", pp.curve.clone(), LineStyle::Dashed, k));
            }
        }
        figures.push((
            format!("figures/phase_eigenvalues_alpha_{alpha}.svg"),
            p.render_svg()?,
        ));
    }
    Ok(figures)
}

/// The phase diagram λ*(a).
fn phase_diagram(result: &Exp4Result) -> Result<String> {
    let mut pd = LinePlot::new(
        "phase diagram λ*(a): interior events (exact), crossings (paper), boundary at 0",
    )
    .x_label("a")
    .y_label("λ*")
    .legend(LegendPosition::UpperLeft);
    for (k, &alpha) in ALPHAS.iter().enumerate() {
        let rs = result.rows.iter().filter(|r| r.alpha == alpha);
        let mut interior = Vec::new();
        let mut boundary = Vec::new();
        let mut paper = Vec::new();
        for r in rs {
            if let Ok(e) = &r.exact {
                if let Some(ev) = &e.first_event {
                    interior.push((r.a, ev.lambda));
                }
                if e.boundary {
                    boundary.push((r.a, 0.0));
                }
            }
            if let Ok(Some(c)) = r.paper.as_ref().map(|p| p.crossing) {
                paper.push((r.a, c));
            }
        }
        pd.push_series(series(
            format!("exact interior event, α = {alpha}"),
            interior,
            LineStyle::LinePoints,
            2 * k,
        ));
        pd.push_series(series(
            format!("boundary λ1(0) = 0, α = {alpha}"),
            boundary,
            LineStyle::Points,
            7,
        ));
        pd.push_series(series(
            format!("paper crossing, α = {alpha}"),
            paper,
            LineStyle::Dashed,
            2 * k + 1,
        ));
    }
    pd.render_svg()
}

/// B.4 as an [`Experiment`] (no Table 1 rows: the paper's Table 1 has no phase diagram).
pub struct PhaseDiagram;

impl Experiment for PhaseDiagram {
    type Result = Exp4Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "B.4",
            title: "symmetry-breaking phase diagram",
            file: "exp4_phase_diagram.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp4Result>> {
        run(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_spectrum_and_symmetric_pitchfork() {
        let ctx = Context::new(true, false);
        let r = run(&ctx).unwrap().result;
        assert_eq!(r.rows.len(), A_VALUES.len() * ALPHAS.len());
        for row in &r.rows {
            if row.alpha == 0.0 {
                // Prop 7.4: H0 = vvᵀ ⊗ Σ has a kernel for every v (m − 1 = 1 here).
                assert!(
                    row.lambda1_at_0.abs() < 1e-12,
                    "a = {}: {}",
                    row.a,
                    row.lambda1_at_0
                );
            } else {
                // Thm 7.6(i): λ1(0) = α exactly (up to rounding).
                assert!(
                    (row.lambda1_at_0 - row.alpha).abs() < 1e-12,
                    "a = {}",
                    row.a
                );
            }
        }
        // a = 1, α > 0: the swap symmetry forces g_µ = 0, a branch point classified pitchfork.
        let sym = r.rows.iter().find(|x| x.a == 1.0 && x.alpha > 0.0).unwrap();
        let ev = sym
            .exact
            .as_ref()
            .unwrap()
            .first_event
            .as_ref()
            .expect("an event at a = 1");
        assert_eq!(ev.kind, "BranchPoint");
        assert_eq!(ev.classification, "Pitchfork");
        assert!(ev.g_mu.unwrap().abs() < 1e-10);
    }
}

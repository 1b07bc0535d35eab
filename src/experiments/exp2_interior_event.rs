//! B.2: the symmetry-broken model d = 5, m = 10, α = 4e-3 (`TwoLayer::paper(10)`): the branch
//! from the regularised minimum, traced exactly (pseudo-arclength, events located and
//! classified) and by the paper's method (L-BFGS on a 401-point λ grid, FD Hessians).

use super::common::{
    describe_events, describe_paper, eigen_figures, fmt, Analysis, BranchSummary, Crossing,
    EventReport, Setting, N_EIGS,
};
use super::exp2_scipy_stopping::{self, lambda_star_cell, ScipyStoppingRerun};
use super::table1::{coeffs, opt, Row, HD, MISSING};
use super::{Context, Experiment, Meta, Outcome};
use crate::activation::Activation;
use crate::continuation::{resample, Status};
use crate::derivatives::Objective;
use crate::error::Result;
use serde::Serialize;

/// Exact vs paper eigenvalues on the paper grid, where the exact branch is a graph over λ.
#[derive(Clone, Debug, Serialize)]
pub struct MethodComparison {
    /// Number of paper grid points compared.
    pub n_compared: usize,
    /// Largest |λ1_exact − λ1_paper| on the compared points before the paper crossing.
    pub max_diff_lambda1_before_crossing: f64,
    /// Largest λ compared.
    pub lambda_max_compared: f64,
}

/// Result of B.2.
#[derive(Clone, Debug, Serialize)]
pub struct Exp2Result {
    /// Model setting.
    pub setting: Setting,
    /// ‖∇L‖ at the closed-form W0 (before the Newton polish).
    pub w0_grad_norm: f64,
    /// Smallest exact Hessian eigenvalues at λ = 0 (λ1(0) = α).
    pub eigenvalues_at_0: Vec<f64>,
    /// Exact branch.
    pub exact: BranchSummary,
    /// Located events with coefficients and classification.
    pub events: Vec<EventReport>,
    /// Paper-method branch.
    pub paper: BranchSummary,
    /// The paper method's interpolated crossing, or its closest approach when λ1 never
    /// changes sign on its grid.
    pub paper_crossing: Option<Crossing>,
    /// Paper vs exact on the common λ range.
    pub comparison: MethodComparison,
    /// The paper method again with scipy's default L-BFGS-B stopping (where 0.721 comes from).
    pub paper_scipy_stopping: ScipyStoppingRerun,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

/// Runs B.2 from the shared analysis.
pub fn run<A: Activation>(ctx: &Context, m: &Analysis<A>) -> Result<Outcome<Exp2Result>> {
    let h0 = m.model.hessian(m.theta0.view(), 0.0);
    let eig0: Vec<f64> = crate::linalg::sym_eigenvalues(&h0)?
        .iter()
        .take(N_EIGS)
        .copied()
        .collect();
    let grid: Vec<f64> = m.paper.points.iter().map(|p| p.lambda).collect();
    let res = resample(&m.exact, &grid);
    let cross = m
        .crossing
        .as_ref()
        .filter(|c| c.sign_change)
        .map(|c| c.lambda)
        .unwrap_or(f64::INFINITY);
    let mut maxdiff = 0.0f64;
    let mut lmax = f64::NAN;
    let mut n_cmp = 0;
    for gp in &res {
        if let Some(p) = m.paper.points.iter().find(|p| p.lambda == gp.lambda) {
            n_cmp += 1;
            lmax = gp.lambda;
            if gp.lambda < cross {
                if let (Some(a), Some(b)) = (gp.eigenvalues.first(), p.eigenvalues.first()) {
                    maxdiff = maxdiff.max((a - b).abs());
                }
            }
        }
    }
    ctx.message("B.2 m = 10: paper-method trace with scipy's default stopping");
    // The same grid as the tight rerun (whose branch may stop early at a jump).
    let scipy = exp2_scipy_stopping::run(m, ctx.paper_steps)?;
    let finding = format!(
        "{} Paper method: {}; status {:?}, max ‖∇L‖ = {:.1e} (exact: {:.1e}). With scipy's \
         default L-BFGS-B stopping: {}; max ‖∇L‖ = {:.1e}.",
        describe_events(m),
        describe_paper(m.crossing.as_ref()),
        m.paper.status,
        m.paper.max_grad_norm,
        m.exact.max_grad_norm,
        describe_paper(scipy.crossing.as_ref()),
        scipy.branch.max_grad_norm
    );
    let result = Exp2Result {
        setting: Setting::of(&m.model, "paper_teacher(77, 500) (numpy-compatible)"),
        w0_grad_norm: m.w0_grad_norm,
        eigenvalues_at_0: eig0,
        exact: BranchSummary::of(&m.exact),
        events: m.events.clone(),
        paper: BranchSummary::of(&m.paper),
        paper_crossing: m.crossing.clone(),
        comparison: MethodComparison {
            n_compared: n_cmp,
            max_diff_lambda1_before_crossing: maxdiff,
            lambda_max_compared: lmax,
        },
        paper_scipy_stopping: scipy,
        finding,
    };
    let mut figures = eigen_figures(m, "hd")?;
    figures.push(exp2_scipy_stopping::figure(
        m,
        &result.paper_scipy_stopping,
    )?);
    Ok(Outcome { result, figures })
}

/// B.2 as an [`Experiment`] (on the shared m = 10 analysis of the run context).
pub struct InteriorEvent;

impl Experiment for InteriorEvent {
    type Result = Exp2Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "B.2",
            title: "interior event (d=5, m=10)",
            file: "exp2_interior_event.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp2Result>> {
        run(ctx, ctx.shared_m10()?)
    }

    fn table_rows(&self, ctx: &Context, result: Option<&Exp2Result>) -> Vec<Row> {
        match result {
            // The paper method's point is part of the shared analysis (B.6 reports it too).
            Some(e) => table_rows(
                e,
                ctx.shared_m10_if_ready()
                    .and_then(|m| m.paper_event.as_ref()),
            ),
            None => vec![Row::missing(HD, "B.2")],
        }
    }
}

/// "n (|λi| ≤ 1e-9; λ1 = …)": the numerical kernel dimension at an event.
fn kernel_dim(ev: Option<&EventReport>) -> String {
    ev.map(|r| {
        let n = r
            .event
            .eigenvalues
            .iter()
            .filter(|x| x.abs() <= KERNEL_TOL)
            .count();
        format!(
            "{n} (|λi| ≤ 1e-9; λ1 = {})",
            fmt(r
                .event
                .eigenvalues
                .iter()
                .copied()
                .min_by(|a, b| a.abs().total_cmp(&b.abs()))
                .unwrap_or(f64::NAN))
        )
    })
    .unwrap_or(MISSING.into())
}

/// Eigenvalues of modulus at most this count as the kernel in Table 1 ("dim ker H*").
const KERNEL_TOL: f64 = 1e-9;

/// The paper method's λ* cell: its crossing, or its closest approach (and a branch jump).
fn paper_lambda_star(e2: &Exp2Result) -> String {
    let jump = match &e2.paper.status {
        Status::BranchJump(_) => Some(format!(
            ", then L-BFGS jumps to another branch after λ = {}",
            fmt(e2.paper.lambda_range.1)
        )),
        _ => None,
    };
    e2.paper_crossing
        .as_ref()
        .map(|c| {
            if c.sign_change {
                format!("{} (interpolated crossing)", fmt(c.lambda))
            } else {
                format!(
                    "no sign change; closest approach λ1 = {} at {}{}",
                    fmt(c.lambda1),
                    fmt(c.lambda),
                    jump.unwrap_or_default()
                )
            }
        })
        .unwrap_or("no points".into())
}

/// B.2's Table 1 rows; `paper_event` is the paper method's point (kernel dimension there).
fn table_rows(e2: &Exp2Result, paper_event: Option<&EventReport>) -> Vec<Row> {
    let ex_ev = e2.events.first();
    let ex_c = coeffs(ex_ev);
    let cross = e2.paper_crossing.as_ref();
    let exact_star = ex_ev
        .map(|e| format!("{} ({:?})", fmt(e.event.lambda), e.event.kind))
        .unwrap_or("no event on [0, 1]".into());
    vec![
        Row::new(
            HD,
            "λ* (paper's method: tight L-BFGS stopping)",
            "0.721 (interior)",
            paper_lambda_star(e2),
            exact_star.clone(),
        ),
        Row::new(
            HD,
            "λ* (paper's method: scipy's default L-BFGS-B stopping, factr 1e7, pgtol 1e-5)",
            "0.721 (interior)",
            lambda_star_cell(&e2.paper_scipy_stopping),
            exact_star,
        ),
        Row::new(
            HD,
            "max ‖∇L‖ along branch (scipy's default stopping)",
            "< 1e-4",
            fmt(e2.paper_scipy_stopping.branch.max_grad_norm),
            fmt(e2.exact.max_grad_norm),
        ),
        Row::new(
            HD,
            "λ1(0)",
            "0.004 (= α)",
            opt(e2
                .paper
                .points
                .first()
                .and_then(|p| p.eigenvalues.first().copied())),
            opt(e2.eigenvalues_at_0.first().copied()),
        ),
        Row::new(
            HD,
            "dim ker H*",
            "1",
            kernel_dim(paper_event),
            kernel_dim(ex_ev),
        ),
        Row::new(
            HD,
            "|λ1/λ2| at λ*",
            "0.009",
            opt(cross.map(|c| c.eig_ratio)),
            opt(ex_c.map(|c| c.eig_ratio)),
        ),
        Row::new(
            HD,
            "λ2 at λ*",
            "0.0006",
            opt(cross.map(|c| c.lambda2)),
            opt(ex_c.map(|c| c.lambda2)),
        ),
        Row::new(
            HD,
            "dλ1/dλ at λ*",
            "−0.006",
            opt(cross.map(|c| c.slope)),
            match ex_c {
                Some(c) => match c.crossing_speed {
                    Some(s) => fmt(s),
                    None => "unbounded (λ turns at a fold)".into(),
                },
                None => MISSING.into(),
            },
        ),
        Row::new(
            HD,
            "max ‖∇L‖ along branch",
            "< 1e-4",
            fmt(e2.paper.max_grad_norm),
            fmt(e2.exact.max_grad_norm),
        ),
    ]
}

//! B.1: the S2-symmetric toy model d = 1, m = 2, v = (1, 1) on `data::toy(42, 2000)`.
//!
//! α = 0: the paper's toy is unregularised (Prop 7.2/7.4 and Table 1's λ1(0) = 0 only hold at
//! α = 0; with α > 0 the transverse eigenvalue would start at α). The diagonal w1 = w2 is the
//! fixed-point subspace of the swap, so the branch is traced on it (1-D restricted objective),
//! exactly (pseudo-arclength) and by the paper's method (minimisation on a λ grid); the full
//! 2 × 2 Hessian is evaluated along it.

use super::common::{
    fit_potential, fmt, linspace, nearest_point, series, w0_closed_form, HessianSource,
    LossContour, Restricted, Setting, START_TOL,
};
use super::table1::{Row, TOY};
use super::{Context, Experiment, Figure, Meta, Outcome};
use crate::continuation::{
    newton_critical_point, trace, trace_paper, Branch, ContinuationParams, PaperParams, Spectrum,
    Status,
};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::models::two_layer::{toy_model, TwoLayer};
use crate::report::{LinePlot, LineStyle};
use ndarray::{array, Array1, Array2};
use rayon::prelude::*;
use serde::Serialize;

/// The λ values of the contour panels (paper Fig. 1, row 1).
pub const CONTOUR_LAMBDAS: [f64; 4] = [0.0, 0.3, 0.7, 1.0];
/// The λ values of the reduced-potential curves.
pub const POTENTIAL_LAMBDAS: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// One point of the diagonal branch with the full 2 × 2 spectrum.
#[derive(Clone, Debug, Serialize)]
pub struct DiagonalPoint {
    /// λ.
    pub lambda: f64,
    /// w = w1 = w2.
    pub w: f64,
    /// Transverse eigenvalue: uᵀHu, u = (1, −1)/√2.
    pub transverse: f64,
    /// Longitudinal eigenvalue: eᵀHe, e = (1, 1)/√2.
    pub longitudinal: f64,
    /// uᵀHe (0 by the swap symmetry).
    pub coupling: f64,
    /// L.
    pub loss: f64,
    /// ‖∇L‖ of the full objective.
    pub grad_norm: f64,
}

/// The diagonal branch by one method.
#[derive(Clone, Debug, Serialize)]
pub struct DiagonalBranch {
    /// "exact" (pseudo-arclength, exact Hessian) or "paper" (grid minimisation, FD Hessian).
    pub method: String,
    /// Why the trace stopped.
    pub status: Status,
    /// Points.
    pub points: Vec<DiagonalPoint>,
    /// Events the continuation located on the 1-D restricted problem (longitudinal).
    pub restricted_events: usize,
    /// Largest transverse eigenvalue over points with λ > 0 (negative: saddle throughout).
    pub max_transverse_for_positive_lambda: f64,
    /// Smallest longitudinal eigenvalue.
    pub min_longitudinal: f64,
}

/// The reduced potential along s = (w1 − w2)/2 at one λ.
#[derive(Clone, Debug, Serialize)]
pub struct ToyPotential {
    /// λ.
    pub lambda: f64,
    /// w* on the diagonal.
    pub w_star: f64,
    /// Grid in s.
    pub s: Vec<f64>,
    /// ϕ(s) = L(w* + s, w* − s) − L(w*, w*).
    pub phi: Vec<f64>,
    /// max_s |ϕ(s) − ϕ(−s)| (exact Z2: 0).
    pub max_asymmetry: f64,
    /// max_s |ϕ(s)| (at λ = 0 the line is exactly flat: rounding only).
    pub max_abs_phi: f64,
    /// Degree-8 least-squares fit coefficients c0..c8.
    pub fit: Vec<f64>,
    /// max |odd coefficient| / max |coefficient| of the fit.
    pub odd_to_even: f64,
}

/// A loss-contour panel.
#[derive(Clone, Debug, Serialize)]
pub struct ContourPanel {
    /// λ.
    pub lambda: f64,
    /// Figure file (relative to the output directory).
    pub figure: String,
    /// Grid minimum (w1, w2, L).
    pub grid_min: (f64, f64, f64),
}

/// Result of B.1.
#[derive(Clone, Debug, Serialize)]
pub struct Exp1Result {
    /// Model setting.
    pub setting: Setting,
    /// Why α = 0.
    pub alpha_choice: String,
    /// Exact transverse eigenvalue at λ = 0 (Prop 7.4: exactly 0).
    pub transverse_at_0_exact: f64,
    /// The paper method's (forward-difference) transverse eigenvalue at λ = 0.
    pub transverse_at_0_paper: f64,
    /// λ* of the toy: a boundary degeneracy at λ = 0.
    pub lambda_star: f64,
    /// Interpretation in words, from the numbers.
    pub finding: String,
    /// Exact branch.
    pub exact: DiagonalBranch,
    /// Paper-method branch.
    pub paper: DiagonalBranch,
    /// Reduced potentials.
    pub potentials: Vec<ToyPotential>,
    /// Contour panels.
    pub contours: Vec<ContourPanel>,
}

fn diag_point<O: Objective + ?Sized>(
    obj: &O,
    lambda: f64,
    w: f64,
    source: HessianSource,
) -> DiagonalPoint {
    let theta = array![w, w];
    let h = source.hessian(obj, theta.view(), lambda);
    let r = std::f64::consts::FRAC_1_SQRT_2;
    let (u, e) = (array![r, -r], array![r, r]);
    let g = obj.gradient(theta.view(), lambda);
    DiagonalPoint {
        lambda,
        w,
        transverse: u.dot(&h.dot(&u)),
        longitudinal: e.dot(&h.dot(&e)),
        coupling: u.dot(&h.dot(&e)),
        loss: obj.value(theta.view(), lambda),
        grad_norm: g.dot(&g).sqrt(),
    }
}

fn summarise(method: &str, branch: &Branch, points: Vec<DiagonalPoint>) -> DiagonalBranch {
    let max_t = points
        .iter()
        .filter(|p| p.lambda > 0.0)
        .map(|p| p.transverse)
        .fold(f64::NEG_INFINITY, f64::max);
    let min_l = points
        .iter()
        .map(|p| p.longitudinal)
        .fold(f64::INFINITY, f64::min);
    DiagonalBranch {
        method: method.into(),
        status: branch.status.clone(),
        points,
        restricted_events: branch.events.len(),
        max_transverse_for_positive_lambda: max_t,
        min_longitudinal: min_l,
    }
}

/// The diagonal w1 = w2 as a 1-D restricted objective.
fn diagonal(model: &TwoLayer) -> Restricted<'_, TwoLayer> {
    Restricted {
        obj: model,
        basis: Array2::from_shape_vec((2, 1), vec![1.0, 1.0]).expect("2 × 1"),
        origin: Array1::zeros(2),
    }
}

/// The diagonal critical point at λ, by Newton from the exact branch's nearest point.
fn diagonal_critical_point(
    diag: &Restricted<'_, TwoLayer>,
    exact: &Branch,
    xi0: &Array1<f64>,
    lam: f64,
) -> Result<Array1<f64>> {
    let start = nearest_point(exact, lam)
        .map(|p| p.theta.clone())
        .unwrap_or_else(|| xi0.clone());
    newton_critical_point(diag, start.view(), lam, START_TOL)
}

/// Runs B.1.
pub fn run(ctx: &Context) -> Result<Outcome<Exp1Result>> {
    let model = toy_model(1.0, 0.0)?;
    let diag = diagonal(&model);
    let w0 = w0_closed_form(&model)?;
    let xi0 = newton_critical_point(&diag, array![w0[0]].view(), 0.0, START_TOL)?;
    ctx.message("B.1 exact diagonal trace");
    let params = ContinuationParams {
        spectrum: Spectrum::Full,
        ..Default::default()
    };
    let exact = trace(&diag, xi0.view(), 0.0, &params)?;
    ctx.message("B.1 paper-method diagonal trace");
    let pparams = PaperParams {
        n_steps: ctx.paper_steps,
        spectrum: Spectrum::Full,
        ..Default::default()
    };
    let paper = trace_paper(&diag, xi0.view(), &pparams)?;
    let along = |b: &Branch, source| -> Vec<DiagonalPoint> {
        b.points
            .iter()
            .map(|p| diag_point(&model, p.lambda, p.theta[0], source))
            .collect()
    };
    let (ex_pts, pa_pts) = (
        along(&exact, HessianSource::Exact),
        along(&paper, HessianSource::PAPER),
    );
    let t0_exact = diag_point(&model, 0.0, xi0[0], HessianSource::Exact).transverse;
    let t0_paper = diag_point(&model, 0.0, xi0[0], HessianSource::PAPER).transverse;
    ctx.message("B.1 reduced potentials");
    let potentials = POTENTIAL_LAMBDAS
        .iter()
        .map(|&lam| {
            let w = diagonal_critical_point(&diag, &exact, &xi0, lam)?[0];
            toy_potential(ctx, &model, lam, w)
        })
        .collect::<Result<Vec<_>>>()?;
    ctx.message("B.1 loss contours");
    let mut figures = Vec::new();
    let mut contours = Vec::new();
    for &lam in &CONTOUR_LAMBDAS {
        let w_star = diagonal_critical_point(&diag, &exact, &xi0, lam)?[0];
        let (panel, fig) = contour_panel(ctx, &model, lam, w_star)?;
        contours.push(panel);
        figures.push(fig);
    }
    let exact_b = summarise("exact", &exact, ex_pts);
    let paper_b = summarise("paper", &paper, pa_pts);
    let result = Exp1Result {
        setting: Setting::of(
            &model,
            "data::toy(42, 2000): x ~ N(0,1), y = tanh(1.5x) + 0.02ε",
        ),
        alpha_choice: "α = 0: the paper's toy is unregularised (Prop 7.2/7.4, Table 1: λ1(0) = 0 \
                       (S2)); with α > 0 the transverse eigenvalue would start at α, not 0."
            .into(),
        transverse_at_0_exact: t0_exact,
        transverse_at_0_paper: t0_paper,
        lambda_star: 0.0,
        finding: finding(t0_exact, t0_paper, &exact_b, &potentials),
        exact: exact_b,
        paper: paper_b,
        potentials,
        contours,
    };
    figures.extend(line_figures(&result)?);
    Ok(Outcome { result, figures })
}

/// The reduced potential ϕ(s) along s = (w1 − w2)/2 at λ through the diagonal point (w, w).
fn toy_potential(ctx: &Context, model: &TwoLayer, lam: f64, w: f64) -> Result<ToyPotential> {
    let theta = array![w, w];
    let phi_dir = array![1.0, -1.0];
    let (s, phi, fit) = fit_potential(
        model,
        theta.view(),
        phi_dir.view(),
        lam,
        1.0,
        ctx.grid(81, 41),
        8,
    )?;
    let n = s.len();
    let max_asym = (0..n)
        .map(|i| (phi[i] - phi[n - 1 - i]).abs())
        .fold(0.0, f64::max);
    let max_abs = phi.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let c = &fit.coefficients;
    let cmax = c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let odd = c
        .iter()
        .skip(1)
        .step_by(2)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    Ok(ToyPotential {
        lambda: lam,
        w_star: w,
        s,
        phi,
        max_asymmetry: max_asym,
        max_abs_phi: max_abs,
        fit: c.clone(),
        odd_to_even: if cmax > 0.0 { odd / cmax } else { 0.0 },
    })
}

/// The loss contours at λ (paper Fig. 1, row 1) with the diagonal and its critical point.
fn contour_panel(
    ctx: &Context,
    model: &TwoLayer,
    lam: f64,
    w_star: f64,
) -> Result<(ContourPanel, Figure)> {
    let g = ctx.grid(81, 41);
    let axis = linspace(-0.5, 2.0, g);
    let z: Vec<Vec<f64>> = axis
        .par_iter()
        .map(|&w1| {
            axis.iter()
                .map(|&w2| model.value(array![w1, w2].view(), lam))
                .collect()
        })
        .collect();
    let mut best = (f64::NAN, f64::NAN, f64::INFINITY);
    for (i, row) in z.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v < best.2 {
                best = (axis[i], axis[j], v);
            }
        }
    }
    let name = format!("figures/toy_contours_lambda_{lam:.1}.svg");
    let diag_line = series(
        "diagonal w1 = w2",
        vec![(axis[0], axis[0]), (axis[g - 1], axis[g - 1])],
        LineStyle::Solid,
        9,
    );
    let plot = LossContour {
        title: format!("toy loss, λ = {lam}"),
        x_label: "w1".into(),
        y_label: "w2".into(),
        xs: axis.clone(),
        ys: axis.clone(),
        z,
        levels: 14,
        overlays: vec![
            diag_line,
            series(
                "diagonal critical point",
                vec![(w_star, w_star)],
                LineStyle::Points,
                3,
            ),
        ],
    };
    let panel = ContourPanel {
        lambda: lam,
        figure: name.clone(),
        grid_min: best,
    };
    Ok((panel, (name, plot.to_svg()?)))
}

/// B.1's finding, from the numbers.
fn finding(
    t0_exact: f64,
    t0_paper: f64,
    exact: &DiagonalBranch,
    potentials: &[ToyPotential],
) -> String {
    format!(
        "On the diagonal w1 = w2 the transverse eigenvalue is {:.1e} at λ = 0 (exact; paper FD: {:.1e}) \
         and at most {:.3e} for λ > 0 on the exact branch: the symmetric branch is degenerate at \
         the boundary λ = 0 and a saddle for all traced λ > 0 (λ* = 0, boundary). The \
         longitudinal eigenvalue stays ≥ {:.3e}. ϕ(s) at λ = 0 is flat to rounding (max |ϕ| = \
         {:.1e}), i.e. not quartic: at λ = 0 the loss depends on w1 + w2 only. The swap symmetry \
         is exact: max |ϕ(s) − ϕ(−s)| = {:.1e} over all λ.",
        t0_exact,
        t0_paper,
        exact.max_transverse_for_positive_lambda,
        exact.min_longitudinal,
        potentials[0].max_abs_phi,
        potentials.iter().map(|p| p.max_asymmetry).fold(0.0, f64::max),
    )
}

/// The eigenvalues along the diagonal branch and the reduced potentials.
fn line_figures(result: &Exp1Result) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    let mut eig = LinePlot::new("toy: Hessian eigenvalues along the diagonal branch")
        .x_label("λ")
        .y_label("eigenvalue")
        .hline(0.0, "");
    for (b, style, off) in [
        (&result.exact, LineStyle::Solid, 0),
        (&result.paper, LineStyle::Dashed, 2),
    ] {
        eig.push_series(series(
            format!("transverse (w1 − w2), {}", b.method),
            b.points.iter().map(|p| (p.lambda, p.transverse)).collect(),
            style,
            off,
        ));
        eig.push_series(series(
            format!("longitudinal (w1 + w2), {}", b.method),
            b.points
                .iter()
                .map(|p| (p.lambda, p.longitudinal))
                .collect(),
            style,
            off + 1,
        ));
    }
    figures.push((
        "figures/toy_diagonal_eigenvalues.svg".into(),
        eig.render_svg()?,
    ));
    let mut pot = LinePlot::new("toy: reduced potential along s = (w1 − w2)/2")
        .x_label("s")
        .y_label("ϕ(s)");
    for (k, p) in result.potentials.iter().enumerate() {
        pot.push_series(series(
            format!("λ = {}", p.lambda),
            p.s.iter().copied().zip(p.phi.iter().copied()).collect(),
            LineStyle::Solid,
            k,
        ));
    }
    figures.push((
        "figures/toy_reduced_potentials.svg".into(),
        pot.render_svg()?,
    ));
    Ok(figures)
}

/// B.1 as an [`Experiment`].
pub struct SymmetricToy;

impl Experiment for SymmetricToy {
    type Result = Exp1Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "B.1",
            title: "symmetric toy (S2 obstruction)",
            file: "exp1_symmetric_toy.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp1Result>> {
        run(ctx)
    }

    fn table_rows(&self, _ctx: &Context, result: Option<&Exp1Result>) -> Vec<Row> {
        match result {
            Some(e) => table_rows(e),
            None => vec![Row::missing(TOY, "B.1")],
        }
    }
}

/// "< 0 at all n points (max …)" or "≥ 0 at k of n points": the transverse eigenvalue for λ > 0.
fn transverse_sign(b: &DiagonalBranch) -> String {
    let n_pos = b
        .points
        .iter()
        .filter(|p| p.lambda > 0.0 && p.transverse >= 0.0)
        .count();
    let n = b.points.iter().filter(|p| p.lambda > 0.0).count();
    if n_pos == 0 {
        format!(
            "< 0 at all {n} points (max {})",
            fmt(b.max_transverse_for_positive_lambda)
        )
    } else {
        format!("≥ 0 at {n_pos} of {n} points")
    }
}

/// B.1's Table 1 rows.
fn table_rows(e: &Exp1Result) -> Vec<Row> {
    let asym = e
        .potentials
        .iter()
        .map(|p| p.max_asymmetry)
        .fold(0.0, f64::max);
    let odd = e
        .potentials
        .iter()
        .skip(1)
        .map(|p| p.odd_to_even)
        .fold(0.0, f64::max);
    vec![
        Row::new(
            TOY,
            "λ*",
            "0 (boundary)",
            "0 (boundary: FD transverse eig. at 0 shown below)".into(),
            format!("{} (boundary)", fmt(e.lambda_star)),
        ),
        Row::new(
            TOY,
            "λ1(0) (transverse)",
            "0 (S2)",
            fmt(e.transverse_at_0_paper),
            fmt(e.transverse_at_0_exact),
        ),
        Row::new(
            TOY,
            "transverse eig. for λ > 0",
            "always < 0",
            transverse_sign(&e.paper),
            transverse_sign(&e.exact),
        ),
        Row::new(
            TOY,
            "|g_aa/g_aaa| (Z2: max|ϕ(s)−ϕ(−s)|; odd/even fit coeff.)",
            "0 (exact Z2)",
            "—".into(),
            format!("{}; {}", fmt(asym), fmt(odd)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toy_is_degenerate_at_zero_and_a_saddle_after() {
        let ctx = Context::new(true, false);
        let r = run(&ctx).unwrap().result;
        // Prop 7.4 at α = 0: H0 = Σ·[[1, 1], [1, 1]], transverse eigenvalue exactly 0 (rounding
        // of O(1) entries only).
        assert!(
            r.transverse_at_0_exact.abs() < 1e-14,
            "{}",
            r.transverse_at_0_exact
        );
        assert!(r
            .exact
            .points
            .iter()
            .filter(|p| p.lambda > 0.0)
            .all(|p| p.transverse < 0.0));
        assert!(r.exact.min_longitudinal > 0.0);
        // The swap symmetry makes the coupling uᵀHe vanish and ϕ even, both to rounding.
        assert!(r.exact.points.iter().all(|p| p.coupling.abs() < 1e-12));
        for p in &r.potentials {
            assert!(
                p.max_asymmetry <= 1e-15,
                "λ = {}: {}",
                p.lambda,
                p.max_asymmetry
            );
        }
        // At λ = 0 the loss depends on w1 + w2 only: ϕ ≡ 0 up to rounding of L = O(0.1).
        assert!(r.potentials[0].max_abs_phi < 1e-15);
        assert_eq!(r.contours.len(), CONTOUR_LAMBDAS.len());
    }
}

//! B.3 (with B.2's reduced potential): slices ϕ(a, µ) = L(θ* + aφ, λ* + µ) − L(θ*, λ* + µ)
//! along the kernel line through the exact event (the paper's "line W* + a v0"), polynomial
//! fits against the exact Taylor coefficients, c2(µ) and its slope against g_aµ, and the loss
//! and gradient norm along both branches.

use super::common::{fmt, linspace, series, Analysis, EventReport, LossContour, Setting};
use super::table1::{opt, Row, HD};
use super::{Context, Experiment, Figure, Meta, Outcome};
use crate::activation::Activation;
use crate::continuation::Event;
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::normal_form::{potential_slices, transversality, PolyBasis, PolyFit};
use crate::report::{LinePlot, LineStyle, Scale};
use ndarray::Array1;
use serde::Serialize;

/// µ values of the potential slices.
pub const SLICE_MUS: [f64; 5] = [-0.1, -0.05, 0.0, 0.05, 0.1];
/// Half-width of the slice window in a (unit kernel vector).
pub const SLICE_HALF_WIDTH: f64 = 0.5;

/// One slice.
#[derive(Clone, Debug, Serialize)]
pub struct Slice {
    /// µ = λ − λ*.
    pub mu: f64,
    /// a grid.
    pub a: Vec<f64>,
    /// ϕ(a, µ).
    pub phi: Vec<f64>,
    /// Fit c1 a + c2 a² + c3 a³ + c4 a⁴ (the linear term is nonzero off the event).
    pub fit: PolyFit,
}

/// A fit at µ = 0 with the exact Taylor coefficients it should approach.
#[derive(Clone, Debug, Serialize)]
pub struct FitVsTaylor {
    /// Half-width A of the fit window [−A, A].
    pub half_width: f64,
    /// The fit (`normal_form::fit_polynomial`).
    pub fit: PolyFit,
    /// |c3/c4| of the fit (the paper's symmetry ratio).
    pub ratio_c3_c4: f64,
    /// Exact ½φᵀHφ, D³L\[φ³\]/6, D⁴L\[φ⁴\]/24 at (θ*, λ*).
    pub taylor_c2_c3_c4: [f64; 3],
}

/// Result of B.3.
#[derive(Clone, Debug, Serialize)]
pub struct Exp3Result {
    /// Model setting.
    pub setting: Setting,
    /// λ* of the exact event used.
    pub lambda_star: f64,
    /// Kind of that event.
    pub event_kind: String,
    /// Potential slices.
    pub slices: Vec<Slice>,
    /// Fits at µ = 0 against the Taylor coefficients: the paper's basis c2..c4 on [−0.5, 0.5]
    /// (as plotted) and on [−0.1, 0.1], and with a linear term on [−0.1, 0.1].
    pub fits: Vec<FitVsTaylor>,
    /// µ grid of c2(µ).
    pub c2_mu: Vec<f64>,
    /// c2(µ) from fits c1 a + … + c4 a⁴ on [−0.1, 0.1].
    pub c2_fit: Vec<f64>,
    /// Exact ½φᵀH(θ*, λ* + µ)φ.
    pub c2_exact: Vec<f64>,
    /// Least-squares slope dc2/dµ of the fitted c2.
    pub dc2_dmu_fit: f64,
    /// Exact slope on the fixed line: ½φᵀ∂λHφ.
    pub dc2_dmu_exact_line: f64,
    /// g_aµ (Lyapunov–Schmidt, with the slaved correction), from the coefficients.
    pub g_amu: Option<f64>,
    /// ½ g_aµ (the slope of c2 when the rest of θ follows the branch).
    pub half_g_amu: Option<f64>,
    /// The paper's printed dc2/dµ.
    pub paper_dc2_dmu: f64,
    /// max ‖∇L‖ along the exact and the paper branch.
    pub max_grad_norm_exact: f64,
    /// See above.
    pub max_grad_norm_paper: f64,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

/// Runs B.3.
pub fn run<A: Activation>(ctx: &Context, m: &Analysis<A>) -> Result<Outcome<Exp3Result>> {
    let report = m.events.first().ok_or_else(|| Error::NoConvergence {
        method: "B.3".into(),
        reason: "the exact branch has no located event on [0, 1]: nothing to slice".into(),
    })?;
    let result = compute(ctx, m, report)?;
    let mut figures = potential_figures(&result)?;
    figures.extend(branch_figures(m)?);
    figures.extend(centre_plane_figures(ctx, m, &report.event)?);
    Ok(Outcome { result, figures })
}

/// Slices, fits and c2(µ) at the first exact event, and the result.
fn compute<A: Activation>(
    ctx: &Context,
    m: &Analysis<A>,
    report: &EventReport,
) -> Result<Exp3Result> {
    let ev = &report.event;
    let theta = Array1::from(ev.theta.clone());
    let phi = Array1::from(ev.kernel.clone());
    let model = &m.model;
    let lam = ev.lambda;
    let na = ctx.grid(101, 41);
    let grid = |w: f64| linspace(-w, w, na);
    let ps = potential_slices(
        model,
        ev,
        &grid(SLICE_HALF_WIDTH),
        &SLICE_MUS,
        PolyBasis::WithLinear,
    )?;
    let slices: Vec<Slice> = ps
        .slices
        .iter()
        .map(|sl| Slice {
            mu: sl.mu,
            a: ps.a.clone(),
            phi: sl.values.clone(),
            fit: sl.fit.clone(),
        })
        .collect();
    let c2t = 0.5 * phi.dot(&model.hessian_vec(theta.view(), lam, phi.view()));
    let c3t = model.d3(theta.view(), lam, phi.view()) / 6.0;
    let c4t = model.d4(theta.view(), lam, phi.view()) / 24.0;
    let mut fits = Vec::new();
    for (w, basis) in [
        (SLICE_HALF_WIDTH, PolyBasis::Paper),
        (0.1, PolyBasis::Paper),
        (0.1, PolyBasis::WithLinear),
    ] {
        let f = potential_slices(model, ev, &grid(w), &[0.0], basis)?.slices[0]
            .fit
            .clone();
        fits.push(FitVsTaylor {
            half_width: w,
            ratio_c3_c4: (f.c3 / f.c4).abs(),
            fit: f,
            taylor_c2_c3_c4: [c2t, c3t, c4t],
        });
    }
    let mus = linspace(-0.05, 0.05, ctx.grid(21, 11));
    let c2s = potential_slices(model, ev, &grid(0.1), &mus, PolyBasis::WithLinear)?;
    let tf = transversality(&c2s)?;
    let c2_fit = tf.c2.clone();
    let slope_fit = tf.slope;
    let c2_exact: Vec<f64> = mus
        .iter()
        .map(|&mu| 0.5 * phi.dot(&model.hessian_vec(theta.view(), lam + mu, phi.view())))
        .collect();
    let dh = model.hessian_lambda(theta.view(), lam);
    let slope_line = 0.5 * phi.dot(&dh.dot(&phi));
    let g_amu = report.coefficients.as_ref().ok().map(|c| c.g_amu);
    let finding = format!(
        "At the exact {:?} (λ* = {:.6}) the fitted c2(µ) has slope {:.4e} (exact on the fixed line \
         ½φᵀ∂λHφ = {:.4e}; ½g_aµ = {}); the paper printed dc2/dµ ≈ 0.044. Fit on [−0.5, 0.5]: \
         c3 = {:.3e}, c4 = {:.3e}, |c3/c4| = {:.3} (exact Taylor c3 = {:.3e}, c4 = {:.3e}). \
         Max ‖∇L‖: exact {:.1e}, paper method {:.1e}.",
        ev.kind,
        lam,
        slope_fit,
        slope_line,
        g_amu.map(|g| format!("{:.4e}", 0.5 * g)).unwrap_or("n/a".into()),
        fits[0].fit.c3,
        fits[0].fit.c4,
        fits[0].ratio_c3_c4,
        c3t,
        c4t,
        m.exact.max_grad_norm,
        m.paper.max_grad_norm
    );
    let result = Exp3Result {
        setting: Setting::of(model, "paper_teacher(77, 500) (numpy-compatible)"),
        lambda_star: lam,
        event_kind: format!("{:?}", ev.kind),
        slices,
        fits,
        c2_mu: mus,
        c2_fit,
        c2_exact,
        dc2_dmu_fit: slope_fit,
        dc2_dmu_exact_line: slope_line,
        g_amu,
        half_g_amu: g_amu.map(|g| 0.5 * g),
        paper_dc2_dmu: 0.044,
        max_grad_norm_exact: m.exact.max_grad_norm,
        max_grad_norm_paper: m.paper.max_grad_norm,
        finding,
    };
    Ok(result)
}

/// The reduced-potential figures: slices, the fit at λ*, c2(µ).
fn potential_figures(result: &Exp3Result) -> Result<Vec<Figure>> {
    let lam = result.lambda_star;
    let [c2t, c3t, c4t] = result.fits[0].taylor_c2_c3_c4;
    let slope_fit = result.dc2_dmu_fit;
    let mut figures = Vec::new();
    let mut sl = LinePlot::new(format!(
        "reduced potential ϕ(a, µ) along the kernel line, λ* = {lam:.4}"
    ))
    .x_label("a")
    .y_label("ϕ(a, µ) − ϕ(0, µ)");
    for (k, s) in result.slices.iter().enumerate() {
        sl.push_series(series(
            format!("µ = {}", s.mu),
            s.a.iter().copied().zip(s.phi.iter().copied()).collect(),
            LineStyle::Solid,
            k,
        ));
    }
    figures.push((
        "figures/hd_reduced_potential_slices.svg".into(),
        sl.render_svg()?,
    ));
    let s0 = &result.slices[SLICE_MUS
        .iter()
        .position(|&x| x == 0.0)
        .expect("µ = 0 slice")];
    let f0 = &result.fits[0].fit;
    let c = [0.0, 0.0, f0.c2, f0.c3, f0.c4];
    let mut fit = LinePlot::new(format!(
        "ϕ(a) at λ* and fit c2a² + c3a³ + c4a⁴ (|c3/c4| = {:.3})",
        result.fits[0].ratio_c3_c4
    ))
    .x_label("a")
    .y_label("ϕ(a)");
    fit.push_series(series(
        "ϕ(a) (exact loss)",
        s0.a.iter().copied().zip(s0.phi.iter().copied()).collect(),
        LineStyle::Points,
        0,
    ));
    fit.push_series(series(
        "fit c2 a² + c3 a³ + c4 a⁴",
        s0.a.iter()
            .map(|&a| (a, c.iter().rev().fold(0.0, |acc, ck| acc * a + ck)))
            .collect(),
        LineStyle::Solid,
        1,
    ));
    fit.push_series(series(
        "Taylor ½φᵀHφ a² + g_aa a³/6 + D⁴L a⁴/24",
        s0.a.iter()
            .map(|&a| (a, c2t * a * a + c3t * a.powi(3) + c4t * a.powi(4)))
            .collect(),
        LineStyle::Dashed,
        2,
    ));
    figures.push((
        "figures/hd_reduced_potential_fit.svg".into(),
        fit.render_svg()?,
    ));
    let mut c2 = LinePlot::new(format!("c2(µ): fitted slope {:.3e}", slope_fit))
        .x_label("µ = λ − λ*")
        .y_label("c2")
        .hline(0.0, "");
    c2.push_series(series(
        "fit",
        result
            .c2_mu
            .iter()
            .copied()
            .zip(result.c2_fit.iter().copied())
            .collect(),
        LineStyle::Points,
        0,
    ));
    c2.push_series(series(
        "½φᵀH(θ*, λ*+µ)φ",
        result
            .c2_mu
            .iter()
            .copied()
            .zip(result.c2_exact.iter().copied())
            .collect(),
        LineStyle::Solid,
        1,
    ));
    figures.push(("figures/hd_c2_of_mu.svg".into(), c2.render_svg()?));
    Ok(figures)
}

/// The loss and ‖∇L‖ along both branches.
fn branch_figures<A: Activation>(m: &Analysis<A>) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for (what, f, scale, file) in [
        ("loss L", 0, Scale::Log, "hd_loss_along_branch.svg"),
        ("‖∇L‖", 1, Scale::Log, "hd_grad_norm_along_branch.svg"),
    ] {
        let mut p = LinePlot::new(format!("{what} along the branch"))
            .x_label("λ")
            .y_label(what)
            .y_scale(scale);
        for (b, style, col, name) in [
            (&m.exact, LineStyle::Solid, 0, "exact"),
            (&m.paper, LineStyle::Dashed, 1, "paper method"),
        ] {
            p.push_series(series(
                name,
                b.points
                    .iter()
                    .map(|q| (q.lambda, if f == 0 { q.loss } else { q.grad_norm }))
                    .collect(),
                style,
                col,
            ));
        }
        figures.push((format!("figures/{file}"), p.render_svg()?));
    }
    Ok(figures)
}

/// Fig. 1 row 4 right: the loss in the plane of the two softest Hessian directions, on the
/// minimum branch before the fold and at the fold itself.
fn centre_plane_figures<A: Activation>(
    ctx: &Context,
    m: &Analysis<A>,
    ev: &Event,
) -> Result<Vec<Figure>> {
    let model = &m.model;
    let lam = ev.lambda;
    let theta = Array1::from(ev.theta.clone());
    let mut figures = Vec::new();
    let before = m
        .exact
        .points
        .iter()
        .take_while(|q| q.tangent_lambda > 0.0)
        .min_by(|p, q| {
            let t = lam - CENTRE_PLANE_OFFSET;
            (p.lambda - t).abs().total_cmp(&(q.lambda - t).abs())
        });
    let mut planes = vec![(theta.clone(), lam, "at the fold".to_string(), "fold")];
    if let Some(q) = before {
        planes.insert(
            0,
            (
                q.theta.clone(),
                q.lambda,
                "before the fold".into(),
                "before",
            ),
        );
    }
    let n_grid = ctx.grid(61, 21);
    let axis = linspace(-SLICE_HALF_WIDTH, SLICE_HALF_WIDTH, n_grid);
    for (th, l, what, tag) in planes {
        let e = crate::linalg::sym_eigen(&model.hessian(th.view(), l))?;
        let (v0, v1) = (e.vectors.column(0), e.vectors.column(1));
        let l0 = model.value(th.view(), l);
        let z: Vec<Vec<f64>> = axis
            .iter()
            .map(|&a| {
                axis.iter()
                    .map(|&b| {
                        let p = &th + &(&v0 * a) + &(&v1 * b);
                        model.value(p.view(), l) - l0
                    })
                    .collect()
            })
            .collect();
        let plot = LossContour {
            title: format!(
                "(v0, v1) plane, λ = {l:.4} {what}: λ1 = {:.1e}, λ2 = {:.1e}",
                e.values[0], e.values[1]
            ),
            x_label: "a (softest direction v0)".into(),
            y_label: "b (next direction v1)".into(),
            xs: axis.clone(),
            ys: axis.clone(),
            z,
            levels: 14,
            overlays: vec![series(
                "critical point θ on the branch",
                vec![(0.0, 0.0)],
                LineStyle::Points,
                3,
            )],
        };
        figures.push((format!("figures/hd_centre_plane_{tag}.svg"), plot.to_svg()?));
    }
    Ok(figures)
}

/// How far below λ* the "before the fold" centre-plane contour is drawn.
const CENTRE_PLANE_OFFSET: f64 = 0.1;

/// B.3 as an [`Experiment`] (on the shared m = 10 analysis of the run context).
pub struct Transversality;

impl Experiment for Transversality {
    type Result = Exp3Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "B.3",
            title: "transversality and reduced potential",
            file: "exp3_transversality.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp3Result>> {
        run(ctx, ctx.shared_m10()?)
    }

    fn table_rows(&self, _ctx: &Context, result: Option<&Exp3Result>) -> Vec<Row> {
        let Some(e3) = result else {
            return vec![Row::missing(HD, "B.3")];
        };
        let f = &e3.fits[0].fit;
        vec![
            Row::new(
                HD,
                "fit c2, c3, c4, |c3/c4| on [−0.5, 0.5]",
                "0.018, −0.001, 0.005, 0.105",
                "—".into(),
                format!(
                    "{}, {}, {}, {} (Taylor c3 = {}, c4 = {})",
                    fmt(f.c2),
                    fmt(f.c3),
                    fmt(f.c4),
                    fmt(e3.fits[0].ratio_c3_c4),
                    fmt(e3.fits[0].taylor_c2_c3_c4[1]),
                    fmt(e3.fits[0].taylor_c2_c3_c4[2])
                ),
            ),
            Row::new(
                HD,
                "dc2/dµ",
                "0.044",
                "—".into(),
                format!(
                    "{} (fit); ½φᵀ∂λHφ = {}; ½g_aµ = {}",
                    fmt(e3.dc2_dmu_fit),
                    fmt(e3.dc2_dmu_exact_line),
                    opt(e3.half_g_amu)
                ),
            ),
        ]
    }
}

//! Shared pieces of the experiments: the start point W0, restricted objectives, events at
//! arbitrary points, crossings on a λ grid, reduced potentials and fits, and small local
//! adapters for engine functions whose signatures are not (yet) on `main`.

use crate::activation::Activation;
use crate::continuation::{newton_critical_point, Branch, Event, EventKind, Point};
use crate::derivatives::finite_diff::{forward_hessian, PAPER_FD_STEP};
use crate::derivatives::Objective;
use crate::error::{Error, Result};
use crate::linalg::{poly_fit, sym_eigen};
use crate::models::two_layer::TwoLayer;
use ndarray::{Array1, Array2, ArrayView1};
use serde::Serialize;

/// Tolerance of the Newton polish of start points (same as the continuation corrector).
pub const START_TOL: f64 = 1e-13;

/// Description of a model setting, written into every result file.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    /// Input dimension d.
    pub d: usize,
    /// Width m.
    pub m: usize,
    /// Number of samples N.
    pub n_samples: usize,
    /// Tikhonov parameter α.
    pub alpha: f64,
    /// Activation name.
    pub activation: String,
    /// Output weights v.
    pub v: Vec<f64>,
    /// Where the data come from.
    pub data: String,
}

impl Setting {
    /// Describes `model`; `data` names the data source.
    pub fn of<A: Activation>(model: &TwoLayer<A>, data: &str) -> Self {
        Setting {
            d: model.input_dim(),
            m: model.width(),
            n_samples: model.data().n_samples(),
            alpha: model.alpha(),
            activation: model.activation().name(),
            v: model.output_weights().to_vec(),
            data: data.to_string(),
        }
    }
}

/// The closed-form minimiser at λ = 0 (Sylvester solution, `theory::linear_endpoint::w0`)
/// as θ: W0 = v cᵀ with (‖v‖²Σ + αI)c = γ. For α = 0 this is the minimum-norm minimiser.
pub fn w0_closed_form<A: Activation>(model: &TwoLayer<A>) -> Result<Array1<f64>> {
    let w = crate::models::two_layer::theory::linear_endpoint::w0(model)?;
    Ok(Array1::from_iter(w.iter().copied()))
}

/// W0 polished by Newton on ∇L(·, 0) = 0 (the start point of every branch at α > 0).
pub fn start_point<A: Activation>(model: &TwoLayer<A>) -> Result<Array1<f64>> {
    let w0 = w0_closed_form(model)?;
    newton_critical_point(model, w0.view(), 0.0, START_TOL)
}

/// Where a Hessian comes from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HessianSource {
    /// Exact (AD / structured).
    Exact,
    /// The paper's forward differences of the exact gradient with this step.
    ForwardDifference(f64),
}

impl HessianSource {
    /// The paper's choice: forward differences with ε = 1e-5.
    pub const PAPER: HessianSource = HessianSource::ForwardDifference(PAPER_FD_STEP);

    /// The Hessian at (θ, λ).
    pub fn hessian<O: Objective + ?Sized>(
        self,
        obj: &O,
        theta: ArrayView1<f64>,
        lambda: f64,
    ) -> Array2<f64> {
        match self {
            HessianSource::Exact => obj.hessian(theta, lambda),
            HessianSource::ForwardDifference(eps) => forward_hessian(obj, theta, lambda, eps),
        }
    }
}

/// Builds an [`Event`] at an arbitrary point (e.g. the paper method's grid point nearest its
/// crossing): kernel = eigenvector of the eigenvalue of smallest modulus of the chosen
/// Hessian, residual = max(‖∇L‖, |λ_min|).
pub fn event_at<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    kind: EventKind,
    source: HessianSource,
    arclength: f64,
) -> Result<Event> {
    let h = source.hessian(obj, theta, lambda);
    let eig = sym_eigen(&h)?;
    let (k, _) = eig
        .values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .ok_or_else(|| Error::param("theta", "empty parameter vector"))?;
    let g = obj.gradient(theta, lambda);
    let gn = g.dot(&g).sqrt();
    let morse = eig.values.iter().filter(|&&x| x < 0.0).count();
    Ok(Event {
        kind,
        lambda,
        residual: gn.max(eig.values[k].abs()),
        eigenvalues: eig.values.iter().take(6).copied().collect(),
        kernel: eig.vectors.column(k).to_vec(),
        theta: theta.to_vec(),
        morse_before: morse,
        morse_after: morse,
        arclength,
    })
}

/// Where a grid method's smallest eigenvalue reaches zero — or, when it never changes sign,
/// its closest approach to zero (the point the paper's method would call λ*).
#[derive(Clone, Debug, Serialize)]
pub struct Crossing {
    /// True: λ1 changes sign (λ* by linear interpolation); false: closest approach only.
    pub sign_change: bool,
    /// λ*: interpolated zero, or the λ of the smallest λ1.
    pub lambda: f64,
    /// Index of the last point before the crossing (closest approach: the point itself).
    pub index_before: usize,
    /// Index of the point nearest to λ* (closest approach: the point itself).
    pub index_nearest: usize,
    /// λ1 at the nearest point.
    pub lambda1: f64,
    /// Δλ1/Δλ over the crossing interval (closest approach: over the interval before it),
    /// the paper's crossing speed.
    pub slope: f64,
    /// |λ1/λ2| at the nearest point.
    pub eig_ratio: f64,
    /// λ2 at the nearest point.
    pub lambda2: f64,
}

fn e1(p: &Point) -> f64 {
    p.eigenvalues.first().copied().unwrap_or(f64::NAN)
}

fn crossing_at(
    points: &[Point],
    nearest: usize,
    before: usize,
    lambda: f64,
    sign_change: bool,
) -> Crossing {
    let p = &points[nearest];
    let l2 = p.eigenvalues.get(1).copied().unwrap_or(f64::NAN);
    let slope = if before + 1 < points.len() && sign_change {
        (e1(&points[before + 1]) - e1(&points[before]))
            / (points[before + 1].lambda - points[before].lambda)
    } else if nearest > 0 {
        (e1(&points[nearest]) - e1(&points[nearest - 1]))
            / (points[nearest].lambda - points[nearest - 1].lambda)
    } else {
        f64::NAN
    };
    Crossing {
        sign_change,
        lambda,
        index_before: before,
        index_nearest: nearest,
        lambda1: e1(p),
        slope,
        eig_ratio: (e1(p) / l2).abs(),
        lambda2: l2,
    }
}

/// The first sign change (+ → −) of the smallest recorded eigenvalue along `points`, by
/// linear interpolation (the paper's crossing), if any.
pub fn first_crossing(points: &[Point]) -> Option<Crossing> {
    points.windows(2).enumerate().find_map(|(i, w)| {
        let (a, b) = (e1(&w[0]), e1(&w[1]));
        if !(a > 0.0 && b <= 0.0) {
            return None;
        }
        let t = a / (a - b);
        let lambda = w[0].lambda + t * (w[1].lambda - w[0].lambda);
        let nearest = if t < 0.5 { i } else { i + 1 };
        Some(crossing_at(points, nearest, i, lambda, true))
    })
}

/// The point with the smallest |λ1| among `points` (closest approach to a singular Hessian).
pub fn closest_approach(points: &[Point]) -> Option<Crossing> {
    let (k, p) = points
        .iter()
        .enumerate()
        .filter(|(_, p)| e1(p).is_finite())
        .min_by(|a, b| e1(a.1).abs().total_cmp(&e1(b.1).abs()))?;
    Some(crossing_at(points, k, k, p.lambda, false))
}

/// The paper method's singular point: its first sign change, else its closest approach.
pub fn paper_singular_point(points: &[Point]) -> Option<Crossing> {
    first_crossing(points).or_else(|| closest_approach(points))
}

/// The point of `branch` nearest in λ to `lambda` among its first `upto` points.
pub fn nearest_point(branch: &Branch, lambda: f64) -> Option<&Point> {
    branch.points.iter().min_by(|a, b| {
        (a.lambda - lambda)
            .abs()
            .total_cmp(&(b.lambda - lambda).abs())
    })
}

/// ϕ(a) = L(θ + aφ, λ) − L(θ, λ) on the grid `a`.
pub fn reduced_potential<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    phi: ArrayView1<f64>,
    lambda: f64,
    a: &[f64],
) -> Vec<f64> {
    let l0 = obj.value(theta, lambda);
    a.iter()
        .map(|&ai| {
            let t = &theta + &(&phi * ai);
            obj.value(t.view(), lambda) - l0
        })
        .collect()
}

/// A fit of ϕ(a) by a polynomial with its Taylor reference c3 = g_aa/6, c4 = g_aaa/24.
#[derive(Clone, Debug, Serialize)]
pub struct PotentialFit {
    /// Half-width A of the symmetric fit window [−A, A].
    pub half_width: f64,
    /// Fit degree.
    pub degree: usize,
    /// Coefficients c0..c_degree.
    pub coefficients: Vec<f64>,
    /// |c3/c4| (the paper's symmetry ratio).
    pub ratio_c3_c4: f64,
}

/// Fits ϕ on a symmetric grid of `n` points in [−A, A].
pub fn fit_potential<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    phi: ArrayView1<f64>,
    lambda: f64,
    half_width: f64,
    n: usize,
    degree: usize,
) -> Result<(Vec<f64>, Vec<f64>, PotentialFit)> {
    let a = linspace(-half_width, half_width, n);
    let y = reduced_potential(obj, theta, phi, lambda, &a);
    let c = poly_fit(&a, &y, degree)?;
    let ratio = if degree >= 4 {
        (c[3] / c[4]).abs()
    } else {
        f64::NAN
    };
    Ok((
        a,
        y,
        PotentialFit {
            half_width,
            degree,
            coefficients: c,
            ratio_c3_c4: ratio,
        },
    ))
}

/// n equally spaced points from a to b inclusive.
pub fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![a],
        _ => (0..n)
            .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

/// An objective restricted to an affine subspace θ = origin + B ξ (e.g. a fixed-point subspace
/// of a symmetry). Derivatives are the pulled-back ones: ∇ = Bᵀ∇L, H = BᵀHB, ...
#[derive(Clone, Debug)]
pub struct Restricted<'a, O: Objective + ?Sized> {
    /// The full objective.
    pub obj: &'a O,
    /// Basis B (n × k), columns spanning the subspace directions.
    pub basis: Array2<f64>,
    /// Origin (n).
    pub origin: Array1<f64>,
}

impl<'a, O: Objective + ?Sized> Restricted<'a, O> {
    /// θ = origin + B ξ.
    pub fn embed(&self, xi: ArrayView1<f64>) -> Array1<f64> {
        &self.origin + &self.basis.dot(&xi)
    }
}

impl<O: Objective + ?Sized> Objective for Restricted<'_, O> {
    fn dim(&self) -> usize {
        self.basis.ncols()
    }
    fn value(&self, xi: ArrayView1<f64>, lambda: f64) -> f64 {
        self.obj.value(self.embed(xi).view(), lambda)
    }
    fn gradient(&self, xi: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.basis
            .t()
            .dot(&self.obj.gradient(self.embed(xi).view(), lambda))
    }
    fn hessian(&self, xi: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let h = self.obj.hessian(self.embed(xi).view(), lambda);
        self.basis.t().dot(&h).dot(&self.basis)
    }
    fn grad_lambda(&self, xi: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
        self.basis
            .t()
            .dot(&self.obj.grad_lambda(self.embed(xi).view(), lambda))
    }
    fn hessian_lambda(&self, xi: ArrayView1<f64>, lambda: f64) -> Array2<f64> {
        let h = self.obj.hessian_lambda(self.embed(xi).view(), lambda);
        self.basis.t().dot(&h).dot(&self.basis)
    }
    fn d3_vec(&self, xi: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> Array1<f64> {
        let bu = self.basis.dot(&u);
        self.basis
            .t()
            .dot(&self.obj.d3_vec(self.embed(xi).view(), lambda, bu.view()))
    }
    fn d4(&self, xi: ArrayView1<f64>, lambda: f64, u: ArrayView1<f64>) -> f64 {
        let bu = self.basis.dot(&u);
        self.obj.d4(self.embed(xi).view(), lambda, bu.view())
    }
    fn hessian_directional(
        &self,
        xi: ArrayView1<f64>,
        lambda: f64,
        u: ArrayView1<f64>,
    ) -> Array2<f64> {
        let bu = self.basis.dot(&u);
        let h = self
            .obj
            .hessian_directional(self.embed(xi).view(), lambda, bu.view());
        self.basis.t().dot(&h).dot(&self.basis)
    }
}

/// λ1′(0) at the linear endpoint, exactly and by the paper's formulas (a summary of
/// `theory::linear_endpoint::EndpointSlope` without its vectors, plus λ1(0) at the polished
/// start point).
#[derive(Clone, Debug, Serialize)]
pub struct EndpointSlope {
    /// λ1(0): smallest exact Hessian eigenvalue at the start point (= α by Thm 7.6(i)).
    pub lambda1_at_0: f64,
    /// Dimension (m − 1)d of the flat space {vᵀδW = 0}.
    pub flat_dim: usize,
    /// Exact λ1′(0) by degenerate perturbation theory (smallest eigenvalue of Qᵀ(dH/dλ)Q).
    pub exact: f64,
    /// The largest splitting rate (spread of the α-cluster's first-order slopes).
    pub exact_max: f64,
    /// ‖H0,α u0 − αu0‖/α (checks that u0 lies in the α-eigenspace).
    pub eigenspace_residual: f64,
    /// u0ᵀ(∂λH)u0 in closed form: Gauss–Newton term (0 on the flat space) + residual term.
    pub closed_form: crate::models::two_layer::theory::Decomposed,
    /// The paper's (22) at the exact u0 ((18) with (22)'s sign for non-tanh σ).
    pub paper_22: f64,
    /// The paper's (18) at u0.
    pub paper_18: f64,
    /// Remark 7.8's polynomial approximation at u0.
    pub remark_7_8: f64,
    /// First-order prediction λ* ≈ α/|λ1′(0)| (∞ when λ1′(0) ≥ 0).
    pub lambda_star_first_order: f64,
    /// The same from the paper's (22).
    pub lambda_star_first_order_paper: f64,
}

/// λ1′(0) by `theory::linear_endpoint::lambda1_prime`, with λ1(0) at `theta0`.
pub fn endpoint_slope<A: Activation>(
    model: &TwoLayer<A>,
    theta0: ArrayView1<f64>,
) -> Result<EndpointSlope> {
    use crate::models::two_layer::theory::linear_endpoint::{
        first_order_lambda_star, lambda1_prime,
    };
    let s = lambda1_prime(model)?;
    let lambda1_at_0 = crate::linalg::sym_eigenvalues(&model.hessian(theta0, 0.0))?[0];
    let paper_22 = s.paper.eq22.unwrap_or(s.paper.eq18);
    let inf = |x: Option<f64>| x.unwrap_or(f64::INFINITY);
    Ok(EndpointSlope {
        lambda1_at_0,
        flat_dim: s.splitting_rates.len(),
        exact: s.lambda1_prime,
        exact_max: s.splitting_rates.last().copied().unwrap_or(f64::NAN),
        eigenspace_residual: s.eigenspace_residual,
        closed_form: s.closed_form,
        paper_22,
        paper_18: s.paper.eq18,
        remark_7_8: s.paper.remark_7_8,
        lambda_star_first_order: inf(s.lambda_star_first_order),
        lambda_star_first_order_paper: inf(first_order_lambda_star(model.alpha(), paper_22)),
    })
}

/// The width fit λ1′(0) = K/m + K2/m² (`theory::linear_endpoint::fit_width_constant`).
#[derive(Clone, Debug, Serialize)]
pub struct WidthFit {
    /// K.
    pub k: f64,
    /// K2.
    pub k2: f64,
    /// Widths used.
    pub widths: Vec<usize>,
    /// Critical width m* = |K|/α where the first-order λ* reaches 1.
    pub critical_width: f64,
}

/// Fits λ1′(0) = K/m + K2/m² over the given widths.
pub fn width_fit(widths: &[usize], slopes: &[f64], alpha: f64) -> Result<WidthFit> {
    let pts: Vec<(usize, f64)> = widths.iter().copied().zip(slopes.iter().copied()).collect();
    let (k, k2) = crate::models::two_layer::theory::linear_endpoint::fit_width_constant(&pts)?;
    Ok(WidthFit {
        k,
        k2,
        widths: widths.to_vec(),
        critical_width: k.abs() / alpha,
    })
}

/// Maps `f` over `items` in parallel with rayon (widths, toy variants), preserving order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

/// Formats a number for tables: 4 significant digits, scientific when small or large.
pub fn fmt(x: f64) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e4).contains(&a) {
        format!("{x:.3e}")
    } else {
        let s = format!("{x:.4}");
        // Trim to 4 significant digits for values ≥ 1.
        if a >= 10.0 {
            format!("{x:.2}")
        } else {
            s
        }
    }
}

/// Turns a panic payload into a message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".into()
    }
}

/// Serialises a per-part outcome as its value when it succeeded and as `{"error": "..."}`
/// when it failed (serde's default `{"Ok": ...}` / `{"Err": ...}` is awkward to load).
pub fn ok_or_error<T: serde::Serialize, S: serde::Serializer>(
    r: &std::result::Result<T, String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match r {
        Ok(v) => v.serialize(s),
        Err(e) => {
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry("error", e)?;
            m.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// L = ¼Σθ⁴ + ½λΣa θ² + λ b·θ with hand-written exact derivatives.
    struct Quartic {
        a: Array1<f64>,
        b: Array1<f64>,
    }

    impl Objective for Quartic {
        fn dim(&self) -> usize {
            self.a.len()
        }
        fn value(&self, t: ArrayView1<f64>, l: f64) -> f64 {
            t.iter().map(|x| x.powi(4) / 4.0).sum::<f64>()
                + 0.5 * l * (&self.a * &t * t).sum()
                + l * self.b.dot(&t)
        }
        fn gradient(&self, t: ArrayView1<f64>, l: f64) -> Array1<f64> {
            t.mapv(|x| x.powi(3)) + &self.a * &t * l + &self.b * l
        }
        fn hessian(&self, t: ArrayView1<f64>, l: f64) -> Array2<f64> {
            Array2::from_diag(&(t.mapv(|x| 3.0 * x * x) + &self.a * l))
        }
        fn grad_lambda(&self, t: ArrayView1<f64>, _l: f64) -> Array1<f64> {
            &self.a * &t + &self.b
        }
        fn hessian_lambda(&self, _t: ArrayView1<f64>, _l: f64) -> Array2<f64> {
            Array2::from_diag(&self.a)
        }
        fn d3_vec(&self, t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> Array1<f64> {
            &t * &u * u * 6.0
        }
        fn d4(&self, _t: ArrayView1<f64>, _l: f64, u: ArrayView1<f64>) -> f64 {
            6.0 * u.iter().map(|x| x.powi(4)).sum::<f64>()
        }
    }

    #[test]
    fn restricted_objective_matches_finite_differences() {
        let q = Quartic {
            a: Array1::from(vec![1.0, -2.0, 0.5]),
            b: Array1::from(vec![0.3, 0.1, -0.2]),
        };
        let r = Restricted {
            obj: &q,
            basis: Array2::from_shape_vec((3, 2), vec![1.0, 0.5, -1.0, 2.0, 0.3, 0.0]).unwrap(),
            origin: Array1::from(vec![0.2, -0.1, 0.4]),
        };
        let xi = Array1::from(vec![0.7, -0.3]);
        let (l, h) = (0.6, 1e-5);
        let e = |k: usize| {
            let mut v = Array1::zeros(2);
            v[k] = 1.0;
            v
        };
        let g = r.gradient(xi.view(), l);
        let hh = r.hessian(xi.view(), l);
        let u = Array1::from(vec![0.4, 1.1]);
        let d3 = r.d3_vec(xi.view(), l, u.view());
        for k in 0..2 {
            let p = &xi + &(e(k) * h);
            let m = &xi - &(e(k) * h);
            // Central differences: truncation O(h²) ~ 1e-10 relative to O(1) third derivatives.
            let fd_g = (r.value(p.view(), l) - r.value(m.view(), l)) / (2.0 * h);
            assert!((g[k] - fd_g).abs() < 1e-8, "gradient {k}");
            let fd_h = (r.gradient(p.view(), l) - r.gradient(m.view(), l)) / (2.0 * h);
            for j in 0..2 {
                assert!((hh[[j, k]] - fd_h[j]).abs() < 1e-8, "hessian {j}{k}");
            }
            let fd_d3 = (r.hessian(p.view(), l) - r.hessian(m.view(), l)) / (2.0 * h);
            assert!((d3[k] - u.dot(&fd_d3.dot(&u))).abs() < 1e-7, "d3 {k}");
        }
        let hd = r.hessian_directional(xi.view(), l, u.view());
        let p = &xi + &(&u * h);
        let m = &xi - &(&u * h);
        let fd_hd = (r.hessian(p.view(), l) - r.hessian(m.view(), l)) / (2.0 * h);
        assert!((&hd - &fd_hd).iter().all(|x| x.abs() < 1e-7));
        let fd_gl = (r.gradient(xi.view(), l + h) - r.gradient(xi.view(), l - h)) / (2.0 * h);
        assert!((&r.grad_lambda(xi.view(), l) - &fd_gl)
            .iter()
            .all(|x| x.abs() < 1e-8));
        // D⁴ along u: second difference of uᵀH(ξ + tu)u, truncation O(h²).
        let h2 = 1e-3;
        let quad = |t: f64| {
            let z = &xi + &(&u * t);
            u.dot(&r.hessian(z.view(), l).dot(&u))
        };
        let fd_d4 = (quad(h2) - 2.0 * quad(0.0) + quad(-h2)) / (h2 * h2);
        let d4 = r.d4(xi.view(), l, u.view());
        assert!((d4 - fd_d4).abs() < 1e-5 * d4.abs(), "d4 {d4} vs {fd_d4}");
    }

    #[test]
    fn event_at_picks_smallest_modulus_eigenvector() {
        let q = Quartic {
            a: Array1::from(vec![1.0, -2.0, 0.5]),
            b: Array1::zeros(3),
        };
        // H = diag(3θ² + λa) at θ = (1, 0.5, 1), λ = 0.375: diag(3.375, 0, 3.1875).
        let t = Array1::from(vec![1.0, 0.5, 1.0]);
        let ev = event_at(
            &q,
            t.view(),
            0.375,
            EventKind::EigenvalueCrossing,
            HessianSource::Exact,
            0.0,
        )
        .unwrap();
        assert!(ev.kernel[1].abs() > 1.0 - 1e-15);
        assert_eq!(ev.eigenvalues.len(), 3);
        assert!(ev.eigenvalues[0].abs() < 1e-15);
        let g = q.gradient(t.view(), 0.375);
        assert!((ev.residual - g.dot(&g).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn reduced_potential_is_the_loss_difference() {
        let q = Quartic {
            a: Array1::from(vec![1.0, -2.0]),
            b: Array1::zeros(2),
        };
        // ϕ(a) along e0 at θ = 0: a⁴/4 + λa²/2, exactly.
        let t = Array1::zeros(2);
        let phi = Array1::from(vec![1.0, 0.0]);
        let a = linspace(-1.0, 1.0, 21);
        let y = reduced_potential(&q, t.view(), phi.view(), 0.5, &a);
        for (ai, yi) in a.iter().zip(&y) {
            assert!((yi - (ai.powi(4) / 4.0 + 0.25 * ai * ai)).abs() < 1e-15);
        }
        let c = poly_fit(&a, &y, 4).unwrap();
        assert!((c[2] - 0.25).abs() < 1e-12 && (c[4] - 0.25).abs() < 1e-12);
        assert!(c[1].abs() < 1e-13 && c[3].abs() < 1e-13);
    }

    #[test]
    fn poly_fit_recovers_polynomial() {
        let x = linspace(-0.3, 0.3, 41);
        let c = [0.1, -2.0, 0.5, 3.0, -7.0];
        let y: Vec<f64> = x
            .iter()
            .map(|&t| c.iter().rev().fold(0.0, |acc, ck| acc * t + ck))
            .collect();
        let f = poly_fit(&x, &y, 4).unwrap();
        for (a, b) in f.iter().zip(c) {
            // Exact data: only rounding (cond of the scaled Vandermonde ~1e2, × 0.3⁻⁴).
            assert_relative_eq!(*a, b, max_relative = 1e-10, epsilon = 1e-12);
        }
    }

    #[test]
    fn poly_fit_rejects_underdetermined() {
        assert!(poly_fit(&[0.0, 1.0], &[1.0, 2.0], 3).is_err());
        assert!(poly_fit(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0], 1).is_err());
    }

    #[test]
    fn crossing_interpolates_linearly() {
        let pt = |l: f64, e: f64| Point {
            lambda: l,
            grad_norm: 0.0,
            loss: 0.0,
            eigenvalues: vec![e, 1.0],
            tangent_lambda: 0.0,
            morse_index: 0,
            arclength: 0.0,
            theta: Array1::zeros(1),
        };
        let pts = vec![pt(0.0, 1.0), pt(0.5, 0.25), pt(1.0, -0.75)];
        let c = first_crossing(&pts).unwrap();
        assert!(c.sign_change);
        assert_relative_eq!(c.lambda, 0.625, epsilon = 1e-15);
        assert_relative_eq!(c.slope, -2.0, epsilon = 1e-15);
        assert_eq!(c.index_nearest, 1);
        assert!(first_crossing(&pts[..2]).is_none());
        // Without a sign change the closest approach is the smallest |λ1|.
        let c = paper_singular_point(&pts[..2]).unwrap();
        assert!(!c.sign_change);
        assert_eq!((c.index_nearest, c.lambda, c.lambda1), (1, 0.5, 0.25));
        assert_relative_eq!(c.slope, -1.5, epsilon = 1e-15);
    }

    #[test]
    fn par_map_preserves_order() {
        let v: Vec<usize> = (0..37).collect();
        let out = par_map(&v, |&i| i * i);
        assert_eq!(out, v.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(par_map(&Vec::<usize>::new(), |&i| i).is_empty());
    }

    #[test]
    fn width_fit_recovers_constants() {
        let widths = [3usize, 5, 10, 20];
        let s: Vec<f64> = widths
            .iter()
            .map(|&m| -0.07 / m as f64 + 0.02 / (m * m) as f64)
            .collect();
        let f = width_fit(&widths, &s, 4e-3).unwrap();
        assert_relative_eq!(f.k, -0.07, max_relative = 1e-10);
        assert_relative_eq!(f.k2, 0.02, max_relative = 1e-9);
        assert_relative_eq!(f.critical_width, 17.5, max_relative = 1e-12);
    }
}

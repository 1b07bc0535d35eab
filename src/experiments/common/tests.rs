use super::*;
use crate::continuation::{EventKind, Point};
use crate::derivatives::Objective;
use crate::linalg::poly_fit;
use approx::assert_relative_eq;
use ndarray::{Array1, Array2, ArrayView1};

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
        krylov_iterations: 0,
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

//! The codim-2 stepper on a curve with a closed form: the circle (λ − c)² + (p − c)² = r² in
//! (λ, p), lifted to y = (x, λ, p) by x = λ. It must close on itself inside the window, leave
//! the window exactly where the circle meets its edge, and record the start of a one-direction
//! curve with that direction's tangent.

use super::curve_system::{Correction, CurveSample, CurveSystem, Linearised, Tangent, WindowExit};
use super::min_aug_fold::{solve_with_row, DenseJacobian};
use super::stepper::follow_curve;
use super::{
    Codim2Event, Codim2Kind, CurveEnd, Direction, Directions, FoldCurveParams, WindowSide,
};
use crate::error::Result;
use crate::linalg::norm;
use ndarray::{array, Array1, Array2};

/// Centre (in λ and p) and radius of the circle.
const C: f64 = 0.5;
const R: f64 = 0.3;
/// Newton on a quadratic from a predictor within a step of 0.05 converges to rounding in
/// a few iterations; points must then satisfy the circle to a few ulps of r².
const ON_CURVE: f64 = 1e-12;

/// A recorded point.
struct Pt {
    lambda: f64,
    p: f64,
    tangent_p: f64,
}

impl CurveSample for Pt {
    fn lambda(&self) -> f64 {
        self.lambda
    }
    fn p(&self) -> f64 {
        self.p
    }
}

struct Circle;

impl Circle {
    fn residual(y: &Array1<f64>) -> Array1<f64> {
        array![y[0] - y[1], (y[1] - C).powi(2) + (y[2] - C).powi(2) - R * R]
    }
    fn jacobian(y: &Array1<f64>) -> Array2<f64> {
        array![[1.0, -1.0, 0.0], [0.0, 2.0 * (y[1] - C), 2.0 * (y[2] - C)]]
    }
}

impl CurveSystem for Circle {
    type Point = Pt;
    type Lin = DenseJacobian;

    fn correct(
        &self,
        y0: &Array1<f64>,
        _b: &Array1<f64>,
        a: &Array1<f64>,
        t: f64,
        tol: f64,
        max_iters: usize,
    ) -> Option<Correction<DenseJacobian>> {
        let mut y = y0.clone();
        for iters in 0..=max_iters {
            let g = Self::residual(&y);
            if norm(g.view()).max((a.dot(&y) - t).abs()) <= tol {
                let lin = DenseJacobian(Self::jacobian(&y));
                return Some(Correction { y, lin, iters });
            }
            y += &solve_with_row(&Self::jacobian(&y), a, &(-&g), t - a.dot(&y)).ok()?;
        }
        None
    }

    fn linearise(&self, y: &Array1<f64>, _b: &Array1<f64>) -> Result<Linearised<DenseJacobian>> {
        Ok(Linearised {
            lin: DenseJacobian(Self::jacobian(y)),
            residual: norm(Self::residual(y).view()),
        })
    }

    fn initial_tangent(&self, y: &Array1<f64>, _b: &Array1<f64>) -> Result<Array1<f64>> {
        DenseJacobian(Self::jacobian(y)).tangent(&array![0.0, 0.0, 1.0])
    }

    fn record(
        &self,
        y: &Array1<f64>,
        _b: &Array1<f64>,
        _lin: &DenseJacobian,
        t: &Array1<f64>,
        _s: f64,
    ) -> Result<Pt> {
        Ok(Pt {
            lambda: y[1],
            p: y[2],
            tangent_p: t[2],
        })
    }

    fn next_border(&self, _pt: &Pt) -> Array1<f64> {
        Array1::zeros(1)
    }

    fn exit_event(&self, pt: &Pt, exit: WindowExit) -> Codim2Event {
        Codim2Event {
            kind: Codim2Kind::LeavesWindow,
            lambda: pt.lambda,
            p: pt.p,
            status: exit.status,
            reason: exit.reason,
            residual: exit.residual,
            kernel_eigenvalue: f64::NAN,
            g_mu: f64::NAN,
            g_aa: f64::NAN,
            g_p: f64::NAN,
            cubic_coefficient: None,
            cubic_relative: None,
            boundary: Some(exit.side),
            direction: exit.direction,
            theta: Array1::zeros(1),
        }
    }
}

/// The start: the circle's point of largest λ, where the tangent is along p.
fn start() -> Array1<f64> {
    array![C + R, C + R, C]
}

fn on_circle(pt: &Pt) -> bool {
    ((pt.lambda - C).powi(2) + (pt.p - C).powi(2) - R * R).abs() <= ON_CURVE
}

#[test]
fn a_circle_inside_the_window_closes_in_both_directions() {
    let params = FoldCurveParams::new(0.0, 1.0);
    let c = follow_curve(&Circle, "p", &start(), &Array1::zeros(1), &params).unwrap();
    assert_eq!(
        c.ends,
        vec![
            (Direction::DecreasingP, CurveEnd::Closed),
            (Direction::IncreasingP, CurveEnd::Closed)
        ]
    );
    assert!(c.events.is_empty());
    assert!(c.points.iter().all(on_circle));
    // Each direction goes round once: both halves of the circle (p < C and p > C) are visited.
    assert!(c.points.iter().any(|q| q.p < C - 0.9 * R));
    assert!(c.points.iter().any(|q| q.p > C + 0.9 * R));
}

#[test]
fn exits_are_located_where_the_circle_meets_the_window() {
    // p ∈ [C − R/2, C + R/2]: the circle leaves at λ = C + R·√3/2 on both sides.
    let params = FoldCurveParams::new(C - 0.5 * R, C + 0.5 * R);
    let c = follow_curve(&Circle, "p", &start(), &Array1::zeros(1), &params).unwrap();
    assert!(c.complete());
    let lambda_exit = C + R * 3f64.sqrt() / 2.0;
    let sides: Vec<_> = c.events.iter().map(|e| e.boundary).collect();
    assert_eq!(sides, vec![Some(WindowSide::PMin), Some(WindowSide::PMax)]);
    for (e, p) in c.events.iter().zip([params.p_min, params.p_max]) {
        assert!((e.p - p).abs() <= ON_CURVE, "exit at p = {}", e.p);
        assert!(
            (e.lambda - lambda_exit).abs() <= ON_CURVE,
            "exit at λ = {}",
            e.lambda
        );
    }
    // The exits are the curve's end points.
    let (first, last) = (&c.points[0], c.points.last().unwrap());
    assert_eq!((first.p, last.p), (c.events[0].p, c.events[1].p));
}

#[test]
fn a_one_direction_curve_records_its_start_with_that_direction_tangent() {
    for (dir, sign) in [
        (Direction::DecreasingP, -1.0),
        (Direction::IncreasingP, 1.0),
    ] {
        let params = FoldCurveParams {
            directions: Directions::Only(dir),
            ..FoldCurveParams::new(C - 0.5 * R, C + 0.5 * R)
        };
        let c = follow_curve(&Circle, "p", &start(), &Array1::zeros(1), &params).unwrap();
        // Points run in order of signed arclength: the start is last going down, first going up.
        let s = if sign < 0.0 {
            c.points.last().unwrap()
        } else {
            &c.points[0]
        };
        assert_eq!((s.lambda, s.p), (C + R, C));
        assert!(
            (s.tangent_p - sign).abs() <= ON_CURVE,
            "{dir:?}: {}",
            s.tangent_p
        );
    }
}

#[test]
fn a_cancelled_curve_ends_interrupted_after_one_step_and_keeps_it() {
    let flag = crate::continuation::CancelFlag::new();
    flag.cancel();
    let params = FoldCurveParams {
        cancel: Some(flag),
        ..FoldCurveParams::new(0.0, 1.0)
    };
    let c = follow_curve(&Circle, "p", &start(), &Array1::zeros(1), &params).unwrap();
    // The first direction stops after its first accepted point; the second is not started.
    assert_eq!(
        c.ends,
        vec![(Direction::DecreasingP, CurveEnd::Interrupted)]
    );
    assert!(!c.complete());
    // Decreasing p alone: the accepted point, then the start (order of signed arclength).
    assert_eq!(c.points.len(), 2, "{}", c.points.len());
    assert!(c.points.iter().all(on_circle));
}

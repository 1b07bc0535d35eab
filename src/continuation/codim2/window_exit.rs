//! Window exits of a codim-2 curve: which side of λ ∈ \[λ_min, λ_max\], p ∈ \[p_min, p_max\]
//! a step crosses first, and the exit point located exactly on that side (Newton on the
//! curve's system with the boundary coordinate fixed).

use super::curve_system::{CurveSample, CurveSystem, Tangent, WindowExit};
use super::stepper::Walker;
use super::{Codim2Event, Direction, FoldCurveParams, LocateStatus, WindowSide};
use crate::error::Result;
use crate::linalg::norm;
use ndarray::Array1;

/// Which window side the segment from `a` to `b` leaves through first, with the fraction of
/// the segment at which it does (the first side listed wins a tie).
pub(super) fn exit_of<P: CurveSample>(
    a: &P,
    b: &P,
    w: &FoldCurveParams,
) -> Option<(WindowSide, f64)> {
    let frac = |x0: f64, x1: f64, bound: f64| (bound - x0) / (x1 - x0);
    [
        (
            WindowSide::LambdaMin,
            b.lambda() < w.lambda_min,
            frac(a.lambda(), b.lambda(), w.lambda_min),
        ),
        (
            WindowSide::LambdaMax,
            b.lambda() > w.lambda_max,
            frac(a.lambda(), b.lambda(), w.lambda_max),
        ),
        (
            WindowSide::PMin,
            b.p() < w.p_min,
            frac(a.p(), b.p(), w.p_min),
        ),
        (
            WindowSide::PMax,
            b.p() > w.p_max,
            frac(a.p(), b.p(), w.p_max),
        ),
    ]
    .into_iter()
    .filter(|x| x.1)
    .map(|(s, _, f)| (s, f))
    .min_by(|x, y| x.1.total_cmp(&y.1))
}

/// Whether an event lies in the window.
pub(super) fn inside(ev: &Codim2Event, w: &FoldCurveParams) -> bool {
    (w.lambda_min..=w.lambda_max).contains(&ev.lambda) && (w.p_min..=w.p_max).contains(&ev.p)
}

/// Locates the exit through `side` between the walker's point and `y` (Newton with the
/// boundary coordinate fixed, from the secant estimate at fraction `f`), returning the final
/// point and the event.
pub(super) fn exit_point<S: CurveSystem>(
    sys: &S,
    w: &Walker,
    y: &Array1<f64>,
    (side, f): (WindowSide, f64),
    dir: Direction,
    params: &FoldCurveParams,
    sign: f64,
) -> Result<(S::Point, Codim2Event)> {
    let n = y.len() - 2;
    let (k, bound) = match side {
        WindowSide::LambdaMin => (n, params.lambda_min),
        WindowSide::LambdaMax => (n, params.lambda_max),
        WindowSide::PMin => (n + 1, params.p_min),
        WindowSide::PMax => (n + 1, params.p_max),
    };
    let guess = &w.y + &((y - &w.y) * f.clamp(0.0, 1.0));
    let mut e = Array1::zeros(n + 2);
    e[k] = 1.0;
    let c = sys.correct(
        &guess,
        &w.b,
        &e,
        bound,
        params.tol,
        4 * params.max_newton_iters,
    );
    let (yb, status, reason) = match c {
        Some(c) => (c.y, LocateStatus::Located, None),
        None => (
            guess,
            LocateStatus::NotLocated,
            Some("Newton with the boundary coordinate fixed did not converge".to_string()),
        ),
    };
    let lin = sys.linearise(&yb, &w.b)?;
    let t = lin.lin.tangent(&w.t)?;
    let s = w.s + sign * norm((&yb - &w.y).view());
    let pt = sys.record(&yb, &w.b, &lin.lin, &t, s)?;
    let exit = WindowExit {
        side,
        status,
        reason,
        residual: lin.residual,
        direction: dir,
    };
    let ev = sys.exit_event(&pt, exit);
    Ok((pt, ev))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bare (λ, p) sample.
    struct At(f64, f64);

    impl CurveSample for At {
        fn lambda(&self) -> f64 {
            self.0
        }
        fn p(&self) -> f64 {
            self.1
        }
    }

    fn window() -> FoldCurveParams {
        FoldCurveParams::new(0.0, 1.0)
    }

    #[test]
    fn a_step_inside_the_window_does_not_exit() {
        assert!(exit_of(&At(0.2, 0.2), &At(0.8, 0.9), &window()).is_none());
    }

    #[test]
    fn the_side_crossed_first_wins_with_its_fraction() {
        // From (0.5, 0.5) to (1.5, 1.25): λ = 1 at 1/2 of the step, p = 1 at 2/3.
        let (side, f) = exit_of(&At(0.5, 0.5), &At(1.5, 1.25), &window()).unwrap();
        assert_eq!(side, WindowSide::LambdaMax);
        assert!((f - 0.5).abs() < 1e-15);
        // From (0.5, 0.5) to (-0.5, -0.25): λ = 0 at 1/2, p = 0 at 2/3.
        let (side, _) = exit_of(&At(0.5, 0.5), &At(-0.5, -0.25), &window()).unwrap();
        assert_eq!(side, WindowSide::LambdaMin);
        // p first: from (0.5, 0.5) to (1.25, 1.5): p = 1 at 1/2, λ = 1 at 2/3.
        let (side, f) = exit_of(&At(0.5, 0.5), &At(1.25, 1.5), &window()).unwrap();
        assert_eq!(side, WindowSide::PMax);
        assert!((f - 0.5).abs() < 1e-15);
    }
}

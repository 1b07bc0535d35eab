//! What the codim-2 stepper (`stepper`) needs of a curve: a system G(y) = 0 with one unknown
//! more than equations in y = (…, λ, p) (λ and p the last two coordinates), made regular by a
//! border b that follows the kernel along the curve; its Newton corrector, initial tangent and
//! point record; the events it detects between two accepted points; and the event it reports
//! where the curve leaves the window.

use super::{Codim2Event, Direction, LocateStatus, WindowSide};
use crate::error::Result;
use ndarray::Array1;

/// A curve's linearisation at a point: its Jacobian ∂G/∂y (one row fewer than columns), as
/// far as the stepper needs it — the null vector. Assembled (`DenseJacobian`) or as solves on
/// the Hessian backend (the fold system).
pub(crate) trait Tangent {
    /// The unit null vector of ∂G/∂y oriented by τᵀ`prev` > 0.
    fn tangent(&self, prev: &Array1<f64>) -> Result<Array1<f64>>;

    /// The unit null vector oriented towards increasing p (the last of `m` coordinates), or,
    /// where the curve has p′ = 0 there, towards increasing λ.
    fn tangent_up_in_p(&self, m: usize) -> Result<Array1<f64>> {
        let mut e = Array1::zeros(m);
        e[m - 1] = 1.0;
        self.tangent(&e).or_else(|_| {
            e[m - 1] = 0.0;
            e[m - 2] = 1.0;
            self.tangent(&e)
        })
    }
}

/// A point corrected onto the curve.
pub(crate) struct Correction<L> {
    /// The corrected y.
    pub y: Array1<f64>,
    /// The linearisation there.
    pub lin: L,
    /// Newton iterations used.
    pub iters: usize,
}

/// The system at one point.
pub(crate) struct Linearised<L> {
    /// The linearisation.
    pub lin: L,
    /// The residual size a window exit reports.
    pub residual: f64,
}

/// Where the curve left the window, and whether Newton located the exit.
pub(crate) struct WindowExit {
    /// Which side.
    pub side: WindowSide,
    /// Located (on the boundary) or the secant estimate.
    pub status: LocateStatus,
    /// Why it was not located.
    pub reason: Option<String>,
    /// The system's residual size at the exit point.
    pub residual: f64,
    /// Direction of the curve.
    pub direction: Direction,
}

/// A recorded point of a curve: its place in (λ, p).
pub(crate) trait CurveSample {
    /// λ.
    fn lambda(&self) -> f64;
    /// p.
    fn p(&self) -> f64;
}

/// A curve in (λ, p) followed by pseudo-arclength on a bordered system.
pub(crate) trait CurveSystem {
    /// The point record.
    type Point: CurveSample;
    /// The linearisation at a point.
    type Lin: Tangent;

    /// Newton on (G(y), aᵀy − t) = 0 from `y0` with border `b`, to `tol`; `None` if it fails
    /// within `max_iters`.
    fn correct(
        &self,
        y0: &Array1<f64>,
        b: &Array1<f64>,
        a: &Array1<f64>,
        t: f64,
        tol: f64,
        max_iters: usize,
    ) -> Option<Correction<Self::Lin>>;

    /// G's Jacobian and residual size at y.
    fn linearise(&self, y: &Array1<f64>, b: &Array1<f64>) -> Result<Linearised<Self::Lin>>;

    /// The unit tangent at the start, oriented towards increasing p.
    fn initial_tangent(&self, y: &Array1<f64>, b: &Array1<f64>) -> Result<Array1<f64>>;

    /// The point record at y (border b, the linearisation `lin` there with that border,
    /// tangent t, signed arclength s).
    fn record(
        &self,
        y: &Array1<f64>,
        b: &Array1<f64>,
        lin: &Self::Lin,
        t: &Array1<f64>,
        s: f64,
    ) -> Result<Self::Point>;

    /// The border for the next step after accepting `pt` (its kernel, oriented continuously).
    fn next_border(&self, pt: &Self::Point) -> Array1<f64>;

    /// Events (sign changes of test functions, located) between accepted points a and b.
    fn events_between(
        &self,
        _a: &Self::Point,
        _b: &Self::Point,
        _ya: &Array1<f64>,
        _yb: &Array1<f64>,
        _dir: Direction,
    ) -> Vec<Codim2Event> {
        Vec::new()
    }

    /// The event of a window exit at the recorded point `pt`.
    fn exit_event(&self, pt: &Self::Point, exit: WindowExit) -> Codim2Event;
}

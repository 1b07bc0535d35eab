//! A branch followed both ways in λ from a seed point, as one ordered branch.

use crate::continuation::{
    Branch, ContinuationParams, Control, Event, Observer, Point, PseudoArclength, RejectedEvent,
    ResumeState, Status, StopReason,
};
use crate::derivatives::Objective;
use crate::error::Result;
use crate::linalg::norm;
use ndarray::{Array1, ArrayView1};

/// A branch through a seed, followed down and up in λ.
#[derive(Clone, Debug)]
pub struct Followed {
    /// Points from the lower-λ-side end to the upper-side end (seed in between).
    pub points: Vec<Point>,
    /// Events in the same order.
    pub events: Vec<Event>,
    /// Kernel dimension of each event.
    pub kernel_dims: Vec<usize>,
    /// Singular points detected but not reported as events, and why (both directions).
    pub rejected: Vec<RejectedEvent>,
    /// Status going down from the seed, going up.
    pub ends: [Status; 2],
    /// Largest ‖∇L‖ over the points.
    pub max_grad_norm: f64,
}

impl Followed {
    /// The worse of the two end statuses (an incomplete or stalled end wins).
    pub fn status(&self) -> Status {
        let bad = |s: &Status| {
            s.is_incomplete() || matches!(s, Status::Stalled(_) | Status::BranchJump(_))
        };
        if bad(&self.ends[0]) && !bad(&self.ends[1]) {
            self.ends[0].clone()
        } else {
            self.ends[1].clone()
        }
    }
}

/// Stops a trace that comes back to its seed (a closed loop), or that comes back onto its own
/// earlier path without passing the seed: it jumped, near a degenerate point, onto a loop that
/// does not hold the seed, and would go round it until its budget ran out.
struct LoopCloser {
    seed: Array1<f64>,
    /// Every accepted (θ, λ) with its arclength.
    path: Vec<(Array1<f64>, f64)>,
    closed: bool,
    reentered: Option<String>,
}

impl LoopCloser {
    fn new(theta: ArrayView1<f64>, lambda: f64) -> Self {
        LoopCloser {
            seed: join(theta, lambda),
            path: Vec::new(),
            closed: false,
            reentered: None,
        }
    }

    /// λ of an earlier point of the path the new point `x` lies on (segment length `seg`).
    fn revisited(&self, x: &Array1<f64>, s: f64, seg: f64) -> Option<f64> {
        let n = x.len() - 1;
        let tol = 0.1 * seg + 1e-9;
        // The last points are the current pass; earlier ones count only when far behind.
        let earlier = self.path.len().saturating_sub(3);
        self.path[..earlier].windows(2).find_map(|w| {
            let ((a, sa), (b, _)) = (&w[0], &w[1]);
            let near_lambda = (a[n] - x[n]).abs().min((b[n] - x[n]).abs()) <= seg;
            let far_behind = s - sa > 3.0 * seg;
            (near_lambda && far_behind && segment_distance(x, a, b) <= tol).then_some(a[n])
        })
    }
}

/// (θ, λ) as one vector.
fn join(theta: ArrayView1<f64>, lambda: f64) -> Array1<f64> {
    let mut x = Array1::zeros(theta.len() + 1);
    x.slice_mut(ndarray::s![..theta.len()]).assign(&theta);
    x[theta.len()] = lambda;
    x
}

/// Distance from `p` to the segment [a, b].
fn segment_distance(p: &Array1<f64>, a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let ab = b - a;
    let len2 = ab.dot(&ab);
    let t = if len2 > 0.0 {
        ((p - a).dot(&ab) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    norm((p - &(a + &(&ab * t))).view())
}

impl Observer for LoopCloser {
    fn on_point(&mut self, point: &Point, _branch: &Branch) -> Control {
        let x = join(point.theta.view(), point.lambda);
        let s = point.arclength;
        let mut stop = None;
        if let Some((prev, _)) = self.path.last() {
            let seg = norm((&x - prev).view());
            // Far along (several segment lengths) and the last segment passes the seed.
            if s > 3.0 * seg && segment_distance(&self.seed, prev, &x) <= 0.05 * seg + 1e-9 {
                self.closed = true;
                stop = Some("closed loop".to_string());
            } else if let Some(l) = self.revisited(&x, s, seg) {
                let why = format!(
                    "came back onto its own path at λ = {:.6} without passing its seed: it \
                     jumped onto another branch earlier (near a degenerate point)",
                    l
                );
                self.reentered = Some(why.clone());
                stop = Some(why);
            }
        }
        self.path.push((x, s));
        match stop {
            Some(why) => Control::Stop(StopReason::Other(why)),
            None => Control::Continue,
        }
    }
}

/// One direction from the seed: `sign` = +1 up in λ, −1 down.
fn one_way<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    sign: f64,
    params: &ContinuationParams,
) -> Result<(Branch, bool, Vec<RejectedEvent>)> {
    let n = obj.dim();
    let mut tangent = vec![0.0; n + 1];
    tangent[n] = sign;
    let state = ResumeState {
        theta: theta.to_vec(),
        lambda,
        tangent,
        ds: params.ds_initial,
        arclength: 0.0,
    };
    let mut closer = LoopCloser::new(theta, lambda);
    let trace = PseudoArclength::new(params.clone()).resume(obj, &state, &mut closer)?;
    let mut branch = trace.branch;
    let rejected = trace.rejected_events;
    if closer.closed {
        branch.status = Status::ClosedLoop;
    } else if let Some(why) = closer.reentered {
        branch.status = Status::BranchJump(why);
    }
    Ok((branch, closer.closed, rejected))
}

/// The branch through the critical point (θ, λ): followed up in λ, then (unless it closed into
/// a loop) down, and joined into one branch ordered from the lower end to the upper end. A seed
/// on the window's edge is followed into the window only.
pub fn follow_both_ways<O: Objective + ?Sized>(
    obj: &O,
    theta: ArrayView1<f64>,
    lambda: f64,
    params: &ContinuationParams,
) -> Result<Followed> {
    let at_top = lambda >= params.lambda_max;
    let at_bottom = lambda <= params.lambda_min;
    let started = std::time::Instant::now();
    let mut rejected = Vec::new();
    let (up, closed) = if at_top {
        (None, false)
    } else {
        let (b, c, r) = one_way(obj, theta, lambda, 1.0, params)?;
        rejected.extend(r);
        (Some(b), c)
    };
    let down = if closed || at_bottom {
        None
    } else {
        // One budget for both ways: going down gets what going up left (at least 1 ms).
        let left = params
            .max_seconds
            .map(|t| (t - started.elapsed().as_secs_f64()).max(1e-3));
        let down_params = ContinuationParams {
            max_seconds: left,
            ..params.clone()
        };
        let (b, _, r) = one_way(obj, theta, lambda, -1.0, &down_params)?;
        // Going down, "before" is the upper side: in branch order it is after.
        rejected.extend(r.into_iter().map(|e| RejectedEvent {
            morse_before: e.morse_after,
            morse_after: e.morse_before,
            ..e
        }));
        Some(b)
    };
    let mut f = join_ways(down, up);
    f.rejected = rejected;
    if closed {
        f.ends[0] = Status::ClosedLoop;
    }
    Ok(f)
}

/// Joins the downward trace (reversed) and the upward one at their common seed.
fn join_ways(down: Option<Branch>, up: Option<Branch>) -> Followed {
    let mut points = Vec::new();
    let mut events = Vec::new();
    let edge = Status::ReachedLambdaMin;
    let mut ends = [edge.clone(), Status::ReachedLambdaMax];
    if let Some(d) = down {
        ends[0] = d.status.clone();
        for e in d.events.into_iter().rev() {
            events.push(Event {
                morse_before: e.morse_after,
                morse_after: e.morse_before,
                arclength: -e.arclength,
                ..e
            });
        }
        let skip = usize::from(up.is_some());
        for p in d.points.into_iter().skip(skip).rev() {
            points.push(Point {
                arclength: -p.arclength,
                tangent_lambda: -p.tangent_lambda,
                ..p
            });
        }
    }
    if let Some(u) = up {
        ends[1] = u.status.clone();
        events.extend(u.events);
        points.extend(u.points);
    }
    let max_grad_norm = points.iter().map(|p| p.grad_norm).fold(0.0, f64::max);
    let kernel_dims = events.iter().map(|e| kernel_dim(&e.eigenvalues)).collect();
    Followed {
        points,
        events,
        kernel_dims,
        rejected: Vec::new(),
        ends,
        max_grad_norm,
    }
}

/// Number of eigenvalues at the rounding level of the smallest |eigenvalue| (within 10³ of it
/// or of 1e-12·‖H‖): the kernel dimension at a located event (1 when none is that small).
pub fn kernel_dim(eigenvalues: &[f64]) -> usize {
    let mut a: Vec<f64> = eigenvalues.iter().map(|x| x.abs()).collect();
    a.sort_by(f64::total_cmp);
    let Some(&mu) = a.first() else { return 0 };
    let scale = a.last().copied().unwrap_or(0.0).max(1e-300);
    if mu > 1e-6 * scale {
        // No eigenvalue at rounding level among these (a partial spectrum): one, as located.
        return 1;
    }
    let level = 1e3 * mu.max(1e-12 * scale);
    a.iter().filter(|&&x| x <= level).count()
}

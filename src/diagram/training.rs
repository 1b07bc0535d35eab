//! Many-start training: random initial weights, Adam on L(·, λ), then Newton to ‖∇L‖ ≤ tol.
//!
//! Adam finds a basin (mostly of a minimum); Newton then lands on the critical point within it
//! to machine precision, whatever its Morse index. Starts run in parallel (rayon) and are
//! deterministic for a given seed: start i draws from its own stream.

use crate::continuation::newton_critical_point;
use crate::derivatives::Objective;
use crate::linalg::SplitMix64;
use ndarray::Array1;
use rayon::prelude::*;
use std::time::Instant;

/// How to train.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Number of random starts.
    pub starts: usize,
    /// Seed of the first start's stream.
    pub seed: u64,
    /// Adam iterations.
    pub iters: usize,
    /// Adam step size.
    pub lr: f64,
    /// Standard deviation of the initial weights.
    pub init_scale: f64,
    /// Newton tolerance on ‖∇L‖.
    pub tol: f64,
}

/// n standard normal numbers (Box–Muller on SplitMix64).
pub fn gaussian_vector(rng: &mut SplitMix64, n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |_| {
        let u1 = rng.next_unit().max(f64::MIN_POSITIVE);
        let u2 = rng.next_unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    })
}

/// ‖∇L‖ at which Adam hands over to Newton.
pub const ADAM_HAND_OVER: f64 = 1e-4;

/// Adam from θ0 for `iters` steps at λ (fewer once ‖∇L‖ ≤ [`ADAM_HAND_OVER`]).
pub fn adam<O: Objective + ?Sized>(
    obj: &O,
    theta: Array1<f64>,
    lambda: f64,
    iters: usize,
    lr: f64,
) -> Array1<f64> {
    adam_until(obj, theta, lambda, iters, lr, None).expect("no deadline")
}

/// Steps between two looks at the clock in [`adam_until`].
const CLOCK_EVERY: usize = 16;

/// [`adam`], or `None` when `deadline` passes first.
pub fn adam_until<O: Objective + ?Sized>(
    obj: &O,
    mut theta: Array1<f64>,
    lambda: f64,
    iters: usize,
    lr: f64,
    deadline: Option<Instant>,
) -> Option<Array1<f64>> {
    let (b1, b2, eps) = (0.9, 0.999, 1e-8);
    let mut m = Array1::<f64>::zeros(theta.len());
    let mut v = Array1::<f64>::zeros(theta.len());
    for t in 1..=iters {
        if t % CLOCK_EVERY == 1 && deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let g = obj.gradient(theta.view(), lambda);
        // Newton takes over from here (its basin): the rest of the Adam steps would only
        // polish what Newton does to machine precision in a few steps.
        if crate::linalg::norm(g.view()) <= ADAM_HAND_OVER {
            break;
        }
        m = &m * b1 + &g * (1.0 - b1);
        v = &v * b2 + &(&g * &g) * (1.0 - b2);
        let c1 = 1.0 - b1.powi(t as i32);
        let c2 = 1.0 - b2.powi(t as i32);
        theta
            .iter_mut()
            .zip(m.iter().zip(v.iter()))
            .for_each(|(x, (mi, vi))| *x -= lr * (mi / c1) / ((vi / c2).sqrt() + eps));
    }
    Some(theta)
}

/// Trains every start at λ; each result is a critical point or why Newton failed.
pub fn train_starts<O: Objective + ?Sized>(
    obj: &O,
    lambda: f64,
    opts: &TrainOptions,
) -> Vec<std::result::Result<Array1<f64>, String>> {
    (0..opts.starts)
        .into_par_iter()
        .map(|i| {
            let theta0 = start_theta(obj, i, opts);
            let theta = adam(obj, theta0, lambda, opts.iters, opts.lr);
            newton_critical_point(obj, theta.view(), lambda, opts.tol).map_err(|e| e.to_string())
        })
        .collect()
}

/// The training of start `i` (its own random stream).
fn start_theta<O: Objective + ?Sized>(obj: &O, i: usize, opts: &TrainOptions) -> Array1<f64> {
    let mut rng = SplitMix64::new(opts.seed.wrapping_add(0x9E37_79B9 * (i as u64 + 1)));
    gaussian_vector(&mut rng, obj.dim()) * opts.init_scale
}

/// [`train_starts`] for the starts `which` only, each abandoned when `deadline` passes
/// (those are left out of the result).
pub fn train_starts_until<O: Objective + ?Sized>(
    obj: &O,
    lambda: f64,
    opts: &TrainOptions,
    which: &[usize],
    deadline: Option<Instant>,
) -> Vec<super::checkpoint::TrainedStart> {
    which
        .par_iter()
        .filter_map(|&i| {
            let theta0 = start_theta(obj, i, opts);
            let theta = adam_until(obj, theta0, lambda, opts.iters, opts.lr, deadline)?;
            let r = newton_critical_point(obj, theta.view(), lambda, opts.tol);
            Some(super::checkpoint::TrainedStart {
                start: i,
                theta: r.as_ref().ok().map(|t| t.to_vec()),
                error: r.err().map(|e| e.to_string()),
            })
        })
        .collect()
}

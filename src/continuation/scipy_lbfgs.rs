//! L-BFGS with the semantics of scipy's `minimize(method="L-BFGS-B")` at its defaults, for an
//! unconstrained problem: L-BFGS-B 3.0 without bounds is L-BFGS with B₀ = θI (θ = yᵀy/sᵀy of
//! the newest pair; the compact form's B⁻¹g equals the two-loop recursion's), the MINPACK-2
//! line search (MINPACK-2 `dcsrch`, ftol 1e-3, gtol 0.9, xtol 0.1, at most 20 evaluations,
//! first trial step 1/‖d‖ on the first iteration and 1 after), curvature pairs skipped when
//! sᵀy ≤ ε_mach·(−gᵀs), memory reset after a failed line search, and scipy's stopping rule:
//! max|gᵢ| ≤ pgtol, or (f_k − f_{k+1})/max(|f_k|, |f_{k+1}|, 1) ≤ factr·ε_mach, or the
//! iteration/evaluation caps. The paper's λ* = 0.721 comes from this rule (issue 11 §4): on
//! the m = 10 paper grid this and scipy 1.17.1 (`scripts/scipy_paper_rerun.py`) both give FD
//! eigenvalue crossings at λ = 0.721673 and 0.742526.

use super::dcsrch::{Dcsrch, Search};
use serde::Serialize;
use std::collections::VecDeque;

/// scipy's default `ftol` = factr·ε_mach with factr = 1e7.
pub const SCIPY_FTOL: f64 = 1e7 * f64::EPSILON;
/// scipy's default `gtol` (pgtol) on the projected gradient's max norm.
pub const SCIPY_PGTOL: f64 = 1e-5;
/// scipy's default `maxiter` and `maxfun`.
pub const SCIPY_MAX_ITER: u64 = 15000;
/// scipy's default `maxcor` (L-BFGS memory).
pub const SCIPY_MEMORY: usize = 10;
/// scipy's default `maxls` (line-search evaluations per iteration).
pub const SCIPY_MAX_LS: usize = 20;
/// L-BFGS-B's line-search constants (lnsrlb): sufficient decrease, curvature, interval width.
const LS_TOLS: (f64, f64, f64) = (1e-3, 0.9, 0.1);
/// L-BFGS-B's largest step for an unconstrained problem (lnsrlb's `big`).
const STPMAX: f64 = 1e10;

/// Stopping settings (scipy's names).
#[derive(Clone, Copy, Debug)]
pub struct ScipyOptions {
    /// Relative-reduction tolerance factr·ε_mach.
    pub ftol: f64,
    /// Projected-gradient tolerance.
    pub pgtol: f64,
    /// Iteration cap.
    pub maxiter: u64,
    /// Function-evaluation cap.
    pub maxfun: u64,
    /// Memory.
    pub m: usize,
    /// Line-search evaluation cap.
    pub maxls: usize,
}

impl Default for ScipyOptions {
    fn default() -> Self {
        ScipyOptions {
            ftol: SCIPY_FTOL,
            pgtol: SCIPY_PGTOL,
            maxiter: SCIPY_MAX_ITER,
            maxfun: SCIPY_MAX_ITER,
            m: SCIPY_MEMORY,
            maxls: SCIPY_MAX_LS,
        }
    }
}

/// x ↦ (f(x), ∇f(x)).
pub type ValueAndGradient<'a> = dyn FnMut(&[f64]) -> (f64, Vec<f64>) + 'a;

/// Why the minimiser stopped (scipy's messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL.
    ProjectedGradient,
    /// CONVERGENCE: REL_REDUCTION_OF_F_<=_FACTR*EPSMCH.
    RelativeReduction,
    /// STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT.
    MaxIter,
    /// STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT.
    MaxFun,
    /// ABNORMAL_TERMINATION_IN_LNSRCH (or a non-finite value).
    Abnormal,
}

/// The result: the last accepted iterate.
#[derive(Clone, Debug)]
pub struct Minimum {
    /// Iterate.
    pub x: Vec<f64>,
    /// f(x).
    pub f: f64,
    /// ∇f(x).
    pub g: Vec<f64>,
    /// Iterations taken.
    pub iterations: u64,
    /// f, ∇f evaluations.
    pub nfev: u64,
    /// Why it stopped.
    pub termination: Termination,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn inf_norm(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Curvature pairs (s, y, 1/sᵀy) and the scaling θ of B₀ = θI.
struct Memory {
    pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)>,
    theta: f64,
    m: usize,
}

impl Memory {
    fn reset(&mut self) {
        self.pairs.clear();
        self.theta = 1.0;
    }

    /// d = −H g by the two-loop recursion with H₀ = I/θ.
    fn direction(&self, g: &[f64]) -> Vec<f64> {
        let mut q = g.to_vec();
        let mut alpha = Vec::with_capacity(self.pairs.len());
        for (s, y, rho) in self.pairs.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alpha.push(a);
        }
        q.iter_mut().for_each(|qi| *qi /= self.theta);
        for ((s, y, rho), a) in self.pairs.iter().zip(alpha.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        q.iter_mut().for_each(|qi| *qi = -*qi);
        q
    }

    /// Stores (s, y) unless sᵀy ≤ ε_mach·(−gᵀs) (L-BFGS-B skips such pairs).
    fn update(&mut self, s: Vec<f64>, y: Vec<f64>, minus_gs: f64) {
        let sy = dot(&s, &y);
        if sy <= f64::EPSILON * minus_gs {
            return;
        }
        self.theta = dot(&y, &y) / sy;
        if self.pairs.len() == self.m {
            self.pairs.pop_front();
        }
        self.pairs.push_back((s, y, 1.0 / sy));
    }
}

/// One line search along `d` from (x, f, g); `Some((stp, x, f, g))` on success (convergence
/// or a MINPACK-2 warning), `None` after `maxls` evaluations or a non-finite value.
type Accepted = (f64, Vec<f64>, f64, Vec<f64>);

fn line_search(
    fg: &mut ValueAndGradient,
    x: &[f64],
    (f, g): (f64, &[f64]),
    d: &[f64],
    stp0: f64,
    o: &ScipyOptions,
    nfev: &mut u64,
) -> Option<Accepted> {
    let mut ls = Dcsrch::start(f, dot(g, d), stp0.min(STPMAX), LS_TOLS, (0.0, STPMAX));
    for _ in 0..o.maxls {
        let stp = ls.step();
        let xt: Vec<f64> = x.iter().zip(d).map(|(xi, di)| xi + stp * di).collect();
        let (ft, gt) = fg(&xt);
        *nfev += 1;
        if !ft.is_finite() || gt.iter().any(|v| !v.is_finite()) {
            return None;
        }
        match ls.next(ft, dot(&gt, d)) {
            Search::Evaluate(_) => {}
            Search::Converged | Search::Warning => return Some((stp, xt, ft, gt)),
        }
    }
    None
}

/// Minimises f from `x0` with scipy's L-BFGS-B semantics; `fg` returns (f, ∇f).
pub fn minimize(fg: &mut ValueAndGradient, x0: &[f64], o: &ScipyOptions) -> Minimum {
    let mut x = x0.to_vec();
    let (mut f, mut g) = fg(&x);
    let (mut nfev, mut iter) = (1u64, 0u64);
    let done = |x: Vec<f64>, f, g, iterations, nfev, termination| Minimum {
        x,
        f,
        g,
        iterations,
        nfev,
        termination,
    };
    if inf_norm(&g) <= o.pgtol {
        return done(x, f, g, 0, nfev, Termination::ProjectedGradient);
    }
    let mut mem = Memory {
        pairs: VecDeque::with_capacity(o.m),
        theta: 1.0,
        m: o.m.max(1),
    };
    loop {
        let d = mem.direction(&g);
        let gd = dot(&g, &d);
        let stp0 = if iter == 0 {
            1.0 / dot(&d, &d).sqrt()
        } else {
            1.0
        };
        let accepted = if gd < 0.0 {
            line_search(fg, &x, (f, &g), &d, stp0, o, &mut nfev)
        } else {
            None
        };
        let Some((stp, xn, fnew, gn)) = accepted else {
            if mem.pairs.is_empty() {
                return done(x, f, g, iter + 1, nfev, Termination::Abnormal);
            }
            // L-BFGS-B refreshes its memory and restarts from the same iterate.
            mem.reset();
            continue;
        };
        iter += 1;
        let (fold, gold) = (f, std::mem::replace(&mut g, gn));
        x = xn;
        f = fnew;
        if iter >= o.maxiter {
            return done(x, f, g, iter, nfev, Termination::MaxIter);
        }
        if nfev > o.maxfun {
            return done(x, f, g, iter, nfev, Termination::MaxFun);
        }
        if inf_norm(&g) <= o.pgtol {
            return done(x, f, g, iter, nfev, Termination::ProjectedGradient);
        }
        if fold - f <= o.ftol * fold.abs().max(f.abs()).max(1.0) {
            return done(x, f, g, iter, nfev, Termination::RelativeReduction);
        }
        let s: Vec<f64> = d.iter().map(|di| stp * di).collect();
        let y: Vec<f64> = g.iter().zip(&gold).map(|(a, b)| a - b).collect();
        mem.update(s, y, -gd * stp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock in 2-D (f, ∇f).
    fn rosen(x: &[f64]) -> (f64, Vec<f64>) {
        let (a, b) = (x[0], x[1]);
        let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        let g = vec![
            -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
            200.0 * (b - a * a),
        ];
        (f, g)
    }

    /// scipy 1.17.1, `minimize(rosen, [-1.2, 1], jac=rosen_der, method="L-BFGS-B")` (an
    /// independent code: the C translation of L-BFGS-B 3.0): nit = 36, nfev = 44,
    /// x = [0.99999895, 0.99999802], "REL_REDUCTION_OF_F"; with `ftol=1e-3`: nit = 33,
    /// nfev = 41, x = [0.99823227, 0.99610996]. The same iteration and evaluation counts mean
    /// the same steps; x agrees to scipy's printed 8 digits (5e-9).
    #[test]
    fn rosenbrock_takes_scipys_steps() {
        let cases = [
            (SCIPY_FTOL, 36, 44, [0.99999895, 0.99999802]),
            (1e-3, 33, 41, [0.99823227, 0.99610996]),
        ];
        for (ftol, nit, nfev, x) in cases {
            let o = ScipyOptions {
                ftol,
                ..Default::default()
            };
            let r = minimize(&mut rosen, &[-1.2, 1.0], &o);
            assert_eq!(r.termination, Termination::RelativeReduction);
            assert_eq!((r.iterations, r.nfev), (nit, nfev));
            assert!(
                (r.x[0] - x[0]).abs() < 5e-9 && (r.x[1] - x[1]).abs() < 5e-9,
                "{:?}",
                r.x
            );
        }
    }

    #[test]
    fn stops_at_once_when_the_start_is_stationary_and_honours_maxiter() {
        let r = minimize(&mut rosen, &[1.0, 1.0], &ScipyOptions::default());
        assert_eq!(
            (r.iterations, r.termination),
            (0, Termination::ProjectedGradient)
        );
        let capped = ScipyOptions {
            maxiter: 3,
            ..Default::default()
        };
        let r = minimize(&mut rosen, &[-1.2, 1.0], &capped);
        assert_eq!((r.iterations, r.termination), (3, Termination::MaxIter));
    }
}

//! The Moré–Thuente line search as MINPACK-2 `dcsrch`/`dcstep` implement it — the line search
//! inside scipy's L-BFGS-B — ported statement by statement so that the scipy-default stopping
//! of the paper's method ([`super::scipy_lbfgs`]) takes the same steps scipy takes.
//! Reverse communication: [`Dcsrch::start`] then [`Dcsrch::next`] with φ(stp), φ′(stp) until
//! it returns something other than [`Search::Evaluate`].

/// Extrapolation bounds of the trial interval before bracketing (MINPACK-2's xtrapl, xtrapu).
const XTRAPL: f64 = 1.1;
const XTRAPU: f64 = 4.0;
/// Bisect when the bracket did not shrink by this factor over two steps (MINPACK-2's p66).
const P66: f64 = 0.66;

/// What the line search wants next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Search {
    /// Evaluate φ and φ′ at this step.
    Evaluate(f64),
    /// Strong Wolfe conditions hold at the last evaluated step.
    Converged,
    /// Stopped at the last evaluated step without convergence (rounding, xtol, stpmax/stpmin).
    Warning,
}

/// State of one line search (MINPACK-2 isave/dsave).
#[derive(Clone, Debug)]
pub struct Dcsrch {
    gtol: f64,
    xtol: f64,
    stpmin: f64,
    stpmax: f64,
    brackt: bool,
    stage: u8,
    ginit: f64,
    gtest: f64,
    finit: f64,
    width: f64,
    width1: f64,
    stx: f64,
    fx: f64,
    gx: f64,
    sty: f64,
    fy: f64,
    gy: f64,
    stmin: f64,
    stmax: f64,
    stp: f64,
}

/// Interval endpoints of [`dcstep`]: the best step so far (x) and the other end (y).
struct Ends {
    stx: f64,
    fx: f64,
    dx: f64,
    sty: f64,
    fy: f64,
    dy: f64,
}

impl Dcsrch {
    /// Starts a search from φ(0) = `f`, φ′(0) = `g` < 0 with first trial step `stp`.
    pub fn start(f: f64, g: f64, stp: f64, tols: (f64, f64, f64), bounds: (f64, f64)) -> Self {
        let (ftol, gtol, xtol) = tols;
        let (stpmin, stpmax) = bounds;
        let width = stpmax - stpmin;
        Dcsrch {
            gtol,
            xtol,
            stpmin,
            stpmax,
            brackt: false,
            stage: 1,
            ginit: g,
            gtest: ftol * g,
            finit: f,
            width,
            width1: width / 0.5,
            stx: 0.0,
            fx: f,
            gx: g,
            sty: 0.0,
            fy: f,
            gy: g,
            stmin: 0.0,
            stmax: stp + XTRAPU * stp,
            stp,
        }
    }

    /// The current trial step.
    pub fn step(&self) -> f64 {
        self.stp
    }

    /// Consumes φ(stp) = `f`, φ′(stp) = `g` at the current trial step.
    pub fn next(&mut self, f: f64, g: f64) -> Search {
        let ftest = self.finit + self.stp * self.gtest;
        if self.stage == 1 && f <= ftest && g >= 0.0 {
            self.stage = 2;
        }
        let stp = self.stp;
        let warn = (self.brackt
            && (stp <= self.stmin
                || stp >= self.stmax
                || self.stmax - self.stmin <= self.xtol * self.stmax))
            || (stp == self.stpmax && f <= ftest && g <= self.gtest)
            || (stp == self.stpmin && (f > ftest || g >= self.gtest));
        // MINPACK-2 tests convergence after the warnings; convergence wins.
        if f <= ftest && g.abs() <= self.gtol * (-self.ginit) {
            return Search::Converged;
        }
        if warn {
            return Search::Warning;
        }
        self.update_interval(f, g, ftest);
        Search::Evaluate(self.stp)
    }

    /// The interval update and the safeguarded next trial step (dcsrch after the tests).
    fn update_interval(&mut self, f: f64, g: f64, ftest: f64) {
        let gt = self.gtest;
        let mut stp = self.stp;
        if self.stage == 1 && f <= self.fx && f > ftest {
            // Modified function ψ(stp) = φ(stp) − φ(0) − ftol·stp·φ′(0).
            let mut e = Ends {
                stx: self.stx,
                fx: self.fx - self.stx * gt,
                dx: self.gx - gt,
                sty: self.sty,
                fy: self.fy - self.sty * gt,
                dy: self.gy - gt,
            };
            let fm = f - stp * gt;
            dcstep(
                &mut e,
                &mut stp,
                fm,
                g - gt,
                &mut self.brackt,
                self.stmin,
                self.stmax,
            );
            self.set_ends(&e);
            self.fx = e.fx + e.stx * gt;
            self.fy = e.fy + e.sty * gt;
            self.gx = e.dx + gt;
            self.gy = e.dy + gt;
        } else {
            let mut e = Ends {
                stx: self.stx,
                fx: self.fx,
                dx: self.gx,
                sty: self.sty,
                fy: self.fy,
                dy: self.gy,
            };
            dcstep(
                &mut e,
                &mut stp,
                f,
                g,
                &mut self.brackt,
                self.stmin,
                self.stmax,
            );
            self.set_ends(&e);
            self.fx = e.fx;
            self.fy = e.fy;
            self.gx = e.dx;
            self.gy = e.dy;
        }
        if self.brackt {
            if (self.sty - self.stx).abs() >= P66 * self.width1 {
                stp = self.stx + 0.5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
            self.stmin = self.stx.min(self.sty);
            self.stmax = self.stx.max(self.sty);
        } else {
            self.stmin = stp + XTRAPL * (stp - self.stx);
            self.stmax = stp + XTRAPU * (stp - self.stx);
        }
        stp = stp.max(self.stpmin).min(self.stpmax);
        if self.brackt
            && (stp <= self.stmin
                || stp >= self.stmax
                || self.stmax - self.stmin <= self.xtol * self.stmax)
        {
            stp = self.stx;
        }
        self.stp = stp;
    }

    fn set_ends(&mut self, e: &Ends) {
        self.stx = e.stx;
        self.sty = e.sty;
    }
}

/// The minimiser of the cubic through (a, fa, da), (b, fb, db), as `dcstep` writes it:
/// returns the step as `a + r·(b − a)` from p/q with the sign of γ set by `flip`.
fn cubic_gamma(theta: f64, da: f64, db: f64, clamp: bool) -> f64 {
    let s = theta.abs().max(da.abs()).max(db.abs());
    let disc = (theta / s).powi(2) - (da / s) * (db / s);
    s * if clamp { disc.max(0.0) } else { disc }.sqrt()
}

/// MINPACK-2 `dcstep`: one safeguarded step of the interval (e.stx, e.sty) given the new
/// trial (stp, fp, dp).
fn dcstep(
    e: &mut Ends,
    stp: &mut f64,
    fp: f64,
    dp: f64,
    brackt: &mut bool,
    stpmin: f64,
    stpmax: f64,
) {
    let (stx, fx, dx) = (e.stx, e.fx, e.dx);
    let (sty, fy, dy) = (e.sty, e.fy, e.dy);
    let s0 = *stp;
    let sgnd = dp * (dx / dx.abs());
    let stpf;
    if fp > fx {
        // Case 1: higher function value; the minimum is bracketed.
        stpf = step_higher_value((stx, fx, dx), (s0, fp, dp));
        *brackt = true;
    } else if sgnd < 0.0 {
        // Case 2: lower value, derivatives of opposite sign; bracketed.
        stpf = step_opposite_slopes((stx, fx, dx), (s0, fp, dp));
        *brackt = true;
    } else if dp.abs() < dx.abs() {
        // Case 3: lower value, same-sign derivative of decreasing magnitude.
        stpf = step_decreasing_slope((stx, fx, dx), sty, (s0, fp, dp), *brackt, (stpmin, stpmax));
    } else {
        // Case 4: lower value, same-sign derivative that does not decrease.
        stpf = if *brackt {
            let theta = 3.0 * (fp - fy) / (sty - s0) + dy + dp;
            let mut gamma = cubic_gamma(theta, dy, dp, false);
            if s0 > sty {
                gamma = -gamma;
            }
            let p = (gamma - dp) + theta;
            let q = ((gamma - dp) + gamma) + dy;
            s0 + (p / q) * (sty - s0)
        } else if s0 > stx {
            stpmax
        } else {
            stpmin
        };
    }
    if fp > fx {
        e.sty = s0;
        e.fy = fp;
        e.dy = dp;
    } else {
        if sgnd < 0.0 {
            e.sty = stx;
            e.fy = fx;
            e.dy = dx;
        }
        e.stx = s0;
        e.fx = fp;
        e.dx = dp;
    }
    *stp = stpf;
}

/// `dcstep` case 1 (fp > fx, bracketed): the cubic step if it is closer to stx than the
/// quadratic one, else their midpoint.
fn step_higher_value((stx, fx, dx): (f64, f64, f64), (s0, fp, dp): (f64, f64, f64)) -> f64 {
    let theta = 3.0 * (fx - fp) / (s0 - stx) + dx + dp;
    let mut gamma = cubic_gamma(theta, dx, dp, false);
    if s0 < stx {
        gamma = -gamma;
    }
    let p = (gamma - dx) + theta;
    let q = ((gamma - dx) + gamma) + dp;
    let stpc = stx + (p / q) * (s0 - stx);
    let stpq = stx + ((dx / ((fx - fp) / (s0 - stx) + dx)) / 2.0) * (s0 - stx);
    if (stpc - stx).abs() < (stpq - stx).abs() {
        stpc
    } else {
        stpc + (stpq - stpc) / 2.0
    }
}

/// `dcstep` case 2 (lower value, derivatives of opposite sign, bracketed): the cubic step if it
/// is farther from the trial than the secant one, else the secant step.
fn step_opposite_slopes((stx, fx, dx): (f64, f64, f64), (s0, fp, dp): (f64, f64, f64)) -> f64 {
    let theta = 3.0 * (fx - fp) / (s0 - stx) + dx + dp;
    let mut gamma = cubic_gamma(theta, dx, dp, false);
    if s0 > stx {
        gamma = -gamma;
    }
    let p = (gamma - dp) + theta;
    let q = ((gamma - dp) + gamma) + dx;
    let stpc = s0 + (p / q) * (stx - s0);
    let stpq = s0 + (dp / (dp - dx)) * (stx - s0);
    if (stpc - s0).abs() > (stpq - s0).abs() {
        stpc
    } else {
        stpq
    }
}

/// `dcstep` case 3 (lower value, same-sign derivative of decreasing magnitude): the cubic step
/// (or a bound when the cubic does not tend to infinity in the step's direction) against the
/// secant step, safeguarded towards sty when bracketed, into \[stpmin, stpmax\] otherwise.
fn step_decreasing_slope(
    (stx, fx, dx): (f64, f64, f64),
    sty: f64,
    (s0, fp, dp): (f64, f64, f64),
    brackt: bool,
    (stpmin, stpmax): (f64, f64),
) -> f64 {
    let theta = 3.0 * (fx - fp) / (s0 - stx) + dx + dp;
    let mut gamma = cubic_gamma(theta, dx, dp, true);
    if s0 > stx {
        gamma = -gamma;
    }
    let p = (gamma - dp) + theta;
    let q = (gamma + (dx - dp)) + gamma;
    let r = p / q;
    let stpc = if r < 0.0 && gamma != 0.0 {
        s0 + r * (stx - s0)
    } else if s0 > stx {
        stpmax
    } else {
        stpmin
    };
    let stpq = s0 + (dp / (dp - dx)) * (stx - s0);
    if brackt {
        let f = if (stpc - s0).abs() < (stpq - s0).abs() {
            stpc
        } else {
            stpq
        };
        if s0 > stx {
            f.min(s0 + P66 * (sty - s0))
        } else {
            f.max(s0 + P66 * (sty - s0))
        }
    } else {
        let f = if (stpc - s0).abs() > (stpq - s0).abs() {
            stpc
        } else {
            stpq
        };
        f.min(stpmax).max(stpmin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search on φ until it stops; returns (step, evaluations, converged).
    fn run(phi: impl Fn(f64) -> (f64, f64), stp0: f64) -> (f64, usize, bool) {
        let (f0, g0) = phi(0.0);
        let mut ls = Dcsrch::start(f0, g0, stp0, (1e-3, 0.9, 0.1), (0.0, 1e10));
        let mut n = 0;
        loop {
            let s = ls.step();
            let (f, g) = phi(s);
            n += 1;
            match ls.next(f, g) {
                Search::Evaluate(_) if n < 50 => continue,
                Search::Converged => return (s, n, true),
                _ => return (s, n, false),
            }
        }
    }

    #[test]
    fn strong_wolfe_point_on_a_quadratic_and_a_quartic() {
        // φ(s) = (s − 2)²: from s = 1e-3 it must extrapolate to a strong Wolfe point.
        let (s, _, ok) = run(|s| ((s - 2.0).powi(2), 2.0 * (s - 2.0)), 1e-3);
        let (f0, g0) = (4.0, -4.0);
        let (f, g) = ((s - 2.0).powi(2), 2.0 * (s - 2.0));
        assert!(ok && f <= f0 + 1e-3 * s * g0 && g.abs() <= 0.9 * g0.abs());
        // φ(s) = s⁴ − s (minimum at 0.63): from a far step 100 it must come back.
        let (s, _, ok) = run(|s| (s.powi(4) - s, 4.0 * s.powi(3) - 1.0), 100.0);
        let g = 4.0 * s.powi(3) - 1.0;
        assert!(ok && s > 0.0 && s.powi(4) - s <= -(1e-3 * s) && g.abs() <= 0.9);
    }
}

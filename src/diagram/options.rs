//! Options of a diagram run, validated once.

use crate::continuation::ContinuationParams;
use crate::error::{ensure_positive, Error, Result};
use serde::{Deserialize, Serialize};

/// What to look for and how far.
///
/// ```
/// let o = actbif::diagram::DiagramOptions::default();
/// assert_eq!((o.lambda_min, o.lambda_max), (0.0, 1.0));
/// assert_eq!(o.starts, 0);
/// assert!(o.validate(50).is_ok());
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DiagramOptions {
    /// Lower end of the λ window.
    pub lambda_min: f64,
    /// Upper end of the λ window.
    pub lambda_max: f64,
    /// Random starts for many-start training.
    pub starts: usize,
    /// λ of the training (default: `lambda_max`).
    pub starts_at: Option<f64>,
    /// λ values for deflated Newton.
    pub deflation_at: Vec<f64>,
    /// Deflation starts per λ (random, plus every known point perturbed).
    pub deflation_starts: usize,
    /// λ values of the census (default: `lambda_max`).
    pub census_at: Vec<f64>,
    /// Wall-clock budget for the whole diagram.
    pub max_seconds: Option<f64>,
    /// Follow at most this many branches.
    pub max_branches: usize,
    /// Switch onto the branches born at branch points.
    pub switch: bool,
    /// Follow every branch of a symmetry orbit, not one representative.
    pub all_orbit_members: bool,
    /// Seed of the random starts.
    pub seed: u64,
    /// Adam iterations per start before Newton.
    pub train_iters: usize,
    /// Adam learning rate.
    pub train_lr: f64,
    /// Standard deviation of the random initial weights (`None`: 1/√(fan-in)).
    pub init_scale: Option<f64>,
    /// Newton tolerance on ‖∇L‖ for seeds and census points.
    pub newton_tol: f64,
    /// Continuation parameters of every branch (its λ window is replaced by this one's).
    pub params: ContinuationParams,
    /// Show progress on stderr.
    pub progress: bool,
}

impl Default for DiagramOptions {
    fn default() -> Self {
        DiagramOptions {
            lambda_min: 0.0,
            lambda_max: 1.0,
            starts: 0,
            starts_at: None,
            deflation_at: Vec::new(),
            deflation_starts: 20,
            census_at: Vec::new(),
            max_seconds: None,
            max_branches: 500,
            switch: true,
            all_orbit_members: false,
            seed: 1,
            train_iters: 1500,
            train_lr: 1e-2,
            init_scale: None,
            newton_tol: 1e-12,
            params: ContinuationParams::default(),
            progress: false,
        }
    }
}

impl DiagramOptions {
    /// Checks every option against the window (n = number of parameters).
    pub fn validate(&self, n: usize) -> Result<()> {
        let (lo, hi) = (self.lambda_min, self.lambda_max);
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::param(
                "lambda_max",
                format!("need finite lambda_min < lambda_max, got [{lo}, {hi}]"),
            ));
        }
        let inside = |name: &str, l: f64| {
            if l.is_finite() && (lo..=hi).contains(&l) {
                Ok(())
            } else {
                Err(Error::param(
                    name,
                    format!("λ = {l} lies outside the window [{lo}, {hi}]"),
                ))
            }
        };
        if let Some(l) = self.starts_at {
            inside("starts_at", l)?;
        }
        for &l in &self.deflation_at {
            inside("deflation_at", l)?;
        }
        for &l in &self.census_at {
            inside("census_at", l)?;
        }
        if let Some(t) = self.max_seconds {
            ensure_positive("max_seconds", t)?;
        }
        ensure_positive("train_lr", self.train_lr)?;
        ensure_positive("newton_tol", self.newton_tol)?;
        if let Some(s) = self.init_scale {
            ensure_positive("init_scale", s)?;
        }
        if self.max_branches == 0 {
            return Err(Error::param("max_branches", "must be at least 1"));
        }
        if n == 0 {
            return Err(Error::param("model", "has no parameters"));
        }
        Ok(())
    }

    /// λ of the training starts.
    pub fn starts_lambda(&self) -> f64 {
        self.starts_at.unwrap_or(self.lambda_max)
    }

    /// λ values of the census (`lambda_max` when none was asked for).
    pub fn census_lambdas(&self) -> Vec<f64> {
        if self.census_at.is_empty() {
            vec![self.lambda_max]
        } else {
            self.census_at.clone()
        }
    }

    /// The continuation parameters of one branch with `seconds` left.
    pub fn branch_params(&self, seconds: Option<f64>) -> ContinuationParams {
        ContinuationParams {
            lambda_min: self.lambda_min,
            lambda_max: self.lambda_max,
            max_seconds: seconds.map(|s| s.max(1e-3)),
            progress: false,
            ..self.params.clone()
        }
    }
}

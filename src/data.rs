//! Data sets: the paper's teacher recipe, a numpy-compatible random stream, file I/O and
//! validation.

use crate::error::{ensure_finite, Error, Result};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Paper Appendix B seed for the d = 5 teacher data.
pub const PAPER_SEED: u32 = 77;
/// Paper Appendix B sample count.
pub const PAPER_N: usize = 500;
/// Paper Appendix B input dimension.
pub const PAPER_D: usize = 5;
/// Linear teacher coefficients w_ℓ.
pub const PAPER_W_LINEAR: [f64; 5] = [1.0, 0.5, -0.3, 0.2, -0.1];
/// Non-linear teacher coefficients w_nl.
pub const PAPER_W_NONLINEAR: [f64; 5] = [0.3, -0.7, 0.5, -0.2, 0.4];
/// Noise scale of the teacher.
pub const PAPER_NOISE: f64 = 0.05;
/// Seed of the B.1 toy data.
pub const TOY_SEED: u32 = 42;
/// Sample count of the B.1 toy data.
pub const TOY_N: usize = 2000;
/// Noise scale of the B.1 toy data.
pub const TOY_NOISE: f64 = 0.02;

/// A regression data set: inputs `x` (N × d) and targets `y` (N).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dataset {
    /// Inputs, one sample per row.
    pub x: Array2<f64>,
    /// Targets.
    pub y: Array1<f64>,
}

impl Dataset {
    /// Builds a validated data set: N ≥ 1, d ≥ 1, matching lengths, finite values.
    pub fn new(x: Array2<f64>, y: Array1<f64>) -> Result<Self> {
        let (n, d) = x.dim();
        if n == 0 || d == 0 {
            return Err(Error::shape(
                "inputs x",
                "N ≥ 1 rows and d ≥ 1 columns",
                format!("{n} × {d}"),
            ));
        }
        if y.len() != n {
            return Err(Error::shape(
                "targets y",
                format!("{n} entries (one per row of x)"),
                y.len(),
            ));
        }
        ensure_finite("inputs x", x.iter())?;
        ensure_finite("targets y", y.iter())?;
        Ok(Dataset { x, y })
    }

    /// Number of samples N.
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// Input dimension d.
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// Σ = E[xxᵀ] (empirical second moment).
    pub fn covariance(&self) -> Array2<f64> {
        self.x.t().dot(&self.x) / self.n_samples() as f64
    }

    /// γ = E[x y].
    pub fn cross_covariance(&self) -> Array1<f64> {
        self.x.t().dot(&self.y) / self.n_samples() as f64
    }
}

/// Output weights v_j = 0.5 + j/(m − 1), j = 0..m−1 (v = (1) for m = 1).
pub fn paper_output_weights(m: usize) -> Array1<f64> {
    if m == 1 {
        return Array1::from_elem(1, 1.0);
    }
    Array1::from_shape_fn(m, |j| 0.5 + j as f64 / (m - 1) as f64)
}

/// Legacy numpy random stream: `np.random.seed(s)` then `np.random.randn(...)`, bit for bit
/// (MT19937 with numpy's `init_genrand` seeding, 53-bit doubles, legacy polar Gaussian with
/// its cached second variate).
#[derive(Clone, Debug)]
pub struct NumpyRng {
    _private: (),
}

impl NumpyRng {
    /// Equivalent of `np.random.seed(seed)`.
    pub fn new(seed: u32) -> Self {
        let _ = seed;
        todo!("data helper")
    }

    /// Equivalent of one `np.random.random_sample()` draw.
    pub fn uniform(&mut self) -> f64 {
        todo!("data helper")
    }

    /// Equivalent of one `np.random.randn()` draw.
    pub fn gaussian(&mut self) -> f64 {
        todo!("data helper")
    }

    /// Equivalent of `np.random.randn(rows, cols)` (row-major).
    pub fn randn2(&mut self, rows: usize, cols: usize) -> Array2<f64> {
        Array2::from_shape_simple_fn((rows, cols), || self.gaussian())
    }

    /// Equivalent of `np.random.randn(n)`.
    pub fn randn(&mut self, n: usize) -> Array1<f64> {
        Array1::from_shape_simple_fn(n, || self.gaussian())
    }
}

/// The paper's teacher data (Appendix B.2): X ~ N(0, I) (drawn first), then ε,
/// y = X w_ℓ + 0.4 tanh(1.5 X w_nl) + 0.05 ε. `paper_teacher(PAPER_SEED, PAPER_N)` is the
/// paper's data set.
pub fn paper_teacher(seed: u32, n: usize) -> Dataset {
    let mut rng = NumpyRng::new(seed);
    let x = rng.randn2(n, PAPER_D);
    let eps = rng.randn(n);
    let wl = Array1::from(PAPER_W_LINEAR.to_vec());
    let wnl = Array1::from(PAPER_W_NONLINEAR.to_vec());
    let y = x.dot(&wl) + x.dot(&wnl).mapv(|z| 0.4 * (1.5 * z).tanh()) + eps * PAPER_NOISE;
    Dataset { x, y }
}

/// The B.1 toy data: x ~ N(0, 1) (N = 2000, drawn first), then ε, y = tanh(1.5x) + 0.02 ε.
pub fn toy(seed: u32, n: usize) -> Dataset {
    let mut rng = NumpyRng::new(seed);
    let x = rng.randn2(n, 1);
    let eps = rng.randn(n);
    let y = x.column(0).mapv(|z| (1.5 * z).tanh()) + eps * TOY_NOISE;
    Dataset { x, y }
}

/// Loads a data set from a `.npz`-free pair of `.npy` files (x: N × d, y: N) or a CSV file
/// whose last column is y. Dispatches on the extension.
pub fn load(path: &Path) -> Result<Dataset> {
    let _ = path;
    todo!("data helper")
}

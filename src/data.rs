//! Data sets: the paper's teacher recipe, a numpy-compatible random stream, loading from
//! files (parsed by [`crate::io`]) and validation, including the moment checks that keep the
//! model's sums finite.

use crate::error::{ensure_finite, Error, Result};
use crate::io;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use std::path::Path;

mod digits;
pub use digits::{digits, digits_raw, DIGITS_CSV, DIGITS_D, DIGITS_N};

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

/// Largest admissible moment E\[xxᵀ\], E\[xy\], E\[y²\] of a data set: √f64::MAX ≈ 1.3e154.
/// Hessian entries are of the size of these moments (times v², h′ ≤ O(1)); the eigen- and
/// linear solvers square entries (norms, Householder reflections), so larger moments would
/// overflow there even when the moments themselves are finite.
pub const MOMENT_LIMIT: f64 = 1.340_780_792_994_259_6e154;

/// Condition number of Σ above which [`Dataset::condition_warning`] warns.
pub const CONDITION_LIMIT: f64 = 1e10;

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
        let data = Dataset { x, y };
        data.check_moments("data set")?;
        Ok(data)
    }

    /// Refuses data whose moments, as the model uses them — Σ = E\[xxᵀ\], γ = E\[xy\] and
    /// E\[y²\] — overflow or exceed [`MOMENT_LIMIT`]: Hessian entries and losses are sums of
    /// such products, and would otherwise turn into ±inf or NaN deep inside a solver (e.g.
    /// "‖v‖²Σ + αI is singular" for x ≈ 1e200). [`Error::DataOutOfRange`] names the moment,
    /// the largest |x| or |y| and the remedy. `what` names the data in the message.
    ///
    /// ```
    /// use actbif::data::Dataset;
    /// use ndarray::array;
    /// assert!(Dataset::new(array![[1e200], [1.0]], array![0.0, 1.0]).is_err());
    /// assert!(Dataset::new(array![[1e50], [1.0]], array![0.0, 1.0]).is_ok());
    /// ```
    pub fn check_moments(&self, what: &str) -> Result<()> {
        let n = self.n_samples() as f64;
        let max_abs = |v: &mut dyn Iterator<Item = &f64>| v.fold(0.0f64, |m, x| m.max(x.abs()));
        let x_max = max_abs(&mut self.x.iter());
        let y_max = max_abs(&mut self.y.iter());
        let sigma = self.x.t().dot(&self.x) / n;
        let gamma = self.x.t().dot(&self.y) / n;
        let y2 = self.y.dot(&self.y) / n;
        let checks = [
            ("Σ = E[xxᵀ]", max_abs(&mut sigma.iter()), "inputs x", x_max),
            ("E[y²]", y2.abs(), "targets y", y_max),
            // Bounded by √(Σ E[y²]) (Cauchy–Schwarz): a safeguard against rounding only.
            (
                "γ = E[xy]",
                max_abs(&mut gamma.iter()),
                "inputs x and targets y",
                x_max.max(y_max),
            ),
        ];
        for (moment, size, of, largest) in checks {
            // NaN cannot occur (finite inputs), but would be refused too.
            if size.is_nan() || size > MOMENT_LIMIT {
                return Err(Error::DataOutOfRange {
                    what: what.to_string(),
                    reason: format!(
                        "the moment {moment} {} (largest |value| in {of}: {largest:e}), so the \
                         model's sums would overflow. Rescale the data (e.g. standardise each column) so \
                         that values stay below about 1e77",
                        if size.is_finite() {
                            format!("is {size:e} > {MOMENT_LIMIT:e}")
                        } else {
                            "overflows to infinity".to_string()
                        }
                    ),
                });
            }
        }
        Ok(())
    }

    /// The N × (d + 1) table \[x | y\] (the file layout of [`save_npy`] and [`save_csv`]).
    pub fn table(&self) -> Result<Array2<f64>> {
        ndarray::concatenate(
            ndarray::Axis(1),
            &[self.x.view(), self.y.view().insert_axis(ndarray::Axis(1))],
        )
        .map_err(|e| Error::shape("data set", "x and y with equal N", e))
    }

    /// Number of samples N.
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// Input dimension d.
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// Σ = E\[xxᵀ\] (empirical second moment).
    pub fn covariance(&self) -> Array2<f64> {
        self.x.t().dot(&self.x) / self.n_samples() as f64
    }

    /// A warning when Σ = E\[xxᵀ\] is singular or ill-conditioned (condition number > 1e10),
    /// in which case Hessians built from this data are unreliable; `None` when Σ is fine.
    ///
    /// ```
    /// use actbif::data::Dataset;
    /// use ndarray::{array, Array1};
    /// // Two identical input columns: Σ is singular.
    /// let d = Dataset::new(array![[1.0, 1.0], [2.0, 2.0]], Array1::zeros(2)).unwrap();
    /// assert!(d.condition_warning().is_some());
    /// let ok = Dataset::new(array![[1.0, 0.0], [0.0, 1.0]], Array1::zeros(2)).unwrap();
    /// assert!(ok.condition_warning().is_none());
    /// ```
    pub fn condition_warning(&self) -> Option<String> {
        let ev = match crate::linalg::sym_eigenvalues(&self.covariance()) {
            Ok(ev) => ev,
            Err(e) => return Some(format!("cannot check conditioning of Σ = E[xxᵀ]: {e}")),
        };
        let max = ev.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let min = ev.iter().cloned().fold(f64::INFINITY, f64::min);
        if min.is_nan() || max.is_nan() || min <= 0.0 {
            return Some(format!(
                "Σ = E[xxᵀ] is singular (eigenvalues in [{min:e}, {max:e}]): some input direction \
                 carries no data"
            ));
        }
        let cond = max / min;
        (cond > CONDITION_LIMIT).then(|| {
            format!(
                "Σ = E[xxᵀ] is ill-conditioned (condition number {cond:.3e} > {CONDITION_LIMIT:e}); \
                 results may be inaccurate"
            )
        })
    }

    /// γ = E\[x y\].
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
///
/// ```
/// use actbif::data::NumpyRng;
/// let mut rng = NumpyRng::new(77);
/// let g = rng.gaussian(); // == np.random.seed(77); np.random.randn()
/// assert!(g.is_finite());
/// ```
#[derive(Clone, Debug)]
pub struct NumpyRng {
    mt: Box<[u32; MT_N]>,
    pos: usize,
    cached_gauss: Option<f64>,
}

const MT_N: usize = 624;
const MT_M: usize = 397;

impl NumpyRng {
    /// Equivalent of `np.random.seed(seed)` (an integer seed goes through MT19937's
    /// `init_genrand`, not `init_by_array`; the cached Gaussian is cleared).
    pub fn new(seed: u32) -> Self {
        let mut mt = Box::new([0u32; MT_N]);
        mt[0] = seed;
        for i in 1..MT_N {
            let prev = mt[i - 1];
            mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        NumpyRng {
            mt,
            pos: MT_N,
            cached_gauss: None,
        }
    }

    /// Regenerates the 624-word state block (reference MT19937 twist).
    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        let mt = &mut self.mt;
        for i in 0..MT_N {
            let y = (mt[i] & UPPER) | (mt[(i + 1) % MT_N] & LOWER);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            mt[i] = mt[(i + MT_M) % MT_N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    /// One raw tempered 32-bit MT19937 output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= MT_N {
            self.twist();
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Equivalent of one `np.random.random_sample()` draw: a 53-bit double in [0, 1)
    /// built from two 32-bit outputs. Does not touch the cached Gaussian (as in numpy).
    pub fn uniform(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// Equivalent of one `np.random.randn()` draw (numpy's `legacy_gauss`: Marsaglia polar
    /// method, returns f·x2 and caches f·x1 for the next call).
    pub fn gaussian(&mut self) -> f64 {
        if let Some(g) = self.cached_gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.uniform() - 1.0;
            let x2 = 2.0 * self.uniform() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.cached_gauss = Some(f * x1);
                return f * x2;
            }
        }
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
/// paper's data set. Bit-identical to numpy's `np.random.seed(seed); X = randn(n, 5);
/// eps = randn(n)` (y itself agrees to rounding: numpy's matrix–vector sums may associate
/// differently). Use `n ≥ 1`: `n = 0` yields an empty set that [`Dataset::new`] would reject.
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
/// Same numpy stream as [`paper_teacher`]; use `n ≥ 1`.
pub fn toy(seed: u32, n: usize) -> Dataset {
    let mut rng = NumpyRng::new(seed);
    let x = rng.randn2(n, 1);
    let eps = rng.randn(n);
    let y = x.column(0).mapv(|z| (1.5 * z).tanh()) + eps * TOY_NOISE;
    Dataset { x, y }
}

/// Loads a data set from disk, dispatching on the file name (case-insensitive extension):
///
/// * `*.csv` — comma-separated floats, one sample per line, **last column is y**, all other
///   columns are x (so at least 2 columns). An optional header line is recognised when the
///   first non-blank line is not entirely numeric; blank lines and lines starting with `#`
///   (as `np.savetxt` writes) are skipped.
/// * `<stem>_x.npy` — **pair convention**: x is the 2-D (N × d) array in this file and y is
///   read from the sibling `<stem>_y.npy` (shape (N,) or (N, 1)).
/// * any other `*.npy` — a single 2-D array N × (d + 1) whose **last column is y**.
///
/// `.npy` files may hold `f8`, `f4`, `i8` or `i4` data (converted to f64), in C or Fortran
/// order. The bytes are parsed by [`crate::io`]. Every failure is an [`Error`] naming the
/// file: [`Error::Io`] (missing/unreadable), [`Error::Parse`] (malformed content, not UTF-8
/// text for a CSV, ragged CSV rows, unknown extension), [`Error::Shape`] (wrong
/// dimensionality, N = 0, no input column, x/y length mismatch), [`Error::NonFinite`] (NaN or
/// ±inf anywhere), [`Error::DataOutOfRange`] (moments that overflow, see
/// [`Dataset::check_moments`]).
pub fn load(path: &Path) -> Result<Dataset> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".csv") {
        from_table(io::read_csv(path)?, path)
    } else if let Some(y_path) = pair_y_path(path) {
        load_npy_pair(path, &y_path)
    } else if name.ends_with(".npy") {
        from_table(to_2d(io::read_npy(path)?, path, TABLE_SHAPE)?, path)
    } else {
        Err(io::parse_err(
            path,
            "unsupported file type (expected a .csv or .npy file name)",
        ))
    }
}

/// Shape a single-file table must have.
const TABLE_SHAPE: &str = "a 2-D array N × (d + 1) whose last column is y";

/// [`load`] for a single-file data set already in memory: `bytes` are parsed as CSV when
/// `name` ends in `.csv` (case-insensitive), else as one `.npy` table N × (d + 1); `name` is
/// used in messages only. The same checks and errors as [`load`].
pub fn load_bytes(name: &Path, bytes: &[u8]) -> Result<Dataset> {
    let is_csv = name
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let table = if is_csv {
        io::parse_csv(bytes, name)?
    } else {
        to_2d(io::parse_npy(bytes, name)?, name, TABLE_SHAPE)?
    };
    from_table(table, name)
}

/// For `…/<stem>_x.npy` (suffix case-insensitive) returns `…/<stem>_y.npy`.
fn pair_y_path(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_str()?;
    let cut = name.len().checked_sub(6)?;
    let suffix = name.get(cut..)?;
    if !suffix.eq_ignore_ascii_case("_x.npy") {
        return None;
    }
    let y_char = if &suffix[1..2] == "X" { "Y" } else { "y" };
    Some(path.with_file_name(format!("{}_{y_char}{}", &name[..cut], &suffix[2..])))
}

/// Loads x from `x_path` (2-D, N × d) and y from `y_path` (shape (N,) or (N, 1)).
pub fn load_npy_pair(x_path: &Path, y_path: &Path) -> Result<Dataset> {
    let x = io::read_npy(x_path)?;
    let y = io::read_npy(y_path)?;
    let x = to_2d(x, x_path, "a 2-D array (N × d)")?;
    let y_shape = y.shape().to_vec();
    let y = match y_shape.as_slice() {
        [n] | [n, 1] => y.into_shape_with_order(*n),
        _ => Err(ndarray::ShapeError::from_kind(
            ndarray::ErrorKind::IncompatibleShape,
        )),
    }
    .map_err(|_| {
        Error::shape(
            &format!("targets in `{}`", y_path.display()),
            "shape (N,) or (N, 1)",
            format!("{y_shape:?}"),
        )
    })?;
    let what_x = format!("inputs in `{}`", x_path.display());
    let what_y = format!("targets in `{}`", y_path.display());
    validate(x, y, &what_x, &what_y)
}

fn to_2d(a: ndarray::ArrayD<f64>, path: &Path, expected: &str) -> Result<Array2<f64>> {
    let shape = a.shape().to_vec();
    a.into_dimensionality::<ndarray::Ix2>().map_err(|_| {
        Error::shape(
            &format!("array in `{}`", path.display()),
            expected,
            format!("{}-D array of shape {shape:?}", shape.len()),
        )
    })
}

/// Splits an N × (d + 1) table into x (first d columns) and y (last column).
fn from_table(a: Array2<f64>, path: &Path) -> Result<Dataset> {
    let (n, c) = a.dim();
    if n == 0 || c < 2 {
        return Err(Error::shape(
            &format!("data in `{}`", path.display()),
            "N ≥ 1 rows and at least 2 columns (inputs, then y last)",
            format!("{n} × {c}"),
        ));
    }
    // Name row and column (1-based, as in the file) of the first non-finite entry.
    if let Some(index) = a.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: format!(
                "data file `{}` (row {}, column {})",
                path.display(),
                index / c + 1,
                index % c + 1
            ),
            index,
        });
    }
    let x = a.slice(ndarray::s![.., ..c - 1]).to_owned();
    let y = a.column(c - 1).to_owned();
    let what = format!("data in `{}`", path.display());
    validate(x, y, &what, &what)
}

fn validate(x: Array2<f64>, y: Array1<f64>, what_x: &str, what_y: &str) -> Result<Dataset> {
    let (n, d) = x.dim();
    if n == 0 || d == 0 {
        return Err(Error::shape(
            what_x,
            "N ≥ 1 rows and d ≥ 1 columns",
            format!("{n} × {d}"),
        ));
    }
    if y.len() != n {
        return Err(Error::shape(
            what_y,
            format!("{n} entries (one per row of x)"),
            y.len(),
        ));
    }
    ensure_finite(what_x, x.iter())?;
    ensure_finite(what_y, y.iter())?;
    let data = Dataset { x, y };
    data.check_moments(what_x)?;
    Ok(data)
}

/// Writes `data` as one `.npy` array N × (d + 1) (last column y; readable by [`load`] and
/// `np.load`), atomically.
pub fn save_npy(path: &Path, data: &Dataset) -> Result<()> {
    io::write_atomic(path, &io::encode_npy(&data.table()?, path)?)
}

/// Writes `data` as CSV with header `x0,…,x{d−1},y` and round-trip-exact numbers (readable
/// by [`load`]), atomically.
pub fn save_csv(path: &Path, data: &Dataset) -> Result<()> {
    let header: Vec<String> = (0..data.dim())
        .map(|j| format!("x{j}"))
        .chain(std::iter::once("y".to_string()))
        .collect();
    io::write_atomic(path, io::format_csv(&header, &data.table()?).as_bytes())
}

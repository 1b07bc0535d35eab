//! The model a command describes ([`ModelSpec`], [`DataSource`], [`ModelKind`]) and the checks
//! of its λ window.

use crate::activation::Builtin;
use crate::app::memory;
use crate::app::Setting;
use crate::continuation::Solver;
use crate::data::{self, Dataset};
use crate::error::{Error, Result};
use crate::models::mlp::Trained;
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use serde::Serialize;
use std::path::PathBuf;
use std::str::FromStr;

/// Where the data come from.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum DataSource {
    /// The paper's teacher data (seed 77, N = 500, d = 5).
    #[default]
    Paper,
    /// The B.1 toy data (seed 42, N = 2000, d = 1).
    Toy,
    /// The shipped 8 × 8 handwritten digits ([`data::digits`], N = 1797, d = 64).
    Digits,
    /// A file read by [`data::load`] (.npy pair or CSV).
    File(PathBuf),
}

impl FromStr for DataSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "" => Err(Error::param(
                "data",
                "expected `paper`, `toy`, `digits` or a file path",
            )),
            "paper" => Ok(DataSource::Paper),
            "toy" => Ok(DataSource::Toy),
            "digits" => Ok(DataSource::Digits),
            path => Ok(DataSource::File(PathBuf::from(path))),
        }
    }
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataSource::Paper => f.write_str("paper_teacher(77, 500)"),
            DataSource::Toy => f.write_str("toy(42, 2000)"),
            DataSource::Digits => f.write_str("digits(1797, 64)"),
            DataSource::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

/// A model as the CLI describes it; defaults are the paper's Appendix B setting.
///
/// ```
/// use actbif::app::commands::{DataSource, ModelSpec};
/// let s = ModelSpec::default();
/// assert_eq!((s.width, s.alpha), (10, 4e-3));
/// assert_eq!(s.activation, actbif::activation::Builtin::Tanh);
/// assert_eq!(s.data, DataSource::Paper);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Width m (v_j = 0.5 + j/(m − 1)).
    pub width: usize,
    /// Tikhonov α.
    pub alpha: f64,
    /// Activation.
    pub activation: Builtin,
    /// Data.
    pub data: DataSource,
    /// Model family (`--model`).
    pub model: ModelKind,
    /// MLP widths d, n_1, …, 1 (`--layers`; `--model mlp` only).
    pub layers: Vec<usize>,
    /// MLP trained layers (`--trained`, indices or `all`; `--model mlp` only).
    pub trained: Trained,
}

/// Model family of a [`ModelSpec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// [`TwoLayer`] (`--width`).
    #[default]
    TwoLayer,
    /// [`crate::models::mlp::Mlp`] (`--layers`, `--trained`).
    Mlp,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            width: 10,
            alpha: PAPER_ALPHA,
            activation: Builtin::Tanh,
            data: DataSource::Paper,
            model: ModelKind::TwoLayer,
            layers: Vec::new(),
            trained: Trained::default(),
        }
    }
}

impl ModelSpec {
    /// Checks the scalar parameters (before any data is generated or read).
    pub fn validate(&self) -> Result<()> {
        if self.model == ModelKind::Mlp && self.layers.is_empty() {
            return Err(Error::param(
                "layers",
                "--model mlp needs --layers, e.g. 64,128,1",
            ));
        }
        if self.model == ModelKind::TwoLayer && self.width == 0 {
            return Err(Error::param("width", "must be at least 1"));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::param(
                "alpha",
                format!("must be finite and ≥ 0, got {}", self.alpha),
            ));
        }
        Ok(())
    }

    /// Builds the validated model, after checking that the dense solver's memory estimate
    /// fits ([`memory::ensure_fits`]).
    pub fn build(&self) -> Result<TwoLayer> {
        self.build_for(Solver::Dense)
    }

    /// [`ModelSpec::build`] with the memory check of `solver` (resolved for this width).
    pub fn build_for(&self, solver: Solver) -> Result<TwoLayer> {
        self.validate()?;
        crate::linalg::fix_parallelism();
        if self.model == ModelKind::Mlp {
            return Err(Error::param(
                "model",
                "this command supports only --model two-layer",
            ));
        }
        let data = self.load_data()?;
        // Refuse a model too large for this machine before allocating it.
        match solver.resolve(self.width.saturating_mul(data.dim())) {
            Solver::MatrixFree => {
                memory::ensure_fits_matrix_free(self.width, data.dim(), data.n_samples())?
            }
            _ => memory::ensure_fits(self.width, data.dim(), data.n_samples())?,
        }
        TwoLayer::new(
            data,
            data::paper_output_weights(self.width),
            self.alpha,
            self.activation,
        )
    }

    /// The data set the spec names (files validated, with a warning for an ill-conditioned Σ).
    pub fn load_data(&self) -> Result<Dataset> {
        Ok(match &self.data {
            DataSource::Paper => data::paper_teacher(data::PAPER_SEED, data::PAPER_N),
            DataSource::Toy => data::toy(data::TOY_SEED, data::TOY_N),
            DataSource::Digits => data::digits()?,
            DataSource::File(p) => {
                if !p.exists() {
                    return Err(Error::Io {
                        path: p.clone(),
                        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                    });
                }
                let d = data::load(p)?;
                // A warning, not an error: an ill-conditioned Σ is legal but makes H0,α nearly
                // singular beyond the α floor.
                if let Some(w) = d.condition_warning() {
                    eprintln!("warning: {}: {w}", p.display());
                }
                d
            }
        })
    }

    /// The setting description of a built model.
    pub fn setting(&self, model: &TwoLayer) -> Setting {
        Setting::of(model, &self.data.to_string())
    }
}

/// Checks an upper λ bound.
pub fn validate_lambda_max(lambda_max: f64) -> Result<()> {
    if !(lambda_max.is_finite() && lambda_max > 0.0) {
        return Err(Error::param(
            "lambda-max",
            format!("must be finite and > 0, got {lambda_max}"),
        ));
    }
    Ok(())
}

/// Checks λ ∈ [0, λ_max].
pub fn validate_lambda(lambda: f64, lambda_max: f64) -> Result<()> {
    if !(lambda.is_finite() && (0.0..=lambda_max).contains(&lambda)) {
        return Err(Error::param(
            "lambda",
            format!("must lie in [0, {lambda_max}], got {lambda}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::commands::is_input_error;

    #[test]
    fn spec_validation_names_the_parameter() {
        let bad_w = ModelSpec {
            width: 0,
            ..Default::default()
        };
        assert!(bad_w.validate().unwrap_err().to_string().contains("width"));
        for a in [-1e-3, f64::NAN, f64::INFINITY] {
            let s = ModelSpec {
                alpha: a,
                ..Default::default()
            };
            assert!(s.validate().unwrap_err().to_string().contains("alpha"));
        }
        assert!(ModelSpec::default().validate().is_ok());
    }

    #[test]
    fn lambda_checks() {
        assert!(validate_lambda(0.0, 1.0).is_ok());
        assert!(validate_lambda(1.0, 1.0).is_ok());
        assert!(validate_lambda(1.5, 1.0).is_err());
        assert!(validate_lambda(-0.1, 1.0).is_err());
        assert!(validate_lambda(f64::NAN, 1.0).is_err());
        assert!(validate_lambda_max(0.0).is_err());
        assert!(validate_lambda_max(2.0).is_ok());
    }

    #[test]
    fn data_source_parses() {
        assert_eq!("paper".parse::<DataSource>().unwrap(), DataSource::Paper);
        assert_eq!("toy".parse::<DataSource>().unwrap(), DataSource::Toy);
        assert_eq!(
            "x.csv".parse::<DataSource>().unwrap(),
            DataSource::File(PathBuf::from("x.csv"))
        );
        assert!("".parse::<DataSource>().is_err());
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let s = ModelSpec {
            data: DataSource::File(PathBuf::from("/nonexistent/actbif.csv")),
            ..Default::default()
        };
        let e = s.build().unwrap_err();
        assert!(is_input_error(&e));
        assert!(e.to_string().contains("/nonexistent/actbif.csv"));
    }
}

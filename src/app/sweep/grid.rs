//! A sweep grid: a table of lists (TOML or JSON), expanded to the Cartesian product of its
//! values; or an explicit list of configurations (JSON).

use super::SweepConfig;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// A single value or a list of values (so `alpha = 4e-3` and `alpha = [4e-3]` both work).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// One value.
    One(T),
    /// Several values.
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn values(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A grid as a table of lists; a missing field takes the paper's value (see [`SweepConfig`]).
///
/// ```
/// use actbif::app::sweep::Grid;
/// let g = Grid::from_toml_str("width = [3, 5]\nalpha = [4e-3, 1e-3]\nactivation = \"tanh\"").unwrap();
/// let configs = g.expand().unwrap();
/// assert_eq!(configs.len(), 4);
/// assert_eq!((configs[0].width, configs[0].alpha), (3, 4e-3));
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Widths m.
    pub width: OneOrMany<usize>,
    /// Tikhonov α values.
    pub alpha: Option<OneOrMany<f64>>,
    /// Activation names.
    pub activation: Option<OneOrMany<String>>,
    /// Data seeds.
    pub data_seed: Option<OneOrMany<u32>>,
    /// Sample counts N.
    pub n_samples: Option<OneOrMany<usize>>,
    /// Solver names.
    pub solver: Option<OneOrMany<String>>,
    /// λ window ends.
    pub lambda_max: Option<OneOrMany<f64>>,
}

fn or_default<T: Clone>(field: &Option<OneOrMany<T>>, default: T) -> Vec<T> {
    field.as_ref().map_or_else(|| vec![default], |f| f.values())
}

fn grid_error(reason: impl Into<String>) -> Error {
    Error::param("grid", reason)
}

impl Grid {
    /// Parses a TOML table of lists.
    pub fn from_toml_str(s: &str) -> Result<Self> {
        toml::from_str(s).map_err(|e| grid_error(e.to_string()))
    }

    /// The configurations: the Cartesian product of the fields (width outermost, then α,
    /// activation, data seed, N, solver, λ_max), each validated, duplicates removed.
    pub fn expand(&self) -> Result<Vec<SweepConfig>> {
        let p = SweepConfig::paper(1);
        let widths = self.width.values();
        let alphas = or_default(&self.alpha, p.alpha);
        let acts = or_default(&self.activation, p.activation.clone());
        let seeds = or_default(&self.data_seed, p.data_seed);
        let ns = or_default(&self.n_samples, p.n_samples);
        let solvers = or_default(&self.solver, p.solver.clone());
        let lmaxs = or_default(&self.lambda_max, p.lambda_max);
        let mut out = vec![];
        for &width in &widths {
            for &alpha in &alphas {
                for activation in &acts {
                    for &data_seed in &seeds {
                        for &n_samples in &ns {
                            for solver in &solvers {
                                for &lambda_max in &lmaxs {
                                    out.push(SweepConfig {
                                        width,
                                        alpha,
                                        activation: activation.clone(),
                                        data_seed,
                                        n_samples,
                                        solver: solver.clone(),
                                        lambda_max,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        validated(out)
    }
}

/// Validates each configuration and removes duplicates (same [`SweepConfig::id`]), keeping
/// the first; errors on an empty list.
pub fn validated(configs: Vec<SweepConfig>) -> Result<Vec<SweepConfig>> {
    if configs.is_empty() {
        return Err(grid_error("has no configurations (an empty list?)"));
    }
    let mut seen = HashSet::new();
    let mut out = vec![];
    for c in configs {
        c.validate()
            .map_err(|e| grid_error(format!("configuration {}: {e}", c.id())))?;
        if seen.insert(c.id()) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Parses a grid given as JSON: a table of lists like the TOML form, or an array of
/// configurations.
pub fn configs_from_json_str(s: &str) -> Result<Vec<SweepConfig>> {
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| grid_error(e.to_string()))?;
    if v.is_array() {
        let cs: Vec<SweepConfig> =
            serde_json::from_value(v).map_err(|e| grid_error(e.to_string()))?;
        validated(cs)
    } else {
        let g: Grid = serde_json::from_value(v).map_err(|e| grid_error(e.to_string()))?;
        g.expand()
    }
}

/// Reads a grid file: `.json` as [`configs_from_json_str`], anything else as TOML.
pub fn load_configs(path: &Path) -> Result<Vec<SweepConfig>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parsed = if path.extension().is_some_and(|e| e == "json") {
        configs_from_json_str(&text)
    } else {
        Grid::from_toml_str(&text).and_then(|g| g.expand())
    };
    parsed.map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_size_and_order() {
        let g = Grid::from_toml_str(
            "width = [2, 3]\nalpha = [0.0, 1e-3, 4e-3]\nactivation = [\"tanh\", \"erf\"]",
        )
        .unwrap();
        let c = g.expand().unwrap();
        assert_eq!(c.len(), 12);
        assert_eq!(
            (c[0].width, c[0].alpha, c[0].activation.as_str()),
            (2, 0.0, "tanh")
        );
        assert_eq!(c[1].activation, "erf");
        assert_eq!(c[11].width, 3);
    }

    #[test]
    fn bad_grids_are_rejected_with_the_reason() {
        for (text, word) in [
            ("width = []", "empty"),
            ("width = [3]\nactivation = \"relu\"", "relu"),
            ("width = [3]\nalpha = -1.0", "alpha"),
            ("width = [3]\ncolour = 1", "colour"),
            ("alpha = 1.0", "width"),
            ("width = [0]", "width"),
            ("width = [3]\nsolver = \"cholesky\"", "unknown solver"),
        ] {
            let e = Grid::from_toml_str(text).and_then(|g| g.expand());
            let msg = e.expect_err(text).to_string();
            assert!(msg.contains(word), "{text}: {msg}");
        }
    }

    #[test]
    fn json_accepts_both_forms_and_dedups() {
        let a = configs_from_json_str(r#"{"width": [3, 3, 4]}"#).unwrap();
        assert_eq!(a.len(), 2);
        let b = configs_from_json_str(r#"[{"width": 3}, {"width": 4, "alpha": 0.001}]"#).unwrap();
        assert_eq!((b[1].width, b[1].alpha), (4, 1e-3));
        assert!(configs_from_json_str(r#"[{"width": 3, "bogus": 1}]"#).is_err());
    }
}

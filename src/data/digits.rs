//! The UCI 8 × 8 handwritten digits (1797 × 64, as shipped by scikit-learn), embedded in the
//! binary from `data/digits.csv` (provenance and licence: `data/README.md`).

use super::Dataset;
use crate::error::{Error, Result};
use ndarray::{Array1, Array2};

/// The shipped file: 64 pixel intensities (0..=16) then the label (0..=9) per line.
pub const DIGITS_CSV: &str = include_str!("../../data/digits.csv");
/// Number of images.
pub const DIGITS_N: usize = 1797;
/// Pixels per image (8 × 8).
pub const DIGITS_D: usize = 64;

/// The raw digits: pixels (N × 64, values 0..=16) and labels (0..=9).
pub fn digits_raw() -> Result<(Array2<f64>, Array1<f64>)> {
    let bad = |line: usize, reason: String| Error::Parse {
        path: "data/digits.csv (embedded)".into(),
        reason: format!("line {}: {reason}", line + 1),
    };
    let mut x = Array2::zeros((DIGITS_N, DIGITS_D));
    let mut y = Array1::zeros(DIGITS_N);
    let mut rows = 0;
    for (i, line) in DIGITS_CSV.lines().enumerate() {
        if i >= DIGITS_N {
            return Err(bad(i, format!("more than {DIGITS_N} rows")));
        }
        let vals: Vec<f64> = line
            .split(',')
            .map(|t| t.parse::<f64>().map_err(|e| bad(i, format!("`{t}`: {e}"))))
            .collect::<Result<_>>()?;
        if vals.len() != DIGITS_D + 1 {
            return Err(bad(
                i,
                format!("{} columns, expected {}", vals.len(), DIGITS_D + 1),
            ));
        }
        x.row_mut(i)
            .assign(&ndarray::ArrayView1::from(&vals[..DIGITS_D]));
        y[i] = vals[DIGITS_D];
        rows += 1;
    }
    if rows != DIGITS_N {
        return Err(bad(rows, format!("{rows} rows, expected {DIGITS_N}")));
    }
    Ok((x, y))
}

/// The digits as a regression problem (d = 64, N = 1797):
///
/// * inputs: every pixel standardised over the data set, (x − mean)/std with the population
///   std; the pixels that are constant (std = 0: pixels 0, 32 and 39) become 0;
/// * target: the digit value standardised the same way, y = (label − mean)/std
///   (mean 4.4908, std 2.8645), a scalar regression target of unit variance.
///
/// ```
/// let d = actbif::data::digits().unwrap();
/// assert_eq!((d.n_samples(), d.dim()), (1797, 64));
/// ```
pub fn digits() -> Result<Dataset> {
    let (x, y) = digits_raw()?;
    let x = standardise_columns(x);
    let y = standardise_columns(y.insert_axis(ndarray::Axis(1)))
        .column(0)
        .to_owned();
    Dataset::new(x, y)
}

/// Per-column z-score with the population std; constant columns become 0.
fn standardise_columns(mut a: Array2<f64>) -> Array2<f64> {
    let n = a.nrows() as f64;
    for mut col in a.columns_mut() {
        let mean = col.sum() / n;
        let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        if sd > 0.0 {
            col.mapv_inplace(|v| (v - mean) / sd);
        } else {
            col.fill(0.0);
        }
    }
    a
}

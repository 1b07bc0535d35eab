//! Plain-text and Markdown tables; number formatting.

use crate::error::{Error, Result};
use std::fmt;

/// A simple table of strings rendered as aligned plain text ([`Table::to_text`], also
/// `Display`) or Markdown ([`Table::to_markdown`]). Columns whose cells all parse as numbers
/// are right-aligned, others left-aligned.
///
/// ```
/// use actbif::report::Table;
/// let mut t = Table::new(["m", "λ*"]);
/// t.push_row(["10", "0.72"]).unwrap();
/// t.push_row(["100", "0.5"]).unwrap();
/// assert_eq!(t.to_text(), "  m    λ*\n---  ----\n 10  0.72\n100   0.5\n");
/// assert!(t.push_row(["1"]).is_err()); // wrong number of cells
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given column headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; errors ([`Error::Shape`]) unless it has one cell per column.
    pub fn push_row<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) -> Result<()> {
        let row: Vec<String> = row.into_iter().map(Into::into).collect();
        if row.len() != self.headers.len() {
            return Err(Error::shape(
                "table row",
                format!("{} cells (one per column)", self.headers.len()),
                row.len(),
            ));
        }
        self.rows.push(row);
        Ok(())
    }

    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    fn widths_and_numeric(&self) -> (Vec<usize>, Vec<bool>) {
        let len = |s: &str| s.chars().count();
        let widths = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| len(&r[c]))
                    .chain(std::iter::once(len(&self.headers[c])))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric = (0..self.headers.len())
            .map(|c| {
                !self.rows.is_empty()
                    && self.rows.iter().all(|r| r[c].trim().parse::<f64>().is_ok())
            })
            .collect();
        (widths, numeric)
    }

    /// Plain text: header, a dashed rule, rows; columns separated by two spaces, no trailing
    /// spaces.
    pub fn to_text(&self) -> String {
        let (widths, numeric) = self.widths_and_numeric();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, s)| pad(s, widths[c], numeric[c]))
                .collect();
            parts.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        out.push_str(&(rule.join("  ") + "\n"));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// GitHub-flavoured Markdown (`|` in cells escaped; numeric columns right-aligned).
    pub fn to_markdown(&self) -> String {
        let (widths, numeric) = self.widths_and_numeric();
        let esc = |s: &str| s.replace('|', "\\|");
        let widths: Vec<usize> = widths
            .iter()
            .enumerate()
            .map(|(c, &w)| {
                let extra = std::iter::once(&self.headers[c])
                    .chain(self.rows.iter().map(|r| &r[c]))
                    .map(|s| s.matches('|').count())
                    .max()
                    .unwrap_or(0);
                (w + extra).max(3)
            })
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, s)| pad(&esc(s), widths[c], numeric[c]))
                .collect();
            format!("| {} |\n", parts.join(" | "))
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> = widths
            .iter()
            .zip(&numeric)
            .map(|(&w, &num)| {
                if num {
                    format!("{}:", "-".repeat(w - 1))
                } else {
                    "-".repeat(w)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.chars().count()));
    if right {
        fill + s
    } else {
        s.to_string() + &fill
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Formats a number with `sig` significant digits in scientific notation (`1.235e-4`),
/// or `NaN`/`inf`/`-inf`; `sig` is clamped to 1..=17. Handy for table cells.
///
/// ```
/// use actbif::report::fmt_sci;
/// assert_eq!(fmt_sci(0.00012345, 3), "1.23e-4");
/// assert_eq!(fmt_sci(f64::NAN, 3), "NaN");
/// ```
pub fn fmt_sci(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let p = sig.clamp(1, 17) - 1;
    format!("{x:.p$e}")
}

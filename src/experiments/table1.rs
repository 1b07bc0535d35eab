//! Table 1 side by side: the paper's printed value | the paper's method rerun here | the exact
//! computation. The printed values are transcribed from the paper (Table 1, §10, Appendix B,
//! Remarks 7.8, 7.10, 7.16) and labelled as such; everything else comes from this run.
//!
//! Each experiment contributes its own rows ([`super::Experiment::table_rows`]); the table is
//! their concatenation in [`DISPLAY_ORDER`].

use super::common::{fmt, EventReport};
use crate::app::output::Table;
use crate::normal_form::Coefficients;
use serde::Serialize;

/// Experiments contributing rows, in display order (B.6's coefficient rows follow B.2's event
/// rows, before B.3's fits).
pub const DISPLAY_ORDER: [&str; 5] = ["B.1", "B.2", "B.6", "B.3", "B.5"];

/// Section of the toy rows (B.1).
pub const TOY: &str = "toy d=1 m=2";
/// Section of the d = 5, m = 10 rows (B.2, B.6, B.3).
pub const HD: &str = "HD d=5 m=10";
/// Section of the width-scaling rows (B.5).
pub const WIDTHS: &str = "width scaling";

/// Cell text of a value that was not computed (its experiment failed).
pub const MISSING: &str = "not run";

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Section ("toy d=1 m=2", "HD d=5 m=10", "width scaling").
    pub section: String,
    /// Quantity.
    pub quantity: String,
    /// The paper's printed value (transcribed).
    pub paper_printed: String,
    /// The paper's method, rerun here.
    pub paper_method: String,
    /// The exact computation.
    pub exact: String,
}

impl Row {
    /// A row: section, quantity, printed value, paper's method, exact.
    pub fn new(section: &str, quantity: &str, paper: &str, method: String, exact: String) -> Self {
        Row {
            section: section.into(),
            quantity: quantity.into(),
            paper_printed: paper.into(),
            paper_method: method,
            exact,
        }
    }

    /// The placeholder row of an experiment that did not run (e.g. "(B.2)").
    pub fn missing(section: &str, id: &str) -> Self {
        Row::new(
            section,
            &format!("({id})"),
            "",
            MISSING.into(),
            MISSING.into(),
        )
    }
}

/// The assembled table.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Table1 {
    /// Rows in display order.
    pub rows: Vec<Row>,
}

/// The coefficients of an event report, if computed.
pub fn coeffs(r: Option<&EventReport>) -> Option<&Coefficients> {
    r.and_then(|r| r.coefficients.as_ref().ok())
}

/// A number, or [`MISSING`].
pub fn opt(x: Option<f64>) -> String {
    x.map(fmt).unwrap_or_else(|| MISSING.into())
}

/// The paper's printed λ* per width (B.5 (iii) and Table 1); `None` = not printed.
pub fn paper_lambda_star(m: usize) -> Option<&'static str> {
    match m {
        3 => Some("0.37"),
        10 => Some("0.721"),
        15 => Some("0.99"),
        m if m >= 20 => Some("none (no crossing)"),
        _ => None,
    }
}

impl Table1 {
    /// Concatenates the rows each experiment contributed, `(id, rows)`, in [`DISPLAY_ORDER`]
    /// (experiments not listed there contribute nothing).
    pub fn build<'a>(contributions: impl IntoIterator<Item = (&'a str, &'a [Row])>) -> Table1 {
        let contributions: Vec<(&str, &[Row])> = contributions.into_iter().collect();
        let rows = DISPLAY_ORDER
            .iter()
            .flat_map(|id| {
                contributions
                    .iter()
                    .filter(move |(c, _)| c == id)
                    .flat_map(|(_, r)| r.iter().cloned())
            })
            .collect();
        Table1 { rows }
    }

    /// The table as markdown.
    pub fn to_markdown(&self) -> String {
        let mut tab = Table::new([
            "section",
            "quantity",
            "paper (printed)",
            "paper's method (rerun)",
            "exact (this crate)",
        ]);
        for r in &self.rows {
            // Five cells per row by construction.
            let _ = tab.push_row([
                r.section.clone(),
                r.quantity.clone(),
                r.paper_printed.clone(),
                r.paper_method.clone(),
                r.exact.clone(),
            ]);
        }
        tab.to_markdown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::{all, Context};

    #[test]
    fn failed_experiments_give_labelled_placeholders_in_display_order() {
        let ctx = Context::new(true, false);
        // Every experiment failed: each contributes its placeholder rows.
        let contributions: Vec<(&str, Vec<Row>)> = all()
            .iter()
            .map(|e| (e.meta().id, e.table_rows_if_failed(&ctx)))
            .collect();
        let t = Table1::build(contributions.iter().map(|(id, r)| (*id, r.as_slice())));
        assert!(t.rows.iter().any(|r| r.paper_method == MISSING));
        // Printed constants are present even without any computation.
        assert!(t.rows.iter().any(|r| r.paper_printed == "−0.0028"));
        // Sections appear in display order: toy, HD, width scaling.
        let first = |s: &str| t.rows.iter().position(|r| r.section == s).unwrap();
        assert!(first(TOY) < first(HD) && first(HD) < first(WIDTHS));
        let md = t.to_markdown();
        assert!(md.contains("paper (printed)"));
    }

    #[test]
    fn build_orders_by_experiment_not_by_input() {
        let row = |q: &str| Row::new("s", q, "", String::new(), String::new());
        let (b5, b1, b4) = ([row("five")], [row("one")], [row("four")]);
        let t = Table1::build([("B.5", &b5[..]), ("B.4", &b4[..]), ("B.1", &b1[..])]);
        let q: Vec<&str> = t.rows.iter().map(|r| r.quantity.as_str()).collect();
        assert_eq!(q, ["one", "five"]);
    }
}

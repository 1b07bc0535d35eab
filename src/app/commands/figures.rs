//! `actbif figures`: a diagram's figures redrawn from its JSON, so a change of style does not
//! need the diagram re-run.

use crate::diagram::figure::write_figures;
use crate::diagram::Diagram;
use crate::error::{Error, Result};
use std::path::Path;

/// Reads `diagram` (a diagram's JSON; θ is not in it and is not needed) and writes its
/// figures into `out`; returns the file names written.
pub fn run_figures(diagram: &Path, out: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(diagram).map_err(|e| Error::Io {
        path: diagram.to_path_buf(),
        source: e,
    })?;
    let d: Diagram = serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: diagram.to_path_buf(),
        reason: format!("not a diagram JSON: {e}"),
    })?;
    write_figures(&d, out)
}

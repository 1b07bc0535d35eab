//! `actbif figures`: a diagram's figures redrawn from its JSON, so a change of style does not
//! need the diagram re-run.

use crate::diagram::checkpoint::read_diagram;
use crate::diagram::figure::write_figures;
use crate::error::Result;
use std::path::Path;

/// Reads `diagram` (a diagram's JSON; θ is not in it and is not needed) and writes its
/// figures into `out`; returns the file names written.
pub fn run_figures(diagram: &Path, out: &Path) -> Result<Vec<String>> {
    write_figures(&read_diagram(diagram, "diagram JSON")?, out)
}

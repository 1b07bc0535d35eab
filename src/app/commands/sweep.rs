//! `actbif sweep`: the grid file's configurations run with a line per configuration.

use crate::error::Result;

/// `actbif sweep`: runs the grid file's unfinished configurations into `out` (see
/// [`super::sweep::run_sweep`]), one stderr line per configuration and a summary. Ok(false)
/// when some configuration failed (its row says why).
///
/// [`super::sweep::run_sweep`]: crate::app::sweep::run_sweep
pub fn run_sweep_command(grid: &std::path::Path, out: &std::path::Path) -> Result<bool> {
    use crate::app::sweep::{grid::load_configs, run_sweep, ROWS_FILE};
    let configs = load_configs(grid)?;
    let s = run_sweep(&configs, out, &|r| {
        let what = match (&r.error, &r.first_event_kind, r.lambda_star) {
            (Some(e), _, _) => format!("error: {e}"),
            (None, Some(k), Some(l)) => format!("{}, first event {k} at λ* = {l:.6}", r.status),
            _ => format!("{}, no event", r.status),
        };
        eprintln!("{} ({:.1} s): {what}", r.config_id, r.seconds);
    })?;
    eprintln!(
        "{} configuration(s): {} run, {} already finished, {} failed; rows in {}",
        s.rows.len(),
        s.ran,
        s.skipped,
        s.failed,
        out.join(ROWS_FILE).display()
    );
    Ok(s.failed == 0)
}

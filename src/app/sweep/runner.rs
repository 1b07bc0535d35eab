//! The in-process sweep runner behind `actbif sweep`: configurations in parallel (rayon), each
//! result appended to `DIR/rows.jsonl` as it finishes and its branch written to
//! `DIR/<config-id>.json`; a rerun into the same directory skips finished configurations.

use super::{run_config_with_branch, SweepConfig, SweepRow};
use crate::error::{Error, Result};
use crate::io::write_atomic;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The rows file in a sweep directory (one JSON [`SweepRow`] per line, appended).
pub const ROWS_FILE: &str = "rows.jsonl";

/// The branch file of a configuration in a sweep directory.
pub fn branch_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.json"))
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The last row recorded per configuration id in `dir/rows.jsonl` (none if the file does not
/// exist). Unparsable lines (e.g. one cut short by a crash) are skipped.
pub fn recorded_rows(dir: &Path) -> Result<HashMap<String, SweepRow>> {
    let path = dir.join(ROWS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(io_err(&path, e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<SweepRow>(l).ok())
        .map(|r| (r.config_id.clone(), r))
        .collect())
}

/// Ids of the configurations finished in `dir`: a recorded row without error whose branch
/// file exists. Failed configurations are not finished, so a rerun retries them.
pub fn finished_ids(dir: &Path) -> Result<HashMap<String, SweepRow>> {
    Ok(recorded_rows(dir)?
        .into_iter()
        .filter(|(id, r)| r.error.is_none() && branch_path(dir, id).exists())
        .collect())
}

/// What [`run_sweep`] did.
#[derive(Clone, Debug, Serialize)]
pub struct SweepSummary {
    /// One row per configuration, in grid order (finished ones as recorded earlier).
    pub rows: Vec<SweepRow>,
    /// Configurations skipped because an earlier run finished them.
    pub skipped: usize,
    /// Configurations run now.
    pub ran: usize,
    /// Rows with an error.
    pub failed: usize,
}

/// Appends one row as a JSON line and flushes it.
fn append_row(file: &Mutex<std::fs::File>, path: &Path, row: &SweepRow) -> Result<()> {
    let line = serde_json::to_string(row)? + "\n";
    let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
    f.write_all(line.as_bytes())
        .and_then(|_| f.flush())
        .map_err(|e| io_err(path, e))
}

/// Runs the configurations not yet finished in `dir` in parallel on the current rayon pool,
/// writing each branch and then its row (so a row always has its branch). `on_row` is called
/// as each row is recorded (for progress output).
pub fn run_sweep(
    configs: &[SweepConfig],
    dir: &Path,
    on_row: &(dyn Fn(&SweepRow) + Sync),
) -> Result<SweepSummary> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let done = finished_ids(dir)?;
    let todo: Vec<&SweepConfig> = configs
        .iter()
        .filter(|c| !done.contains_key(&c.id()))
        .collect();
    let rows_path = dir.join(ROWS_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&rows_path)
        .map_err(|e| io_err(&rows_path, e))?;
    let file = Mutex::new(file);
    let new_rows: Vec<Result<SweepRow>> = todo
        .par_iter()
        .map(|c| {
            let (row, report) = run_config_with_branch(c);
            if let Some(r) = report {
                let json = serde_json::to_string_pretty(&r)? + "\n";
                write_atomic(&branch_path(dir, &row.config_id), json.as_bytes())?;
            }
            append_row(&file, &rows_path, &row)?;
            on_row(&row);
            Ok(row)
        })
        .collect();
    let mut by_id: HashMap<String, SweepRow> = done;
    let ran = new_rows.len();
    for r in new_rows {
        let r = r?;
        by_id.insert(r.config_id.clone(), r);
    }
    let rows: Vec<SweepRow> = configs
        .iter()
        .filter_map(|c| by_id.get(&c.id()).cloned())
        .collect();
    Ok(SweepSummary {
        failed: rows.iter().filter(|r| r.error.is_some()).count(),
        skipped: configs.len() - ran,
        ran,
        rows,
    })
}

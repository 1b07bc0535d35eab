//! File I/O: atomic writes, and the `.npy` / CSV table readers behind
//! [`crate::data::load`].
//!
//! The readers work on bytes ([`parse_csv`], [`parse_npy`]) so that they can be tested (and
//! fuzzed) without a file system; the path they take is only used in messages. Every failure
//! is a typed [`Error`] naming the file — never a panic, and never an allocation larger than
//! a small multiple of the input (an `.npy` header promising more data than the file holds is
//! rejected before anything is allocated).

use crate::error::{Error, Result};
use ndarray::{Array2, ArrayD};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

// ---------------------------------------------------------------------------------------
// Atomic writes
// ---------------------------------------------------------------------------------------

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// [`Error::Parse`] naming `path`.
pub(crate) fn parse_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Writes `bytes` to `path` atomically: the data go to a temporary file in the same
/// directory, which is flushed and then renamed over `path`. Missing parent directories are
/// created. On any failure `path` is left as it was and the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let file_name = path.file_name().ok_or_else(|| {
        io_err(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path has no file name"),
        )
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp.{}.{}",
        file_name.to_string_lossy(),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(path, e)
    })
}

/// Serialises `value` as pretty JSON (with a trailing newline) and writes it with
/// [`write_atomic`]. Serialisation happens first, so a failing `Serialize` impl leaves
/// `path` untouched and returns [`Error::Json`]. Non-finite `f64` values are written as
/// `null` (serde_json's behaviour), so they do not make the write fail.
pub fn write_json_atomic<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Reads a whole file ([`Error::Io`] naming it when missing or unreadable).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| io_err(path, e))
}

// ---------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------

/// Reads a CSV table of floats from `path` (see [`parse_csv`]).
pub fn read_csv(path: &Path) -> Result<Array2<f64>> {
    parse_csv(&read_bytes(path)?, path)
}

/// Parses comma-separated floats, one row per line, into an N × c table (0 × 0 when there
/// are no data rows). An optional header line is recognised when the first non-blank line is
/// not entirely numeric; blank lines and lines starting with `#` (as `np.savetxt` writes) are
/// skipped. Errors ([`Error::Parse`] naming `path`): bytes that are not UTF-8 text (e.g. a
/// binary file given a `.csv` name), ragged rows, a field that is not a number.
pub fn parse_csv(bytes: &[u8], path: &Path) -> Result<Array2<f64>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        parse_err(
            path,
            format!(
                "not valid UTF-8 text (line {line}, byte {}), so not a CSV file; \
                 binary data must be a .npy file",
                e.valid_up_to()
            ),
        )
    })?;
    let mut values = Vec::new();
    let mut ncols: Option<usize> = None;
    let mut seen_first = false;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        if !seen_first {
            seen_first = true;
            if parsed.iter().any(Option::is_none) {
                continue; // header line
            }
        }
        match ncols {
            None => ncols = Some(fields.len()),
            Some(c) if c != fields.len() => {
                return Err(parse_err(
                    path,
                    format!(
                        "line {}: {} fields, but earlier rows have {c} (ragged rows)",
                        lineno + 1,
                        fields.len()
                    ),
                ))
            }
            Some(_) => {}
        }
        for (col, (v, f)) in parsed.iter().zip(&fields).enumerate() {
            match v {
                Some(v) => values.push(*v),
                None => {
                    return Err(parse_err(
                        path,
                        format!(
                            "line {}, column {}: `{f}` is not a number",
                            lineno + 1,
                            col + 1
                        ),
                    ))
                }
            }
        }
    }
    let ncols = ncols.unwrap_or(0);
    let nrows = values.len().checked_div(ncols).unwrap_or(0);
    Array2::from_shape_vec((nrows, ncols), values)
        .map_err(|e| parse_err(path, format!("cannot form a {nrows} × {ncols} table: {e}")))
}

/// The CSV text of an N × c table with a header line: `{:?}` prints the shortest string
/// that parses back to the same f64, so [`parse_csv`] reads the table back bit for bit.
pub fn format_csv(header: &[String], table: &Array2<f64>) -> String {
    use std::fmt::Write;
    let mut out = header.join(",");
    out.push('\n');
    for row in table.rows() {
        for (k, v) in row.iter().enumerate() {
            let sep = if k + 1 == row.len() { "\n" } else { "," };
            let _ = write!(out, "{v:?}{sep}");
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------

/// Reads an `.npy` array from `path` (see [`parse_npy`]).
pub fn read_npy(path: &Path) -> Result<ArrayD<f64>> {
    parse_npy(&read_bytes(path)?, path)
}

/// Bytes before an `.npy` header-length field: the 6-byte magic and 2 version bytes.
const NPY_PREAMBLE: usize = 8;
/// Every dtype takes at least one byte per element, so a valid header declares at most as
/// many elements as there are data bytes (and reading allocates at most 8 bytes per byte).
const NPY_MIN_ITEM_BYTES: u128 = 1;

/// Refuses an `.npy` whose header length or declared shape does not fit in the file, before
/// ndarray-npy allocates buffers of those sizes (a corrupt header could otherwise request
/// gigabytes). Headers this check cannot read are left to ndarray-npy, which reports them.
fn npy_precheck(bytes: &[u8], path: &Path) -> Result<()> {
    if bytes.len() < NPY_PREAMBLE + 2 || &bytes[..6] != b"\x93NUMPY" {
        return Ok(());
    }
    let (len_width, header_len) = match (bytes[6], bytes.get(NPY_PREAMBLE..NPY_PREAMBLE + 4)) {
        (1, _) => (2, u16::from_le_bytes([bytes[8], bytes[9]]) as usize),
        (2 | 3, Some(b)) => (4, u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
        _ => return Ok(()),
    };
    let start = NPY_PREAMBLE + len_width;
    let available = bytes.len().saturating_sub(start);
    if header_len > available {
        return Err(parse_err(
            path,
            format!(
                "not a valid .npy file: the header length is {header_len} bytes but only \
                 {available} bytes follow (truncated or corrupt)"
            ),
        ));
    }
    let data_len = (available - header_len) as u128;
    let Some(count) = npy_declared_count(&bytes[start..start + header_len]) else {
        return Ok(());
    };
    if count.is_some_and(|c| c.saturating_mul(NPY_MIN_ITEM_BYTES) <= data_len) {
        return Ok(());
    }
    let count = count.map_or_else(|| "more than 2^128".to_string(), |c| c.to_string());
    Err(parse_err(
        path,
        format!(
            "not a valid .npy file: the header declares {count} elements but only {data_len} \
             bytes of data follow (truncated or corrupt)"
        ),
    ))
}

/// The product of the `shape` tuple of an `.npy` header dictionary (`Some(None)`: it
/// overflows); `None` when no shape tuple of integers can be found.
fn npy_declared_count(header: &[u8]) -> Option<Option<u128>> {
    let header = std::str::from_utf8(header).ok()?;
    let after = &header[header.find("'shape'")? + "'shape'".len()..];
    let tuple = &after[after.find('(')? + 1..];
    let tuple = &tuple[..tuple.find(')')?];
    let mut count: Option<u128> = Some(1);
    for dim in tuple.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let dim: u128 = dim.parse().ok()?;
        count = count.and_then(|c| c.checked_mul(dim));
    }
    Some(count)
}

/// Parses an `.npy` file's bytes as f64: dtypes `f8`, `f4`, `i8`, `i4` (either byte order),
/// C or Fortran order, any dimensionality. Errors ([`Error::Parse`] naming `path`): not an
/// `.npy` file, a header whose length or shape does not fit the file, an unsupported dtype.
pub fn parse_npy(bytes: &[u8], path: &Path) -> Result<ArrayD<f64>> {
    use ndarray_npy::{ReadNpyError, ReadNpyExt};
    npy_precheck(bytes, path)?;
    let describe = |e: ReadNpyError| parse_err(path, format!("not a valid .npy file: {e}"));
    match ArrayD::<f64>::read_npy(bytes) {
        Ok(a) => return Ok(a),
        Err(ReadNpyError::WrongDescriptor(_)) => {}
        Err(e) => return Err(describe(e)),
    }
    if let Ok(a) = ArrayD::<f32>::read_npy(bytes) {
        return Ok(a.mapv(f64::from));
    }
    if let Ok(a) = ArrayD::<i64>::read_npy(bytes) {
        return Ok(a.mapv(|v| v as f64));
    }
    match ArrayD::<i32>::read_npy(bytes) {
        Ok(a) => Ok(a.mapv(f64::from)),
        Err(ReadNpyError::WrongDescriptor(d)) => Err(parse_err(
            path,
            format!("unsupported dtype {d} (expected f8, f4, i8 or i4)"),
        )),
        Err(e) => Err(describe(e)),
    }
}

/// The `.npy` bytes (little-endian f8, C order) of a table; readable by [`parse_npy`] and
/// `np.load`.
pub fn encode_npy(table: &Array2<f64>, path: &Path) -> Result<Vec<u8>> {
    use ndarray_npy::WriteNpyExt;
    let mut bytes = Vec::new();
    table
        .write_npy(&mut bytes)
        .map_err(|e| parse_err(path, format!("cannot encode .npy: {e}")))?;
    Ok(bytes)
}

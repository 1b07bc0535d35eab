//! Memory estimate of a run, checked before anything large is allocated, so that a width
//! too large for the machine is refused with a message (exit code 2) instead of aborting with
//! "memory allocation of … bytes failed".
//!
//! Model of the dense solver (the only one today) at n = m·d parameters and N samples:
//!
//! bytes ≈ 8 · (C_DENSE · n² + S · n + N · (C_JACOBIAN · n + C_PAIR · m + d²)) + BASE,
//!
//! * n²: the Hessian and ∂λH, their faer copies, the bordered Jacobian and its LU, the
//!   eigenvectors and eigensolver workspace ([`DENSE_MATRICES`] of them at once);
//! * S·n: θ of every accepted point of the branch, up to the default step budget
//!   S = [`STORED_POINTS`];
//! * N·n: the two scaled-Jacobian factors of the Gauss–Newton GEMM ([`JACOBIAN_BUFFERS`]);
//! * N·m: the per-(sample, unit) derivative buffers ([`PAIR_BUFFERS`]); N·d²: the x xᵀ
//!   products of the block-diagonal term;
//! * [`BASE_BYTES`]: the program, the data and everything of size O(n).
//!
//! The constants were fitted to the peak resident memory (VmHWM) of `actbif trace`,
//! `coefficients` and `check-derivatives` at widths 20–400 on the paper data (d = 5,
//! N = 500) and rounded up.

use crate::error::{Error, Result};
use serde::Serialize;

/// n × n f64 matrices alive at the peak of a dense run (measured: ≤ 22·8n² bytes of peak
/// memory at n = 500–2000 for `trace`, `coefficients` and `check-derivatives`).
pub const DENSE_MATRICES: u64 = 24;
/// Points whose θ a trace keeps: the default step budget of
/// `continuation::ContinuationParams::max_steps`.
pub const STORED_POINTS: u64 = 5000;
/// N × n f64 buffers: the two scaled-Jacobian factors of the Hessian GEMM.
pub const JACOBIAN_BUFFERS: u64 = 2;
/// N × m f64 buffers: h and ∂λh up to order 5, residual coefficients, projections.
pub const PAIR_BUFFERS: u64 = 16;
/// Program, data and O(n) vectors (measured ≈ 8 MB at width 20).
pub const BASE_BYTES: u64 = 64 << 20;
/// Memory assumed available when /proc/meminfo cannot be read (not Linux, or a sandbox):
/// 4 GiB, a laptop-sized budget.
pub const FALLBACK_AVAILABLE_BYTES: u64 = 4 << 30;

/// How much memory a run needs and how much there is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryEstimate {
    /// Parameter count n = m·d.
    pub n_params: u64,
    /// Samples N.
    pub n_samples: u64,
    /// Estimated peak bytes of the dense solver.
    pub bytes: u64,
    /// Bytes available to this process.
    pub available: u64,
    /// Where `available` comes from: "MemAvailable in /proc/meminfo" or the fallback.
    pub available_source: String,
}

/// Estimated peak bytes of a dense run at width `m`, input dimension `d`, `n_samples` samples
/// (saturating: absurd sizes give `u64::MAX`, never an overflow).
///
/// ```
/// use actbif::app::memory::dense_bytes;
/// // Paper data (N = 500, d = 5) at width 10: well under 100 MB.
/// assert!(dense_bytes(10, 5, 500) < 100 << 20);
/// // Width 100000: n = 500000, the Hessian alone is 2e12 bytes.
/// assert!(dense_bytes(100_000, 5, 500) > 2_000_000_000_000);
/// ```
pub fn dense_bytes(m: usize, d: usize, n_samples: usize) -> u64 {
    let (m, d, big_n) = (m as u64, d as u64, n_samples as u64);
    let n = m.saturating_mul(d);
    let dense = DENSE_MATRICES.saturating_mul(n.saturating_mul(n));
    let per_sample = JACOBIAN_BUFFERS
        .saturating_mul(n)
        .saturating_add(PAIR_BUFFERS.saturating_mul(m))
        .saturating_add(d.saturating_mul(d));
    let words = dense
        .saturating_add(STORED_POINTS.saturating_mul(n))
        .saturating_add(big_n.saturating_mul(per_sample));
    words.saturating_mul(8).saturating_add(BASE_BYTES)
}

/// Bytes available: `MemAvailable` from /proc/meminfo, else [`FALLBACK_AVAILABLE_BYTES`];
/// with the source as text.
pub fn available_memory() -> (u64, String) {
    let parsed = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib.saturating_mul(1024))
    });
    match parsed {
        Some(b) => (b, "MemAvailable in /proc/meminfo".to_string()),
        None => (
            FALLBACK_AVAILABLE_BYTES,
            "assumed: /proc/meminfo unreadable".to_string(),
        ),
    }
}

/// The estimate for a dense run, against the memory available now.
pub fn estimate(m: usize, d: usize, n_samples: usize) -> MemoryEstimate {
    let (available, available_source) = available_memory();
    MemoryEstimate {
        n_params: (m as u64).saturating_mul(d as u64),
        n_samples: n_samples as u64,
        bytes: dense_bytes(m, d, n_samples),
        available,
        available_source,
    }
}

/// Human-readable byte count (binary units).
pub fn fmt_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// The largest width whose dense run fits in `available` bytes (0 if none does).
pub fn max_dense_width(d: usize, n_samples: usize, available: u64) -> usize {
    let (mut lo, mut hi) = (0usize, 1usize);
    while hi < usize::MAX / 2 && dense_bytes(hi, d, n_samples) <= available {
        lo = hi;
        hi *= 2;
    }
    // Invariant: width lo fits (or lo = 0), width hi does not.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if dense_bytes(mid, d, n_samples) <= available {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Refuses ([`Error::InvalidParameter`] on `width`, exit code 2) a dense run whose estimate
/// exceeds `est.available`; the message gives the estimate, the available memory, the
/// largest width that fits and the matrix-free solver as the way to go further.
pub fn check(est: &MemoryEstimate, m: usize, d: usize) -> Result<()> {
    if est.bytes <= est.available {
        return Ok(());
    }
    let n_samples = est.n_samples as usize;
    Err(Error::param(
        "width",
        format!(
            "width {m} needs about {} of memory with the dense solver (n = {} parameters: \
             Hessian, ∂λH and eigen/LU workspace, {DENSE_MATRICES}·8n² bytes; per-sample \
             buffers for N = {n_samples}), but {} is available ({}). Widths up to {} fit here; \
             larger models need a solver that stores no n × n matrix (the matrix-free solver, \
             `--solver matrix-free`)",
            fmt_bytes(est.bytes),
            est.n_params,
            fmt_bytes(est.available),
            est.available_source,
            max_dense_width(d, n_samples, est.available),
        ),
    ))
}

/// [`estimate`] then [`check`]: the guard every CLI command runs once it knows the data's
/// N and d and before it builds the model.
pub fn ensure_fits(m: usize, d: usize, n_samples: usize) -> Result<()> {
    check(&estimate(m, d, n_samples), m, d)
}

/// Copies of an N × n matrix the matrix-free path holds at once: J, J B⁻¹ and the per-sample
/// scratch of the structured derivatives.
pub const MF_JACOBIAN_COPIES: u64 = 3;
/// Length-n vectors of the matrix-free path: GMRES basis (40 + 40 preconditioned), subspace
/// blocks (4 × 2p, p ≤ 14 for k = 6) and the tangents, eigenvectors and iterates of a step.
pub const MF_VECTORS: u64 = 256;

/// Peak-memory estimate (bytes) of the matrix-free path: O(N n + N² + n·(points + Krylov)),
/// no n × n matrix.
pub fn matrix_free_bytes(m: usize, d: usize, n_samples: usize) -> u64 {
    let (m, d, big_n) = (m as u64, d as u64, n_samples as u64);
    let n = m.saturating_mul(d);
    let words = MF_JACOBIAN_COPIES
        .saturating_mul(big_n.saturating_mul(n))
        .saturating_add(2u64.saturating_mul(big_n.saturating_mul(big_n)))
        .saturating_add((STORED_POINTS + MF_VECTORS).saturating_mul(n))
        .saturating_add(big_n.saturating_mul(PAIR_BUFFERS.saturating_mul(m) + d * d));
    words.saturating_mul(8).saturating_add(BASE_BYTES)
}

/// Refuses, with the estimate, a matrix-free run that would not fit in the available memory.
pub fn ensure_fits_matrix_free(m: usize, d: usize, n_samples: usize) -> Result<()> {
    let (available, source) = available_memory();
    let bytes = matrix_free_bytes(m, d, n_samples);
    if bytes <= available {
        return Ok(());
    }
    Err(Error::param(
        "width",
        format!(
            "width {m} needs about {} of memory even with the matrix-free solver (N = \
             {n_samples} samples: {MF_JACOBIAN_COPIES} N × n Jacobian copies, the N × N \
             capacitance matrix, stored branch points), but {} is available ({source})",
            fmt_bytes(bytes),
            fmt_bytes(available),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_grows_with_n_squared() {
        // Hand count at m = 100, d = 5, N = 500: n = 500.
        let want = 8 * (24 * 500 * 500 + 5000 * 500 + 500 * (2 * 500 + 16 * 100 + 25)) + (64 << 20);
        assert_eq!(dense_bytes(100, 5, 500), want);
        assert_eq!(dense_bytes(usize::MAX, usize::MAX, usize::MAX), u64::MAX);
    }

    #[test]
    fn max_width_is_the_boundary() {
        let avail = 1u64 << 30;
        let w = max_dense_width(5, 500, avail);
        assert!(dense_bytes(w, 5, 500) <= avail);
        assert!(dense_bytes(w + 1, 5, 500) > avail);
        assert_eq!(max_dense_width(5, 500, 0), 0);
    }

    #[test]
    fn refusal_names_estimate_and_way_out() {
        let est = MemoryEstimate {
            n_params: 500_000,
            n_samples: 500,
            bytes: dense_bytes(100_000, 5, 500),
            available: 8 << 30,
            available_source: "test".into(),
        };
        let msg = check(&est, 100_000, 5).unwrap_err().to_string();
        for needle in ["width", "TiB", "8.0 GiB", "matrix-free", "Widths up to"] {
            assert!(msg.contains(needle), "`{needle}` missing: {msg}");
        }
        let fits = MemoryEstimate {
            bytes: 1 << 20,
            ..est
        };
        assert!(check(&fits, 10, 5).is_ok());
    }
}

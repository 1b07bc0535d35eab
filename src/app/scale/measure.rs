//! Peak resident memory of the running process (Linux /proc), measured per scale case.

/// Writing this to /proc/self/clear_refs resets the peak RSS (VmHWM) to the current RSS
/// (Linux ≥ 4.0, `Documentation/filesystems/proc.rst`).
const CLEAR_PEAK_RSS: &str = "5";
/// Bytes per MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// Resets the process's peak RSS so that the next [`peak_rss_mb`] covers only what follows;
/// false where /proc does not allow it (the peak then covers the whole process).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", CLEAR_PEAK_RSS).is_ok()
}

/// Peak resident memory (VmHWM) in MiB, `None` where /proc/self/status is unreadable.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0 / MIB)
}

/// The 1-minute load average (/proc/loadavg): on a shared machine, the context of a wall time.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_grows_with_a_touched_allocation() {
        // 64 MiB written page by page must show in the peak (Linux only).
        let Some(before) = peak_rss_mb() else { return };
        let v = vec![1u8; 64 << 20];
        std::hint::black_box(&v);
        let after = peak_rss_mb().expect("readable once");
        assert!(after >= before + 60.0, "before {before}, after {after}");
    }
}

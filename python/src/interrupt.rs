//! Long computations run on a worker thread while the calling thread waits without the GIL and
//! checks for signals (Ctrl-C) every [`SIGNAL_POLL`]. On a signal the call raises at once
//! (KeyboardInterrupt) and sets the job's cancel flag.
//!
//! `model::trace_job` hands the flag to `continuation::trace_observed` (a `CancelFlag`
//! observer), so the worker stops at its next continuation step.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

/// How often the waiting thread checks for signals: short enough that Ctrl-C feels immediate,
/// long enough that the polling costs nothing next to a continuation step.
pub const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Set when the caller was interrupted: the job should stop.
pub type CancelFlag = Arc<AtomicBool>;

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `job` on a worker thread; returns its value, or the signal's exception (with the
/// cancel flag set) if one arrives first. A panicking job is a RuntimeError.
pub fn run_interruptible<T, F>(py: Python<'_>, job: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(CancelFlag) -> T + Send + 'static,
{
    let cancel: CancelFlag = Arc::new(AtomicBool::new(false));
    let (tx, rx) = channel();
    let flag = cancel.clone();
    std::thread::Builder::new()
        .name("actbif-job".into())
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(flag)));
            // The receiver is gone only if the caller was interrupted: nothing to report to.
            let _ = tx.send(out.map_err(|p| panic_message(&*p)));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver is Send but not Sync: move it through the GIL-free section and back.
        let (got, back) = py.detach(move || (rx.recv_timeout(SIGNAL_POLL), rx));
        rx = back;
        match got {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(msg)) => {
                return Err(PyRuntimeError::new_err(format!(
                    "internal error (panic) in actbif: {msg}"
                )))
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                    return Err(e);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "actbif worker thread ended without a result",
                ))
            }
        }
    }
}

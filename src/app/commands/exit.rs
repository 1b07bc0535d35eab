//! The CLI's exit codes and the one mapping from statuses and errors to them.

use crate::continuation::Status;
use crate::error::Error;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: internal error (a computation failed).
pub const EXIT_INTERNAL: u8 = 1;
/// Exit code: bad input.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: interrupted, or a step or time budget was spent (the output is partial).
pub const EXIT_INCOMPLETE: u8 = 3;

/// The exit code of a finished trace with this status (the one place of that mapping).
pub fn status_exit_code(status: &Status) -> u8 {
    if status.is_incomplete() {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    }
}

/// The exit code of an error.
pub fn error_exit_code(e: &Error) -> u8 {
    if is_input_error(e) {
        EXIT_BAD_INPUT
    } else {
        EXIT_INTERNAL
    }
}

/// Whether an error comes from bad user input (exit code 2) rather than a failed computation.
pub fn is_input_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidParameter { .. }
            | Error::Shape { .. }
            | Error::NonFinite { .. }
            | Error::DataOutOfRange { .. }
            | Error::BadActivation { .. }
            | Error::UnknownActivation(_)
            | Error::Io { .. }
            | Error::Parse { .. }
    )
}

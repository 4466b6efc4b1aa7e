//! A panic inside the backend (a remote server gone mid-run, a device lost) ends a command
//! with one line and exit code 1, as every other failure does, instead of a panic report.

use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Mutex, PoisonError};

use crate::error::{FlowError, one_line};
use crate::remote;

/// The first panic's message and place, kept by the hook [`guarded`] installs.
static FIRST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `work`, turning a panic in it into [`FlowError::Crashed`] with the first panic's
/// message (a worker thread's panic surfaces in the main thread as a second one). The panic
/// report is printed too when `RUST_BACKTRACE` is set.
pub fn guarded(work: impl FnOnce() -> Result<(), FlowError>) -> Result<(), FlowError> {
    let report = panic::take_hook();
    let verbose = std::env::var_os("RUST_BACKTRACE").is_some();
    panic::set_hook(Box::new(move |info| {
        let described = describe(info);
        // A reader that went away is no failure to report, even with a backtrace asked for.
        let reported = verbose && !is_closed_stdout(&described);
        FIRST_PANIC
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(described);
        if reported {
            report(info);
        }
    }));
    panic::catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
        let first = FIRST_PANIC
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| "an unknown failure".into());
        Err(match is_closed_stdout(&first) {
            true => FlowError::StdoutClosed,
            false => FlowError::Crashed(with_servers(first, &remote::connected())),
        })
    })
}

/// A panic's message, naming the remote servers the command ran on, if any: a server gone
/// mid-run surfaces as whatever operation was waiting on it.
fn with_servers(message: String, servers: &[String]) -> String {
    if servers.is_empty() {
        return message;
    }
    format!(
        "{message}; the command ran on {}: is the server still running?",
        servers.join(", ")
    )
}

/// Whether a panic's message is the standard library's on printing to a standard output
/// whose reader has gone (`flow-train … | head -1`).
fn is_closed_stdout(message: &str) -> bool {
    message.contains("failed printing to stdout") && message.contains("Broken pipe")
}

/// A panic's message in one line (its first line and its root cause), and where it was
/// raised.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    let message = one_line(message);
    match info.location() {
        Some(place) => format!("{message} (at {}:{})", place.file(), place.line()),
        None => message,
    }
}

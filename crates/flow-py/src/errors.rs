//! The library's errors as Python exceptions, and a guard that keeps Rust panics out of
//! Python.

use std::any::Any;
use std::io::ErrorKind;
use std::panic::{AssertUnwindSafe, catch_unwind};

use flow_train::FlowError as Error;
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::{PyFileNotFoundError, PyKeyboardInterrupt, PyRuntimeError, PyValueError};

create_exception!(
    flows,
    FlowError,
    PyRuntimeError,
    "A run or a model that failed: a corrupt checkpoint, a diverged run, a locked directory, \
     a device that failed."
);

/// The exception of `error`, carrying the command line's one-line message: `ValueError` for
/// bad settings and data, `FileNotFoundError` for a missing file, `KeyboardInterrupt` for an
/// interruption, [`FlowError`] for the rest.
pub fn to_py(error: Error) -> PyErr {
    let message = error.to_string();
    match &error {
        Error::InvalidArgument { .. } | Error::InvalidSetting(_) | Error::Data(_) => {
            PyValueError::new_err(message)
        }
        Error::Io { source, .. } if source.kind() == ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(message)
        }
        Error::Interrupted(_) => PyKeyboardInterrupt::new_err(message),
        _ => FlowError::new_err(message),
    }
}

/// A `ValueError` saying `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}

/// Runs `work`; a panic in it becomes a [`FlowError`] naming the panic's message.
pub fn guarded<T>(work: impl FnOnce() -> Result<T, Error>) -> Result<T, PyErr> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(to_py),
        Err(panic) => Err(crashed(panic.as_ref())),
    }
}

/// The error of a panic whose payload is `panic`.
pub fn crashed(panic: &(dyn Any + Send)) -> PyErr {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    FlowError::new_err(format!(
        "stopped by an internal failure: {}",
        message.lines().next().unwrap_or_default()
    ))
}

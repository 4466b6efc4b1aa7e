//! The error type of the training and inference library.

use std::path::PathBuf;

/// Everything that can stop a training or inference command.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// A setting is out of its allowed range (exit code 2 in the binary).
    #[error("invalid value for {flag}: {reason}")]
    InvalidArgument {
        /// The command-line flag (or config field) at fault.
        flag: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A setting named in a program (or a Python keyword) is unknown or its value unusable
    /// (exit code 2 in the binary).
    #[error("{0}")]
    InvalidSetting(String),
    /// The data could not be built.
    #[error(transparent)]
    Data(#[from] flow_data::DataError),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file exists but its contents are unusable.
    #[error("{}: {reason}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Sampling restricted to a prior box gave up: almost no draw fell inside.
    #[error(transparent)]
    LowAcceptance(#[from] flow_data::simulate::LowAcceptance),
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// The backend failed while training, or the loss diverged.
    #[error("training failed: {0}")]
    Training(String),
    /// The backend asked for cannot run on this machine (no GPU adapter, for instance).
    #[error("{0}")]
    BackendUnavailable(String),
    /// Another run holds the artifact directory.
    #[error(
        "{} is in use by {holder}, which is training into it; wait for it to end or stop it, \
         or choose another --artifact-dir",
        dir.display()
    )]
    Busy {
        /// The artifact directory.
        dir: PathBuf,
        /// Who holds it, in a few words.
        holder: String,
    },
    /// Standard output was closed by its reader (`flow-train … | head -1`): the binary ends
    /// quietly with exit code 141, as the shell's tools do on SIGPIPE.
    #[error("standard output was closed")]
    StdoutClosed,
    /// A signal stopped training early (exit code 130 in the binary).
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// A panic inside Burn or a device stopped the command (a remote server gone mid-run,
    /// for instance): the first panic's message, in one line.
    #[error("stopped by an internal failure: {0}")]
    Crashed(String),
    /// The device failed to run the work asked of it (out of memory, for instance).
    #[error("the device failed while {what}: {cause}")]
    Device {
        /// What was running, in a few words.
        what: String,
        /// The failure's root cause, in one line.
        cause: String,
    },
}

impl FlowError {
    /// An [`FlowError::InvalidArgument`].
    pub fn invalid(flag: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            flag,
            reason: reason.into(),
        }
    }

    /// This error with an invalid argument said of `flag` instead (a device named in a list).
    pub fn for_flag(self, flag: &'static str) -> Self {
        match self {
            Self::InvalidArgument { reason, .. } => Self::InvalidArgument { flag, reason },
            other => other,
        }
    }

    /// An [`FlowError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A [`FlowError::Device`] for `error`, raised while doing `what`: Burn's multi-line
    /// report cut to its root cause (see [`root_cause`]).
    pub fn device(what: impl Into<String>, error: &burn_std::ExecutionError) -> Self {
        Self::Device {
            what: what.into(),
            cause: root_cause(&error.to_string()).to_string(),
        }
    }

    /// A [`FlowError::BadFile`] for `path`.
    pub fn bad_file(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::BadFile {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// The exit code of the binary: 2 for bad arguments or bad input data, 130 for an
    /// interruption, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::InvalidArgument { .. } | Self::InvalidSetting(_) | Self::Data(_) => 2,
            Self::Interrupted(_) => 130,
            Self::StdoutClosed => 141,
            _ => 1,
        }
    }
}

/// A multi-line error report in one line: its first line, then its root cause (see
/// [`root_cause`]) when that is another line.
pub fn one_line(report: &str) -> String {
    let first = report.lines().next().unwrap_or_default().trim();
    match root_cause(report) {
        cause if cause == first => first.to_string(),
        cause => format!("{first}: {cause}"),
    }
}

/// The root cause of a multi-line error report of Burn's: the line after its last
/// `Caused by:`, or its first line when it has none.
pub fn root_cause(report: &str) -> &str {
    let mut lines = report.lines().map(str::trim);
    let mut cause = lines.next().unwrap_or_default();
    while let Some(line) = lines.next() {
        if line == "Caused by:"
            && let Some(next) = lines.next()
        {
            cause = next;
        }
    }
    cause
}

impl From<flow_model::ModelError> for FlowError {
    /// A model hyper-parameter out of range, named by its command-line flag.
    fn from(error: flow_model::ModelError) -> Self {
        let flow_model::ModelError::InvalidConfig { field, reason } = error;
        let flag = match field {
            "layers" => "--layers",
            "transforms" => "--transforms",
            "hidden" => "--hidden",
            "depth" => "--depth",
            "bins" => "--bins",
            "tail_bound" => "--tail-bound",
            "dim" => "--flow",
            "order" => "--order",
            "context" => "--context-columns",
            "context_embedding" => "--context-embedding",
            "base" => "--base",
            other => other,
        };
        Self::invalid(flag, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_in_one_line_keeps_its_first_line_and_root_cause() {
        let report = "Error while reading data: Execution(An error happened\nCaused by:\n  \
                      Failed to read tensor: RecvError(()))";
        assert_eq!(
            one_line(report),
            "Error while reading data: Execution(An error happened: Failed to read tensor: \
             RecvError(()))"
        );
        assert_eq!(one_line("lost"), "lost");
    }

    #[test]
    fn a_device_failure_is_one_line_naming_its_root_cause() {
        let reason = "Several failures at once\nCaused by:\n  The bytes were never written\n  \
                      skipped `ReduceKernel`\nCaused by:\n  An IO error happened\nCaused by:\n  \
                      can't allocate buffer of size: 188000000\nNo backtrace available";
        let error = burn_std::ExecutionError::WithContext {
            reason: reason.to_string(),
        };
        let message = FlowError::device("timing log p of 1000000 points", &error).to_string();
        assert_eq!(
            message,
            "the device failed while timing log p of 1000000 points: can't allocate buffer of \
             size: 188000000"
        );
        let plain = burn_std::ExecutionError::WithContext {
            reason: "lost".to_string(),
        };
        assert_eq!(
            FlowError::device("reading", &plain).to_string(),
            "the device failed while reading: lost"
        );
    }
}

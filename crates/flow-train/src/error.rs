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
    /// A signal stopped training early (exit code 130 in the binary).
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl FlowError {
    /// An [`FlowError::InvalidArgument`].
    pub fn invalid(flag: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            flag,
            reason: reason.into(),
        }
    }

    /// An [`FlowError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
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
            Self::InvalidArgument { .. } | Self::Data(_) => 2,
            Self::Interrupted(_) => 130,
            _ => 1,
        }
    }
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
            other => other,
        };
        Self::invalid(flag, reason)
    }
}

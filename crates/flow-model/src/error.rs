//! The error type of this crate.

/// What can go wrong when building or loading a flow.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A configuration value is out of its allowed range.
    #[error("invalid flow configuration: `{field}` {reason}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it and what is allowed.
        reason: String,
    },
}

impl ModelError {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }
}

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
    /// Fails, naming the first field, unless every one of `fields` is at least 1.
    pub(crate) fn require_at_least_one(fields: &[(&'static str, usize)]) -> Result<(), Self> {
        match fields.iter().find(|(_, value)| *value == 0) {
            Some((field, _)) => Err(Self::config(field, "must be at least 1")),
            None => Ok(()),
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }
}

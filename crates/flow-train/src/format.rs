//! The version of the files flow-train writes for other programs and for itself
//! (`config.json`, `summary.json`, the export of `flow-train export`), so that a reader can
//! tell which layout it holds. What changed at each version:
//!
//! - **1**: the files written before they carried a version; a file without
//!   `format_version` is read as version 1, whose layout version 2 keeps.
//! - **2**: every file carries `format_version`. A reader refuses a file of a newer version
//!   than it knows, in one line.

use std::path::Path;

use crate::error::FlowError;

/// The version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 2;

/// The version of a file without the field: files written before versions existed.
pub fn unversioned() -> u32 {
    1
}

/// Fails, naming `path`, when `version` is newer than this build reads.
pub fn check(version: u32, path: &Path) -> Result<(), FlowError> {
    if version > FORMAT_VERSION {
        return Err(FlowError::bad_file(
            path,
            format!(
                "has format_version {version}, newer than this flow-train reads (up to \
                 {FORMAT_VERSION}): it was written by a later release; update flow-train"
            ),
        ));
    }
    Ok(())
}

//! Atomic file output: write beside the target, then rename over it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::FlowError;

/// The temporary path used while `path` is being written (same directory, so the final
/// rename is atomic).
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Runs `write` on a temporary path and renames the result to `path`; on failure the
/// temporary file is removed and `path` is untouched.
pub fn write_atomically<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), FlowError>
where
    E: Into<FlowError>,
{
    let temporary = temporary_path(path);
    if let Err(error) = write(&temporary) {
        let _ = fs::remove_file(&temporary);
        return Err(error.into());
    }
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        FlowError::io(path, e)
    })
}

/// Writes `bytes` to `path` atomically, synced to disk before the rename.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    write_atomically(path, |temporary| {
        let mut file = fs::File::create(temporary).map_err(|e| FlowError::io(temporary, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| FlowError::io(temporary, e))
    })
}

/// Pretty JSON of `value`, written atomically.
pub fn write_json_atomically<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), FlowError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| FlowError::bad_file(path, format!("cannot encode JSON: {e}")))?;
    text.push('\n');
    write_bytes_atomically(path, text.as_bytes())
}

/// Creates `dir` and its parents.
pub fn create_dir(dir: &Path) -> Result<(), FlowError> {
    fs::create_dir_all(dir).map_err(|e| FlowError::io(dir, e))
}

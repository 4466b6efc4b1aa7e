//! Atomic file output: write beside the target, then rename over it.

use std::fs;
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

/// Runs `write` on a temporary path, syncs it to disk and renames it to `path`; on failure
/// the temporary file is removed and `path` is untouched.
pub fn write_atomically<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), FlowError>
where
    E: Into<FlowError>,
{
    let temporary = temporary_path(path);
    let written = write(&temporary)
        .map_err(Into::into)
        .and_then(|()| sync_file(&temporary).map_err(|e| FlowError::io(&temporary, e)));
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        FlowError::io(path, e)
    })
}

/// Flushes a written file's contents to disk, so that a rename after it cannot expose an
/// empty or partial file after a crash.
pub fn sync_file(path: &Path) -> std::io::Result<()> {
    fs::File::open(path)?.sync_all()
}

/// Writes `bytes` to `path` atomically, synced to disk before the rename.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), FlowError> {
    write_atomically(path, |temporary| {
        fs::write(temporary, bytes).map_err(|e| FlowError::io(temporary, e))
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

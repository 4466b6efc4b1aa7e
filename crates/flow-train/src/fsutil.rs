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
        return Err(named_as_given(error, &temporary, path));
    }
    fs::rename(&temporary, path).map_err(|e| {
        let _ = fs::remove_file(&temporary);
        FlowError::io(path, e)
    })
}

/// `error` with the temporary file's name replaced by the name the caller gave, which is the
/// one the user knows.
fn named_as_given(error: FlowError, temporary: &Path, path: &Path) -> FlowError {
    let rename = |p: PathBuf| {
        if p == temporary {
            path.to_path_buf()
        } else {
            p
        }
    };
    match error {
        FlowError::Io { path: p, source } => FlowError::Io {
            path: rename(p),
            source,
        },
        FlowError::BadFile { path: p, reason } => FlowError::BadFile {
            path: rename(p),
            reason,
        },
        FlowError::Data(flow_data::DataError::Npy { path: p, reason }) => {
            FlowError::Data(flow_data::DataError::Npy {
                path: rename(p),
                reason,
            })
        }
        FlowError::Plot(crate::plot::PlotError::Draw { path: p, reason }) => {
            FlowError::Plot(crate::plot::PlotError::Draw {
                path: rename(p),
                reason,
            })
        }
        other => other,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_is_reported_with_the_path_given() {
        let dir = std::env::temp_dir().join(format!("flow-train-fsutil-{}", std::process::id()));
        let path = dir.join("missing-folder").join("out.csv");
        let error = write_bytes_atomically(&path, b"x").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(!message.contains(".tmp-"), "{message}");
        assert!(!path.exists());
    }
}

//! One training run at a time per artifact directory. A run holds an advisory lock on a file
//! in the directory (`flock(2)` on Unix, `LockFileEx` on Windows, through the standard
//! library's [`File::try_lock`]) for as long as it writes there. The operating system
//! releases the lock when the file is closed or the process ends, however it ends (an error,
//! a panic, Ctrl-C, `kill -9`), so a lock left by a dead process is never in the way. The file
//! names the holder (process id and command line) for the refusal of a second run; inference
//! commands do not take the lock and keep working while a run trains.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::FlowError;
use crate::fsutil::create_dir;

/// The lock file's name inside the artifact directory.
pub const LOCK_FILE: &str = ".flow-train.lock";

/// The lock of one artifact directory, held until dropped.
#[derive(Debug)]
pub struct DirLock {
    file: Option<File>,
}

impl DirLock {
    /// Creates `dir` if needed and locks it for this process, or fails with
    /// [`FlowError::Busy`] naming the process that holds it. Where the file system cannot
    /// lock files, warns and goes on unlocked.
    pub fn acquire(dir: &Path) -> Result<Self, FlowError> {
        create_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| FlowError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(FlowError::Busy {
                    dir: dir.to_path_buf(),
                    holder: read_holder(&mut file),
                });
            }
            Err(TryLockError::Error(e)) => {
                eprintln!(
                    "warning: cannot lock {} ({e}); make sure no other run writes this directory",
                    path.display()
                );
                return Ok(Self { file: None });
            }
        }
        let written = file
            .set_len(0)
            .and_then(|()| file.write_all(holder_line().as_bytes()))
            .and_then(|()| file.flush());
        if let Err(e) = written {
            return Err(FlowError::io(path, e));
        }
        Ok(Self { file: Some(file) })
    }

    /// The lock file of `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(LOCK_FILE)
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            // Forget the holder; closing the file (below) releases the lock.
            let _ = file.set_len(0);
        }
    }
}

/// This process as the lock file records it: its id and command line, one line.
fn holder_line() -> String {
    let mut args = std::env::args();
    let program = args
        .next()
        .map(|p| {
            Path::new(&p)
                .file_name()
                .map_or(p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let command: Vec<String> = std::iter::once(program).chain(args).collect();
    format!(
        "{} {}\n",
        std::process::id(),
        command.join(" ").replace(['\n', '\r'], " ")
    )
}

/// Who holds the lock, from its file: `process 123 (flow-train train …)`.
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let line = text.lines().next().unwrap_or_default().trim();
    match line.split_once(' ') {
        Some((pid, command)) if pid.parse::<u32>().is_ok() => {
            format!("process {pid} ({})", abbreviate(command, 200))
        }
        _ => "another process".to_string(),
    }
}

/// `text` cut to `max` characters.
fn abbreviate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = std::env::temp_dir().join(format!("flow-train-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = DirLock::acquire(&dir).unwrap();
        let recorded = std::fs::read_to_string(DirLock::path(&dir)).unwrap();
        assert!(
            recorded.starts_with(&format!("{} ", std::process::id())),
            "{recorded}"
        );
        // A second open file description of the same file is refused, as another process is.
        let error = DirLock::acquire(&dir).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains(&dir.display().to_string()), "{message}");
        assert_eq!(error.exit_code(), 1);
        drop(first);
        assert_eq!(std::fs::read_to_string(DirLock::path(&dir)).unwrap(), "");
        let again = DirLock::acquire(&dir).unwrap();
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unreadable_holder_is_another_process() {
        let dir = std::env::temp_dir().join(format!("flow-train-lock-junk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = DirLock::path(&dir);
        std::fs::write(&path, "garbage\n").unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(read_holder(&mut file), "another process");
        // A stale record of a dead process does not block: only a live lock does.
        std::fs::write(&path, "4194304 flow-train train\n").unwrap();
        drop(DirLock::acquire(&dir).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Checkpointers that never leave a half-written record behind.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::store::ModuleRecord;
use burn::train::checkpoint::{Checkpoint, Checkpointer, CheckpointerError};

use crate::fsutil::{sync_file, temporary_path};

/// The names of the three records the Learner saves per checkpointed epoch.
pub const RECORD_NAMES: [&str; 3] = ["model", "optim", "scheduler"];

/// The file name of the record `name` of `epoch`: `<name>-<epoch>.bpk`.
fn record_file_name(name: &str, epoch: usize) -> String {
    format!("{name}-{epoch}.bpk")
}

/// The epochs of `directory` for which all of [`RECORD_NAMES`] are on disk (complete
/// checkpoints a run can resume from), in increasing order.
pub fn complete_epochs(directory: &Path) -> BTreeSet<usize> {
    let Ok(entries) = fs::read_dir(directory) else {
        return BTreeSet::new();
    };
    let names: BTreeSet<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names
        .iter()
        .filter_map(|name| name.split_once('-')?.1.strip_suffix(".bpk")?.parse().ok())
        .filter(|&epoch: &usize| {
            RECORD_NAMES
                .iter()
                .all(|record| names.contains(&record_file_name(record, epoch)))
        })
        .collect()
}

/// Removes every file of `directory` except the records of the epochs in `keep` (stale
/// records, partial checkpoints and temporary files of an interrupted write).
pub fn prune_checkpoints(directory: &Path, keep: &BTreeSet<usize>) {
    let Ok(entries) = fs::read_dir(directory) else {
        return;
    };
    let kept: BTreeSet<String> = keep
        .iter()
        .flat_map(|&epoch| RECORD_NAMES.map(|record| record_file_name(record, epoch)))
        .collect();
    for entry in entries.flatten() {
        if !kept.contains(entry.file_name().to_string_lossy().as_ref()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Records named `<name>-<epoch>.bpk` in one directory, each written to a temporary file
/// and renamed into place, so a crash leaves either the old state or the new one.
#[derive(Debug, Clone)]
pub struct AtomicFileCheckpointer {
    directory: PathBuf,
    name: String,
}

impl AtomicFileCheckpointer {
    /// Checkpoints of `name` under `directory` (created if needed).
    pub fn new(directory: &Path, name: &str) -> std::io::Result<Self> {
        fs::create_dir_all(directory)?;
        Ok(Self {
            directory: directory.to_path_buf(),
            name: name.to_string(),
        })
    }

    /// The file of `epoch`.
    pub fn path(&self, epoch: usize) -> PathBuf {
        self.directory.join(record_file_name(&self.name, epoch))
    }
}

/// Saves `record` to `path` through a temporary file and a rename.
fn save_atomically<R: Checkpoint>(record: R, path: &Path) -> Result<(), CheckpointerError> {
    let temporary = temporary_path(path);
    let saved = record
        .save(temporary.clone())
        .and_then(|()| sync_file(&temporary).map_err(CheckpointerError::IOError))
        .and_then(|()| fs::rename(&temporary, path).map_err(CheckpointerError::IOError));
    if saved.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    saved
}

/// Copies `from` to `to` through a synced temporary file and a rename.
pub fn copy_atomically(from: &Path, to: &Path) -> std::io::Result<()> {
    let temporary = temporary_path(to);
    let copied = fs::copy(from, &temporary)
        .and_then(|_| sync_file(&temporary))
        .and_then(|()| fs::rename(&temporary, to));
    if copied.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    copied
}

impl<R: Checkpoint> Checkpointer<R> for AtomicFileCheckpointer {
    fn save(&self, epoch: usize, record: R) -> Result<(), CheckpointerError> {
        save_atomically(record, &self.path(epoch))
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        match fs::remove_file(self.path(epoch)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(CheckpointerError::IOError(e))
            }
            _ => Ok(()),
        }
    }

    fn restore(&self, epoch: usize) -> Result<R, CheckpointerError> {
        R::load(self.path(epoch))
    }
}

/// What the checkpointer asks of the run's monitor about an epoch it has just saved.
pub trait EpochVerdicts: Send + Sync {
    /// Whether `epoch` was the best so far when it was checkpointed (its model becomes the
    /// artifact's `model.bpk`).
    fn is_best_epoch(&self, epoch: usize) -> bool;

    /// Whether a density snapshot is due at `epoch`.
    fn is_snapshot_epoch(&self, epoch: usize) -> bool;
}

/// Called with the epoch and the path of a freshly saved model record.
pub type SnapshotHook = Arc<dyn Fn(usize, &Path) + Send + Sync>;

/// The model checkpointer: epoch records for resuming, plus the best model copied to the
/// artifact's `model.bpk` as soon as it is saved, and an optional hook for snapshots.
pub struct ModelCheckpointer {
    files: AtomicFileCheckpointer,
    best_path: PathBuf,
    monitor: Box<dyn EpochVerdicts>,
    snapshot: Option<SnapshotHook>,
}

impl ModelCheckpointer {
    /// A checkpointer writing epoch records through `files` and the best one to `best_path`.
    pub fn new(
        files: AtomicFileCheckpointer,
        best_path: PathBuf,
        monitor: impl EpochVerdicts + 'static,
        snapshot: Option<SnapshotHook>,
    ) -> Self {
        Self {
            files,
            best_path,
            monitor: Box::new(monitor),
            snapshot,
        }
    }
}

impl Checkpointer<ModuleRecord> for ModelCheckpointer {
    fn save(&self, epoch: usize, record: ModuleRecord) -> Result<(), CheckpointerError> {
        let path = self.files.path(epoch);
        save_atomically(record, &path)?;
        if self.monitor.is_best_epoch(epoch) {
            copy_atomically(&path, &self.best_path).map_err(CheckpointerError::IOError)?;
        }
        if let Some(hook) = &self.snapshot
            && self.monitor.is_snapshot_epoch(epoch)
        {
            hook(epoch, &path);
        }
        Ok(())
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        Checkpointer::<ModuleRecord>::delete(&self.files, epoch)
    }

    fn restore(&self, epoch: usize) -> Result<ModuleRecord, CheckpointerError> {
        self.files.restore(epoch)
    }
}

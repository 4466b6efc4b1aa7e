//! A training run from Python: on a thread of its own with the GIL released, watched for
//! Ctrl-C, its history returned as a dict.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use burn::train::Interrupter;
use flow_train::FlowError as Error;
use flow_train::api::{Fitted, Run};
use flow_train::artifacts::ArtifactPaths;
use flow_train::train::epoch::read_metrics;
use flow_train::train::progress::ProgressTo;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{crashed, to_py};
use crate::held::{Held, Home, ScratchDir};

/// How often the waiting thread looks for a signal (Ctrl-C) while a run trains.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The outcome of a watched run: its result, and the error of a signal handler (Python's
/// `KeyboardInterrupt` on Ctrl-C) that stopped it.
struct Watched {
    /// What the run returned.
    result: PyResult<Fitted>,
    /// The signal's exception, if one stopped the run.
    signal: Option<PyErr>,
}

/// A training run of `train` from Python, into `artifact_dir` (a scratch directory, removed
/// with the model, when none is given), with its progress on stderr when `progress`: the
/// best model held in its directory, if one was saved (also when the run was interrupted or
/// diverged), and the run's history or its error (`KeyboardInterrupt` on Ctrl-C).
pub fn fit<'py>(
    py: Python<'py>,
    artifact_dir: Option<PathBuf>,
    progress: bool,
    train: impl FnOnce(Run<'_>) -> Result<Fitted, Error> + Send + 'static,
) -> (Option<Held>, PyResult<Bound<'py, PyDict>>) {
    let home = match artifact_dir {
        Some(dir) => Home::Kept(dir),
        None => Home::Scratch(ScratchDir::new()),
    };
    let dir = home.path().to_path_buf();
    let progress = match progress {
        true => ProgressTo::Stderr,
        false => ProgressTo::Hidden,
    };
    let interrupter = Interrupter::new();
    let watched = {
        let (interrupter, dir) = (interrupter.clone(), dir.clone());
        watched(py, &interrupter.clone(), move || {
            train(Run {
                dir: &dir,
                progress,
                interrupter: &interrupter,
            })
        })
    };
    let (fitted, signal) = match (watched.result, watched.signal) {
        (Ok(fitted), signal) => (fitted, signal),
        (Err(_), Some(signal)) => return (None, Err(signal)),
        (Err(error), None) => return (None, Err(error)),
    };
    let outcome = fitted.summary.outcome(&dir);
    let history = history(py, &fitted, &dir);
    let held = fitted
        .model
        .map(|model| Held::new(model, fitted.device, Some(home)));
    let result = match signal {
        Some(signal) => Err(signal),
        None => outcome.map_err(to_py).and(history),
    };
    (held, result)
}

/// Runs `work` (a training run) on its own thread without the GIL. Meanwhile Python's signal
/// handlers run every [`SIGNAL_POLL`]: when one raises (Ctrl-C), `interrupter` stops the run
/// after its current step, and the run ends as an interrupted one does (its best model kept).
fn watched(
    py: Python<'_>,
    interrupter: &Interrupter,
    work: impl FnOnce() -> Result<Fitted, Error> + Send + 'static,
) -> Watched {
    let handle = thread::spawn(move || catch_unwind(AssertUnwindSafe(work)));
    let mut signal = None;
    while !handle.is_finished() {
        py.detach(|| {
            let mut waited = Duration::ZERO;
            while waited < SIGNAL_POLL && !handle.is_finished() {
                thread::sleep(Duration::from_millis(5));
                waited += Duration::from_millis(5);
            }
        });
        if signal.is_none()
            && let Err(error) = py.check_signals()
        {
            interrupter.stop(Some("interrupted from Python"));
            signal = Some(error);
        }
    }
    let result = match handle.join() {
        Ok(Ok(result)) => result.map_err(to_py),
        Ok(Err(panic)) | Err(panic) => Err(crashed(panic.as_ref())),
    };
    Watched { result, signal }
}

/// The history of the run in `dir` as a dict: per-epoch `train_nll` and `valid_nll`,
/// `best_epoch`, `seconds` (of training), `test_nll`, `epochs` and why it `stopped`.
fn history<'py>(py: Python<'py>, fitted: &Fitted, dir: &Path) -> PyResult<Bound<'py, PyDict>> {
    let rows = read_metrics(&ArtifactPaths::new(dir).metrics()).map_err(to_py)?;
    let summary = &fitted.summary;
    let history = PyDict::new(py);
    history.set_item(
        "train_nll",
        rows.iter().map(|r| r.train_nll).collect::<Vec<_>>(),
    )?;
    history.set_item(
        "valid_nll",
        rows.iter().map(|r| r.valid_nll).collect::<Vec<_>>(),
    )?;
    history.set_item("best_epoch", summary.best_epoch)?;
    history.set_item("seconds", summary.train_seconds)?;
    history.set_item("test_nll", summary.test_nll)?;
    history.set_item("epochs", summary.epochs)?;
    history.set_item("stopped", summary.stopped.describe())?;
    Ok(history)
}

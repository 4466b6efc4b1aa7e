//! The divergence rule replayed over the metrics of finished runs, to check that it never
//! fires on normal ones. Not run by default; name the runs in `FLOW_TRAIN_REPLAY` (artifact
//! directories, `metrics.csv` files, or folders searched for them, separated by `:`):
//!
//! ```sh
//! FLOW_TRAIN_REPLAY=runs/presets cargo test --release --workspace --all-features \
//!     --test cli replay_divergence -- --ignored --nocapture
//! ```
//!
//! Each run gets one line: its epochs, the untrained model's validation value (from
//! `summary.json`, or computed again from `config.json` for runs recorded before it was kept,
//! on `FLOW_TRAIN_DEVICE` or flex), how far it got below it, and how close it came to the
//! explosion margin (the rule fires above 1). The test fails if the rule fires on any run.

use std::path::{Path, PathBuf};

use flow_train::train::replay::replay;

/// The artifact directories under `path`: itself if it holds a `metrics.csv`, else every
/// folder below it that does.
fn runs_under(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_file() {
        if path.file_name().is_some_and(|n| n == "metrics.csv") {
            found.push(path.parent().unwrap_or(Path::new(".")).to_path_buf());
        }
        return;
    }
    if path.join("metrics.csv").is_file() && path.join("config.json").is_file() {
        found.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    children.sort();
    for child in children {
        if child.is_dir() || child.file_name().is_some_and(|n| n == "metrics.csv") {
            runs_under(&child, found);
        }
    }
}

#[test]
#[ignore = "replays the runs named by FLOW_TRAIN_REPLAY"]
fn the_divergence_rule_never_fires_on_these_runs() {
    let list = std::env::var_os("FLOW_TRAIN_REPLAY")
        .expect("set FLOW_TRAIN_REPLAY to the runs to replay (folders separated by `:`)");
    let mut runs = Vec::new();
    for path in std::env::split_paths(&list) {
        runs_under(&path, &mut runs);
    }
    assert!(!runs.is_empty(), "no metrics.csv under {list:?}");
    let name = std::env::var("FLOW_TRAIN_DEVICE").unwrap_or_else(|_| "flex".into());
    let device = flow_train::backend::device(&name).expect("the backend runs");
    let mut fired = Vec::new();
    println!(
        "{:<60} {:>7} {:>12} {:>10} {:>11} {:>8}  verdict",
        "run", "epochs", "untrained", "progress", "max ratio", "@epoch"
    );
    for dir in &runs {
        let outcome = match replay(dir, &device) {
            Ok(outcome) => outcome,
            Err(error) => {
                fired.push(format!("{}: {error}", dir.display()));
                continue;
            }
        };
        let start = outcome.baseline.start.unwrap_or(f64::NAN);
        println!(
            "{:<60} {:>7} {:>11.4}{} {:>10.4} {:>11.2e} {:>8}  {}",
            dir.display(),
            outcome.epochs,
            start,
            if outcome.start_recorded { " " } else { "*" },
            outcome.closeness.progress.unwrap_or(f64::NAN),
            outcome.closeness.explosion_ratio,
            outcome.closeness.explosion_epoch,
            outcome.verdict.map_or_else(
                || "-".to_string(),
                |v| format!("{:?} at epoch {}", v.cause, v.epoch)
            )
        );
        if let Some(verdict) = outcome.verdict {
            fired.push(format!("{}: {verdict:?}", dir.display()));
        }
    }
    println!("(* the untrained value computed again from config.json)");
    assert!(
        fired.is_empty(),
        "the rule fired on {} of {} runs:\n{}",
        fired.len(),
        runs.len(),
        fired.join("\n")
    );
}

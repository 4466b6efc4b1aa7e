//! `flow-train train --resume`: an interrupted run continues exactly, and bad resumes are
//! refused with one line.

use std::path::Path;

use burn::config::Config;
use flow_train::train::config::{FlowKind, Preset};

use crate::common::{
    fresh_path, interrupt_after_epochs, metric_rows, run_err, run_ok, s, scratch_dir, summary,
};

/// A small run of about 120 short epochs.
const RUN: [&str; 18] = [
    "--train-size",
    "4096",
    "--valid-size",
    "1024",
    "--test-size",
    "1024",
    "--layers",
    "8",
    "--batch-size",
    "256",
    "--max-epochs",
    "120",
    "--patience",
    "1000",
    "--plot-every",
    "0",
    "--lr",
    "0.01",
];

fn train_args(dir: &Path) -> Vec<&str> {
    let mut args = vec!["train", "--device", "flex", "--artifact-dir", s(dir)];
    args.extend(RUN);
    args
}

/// [`train_args`] on two workers of the CPU device.
fn two_worker_args(dir: &Path) -> Vec<&str> {
    let mut args = vec!["train", "--devices", "flex,flex", "--artifact-dir", s(dir)];
    args.extend(RUN);
    args
}

#[test]
fn an_interrupted_run_resumes_exactly_where_it_stopped() {
    let reference = fresh_path("resume-reference");
    run_ok(&train_args(&reference));
    let expected = summary(&reference);
    assert_eq!(expected.epochs, 120);

    for signal in ["-INT", "-KILL"] {
        let dir = fresh_path(&format!("resume{signal}"));
        let output = interrupt_after_epochs(&train_args(&dir), &dir, 10, signal);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if signal == "-INT" {
            assert_eq!(output.status.code(), Some(130), "{stderr}");
        }
        let recorded = metric_rows(&dir).len() - 1;
        assert!(recorded < 120, "the run ended before the {signal}");
        if signal == "-KILL" {
            // As if the crash came between saving a best record and copying it to model.bpk.
            std::fs::remove_file(dir.join("model.bpk")).unwrap();
        }

        run_err(
            &[
                "train",
                "--resume",
                "--artifact-dir",
                s(&dir),
                "--layers",
                "9",
            ],
            2,
            &["--resume", "layers: 8 → 9", "config.json"],
        );
        // The same backend as the reference (a build with wgpu would default to it).
        let stdout = run_ok(&[
            "train",
            "--resume",
            "--artifact-dir",
            s(&dir),
            "--device",
            "flex",
        ]);
        assert!(stdout.contains("resuming"), "{stdout}");

        let resumed = summary(&dir);
        assert_eq!(resumed.epochs, 120, "after {signal}");
        assert_eq!(
            resumed.test_nll.map(f64::to_bits),
            expected.test_nll.map(f64::to_bits),
            "after {signal}: {resumed:?} vs {expected:?}"
        );
        assert_eq!(resumed.best_epoch, expected.best_epoch);
        assert_eq!(metric_rows(&dir), metric_rows(&reference), "after {signal}");

        run_err(
            &[
                "train",
                "--resume",
                "--artifact-dir",
                s(&dir),
                "--device",
                "flex",
            ],
            2,
            &["--resume", "finished"],
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    // A run killed after its last epoch, before its summary: resuming only evaluates it.
    std::fs::remove_file(reference.join("summary.json")).unwrap();
    run_ok(&[
        "train",
        "--resume",
        "--artifact-dir",
        s(&reference),
        "--device",
        "flex",
    ]);
    let finished = summary(&reference);
    assert_eq!(finished.epochs, 120);
    assert_eq!(
        finished.test_nll.map(f64::to_bits),
        expected.test_nll.map(f64::to_bits)
    );
    let _ = std::fs::remove_dir_all(&reference);
}

#[test]
fn a_run_on_two_workers_resumes_exactly_where_it_stopped() {
    let reference = fresh_path("resume-two-reference");
    run_ok(&two_worker_args(&reference));
    let dir = fresh_path("resume-two");
    let output = interrupt_after_epochs(&two_worker_args(&dir), &dir, 10, "-INT");
    assert_eq!(output.status.code(), Some(130));
    assert!(metric_rows(&dir).len() - 1 < 120, "the run ended first");
    run_ok(&[
        "train",
        "--resume",
        "--artifact-dir",
        s(&dir),
        "--devices",
        "flex,flex",
    ]);
    let (resumed, expected) = (summary(&dir), summary(&reference));
    assert_eq!(resumed.devices, ["flex", "flex"]);
    assert_eq!(
        resumed.test_nll.map(f64::to_bits),
        expected.test_nll.map(f64::to_bits),
        "{resumed:?} vs {expected:?}"
    );
    assert_eq!(metric_rows(&dir), metric_rows(&reference));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&reference);
}

#[test]
fn resume_needs_an_interrupted_run() {
    let missing = fresh_path("resume-missing");
    run_err(
        &["train", "--resume", "--artifact-dir", s(&missing)],
        1,
        &["config.json", "missing"],
    );
    assert!(!missing.exists());

    let bare = scratch_dir("resume-bare");
    Preset::Seed
        .config(FlowKind::Planar)
        .unwrap()
        .save(bare.join("config.json"))
        .unwrap();
    run_err(
        &[
            "train",
            "--resume",
            "--artifact-dir",
            s(&bare),
            "--device",
            "flex",
        ],
        1,
        &["checkpoint", "no complete checkpoint"],
    );
    run_err(
        &[
            "train",
            "--resume",
            "--artifact-dir",
            s(&bare),
            "--preset",
            "default",
        ],
        2,
        &["--resume", "layers: 8 → 32"],
    );
    let _ = std::fs::remove_dir_all(&bare);

    let output = crate::common::flow_train(&["train", "--resume"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--artifact-dir"));
}

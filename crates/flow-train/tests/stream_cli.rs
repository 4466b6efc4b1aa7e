//! A `.npy` file read as it is needed (`--stream true`): it trains, its splits are recorded
//! and rebuilt by `eval`, an interrupted run resumes exactly, pictures and samples come from
//! its first training rows, what cannot be streamed is refused in one line, and a file that
//! changes while it is read stops the run in one line with its best model intact.

use std::path::Path;

use flow_train::infer::inference::TrainedFlow;

use crate::common::{
    assert_png, interrupt_after_epochs, metric_rows, run_err, run_ok, s, scratch_dir, spawn_until,
    summary,
};

const ROWS: &str = "3000";

/// A streamed RealNVP run on `data` into `dir`.
fn args<'a>(data: &'a Path, dir: &'a Path) -> Vec<&'a str> {
    vec![
        "train",
        "--flow",
        "realnvp",
        "--transforms",
        "2",
        "--hidden",
        "8",
        "--data",
        s(data),
        "--stream",
        "true",
        "--max-epochs",
        "30",
        "--patience",
        "30",
        "--batch-size",
        "64",
        "--seed",
        "2",
        "--device",
        "flex",
        "--artifact-dir",
        s(dir),
    ]
}

/// `rows` points of the moons set (seed 1) written to `path` as `.npy`.
fn moons(path: &Path, rows: &str) {
    run_ok(&[
        "data",
        "--dataset",
        "moons",
        "-n",
        rows,
        "--seed",
        "1",
        "--out",
        s(path),
    ]);
}

#[test]
fn a_streamed_file_trains_evaluates_and_resumes_exactly() {
    let work = scratch_dir("stream-cli");
    let data = work.join("moons.npy");
    moons(&data, ROWS);

    let reference = work.join("reference");
    run_ok(&args(&data, &reference));
    let trained = summary(&reference);
    assert_eq!(trained.n_train + trained.n_valid + trained.n_test, 3000);
    assert_eq!(trained.epochs, 30);
    let test_nll = trained.test_nll.expect("a test NLL");
    let initial = trained.initial_valid.expect("the untrained NLL");
    assert!(
        test_nll < initial - 0.5,
        "{test_nll} vs untrained {initial}"
    );
    assert_png(&reference.join("density.png"));
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reference.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["data"]["streamed"], true, "{}", config["data"]);

    // eval rebuilds the streamed test split and scores it again.
    let report: serde_json::Value = serde_json::from_str(&run_ok(&[
        "eval",
        "--artifact-dir",
        s(&reference),
        "--device",
        "flex",
        "--json",
    ]))
    .unwrap();
    assert_eq!(report["n_test"], trained.n_test);
    let again = report["test_nll"].as_f64().unwrap();
    assert!((again - test_nll).abs() < 1e-6, "{again} vs {test_nll}");

    // The samples' picture is drawn beside the first training rows.
    let plot = work.join("samples.png");
    run_ok(&[
        "sample",
        "--artifact-dir",
        s(&reference),
        "--device",
        "flex",
        "-n",
        "500",
        "--out",
        s(&work.join("samples.npy")),
        "--plot",
        s(&plot),
    ]);
    assert_png(&plot);

    // Killed after a few epochs and resumed: the same epochs, bit for bit.
    let resumed = work.join("resumed");
    interrupt_after_epochs(&args(&data, &resumed), &resumed, 4, "-KILL");
    assert!(
        metric_rows(&resumed).len() < 31,
        "the run ended before the kill"
    );
    run_ok(&[
        "train",
        "--resume",
        "--artifact-dir",
        s(&resumed),
        "--device",
        "flex",
    ]);
    assert_eq!(metric_rows(&resumed), metric_rows(&reference));
    assert_eq!(
        summary(&resumed).test_nll.map(f64::to_bits),
        Some(test_nll.to_bits())
    );

    // What cannot be streamed.
    let csv = work.join("moons.csv");
    run_ok(&["data", "--dataset", "moons", "-n", "100", "--out", s(&csv)]);
    let refused = work.join("refused");
    let mut on_csv = args(&csv, &refused);
    on_csv.truncate(on_csv.len() - 2);
    run_err(&on_csv, 2, &["--stream", ".npy"]);
    let mut dequantized = args(&data, &refused);
    dequantized.push("--dequantize");
    run_err(&dequantized, 2, &["--dequantize", "stream"]);
    assert!(!refused.exists());
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_streamed_file_that_changes_while_training_stops_the_run_in_one_line() {
    let work = scratch_dir("stream-changes");
    let data = work.join("moons.npy");
    moons(&data, "20000");
    let dir = work.join("run");
    let mut run = args(&data, &dir);
    let at = run.iter().position(|a| *a == "--max-epochs").unwrap();
    run[at + 1] = "1000";
    let at = run.iter().position(|a| *a == "--patience").unwrap();
    run[at + 1] = "1000";
    // Once the run has a best model, the file is cut to half its length (as a program
    // rewriting it would leave it for a moment): reading its mapped pages would fault.
    let child = spawn_until(
        &run,
        || dir.join("metrics.csv").is_file() && metric_rows(&dir).len() >= 3,
        "two epochs",
    );
    let length = std::fs::metadata(&data).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&data)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for needle in ["moons.npy", "changed while being read", "when opened"] {
        assert!(stderr.contains(needle), "no `{needle}` in {stderr}");
    }
    // The best model saved before the change is whole.
    let device = burn::tensor::Device::flex();
    let trained = TrainedFlow::load(&dir, &device).expect("the best model loads");
    let log_p = trained.log_prob(&[0.5, 0.25], &device);
    assert!(log_p[0].is_finite(), "{log_p:?}");
    let _ = std::fs::remove_dir_all(&work);
}

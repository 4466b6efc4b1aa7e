//! The `flow-train` binary end to end: a short training run and its artifact directory.

use flow_train::infer::inference::TrainedFlow;
use flow_train::train::training::rebuild_splits;

use crate::common::{
    assert_png, flow_train, fresh_path as scratch, run_ok, seed_preset_args, spawn_until, summary,
};

#[test]
fn short_training_learns_and_writes_every_artifact() {
    let dir = scratch("short");
    let output = flow_train(&[
        "train",
        "--preset",
        "default",
        "--train-size",
        "4096",
        "--valid-size",
        "1024",
        "--test-size",
        "2048",
        "--batch-size",
        "256",
        "--layers",
        "16",
        "--max-epochs",
        "12",
        "--plot-every",
        "5",
        "--seed",
        "3",
        "--device",
        "flex",
        "--artifact-dir",
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("test NLL"), "{stdout}");

    let summary = summary(&dir);
    assert_eq!(summary.epochs, 12);
    assert_eq!(summary.layers, Some(16));
    assert_eq!(summary.flow, "planar");
    assert_eq!(
        (summary.n_train, summary.n_valid, summary.n_test),
        (4096, 1024, 2048)
    );
    assert_eq!(summary.seed, 3);
    assert_eq!(summary.backend, "flex");
    let best = summary.best_valid_nll.unwrap();
    let test = summary.test_nll.unwrap();
    // N(0, I) scores 7.17 nats and the best Gaussian 4.49: the flow must do far better than both.
    assert!(best < 4.3, "best valid NLL {best}");
    assert!(test < 4.4, "test NLL {test}");

    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "epoch,train_nll,valid_nll,seconds");
    assert_eq!(rows.len(), 13);
    let first_valid: f64 = rows[1].split(',').nth(2).unwrap().parse().unwrap();
    assert!(
        best < first_valid,
        "valid NLL did not improve: {first_valid} → {best}"
    );

    for png in ["loss.png", "density.png"] {
        assert_png(&dir.join(png));
    }
    for epoch in [5, 10] {
        assert_png(&dir.join(format!("snapshots/density-epoch-{epoch:06}.png")));
    }

    // The saved best model, reloaded, scores the test split exactly as the run did.
    let device = burn::tensor::Device::flex();
    let trained = TrainedFlow::load(&dir, &device).unwrap();
    assert_eq!(trained.config.layers(), Some(16));
    let splits = rebuild_splits(&trained.config).unwrap();
    let reloaded = trained.mean_nll(splits.test.values(), &device);
    assert_eq!(reloaded, test);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_short_run_of_every_family_lowers_the_nll() {
    let cases: [&[&str]; 4] = [
        &["--flow", "planar", "--layers", "6"],
        &["--flow", "radial", "--layers", "6"],
        &[
            "--flow",
            "realnvp",
            "--transforms",
            "3",
            "--hidden",
            "16",
            "--lr",
            "1e-2",
        ],
        &[
            "--flow",
            "nsf",
            "--transforms",
            "3",
            "--hidden",
            "16",
            "--bins",
            "6",
        ],
    ];
    for family in cases {
        let dir = scratch(&format!("learns-{}", family[1]));
        let mut args = vec![
            "train",
            "--train-size",
            "4096",
            "--valid-size",
            "512",
            "--test-size",
            "512",
            "--max-epochs",
            "10",
            "--plot-every",
            "0",
            "--seed",
            "4",
            "--device",
            "flex",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ];
        args.extend_from_slice(family);
        run_ok(&args);
        let summary = summary(&dir);
        assert_eq!(summary.flow, family[1]);
        let start = summary.initial_valid.unwrap();
        let (best, test) = (summary.best_valid_nll.unwrap(), summary.test_nll.unwrap());
        // Ten epochs take every family at least 0.3 nats below its untrained model.
        assert!(
            best < start - 0.3 && test < start - 0.3,
            "{family:?}: untrained {start}, best valid {best}, test {test}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn invalid_arguments_exit_with_2_and_write_nothing() {
    let dir = scratch("invalid");
    // Each case, and a word the one-line error must contain (the flag, or the bad value).
    let cases: [(&[&str], &str); 16] = [
        (&["--batch-size", "0"], "--batch-size"),
        (&["--layers", "0"], "--layers"),
        (&["--patience", "0"], "--patience"),
        (&["--max-epochs", "0"], "--max-epochs"),
        (&["--train-size", "0"], "--train-size"),
        (&["--valid-size", "-5"], "--valid-size"),
        (&["--layers", "-3"], "--layers"),
        (&["--lr", "-1"], "--lr"),
        (&["--lr", "0"], "--lr"),
        (&["--lr", "nan"], "--lr"),
        (&["--lr", "inf"], "--lr"),
        (
            &["--batch-size", "5000", "--train-size", "4000"],
            "--batch-size",
        ),
        (&["--preset", "fastest"], "fastest"),
        (&["--dataset", "spirals"], "spirals"),
        (&["--device", "tpu"], "tpu"),
        (&["--seed", "x"], "--seed"),
    ];
    for (extra, named) in cases {
        let mut args = vec!["train", "--artifact-dir", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = flow_train(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{extra:?}: no `{named}` in {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{extra:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{extra:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{extra:?}: {stderr}");
        assert!(!dir.exists(), "{extra:?} wrote {}", dir.display());
    }
}

#[test]
fn divergence_stops_with_one_line_and_keeps_the_best_model() {
    let dir = scratch("diverge");
    // A constant rate of 0.7 sends the seed preset's loss to NaN at epoch 16 without an
    // explosion before it (deterministic on flex); larger rates explode first, which
    // tests/reliability_cli.rs covers.
    let output = flow_train(&[
        "train",
        "--preset",
        "seed",
        "--lr",
        "0.7",
        "--schedule",
        "constant",
        "--max-epochs",
        "200",
        "--plot-every",
        "0",
        "--device",
        "flex",
        "--artifact-dir",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("NaN or infinite at epoch"), "{stderr}");

    let summary = summary(&dir);
    let flow_train::train::monitor::StopReason::Diverged { epoch, cause, .. } = summary.stopped
    else {
        panic!("summary says {:?}", summary.stopped);
    };
    let best = summary
        .best_epoch
        .expect("an epoch before the divergence was saved");
    assert!(best < epoch, "best epoch {best}, diverged at {epoch}");
    assert!(stderr.contains(&format!("epoch {epoch}")), "{stderr}");
    assert_eq!(cause, flow_train::train::divergence::Cause::NonFinite);

    // The model saved before the divergence loads and scores to a finite number.
    let device = burn::tensor::Device::flex();
    let trained = TrainedFlow::load(&dir, &device).unwrap();
    let splits = rebuild_splits(&trained.config).unwrap();
    let nll = trained.mean_nll(splits.test.values(), &device);
    assert!(nll.is_finite());
    let recorded = summary.test_nll.unwrap();
    // A last-bit difference in the sum is allowed.
    assert!(
        (nll - recorded).abs() <= 1e-12 * recorded.abs(),
        "{nll} vs {recorded}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_seed_gives_bit_identical_results() {
    let run = |name: &str| -> (Option<f64>, Vec<u8>) {
        let dir = scratch(name);
        let output = flow_train(&[
            "train",
            "--preset",
            "seed",
            "--max-epochs",
            "30",
            "--plot-every",
            "0",
            "--seed",
            "7",
            "--device",
            "flex",
            "--artifact-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let samples = dir.join("s.csv");
        let output = flow_train(&[
            "sample",
            "--artifact-dir",
            dir.to_str().unwrap(),
            "--device",
            "flex",
            "-n",
            "500",
            "--seed",
            "3",
            "--out",
            samples.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary = summary(&dir);
        let bytes = std::fs::read(&samples).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        (summary.test_nll, bytes)
    };
    let (first_nll, first_samples) = run("determinism-a");
    let (second_nll, second_samples) = run("determinism-b");
    assert!(first_nll.is_some());
    assert_eq!(first_nll.map(f64::to_bits), second_nll.map(f64::to_bits));
    assert!(
        first_samples == second_samples,
        "samples differ between identical runs"
    );
}

/// Starts a long seed-preset training in `dir` and returns once it has saved a best model.
fn start_long_training(dir: &std::path::Path) -> std::process::Child {
    let child = spawn_until(
        &seed_preset_args(dir),
        || dir.join("model.bpk").exists(),
        "saving a model",
    );
    // Let it run on, so that later bests replace the first one.
    std::thread::sleep(std::time::Duration::from_millis(300));
    child
}

fn assert_best_model_scores(dir: &std::path::Path) {
    let device = burn::tensor::Device::flex();
    let trained = TrainedFlow::load(dir, &device).unwrap();
    let splits = rebuild_splits(&trained.config).unwrap();
    assert!(trained.mean_nll(splits.test.values(), &device) < 7.0);
}

#[test]
fn sigint_stops_cleanly_and_keeps_the_best_model() {
    let dir = scratch("sigint");
    let child = start_long_training(&dir);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("error: interrupted: after"), "{stderr}");
    let summary = summary(&dir);
    assert_eq!(
        summary.stopped,
        flow_train::train::monitor::StopReason::Interrupted
    );
    assert!(summary.test_nll.is_some());
    assert_best_model_scores(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_run_leaves_a_loadable_best_model() {
    let dir = scratch("sigkill");
    let mut child = start_long_training(&dir);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert_best_model_scores(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

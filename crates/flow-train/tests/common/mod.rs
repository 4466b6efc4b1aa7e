//! Helpers shared by the integration tests: running the binary and scratch space.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flow_train::train::summary::RunSummary;

/// Runs `flow-train` with `args`.
pub fn flow_train(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flow-train"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary and fails the test unless it succeeds; returns stdout.
pub fn run_ok(args: &[&str]) -> String {
    let output = flow_train(args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{args:?} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status.code()
    );
    stdout
}

/// Runs the binary, expects exit `code` and one `error: ...` line naming every `needles`.
pub fn run_err(args: &[&str], code: i32, needles: &[&str]) -> String {
    let output = flow_train(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: no `{needle}` in {stderr}"
        );
    }
    stderr
}

/// A path in the temporary directory, unique to this process and `name`, that does not exist.
pub fn fresh_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("flow-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    path
}

/// [`fresh_path`], created as an empty directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = fresh_path(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The header of a CSV file written by the binary, and its rows of numbers.
pub fn csv_rows(path: &Path) -> (String, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// The path as `&str` (temporary paths are UTF-8).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Fails unless `path` holds a non-trivial PNG image.
pub fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() > 1000, "{} is tiny", path.display());
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
}

/// The `summary.json` of the artifact directory `dir`.
pub fn summary(dir: &Path) -> RunSummary {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

/// The epoch, train NLL and valid NLL columns of `metrics.csv` in `dir` (the time column
/// differs between runs).
pub fn metric_rows(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|line| line.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

/// `train` with the seed preset (a long run), no snapshots, on flex, writing `dir`.
pub fn seed_preset_args(dir: &Path) -> Vec<&str> {
    vec![
        "train",
        "--preset",
        "seed",
        "--plot-every",
        "0",
        "--device",
        "flex",
        "--artifact-dir",
        s(dir),
    ]
}

/// Starts the binary with `args` (stdout dropped, stderr captured) and returns once `ready`
/// holds, failing if it does not within a minute; `what` names the wait in that failure.
pub fn spawn_until(args: &[&str], ready: impl Fn() -> bool, what: &str) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_flow-train"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} took over a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child
}

/// Starts the binary with `args`, a run writing `dir`, lets it record `epochs` epochs, then
/// sends it `signal` (`-INT`, `-KILL`) and waits for it; stderr is captured.
pub fn interrupt_after_epochs(args: &[&str], dir: &Path, epochs: usize, signal: &str) -> Output {
    let recorded =
        || std::fs::read_to_string(dir.join("metrics.csv")).map_or(0, |t| t.lines().count());
    let child = spawn_until(args, || recorded() > epochs, &format!("{epochs} epochs"));
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait_with_output().unwrap()
}

/// Trains, into `model`, a posterior of the gaussian-linear task that fits its closed form
/// closely (one MAF transform with direct connections, 10⁴ simulations), with `extra` flags.
pub fn train_gaussian_linear_posterior(model: &Path, extra: &[&str]) {
    let mut args = vec![
        "npe",
        "--task",
        "gaussian-linear",
        "--simulations",
        "10000",
        "--flow",
        "maf",
        "--transforms",
        "1",
        "--hidden",
        "8",
        "--direct",
        "true",
        "--device",
        "flex",
        "--artifact-dir",
        s(model),
    ];
    args.extend_from_slice(extra);
    run_ok(&args);
}

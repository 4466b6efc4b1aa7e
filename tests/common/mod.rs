//! Helpers shared by the end-to-end tests: the binaries cargo built, and scratch space.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The directory of the binaries of this build (`target/<profile>`), found from the test
/// executable (`target/<profile>/deps/<test>`).
fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps")
        .to_path_buf()
}

/// A binary of this build: `flow-train`, or an example by name. The workspace's test
/// command (`cargo test --release --workspace --all-features`) builds both.
pub fn built(relative: &str) -> PathBuf {
    let path = build_dir().join(relative);
    assert!(
        path.is_file(),
        "{} is missing: run the tests with `cargo test --release --workspace --all-features`",
        path.display()
    );
    path
}

/// Runs `program` with `args` in `dir` on the CPU backend; fails the test unless it exits 0,
/// and returns its stdout.
pub fn run_in(dir: &Path, program: &Path, args: &[&str]) -> String {
    let output: Output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("FLOW_TRAIN_DEVICE", "flex")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{} {args:?} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        program.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// An empty directory in the temporary directory, unique to this process and `name`.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flows-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

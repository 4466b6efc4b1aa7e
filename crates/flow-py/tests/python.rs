//! Runs the Python package's pytest suite (`python/tests/`) against the extension module
//! built with this test, so that the workspace's one test command covers it.
//!
//! The module (`lib_flows.so`) is staged beside the package's Python files as
//! `flows/_flows.abi3.so`; the tests run with an interpreter that has NumPy and pytest (the
//! first `python3` that has them, else a virtual environment made under the target directory
//! and filled from PyPI), with `FLOW_TRAIN` naming the `flow-train` binary of the same build.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn the_python_package_passes_its_pytest_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let stage = stage_package(&root.join("python/flows"), &scratch.join("python-stage"));
    let python = interpreter(&scratch.join("python-venv"));
    let flow_train = built_dir().join(format!("flow-train{}", std::env::consts::EXE_SUFFIX));
    assert!(
        flow_train.is_file(),
        "{} is missing: run the workspace's tests (cargo test --release --workspace), which \
         build it",
        flow_train.display()
    );
    let status = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root.join("python/tests"))
        .env("PYTHONPATH", &stage)
        .env("FLOW_TRAIN", &flow_train)
        // The CPU backend, whatever else this build compiled in.
        .env("FLOW_TRAIN_DEVICE", "flex")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&root)
        .status()
        .expect("python runs");
    assert!(status.success(), "the pytest suite failed: {status}");
}

/// The folder of this build's binaries (`target/release`): this test is in its `deps/`.
fn built_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its path");
    exe.parent()
        .and_then(Path::parent)
        .expect("tests live in target/PROFILE/deps")
        .to_path_buf()
}

/// Copies the package's Python files from `source` and the built extension into
/// `stage/flows/`; returns `stage`, the folder to put on `PYTHONPATH`.
fn stage_package(source: &Path, stage: &Path) -> PathBuf {
    let package = stage.join("flows");
    let _ = std::fs::remove_dir_all(stage);
    std::fs::create_dir_all(&package).expect("the stage is writable");
    for entry in std::fs::read_dir(source).expect("python/flows exists") {
        let path = entry.expect("a readable entry").path();
        if path.is_file() {
            std::fs::copy(&path, package.join(path.file_name().expect("a file name")))
                .expect("the package's files copy");
        }
    }
    let library = format!(
        "{}_flows{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let built = built_dir().join("deps").join(&library);
    let built = if built.is_file() {
        built
    } else {
        built_dir().join(&library)
    };
    let module = if cfg!(windows) {
        "_flows.pyd"
    } else {
        "_flows.abi3.so"
    };
    std::fs::copy(&built, package.join(module))
        .unwrap_or_else(|e| panic!("the extension {} copies: {e}", built.display()));
    stage.to_path_buf()
}

/// A Python interpreter with NumPy and pytest: `python3` if it has them, else the virtual
/// environment `venv`, made and filled from PyPI when missing.
fn interpreter(venv: &Path) -> PathBuf {
    let has_modules = |python: &Path| {
        Command::new(python)
            .args(["-c", "import numpy, pytest"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    let system = PathBuf::from("python3");
    if has_modules(&system) {
        return system;
    }
    let python = venv.join("bin/python");
    if !has_modules(&python) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(venv)
            .status()
            .expect("python3 runs");
        assert!(made.success(), "python3 -m venv {} failed", venv.display());
        let installed = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "numpy", "pytest"])
            .status()
            .expect("pip runs");
        assert!(installed.success(), "pip install numpy pytest failed");
    }
    python
}

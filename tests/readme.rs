//! The README's command lines, run as written and their outputs checked, so that a README
//! that drifts from the code fails here; and the README's test command is the one CI runs.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{built, run_in, scratch_dir};

const README: &str = include_str!("../README.md");
/// Put on the line before a shell block whose commands this test runs, in order.
const MARKER: &str = "<!-- run by tests/readme.rs -->";

/// The command lines (as words) of every shell block that follows the marker, in order.
fn tested_commands() -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        if line.trim() != MARKER {
            continue;
        }
        assert!(
            lines.next().is_some_and(|l| l.starts_with("```sh")),
            "the marker must precede a ```sh block"
        );
        for line in lines.by_ref().take_while(|l| !l.starts_with("```")) {
            let command = line.split(" #").next().unwrap_or_default().trim();
            if !command.is_empty() && !command.starts_with('#') {
                commands.push(command.split_whitespace().map(String::from).collect());
            }
        }
    }
    commands
}

/// The value after `flag` in `args`.
fn value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fails unless the files a command names exist and hold what their extension says.
fn check_outputs(dir: &Path, args: &[String]) {
    if args[0] == "sbc" {
        // Its --out is a folder of a report and two pictures.
        let out = dir.join(value(args, "--out").expect("the README names the folder"));
        let report = json(&out.join("sbc.json"));
        assert!(report["verdict"].is_string(), "{report}");
        for picture in ["ranks.png", "coverage.png"] {
            let bytes = std::fs::read(out.join(picture)).unwrap();
            assert!(
                bytes.starts_with(b"\x89PNG") && bytes.len() > 1000,
                "{picture}"
            );
        }
        return;
    }
    for flag in ["--out", "--plot", "--csv"] {
        let Some(name) = value(args, flag) else {
            continue;
        };
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{args:?}: {name}: {e}"));
        match path.extension().and_then(|e| e.to_str()) {
            Some("png") => {
                assert!(bytes.starts_with(b"\x89PNG"), "{name} is not a PNG");
                assert!(bytes.len() > 1000, "{name} is tiny");
            }
            Some("csv") => {
                let rows = bytes.iter().filter(|&&b| b == b'\n').count() - 1;
                assert!(rows >= 1, "{name} has no rows");
                if args[0] == "sample" || args[0] == "data" || args[0] == "simulate" {
                    let n: usize = value(args, "-n").unwrap().parse().unwrap();
                    assert_eq!(rows, n, "{name}");
                }
            }
            Some("json") => {
                json(&path);
            }
            other => panic!("{args:?}: unexpected output type {other:?}"),
        }
    }
    if args[0] == "train" || args[0] == "fit" || args[0] == "npe" {
        let run = dir.join(value(args, "--artifact-dir").expect("the README names the directory"));
        let summary = json(&run.join("summary.json"));
        let loss = summary["test_nll"].as_f64().or(summary["kl"].as_f64());
        assert!(
            loss.is_some_and(|v| v.is_finite() && v < 7.2),
            "{args:?}: {summary}"
        );
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    let commands = tested_commands();
    assert!(
        commands.len() >= 8,
        "only {} tested commands",
        commands.len()
    );
    let dir = scratch_dir("readme");
    let flow_train = built("flow-train");
    for command in &commands {
        assert_eq!(command[0], "flow-train", "{command:?}");
        let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
        let stdout = run_in(&dir, &flow_train, &args);
        let args = &command[1..];
        check_outputs(&dir, args);
        if args[0] == "eval" && args.iter().any(|a| a == "--json") {
            // A test NLL, or the KL divergence of a fitted energy.
            let report: Value = serde_json::from_str(stdout.trim()).unwrap();
            let value = report["test_nll"]
                .as_f64()
                .or(report["kl"].as_f64())
                .unwrap();
            assert!(value.is_finite() && value < 7.2, "{report}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_test_command_is_the_one_ci_runs() {
    let ci = include_str!("../.ci/run");
    let command = ci
        .lines()
        .rev()
        .find(|l| l.starts_with("cargo "))
        .expect(".ci/run runs cargo");
    let top = README
        .split("```sh")
        .nth(1)
        .expect("the README opens with a shell block");
    assert!(
        top.lines().any(|l| l.trim_start().starts_with(command)),
        "the README's first block does not give `{command}`"
    );
}

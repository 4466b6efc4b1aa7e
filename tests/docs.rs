//! The documentation holds: the command lines of the README and of the guide (`docs/`) run
//! as written with their outputs checked, so that a page that drifts from the code fails here;
//! the README's test command is the one CI runs; every link between the pages, and to the
//! repository's files, leads somewhere; the guide's table of contents lists every chapter.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{built, run_in, scratch_dir};

const README: &str = include_str!("../README.md");
/// Put on the line before a shell block whose commands the tests run, in order.
const MARKER: &str = "<!-- run by tests/docs.rs -->";

/// The repository's root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The guide's chapters: every Markdown file of `docs/src`, `SUMMARY.md` aside.
fn chapters() -> Vec<PathBuf> {
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root().join("docs/src"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .filter(|path| !path.ends_with("SUMMARY.md"))
        .collect();
    chapters.sort();
    chapters
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The command lines (as words) of every shell block of `page` that follows the marker, in
/// order.
fn tested_commands(page: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut lines = page.lines();
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

/// Runs `commands` as written, in order, in an empty directory, and checks what they write.
fn run_as_written(name: &str, commands: &[Vec<String>]) {
    let dir = scratch_dir(name);
    let flow_train = built("flow-train");
    for command in commands {
        assert_eq!(command[0], "flow-train", "{name}: {command:?}");
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
fn the_readme_first_session_runs_as_written() {
    let commands = tested_commands(README);
    assert!(
        commands.len() >= 4,
        "only {} tested commands",
        commands.len()
    );
    run_as_written("readme", &commands);
}

#[test]
fn the_guide_runs_as_written() {
    let mut tested = 0;
    for chapter in chapters() {
        let commands = tested_commands(&read(&chapter));
        if !commands.is_empty() {
            let name = chapter.file_stem().unwrap().to_string_lossy().into_owned();
            run_as_written(&format!("guide-{name}"), &commands);
            tested += commands.len();
        }
    }
    // The command line's tour alone has more.
    assert!(tested >= 15, "only {tested} tested commands in the guide");
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

/// The lines of `page` outside its fenced code blocks.
fn prose_lines(page: &str) -> impl Iterator<Item = &str> {
    let mut in_code = false;
    page.lines().filter(move |line| {
        if line.starts_with("```") {
            in_code = !in_code;
            return false;
        }
        !in_code
    })
}

/// The anchors of `page`'s headings, as mdBook and GitHub make them: lower case, spaces to
/// `-`, every character but letters, digits, `-` and `_` dropped.
fn anchors(page: &str) -> BTreeSet<String> {
    prose_lines(page)
        .filter(|line| line.starts_with('#'))
        .map(|line| {
            line.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// The targets of the Markdown links and images of `page` outside code: `[text](target)`.
fn link_targets(page: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(page) {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let end = rest.find(')').expect("a link's target ends with `)`");
            targets.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    targets
}

#[test]
fn every_link_leads_somewhere() {
    let mut pages = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    pages.extend(chapters());
    pages.push(root().join("docs/src/SUMMARY.md"));
    let mut checked = 0;
    for page in &pages {
        let text = read(page);
        for target in link_targets(&text) {
            if target.starts_with("https://") || target.starts_with("http://") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let linked = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            assert!(
                linked.exists(),
                "{}: the link to `{target}` leads nowhere",
                page.display()
            );
            if !anchor.is_empty() {
                assert!(
                    anchors(&read(&linked)).contains(anchor),
                    "{}: `{target}` names no heading of {}",
                    page.display(),
                    linked.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

#[test]
fn the_guide_contents_list_every_chapter_and_its_includes_exist() {
    let summary = read(&root().join("docs/src/SUMMARY.md"));
    let listed: BTreeSet<String> = link_targets(&summary).into_iter().collect();
    let files: BTreeSet<String> = chapters()
        .iter()
        .map(|c| c.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listed, files, "SUMMARY.md and the files of docs/src differ");
    for chapter in chapters() {
        let text = read(&chapter);
        for include in text.split("{{#include ").skip(1) {
            let path = include.split("}}").next().unwrap().trim();
            let path = path.split(':').next().unwrap();
            assert!(
                chapter.parent().unwrap().join(path).is_file(),
                "{}: includes `{path}`, which does not exist",
                chapter.display()
            );
        }
    }
}

//! The architecture the guide describes holds: within each crate, no module imports another
//! that imports it back, directly or around a longer circle (`docs/src/architecture.md`).
//!
//! A module is a source file; it imports the files its `use` declarations and its `crate::`,
//! `super::` and `self::` paths resolve to (the deepest file a path reaches). Declaring a child
//! module (`mod child;`) and re-exporting its items (`pub use child::Item;`, a module's face to
//! the outside) are not imports: what a module's own code uses is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from its crate's root: `cpu/kernel/spline.rs` is `["cpu", "kernel", "spline"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if path.last().is_some_and(|last| last == "mod") {
        path.pop();
    }
    path
}

/// The source file of the deepest module that a prefix of `path` names, if any.
fn resolve(src: &Path, path: &[String]) -> Option<PathBuf> {
    (1..=path.len()).rev().find_map(|len| {
        let base = path[..len].iter().fold(src.to_path_buf(), |p, s| p.join(s));
        [base.with_extension("rs"), base.join("mod.rs")]
            .into_iter()
            .find(|candidate| candidate.is_file())
    })
}

/// `a::{b, c::{d, e}}` as the paths `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let (prefix, body) = (&tree[..open], &tree[open + 1..tree.rfind('}').unwrap()]);
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .flat_map(|part| expand(part).into_iter().map(|p| format!("{prefix}{p}")))
        .collect()
}

/// The code of a source file without its comments, its re-exports and its test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap();
    let code = text
        .lines()
        .map(|line| line.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    without_reexports(&code)
}

/// `code` without its `pub use …;` and `pub(…) use …;` declarations.
fn without_reexports(code: &str) -> String {
    let mut kept = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("pub") {
        let starts_word = !kept
            .chars()
            .chain(rest[..at].chars())
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mut after = &rest[at + 3..];
        if after.starts_with('(') {
            after = &after[after.find(')').map_or(0, |close| close + 1)..];
        }
        let is_reexport = starts_word && after.trim_start().starts_with("use ");
        match (is_reexport, after.find(';')) {
            (true, Some(end)) => {
                kept.push_str(&rest[..at]);
                rest = &after[end + 1..];
            }
            _ => {
                kept.push_str(&rest[..at + 3]);
                rest = &rest[at + 3..];
            }
        }
    }
    kept.push_str(rest);
    kept
}

/// Every path `file`'s code names: the trees of its `use` declarations, expanded, and the
/// `crate::`, `super::` and `self::` paths written inline.
fn named_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let starts_word = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric();
        rest = &rest[at + 4..];
        if let (true, Some(end)) = (starts_word, rest.find(';')) {
            let tree: String = rest[..end].split_whitespace().collect();
            paths.extend(expand(&tree));
        }
    }
    for anchor in ["crate::", "super::", "self::"] {
        let mut rest = code;
        while let Some(at) = rest.find(anchor) {
            let before = rest[..at].chars().next_back();
            let path: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                paths.push(path);
            }
            rest = &rest[at + anchor.len()..];
        }
    }
    paths
}

/// The files each source file of the crate at `src` imports.
fn imports(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut graph = BTreeMap::new();
    for file in source_files(src) {
        if file.parent() == Some(src) && file.ends_with("lib.rs") {
            continue;
        }
        let here = module_path(src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        let mut targets = BTreeSet::new();
        for path in named_paths(&code(&text)) {
            let mut segments: Vec<String> = path
                .split("::")
                .map(|s| s.split(" as ").next().unwrap().to_string())
                .filter(|s| !s.is_empty() && s != "*")
                .collect();
            let absolute = match segments.first().map(String::as_str) {
                Some("crate") => segments.split_off(1),
                Some("self") => [here.clone(), segments.split_off(1)].concat(),
                Some("super") => {
                    let ups = segments.iter().take_while(|s| *s == "super").count();
                    let base = here[..here.len().saturating_sub(ups)].to_vec();
                    [base, segments.split_off(ups)].concat()
                }
                // A child module named without `self::`, or another crate.
                Some(_) => [here.clone(), segments].concat(),
                None => continue,
            };
            if let Some(target) = resolve(src, &absolute)
                && target != file
                && !(target.parent() == Some(src) && target.ends_with("lib.rs"))
            {
                targets.insert(target);
            }
        }
        graph.insert(file, targets);
    }
    graph
}

fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(source_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// A circle of imports in `graph`, as the files around it, if there is one.
fn find_circle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        file: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        marks: &mut BTreeMap<PathBuf, Mark>,
        trail: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        match marks.get(file) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = trail.iter().position(|f| f == file).unwrap();
                return Some(trail[start..].to_vec());
            }
            None => {}
        }
        marks.insert(file.clone(), Mark::Open);
        trail.push(file.clone());
        for next in graph.get(file).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, marks, trail) {
                return Some(circle);
            }
        }
        trail.pop();
        marks.insert(file.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|file| visit(file, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let mut modules = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        let graph = imports(&src);
        modules += graph.len();
        if let Some(circle) = find_circle(&graph) {
            let names: Vec<_> = circle
                .iter()
                .map(|f| f.strip_prefix(&crates).unwrap().display().to_string())
                .collect();
            panic!("modules import each other: {}", names.join(" → "));
        }
    }
    assert!(modules > 100, "only {modules} modules read");
}

#[test]
fn the_check_finds_a_circle() {
    // transform.rs names the transforms' files, which take a trait from it.
    let graph = BTreeMap::from([
        (
            PathBuf::from("transform.rs"),
            BTreeSet::from([PathBuf::from("transforms/maf.rs")]),
        ),
        (
            PathBuf::from("transforms/maf.rs"),
            BTreeSet::from([PathBuf::from("transform.rs")]),
        ),
        (
            PathBuf::from("flow.rs"),
            BTreeSet::from([PathBuf::from("transform.rs")]),
        ),
    ]);
    let circle = find_circle(&graph).expect("a circle");
    assert_eq!(circle.len(), 2);
    let named = named_paths("use crate::a::{b, c::{d, e}};\npub use x::Y;");
    assert!(named.contains(&"crate::a::c::e".to_string()), "{named:?}");
    assert!(named_paths(&without_reexports("pub(crate) use x::Y; fn f() {}")).is_empty());
    assert_eq!(
        expand("crate::a::{b,c::{d,e}}"),
        ["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
}

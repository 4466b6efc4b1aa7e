//! The files a command is asked to write, checked before it does any work: the name's
//! extension must be that of the format written (`.png` for pictures, `.csv`, `.npy` or
//! `.json` for data), the folder must exist, the path must not be a folder, and no command may replace a
//! file that a training run wrote (its model, configuration, metrics, summary, pictures,
//! checkpoints) or the input it reads.

use std::path::{Component, Path, PathBuf};

use crate::artifacts::ArtifactPaths;
use crate::error::FlowError;
use crate::lock::LOCK_FILE;

/// What a file holds, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A PNG picture.
    Png,
    /// Comma-separated values.
    Csv,
    /// Rows of numbers: comma-separated values, or NumPy's `.npy`, by the name's extension.
    Rows,
    /// JSON.
    Json,
}

impl Format {
    /// The file name extensions it may have, without the dot.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Png => &["png"],
            Self::Csv => &["csv"],
            Self::Rows => &["csv", "npy"],
            Self::Json => &["json"],
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Png => "a PNG picture",
            Self::Csv => "CSV rows",
            Self::Rows => "CSV or NumPy rows",
            Self::Json => "JSON",
        }
    }
}

/// One file to be written: the flag that names it, its path and format.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// The command-line flag (`--out`, `--plot`, `--csv`).
    pub flag: &'static str,
    /// The path given.
    pub path: &'a Path,
    /// The format the command writes there.
    pub format: Format,
}

impl<'a> Output<'a> {
    /// `path`, given with `flag`, to be written as `format`.
    pub fn new(flag: &'static str, path: &'a Path, format: Format) -> Self {
        Self { flag, path, format }
    }

    /// Checks the path (see the module's documentation); `inputs` are the files the command
    /// reads, which it must not replace.
    pub fn check(&self, inputs: &[&Path]) -> Result<(), FlowError> {
        let refuse = |reason: String| FlowError::invalid(self.flag, reason);
        let shown = self.path.display();
        let extension = self
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let extensions = self.format.extensions();
        if !extension.is_some_and(|e| extensions.contains(&e.as_str())) {
            let endings: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
            return Err(refuse(format!(
                "{shown}: this writes {}, so the name must end in {}",
                self.format.what(),
                endings.join(" or ")
            )));
        }
        if self.path.is_dir() {
            return Err(refuse(format!("{shown} is a folder; give a file name")));
        }
        let Some(name) = self.path.file_name() else {
            return Err(refuse(format!("{shown} does not name a file")));
        };
        let folder = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            let reason = if folder.exists() {
                "is not a folder"
            } else {
                "does not exist (create it first)"
            };
            return Err(refuse(format!(
                "{shown}: the folder {} {reason}",
                folder.display()
            )));
        }
        let Ok(folder) = folder.canonicalize() else {
            return Ok(());
        };
        let target = folder.join(name);
        for input in inputs {
            let Ok(input) = input.canonicalize() else {
                continue;
            };
            if input == target {
                return Err(refuse(format!(
                    "{shown} is the input this command reads; write elsewhere"
                )));
            }
        }
        if let Some(run_file) = run_file(&target) {
            return Err(refuse(format!(
                "{shown} would replace {run_file} of the artifact directory {}; the files a \
                 training run wrote are never overwritten, write elsewhere",
                artifact_dir_of(&target).display()
            )));
        }
        Ok(())
    }
}

/// Checks every output of a command, and that no two are the same file.
pub fn check_outputs(outputs: &[Output<'_>], inputs: &[&Path]) -> Result<(), FlowError> {
    for (i, output) in outputs.iter().enumerate() {
        output.check(inputs)?;
        for other in &outputs[..i] {
            if same_place(output.path, other.path) {
                return Err(FlowError::invalid(
                    output.flag,
                    format!(
                        "{} is also given to {}; give each output its own file",
                        output.path.display(),
                        other.flag
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether two output paths (whose folders exist) name the same file.
fn same_place(a: &Path, b: &Path) -> bool {
    let place = |p: &Path| -> Option<PathBuf> {
        let folder = match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        Some(folder.canonicalize().ok()?.join(p.file_name()?))
    };
    place(a).is_some_and(|a| Some(a) == place(b))
}

/// The names of the files and folders a training run writes in its artifact directory.
fn run_names() -> Vec<String> {
    let paths = ArtifactPaths::new("");
    [
        paths.config(),
        paths.model(),
        paths.metrics(),
        paths.summary(),
        paths.loss_plot(),
        paths.density_plot(),
        paths.corner_plot(),
        paths.snapshots(),
        paths.checkpoints(),
        PathBuf::from(LOCK_FILE),
    ]
    .iter()
    .map(|p| p.to_string_lossy().to_lowercase())
    .collect()
}

/// Whether `dir` holds a trained model: a `config.json` beside a `model.bpk`.
fn is_artifact_dir(dir: &Path) -> bool {
    let paths = ArtifactPaths::new(dir);
    paths.config().is_file() && paths.model().is_file()
}

/// The artifact directory holding `target` (canonical), if it lies in one as a file the run
/// wrote: `config.json` itself, or anything inside `snapshots/`.
fn artifact_dir_of(target: &Path) -> PathBuf {
    target
        .ancestors()
        .skip(1)
        .find(|dir| is_artifact_dir(dir))
        .unwrap_or(target)
        .to_path_buf()
}

/// The run's file that `target` (a canonical path) would replace, as `model.bpk` or
/// `snapshots/…`, if it lies in an artifact directory as one of them. Names are compared
/// without regard to case, for the file systems that ignore it.
fn run_file(target: &Path) -> Option<String> {
    let names = run_names();
    for dir in target.ancestors().skip(1) {
        let Ok(inside) = target.strip_prefix(dir) else {
            continue;
        };
        let Some(Component::Normal(first)) = inside.components().next() else {
            continue;
        };
        if names.contains(&first.to_string_lossy().to_lowercase()) && is_artifact_dir(dir) {
            return Some(inside.display().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flow-train-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn refusal(path: &Path, format: Format, inputs: &[&Path]) -> String {
        let error = Output::new("--out", path, format)
            .check(inputs)
            .unwrap_err();
        assert_eq!(error.exit_code(), 2);
        let message = error.to_string();
        assert!(message.contains("--out"), "{message}");
        message
    }

    #[test]
    fn the_extension_follows_the_format() {
        let dir = scratch("ext");
        for (name, format) in [
            ("d.png", Format::Png),
            ("D.PNG", Format::Png),
            ("s.csv", Format::Csv),
            ("s.csv", Format::Rows),
            ("s.NPY", Format::Rows),
            ("p.json", Format::Json),
        ] {
            Output::new("--out", &dir.join(name), format)
                .check(&[])
                .unwrap();
        }
        for (name, format, wanted) in [
            ("d.txt", Format::Png, ".png"),
            ("d", Format::Png, ".png"),
            ("s.png", Format::Csv, ".csv"),
            ("s.npy", Format::Csv, ".csv"),
            ("s.txt", Format::Rows, ".csv or .npy"),
            ("p.csv", Format::Json, ".json"),
        ] {
            let message = refusal(&dir.join(name), format, &[]);
            assert!(message.contains(wanted), "{message}");
            assert!(message.contains(name), "{message}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_folder_is_named_as_given() {
        let dir = scratch("folder");
        let missing = dir.join("no-such-folder").join("d.png");
        let message = refusal(&missing, Format::Png, &[]);
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
        assert!(message.contains("does not exist"), "{message}");
        assert!(!message.contains(".tmp"), "{message}");
        let file = dir.join("plain");
        std::fs::write(&file, "x").unwrap();
        let message = refusal(&file.join("d.png"), Format::Png, &[]);
        assert!(message.contains("is not a folder"), "{message}");
        let folder = dir.join("a.csv");
        std::fs::create_dir_all(&folder).unwrap();
        let message = refusal(&folder, Format::Csv, &[]);
        assert!(message.contains("is a folder"), "{message}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_files_of_a_run_and_the_input_are_never_replaced() {
        let dir = scratch("run");
        let run = dir.join("run");
        std::fs::create_dir_all(run.join("snapshots")).unwrap();
        std::fs::write(run.join("config.json"), "{}").unwrap();
        std::fs::write(run.join("model.bpk"), "m").unwrap();
        for (name, format) in [
            ("config.json", Format::Json),
            ("summary.json", Format::Json),
            ("metrics.csv", Format::Csv),
            ("Metrics.CSV", Format::Csv),
            ("density.png", Format::Png),
            ("loss.png", Format::Png),
            ("snapshots/density-epoch-000010.png", Format::Png),
        ] {
            let message = refusal(&run.join(name), format, &[]);
            assert!(message.contains("artifact directory"), "{name}: {message}");
        }
        // Reached by another spelling of the same folder.
        let roundabout = run.join("snapshots").join("..").join("metrics.csv");
        refusal(&roundabout, Format::Csv, &[]);
        // New files beside the run's are fine, and so are those names elsewhere.
        Output::new("--out", &run.join("samples.csv"), Format::Csv)
            .check(&[])
            .unwrap();
        Output::new("--out", &dir.join("metrics.csv"), Format::Csv)
            .check(&[])
            .unwrap();
        // The input itself.
        let input = dir.join("points.csv");
        std::fs::write(&input, "1,2\n").unwrap();
        let message = refusal(&input, Format::Csv, &[&input]);
        assert!(message.contains("input"), "{message}");
        // Two outputs on one file.
        let twice = [
            Output::new("--out", &input, Format::Csv),
            Output::new("--csv", &input, Format::Csv),
        ];
        let message = check_outputs(&twice, &[]).unwrap_err().to_string();
        assert!(message.contains("--csv"), "{message}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

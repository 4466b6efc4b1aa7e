//! Reliability of the binary end to end: runs that diverge without NaN, two runs on one
//! artifact directory, output paths, and bad input to every command (`fit`, `data`,
//! `encode`, `decode`, `train --data`, `--flow`): one line, a non-zero exit, nothing
//! half-written.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use flow_train::infer::inference::TrainedFlow;
use flow_train::train::divergence::Cause;
use flow_train::train::monitor::StopReason;
use flow_train::train::replay::replay;

use crate::common::{
    flow_train, fresh_path, run_err, run_ok, s, scratch_dir, seed_preset_args, summary,
};

/// Trains the seed preset with `extra` flags in a fresh directory; returns it, the exit code
/// and stderr.
fn seed_run(name: &str, extra: &[&str]) -> (PathBuf, Option<i32>, String) {
    let dir = fresh_path(name);
    let mut args = seed_preset_args(&dir);
    args.extend_from_slice(extra);
    let output = flow_train(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{extra:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{extra:?}: {stderr}");
    (dir, output.status.code(), stderr)
}

/// The divergence recorded in `dir`'s summary: epoch, cause, value.
fn diverged(dir: &Path) -> (usize, Cause, Option<f64>) {
    match summary(dir).stopped {
        StopReason::Diverged {
            epoch,
            cause,
            value,
        } => (epoch, cause, value),
        other => panic!("{}: stopped {other:?}", dir.display()),
    }
}

#[test]
fn an_explosion_that_stays_finite_is_a_divergence() {
    // The report: `--lr 1e6` explodes in the first epoch to 1e13 and stays finite.
    let (dir, code, stderr) = seed_run("explode-1e6", &["--lr", "1e6", "--max-epochs", "300"]);
    assert_eq!(code, Some(1), "{stderr}");
    for needle in [
        "exploded at epoch 1",
        "--lr",
        "untrained model scored",
        "no model",
    ] {
        assert!(stderr.contains(needle), "no `{needle}` in {stderr}");
    }
    let (epoch, cause, value) = diverged(&dir);
    assert_eq!((epoch, cause), (1, Cause::Exploded));
    assert!(value.unwrap() > 1e9, "{value:?}");
    let recorded = summary(&dir);
    assert_eq!(recorded.best_epoch, None);
    assert_eq!(recorded.epochs, 1);
    let start = recorded.initial_valid.unwrap();
    assert!(start > 4.0 && start < 8.0, "untrained NLL {start}");
    assert!(!dir.join("model.bpk").exists());
    let _ = std::fs::remove_dir_all(&dir);

    // A rate of 3 makes progress for three epochs, then explodes at epoch 7: the best model,
    // of epoch 3, stays and scores as the summary says.
    let (dir, code, stderr) = seed_run(
        "explode-3",
        &["--lr", "3", "--schedule", "constant", "--max-epochs", "100"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    let (epoch, cause, _) = diverged(&dir);
    assert_eq!(cause, Cause::Exploded);
    let recorded = summary(&dir);
    let best = recorded.best_epoch.unwrap();
    assert!(best < epoch, "best {best}, diverged at {epoch}");
    assert!(
        stderr.contains(&format!("exploded at epoch {epoch}"))
            && stderr.contains(&format!("epoch {best}")),
        "{stderr}"
    );
    let device = burn::tensor::Device::flex();
    let trained = TrainedFlow::load(&dir, &device).unwrap();
    let splits = flow_train::train::training::rebuild_splits(&trained.config).unwrap();
    let test = trained.mean_nll(splits.test.values(), &device);
    assert_eq!(Some(test), recorded.test_nll);

    // Replayed over metrics.csv, the rule gives the same verdict, with the untrained value
    // recorded in summary.json or, for runs that lack it, computed again from config.json.
    let replayed = replay(&dir, &device).unwrap();
    assert!(replayed.start_recorded);
    let verdict = replayed.verdict.unwrap();
    assert_eq!((verdict.epoch, verdict.cause), (epoch, Cause::Exploded));
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("initial_valid");
    std::fs::write(dir.join("summary.json"), json.to_string()).unwrap();
    let recomputed = replay(&dir, &device).unwrap();
    assert!(!recomputed.start_recorded);
    assert_eq!(recomputed.baseline.start, recorded.initial_valid);
    assert_eq!(recomputed.verdict, replayed.verdict);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_never_better_than_its_untrained_model_is_a_divergence() {
    // A rate of 1 leaves every epoch of the seed preset above the untrained model's NLL
    // (5.42) without exploding or turning NaN within 100 epochs.
    let (dir, code, stderr) = seed_run(
        "no-progress",
        &["--lr", "1", "--schedule", "constant", "--max-epochs", "100"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    for needle in [
        "from epoch 1 to 100",
        "no validation NLL was better than the untrained model's",
        "--lr",
        "worse than the untrained one",
    ] {
        assert!(stderr.contains(needle), "no `{needle}` in {stderr}");
    }
    let (epoch, cause, value) = diverged(&dir);
    assert_eq!((epoch, cause), (1, Cause::NoProgress));
    let recorded = summary(&dir);
    assert_eq!(recorded.epochs, 100);
    let replayed = replay(&dir, &burn::tensor::Device::flex()).unwrap();
    assert_eq!(
        replayed.verdict.map(|v| (v.epoch, v.cause, v.value)),
        Some((1, Cause::NoProgress, value))
    );
    assert!(value.unwrap() > recorded.initial_valid.unwrap());
    assert_eq!(value, recorded.best_valid_nll);
    // The model is kept (it is the run's best) and still loads.
    let device = burn::tensor::Device::flex();
    TrainedFlow::load(&dir, &device).unwrap();
    // A diverged run is not resumed.
    run_err(
        &[
            "train",
            "--resume",
            "--device",
            "flex",
            "--artifact-dir",
            s(&dir),
        ],
        2,
        &["--resume", "diverged at epoch 1", "lower --lr"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_fit_that_explodes_is_a_divergence_and_a_short_one_is_not() {
    let fit = |name: &str, extra: &[&str]| {
        let dir = fresh_path(name);
        let mut args = vec![
            "fit",
            "--target",
            "u1",
            "--layers",
            "8",
            "--samples-per-step",
            "256",
            "--base",
            "standard-normal",
            "--schedule",
            "constant",
            "--eval-samples",
            "2000",
            "--plot-every",
            "0",
            "--device",
            "flex",
            "--artifact-dir",
            s(&dir),
        ];
        args.extend_from_slice(extra);
        let output = flow_train(&args);
        (dir, output)
    };
    let (dir, output) = fit(
        "fit-explode",
        &["--lr", "1e6", "--steps", "100", "--steps-per-epoch", "20"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("validation loss exploded at epoch"),
        "{stderr}"
    );
    assert_eq!(diverged(&dir).1, Cause::Exploded);
    let _ = std::fs::remove_dir_all(&dir);
    // Still annealing when it ends, with the energy's weight near 0.01: the flow spreads out
    // and its unannealed loss rises well above the untrained model's, as it should. That is
    // not a divergence (the rule judges progress only after the annealing).
    let (dir, output) = fit(
        "fit-annealing",
        &[
            "--lr",
            "0.03",
            "--steps-per-epoch",
            "50",
            "--steps",
            "150",
            "--anneal-steps",
            "100000",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded = summary(&dir);
    assert_eq!(recorded.stopped, StopReason::MaxEpochs);
    let (best, start) = (recorded.loss.unwrap(), recorded.initial_valid.unwrap());
    assert!(best > start + 10.0, "best loss {best}, untrained {start}");
    let replayed = replay(&dir, &burn::tensor::Device::flex()).unwrap();
    assert_eq!(replayed.verdict, None);
    assert!(replayed.closeness.progress.unwrap() < 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts a long seed-preset run in `dir`; returns once it has saved a model.
fn start_long_run(dir: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_flow-train"))
        .args(["train", "--preset", "seed", "--plot-every", "0"])
        .args(["--device", "flex", "--artifact-dir", s(dir)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.join("model.bpk").exists() {
        assert!(Instant::now() < deadline, "no model saved within a minute");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn one_run_at_a_time_writes_an_artifact_directory() {
    let dir = fresh_path("locked");
    let mut first = start_long_run(&dir);
    let pid = first.id().to_string();
    let holder = format!("process {pid}");
    // A second run, a resume and a fit into the same directory are refused at once, naming
    // the holder; the files the first one wrote are untouched.
    let config = std::fs::read(dir.join("config.json")).unwrap();
    for args in [
        &["train", "--preset", "seed", "--max-epochs", "2"][..],
        &["train", "--resume"][..],
        &["fit", "--target", "u1", "--steps", "10"][..],
    ] {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--device", "flex", "--artifact-dir", s(&dir)]);
        run_err(&all, 1, &[&holder, "in use", "--artifact-dir", s(&dir)]);
    }
    assert_eq!(std::fs::read(dir.join("config.json")).unwrap(), config);
    // Inference keeps working meanwhile.
    run_ok(&["eval", "--artifact-dir", s(&dir), "--device", "flex"]);
    let samples = fresh_path("locked-samples.csv");
    run_ok(&[
        "sample",
        "--artifact-dir",
        s(&dir),
        "--device",
        "flex",
        "-n",
        "100",
        "--out",
        s(&samples),
    ]);
    assert!(samples.is_file());
    let _ = std::fs::remove_file(&samples);
    // The lock dies with its holder, however it ends: after kill -9 a new run proceeds.
    first.kill().unwrap();
    first.wait().unwrap();
    let lock = std::fs::read_to_string(dir.join(".flow-train.lock")).unwrap();
    assert!(lock.starts_with(&format!("{pid} ")), "{lock}");
    run_ok(&[
        "train",
        "--preset",
        "seed",
        "--max-epochs",
        "3",
        "--plot-every",
        "0",
        "--device",
        "flex",
        "--artifact-dir",
        s(&dir),
    ]);
    assert_eq!(summary(&dir).epochs, 3);
    // Released at the end of a run.
    assert_eq!(
        std::fs::read_to_string(dir.join(".flow-train.lock")).unwrap(),
        ""
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small trained model shared by the output tests.
fn model_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = fresh_path("outputs-model");
        run_ok(&[
            "train",
            "--train-size",
            "1024",
            "--valid-size",
            "256",
            "--test-size",
            "256",
            "--batch-size",
            "256",
            "--layers",
            "4",
            "--max-epochs",
            "2",
            "--plot-every",
            "1",
            "--device",
            "flex",
            "--artifact-dir",
            s(&dir),
        ]);
        dir
    })
}

/// The bytes of every file of the model's artifact directory, by name.
fn artifact_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in walk(dir) {
        let name = entry.strip_prefix(dir).unwrap().display().to_string();
        files.push((name, std::fs::read(&entry).unwrap()));
    }
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn output_paths_follow_their_format_and_never_replace_the_model() {
    let model = model_dir();
    let d = s(model);
    let work = scratch_dir("outputs");
    let w = |name: &str| work.join(name);
    let before = artifact_files(model);
    let points = w("points.csv");
    std::fs::write(&points, "x,y\n0.5,0.5\n-1,2\n").unwrap();
    let p = s(&points).to_string();
    let dev = ["--device", "flex"];
    let cmd = |head: &[&str], tail: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = head.iter().map(|a| a.to_string()).collect();
        all.extend(["--artifact-dir".into(), d.to_string()]);
        all.extend(dev.iter().map(|a| a.to_string()));
        all.extend(tail.iter().map(|a| a.to_string()));
        all
    };
    let missing = w("no-such-folder").join("d.png");
    let missing_csv = w("no-such-folder").join("s.csv");
    let snapshot = model.join("snapshots").join("density-epoch-000001.png");
    // (arguments, the flag named, words the line must hold)
    let cases: Vec<(Vec<String>, &str, Vec<String>)> = vec![
        // The format follows the extension.
        (
            cmd(&["density"], &["--out", s(&w("d.txt"))]),
            "--out",
            vec![".png".into()],
        ),
        (
            cmd(
                &["density"],
                &["--out", s(&w("d.png")), "--csv", s(&w("g.png"))],
            ),
            "--csv",
            vec![".csv".into()],
        ),
        (
            cmd(&["sample", "-n", "5"], &["--out", s(&w("s.png"))]),
            "--out",
            vec![".csv".into()],
        ),
        (
            cmd(
                &["sample", "-n", "5"],
                &["--out", s(&w("s.csv")), "--plot", s(&w("s.csv.txt"))],
            ),
            "--plot",
            vec![".png".into()],
        ),
        (
            cmd(&["export"], &["--out", s(&w("p.csv"))]),
            "--out",
            vec![".json".into()],
        ),
        (
            cmd(&["score", "--input", &p], &["--out", s(&w("o.json"))]),
            "--out",
            vec![".csv".into()],
        ),
        (
            cmd(&["encode", "--input", &p], &["--out", s(&w("z.png"))]),
            "--out",
            vec![".csv".into()],
        ),
        (
            cmd(&["decode", "--input", &p], &["--out", s(&w("x"))]),
            "--out",
            vec![".csv".into()],
        ),
        // A missing folder, named as given (not by a temporary file's name).
        (
            cmd(&["density"], &["--out", s(&missing)]),
            "--out",
            vec![s(&missing).into(), "does not exist".into()],
        ),
        (
            cmd(
                &["sample", "-n", "5"],
                &["--out", s(&w("s.csv")), "--plot", s(&missing)],
            ),
            "--plot",
            vec![s(&missing).into()],
        ),
        (
            cmd(&["score", "--input", &p], &["--out", s(&missing_csv)]),
            "--out",
            vec![s(&missing_csv).into()],
        ),
        // A folder is not a file.
        (
            cmd(&["export"], &["--out", s(&work)]),
            "--out",
            vec![".json".into()],
        ),
        // The report: `score --out D/model.bpk` replaced the model with a CSV.
        (
            cmd(
                &["score", "--input", &p],
                &["--out", s(&model.join("model.bpk"))],
            ),
            "--out",
            vec![".csv".into()],
        ),
        // The run's own files, of the right extension, are refused too.
        (
            cmd(
                &["score", "--input", &p],
                &["--out", s(&model.join("metrics.csv"))],
            ),
            "--out",
            vec!["metrics.csv".into(), "artifact directory".into()],
        ),
        (
            cmd(&["export"], &["--out", s(&model.join("config.json"))]),
            "--out",
            vec!["config.json".into()],
        ),
        (
            cmd(&["export"], &["--out", s(&model.join("summary.json"))]),
            "--out",
            vec!["summary.json".into()],
        ),
        (
            cmd(&["density"], &["--out", s(&model.join("density.png"))]),
            "--out",
            vec!["density.png".into()],
        ),
        (
            cmd(
                &["sample", "-n", "5"],
                &[
                    "--out",
                    s(&w("s.csv")),
                    "--plot",
                    s(&model.join("loss.png")),
                ],
            ),
            "--plot",
            vec!["loss.png".into()],
        ),
        (
            cmd(&["density"], &["--out", s(&snapshot)]),
            "--out",
            vec!["snapshots".into()],
        ),
        (
            cmd(
                &["density"],
                &[
                    "--out",
                    s(&w("d.png")),
                    "--csv",
                    s(&model.join("metrics.csv")),
                ],
            ),
            "--csv",
            vec!["metrics.csv".into()],
        ),
        // figure and sample --images, like every picture.
        (
            cmd(&["figure"], &["--out", s(&w("f.txt"))]),
            "--out",
            vec![".png".into()],
        ),
        (
            cmd(&["figure"], &["--out", s(&missing)]),
            "--out",
            vec![s(&missing).into()],
        ),
        (
            cmd(&["figure"], &["--out", s(&model.join("density.png"))]),
            "--out",
            vec!["density.png".into()],
        ),
        (
            cmd(
                &["sample", "-n", "5"],
                &[
                    "--out",
                    s(&w("s.csv")),
                    "--images",
                    s(&w("i.csv")),
                    "--image-shape",
                    "1x2",
                ],
            ),
            "--images",
            vec![".png".into()],
        ),
        (
            cmd(
                &["sample", "-n", "5"],
                &[
                    "--out",
                    s(&w("s.csv")),
                    "--images",
                    s(&model.join("corner.png")),
                    "--image-shape",
                    "1x2",
                ],
            ),
            "--images",
            vec!["corner.png".into()],
        ),
        // The input itself.
        (
            cmd(&["score", "--input", &p], &["--out", &p]),
            "--out",
            vec!["input".into()],
        ),
        (
            cmd(&["decode", "--input", &p], &["--out", &p]),
            "--out",
            vec!["input".into()],
        ),
    ];
    for (args, flag, words) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut needles: Vec<&str> = vec![flag];
        needles.extend(words.iter().map(String::as_str));
        let stderr = run_err(&args, 2, &needles);
        assert!(!stderr.contains(".tmp"), "{args:?}: {stderr}");
    }
    // Nothing was written anywhere, and the run's files are untouched.
    let written: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["points.csv"]);
    assert_eq!(
        std::fs::read_to_string(&points).unwrap(),
        "x,y\n0.5,0.5\n-1,2\n"
    );
    assert!(
        artifact_files(model) == before,
        "the artifact directory changed"
    );
    run_ok(&["eval", "--artifact-dir", d, "--device", "flex"]);

    // New files beside the run's are allowed, in upper case too.
    let beside = model.join("mine.CSV");
    run_ok(
        &cmd(&["score", "--input", &p], &["--out", s(&beside)])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(beside.is_file());
    let _ = std::fs::remove_file(&beside);

    // `data` checks its output the same way.
    run_err(
        &[
            "data",
            "--dataset",
            "moons",
            "-n",
            "10",
            "--out",
            s(&w("m.txt")),
        ],
        2,
        &["--out", ".csv"],
    );
    run_err(
        &[
            "data",
            "--dataset",
            "moons",
            "-n",
            "10",
            "--out",
            s(&missing_csv),
        ],
        2,
        &["--out", s(&missing_csv)],
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn every_command_refuses_bad_input_with_one_line_and_writes_nothing() {
    let model = model_dir();
    let d = s(model);
    let work = scratch_dir("bad-input");
    let w = |name: &str| work.join(name);
    let out = w("out.csv");
    let o = s(&out).to_string();

    // encode and decode: missing, ragged, non-numeric, non-finite and empty files, and a
    // result beyond f32 (score of a point at 3e38).
    let inputs: [(&str, &str, &[&str]); 6] = [
        ("ragged.csv", "1,2\n3,4,5\n", &["line 2", "3 columns"]),
        (
            "word.csv",
            "x,y\n1,2\n3,abc\n",
            &["line 3", "column 2", "abc"],
        ),
        (
            "nan.csv",
            "1,2\nnan,0\n",
            &["line 2", "column 1", "not finite"],
        ),
        (
            "inf.csv",
            "1,2\n0,-inf\n",
            &["line 2", "column 2", "not finite"],
        ),
        ("empty.csv", "", &["no data rows"]),
        ("header.csv", "a,b\n", &["no data rows"]),
    ];
    for command in ["encode", "decode", "score"] {
        let map = |input: &Path, needles: &[&str]| {
            run_err(
                &[
                    command,
                    "--artifact-dir",
                    d,
                    "--device",
                    "flex",
                    "--input",
                    s(input),
                    "--out",
                    &o,
                ],
                2,
                needles,
            );
            assert!(!out.exists(), "{command} {} left {o}", input.display());
        };
        map(&w("missing.csv"), &["missing.csv"]);
        for (name, content, needles) in inputs {
            let input = w(name);
            std::fs::write(&input, content).unwrap();
            map(&input, needles);
        }
    }
    let far = w("far.csv");
    std::fs::write(&far, "x,y\n1,2\n3e38,-3e38\n").unwrap();
    run_err(
        &[
            "score",
            "--artifact-dir",
            d,
            "--device",
            "flex",
            "--input",
            s(&far),
            "--out",
            &o,
        ],
        2,
        &["--input", "data row 2", "not finite"],
    );
    assert!(!out.exists());

    // data: bad sizes and names.
    for (extra, named) in [
        (&["-n", "0"][..], "-n"),
        (&["-n", "-3"][..], "-n"),
        (&["-n", "100000000000"][..], "-n"),
        (&["-n", "10", "--seed", "x"][..], "--seed"),
    ] {
        let mut args = vec!["data", "--dataset", "moons", "--out", &o];
        args.extend_from_slice(extra);
        run_err(&args, 2, &[named]);
        assert!(!out.exists());
    }
    run_err(
        &["data", "--dataset", "spirals", "-n", "10", "--out", &o],
        2,
        &["spirals"],
    );

    // train --data and --flow, fit: flags and files refused before a directory is made.
    let points = w("points.csv");
    let rows: String = (0..300)
        .map(|i| format!("{},{}\n", (i as f64 * 0.37).sin(), (i as f64 * 0.11).cos()))
        .collect();
    std::fs::write(&points, rows).unwrap();
    let huge = w("huge.csv");
    let rows: String = (0..300)
        .map(|i| format!("{}e30,{}\n", i % 17, i % 5))
        .collect();
    std::fs::write(&huge, rows).unwrap();
    let run_dir = fresh_path("bad-input-run");
    let r = s(&run_dir).to_string();
    let pts = s(&points).to_string();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["train", "--data", &pts, "--valid-fraction", "1.5"],
            vec!["--valid-fraction"],
        ),
        (
            vec!["train", "--data", &pts, "--test-fraction", "nan"],
            vec!["--test-fraction"],
        ),
        (
            vec!["train", "--data", &pts, "--test-fraction", "-0.1"],
            vec!["--test-fraction"],
        ),
        (
            vec![
                "train",
                "--data",
                &pts,
                "--valid-fraction",
                "0.5",
                "--test-fraction",
                "0.5",
            ],
            vec!["--valid-fraction", "no training rows"],
        ),
        (vec!["train", "--data", s(&work)], vec!["is a directory"]),
        (
            vec!["train", "--data", s(&huge), "--standardize", "false"],
            vec!["--standardize", "untrained model", "inf"],
        ),
        (
            vec!["train", "--flow", "nsf", "--bins", "0"],
            vec!["--bins"],
        ),
        (
            vec!["train", "--flow", "nsf", "--tail-bound", "nan"],
            vec!["--tail-bound"],
        ),
        (
            vec!["train", "--flow", "nsf", "--tail-bound", "inf"],
            vec!["--tail-bound"],
        ),
        (
            vec!["train", "--flow", "realnvp", "--hidden", "0"],
            vec!["--hidden"],
        ),
        (
            vec!["train", "--flow", "realnvp", "--depth", "0"],
            vec!["--depth"],
        ),
        (
            vec!["train", "--flow", "planar", "--bins", "8"],
            vec!["--bins"],
        ),
        (vec!["train", "--flow", "glow"], vec!["glow"]),
        (
            vec!["train", "--train-size", "100000000000"],
            vec!["--train-size"],
        ),
        (
            vec!["train", "--batch-size", "100000000000"],
            vec!["--batch-size"],
        ),
        (
            vec!["fit", "--target", "u1", "--eval-samples", "100000000000"],
            vec!["--eval-samples"],
        ),
        (
            vec![
                "fit",
                "--target",
                "u1",
                "--samples-per-step",
                "100000000000",
            ],
            vec!["--samples-per-step"],
        ),
        (
            vec!["fit", "--target", "u1", "--valid-samples", "0"],
            vec!["--valid-samples"],
        ),
        (
            vec!["fit", "--target", "u1", "--anneal-steps", "-1"],
            vec!["--anneal-steps"],
        ),
        (
            vec!["fit", "--target", "u1", "--base", "cauchy"],
            vec!["cauchy"],
        ),
        (
            vec!["fit", "--target", "u1", "--lr", "-1e400"],
            vec!["--lr"],
        ),
    ];
    for (mut args, needles) in cases {
        args.extend_from_slice(&["--device", "flex", "--artifact-dir", &r]);
        run_err(&args, 2, &needles);
        assert!(!run_dir.exists(), "{args:?} made {r}");
    }
    // A resume with the other command is refused: the model directory holds a density run.
    run_err(
        &["fit", "--target", "u1", "--resume", "--artifact-dir", d],
        2,
        &["--resume", "flow-train train --resume"],
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flow-train"))
        .args(["bench", "--quick", "--flow", "planar", "--device", "flex"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout); // as `| head -c 16` does
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(
        matches!(output.status.code(), Some(0 | 141)),
        "{:?}",
        output.status
    );
}

#[test]
fn devices_beside_device_is_refused_in_one_line() {
    let dir = fresh_path("devices-and-device");
    run_err(
        &[
            "train",
            "--device",
            "flex",
            "--devices",
            "flex,flex",
            "--artifact-dir",
            s(&dir),
        ],
        2,
        &["--devices", "--device"],
    );
    assert!(!dir.exists());
    run_err(
        &["bench", "--device", "flex", "--devices", "flex"],
        2,
        &["--devices", "--device"],
    );
    run_err(
        &[
            "train",
            "--devices",
            "flex,,flex",
            "--artifact-dir",
            s(&dir),
        ],
        2,
        &["--devices", "item 2", "empty"],
    );
    assert!(!dir.exists());
}

#[test]
fn files_carry_their_format_version_and_a_newer_one_is_refused_in_one_line() {
    let source = model_dir();
    let json = |path: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let version = flow_train::format::FORMAT_VERSION;
    assert_eq!(json(&source.join("config.json"))["format_version"], version);
    assert_eq!(
        json(&source.join("summary.json"))["format_version"],
        version
    );
    let export = fresh_path("format-export.json");
    run_ok(&["export", "--artifact-dir", s(source), "--out", s(&export)]);
    assert_eq!(json(&export)["format_version"], version);

    // A copy whose config.json says it comes from a later release.
    let dir = scratch_dir("format-newer");
    for name in ["config.json", "model.bpk", "summary.json"] {
        std::fs::copy(source.join(name), dir.join(name)).unwrap();
    }
    let mut config = json(&dir.join("config.json"));
    config["format_version"] = serde_json::json!(version + 1);
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    run_err(
        &["eval", "--artifact-dir", s(&dir), "--device", "flex"],
        1,
        &["format_version", "newer", "update flow-train"],
    );
    // Without the field, a file is of version 1, which this release reads.
    config.as_object_mut().unwrap().remove("format_version");
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    run_ok(&["eval", "--artifact-dir", s(&dir), "--device", "flex"]);
}

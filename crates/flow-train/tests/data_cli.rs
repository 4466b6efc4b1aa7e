//! The data a user brings: toy sets written by `data`, training on a CSV file of any
//! dimension with standardisation (every number in the file's units), `encode`/`decode`,
//! and the errors of bad files.

use std::path::Path;

use flow_train::train::summary::RunSummary;
use serde_json::Value;

use crate::common::{assert_png, flow_train, fresh_path, run_err, run_ok, s, scratch_dir, summary};

/// Rows of `dim` columns: correlated Gaussian-like points scaled by `scale` and shifted by
/// `shift`, deterministic (a small linear congruential generator).
fn synthetic_rows(n: usize, dim: usize, scale: f64, shift: f64) -> Vec<Vec<f64>> {
    let mut state: u64 = 42;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    (0..n)
        .map(|_| {
            // A sum of uniforms is close to Gaussian; the columns share a common term.
            let common: f64 = (0..4).map(|_| uniform()).sum::<f64>() - 2.0;
            (0..dim)
                .map(|d| {
                    let own: f64 = (0..4).map(|_| uniform()).sum::<f64>() - 2.0;
                    shift + scale * ((d + 1) as f64 * own + common)
                })
                .collect()
        })
        .collect()
}

fn write_csv(path: &Path, header: Option<&str>, rows: &[Vec<f64>]) {
    let mut text = header.map(|h| format!("{h}\n")).unwrap_or_default();
    for row in rows {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The values of a CSV file written by flow-train (one header row).
fn read_values(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| line.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// Trains a small RealNVP flow on `data` into `dir`.
fn train_on(data: &Path, dir: &Path) -> RunSummary {
    run_ok(&[
        "train",
        "--flow",
        "realnvp",
        "--transforms",
        "4",
        "--hidden",
        "16",
        "--data",
        s(data),
        "--max-epochs",
        "15",
        "--batch-size",
        "100",
        "--seed",
        "5",
        "--device",
        "flex",
        "--artifact-dir",
        s(dir),
    ]);
    summary(dir)
}

#[test]
fn data_writes_reproducible_points_of_every_set() {
    let work = scratch_dir("data-command");
    for name in [
        "checkerboard",
        "8gaussians",
        "circles",
        "rings",
        "moons",
        "swissroll",
        "2spirals",
        "pinwheel",
    ] {
        let [a, b, c] = ["a", "b", "c"].map(|t| work.join(format!("{name}-{t}.csv")));
        for (path, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
            run_ok(&[
                "data",
                "--dataset",
                name,
                "-n",
                "500",
                "--seed",
                seed,
                "--out",
                s(path),
            ]);
        }
        let text = std::fs::read_to_string(&a).unwrap();
        assert!(text.starts_with("x,y\n"), "{name}");
        assert_eq!(text.lines().count(), 501, "{name}");
        assert_eq!(
            text,
            std::fs::read_to_string(&b).unwrap(),
            "{name}: same seed"
        );
        assert_ne!(
            text,
            std::fs::read_to_string(&c).unwrap(),
            "{name}: other seed"
        );
    }
    let stderr = run_err(
        &[
            "data",
            "--dataset",
            "spiral",
            "-n",
            "5",
            "--out",
            s(&work.join("x.csv")),
        ],
        2,
        &["spiral", "checkerboard", "8gaussians", "pinwheel"],
    );
    assert!(!work.join("x.csv").exists(), "{stderr}");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_csv_file_trains_in_its_own_units() {
    let work = scratch_dir("csv-units");
    let dim = 3;
    let rows = synthetic_rows(1000, dim, 1.0, 0.0);
    // The same points in other units: ×10 and shifted by 100.
    let scaled: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| r.iter().map(|v| 100.0 + 10.0 * v).collect())
        .collect();
    let (plain, big) = (work.join("plain.csv"), work.join("big.csv"));
    write_csv(&plain, Some("a,b,c"), &rows);
    write_csv(&big, None, &scaled);
    let (plain_dir, big_dir) = (work.join("plain"), work.join("big"));
    let plain_run = train_on(&plain, &plain_dir);
    let big_run = train_on(&big, &big_dir);

    // Standardised, both files are the same data, so the models are the same and the NLLs
    // differ by the log-Jacobian of the change of units, D ln 10.
    let shift = dim as f64 * 10f64.ln();
    let (a, b) = (plain_run.test_nll.unwrap(), big_run.test_nll.unwrap());
    assert!(
        (b - a - shift).abs() < 1e-3,
        "test NLL {a} vs {b}: difference {} (D ln 10 = {shift})",
        b - a
    );
    assert_eq!(
        (plain_run.n_train, plain_run.n_valid, plain_run.n_test),
        (800, 100, 100)
    );
    let config = read_json(&big_dir.join("config.json"));
    assert_eq!(config["standardize"], true);
    let mean: Vec<f64> = serde_json::from_value(config["standardizer"]["mean"].clone()).unwrap();
    assert!(mean.iter().all(|m| (m - 100.0).abs() < 3.0), "{mean:?}");

    // eval reproduces the summary, in the file's units.
    let eval: Value = serde_json::from_str(
        run_ok(&[
            "eval",
            "--artifact-dir",
            s(&big_dir),
            "--device",
            "flex",
            "--json",
        ])
        .trim(),
    )
    .unwrap();
    assert!(
        (eval["test_nll"].as_f64().unwrap() - b).abs() < 1e-5,
        "{eval}"
    );

    // score: the same points in both units differ by D ln 10.
    let (plain_scores, big_scores) = (work.join("plain-scores.csv"), work.join("big-scores.csv"));
    for (dir, input, out) in [
        (&plain_dir, &plain, &plain_scores),
        (&big_dir, &big, &big_scores),
    ] {
        run_ok(&[
            "score",
            "--artifact-dir",
            s(dir),
            "--device",
            "flex",
            "--input",
            s(input),
            "--out",
            s(out),
        ]);
    }
    for (p, q) in read_values(&plain_scores)
        .iter()
        .zip(read_values(&big_scores))
    {
        assert!((p[0] - q[0] - shift).abs() < 1e-3, "{} vs {}", p[0], q[0]);
    }

    // sample: in the file's units (means near 100, spread near 10 × the plain spread).
    let samples = work.join("samples.csv");
    run_ok(&[
        "sample",
        "--artifact-dir",
        s(&big_dir),
        "--device",
        "flex",
        "-n",
        "4000",
        "--out",
        s(&samples),
    ]);
    let drawn = read_values(&samples);
    assert_eq!(drawn.len(), 4000);
    assert_eq!(drawn[0].len(), dim);
    for d in 0..dim {
        let data_mean = scaled.iter().map(|r| r[d]).sum::<f64>() / scaled.len() as f64;
        let sample_mean = drawn.iter().map(|r| r[d]).sum::<f64>() / drawn.len() as f64;
        let spread = 10.0 * (d + 2) as f64;
        assert!(
            (sample_mean - data_mean).abs() < 0.2 * spread,
            "column {d}: samples {sample_mean}, data {data_mean}"
        );
    }

    // Pictures of data of three dimensions: a corner plot (also written by training) and
    // rows drawn as 1×3 images; bad picture flags get one line.
    assert_png(&big_dir.join("corner.png"));
    let (corner, images) = (work.join("corner.png"), work.join("images.png"));
    let model = ["--artifact-dir", s(&big_dir), "--device", "flex"];
    let pictures = [
        "-n",
        "300",
        "--out",
        s(&samples),
        "--plot",
        s(&corner),
        "--plot-dims",
        "3,1",
        "--images",
        s(&images),
        "--image-shape",
        "1x3",
    ];
    run_ok(&[&["sample"][..], &model, &pictures].concat());
    assert_png(&corner);
    assert_png(&images);
    for (flags, needle) in [
        (
            &["--plot", s(&corner), "--plot-dims", "4"][..],
            "--plot-dims",
        ),
        (
            &["--plot", s(&corner), "--plot-dims", "0"][..],
            "--plot-dims",
        ),
        (
            &["--images", s(&images), "--image-shape", "2x2"][..],
            "--image-shape",
        ),
        (
            &["--images", s(&images), "--image-shape", "3"][..],
            "--image-shape",
        ),
    ] {
        let args = [
            &["sample"][..],
            &model,
            &["-n", "10", "--out", s(&samples)],
            flags,
        ]
        .concat();
        run_err(&args, 2, &[needle]);
    }

    // encode then decode gives the points back.
    let (codes, back) = (work.join("codes.csv"), work.join("back.csv"));
    run_ok(
        &[
            &["encode"][..],
            &model,
            &["--input", s(&big), "--out", s(&codes)],
        ]
        .concat(),
    );
    run_ok(
        &[
            &["decode"][..],
            &model,
            &["--input", s(&codes), "--out", s(&back)],
        ]
        .concat(),
    );
    let code_rows = read_values(&codes);
    assert_eq!(code_rows.len(), scaled.len());
    for (original, again) in scaled.iter().zip(read_values(&back)) {
        for (x, y) in original.iter().zip(&again) {
            assert!(
                (x - y).abs() < 1e-3 * x.abs().max(1.0),
                "{original:?} → {again:?}"
            );
        }
    }
    // The codes of the data look like the base distribution: mean near 0, variance near 1.
    for d in 0..dim {
        let column: Vec<f64> = code_rows.iter().map(|r| r[d]).collect();
        let mean = column.iter().sum::<f64>() / column.len() as f64;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64;
        assert!(
            mean.abs() < 0.3 && (var - 1.0).abs() < 0.4,
            "z{d}: mean {mean}, var {var}"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn bad_data_files_fail_with_one_line_and_write_nothing() {
    let work = scratch_dir("csv-errors");
    let train = |data: &Path, extra: &[&str], needles: &[&str]| {
        let dir = fresh_path("csv-errors-run");
        let mut args = vec![
            "train",
            "--flow",
            "nsf",
            "--data",
            s(data),
            "--device",
            "flex",
            "--artifact-dir",
            s(&dir),
        ];
        args.extend_from_slice(extra);
        run_err(&args, 2, needles);
        assert!(!dir.exists(), "{} was created", dir.display());
    };
    train(&work.join("missing.csv"), &[], &["missing.csv"]);
    let cases: [(&str, &str, &[&str]); 5] = [
        ("ragged.csv", "1,2\n3,4\n5,6,7\n", &["line 3", "3 columns"]),
        (
            "word.csv",
            "a,b\n1,2\n3,x\n",
            &["line 3", "column 2", "`x`"],
        ),
        (
            "nan.csv",
            "1,2\nNaN,4\n",
            &["line 2", "column 1", "not finite"],
        ),
        ("empty.csv", "", &["no data rows"]),
        ("few.csv", "1,2\n3,4\n", &["rows"]),
    ];
    for (name, content, needles) in cases {
        let path = work.join(name);
        std::fs::write(&path, content).unwrap();
        train(&path, &[], needles);
    }
    let one_column = work.join("one.csv");
    write_csv(&one_column, None, &synthetic_rows(50, 1, 1.0, 0.0));
    train(&one_column, &[], &["--flow", "at least 2 dimensions"]);
    let dir = fresh_path("csv-flags");
    run_err(
        &[
            "train",
            "--data",
            s(&one_column),
            "--train-size",
            "10",
            "--artifact-dir",
            s(&dir),
        ],
        2,
        &["--train-size", "--valid-fraction"],
    );
    assert!(!dir.exists());
    let output = flow_train(&[
        "train",
        "--valid-fraction",
        "0.2",
        "--artifact-dir",
        s(&dir),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&work);
}

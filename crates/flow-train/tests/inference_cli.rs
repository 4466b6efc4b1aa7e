//! The inference subcommands of `flow-train` end to end (`eval`, `score`, `export`, `sample`,
//! `density`), checked against values computed independently: in-process with the library,
//! or from the exported JSON alone.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use burn::tensor::{Device, Tensor, TensorData};
use flow_train::infer::inference::TrainedFlow;
use flow_train::train::training::rebuild_splits;

use crate::common::{assert_png, run_err, run_ok, s, scratch_dir as scratch};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Removes the directories that earlier runs of this file left in the temporary directory
/// (the shared model cannot be removed when the tests end), where `/proc` shows that the
/// process that made them is gone.
fn remove_stale_dirs() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("flow-train-") else {
            continue;
        };
        let Some(Ok(pid)) = rest.split('-').next().map(str::parse::<u32>) else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The artifact directory of one small model, trained once for the whole file.
fn model_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        remove_stale_dirs();
        let dir = crate::common::fresh_path("inference-model");
        run_ok(&[
            "train",
            "--train-size",
            "2048",
            "--valid-size",
            "512",
            "--test-size",
            "1024",
            "--batch-size",
            "256",
            "--layers",
            "8",
            "--max-epochs",
            "6",
            "--plot-every",
            "0",
            "--seed",
            "5",
            "--device",
            "flex",
            "--artifact-dir",
            s(&dir),
        ]);
        dir
    })
}

fn device() -> Device {
    Device::flex()
}

fn load_model() -> TrainedFlow {
    TrainedFlow::load(model_dir(), &device()).expect("the trained model loads")
}

/// `|a − b| ≤ rel · max(|a|, |b|)`, or `≤ abs_floor`.
fn close(a: f64, b: f64, rel: f64, abs_floor: f64) -> bool {
    let diff = (a - b).abs();
    diff <= abs_floor || diff <= rel * a.abs().max(b.abs())
}

/// A small deterministic generator (SplitMix64) for test points.
struct Points(u64);

impl Points {
    fn next_f32(&mut self, lo: f32, hi: f32) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }
}

/// Rows of text for a score input: random points and some far away, each as written.
fn score_rows() -> Vec<[String; 2]> {
    let mut rng = Points(17);
    let mut rows: Vec<[String; 2]> = (0..1000)
        .map(|_| {
            [
                rng.next_f32(-6.0, 6.0).to_string(),
                rng.next_f32(-6.0, 6.0).to_string(),
            ]
        })
        .collect();
    for [x, y] in [
        ["1e3", "-50"],
        ["-50", "1e3"],
        ["0", "0"],
        ["-1000", "1000"],
        ["25.5", "-0.001"],
        ["3", "-3"],
    ] {
        rows.push([x.to_string(), y.to_string()]);
    }
    rows
}

fn parse_f32(text: &str) -> f32 {
    text.trim()
        .parse()
        .unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

/// The `log_prob` column of a `score` output.
fn read_score_output(path: &Path) -> Vec<f32> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("log_prob"), "{}", path.display());
    lines.map(parse_f32).collect()
}

/// Writes `rows` to `input` (with `header` first when given) and scores them.
fn score(input: &Path, out: &Path, header: Option<&str>, rows: &[[String; 2]]) -> Vec<f32> {
    let mut text = String::new();
    if let Some(header) = header {
        text.push_str(header);
        text.push('\n');
    }
    for [x, y] in rows {
        text.push_str(&format!("{x},{y}\n"));
    }
    std::fs::write(input, text).unwrap();
    let stdout = run_ok(&[
        "score",
        "--artifact-dir",
        s(model_dir()),
        "--device",
        "flex",
        "--input",
        s(input),
        "--out",
        s(out),
    ]);
    assert!(
        stdout.contains(&format!("scored {} rows", rows.len())),
        "{stdout}"
    );
    assert_eq!(
        stdout.contains("(after a header)"),
        header.is_some(),
        "{stdout}"
    );
    read_score_output(out)
}

/// The rows of a CSV file with a header, parsed as numbers.
fn read_numeric_csv(path: &Path, header: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}", path.display());
    lines
        .map(|line| {
            line.split(',')
                .map(|v| {
                    v.parse::<f64>()
                        .unwrap_or_else(|e| panic!("{}: `{line}`: {e}", path.display()))
                })
                .collect()
        })
        .collect()
}

#[test]
fn eval_json_reproduces_the_recorded_test_nll() {
    let dir = model_dir();
    let stdout = run_ok(&[
        "eval",
        "--artifact-dir",
        s(dir),
        "--device",
        "flex",
        "--json",
    ]);
    assert_eq!(stdout.trim().lines().count(), 1, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("eval --json");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();

    let test_nll = report["test_nll"].as_f64().expect("test_nll");
    let recorded = summary["test_nll"].as_f64().expect("summary test_nll");
    assert_eq!(test_nll, recorded, "eval and training disagree");
    assert!(
        test_nll.is_finite() && test_nll < 7.0,
        "test NLL {test_nll}"
    );

    let bits = report["bits_per_dim"].as_f64().expect("bits_per_dim");
    let expected_bits = test_nll / (2.0 * std::f64::consts::LN_2);
    assert!(
        close(bits, expected_bits, 1e-12, 0.0),
        "{bits} vs {expected_bits}"
    );
    assert_eq!(report["n_test"].as_u64(), Some(1024));
    assert_eq!(report["backend"].as_str(), Some("flex"));
    assert!(report["seconds"].as_f64().unwrap() >= 0.0);

    // The same number computed in-process from the rebuilt test split.
    let trained = load_model();
    let splits = rebuild_splits(&trained.config).unwrap();
    let in_process = trained.mean_nll(splits.test.values(), &device());
    assert!(
        close(in_process, test_nll, 1e-12, 0.0),
        "{in_process} vs {test_nll}"
    );

    // The text form reports the same value.
    let text = run_ok(&["eval", "--artifact-dir", s(dir), "--device", "flex"]);
    assert!(
        text.contains(&format!("test NLL {test_nll:.6} nats")),
        "{text}"
    );
}

#[test]
fn score_agrees_with_the_library_with_and_without_header() {
    let work = scratch("score");
    let rows = score_rows();
    let with_header = score(
        &work.join("points.csv"),
        &work.join("scores.csv"),
        Some("a,b"),
        &rows,
    );
    assert_eq!(with_header.len(), rows.len());

    let trained = load_model();
    let values: Vec<f32> = rows.iter().flatten().map(|v| parse_f32(v)).collect();
    let expected = trained.log_prob(&values, &device());
    assert_eq!(expected.len(), rows.len());
    for (i, (&got, &want)) in with_header.iter().zip(&expected).enumerate() {
        assert!(got.is_finite(), "row {i} ({:?}): {got}", rows[i]);
        assert!(
            close(f64::from(got), f64::from(want), 1e-6, 1e-6),
            "row {i} ({:?}): score {got}, library {want}",
            rows[i]
        );
    }
    // Far points have tiny densities, not overflowing ones.
    assert!(with_header[1000] < -1e4, "{}", with_header[1000]);

    let without_header = score(
        &work.join("bare.csv"),
        &work.join("bare-scores.csv"),
        None,
        &rows,
    );
    assert_eq!(without_header, with_header);
    let _ = std::fs::remove_dir_all(&work);
}

/// `log p(x)` in f64 from the exported JSON alone.
fn log_prob_from_json(json: &serde_json::Value, x: [f64; 2]) -> f64 {
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|f| f.as_f64().expect("a number"))
            .collect()
    };
    let mut z = x.to_vec();
    let mut log_det = 0.0;
    let planar = &json["transforms"][0];
    assert_eq!(planar["type"], "planar");
    for layer in planar["layers"].as_array().expect("layers") {
        let w = floats(&layer["w"]);
        let u_hat = floats(&layer["u_hat"]);
        let b = layer["b"].as_f64().expect("b");
        let c = layer["w_dot_u_hat"].as_f64().expect("w_dot_u_hat");
        let a: f64 = w.iter().zip(&z).map(|(w, z)| w * z).sum::<f64>() + b;
        let h = a.tanh();
        for (z, u) in z.iter_mut().zip(&u_hat) {
            *z += u * h;
        }
        log_det += (1.0 + (1.0 - h * h) * c).abs().ln();
    }
    let sq: f64 = z.iter().map(|z| z * z).sum();
    -0.5 * sq - 0.5 * 2.0 * LN_2PI + log_det
}

#[test]
fn exported_parameters_reproduce_score() {
    let work = scratch("export");
    let params = work.join("params.json");
    run_ok(&[
        "export",
        "--artifact-dir",
        s(model_dir()),
        "--device",
        "flex",
        "--out",
        s(&params),
    ]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&params).unwrap()).expect("export writes JSON");
    assert_eq!(json["dim"].as_u64(), Some(2));
    assert_eq!(json["flow"].as_str(), Some("planar"));
    assert_eq!(json["base"]["kind"].as_str(), Some("standard_normal"));
    assert!(json["formula"].as_str().is_some_and(|f| f.contains("tanh")));
    let layers = json["transforms"][0]["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 8);
    for layer in layers {
        for key in ["u", "w", "u_hat"] {
            assert_eq!(layer[key].as_array().map(Vec::len), Some(2), "{key}");
        }
        // The reparametrisation keeps every layer invertible.
        assert!(layer["w_dot_u_hat"].as_f64().unwrap() >= -1.0, "{layer}");
    }

    let rows = score_rows();
    let scores = score(
        &work.join("points.csv"),
        &work.join("scores.csv"),
        Some("a,b"),
        &rows,
    );
    for (i, (row, &got)) in rows.iter().zip(&scores).enumerate() {
        let x = [f64::from(parse_f32(&row[0])), f64::from(parse_f32(&row[1]))];
        let want = log_prob_from_json(&json, x);
        assert!(
            close(f64::from(got), want, 1e-4, 1e-4),
            "row {i} ({row:?}): score {got}, from the JSON {want}"
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn sample_is_seeded_and_inverts_the_flow_exactly() {
    let work = scratch("sample");
    let dir = model_dir();
    let sample = |seed: &str, out: &Path, plot: Option<&Path>| {
        let mut args = vec![
            "sample",
            "--artifact-dir",
            s(dir),
            "--device",
            "flex",
            "-n",
            "3000",
            "--seed",
            seed,
            "--out",
            s(out),
        ];
        if let Some(plot) = plot {
            args.extend(["--plot", s(plot)]);
        }
        run_ok(&args);
        std::fs::read(out).unwrap()
    };
    let first = sample("9", &work.join("a.csv"), Some(&work.join("a.png")));
    let second = sample("9", &work.join("b.csv"), None);
    let other = sample("10", &work.join("c.csv"), None);
    assert!(first == second, "the same seed gave different samples");
    assert!(first != other, "seeds 9 and 10 gave the same samples");
    assert_png(&work.join("a.png"));

    // More samples than one chunk: the first rows are the same draws, the second chunk
    // is new draws rather than a repeat of the first.
    let many = work.join("many.csv");
    run_ok(&[
        "sample",
        "--artifact-dir",
        s(dir),
        "--device",
        "flex",
        "-n",
        "70000",
        "--seed",
        "9",
        "--out",
        s(&many),
    ]);
    let many_text = std::fs::read_to_string(&many).unwrap();
    let many_lines: Vec<&str> = many_text.lines().collect();
    assert_eq!(many_lines.len(), 70_001);
    let few_text = String::from_utf8(first.clone()).unwrap();
    assert!(
        many_text.starts_with(few_text.as_str()),
        "-n 70000 does not extend -n 3000"
    );
    assert_ne!(
        many_lines[1], many_lines[65_537],
        "the second chunk repeats the first"
    );

    let rows = read_numeric_csv(&work.join("a.csv"), "x1,x2");
    assert_eq!(rows.len(), 3000);
    assert!(
        rows.iter()
            .all(|r| r.len() == 2 && r.iter().all(|v| v.is_finite())),
        "non-finite or ragged rows"
    );
    // Samples of the checkerboard model lie mostly where the data are.
    let inside = rows
        .iter()
        .filter(|r| r.iter().all(|v| v.abs() <= 6.0))
        .count();
    assert!(inside > 2900, "only {inside} of 3000 samples in [-6, 6]²");

    // Mapping the samples forward gives back the base draws.
    let trained = load_model();
    let device = device();
    let values: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    let x = Tensor::<2>::from_data(TensorData::new(values, [3000, 2]), &device);
    let z: Vec<f32> = trained
        .flow
        .to_latent(x)
        .0
        .into_data()
        .iter::<f32>()
        .collect();
    let base: Vec<f32> = flow_model::standard_normal_sample(3000, 2, 9, &device)
        .into_data()
        .iter::<f32>()
        .collect();
    assert_eq!(z.len(), base.len());
    let worst = z
        .iter()
        .zip(&base)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= 1e-3,
        "forward(sample) is off the base draws by {worst}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn density_grid_matches_the_library_and_integrates_to_one() {
    let work = scratch("density");
    let dir = model_dir();
    let csv = work.join("g.csv");
    let png = work.join("d.png");
    run_ok(&[
        "density",
        "--artifact-dir",
        s(dir),
        "--device",
        "flex",
        "--grid",
        "50",
        "--csv",
        s(&csv),
        "--out",
        s(&png),
    ]);
    assert_png(&png);
    let rows = read_numeric_csv(&csv, "x,y,log_prob");
    assert_eq!(rows.len(), 2500);
    // Cell centres of [-4, 4]², x fastest.
    let cell = 8.0 / 50.0;
    for (k, row) in rows.iter().enumerate() {
        let (i, j) = (k % 50, k / 50);
        let x = -4.0 + (i as f64 + 0.5) * cell;
        let y = -4.0 + (j as f64 + 0.5) * cell;
        assert!(
            close(row[0], x, 1e-12, 1e-12) && close(row[1], y, 1e-12, 1e-12),
            "row {k}: {row:?}, expected centre ({x}, {y})"
        );
    }
    let trained = load_model();
    let points: Vec<f32> = rows
        .iter()
        .flat_map(|r| [r[0] as f32, r[1] as f32])
        .collect();
    let expected = trained.log_prob(&points, &device());
    for (k, (row, &want)) in rows.iter().zip(&expected).enumerate() {
        assert!(
            close(row[2], f64::from(want), 1e-5, 1e-5),
            "row {k}: density {}, library {want}",
            row[2]
        );
    }

    // `--log` draws log p; the CSV (always log p) is unchanged.
    let log_csv = work.join("log.csv");
    let log_png = work.join("log.png");
    run_ok(&[
        "density",
        "--artifact-dir",
        s(dir),
        "--device",
        "flex",
        "--grid",
        "50",
        "--log",
        "--csv",
        s(&log_csv),
        "--out",
        s(&log_png),
    ]);
    assert_png(&log_png);
    assert_eq!(
        std::fs::read(&log_csv).unwrap(),
        std::fs::read(&csv).unwrap()
    );
    assert!(std::fs::read(&log_png).unwrap() != std::fs::read(&png).unwrap());

    // A normalizing flow is a density: almost all of its mass lies in [-6, 6]².
    let wide = work.join("wide.csv");
    run_ok(&[
        "density",
        "--artifact-dir",
        s(dir),
        "--device",
        "flex",
        "--range",
        "-6",
        "6",
        "-6",
        "6",
        "--grid",
        "200",
        "--csv",
        s(&wide),
        "--out",
        s(&work.join("wide.png")),
    ]);
    let rows = read_numeric_csv(&wide, "x,y,log_prob");
    assert_eq!(rows.len(), 200 * 200);
    let area = (12.0 / 200.0) * (12.0 / 200.0);
    let mass: f64 = rows.iter().map(|r| r[2].exp() * area).sum();
    assert!((mass - 1.0).abs() <= 0.03, "mass on [-6, 6]² is {mass}");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn bad_inputs_fail_with_one_error_line() {
    let work = scratch("errors");
    let dir = s(model_dir()).to_string();
    let png = work.join("never.png");

    run_err(
        &[
            "density",
            "--artifact-dir",
            &dir,
            "--out",
            s(&png),
            "--range",
            "1",
            "0",
            "-4",
            "4",
        ],
        2,
        &["--range"],
    );
    run_err(
        &[
            "density",
            "--artifact-dir",
            &dir,
            "--out",
            s(&png),
            "--grid",
            "1",
        ],
        2,
        &["--grid"],
    );
    assert!(!png.exists(), "a failed density wrote {}", png.display());

    let missing = work.join("no-such-model");
    run_err(
        &["eval", "--artifact-dir", s(&missing), "--device", "flex"],
        1,
        &["no-such-model"],
    );

    // Broken artifact directories: a truncated record, random bytes, a config of another
    // layer count, a config that is not JSON. Each is named, in one short line.
    let broken = work.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    let model_bytes = std::fs::read(Path::new(&dir).join("model.bpk")).unwrap();
    let config_text = std::fs::read_to_string(Path::new(&dir).join("config.json")).unwrap();
    let cases: [(&[u8], String, &[&str]); 4] = [
        (
            &model_bytes[..model_bytes.len() / 2],
            config_text.clone(),
            &["model.bpk", "truncated"],
        ),
        (
            &[7u8; 4000],
            config_text.clone(),
            &["model.bpk", "not a readable model record"],
        ),
        (
            &model_bytes,
            config_text.replace("\"layers\": 8", "\"layers\": 9"),
            &["model.bpk", "does not match config.json (9 planar layers"],
        ),
        (
            &model_bytes,
            "{".to_string(),
            &["config.json", "not a valid training config"],
        ),
    ];
    for (model, config, needles) in cases {
        std::fs::write(broken.join("model.bpk"), model).unwrap();
        std::fs::write(broken.join("config.json"), config).unwrap();
        let stderr = run_err(
            &["eval", "--artifact-dir", s(&broken), "--device", "flex"],
            1,
            needles,
        );
        assert!(stderr.len() < 400, "a long error: {stderr}");
    }

    let out = work.join("scores.csv");
    let score_err = |input: &Path, needles: &[&str]| {
        run_err(
            &[
                "score",
                "--artifact-dir",
                &dir,
                "--device",
                "flex",
                "--input",
                s(input),
                "--out",
                s(&out),
            ],
            2,
            needles,
        );
        assert!(!out.exists(), "{} left {}", input.display(), out.display());
    };
    score_err(&work.join("missing.csv"), &["missing.csv"]);

    let cases: [(&str, &str, &[&str]); 6] = [
        ("three.csv", "0.5,0.5\n1,2,3\n", &["line 2", "3 columns"]),
        (
            "abc.csv",
            "x,y\n1,2\n3,abc\n",
            &["line 3", "column 2", "abc"],
        ),
        (
            "blank.csv",
            "x,y\n1,2\n\n3,abc\n",
            &["line 4", "column 2", "abc"],
        ),
        (
            "nan.csv",
            "1,2\nnan,0\n",
            &["line 2", "column 1", "not finite"],
        ),
        ("empty.csv", "", &["no data rows"]),
        ("header.csv", "a,b\n", &["no data rows"]),
    ];
    for (name, content, needles) in cases {
        let input = work.join(name);
        std::fs::write(&input, content).unwrap();
        score_err(&input, needles);
    }
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn extreme_but_valid_input_gives_finite_results() {
    let work = scratch("extreme");
    // Points at ±1e6 (log densities near −1e12) and at the edge of what f32 holds squared.
    let rows: Vec<[String; 2]> = [
        ["1e6", "1e6"],
        ["-1e6", "3"],
        ["0", "-1e6"],
        ["1e18", "-1e18"],
        ["1e-30", "-1e-30"],
    ]
    .iter()
    .map(|[x, y]| [x.to_string(), y.to_string()])
    .collect();
    let scores = score(&work.join("in.csv"), &work.join("out.csv"), None, &rows);
    assert_eq!(scores.len(), rows.len());
    for (row, value) in rows.iter().zip(&scores) {
        assert!(value.is_finite(), "{row:?} scored {value}");
    }
    // Far out, the flow is the identity plus bounded shifts: log p ≈ −‖x‖²/2.
    assert!(
        close(f64::from(scores[0]), -1e12, 1e-3, 0.0),
        "{}",
        scores[0]
    );
    assert!(scores[3] < -1e35, "{}", scores[3]);

    // A density grid a million units away from the data, as a picture and as numbers.
    let csv = work.join("far.csv");
    for log in [false, true] {
        let png = work.join(format!("far-{log}.png"));
        let mut args = vec![
            "density",
            "--artifact-dir",
            s(model_dir()),
            "--device",
            "flex",
            "--grid",
            "20",
            "--range",
            "1e6",
            "1.001e6",
            "-1e6",
            "-0.999e6",
            "--csv",
            s(&csv),
            "--out",
            s(&png),
        ];
        if log {
            args.push("--log");
        }
        run_ok(&args);
        assert_png(&png);
        let grid = read_numeric_csv(&csv, "x,y,log_prob");
        assert_eq!(grid.len(), 400);
        assert!(grid.iter().all(|r| r[2].is_finite() && r[2] < -9e11));
    }
    let _ = std::fs::remove_dir_all(&work);
}

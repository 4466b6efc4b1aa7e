//! Conditional flows `p(x | c)` from the command line: training on a file whose context
//! columns sit among x's, every inference command at a context, and the bad inputs.

use std::path::{Path, PathBuf};

use crate::common::{assert_png, csv_rows, fresh_path, run_err, run_ok, s, summary};

/// `x1,c,x2` rows: `x = (c, −c) + 0.3·noise`, `c` uniform on `[−2, 2]` (deterministic).
fn write_data(path: &Path, rows: usize) {
    let mut state: u64 = 7;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / ((1u64 << 53) as f64)
    };
    let mut text = String::from("x1,c,x2\n");
    for _ in 0..rows {
        let c = 4.0 * uniform() - 2.0;
        let (r, a) = (
            (-2.0 * uniform().ln()).sqrt(),
            std::f64::consts::TAU * uniform(),
        );
        let (n1, n2) = (r * a.cos(), r * a.sin());
        text.push_str(&format!("{},{c},{}\n", c + 0.3 * n1, -c + 0.3 * n2));
    }
    std::fs::write(path, text).unwrap();
}

fn mean(rows: &[Vec<f64>], column: usize) -> f64 {
    rows.iter().map(|r| r[column]).sum::<f64>() / rows.len() as f64
}

/// A MAF of `x | c` trained on [`write_data`]'s rows, in `dir`: (model, data file).
fn trained(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (model, data) = (dir.join("model"), dir.join("data.csv"));
    write_data(&data, 3000);
    run_ok(&[
        "train",
        "--device",
        "flex",
        "--flow",
        "maf",
        "--transforms",
        "3",
        "--hidden",
        "32",
        "--data",
        s(&data),
        "--context-columns",
        "c",
        "--batch-size",
        "256",
        "--max-epochs",
        "40",
        "--artifact-dir",
        s(&model),
    ]);
    (model, data)
}

#[test]
fn every_command_works_at_a_context() {
    let dir = fresh_path("conditional-commands");
    let (model, data) = trained(&dir);
    let run = summary(&model);
    assert_eq!(
        (run.dim, run.context_dim, run.context_columns.clone()),
        (2, 1, vec![2])
    );
    let at = ["--artifact-dir", s(&model), "--device", "flex"];
    let out = |name: &str| dir.join(name);

    // Samples at one context follow its mean (c, −c).
    for c in [1.5, -1.0] {
        let samples = out("samples.csv");
        let context = c.to_string();
        run_ok(
            &[
                &["sample"][..],
                &at,
                &["-n", "3000", "--context", &context, "--out", s(&samples)],
            ]
            .concat(),
        );
        let (header, rows) = csv_rows(&samples);
        assert_eq!(header, "x1,x2");
        assert_eq!(rows.len(), 3000);
        let (m1, m2) = (mean(&rows, 0), mean(&rows, 1));
        assert!(
            (m1 - c).abs() < 0.25 && (m2 + c).abs() < 0.25,
            "c = {c}: mean ({m1}, {m2})"
        );
    }

    // N samples at each row of a context file, numbered by row.
    let contexts = out("contexts.csv");
    std::fs::write(&contexts, "c\n-1.5\n0.5\n").unwrap();
    let at_rows = out("at-rows.csv");
    run_ok(
        &[
            &["sample"][..],
            &at,
            &[
                "-n",
                "500",
                "--context-file",
                s(&contexts),
                "--out",
                s(&at_rows),
            ],
        ]
        .concat(),
    );
    let (header, rows) = csv_rows(&at_rows);
    assert_eq!(header, "x1,x2,context_row");
    assert_eq!(rows.len(), 1000);
    let first: Vec<Vec<f64>> = rows.iter().filter(|r| r[2] == 1.0).cloned().collect();
    assert_eq!(first.len(), 500);
    assert!(
        (mean(&first, 0) + 1.5).abs() < 0.25,
        "row 1: {}",
        mean(&first, 0)
    );

    // Scores at the true contexts beat scores at the wrong ones.
    let (scores, wrong, wrong_scores) =
        (out("scores.csv"), out("wrong.csv"), out("wrong-scores.csv"));
    run_ok(
        &[
            &["score"][..],
            &at,
            &["--input", s(&data), "--out", s(&scores)],
        ]
        .concat(),
    );
    let (_, rows) = csv_rows(&data);
    let flipped: String = rows
        .iter()
        .map(|r| format!("{},{},{}\n", r[0], -r[1], r[2]))
        .collect();
    std::fs::write(&wrong, format!("x1,c,x2\n{flipped}")).unwrap();
    run_ok(
        &[
            &["score"][..],
            &at,
            &["--input", s(&wrong), "--out", s(&wrong_scores)],
        ]
        .concat(),
    );
    let (right, wrong) = (
        mean(&csv_rows(&scores).1, 0),
        mean(&csv_rows(&wrong_scores).1, 0),
    );
    assert!(
        right > wrong + 5.0,
        "log p at the true contexts {right}, at the flipped ones {wrong}"
    );

    // Latent codes, and back with the context after them.
    let codes = out("codes.csv");
    run_ok(
        &[
            &["encode"][..],
            &at,
            &["--input", s(&data), "--out", s(&codes)],
        ]
        .concat(),
    );
    let (header, z) = csv_rows(&codes);
    assert_eq!(header, "z1,z2");
    let with_context: String = z
        .iter()
        .zip(&rows)
        .map(|(z, r)| format!("{},{},{}\n", z[0], z[1], r[1]))
        .collect();
    let (latent, decoded) = (out("latent.csv"), out("decoded.csv"));
    std::fs::write(&latent, format!("z1,z2,c\n{with_context}")).unwrap();
    run_ok(
        &[
            &["decode"][..],
            &at,
            &["--input", s(&latent), "--out", s(&decoded)],
        ]
        .concat(),
    );
    for (x, r) in csv_rows(&decoded).1.iter().zip(&rows) {
        for (a, b) in x.iter().zip([r[0], r[2]]) {
            assert!(
                (a - b).abs() < 1e-3 * b.abs().max(1.0),
                "decoded {a}, data {b}"
            );
        }
    }

    let picture = out("density.png");
    run_ok(
        &[
            &["density"][..],
            &at,
            &["--context", "0.5", "--grid", "50", "--out", s(&picture)],
        ]
        .concat(),
    );
    assert_png(&picture);
    run_ok(&[&["eval"][..], &at, &["--json"]].concat());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_contexts_are_refused_with_one_line_and_nothing_written() {
    let dir = fresh_path("conditional-errors");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data.csv");
    write_data(&data, 400);
    let model = dir.join("model");
    let train = |flags: &[&str]| -> Vec<String> {
        [
            "train",
            "--device",
            "flex",
            "--data",
            s(&data),
            "--max-epochs",
            "1",
            "--artifact-dir",
            s(&model),
        ]
        .iter()
        .chain(flags)
        .map(|a| a.to_string())
        .collect()
    };
    let refused = |flags: &[&str], needles: &[&str]| {
        let args = train(flags);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_err(&args, 2, needles);
        assert!(!model.exists(), "{flags:?} wrote {}", model.display());
    };
    refused(
        &["--flow", "maf", "--context-columns", "zz"],
        &["context columns `zz`", "x1, c, x2"],
    );
    refused(
        &["--flow", "maf", "--context-columns", "c,2"],
        &["given twice"],
    );
    refused(
        &["--flow", "maf", "--context-columns", "1-3"],
        &["leaves none for x"],
    );
    refused(
        &["--flow", "maf", "--context-columns", "4"],
        &["column 4 does not exist"],
    );
    refused(
        &["--flow", "planar", "--context-columns", "c"],
        &["planar flow takes none", "maf, nsf-ar"],
    );
    refused(
        &["--flow", "radial", "--context-columns", "c"],
        &["radial flow takes none"],
    );
    refused(&["--flow", "maf", "--order", "sideways"], &["sideways"]);
    for family in ["realnvp", "nsf", "planar", "radial"] {
        refused(
            &["--flow", family, "--direct", "true"],
            &["--direct", "autoregressive (maf, nsf-ar)"],
        );
    }
    refused(
        &["--flow", "maf", "--context-embedding", "8"],
        &["--context-embedding", "needs a context"],
    );
    refused(
        &["--flow", "maf", "--base", "conditional-gaussian"],
        &["conditional-gaussian", "needs a context"],
    );
    let bad = dir.join("nan.csv");
    std::fs::write(&bad, "x1,c,x2\n0.1,0.2,0.3\n0.1,NaN,0.3\n").unwrap();
    let args = train(&["--flow", "maf", "--context-columns", "c"]);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args[4] = s(&bad);
    run_err(&args, 2, &["line 3, column 2", "NaN"]);

    // A conditional model refuses a missing, short or non-finite context; an unconditional
    // one refuses any.
    let args = train(&[
        "--flow",
        "maf",
        "--transforms",
        "2",
        "--hidden",
        "8",
        "--context-columns",
        "c",
    ]);
    run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let samples = dir.join("samples.csv");
    let ragged = dir.join("ragged.csv");
    std::fs::write(&ragged, "c\n0.5\n0.1,0.2\n").unwrap();
    let at = ["--artifact-dir", s(&model), "--device", "flex"];
    for (flags, needles) in [
        (
            &["-n", "5", "--context-file", s(&ragged)][..],
            &["ragged.csv", "line 3", "2 columns"][..],
        ),
        (
            &["-n", "5"][..],
            &["--context", "conditional on 1 context columns (c)"][..],
        ),
        (&["-n", "5", "--context", "1,2"], &["has 2 values", "1 (c)"]),
        (&["-n", "5", "--context", "nan"], &["not finite"]),
        (&["-n", "5", "--context", "inf"], &["not finite"]),
        (
            &["-n", "5", "--context", "1e39"],
            &["too large for a 32-bit float"],
        ),
        (&["-n", "5", "--context", "abc"], &["'abc'", "--context"]),
        (&["-n", "5", "--context="], &["''", "--context"]),
    ] {
        run_err(
            &[&["sample"][..], &at, flags, &["--out", s(&samples)]].concat(),
            2,
            needles,
        );
        assert!(!samples.exists());
    }
    let density = dir.join("density.png");
    run_err(
        &[
            &["density"][..],
            &at,
            &["--context", "1,2", "--out", s(&density)],
        ]
        .concat(),
        2,
        &["has 2 values"],
    );
    let narrow = dir.join("narrow.csv");
    std::fs::write(&narrow, "x1,x2\n0.1,0.2\n").unwrap();
    let scores = dir.join("scores.csv");
    run_err(
        &[
            &["score"][..],
            &at,
            &["--input", s(&narrow), "--out", s(&scores)],
        ]
        .concat(),
        2,
        &["needs 3"],
    );
    assert!(!scores.exists());

    let plain = dir.join("plain");
    run_ok(&[
        "train",
        "--device",
        "flex",
        "--flow",
        "maf",
        "--transforms",
        "2",
        "--data",
        s(&data),
        "--max-epochs",
        "1",
        "--artifact-dir",
        s(&plain),
    ]);
    run_err(
        &[
            "sample",
            "--artifact-dir",
            s(&plain),
            "--device",
            "flex",
            "-n",
            "5",
            "--context",
            "1",
            "--out",
            s(&samples),
        ],
        2,
        &["trained without a context"],
    );
    assert!(!samples.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

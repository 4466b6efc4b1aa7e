//! `npe --simulator`: neural posterior estimation on the user's own simulator program, fed
//! from a box or a Gaussian prior; its failures, each one line, with the simulations made
//! before them kept on disk.

use crate::common::{csv_rows, run_err, run_ok, s, scratch_dir};

/// `x = 2θ`, except a failed simulation (NaN) wherever `θ1 > 1.5`, after a header line.
const DOUBLING: &str = "awk -F, 'NR == 1 { print \"x1,x2\" } \
                        NR > 1 { if ($1 > 1.5) print \"nan,nan\"; else print 2 * $1 \",\" 2 * $2 }'";

#[test]
fn npe_trains_on_a_program_fed_from_a_gaussian_prior_and_drops_its_failed_simulations() {
    let dir = scratch_dir("simulator-npe");
    let model = dir.join("model");
    let said = run_ok(&[
        "npe",
        "--simulator",
        DOUBLING,
        "--prior-gaussian",
        "0,1:1,0.5",
        "--simulations",
        "400",
        "--simulator-batch",
        "64",
        "--simulator-jobs",
        "3",
        "--max-epochs",
        "2",
        "--device",
        "flex",
        "--artifact-dir",
        s(&model),
    ]);
    assert!(said.contains("(7 calls)"), "{said}");
    let dropped: usize = said
        .split("dropped ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no count of dropped simulations in {said}"));
    // About 7% of N(0, 1) lies above 1.5.
    assert!((5..=60).contains(&dropped), "{said}");

    let (header, rows) = csv_rows(&model.join("simulations.csv"));
    assert_eq!(header, "theta1,theta2,x1,x2");
    assert_eq!(rows.len(), 400 - dropped);
    for row in &rows {
        assert!(row[0] <= 1.5, "{row:?}");
        assert!(
            (row[2] - 2.0 * row[0]).abs() < 1e-4 * (1.0 + row[0].abs()),
            "{row:?}"
        );
        assert!(
            (row[3] - 2.0 * row[1]).abs() < 1e-4 * (1.0 + row[1].abs()),
            "{row:?}"
        );
    }
    // The second coordinate's prior is N(1, 0.5²).
    let mean = rows.iter().map(|r| r[1]).sum::<f64>() / rows.len() as f64;
    assert!((mean - 1.0).abs() < 0.1, "{mean}");

    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["context_columns"], serde_json::json!([3, 4]));
    assert!(
        config["prior_box"].is_null() && config["task"].is_null(),
        "{config}"
    );
    // The posterior is an ordinary model for `sample`.
    let out = dir.join("posterior.csv");
    run_ok(&[
        "sample",
        "--artifact-dir",
        s(&model),
        "--context",
        "0.2,1.8",
        "-n",
        "50",
        "--out",
        s(&out),
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 51);
}

#[test]
fn a_simulator_failing_midway_is_named_by_batch_and_keeps_the_batches_before_it() {
    let dir = scratch_dir("simulator-fails");
    let model = dir.join("model");
    let count = dir.join("calls");
    // Its third call exits with status 3.
    let command = format!(
        "n=$(cat {count} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {count}; \
         [ $n -lt 3 ] || exit 3; awk -F, 'NR > 1 {{ print $1 + $2 }}'",
        count = s(&count)
    );
    run_err(
        &[
            "npe",
            "--simulator",
            &command,
            "--prior-box",
            "-1,1,0,2",
            "--simulations",
            "100",
            "--simulator-batch",
            "10",
            "--artifact-dir",
            s(&model),
        ],
        2,
        &[
            "simulator program",
            "batch 3 (simulations 21–30)",
            "exited with status 3",
        ],
    );
    let (header, rows) = csv_rows(&model.join("simulations.csv"));
    assert_eq!(header, "theta1,theta2,x1");
    assert_eq!(rows.len(), 20);
    for v in &rows {
        assert!(
            (-1.0..=1.0).contains(&v[0]) && (0.0..=2.0).contains(&v[1]),
            "{v:?}"
        );
        assert!((v[2] - v[0] - v[1]).abs() < 1e-4, "{v:?}");
    }
    assert!(!model.join("model.bpk").exists() && !model.join("config.json").exists());
}

#[test]
fn bad_simulator_requests_are_refused_in_one_line() {
    let dir = scratch_dir("simulator-bad");
    let model = dir.join("model");
    let npe = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["npe", "--simulations", "100", "--artifact-dir", s(&model)]
            .map(String::from)
            .to_vec();
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let cases: [(&[&str], &[&str]); 12] = [
        (&["--simulator", "cat"], &["--simulator", "needs the prior"]),
        (
            &["--simulator", " ", "--prior-box", "0,1"],
            &["--simulator", "empty"],
        ),
        (
            &["--simulator", "cat", "--prior-box", "-1,1,0"],
            &["--prior-box", "has 3 values"],
        ),
        (
            &["--simulator", "cat", "--prior-box", "0,inf"],
            &["--prior-box", "finite bounds"],
        ),
        (
            &["--simulator", "cat", "--prior-gaussian", "0,0"],
            &["--prior-gaussian", "no colon"],
        ),
        (
            &["--simulator", "cat", "--prior-gaussian", "0,a:1,1"],
            &["--prior-gaussian", "`a` is not a number"],
        ),
        (
            &["--simulator", "cat", "--prior-gaussian", "0,0:1,0"],
            &["--prior-gaussian", "standard deviation 2 is 0"],
        ),
        (
            &[
                "--simulator",
                "cat",
                "--prior-box",
                "0,1",
                "--simulator-batch",
                "0",
            ],
            &["--simulator-batch", "at least 1"],
        ),
        (
            &[
                "--simulator",
                "cat",
                "--prior-box",
                "0,1",
                "--simulator-jobs",
                "0",
            ],
            &["--simulator-jobs", "at least 1"],
        ),
        (&["--task", "slcp", "--simulator", "cat"], &["--simulator"]),
        (
            &["--task", "slcp", "--prior-gaussian", "0:1"],
            &["--prior-gaussian", "slcp has its own prior"],
        ),
        (
            &["--task", "slcp", "--simulator-jobs", "2"],
            &["--simulator-jobs", "applies to a --simulator"],
        ),
    ];
    for (extra, needles) in cases {
        let args = npe(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_err(&args, 2, needles);
        assert!(!model.exists(), "{extra:?} left {}", model.display());
    }
    // A program whose output is not numbers, or too short.
    for (command, needle) in [
        (
            "awk 'NR > 1 { print \"a\" }'",
            "`a` in column 1 is not a number",
        ),
        ("head -n 3", "wrote 2 rows of x for the 100"),
    ] {
        let args = npe(&["--simulator", command, "--prior-box", "0,1"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_err(&args, 2, &["batch 1 (simulations 1–100)", needle]);
        assert!(!model.join("config.json").exists());
        let _ = std::fs::remove_dir_all(&model);
    }
}

#[test]
fn sequential_npe_runs_a_program_at_the_truncated_prior() {
    let dir = scratch_dir("simulator-rounds");
    let model = dir.join("model");
    let said = run_ok(&[
        "npe",
        "--simulator",
        DOUBLING,
        "--prior-box",
        "-1,1,-1,1",
        "--simulations",
        "600",
        "--rounds",
        "2",
        "--context",
        "0.4,-1.2",
        "--max-epochs",
        "20",
        "--device",
        "flex",
        "--artifact-dir",
        s(&model),
    ]);
    assert!(said.contains("round 2/2: simulated 300 pairs"), "{said}");
    let (_, rows) = csv_rows(&model.join("simulations.csv"));
    assert_eq!(rows.len(), 600);
    // x = 2θ: the second round's θ, near x_o/2 = (0.2, −0.6), are x's halves as well.
    for row in &rows[300..] {
        assert!((row[2] - 2.0 * row[0]).abs() < 1e-4, "{row:?}");
        assert!(row[..2].iter().all(|t| t.abs() <= 1.0), "{row:?}");
    }
    let rounds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("rounds.json")).unwrap()).unwrap();
    assert_eq!(rounds["rounds"].as_array().unwrap().len(), 2);
    let mismatched = dir.join("mismatched");
    run_err(
        &[
            "npe",
            "--simulator",
            DOUBLING,
            "--prior-box",
            "-1,1,-1,1",
            "--simulations",
            "100",
            "--rounds",
            "2",
            "--context",
            "0.4",
            "--artifact-dir",
            s(&mismatched),
        ],
        2,
        &["--context", "has 1 values", "simulator's x has 2"],
    );
    assert!(!mismatched.join("config.json").exists());
}

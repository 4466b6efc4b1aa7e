//! `flow-train sbc`: a posterior fitted to the gaussian-linear task is judged calibrated on
//! held-out pairs of its own simulator, over-confident on pairs simulated with twice the
//! noise, under-confident with half; and the bad inputs.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde_json::Value;

use crate::common::{fresh_path, run_err, run_ok, s, scratch_dir, train_gaussian_linear_posterior};

/// `n` pairs of gaussian-linear with the simulator's noise scaled by `noise`: θ ~ N(0, 0.1 I),
/// x = θ + noise · N(0, 0.1 I), written as CSV in the simulations' layout.
fn pairs(path: &Path, n: usize, noise: f64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut text = String::new();
    let names: Vec<String> = (1..=10)
        .map(|i| format!("theta{i}"))
        .chain((1..=10).map(|i| format!("x{i}")))
        .collect();
    text.push_str(&names.join(","));
    text.push('\n');
    let scale = 0.1f64.sqrt();
    for _ in 0..n {
        let theta: Vec<f64> = (0..10)
            .map(|_| scale * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let x: Vec<f64> = theta
            .iter()
            .map(|t| t + noise * scale * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let row: Vec<String> = theta.iter().chain(&x).map(f64::to_string).collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Runs `sbc` on the pairs file `data`; returns its `sbc.json` and its last line.
fn sbc(model: &Path, data: &Path, out: &Path) -> (Value, String) {
    let said = run_ok(&[
        "sbc",
        "--artifact-dir",
        s(model),
        "--data",
        s(data),
        "--samples",
        "400",
        "--seed",
        "3",
        "--device",
        "flex",
        "--out",
        s(out),
    ]);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sbc.json")).unwrap()).unwrap();
    for picture in ["ranks.png", "coverage.png"] {
        crate::common::assert_png(&out.join(picture));
    }
    (report, said.trim_end().lines().last().unwrap().to_string())
}

#[test]
fn a_fitted_posterior_is_calibrated_and_mismatched_noise_is_caught_either_way() {
    let dir = scratch_dir("sbc-gaussian-linear");
    let model = dir.join("posterior");
    train_gaussian_linear_posterior(&model, &["--seed", "1"]);
    let mut verdicts = Vec::new();
    for (name, noise) in [("same", 1.0), ("twice", 2.0), ("half", 0.5)] {
        let data = dir.join(format!("{name}.csv"));
        pairs(&data, 400, noise, 9);
        let (report, line) = sbc(&model, &data, &dir.join(name));
        assert_eq!(report["pairs"], 400);
        assert_eq!(report["samples"], 400);
        assert_eq!(report["rank_p_values"].as_array().unwrap().len(), 10);
        for curve in ["coverage", "tarp"] {
            assert_eq!(report[curve]["nominal"].as_array().unwrap().len(), 99);
            assert_eq!(report[curve]["empirical"].as_array().unwrap().len(), 99);
        }
        let verdict = report["verdict"].as_str().unwrap().to_string();
        assert!(line.starts_with(&format!("{verdict}: ")), "{line}");
        verdicts.push((verdict, report["max_coverage_deviation"].as_f64().unwrap()));
    }
    assert_eq!(verdicts[0].0, "calibrated", "{verdicts:?}");
    assert!(verdicts[0].1 < 0.1, "{verdicts:?}");
    assert_eq!(verdicts[1].0, "over-confident", "{verdicts:?}");
    assert_eq!(verdicts[2].0, "under-confident", "{verdicts:?}");
}

#[test]
fn sbc_refuses_bad_requests_in_one_line_and_writes_nothing() {
    let dir = scratch_dir("sbc-refusals");
    let posterior = dir.join("posterior");
    run_ok(&[
        "npe",
        "--task",
        "two-moons",
        "--simulations",
        "600",
        "--max-epochs",
        "1",
        "--device",
        "flex",
        "--artifact-dir",
        s(&posterior),
    ]);
    let density = dir.join("density");
    run_ok(&[
        "train",
        "--flow",
        "realnvp",
        "--max-epochs",
        "1",
        "--train-size",
        "512",
        "--device",
        "flex",
        "--artifact-dir",
        s(&density),
    ]);
    let narrow = dir.join("narrow.csv");
    std::fs::write(&narrow, "theta1,theta2,x1\n0.1,0.2,0.3\n").unwrap();
    let infinite = dir.join("infinite.csv");
    std::fs::write(
        &infinite,
        "theta1,theta2,x1,x2\n0.1,0.2,0.3,0.4\n0.1,inf,0.3,0.4\n",
    )
    .unwrap();
    let out = fresh_path("sbc-refused-out");
    let o = s(&out);
    let (p, d) = (s(&posterior), s(&density));
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--artifact-dir", d, "--task", "two-moons", "-n", "10"],
            &["no context"],
        ),
        (&["--artifact-dir", p, "--data", s(&narrow)], &["4"]),
        (
            &["--artifact-dir", p, "--data", s(&infinite)],
            &["not finite"],
        ),
        (
            &[
                "--artifact-dir",
                p,
                "--task",
                "two-moons",
                "-n",
                "10",
                "--samples",
                "0",
            ],
            &["--samples"],
        ),
        (
            &["--artifact-dir", p, "--task", "slcp", "-n", "10"],
            &["--task", "slcp"],
        ),
        (
            &["--artifact-dir", p, "--task", "two-moons", "-n", "0"],
            &["--num-simulations"],
        ),
    ];
    for (args, needles) in cases {
        let mut all = vec!["sbc", "--device", "flex", "--out", o];
        all.extend_from_slice(args);
        run_err(&all, 2, needles);
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

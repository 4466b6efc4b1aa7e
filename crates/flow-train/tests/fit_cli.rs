//! `flow-train fit`: variational inference on the paper's energies, end to end.

use burn::tensor::Device;
use flow_model::PaperEnergy;
use flow_train::infer::inference::TrainedFlow;
use flow_train::train::fit::fit_statistics;
use flow_train::train::summary::RunSummary;
use serde_json::Value;

use crate::common::{assert_png, fresh_path, run_err, run_ok, s};

#[test]
fn a_short_fit_on_u1_lowers_the_kl_and_reports_it() {
    let dir = fresh_path("fit-u1");
    run_ok(&[
        "fit",
        "--target",
        "u1",
        "--layers",
        "8",
        "--steps",
        "1500",
        "--steps-per-epoch",
        "250",
        "--samples-per-step",
        "256",
        "--anneal-steps",
        "500",
        "--seed",
        "2",
        "--device",
        "flex",
        "--artifact-dir",
        s(&dir),
    ]);
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    for key in [
        "target",
        "loss",
        "log_z",
        "kl",
        "kl_stderr",
        "ess",
        "train_seconds",
        "epochs",
        "backend",
        "layers",
        "seed",
        "stopped",
    ] {
        assert!(!json[key].is_null(), "no `{key}` in {text}");
    }
    let summary: RunSummary = serde_json::from_str(&text).unwrap();
    assert_eq!(summary.target.as_deref(), Some("u1"));
    assert_eq!(summary.epochs, 6);
    // log Z of U1 by independent quadrature: 1.87750.
    assert!((summary.log_z.unwrap() - 1.87750).abs() < 1e-4, "{text}");
    let (kl, stderr) = (summary.kl.unwrap(), summary.kl_stderr.unwrap());
    assert!(stderr > 0.0 && stderr < 0.05, "{text}");
    let ess = summary.ess.unwrap();
    assert!(ess > 0.0 && ess <= 1.0, "{text}");

    // The same flow as it started (the configuration's initial weights) is far worse.
    let device = Device::flex();
    let trained = TrainedFlow::load(&dir, &device).unwrap();
    let initial = trained.config.flow_config().init(&device).unwrap();
    let before = fit_statistics(&initial, &PaperEnergy::U1, 20_000, 1, &device);
    let kl_before = before.loss + summary.log_z.unwrap();
    assert!(
        kl < 1.5 && kl < kl_before / 5.0,
        "KL {kl} after fitting, {kl_before} before"
    );
    assert_png(&dir.join("density.png"));
    assert_png(&dir.join("loss.png"));
    let metrics = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert!(
        metrics.starts_with("epoch,train_loss,valid_loss,seconds\n"),
        "{metrics}"
    );

    // The inference commands work on a fitted model: exact samples, their log q by the
    // inverse, the KL again.
    let samples = dir.join("samples.csv");
    let scores = dir.join("scores.csv");
    let model = ["--artifact-dir", s(&dir), "--device", "flex"];
    run_ok(
        &[
            &["sample"][..],
            &model,
            &[
                "-n",
                "500",
                "--out",
                s(&samples),
                "--plot",
                s(&dir.join("samples.png")),
            ],
        ]
        .concat(),
    );
    run_ok(
        &[
            &["score"][..],
            &model,
            &["--input", s(&samples), "--out", s(&scores)],
        ]
        .concat(),
    );
    let log_q: Vec<f64> = std::fs::read_to_string(&scores)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(log_q.len(), 500);
    assert!(log_q.iter().all(|v| v.is_finite()));
    run_ok(
        &[
            &["density"][..],
            &model,
            &["--out", s(&dir.join("q.png")), "--grid", "100"],
        ]
        .concat(),
    );
    let eval: Value =
        serde_json::from_str(run_ok(&[&["eval", "--json"][..], &model].concat()).trim()).unwrap();
    assert!(
        (eval["kl"].as_f64().unwrap() - kl).abs() < 1e-9,
        "{eval} vs {kl}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_fit_flags_fail_with_one_line() {
    let dir = fresh_path("fit-bad");
    let fit = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["fit", "--device", "flex", "--artifact-dir", s(&dir)];
        args.extend_from_slice(extra);
        run_err(&args, 2, needles);
        assert!(!dir.exists(), "{extra:?} wrote {}", dir.display());
    };
    fit(&["--target", "u5"], &["u5", "u1, u2, u3, u4"]);
    fit(
        &["--target", "u1", "--samples-per-step", "0"],
        &["--samples-per-step"],
    );
    fit(&["--target", "u1", "--lr", "nan"], &["--lr"]);
    fit(&["--target", "u1", "--lr", "inf"], &["--lr"]);
    fit(&["--target", "u2", "--steps", "0"], &["--steps"]);
    fit(
        &["--target", "u3", "--flow", "nsf", "--layers", "4"],
        &["--layers"],
    );
    fit(&[], &["--target"]);
}

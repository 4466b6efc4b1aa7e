//! Training on several devices (`--devices`, Burn's multi-device strategy): the scaled
//! losses make n devices take the step one device takes on the same global batch; whole runs
//! end where one device's does; the bad inputs.

use std::path::Path;

use burn::optim::{GradientsAccumulator, SgdConfig};
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::TrainStep;
use flow_data::PointBatch;
use flow_model::{FlowConfig, PlanarConfig};
use flow_train::train::model::DensityModel;
use serde_json::Value;

use crate::common::{fresh_path, run_err, run_ok, s, scratch_dir, summary};

/// Every number of an exported model, in a fixed order.
fn numbers(export: &Path) -> Vec<f64> {
    fn walk(value: &Value, out: &mut Vec<f64>) {
        match value {
            Value::Number(n) => out.extend(n.as_f64()),
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let json: Value = serde_json::from_slice(&std::fs::read(export).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&json, &mut out);
    out
}

/// The largest relative difference of two parameter lists (of values at least 1e-3 apart
/// from zero; absolute below that).
fn largest_relative_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / x.abs().max(1e-3))
        .fold(0.0, f64::max)
}

fn points(rows: usize, device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..rows * 2)
        .map(|i| ((i * 7919 % 1000) as f32 / 250.0) - 2.0)
        .collect();
    Tensor::from_data(TensorData::new(values, [rows, 2]), device)
}

#[test]
fn scaled_losses_on_two_devices_give_one_device_s_gradient() {
    let device = Device::flex().autodiff();
    let flow = FlowConfig::new(2, PlanarConfig::new(4))
        .with_seed(3)
        .init(&device)
        .unwrap();
    let one = DensityModel::new(flow, 0.0);
    let x = points(64, &device);
    let batch = |rows: Tensor<2>| PointBatch { points: rows };
    // One device: the mean over all 64 points.
    let whole = TrainStep::step(&one, batch(x.clone())).grads;
    // Two devices, 32 points each, their gradients added as Burn adds them.
    let summed = |scale: f64| {
        let shared = one.clone().with_loss_scale(scale);
        let mut accumulator = GradientsAccumulator::new();
        for half in [x.clone().narrow(0, 0, 32), x.clone().narrow(0, 32, 32)] {
            accumulator.accumulate(&shared, TrainStep::step(&shared, batch(half)).grads);
        }
        accumulator.grads()
    };
    // A plain gradient step with each: the same model only if the gradients agree.
    let stepped = |grads| SgdConfig::new().init().step(0.05, one.clone(), grads);
    let log_p = |model: DensityModel| -> Vec<f32> {
        model
            .flow
            .log_prob(points(16, &device))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    };
    let reference = log_p(stepped(whole));
    let worst = |other: Vec<f32>| {
        reference
            .iter()
            .zip(&other)
            .map(|(a, b)| ((a - b) / a.abs().max(1.0)).abs())
            .fold(0.0f32, f32::max)
    };
    assert!(worst(log_p(one.clone())) > 1e-3, "the step moves the model");
    assert!(worst(log_p(stepped(summed(0.5)))) < 1e-5);
    // Unscaled, the two devices would take twice the step.
    assert!(worst(log_p(stepped(summed(1.0)))) > 1e-3);
}

/// Trains `--max-epochs 1` on `data` (one batch: one optimizer step) with `placement`'s flags
/// and returns the exported parameters.
fn one_step(data: &Path, placement: &[&str], dir: &Path) -> Vec<f64> {
    let mut args = vec!["train", "--data", s(data), "--batch-size", "800"];
    args.extend(["--max-epochs", "1", "--artifact-dir", s(dir)]);
    args.extend(placement);
    run_ok(&args);
    let export = dir.join("model.json");
    run_ok(&[
        "export",
        "--artifact-dir",
        s(dir),
        "--out",
        s(&export),
        "--device",
        "flex",
    ]);
    numbers(&export)
}

/// A checkerboard file whose training split is 800 points.
fn checkerboard(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data.csv");
    run_ok(&[
        "data",
        "--dataset",
        "checkerboard",
        "-n",
        "1000",
        "--out",
        s(&data),
    ]);
    data
}

#[test]
fn two_workers_take_the_first_step_one_device_takes() {
    let dir = scratch_dir("devices-first-step");
    let data = checkerboard(&dir);
    let one = one_step(&data, &["--device", "flex"], &dir.join("one"));
    let two = one_step(&data, &["--devices", "flex,flex"], &dir.join("two"));
    let difference = largest_relative_difference(&one, &two);
    assert!(difference < 1e-5, "parameters differ by {difference:e}");
    let said = summary(&dir.join("two"));
    assert_eq!(said.devices, ["flex", "flex"]);
    assert_eq!(said.strategy, "multi-device");
    assert_eq!(summary(&dir.join("one")).strategy, "single-device");
}

#[test]
fn a_default_run_on_two_workers_ends_where_one_device_s_does() {
    let dir = scratch_dir("devices-default");
    let test_nll = |placement: &[&str], name: &str| {
        let out = dir.join(name);
        let mut args = vec!["train", "--artifact-dir", s(&out)];
        args.extend(placement);
        let said = run_ok(&args);
        assert!(
            said.contains(placement[1].replace(',', ", ").as_str()),
            "{said}"
        );
        summary(&out).test_nll.unwrap()
    };
    let one = test_nll(&["--device", "flex"], "one");
    let two = test_nll(&["--devices", "flex,flex"], "two");
    assert!(
        (one - two).abs() < 0.01,
        "test NLL {one} on one, {two} on two"
    );
}

#[test]
fn bad_device_lists_are_refused_with_nothing_written() {
    let dir = fresh_path("devices-bad");
    let cases: [(&[&str], &[&str]); 4] = [
        (&["--devices", "flex,nope"], &["--devices", "nope"]),
        (&["--devices", "flex,ndarray"], &["mixes backends"]),
        (&["--devices", ""], &["--devices"]),
        (&["--strategy", "ddp"], &["--strategy", "CUDA"]),
    ];
    for (flags, needles) in cases {
        let mut args = vec!["train", "--artifact-dir", s(&dir)];
        args.extend(flags);
        run_err(&args, 2, needles);
        assert!(!dir.exists(), "{flags:?} wrote {}", dir.display());
    }
}

/// Two workers on one wgpu adapter train as one device.
#[cfg(feature = "wgpu")]
#[test]
fn two_workers_on_one_wgpu_adapter_train_as_one() {
    let dir = scratch_dir("devices-wgpu");
    let data = checkerboard(&dir);
    let one = one_step(&data, &["--device", "wgpu"], &dir.join("one"));
    let two = one_step(&data, &["--devices", "wgpu,wgpu"], &dir.join("two"));
    let difference = largest_relative_difference(&one, &two);
    assert!(difference < 1e-5, "parameters differ by {difference:e}");
    assert_eq!(summary(&dir.join("two")).devices, ["wgpu", "wgpu"]);
    // A short run of the default preset, on one worker and on two.
    let test_nll = |placement: &[&str], name: &str| {
        let out = dir.join(name);
        let mut args = vec!["train", "--max-epochs", "20", "--artifact-dir", s(&out)];
        args.extend(placement);
        run_ok(&args);
        summary(&out).test_nll.unwrap()
    };
    let one = test_nll(&["--device", "wgpu"], "run-one");
    let two = test_nll(&["--devices", "wgpu,wgpu"], "run-two");
    assert!(
        (one - two).abs() < 0.01,
        "test NLL {one} on one, {two} on two"
    );
}

/// `bench --devices` times real training runs on the first device and on the whole list.
#[test]
fn bench_times_training_on_one_device_and_on_the_list() {
    let out = run_ok(&["bench", "--devices", "flex,flex", "--quick", "--json"]);
    let rows: Vec<Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    for (row, (devices, strategy)) in rows.iter().zip([
        (vec!["flex"], "single-device"),
        (vec!["flex", "flex"], "multi-device"),
    ]) {
        assert_eq!(row["what"], "learner_steps");
        assert_eq!(row["devices"], serde_json::json!(devices));
        assert_eq!(row["strategy"], strategy);
        assert_eq!(row["steps"], 8, "two epochs of four batches");
        let rate = row["steps_per_s"].as_f64().unwrap();
        let seconds = row["seconds"].as_f64().unwrap();
        assert!((rate * seconds - 8.0).abs() < 1e-6, "{row}");
    }
}

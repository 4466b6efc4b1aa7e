//! The wgpu backend really runs, and agrees with the CPU backend.
//!
//! Built only with `--features wgpu`; needs a Vulkan, Metal or DX12 adapter (in CI, Mesa's
//! software Vulkan driver, lavapipe).

use std::path::Path;
use std::process::Command;

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{Flow, FlowConfig, Planar, PlanarConfig, Transform, standard_normal_sample};
use flow_train::backend;
use flow_train::train::summary::RunSummary;
use serde_json::Value;

use crate::common::{fresh_path as scratch, run_ok, summary};

fn wgpu() -> Device {
    backend::device("wgpu").unwrap_or_else(|e| panic!("{e}"))
}

fn reference_flows(device: &Device) -> Vec<(Flow, Vec<f32>, usize, Vec<f64>)> {
    let text = include_str!("../../flow-model/tests/data/planar_vectors.json");
    let reference: Value = serde_json::from_str(text).unwrap();
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let dim = case["dim"].as_u64().unwrap() as usize;
            let layers = case["layers"].as_array().unwrap();
            let stacked =
                |key: &str| -> Vec<f32> { layers.iter().flat_map(|l| floats(&l[key])).collect() };
            let b: Vec<f32> = layers
                .iter()
                .map(|l| l["b"].as_f64().unwrap() as f32)
                .collect();
            let planar = Planar::from_values(dim, &stacked("u"), &stacked("w"), &b, device);
            let x: Vec<f32> = case["x"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(floats)
                .collect();
            let log_prob = case["log_prob"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let flow = Flow::from_transforms(dim, vec![Transform::Planar(planar)], device);
            (flow, x, dim, log_prob)
        })
        .collect()
}

#[test]
fn reference_log_prob_on_wgpu_matches_reference_and_cpu() {
    let gpu = wgpu();
    let cpu = Device::flex();
    for ((flow_gpu, x, dim, expected), (flow_cpu, _, _, _)) in
        reference_flows(&gpu).into_iter().zip(reference_flows(&cpu))
    {
        let n = x.len() / dim;
        let on = |flow: &Flow, device: &Device| -> Vec<f64> {
            let input = Tensor::<2>::from_data(TensorData::new(x.clone(), [n, dim]), device);
            flow.log_prob(input)
                .into_data()
                .iter::<f32>()
                .map(f64::from)
                .collect()
        };
        let gpu_values = on(&flow_gpu, &gpu);
        let cpu_values = on(&flow_cpu, &cpu);
        for i in 0..n {
            let scale = expected[i].abs().max(1.0);
            assert!(
                (gpu_values[i] - expected[i]).abs() <= 1e-4 * scale,
                "point {i}: wgpu {} vs reference {}",
                gpu_values[i],
                expected[i]
            );
            assert!(
                (gpu_values[i] - cpu_values[i]).abs() <= 1e-4 * scale,
                "point {i}: wgpu {} vs flex {}",
                gpu_values[i],
                cpu_values[i]
            );
        }
    }
}

#[test]
fn samples_round_trip_on_wgpu() {
    let device = wgpu();
    let flow = FlowConfig::new(2, PlanarConfig::new(8))
        .with_seed(4)
        .init(&device)
        .unwrap();
    let samples = flow.sample(2000, 3, &device);
    let (latent, _) = flow.to_latent(samples);
    let base = standard_normal_sample(2000, 2, 3, &device);
    let error = (latent - base).abs().max().into_scalar::<f32>();
    assert!(
        error <= 1e-3,
        "forward(sample) is {error} away from the base draws"
    );
}

fn short_training(device: &str, dir: &Path) -> RunSummary {
    run_ok(&[
        "train",
        "--train-size",
        "1024",
        "--valid-size",
        "512",
        "--test-size",
        "512",
        "--batch-size",
        "256",
        "--layers",
        "8",
        "--max-epochs",
        "4",
        "--plot-every",
        "0",
        "--seed",
        "2",
        "--device",
        device,
        "--artifact-dir",
        dir.to_str().unwrap(),
    ]);
    summary(dir)
}

#[test]
fn training_and_inference_commands_run_on_wgpu_like_on_cpu() {
    let gpu_dir = scratch("wgpu-run");
    let cpu_dir = scratch("flex-run");
    let gpu = short_training("wgpu", &gpu_dir);
    let cpu = short_training("flex", &cpu_dir);
    assert_eq!(gpu.backend, "wgpu");
    // Same data, same initial weights (drawn on the host), same steps: the runs agree up to
    // floating-point differences between the backends.
    let (g, c) = (gpu.best_valid_nll.unwrap(), cpu.best_valid_nll.unwrap());
    assert!((g - c).abs() < 0.02, "valid NLL wgpu {g} vs flex {c}");
    assert!(g < 5.0, "wgpu training did not learn: {g}");

    let dir = gpu_dir.to_str().unwrap();
    let eval = |device: &str| -> f64 {
        let out = run_ok(&["eval", "--artifact-dir", dir, "--json", "--device", device]);
        serde_json::from_str::<Value>(&out).unwrap()["test_nll"]
            .as_f64()
            .unwrap()
    };
    let (on_gpu, on_cpu) = (eval("wgpu"), eval("flex"));
    assert!(
        (on_gpu - on_cpu).abs() <= 1e-4 * on_cpu.abs(),
        "eval wgpu {on_gpu} vs flex {on_cpu}"
    );
    assert!((on_gpu - gpu.test_nll.unwrap()).abs() <= 1e-4 * on_gpu.abs());

    let png = gpu_dir.join("d.png");
    run_ok(&[
        "density",
        "--artifact-dir",
        dir,
        "--device",
        "wgpu",
        "--grid",
        "40",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    let csv = gpu_dir.join("s.csv");
    run_ok(&[
        "sample",
        "--artifact-dir",
        dir,
        "--device",
        "wgpu",
        "-n",
        "500",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 501);
    let _ = std::fs::remove_dir_all(&gpu_dir);
    let _ = std::fs::remove_dir_all(&cpu_dir);
}

/// The quick bench times every kind of row on wgpu, the spline family (tensor operations
/// there, a fused operation on the CPU) included.
#[test]
fn the_quick_bench_runs_every_row_on_wgpu() {
    let out = run_ok(&["bench", "--device", "wgpu", "--quick", "--json"]);
    let rows: Vec<Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let has = |flow: &str, what: &str| {
        rows.iter()
            .any(|r| r["flow"] == flow && r["what"] == what && r["backend"] == "wgpu")
    };
    for what in ["train_step", "fit_step", "log_prob_grid", "sample"] {
        assert!(has("planar", what), "planar {what}: {out}");
    }
    for what in ["train_step", "log_prob_grid", "sample"] {
        assert!(has("nsf", what), "nsf {what}: {out}");
    }
}

#[test]
fn a_machine_without_adapter_gets_one_line_and_a_hint() {
    let output = Command::new(env!("CARGO_BIN_EXE_flow-train"))
        .args(["eval", "--artifact-dir", "unused", "--device", "wgpu"])
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        // No EGL vendor either, so that wgpu cannot fall back to OpenGL.
        .env("__EGL_VENDOR_LIBRARY_DIRS", "/nonexistent")
        .env("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent/egl.json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("adapter") && stderr.contains("--release -p flow-train"),
        "{stderr}"
    );
}

//! The examples run as their first comments say, and print what they promise.

mod common;
use common::{built, run_in, scratch_dir};

/// The first number after `label` in `text`.
fn number_after(text: &str, label: &str) -> f64 {
    let rest = &text[text
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in {text}"))
        + label.len()..];
    rest.split_whitespace()
        .next()
        .and_then(|word| word.trim_end_matches([',', ')']).parse().ok())
        .unwrap_or_else(|| panic!("no number after `{label}` in {text}"))
}

#[test]
fn quick_start_trains_and_saves_a_planar_flow() {
    let dir = scratch_dir("quick-start");
    let stdout = run_in(&dir, &built("examples/quick_start"), &[]);
    let nll = number_after(&stdout, "test NLL");
    // N(0, I) scores 7.17 nats, the best Gaussian 4.49, the optimum 3.47.
    assert!((3.46..3.9).contains(&nll), "{stdout}");
    assert!(dir.join("artifacts/quick-start/planar.bpk").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn custom_data_trains_on_points_made_in_the_example() {
    let dir = scratch_dir("custom-data");
    let stdout = run_in(&dir, &built("examples/custom_data"), &[]);
    let nll = number_after(&stdout, "test NLL");
    // A ring of radius 2 and width about 0.15: far below a Gaussian's NLL (about 3.5).
    assert!((0.5..2.0).contains(&nll), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inference_reads_an_artifact_directory_of_flow_train() {
    let dir = scratch_dir("inference");
    run_in(
        &dir,
        &built("flow-train"),
        &[
            "train",
            "--flow",
            "nsf",
            "--max-epochs",
            "12",
            "--train-size",
            "8192",
            "--artifact-dir",
            "run",
        ],
    );
    let stdout = run_in(&dir, &built("examples/inference"), &["run"]);
    assert!(stdout.contains("(nsf) on checkerboard"), "{stdout}");
    let scores: Vec<f64> = stdout
        .lines()
        .filter(|l| l.starts_with("log p("))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(scores.len(), 3, "{stdout}");
    // (1, 1) and (−1, 2.5) lie on filled cells of the checkerboard, (1, −1) on an empty one.
    assert!(scores[0] > scores[1] && scores[2] > scores[1], "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("sample [")).count(),
        5,
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn custom_energy_fits_a_closure_by_variational_inference() {
    let dir = scratch_dir("custom-energy");
    let stdout = run_in(&dir, &built("examples/custom_energy"), &[]);
    let kl = number_after(&stdout, "KL");
    assert!((0.0..0.2).contains(&kl), "{stdout}");
    let log_z = number_after(&stdout, "log Z");
    assert!(
        (log_z - (2.0 * std::f64::consts::PI).ln()).abs() < 1e-4,
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn conditional_samples_follow_their_context() {
    let dir = scratch_dir("conditional");
    let stdout = run_in(&dir, &built("examples/conditional"), &[]);
    let nll = number_after(&stdout, "test NLL");
    assert!(nll < 1.5, "{stdout}");
    // At c = ±0.8 the rings have radii 0.6 and 1.4 around (c, −c).
    for (label, radius) in [("c = -0.8", 0.6), ("c = +0.8", 1.4)] {
        let line = stdout.lines().find(|l| l.starts_with(label)).unwrap();
        let got = number_after(line, "mean distance from (c, -c)");
        assert!((got - radius).abs() < 0.1, "{line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sbi_infers_the_parameters_of_a_simulator_written_in_rust() {
    let dir = scratch_dir("sbi");
    let stdout = run_in(&dir, &built("examples/sbi"), &[]);
    let line = |name: &str| {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("posterior of {name}:")))
            .unwrap_or_else(|| panic!("no posterior of {name} in {stdout}"));
        (number_after(line, "mean"), number_after(line, "std"))
    };
    // Ten draws of N(μ, σ²) with mean 0.7 and standard deviation 1.2: μ's posterior is
    // centred near 0.7 with a spread near σ/√10 ≈ 0.4; σ's near 1.3 with a spread near 0.3.
    let ((mu, mu_std), (sigma, sigma_std)) = (line("mu"), line("sigma"));
    assert!((0.45..0.95).contains(&mu), "{stdout}");
    assert!((0.25..0.6).contains(&mu_std), "{stdout}");
    assert!((1.0..1.7).contains(&sigma), "{stdout}");
    assert!((0.1..0.5).contains(&sigma_std), "{stdout}");
    let inside = number_after(&stdout, "draws:");
    assert!((50.0..=100.0).contains(&inside), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

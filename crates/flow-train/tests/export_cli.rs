//! `export` writes everything another program needs to recompute log p: an independent
//! float64 evaluator of the exported JSON alone (written here from the README's schema)
//! agrees with `score` for every family, and with a standardised file.

use std::path::Path;

use serde_json::Value;

use crate::common::{fresh_path, run_ok, s};

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|f| f.as_f64().expect("a number"))
        .collect()
}

fn number(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn softplus(a: f64) -> f64 {
    a.max(0.0) + (-a.abs()).exp().ln_1p()
}

/// A ReLU network from its exported layers.
fn mlp(conditioner: &Value, input: &[f64]) -> Vec<f64> {
    masked_mlp(conditioner, None, input)
}

/// A ReLU network whose weights are multiplied by `masks` (a MADE's), if given.
fn masked_mlp(conditioner: &Value, masks: Option<&Value>, input: &[f64]) -> Vec<f64> {
    let layers = conditioner["layers"].as_array().unwrap();
    let mut h = input.to_vec();
    for (i, layer) in layers.iter().enumerate() {
        let bias = floats(&layer["bias"]);
        let mut weight: Vec<Vec<f64>> = layer["weight"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        if let Some(masks) = masks {
            for (row, mask) in weight.iter_mut().zip(masks[i].as_array().unwrap()) {
                row.iter_mut().zip(floats(mask)).for_each(|(w, m)| *w *= m);
            }
        }
        let mut out = bias.clone();
        for (j, o) in out.iter_mut().enumerate() {
            *o += h
                .iter()
                .zip(&weight)
                .map(|(x, row)| x * row[j])
                .sum::<f64>();
        }
        if i + 1 < layers.len() {
            out.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        h = out;
    }
    h
}

/// The knots of a spline from its unnormalised sizes: −B, then cumulative shares of 2B.
fn knots(logits: &[f64], bound: f64, min: f64) -> Vec<f64> {
    let top = logits.iter().cloned().fold(f64::MIN, f64::max);
    let exp: Vec<f64> = logits.iter().map(|l| (l - top).exp()).collect();
    let total: f64 = exp.iter().sum();
    let k = logits.len() as f64;
    let mut out = vec![-bound];
    let mut cumulative = 0.0;
    for e in &exp[..exp.len() - 1] {
        cumulative += min + (1.0 - min * k) * e / total;
        out.push(-bound + 2.0 * bound * cumulative);
    }
    out.push(bound);
    out
}

/// One rational-quadratic spline at `x`: `(g(x), ln g'(x))`.
fn spline(x: f64, params: &[f64], bins: usize, bound: f64, min: f64, min_d: f64) -> (f64, f64) {
    if !(-bound..=bound).contains(&x) {
        return (x, 0.0);
    }
    let xs = knots(&params[..bins], bound, min);
    let ys = knots(&params[bins..2 * bins], bound, min);
    let shift = (1.0 - min_d).exp_m1().ln();
    let mut d = vec![1.0];
    d.extend(
        params[2 * bins..]
            .iter()
            .map(|p| min_d + softplus(p + shift)),
    );
    d.push(1.0);
    let k = (1..bins).filter(|&i| x >= xs[i]).count();
    let (dx, dy) = (xs[k + 1] - xs[k], ys[k + 1] - ys[k]);
    let slope = dy / dx;
    let xi = (x - xs[k]) / dx;
    let t = xi * (1.0 - xi);
    let denominator = slope + (d[k + 1] + d[k] - 2.0 * slope) * t;
    let y = ys[k] + dy * (slope * xi * xi + d[k] * t) / denominator;
    let derivative =
        slope * slope * (d[k + 1] * xi * xi + 2.0 * slope * t + d[k] * (1.0 - xi) * (1.0 - xi))
            / (denominator * denominator);
    (y, derivative.ln())
}

/// `log p(x)` of an unconditional density-direction export, in float64, from the JSON alone.
fn log_prob(json: &Value, x: &[f64]) -> f64 {
    log_prob_given(json, x, &[])
}

/// The context as the conditioners read it: standardised, then embedded if the export has
/// an embedding.
fn embedded_context(json: &Value, context: &[f64]) -> Vec<f64> {
    let mut c = context.to_vec();
    if let Some(standardization) = json["context_standardization"].as_object() {
        let (mean, scale) = (
            floats(&standardization["mean"]),
            floats(&standardization["scale"]),
        );
        for (k, value) in c.iter_mut().enumerate() {
            *value = (*value - mean[k]) / scale[k];
        }
    }
    match json.get("context_embedding") {
        Some(embedding) if !embedding.is_null() => mlp(embedding, &c),
        _ => c,
    }
}

/// `log p(x | c)` of a density-direction export, in float64, from the JSON alone.
fn log_prob_given(json: &Value, x: &[f64], context: &[f64]) -> f64 {
    assert_eq!(json["direction"], "density");
    let dim = json["dim"].as_u64().unwrap() as usize;
    assert_eq!(
        json["context_dim"].as_u64().unwrap_or(0) as usize,
        context.len()
    );
    let e = embedded_context(json, context);
    let mut z = x.to_vec();
    let mut log_det = 0.0;
    if let Some(standardization) = json["standardization"].as_object() {
        let (mean, scale) = (
            floats(&standardization["mean"]),
            floats(&standardization["scale"]),
        );
        for d in 0..dim {
            z[d] = (z[d] - mean[d]) / scale[d];
            log_det -= scale[d].ln();
        }
    }
    for transform in json["transforms"].as_array().unwrap() {
        match transform["type"].as_str().unwrap() {
            "planar" => {
                for layer in transform["layers"].as_array().unwrap() {
                    let (w, u_hat) = (floats(&layer["w"]), floats(&layer["u_hat"]));
                    let a: f64 =
                        w.iter().zip(&z).map(|(w, z)| w * z).sum::<f64>() + number(&layer["b"]);
                    let h = a.tanh();
                    z.iter_mut().zip(&u_hat).for_each(|(z, u)| *z += u * h);
                    log_det += (1.0 + (1.0 - h * h) * number(&layer["w_dot_u_hat"]))
                        .abs()
                        .ln();
                }
            }
            "radial" => {
                for layer in transform["layers"].as_array().unwrap() {
                    let z0 = floats(&layer["z0"]);
                    let (alpha, beta) = (number(&layer["alpha"]), number(&layer["beta"]));
                    let r = z
                        .iter()
                        .zip(&z0)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    let h = 1.0 / (alpha + r);
                    z.iter_mut()
                        .zip(&z0)
                        .for_each(|(z, c)| *z += beta * h * (*z - c));
                    log_det += (dim as f64 - 1.0) * (1.0 + beta * h).ln()
                        + (1.0 + alpha * beta * h * h).ln();
                }
            }
            "actnorm" => {
                let (loc, log_scale) = (floats(&transform["loc"]), floats(&transform["log_scale"]));
                for d in 0..dim {
                    z[d] = (z[d] - loc[d]) * (-log_scale[d]).exp();
                    log_det -= log_scale[d];
                }
            }
            kind @ ("affine_coupling" | "spline_coupling") => {
                let index = |key: &str| -> Vec<usize> {
                    transform[key]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap() as usize)
                        .collect()
                };
                let (kept, changed) = (index("kept"), index("changed"));
                let input: Vec<f64> = kept.iter().map(|&i| z[i]).chain(e.clone()).collect();
                let out = mlp(&transform["conditioner"], &input);
                let m = changed.len();
                if kind == "affine_coupling" {
                    let bound = number(&transform["log_scale_bound"]);
                    for (j, &i) in changed.iter().enumerate() {
                        let s = bound * (out[j] / bound).tanh();
                        z[i] = z[i] * s.exp() + out[m + j];
                        log_det += s;
                    }
                } else {
                    let bins = transform["bins"].as_u64().unwrap() as usize;
                    let per = 3 * bins - 1;
                    let (bound, min) = (
                        number(&transform["tail_bound"]),
                        number(&transform["min_bin_size"]),
                    );
                    let min_d = number(&transform["min_derivative"]);
                    for (j, &i) in changed.iter().enumerate() {
                        let (y, ld) =
                            spline(z[i], &out[j * per..(j + 1) * per], bins, bound, min, min_d);
                        z[i] = y;
                        log_det += ld;
                    }
                }
            }
            kind @ ("masked_affine" | "spline_autoregressive") => {
                let made = &transform["made"];
                let input: Vec<f64> = z.iter().copied().chain(e.clone()).collect();
                let mut out = masked_mlp(&made["mlp"], Some(&made["masks"]), &input);
                if !made["direct"].is_null() {
                    let (weight, mask) = (&made["direct"]["weight"], &made["direct"]["mask"]);
                    for (x, (w, m)) in input.iter().zip(
                        weight
                            .as_array()
                            .unwrap()
                            .iter()
                            .zip(mask.as_array().unwrap()),
                    ) {
                        for ((o, w), m) in out.iter_mut().zip(floats(w)).zip(floats(m)) {
                            *o += x * w * m;
                        }
                    }
                }
                let per = made["per_coordinate"].as_u64().unwrap() as usize;
                for i in 0..dim {
                    let p = &out[i * per..(i + 1) * per];
                    if kind == "masked_affine" {
                        let bound = number(&transform["log_scale_bound"]);
                        let s = bound * (p[0] / bound).tanh();
                        z[i] = z[i] * s.exp() + p[1];
                        log_det += s;
                    } else {
                        let bins = transform["bins"].as_u64().unwrap() as usize;
                        let (bound, min) = (
                            number(&transform["tail_bound"]),
                            number(&transform["min_bin_size"]),
                        );
                        let min_d = number(&transform["min_derivative"]);
                        let (y, ld) = spline(z[i], p, bins, bound, min, min_d);
                        z[i] = y;
                        log_det += ld;
                    }
                }
            }
            other => panic!("unknown transform type {other}"),
        }
    }
    let base = &json["base"];
    let (mean, log_scale) = match base["kind"].as_str().unwrap() {
        "standard_normal" => (vec![0.0; dim], vec![0.0; dim]),
        "diagonal_gaussian" => (floats(&base["loc"]), floats(&base["log_scale"])),
        "conditional_gaussian" => {
            let out = mlp(&base["net"], &e);
            let bound = number(&base["log_scale_bound"]);
            let log_scale = out[dim..]
                .iter()
                .map(|o| bound * (o / bound).tanh())
                .collect();
            (out[..dim].to_vec(), log_scale)
        }
        other => panic!("unknown base {other}"),
    };
    let mut log_base = -0.5 * dim as f64 * (2.0 * std::f64::consts::PI).ln();
    for d in 0..dim {
        let e = (z[d] - mean[d]) * (-log_scale[d]).exp();
        log_base -= 0.5 * e * e + log_scale[d];
    }
    log_base + log_det
}

fn rows(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// Trains briefly, exports, and compares the JSON evaluator with `score` on the model's
/// own samples.
fn check(name: &str, train: &[&str]) {
    let dir = fresh_path(&format!("export-{name}"));
    let model = dir.join("model");
    std::fs::create_dir_all(&dir).unwrap();
    let mut args = vec![
        "train",
        "--device",
        "flex",
        "--artifact-dir",
        s(&model),
        "--seed",
        "4",
    ];
    args.extend_from_slice(train);
    run_ok(&args);
    let at = ["--artifact-dir", s(&model), "--device", "flex"];
    let (json_path, samples, scores) = (
        dir.join("params.json"),
        dir.join("x.csv"),
        dir.join("s.csv"),
    );
    run_ok(&[&["export"][..], &at, &["--out", s(&json_path)]].concat());
    run_ok(&[&["sample"][..], &at, &["-n", "200", "--out", s(&samples)]].concat());
    run_ok(
        &[
            &["score"][..],
            &at,
            &["--input", s(&samples), "--out", s(&scores)],
        ]
        .concat(),
    );
    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    for (point, score) in rows(&samples).iter().zip(rows(&scores)) {
        let want = score[0];
        let got = log_prob(&json, point);
        assert!(
            (got - want).abs() < 2e-3 * want.abs().max(1.0),
            "{name}: log p({point:?}) from the JSON {got}, score {want}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_export_of_every_family_recomputes_score() {
    let short = [
        "--train-size",
        "4096",
        "--valid-size",
        "512",
        "--test-size",
        "512",
        "--max-epochs",
        "3",
    ];
    check(
        "planar",
        &[&["--flow", "planar", "--layers", "6"][..], &short].concat(),
    );
    check(
        "radial",
        &[&["--flow", "radial", "--layers", "6"][..], &short].concat(),
    );
    check(
        "realnvp",
        &[
            &["--flow", "realnvp", "--transforms", "3", "--hidden", "16"][..],
            &short,
        ]
        .concat(),
    );
    check(
        "nsf",
        &[
            &[
                "--flow",
                "nsf",
                "--transforms",
                "3",
                "--hidden",
                "16",
                "--bins",
                "6",
            ][..],
            &short,
        ]
        .concat(),
    );
    check(
        "maf",
        &[
            &["--flow", "maf", "--transforms", "3", "--hidden", "16"][..],
            &short,
        ]
        .concat(),
    );
    check(
        "nsf-ar",
        &[
            &[
                "--flow",
                "nsf-ar",
                "--transforms",
                "2",
                "--hidden",
                "16",
                "--bins",
                "6",
                "--order",
                "random",
            ][..],
            &short,
        ]
        .concat(),
    );
}

/// A conditional model of every kind that takes a context, trained briefly on a file whose
/// context columns sit between x's: the JSON evaluator agrees with `score`.
#[test]
fn the_export_of_a_conditional_flow_recomputes_score() {
    let dir = fresh_path("export-conditional");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data.csv");
    // x = (c1 + noise, c1·c2 + noise) in columns 1 and 4, the context in columns 2 and 3.
    let mut text = String::from("x1,c1,c2,x2\n");
    for i in 0..800 {
        let t = i as f64;
        let (c1, c2) = (3.0 * (0.37 * t).sin(), 10.0 + (0.11 * t).cos());
        let (n1, n2) = ((1.3 * t).sin(), (2.9 * t).cos());
        text.push_str(&format!("{},{c1},{c2},{}\n", c1 + 0.3 * n1, c1 * c2 + n2));
    }
    std::fs::write(&data, text).unwrap();
    let common = [
        "--data",
        s(&data),
        "--context-columns",
        "c1,c2",
        "--max-epochs",
        "4",
    ];
    for (name, flags) in [
        (
            "maf-direct",
            &[
                "--flow",
                "maf",
                "--transforms",
                "2",
                "--hidden",
                "16",
                "--direct",
                "true",
            ][..],
        ),
        (
            "nsf-ar-embedded",
            &[
                "--flow",
                "nsf-ar",
                "--transforms",
                "2",
                "--hidden",
                "16",
                "--bins",
                "5",
                "--context-embedding",
                "8,4",
                "--base",
                "conditional-gaussian",
            ][..],
        ),
        (
            "realnvp",
            &["--flow", "realnvp", "--transforms", "2", "--hidden", "16"][..],
        ),
        (
            "nsf",
            &[
                "--flow",
                "nsf",
                "--transforms",
                "2",
                "--hidden",
                "16",
                "--bins",
                "5",
            ][..],
        ),
    ] {
        let model = dir.join(name);
        run_ok(
            &[
                &["train", "--device", "flex", "--artifact-dir", s(&model)][..],
                &common,
                flags,
            ]
            .concat(),
        );
        let at = ["--artifact-dir", s(&model), "--device", "flex"];
        let (json_path, scores) = (
            dir.join(format!("{name}.json")),
            dir.join(format!("{name}.csv")),
        );
        run_ok(&[&["export"][..], &at, &["--out", s(&json_path)]].concat());
        run_ok(
            &[
                &["score"][..],
                &at,
                &["--input", s(&data), "--out", s(&scores)],
            ]
            .concat(),
        );
        let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
        assert_eq!(json["context_dim"], 2, "{name}");
        for (row, score) in rows(&data).iter().zip(rows(&scores)).take(200) {
            let (x, c) = ([row[0], row[3]], [row[1], row[2]]);
            let (want, got) = (score[0], log_prob_given(&json, &x, &c));
            assert!(
                (got - want).abs() < 2e-3 * want.abs().max(1.0),
                "{name}: log p({x:?} | {c:?}) from the JSON {got}, score {want}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_export_of_a_standardised_file_recomputes_score() {
    let dir = fresh_path("export-file-data");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data.csv");
    // Three correlated columns far from standard units.
    let mut text = String::from("a,b,c\n");
    for i in 0..600 {
        let t = i as f64 * 0.37;
        text.push_str(&format!(
            "{},{},{}\n",
            50.0 + 10.0 * t.sin(),
            -3.0 + 0.1 * (2.0 * t).cos() + 0.01 * t,
            7.0 * t.cos() * t.sin()
        ));
    }
    std::fs::write(&data, text).unwrap();
    check(
        "nsf-file",
        &[
            "--flow",
            "nsf",
            "--transforms",
            "3",
            "--hidden",
            "16",
            "--bins",
            "6",
            "--data",
            s(&data),
            "--max-epochs",
            "20",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

//! Conditional flows `p(x | c)`: every family that takes a context, with and without a
//! context embedding and a conditional base, held to what the unconditional flows are.

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Device, Tensor};
use flow_model::{AutoregressiveConfig, Flow, FlowConfig, Given, MafConfig, repeat_rows};

use crate::common::{
    assert_all_close, conditional_configs, floats, matrix, perturbed, random_conditional_flow,
    uniform,
};
use crate::jacobian::autodiff_log_dets;

const CONTEXT: usize = 3;

/// `n` contexts of width [`CONTEXT`], all different.
fn contexts(n: usize, seed: u64, device: &Device) -> Tensor<2> {
    matrix(&uniform(n * CONTEXT, 2.0, seed), CONTEXT, device)
}

#[test]
fn log_dets_match_autodiff_jacobians_at_a_fixed_context() {
    let device = Device::flex().autodiff();
    for dim in [1, 2, 4] {
        for (name, config) in conditional_configs(dim, CONTEXT) {
            let flow = random_conditional_flow(&config, 4, &device);
            let points = uniform(16 * dim, 3.5, 9);
            let context = repeat_rows(contexts(1, 5, &device), 16);
            // The context is embedded anew for each backward pass (each consumes its graph).
            let given = || flow.given(context.clone());
            for (direction, (numeric, reported)) in [
                (
                    "to_latent",
                    autodiff_log_dets(|x| given().to_latent(x), &points, dim, &device),
                ),
                (
                    "to_data",
                    autodiff_log_dets(|z| given().to_data(z), &points, dim, &device),
                ),
            ] {
                assert_all_close(
                    &format!("{name} D = {dim} {direction}"),
                    &numeric,
                    &reported,
                    1e-3,
                    false,
                );
            }
        }
    }
}

#[test]
fn inverse_undoes_forward_at_a_batch_of_different_contexts() {
    let device = Device::flex();
    for dim in [1, 2, 5] {
        for (name, config) in conditional_configs(dim, CONTEXT) {
            let flow = random_conditional_flow(&config, 6, &device);
            let given = flow.given(contexts(200, 7, &device));
            let x = matrix(&uniform(200 * dim, 2.5, 8), dim, &device);
            assert_round_trip(&format!("{name} D = {dim}"), &given, x);
        }
    }
}

#[test]
fn samples_at_a_context_have_the_log_density_log_prob_gives() {
    let device = Device::flex();
    for dim in [1, 3] {
        for (name, config) in conditional_configs(dim, CONTEXT) {
            let flow = random_conditional_flow(&config, 10, &device);
            // 100 samples at each of 4 contexts, and one sample at each of 400 contexts.
            for context in [
                repeat_rows(contexts(4, 11, &device), 100),
                contexts(400, 12, &device),
            ] {
                let given = flow.given(context.clone());
                let (x, log_q) = given.sample_with_log_prob(13);
                let log_p = flow.log_prob_with_context(x, context);
                assert_all_close(
                    &format!("{name} D = {dim}"),
                    &floats(log_q),
                    &floats(log_p),
                    1e-3,
                    true,
                );
            }
        }
    }
}

#[test]
fn densities_integrate_to_one_at_each_of_three_contexts() {
    let device = Device::flex();
    let (cells, half_width) = (300usize, 8.0f64);
    let step = 2.0 * half_width / cells as f64;
    let grid: Vec<f32> = (0..cells * cells)
        .flat_map(|k| {
            let (i, j) = (k / cells, k % cells);
            [i, j].map(|c| (-half_width + (c as f64 + 0.5) * step) as f32)
        })
        .collect();
    for (name, config) in conditional_configs(2, CONTEXT) {
        let flow = random_conditional_flow(&config, 14, &device);
        for (k, context) in [[-1.5f32, 0.0, 1.0], [0.0; 3], [2.0, -2.0, 0.5]]
            .iter()
            .enumerate()
        {
            let c = repeat_rows(matrix(context, CONTEXT, &device), cells * cells);
            let log_p = floats(flow.log_prob_with_context(matrix(&grid, 2, &device), c));
            let mass: f64 = log_p.iter().map(|v| v.exp() * step * step).sum();
            assert!(
                (mass - 1.0).abs() < 0.01,
                "{name}, context {k}: ∫ p = {mass}"
            );
        }
    }
}

#[test]
fn the_context_changes_the_density() {
    let device = Device::flex();
    for (name, config) in conditional_configs(2, CONTEXT) {
        let flow = random_conditional_flow(&config, 15, &device);
        let x = matrix(&uniform(2 * 50, 2.0, 16), 2, &device);
        let at = |c: [f32; 3]| {
            floats(flow.log_prob_with_context(x.clone(), repeat_rows(matrix(&c, 3, &device), 50)))
        };
        let (a, b) = (at([1.0, -1.0, 0.5]), at([-1.0, 2.0, 0.0]));
        let change: f64 = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).sum::<f64>() / 50.0;
        assert!(
            change > 1e-3,
            "{name}: log p barely moves with the context ({change})"
        );
    }
}

#[test]
fn a_saved_and_reloaded_model_gives_the_same_log_density() {
    let device = Device::flex();
    let dir = std::env::temp_dir().join(format!("flow-model-conditional-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (k, (name, config)) in conditional_configs(3, CONTEXT).into_iter().enumerate() {
        let flow = random_conditional_flow(&config, 17, &device);
        let x = matrix(&uniform(3 * 40, 2.0, 18), 3, &device);
        let c = contexts(40, 19, &device);
        let before = floats(flow.log_prob_with_context(x.clone(), c.clone()));
        let path = dir.join(format!("model-{k}.bpk"));
        flow.into_record().save(path.clone()).unwrap();
        // The same configuration and seed (which draw the splits and orders), fresh weights.
        let fresh: Flow = config.clone().with_seed(17).init(&device).unwrap();
        let loaded = fresh
            .try_load_record(ModuleRecord::load(&path).unwrap())
            .unwrap();
        let after = floats(loaded.log_prob_with_context(x, c));
        assert_all_close(name.as_str(), &after, &before, 1e-6, false);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn far_points_and_far_contexts_give_finite_log_densities_and_gradients() {
    let device = Device::flex().autodiff();
    for (name, config) in conditional_configs(2, CONTEXT) {
        let flow = random_conditional_flow(&config, 20, &device);
        // Far beyond the splines' tail bound (3), at contexts far outside [−2, 2].
        let x = matrix(&[1e3, -1e3, 50.0, 3.0, -3.0, 1e4, 0.0, 0.0], 2, &device);
        let c = matrix(
            &[
                1e3, -1e3, 0.0, 0.0, 0.0, 0.0, -500.0, 500.0, 1e3, 0.5, 1e4, -2.0,
            ],
            CONTEXT,
            &device,
        );
        let log_p = flow.log_prob_with_context(x, c);
        for v in floats(log_p.clone()) {
            assert!(v.is_finite(), "{name}: log p = {v}");
        }
        let grads = log_p.sum().backward();
        let mut count = 0;
        flow.visit(&mut crate::common::GradientCheck {
            grads: &grads,
            what: &name,
            count: &mut count,
        });
        assert!(count > 0, "{name}: no parameter has a gradient");
    }
}

/// MADE's direct connections: a MAF with them (every weight perturbed, so that the direct
/// paths carry weight) inverts exactly, without a context and at each context,
/// log-determinants too.
#[test]
fn a_maf_with_direct_connections_inverts_exactly() {
    let device = Device::flex();
    let dim = 5;
    for context in [0, CONTEXT] {
        let made = AutoregressiveConfig::new(3)
            .with_hidden(16)
            .with_direct(true);
        let flow = FlowConfig::new(dim, MafConfig::new(made))
            .with_context(context)
            .with_seed(4)
            .init(&device)
            .unwrap();
        let flow = perturbed(flow, 0.1, 5);
        let x = matrix(&uniform(200 * dim, 3.0, 7), dim, &device);
        let given = if context == 0 {
            flow.unconditional()
        } else {
            flow.given(contexts(200, 8, &device))
        };
        assert_round_trip(&format!("context {context}"), &given, x);
    }
}

/// Fails unless `to_data` undoes `to_latent` at `x`, log-determinants included, within 1e-4.
fn assert_round_trip(what: &str, given: &Given<'_>, x: Tensor<2>) {
    let (z, log_det) = given.to_latent(x.clone());
    let (back, log_det_back) = given.to_data(z);
    assert_all_close(&format!("{what}: x"), &floats(back), &floats(x), 1e-4, true);
    assert_all_close(
        &format!("{what}: log-determinants"),
        &floats(log_det_back.neg()),
        &floats(log_det),
        1e-4,
        true,
    );
}

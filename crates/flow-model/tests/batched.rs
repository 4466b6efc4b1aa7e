//! The batched forward pass against the layer-by-layer reference: same values, same gradients.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{PlanarFlow, PlanarFlowConfig};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().iter::<f32>().map(f64::from).collect()
}

fn assert_all_close(what: &str, a: &[f64], b: &[f64], rel: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let scale = x.abs().max(y.abs()).max(1e-3);
        assert!((x - y).abs() <= rel * scale, "{what}[{i}]: {x} vs {y}");
    }
}

fn parameter_gradients(flow: &PlanarFlow, x: Tensor<2>, batched: bool) -> Vec<f64> {
    let output = if batched {
        flow.forward(x)
    } else {
        flow.forward_layerwise(x)
    };
    let loss = output.sum_log_det.sum() + output.z.square().sum().mul_scalar(0.5);
    let grads = loss.backward();
    flow.layers
        .iter()
        .flat_map(|l| {
            [&l.u, &l.w, &l.b]
                .into_iter()
                .flat_map(|p| {
                    floats(
                        p.val()
                            .grad(&grads)
                            .expect("every parameter has a gradient"),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn batched_forward_matches_layerwise_values_and_gradients() {
    let device = Device::flex().autodiff();
    for (dim, layers, seed) in [(2, 8, 1), (2, 32, 2), (5, 6, 3)] {
        let flow = PlanarFlowConfig::new(dim, layers)
            .with_init_bound(Some(1.0))
            .with_seed(seed)
            .init(&device)
            .unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let n = 300;
        let values: Vec<f32> = (0..n * dim)
            .map(|_| rng.random_range(-5.0f32..5.0))
            .collect();
        let x = || Tensor::<2>::from_data(TensorData::new(values.clone(), [n, dim]), &device);

        let fast = flow.forward(x());
        let reference = flow.forward_layerwise(x());
        assert_all_close("z", &floats(fast.z), &floats(reference.z), 1e-5);
        assert_all_close(
            "sum_log_det",
            &floats(fast.sum_log_det),
            &floats(reference.sum_log_det),
            1e-5,
        );
        let fast = parameter_gradients(&flow, x(), true);
        let reference = parameter_gradients(&flow, x(), false);
        assert_eq!(fast.len(), flow.num_params());
        assert_all_close("gradient", &fast, &reference, 1e-5);
    }
}

//! The fused planar map of the CPU backends against the plain tensor operations: the same
//! image, log-determinant and gradients, for any gradient flowing into both outputs.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{Bijection, Flow, FlowConfig, PlanarConfig};

use crate::common::{assert_all_close, floats, planar_of, uniform};

/// The outputs and the gradients (for the points, then `u`, `w`, `b`) of
/// `Σ g_z · z + Σ g_ld · log|det J|`.
fn outputs_and_gradients(
    flow: &Flow,
    x: Tensor<2>,
    g_z: Tensor<2>,
    g_ld: Tensor<1>,
    fused: bool,
) -> [Vec<f64>; 4] {
    let planar = planar_of(flow);
    let x = x.require_grad();
    let (z, log_det) = if fused {
        planar.forward(x.clone())
    } else {
        planar.forward_tensor_ops(x.clone())
    };
    let outputs = (floats(z.clone().detach()), floats(log_det.clone().detach()));
    let grads = ((z * g_z).sum() + (log_det * g_ld).sum()).backward();
    let gradient = "a gradient";
    let mut params = floats(planar.u.val().grad(&grads).expect(gradient));
    params.extend(floats(planar.w.val().grad(&grads).expect(gradient)));
    params.extend(floats(planar.b.val().grad(&grads).expect(gradient)));
    [
        outputs.0,
        outputs.1,
        floats(x.grad(&grads).expect(gradient)),
        params,
    ]
}

#[test]
fn fused_map_matches_the_tensor_operations() {
    let device = Device::flex().autodiff();
    // The sizes cross the kernel's chunk (256 points) and thread (16 384 points) boundaries.
    for (dim, layers, n, seed) in [
        (2, 8, 300, 1),
        (2, 32, 1024, 2),
        (3, 5, 257, 3),
        (1, 4, 40, 4),
        (2, 16, 40_000, 5),
    ] {
        let flow = FlowConfig::new(dim, PlanarConfig::new(layers).with_init_bound(Some(1.5)))
            .with_seed(seed)
            .init(&device)
            .unwrap();
        let tensor = |values: Vec<f32>, shape: Vec<usize>| TensorData::new(values, shape);
        let x = Tensor::<2>::from_data(tensor(uniform(n * dim, 4.0, seed), vec![n, dim]), &device);
        let g_z = Tensor::<2>::from_data(
            tensor(uniform(n * dim, 1.0, seed + 10), vec![n, dim]),
            &device,
        );
        let g_ld = Tensor::<1>::from_data(tensor(uniform(n, 1.0, seed + 20), vec![n]), &device);
        let fast = outputs_and_gradients(&flow, x.clone(), g_z.clone(), g_ld.clone(), true);
        let reference = outputs_and_gradients(&flow, x, g_z, g_ld, false);
        let case = format!("D={dim} K={layers} N={n}");
        for (what, (a, b), normwise) in [
            ("z", (&fast[0], &reference[0]), true),
            ("log det", (&fast[1], &reference[1]), true),
            ("∂/∂x", (&fast[2], &reference[2]), true),
            ("∂/∂θ", (&fast[3], &reference[3]), true),
        ] {
            assert_all_close(&format!("{what}, {case}"), a, b, 1e-5, normwise);
        }
    }
}

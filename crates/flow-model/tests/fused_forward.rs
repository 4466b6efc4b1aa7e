//! The fused planar map of the CPU backends against the plain tensor operations: the same
//! image, log-determinant and gradients, for any gradient flowing into both outputs.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::{FlowConfig, PlanarConfig};

use crate::common::{
    assert_all_close, map_outputs_and_gradients as outputs_and_gradients, uniform,
};

#[test]
fn fused_map_matches_the_tensor_operations() {
    let device = Device::flex().autodiff();
    // The sizes cross the kernel's chunk (256 points) and thread (16 384 points) boundaries.
    // The map's gradients at K = 32 with parameters up to 1.5 reach 100× their typical size
    // at some points, where the rounding of û alone (f64 in the fused operation, f32 in the
    // tensor operations) moves them by 1–2e-5 normwise: that case takes parameters up to 1.
    for (dim, layers, n, bound, seed) in [
        (2, 8, 300, 1.5, 1),
        (2, 32, 1024, 1.0, 2),
        (3, 5, 257, 1.5, 3),
        (1, 4, 40, 1.5, 4),
        (2, 16, 40_000, 1.5, 5),
    ] {
        let flow = FlowConfig::new(dim, PlanarConfig::new(layers).with_init_bound(Some(bound)))
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

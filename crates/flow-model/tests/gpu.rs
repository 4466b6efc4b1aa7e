//! The GPU kernels of the fused log-density and inverse (wgpu, through Burn's fusion and
//! autodiff) against the tensor operations on the same device and the CPU fused path: same
//! values, same gradients, same inverse.
//!
//! Needs a Vulkan, Metal or DX12 adapter (in CI, Mesa's software Vulkan driver, lavapipe).
//! The kernels take `D` as a compile-time constant and loop over it; D = 1, 2 and 3 stand for
//! the others, and the log-density test also takes D = 16 and 33, where the forward kernel
//! holds fewer points per unit.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, DeviceKind, Distribution, Tensor, TensorData};
use flow_model::cpu::fused;
use flow_model::{Bijection, Flow, FlowConfig, InverseSolver, PlanarConfig};

use crate::common::{
    assert_all_close, assert_same, floats, map_outputs_and_gradients, matrix, planar_of,
    reparametrisation_branches, small_families, uniform as random_values, values_and_gradients,
};

fn wgpu() -> Device {
    Device::wgpu(DeviceKind::DefaultDevice)
}

/// A flow with parameters drawn from U(−1.5, 1.5) on `device` (equal on every device for a
/// seed).
fn random_flow(dim: usize, layers: usize, seed: u64, device: &Device) -> Flow {
    bounded_flow(dim, layers, 1.5, seed, device)
}

/// A flow with parameters drawn from U(−bound, bound) on `device`.
fn bounded_flow(dim: usize, layers: usize, bound: f64, seed: u64, device: &Device) -> Flow {
    FlowConfig::new(dim, PlanarConfig::new(layers).with_init_bound(Some(bound)))
        .with_seed(seed)
        .init(device)
        .unwrap()
}

#[test]
fn wgpu_takes_the_fused_path() {
    let device = wgpu();
    assert!(fused::supports(&device));
    assert!(fused::supports(&device.autodiff()));
}

/// Burn 0.22.1's `sum_dim` on wgpu is wrong over 65 535 rows or more (on lavapipe it returns
/// the same value for every N from 65 535 on), and the tensor-op gradients of the
/// parameters sum over the points with it: past this many points they are no reference.
const WGPU_SUM_DIM_ROWS: usize = 65_535;

#[test]
fn gpu_log_prob_and_gradients_match_tensor_ops_and_cpu() {
    let gpu = wgpu().autodiff();
    let cpu = Device::flex().autodiff();
    // N crosses the cube size (64 points), is 1, and reaches past 65 536 (several blocks per
    // cube in the backward pass). With K ≥ 16 at such N, any two f32 implementations (the
    // CPU tensor ops and CPU fused path too) differ by 1–4e-5 normwise in ∂/∂x at outlying
    // points, so K = 32 is checked on the smaller batches.
    for (dim, layers, n, bound, seed) in [
        (1, 1, 1, 1.5, 1),
        (2, 8, 100, 1.5, 2),
        (3, 32, 1000, 1.5, 3),
        (2, 32, 1024, 1.5, 4),
        (3, 1, 257, 1.5, 5),
        (1, 8, 65_537, 1.5, 6),
        (2, 8, 70_001, 1.5, 7),
        (3, 8, 65_600, 1.5, 8),
        // Past the K·D the backward kernel unrolls (256), with more sums than its shared
        // memory takes at once. Smaller parameters keep 128 layers within f32 reach of 1e-5.
        (3, 128, 300, 0.5, 9),
        // Fewer points per unit of the forward kernel in higher dimensions (4 at D = 16,
        // 1 at D = 33), and at D = 33 the backward kernel's loops past its unroll limit.
        (16, 8, 300, 0.5, 10),
        (33, 8, 130, 0.5, 11),
    ] {
        let points = random_values(n * dim, 5.0, seed);
        let weights = random_values(n, 1.0, seed + 100);
        let x = |device: &Device| {
            Tensor::<2>::from_data(TensorData::new(points.clone(), [n, dim]), device)
        };
        let g =
            |device: &Device| Tensor::<1>::from_data(TensorData::new(weights.clone(), [n]), device);
        let on_gpu = bounded_flow(dim, layers, bound, seed, &gpu);
        let on_cpu = bounded_flow(dim, layers, bound, seed, &cpu);
        let case = format!("D={dim} K={layers} N={n}");

        let fast = values_and_gradients(&on_gpu, x(&gpu), g(&gpu), true);
        let tensor_ops = values_and_gradients(&on_gpu, x(&gpu), g(&gpu), false);
        let what = format!("{case}, against tensor ops on wgpu");
        assert_same(&what, &fast, &tensor_ops, n < WGPU_SUM_DIM_ROWS);
        // The CPU fused path sums the parameter gradients in f64.
        let host = values_and_gradients(&on_cpu, x(&cpu), g(&cpu), true);
        assert_same(
            &format!("{case}, against the CPU fused path"),
            &fast,
            &host,
            true,
        );
    }
}

#[test]
fn gpu_planar_map_and_gradients_match_tensor_ops_and_cpu() {
    // The map of the generator direction (`fit`): the image, `Σ log|det J|` and the gradients
    // of any weighting of both. N crosses the cube size, is 1, and reaches past 65 536. As
    // for the CPU map, K = 32 takes parameters up to 1, where f32 rounding alone stays
    // within 1e-5 of the gradients' size.
    let gpu = wgpu().autodiff();
    let cpu = Device::flex().autodiff();
    for (dim, layers, n, bound, seed) in [
        (1, 1, 1, 1.5, 31),
        (2, 8, 100, 1.5, 32),
        (3, 32, 1000, 1.0, 33),
        (2, 32, 1024, 1.0, 34),
        (2, 8, 70_001, 1.5, 35),
    ] {
        let x = random_values(n * dim, 4.0, seed);
        let g_z = random_values(n * dim, 1.0, seed + 100);
        let g_ld = random_values(n, 1.0, seed + 200);
        let run = |device: &Device, fused: bool| {
            let flow = bounded_flow(dim, layers, bound, seed, device);
            let matrix =
                |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [n, dim]), device);
            let g_ld = Tensor::<1>::from_data(TensorData::new(g_ld.clone(), [n]), device);
            map_outputs_and_gradients(&flow, matrix(&x), matrix(&g_z), g_ld, fused)
        };
        let fast = run(&gpu, true);
        let case = format!("D={dim} K={layers} N={n}");
        for (reference, against) in [(run(&gpu, false), "tensor ops"), (run(&cpu, true), "CPU")] {
            let names = ["image", "log det", "∂/∂x", "∂/∂θ"];
            for (what, (a, b)) in names.iter().zip(fast.iter().zip(&reference)) {
                // The tensor ops' parameter sums are wrong on wgpu past 65 535 rows.
                if *what == "∂/∂θ" && against == "tensor ops" && n >= WGPU_SUM_DIM_ROWS {
                    continue;
                }
                let what = format!("{what}, {case}, against {against}");
                assert_all_close(&what, a, b, 1e-5, true);
            }
        }
    }
}

#[test]
fn gpu_log_prob_takes_every_branch_of_the_reparametrisation_like_the_tensor_operations() {
    // The kernels reparametrise u themselves: û, c and their chain rule must follow each
    // branch of the tensor operations.
    let device = wgpu().autodiff();
    let flow = reparametrisation_branches(&device);
    let n = 200;
    let x = Tensor::<2>::from_data(
        TensorData::new(random_values(2 * n, 3.0, 21), [n, 2]),
        &device,
    );
    let g = Tensor::<1>::from_data(TensorData::new(random_values(n, 1.0, 22), [n]), &device);
    let fast = values_and_gradients(&flow, x.clone(), g.clone(), true);
    let reference = values_and_gradients(&flow, x, g, false);
    assert_same("the reparametrisation's branches", &fast, &reference, true);
}

#[test]
fn gpu_log_prob_takes_strided_points_and_runs_without_autodiff() {
    let device = wgpu();
    let flow = random_flow(2, 8, 9, &device);
    let n = 300;
    let values = random_values(2 * n, 5.0, 9);
    // The same points as the transpose of a [2, N] tensor: not contiguous.
    let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [n, 2]), &device);
    let columns = Tensor::<2>::from_data(TensorData::new(values, [n, 2]), &device)
        .transpose()
        .mul_scalar(1.0);
    let strided = floats(flow.log_prob(columns.transpose()));
    let reference = floats(flow.log_prob_tensor_ops(x.clone()));
    assert_all_close("log p of strided points", &strided, &reference, 1e-5, false);

    let odd = Tensor::<2>::from_floats([[0.5, -1.0], [f32::NAN, 0.0], [1e6, 1e6]], &device);
    let fast = floats(flow.log_prob(odd.clone()));
    let reference = floats(flow.log_prob_tensor_ops(odd));
    assert!(
        fast[1].is_nan() && reference[1].is_nan(),
        "{fast:?} {reference:?}"
    );
    assert_all_close(
        "log p",
        &[fast[0], fast[2]],
        &[reference[0], reference[2]],
        1e-5,
        false,
    );
}

#[test]
fn gpu_log_prob_of_no_points_is_empty_with_zero_gradients() {
    let device = wgpu().autodiff();
    let flow = random_flow(2, 4, 10, &device);
    let x = Tensor::<2>::zeros([0, 2], &device).require_grad();
    let log_p = flow.log_prob(x.clone());
    assert_eq!(log_p.dims(), [0]);
    let grads = log_p.sum().backward();
    let w = floats(planar_of(&flow).w.val().grad(&grads).expect("a gradient"));
    assert_eq!(w, vec![0.0; 8]);
}

/// Checks `|a − b| ≤ tolerance · κ` per point, where `κ = max(1, exp(−Σ log|det J| / D))` is
/// the f32 error amplification of inverting a flow that contracts volume at that point.
fn assert_inverse_close(
    what: &str,
    a: &Tensor<2>,
    b: &Tensor<2>,
    log_det: Tensor<1>,
    tolerance: f64,
) {
    let [n, dim] = b.dims();
    let error = floats((a.clone() - b.clone()).abs().max_dim(1).reshape([n]));
    let log_det = floats(log_det);
    for (i, (&e, &ld)) in error.iter().zip(&log_det).enumerate() {
        let kappa = (-ld / dim as f64).exp().max(1.0);
        assert!(
            e <= tolerance * kappa,
            "{what}: point {i} off by {e} (allowed {})",
            tolerance * kappa
        );
    }
}

#[test]
fn gpu_inverse_round_trips_and_matches_tensor_ops_and_cpu() {
    let gpu = wgpu();
    let cpu = Device::flex();
    let solver = InverseSolver::default();
    // As in the round-trip tests of the CPU paths, 1e-4·κ: at K = 32 the CPU tensor ops and
    // the CPU fused path already differ by up to 4e-5·κ.
    for (dim, layers, n, seed) in [
        (1, 1, 1, 11),
        (2, 8, 1000, 12),
        (3, 32, 777, 13),
        (2, 32, 65_537, 14),
        (1, 32, 300, 15),
    ] {
        let case = format!("D={dim} K={layers} N={n}");
        let flow = random_flow(dim, layers, seed, &gpu);
        let latent = random_values(n * dim, 3.0, seed);
        let z = |device: &Device| {
            Tensor::<2>::from_data(TensorData::new(latent.clone(), [n, dim]), device)
        };
        let planar = planar_of(&flow);
        let (x, inverse_log_det) = planar.inverse_with(z(&gpu), &solver);
        let (forward, log_det) = planar.forward(x.clone());
        assert_inverse_close(
            &format!("{case}: forward(inverse(z))"),
            &forward,
            &z(&gpu),
            log_det.clone(),
            1e-4,
        );
        // The inverse's log-determinant is minus the forward's at the preimage.
        assert_all_close(
            &format!("{case}: log det of the inverse"),
            &floats(inverse_log_det.neg()),
            &floats(log_det.clone()),
            1e-4,
            true,
        );
        let (tensor_ops, _) = planar.inverse_tensor_ops(z(&gpu), &solver);
        assert_inverse_close(
            &format!("{case}: against tensor ops on wgpu"),
            &x,
            &tensor_ops,
            log_det.clone(),
            1e-4,
        );
        let cpu_flow = random_flow(dim, layers, seed, &cpu);
        let (on_cpu, _) = planar_of(&cpu_flow).inverse_with(z(&cpu), &solver);
        let on_cpu = Tensor::<2>::from_data(on_cpu.into_data(), &gpu);
        assert_inverse_close(
            &format!("{case}: against the CPU fused path"),
            &x,
            &on_cpu,
            log_det,
            1e-4,
        );
    }
}

/// The other families run Burn's tensor operations on wgpu, where the CPU backends fuse the
/// spline: the same values as on the CPU, and the same gradients with respect to the points,
/// for log p (density direction), sampling (its inverse) and the generator's map (`fit`).
#[test]
fn every_family_runs_on_wgpu_like_on_the_cpu() {
    use flow_model::{BaseKind, Direction};
    let (gpu, cpu) = (wgpu().autodiff(), Device::flex().autodiff());
    let (n, dim) = (300, 2);
    let points = random_values(n * dim, 2.5, 31);
    let families = small_families(dim);
    for (name, family) in families.into_iter().filter(|(name, _)| *name != "planar") {
        // (log p, ∂/∂x of Σ log p, sampling's points, the generator's map, its ∂/∂z).
        let run = |device: &Device| {
            let flow = |direction| {
                let base = BaseKind::StandardNormal;
                crate::common::random_flow(dim, family.clone(), direction, base, 5, device)
            };
            let density = flow(Direction::Density);
            let x = matrix(&points, dim, device).require_grad();
            let log_p = density.log_prob(x.clone());
            let grad_x = x.grad(&log_p.clone().sum().backward()).expect("∂/∂x");
            let (sampled, _) = density.to_data(x.clone().detach());
            let z = x.detach().require_grad();
            let (mapped, log_det) = flow(Direction::Generative).to_data(z.clone());
            let grads = (mapped.clone().sum() + log_det.clone().sum()).backward();
            let grad_z = z.grad(&grads).expect("∂/∂z");
            let mut map = floats(mapped.detach());
            map.extend(floats(log_det.detach()));
            [
                floats(log_p.detach()),
                floats(grad_x),
                floats(sampled.detach()),
                map,
                floats(grad_z),
            ]
        };
        let (on_gpu, on_cpu) = (run(&gpu), run(&cpu));
        let parts = [
            "log p",
            "∂/∂x",
            "sampling",
            "generator map",
            "generator ∂/∂z",
        ];
        for ((part, a), b) in parts.iter().zip(&on_gpu).zip(&on_cpu) {
            assert_all_close(&format!("{name}, {part}"), a, b, 1e-4, true);
        }
    }
}

#[test]
fn gpu_sampling_on_an_autodiff_device_matches_the_plain_device() {
    let device = wgpu();
    let flow = random_flow(2, 8, 16, &device);
    let autodiff = device.clone().autodiff();
    let trained = random_flow(2, 8, 16, &autodiff);
    // The plain device inverts with the fused kernel, the autodiff one with the
    // differentiable tensor operations: the same points up to rounding.
    let plain = floats(flow.sample(500, 3, &device));
    let tracked = floats(trained.sample(500, 3, &autodiff));
    assert_all_close("samples", &tracked, &plain, 1e-4, true);
}

/// The median and the fastest of several timed calls, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Timing {
    median: f64,
    fastest: f64,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} ({:.2})", self.median, self.fastest)
    }
}

/// Times `repeats` calls of `call` after `warmup` untimed ones; `call` must wait for its
/// device work.
fn time(warmup: usize, repeats: usize, mut call: impl FnMut()) -> Timing {
    for _ in 0..warmup {
        call();
    }
    let mut ms: Vec<f64> = (0..repeats)
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    Timing {
        median: ms[ms.len() / 2],
        fastest: ms[0],
    }
}

/// An Adam step on the mean NLL of `batch` points of the model made by `init` on `device`'s
/// autodiff form, its log-density given by `log_prob`.
fn train_step<M: Module>(
    device: &Device,
    batch: usize,
    repeats: usize,
    init: impl FnOnce(&Device) -> M,
    log_prob: impl Fn(&M, Tensor<2>) -> Tensor<1>,
) -> Timing {
    let device = device.clone().autodiff();
    let x = Tensor::<2>::random([batch, 2], Distribution::Uniform(-4.0, 4.0), &device);
    let mut model = Some(init(&device));
    let mut optimizer = AdamConfig::new().with_epsilon(1e-7).init();
    // Burn's fusion compiles its kernels over the first steps.
    time(20, repeats, || {
        let current = model.take().expect("put back after each step");
        let loss = log_prob(&current, x.clone()).neg().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &current);
        model = Some(optimizer.step(1e-3, current, grads));
        device.sync().expect("the device finishes the step");
    })
}

/// The fused operation alone, forward and backward, on parameters `[K, 2]`, `[K]`.
fn fused_op(device: &Device, layers: usize, batch: usize, repeats: usize) -> Timing {
    let device = device.clone().autodiff();
    let x = Tensor::<2>::random([batch, 2], Distribution::Uniform(-4.0, 4.0), &device);
    let draw = |shape: [usize; 2]| {
        Tensor::<2>::random(shape, Distribution::Uniform(-0.5, 0.5), &device).require_grad()
    };
    let (w, u, b) = (draw([layers, 2]), draw([layers, 2]), draw([layers, 1]));
    time(5, repeats, || {
        let b = b.clone().reshape([layers]);
        let log_p = fused::log_prob(x.clone(), w.clone(), u.clone(), b);
        let grads = log_p.neg().mean().backward();
        let _ = w.grad(&grads);
        device.sync().expect("the device finishes");
    })
}

/// `log p` of `points` points with `layers` layers on `device`.
fn log_prob(device: &Device, layers: usize, points: usize, fused: bool, repeats: usize) -> Timing {
    let flow = init_flow(layers)(device);
    let x = Tensor::<2>::random([points, 2], Distribution::Uniform(-4.0, 4.0), device);
    time(1, repeats, || {
        let log_p = if fused {
            flow.log_prob(x.clone())
        } else {
            flow.log_prob_tensor_ops(x.clone())
        };
        // Touching the values makes the read wait for the device.
        std::hint::black_box(log_p.into_data().iter::<f32>().last());
    })
}

/// Side-by-side timings on this machine's adapter and on flex, printed as median (fastest):
/// `cargo test --release --workspace --all-features --test model gpu:: -- --ignored --nocapture`.
#[test]
#[ignore = "timings, not a check"]
fn timings() {
    let (layers, batch, points) = (32, 1024, 1_000_000);
    let backends = [("wgpu", wgpu(), 50), ("flex", Device::flex(), 500)];
    println!("train step, K = {layers}, batch {batch}, ms:");
    for (name, device, repeats) in &backends {
        let flow = train_step(device, batch, *repeats, init_flow(layers), Flow::log_prob);
        let op = fused_op(device, layers, batch, *repeats);
        println!("  {name}: fused {flow}; the fused operation alone (forward + backward) {op}");
    }
    let tensor_ops = train_step(&backends[0].1, batch, 10, init_flow(layers), |flow, x| {
        flow.log_prob_tensor_ops(x)
    });
    println!("  wgpu: tensor ops {tensor_ops}");

    println!("log p of {points} points, K = {layers}, ms (M points/s at the median):");
    let rate = |t: Timing| points as f64 / t.median / 1e3;
    for (name, device, _) in &backends {
        let t = log_prob(device, layers, points, true, 10);
        println!("  {name}: fused {t} ({:.2})", rate(t));
    }
    let t = log_prob(&backends[0].1, layers, points, false, 2);
    println!("  wgpu: tensor ops {t} ({:.3})", rate(t));

    println!("inverse of {points} points, K = {layers}, ms (M points/s at the median):");
    for (name, device, _) in &backends {
        let flow = init_flow(layers)(device);
        let z = Tensor::<2>::random([points, 2], Distribution::Normal(0.0, 1.0), device);
        let t = time(1, 5, || {
            std::hint::black_box(flow.to_data(z.clone()).0.into_data().iter::<f32>().last());
        });
        println!("  {name}: fused {t} ({:.2})", rate(t));
    }
}

/// A `K`-layer flow's constructor, for [`train_step`].
fn init_flow(layers: usize) -> impl FnOnce(&Device) -> Flow {
    move |device| {
        FlowConfig::new(2, PlanarConfig::new(layers))
            .init(device)
            .unwrap()
    }
}

/// Burn's multi-device training forks the model from the first device to each other one at
/// every step, on the other device's worker thread. Forked to a second wgpu device (lavapipe's
/// CPU adapter beside its default one) after optimizer steps on the first, the flow must
/// compute there what it computes on the first device, fused or not.
#[test]
fn a_flow_forked_to_another_wgpu_device_computes_what_it_computes_on_the_first() {
    let first = wgpu().autodiff();
    let second = Device::wgpu(DeviceKind::Cpu).autodiff();
    let (dim, layers, n) = (2, 8, 300);
    let points = random_values(n * dim, 3.0, 21);
    let weights = random_values(n, 1.0, 22);
    let x =
        |device: &Device| Tensor::<2>::from_data(TensorData::new(points.clone(), [n, dim]), device);
    let g = |device: &Device| Tensor::<1>::from_data(TensorData::new(weights.clone(), [n]), device);
    let mut flow = random_flow(dim, layers, 23, &first);
    let mut optimizer = AdamConfig::new().init();
    for step in 0..4 {
        let reference = values_and_gradients(&flow, x(&first), g(&first), false);
        let forked = flow.clone();
        let (device, p, w) = (second.clone(), points.clone(), weights.clone());
        let [fused_there, ops_there] = std::thread::spawn(move || {
            let there = forked.fork(&device);
            let x = || Tensor::<2>::from_data(TensorData::new(p.clone(), [n, dim]), &device);
            let g = || Tensor::<1>::from_data(TensorData::new(w.clone(), [n]), &device);
            [true, false].map(|fused| values_and_gradients(&there, x(), g(), fused))
        })
        .join()
        .unwrap();
        assert_same(
            &format!("step {step}: tensor ops there"),
            &ops_there,
            &reference,
            true,
        );
        assert_same(
            &format!("step {step}: fused there"),
            &fused_there,
            &reference,
            true,
        );
        // An Adam step on the first device, as the strategy takes it after each batch.
        let loss = flow.log_prob(x(&first)).neg().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &flow);
        flow = optimizer.step(1e-2, flow, grads);
    }
}

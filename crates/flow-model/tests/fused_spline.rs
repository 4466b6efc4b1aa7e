//! The fused rational-quadratic spline of the CPU backends against the tensor operations:
//! same outputs and log-derivatives, same gradients for the inputs and the parameters, in
//! both directions.
//!
//! Both paths compute in f32, and where a spline is steep or its bins narrow, both stray from
//! the exact values by more than 1e-5 (the knots carry rounding errors that `x − x₀` then
//! magnifies). So every comparison allows, beyond 1e-5, twice the tensor path's own error
//! against an f64 evaluation of the same spline on the same bin; gradients of the f64
//! evaluation come from central differences.

use burn::tensor::{Device, Tensor, TensorData};
use flow_model::cpu::fused_spline;
use flow_model::spline::{
    MIN_BIN_SIZE, MIN_DERIVATIVE, SplineDirection, SplineShape, rational_quadratic,
    rational_quadratic_tensor_ops,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::common::floats;

const DIRECTIONS: [SplineDirection; 2] = [SplineDirection::Forward, SplineDirection::Inverse];

/// `(K, N, M, B)`: the sizes cross the kernel's chunk (64 elements) and thread (two threads
/// from 32 768 elements) boundaries.
const CASES: [(usize, usize, usize, f64); 7] = [
    (2, 1, 1, 3.0),
    (8, 63, 1, 4.5),
    (16, 65, 1, 4.5),
    (16, 257, 2, 4.5),
    (8, 40, 3, 1.0),
    (2, 300, 2, 2.0),
    (16, 20_000, 2, 4.5),
];

/// The sizes along the axis of a spline's input: widths forward, heights inverse.
fn axis(bins: usize, direction: SplineDirection) -> std::ops::Range<usize> {
    match direction {
        SplineDirection::Forward => 0..bins,
        SplineDirection::Inverse => bins..2 * bins,
    }
}

/// The knots along the axis of `sizes` (`K` unnormalised sizes) as both paths compute them,
/// in f32 and in the same order; equal sizes with `K` a power of two give the paths' knots
/// exactly.
fn knots_f32(sizes: &[f32], bound: f64) -> Vec<f32> {
    let k = sizes.len();
    let max = sizes.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
    let exps: Vec<f32> = sizes.iter().map(|&s| (s - max).exp()).collect();
    let inverse = 1.0 / exps.iter().sum::<f32>();
    let (scale, min) = ((1.0 - MIN_BIN_SIZE * k as f64) as f32, MIN_BIN_SIZE as f32);
    let (two_b, b) = ((2.0 * bound) as f32, bound as f32);
    let mut cumulative = 0.0f32;
    let mut out = vec![-b];
    for e in &exps[..k - 1] {
        cumulative += e * inverse * scale + min;
        out.push(cumulative * two_b - b);
    }
    out.push(b);
    out
}

/// The knots along the axis of `sizes`, in f64.
fn knots_f64(sizes: &[f64], bound: f64) -> Vec<f64> {
    let k = sizes.len();
    let max = sizes.iter().fold(f64::NEG_INFINITY, |m, &s| m.max(s));
    let exps: Vec<f64> = sizes.iter().map(|&s| (s - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    let mut cumulative = 0.0;
    let mut out = vec![-bound];
    for e in &exps[..k - 1] {
        cumulative += e / sum * (1.0 - MIN_BIN_SIZE * k as f64) + MIN_BIN_SIZE;
        out.push(cumulative * 2.0 * bound - bound);
    }
    out.push(bound);
    out
}

/// Where the paths evaluate an element: on a bin, or outside `[−B, B]` (the identity).
#[derive(Clone, Copy)]
enum Branch {
    Bin(usize),
    Outside,
}

/// The branch the f32 paths take for input `x` and parameters `row` (`[3K − 1]`).
fn branch(x: f32, row: &[f32], shape: SplineShape, direction: SplineDirection) -> Branch {
    let bound = shape.tail_bound as f32;
    if !(-bound..=bound).contains(&x) {
        return Branch::Outside;
    }
    let knots = knots_f32(&row[axis(shape.bins, direction)], shape.tail_bound);
    Branch::Bin(knots[1..shape.bins].iter().filter(|&&k| x >= k).count())
}

/// One element's output and log-derivative in f64, straight from the definitions
/// (Durkan et al. 2019), on the given branch (kept fixed so that differences across a
/// knot or the tail bound stay one-sided).
fn reference(
    x: f64,
    row: &[f64],
    shape: SplineShape,
    direction: SplineDirection,
    branch: Branch,
) -> (f64, f64) {
    let Branch::Bin(bin) = branch else {
        return (x, 0.0);
    };
    let (k, b) = (shape.bins, shape.tail_bound);
    let (xs, ys) = (knots_f64(&row[..k], b), knots_f64(&row[k..2 * k], b));
    let shift = (1.0 - MIN_DERIVATIVE).exp_m1().ln();
    let derivative = |j: usize| {
        if j == 0 || j == k {
            return 1.0;
        }
        let a = row[2 * k + j - 1] + shift;
        a.max(0.0) + (-a.abs()).exp().ln_1p() + MIN_DERIVATIVE
    };
    let (x0, w) = (xs[bin], xs[bin + 1] - xs[bin]);
    let (y0, h) = (ys[bin], ys[bin + 1] - ys[bin]);
    let (d0, d1) = (derivative(bin), derivative(bin + 1));
    let s = h / w;
    let xi = match direction {
        SplineDirection::Forward => (x - x0) / w,
        SplineDirection::Inverse => {
            // h R(ξ) = x − y₀ as a quadratic in ξ, solved by the plain formula in f64.
            let t = x - y0;
            let c = d0 + d1 - 2.0 * s;
            let qa = h * (s - d0) + t * c;
            let qb = h * d0 - t * c;
            let qc = -s * t;
            if qa.abs() < 1e-12 {
                -qc / qb
            } else {
                (-qb + (qb * qb - 4.0 * qa * qc).max(0.0).sqrt()) / (2.0 * qa)
            }
        }
    };
    let a = xi * (1.0 - xi);
    let denominator = s + (d0 + d1 - 2.0 * s) * a;
    let log_derivative = 2.0 * s.ln()
        + (d1 * xi * xi + 2.0 * s * a + d0 * (1.0 - xi) * (1.0 - xi)).ln()
        - 2.0 * denominator.ln();
    match direction {
        SplineDirection::Forward => (
            y0 + h * (s * xi * xi + d0 * a) / denominator,
            log_derivative,
        ),
        SplineDirection::Inverse => (x0 + xi * w, -log_derivative),
    }
}

/// The f64 outputs, log-derivatives, and gradients with respect to the inputs and the
/// parameters (central differences) of `Σ a · output + Σ c · ln g'`, `weights` being `[a | c]`.
fn exact(
    input: &[f32],
    params: &[f32],
    weights: &[f32],
    shape: SplineShape,
    direction: SplineDirection,
) -> [Vec<f64>; 4] {
    let (count, per) = (input.len(), shape.params_per_element());
    let mut result = [
        vec![0.0; count],
        vec![0.0; count],
        vec![0.0; count],
        vec![0.0; count * per],
    ];
    for e in 0..count {
        let row32 = &params[e * per..(e + 1) * per];
        let branch = branch(input[e], row32, shape, direction);
        let mut row: Vec<f64> = row32.iter().map(|&v| f64::from(v)).collect();
        let x = f64::from(input[e]);
        let (a, c) = (f64::from(weights[e]), f64::from(weights[count + e]));
        let loss = |x: f64, row: &[f64]| {
            let (out, log) = reference(x, row, shape, direction, branch);
            a * out + c * log
        };
        let step = 1e-6;
        (result[0][e], result[1][e]) = reference(x, &row, shape, direction, branch);
        result[2][e] = (loss(x + step, &row) - loss(x - step, &row)) / (2.0 * step);
        for p in 0..per {
            let original = row[p];
            row[p] = original + step;
            let up = loss(x, &row);
            row[p] = original - step;
            let down = loss(x, &row);
            row[p] = original;
            result[3][e * per + p] = (up - down) / (2.0 * step);
        }
    }
    result
}

/// Parameters `[N, M, 3K − 1]` from U(−1.5, 1.5) and inputs `[N, M]` for splines of `shape`
/// applied in `direction`. The inputs cycle through: uniform over `[−1.2B, 1.2B]`, exactly
/// `−B`, exactly `B`, exactly at an interior knot (of an element whose knots along the
/// input's axis are equally spaced) or `off_knot` above it, uniform near 0, and far outside.
///
/// Gradients need `off_knot > 0`: at a knot the derivative of `ln g'` jumps, and which side
/// a path takes depends on the last bit of its knots.
fn problem(
    count: usize,
    shape: SplineShape,
    direction: SplineDirection,
    off_knot: f32,
    seed: u64,
) -> (Vec<f32>, Vec<f32>) {
    let (k, per, bound) = (shape.bins, shape.params_per_element(), shape.tail_bound);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut params: Vec<f32> = (0..count * per)
        .map(|_| rng.random_range(-1.5..1.5))
        .collect();
    let b = bound as f32;
    let input = (0..count)
        .map(|e| match e % 6 {
            0 => rng.random_range(-1.2 * b..1.2 * b),
            1 => -b,
            2 => b,
            3 => {
                let sizes = &mut params[e * per..(e + 1) * per][axis(k, direction)];
                sizes.fill(0.0);
                knots_f32(sizes, bound)[1 + e / 6 % (k - 1)] + off_knot
            }
            4 => rng.random_range(-0.1 * b..0.1 * b),
            _ => rng.random_range(-10.0 * b..10.0 * b),
        })
        .collect();
    (input, params)
}

/// `input` as `[N, M]` and `params` as `[N, M, 3K − 1]` on `device`.
fn tensors(
    input: &[f32],
    params: &[f32],
    [n, m]: [usize; 2],
    device: &Device,
) -> (Tensor<2>, Tensor<3>) {
    let per = params.len() / (n * m);
    (
        Tensor::from_data(TensorData::new(input.to_vec(), [n, m]), device),
        Tensor::from_data(TensorData::new(params.to_vec(), [n, m, per]), device),
    )
}

/// Fails unless every `fused[i]` is within `1e-5 · scale_i` of `ops[i]`, beyond twice the
/// tensor path's error `|ops[i] − exact[i]|`; `scale_i` is `max(|ops[i]|, 1)`, or the largest
/// `|ops|` when `normwise` (gradients, whose entries may cancel).
fn assert_matches(what: &str, fused: &[f64], ops: &[f64], exact: &[f64], normwise: bool) {
    assert_eq!(fused.len(), ops.len(), "{what}: lengths");
    let largest = ops.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, ((&f, &o), &t)) in fused.iter().zip(ops).zip(exact).enumerate() {
        let scale = if normwise { largest } else { o.abs().max(1.0) };
        let tolerance = 1e-5 * scale + 2.0 * (o - t).abs();
        assert!(
            (f - o).abs() <= tolerance,
            "{what}[{i}]: fused {f}, tensor ops {o}, f64 {t} (tolerance {tolerance:e})"
        );
    }
}

/// The outputs, log-derivatives, and the gradients with respect to the inputs and the
/// parameters of `Σ a · output + Σ c · ln g'`, `weights` being `[a | c]`, through the fused
/// operation or the tensor operations.
fn values_and_gradients(
    input: &[f32],
    params: &[f32],
    weights: &[f32],
    dims: [usize; 2],
    shape: SplineShape,
    direction: SplineDirection,
    fused: bool,
) -> [Vec<f64>; 4] {
    let device = Device::flex().autodiff();
    let (x, p) = tensors(input, params, dims, &device);
    let (x, p) = (x.require_grad(), p.require_grad());
    let (out, log) = if fused {
        rational_quadratic(x.clone(), p.clone(), shape, direction)
    } else {
        rational_quadratic_tensor_ops(x.clone(), p.clone(), shape, direction)
    };
    let count = input.len();
    let weight =
        |part: &[f32]| Tensor::<2>::from_data(TensorData::new(part.to_vec(), dims), &device);
    let loss = (out.clone() * weight(&weights[..count])).sum()
        + (log.clone() * weight(&weights[count..])).sum();
    let grads = loss.backward();
    [
        floats(out.detach()),
        floats(log.detach()),
        floats(x.grad(&grads).expect("a gradient for the inputs")),
        floats(p.grad(&grads).expect("a gradient for the parameters")),
    ]
}

/// Weights from U(−1, 1) for `count` outputs and as many log-derivatives.
fn weights(count: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..2 * count)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect()
}

#[test]
fn fused_values_match_the_tensor_operations() {
    // Untracked tensors on an autodiff device take the extension's untracked branch.
    for device in [Device::flex(), Device::flex().autodiff()] {
        assert!(flow_model::cpu::fused::supports(&device));
        for (case, (bins, n, m, tail_bound)) in CASES.into_iter().enumerate() {
            let shape = SplineShape { bins, tail_bound };
            for direction in DIRECTIONS {
                let (input, params) = problem(n * m, shape, direction, 0.0, case as u64);
                let run = |fused: bool| {
                    let (x, p) = tensors(&input, &params, [n, m], &device);
                    let (out, log) = if fused {
                        fused_spline::rational_quadratic(x, p, shape, direction)
                    } else {
                        rational_quadratic_tensor_ops(x, p, shape, direction)
                    };
                    [floats(out), floats(log)]
                };
                let ([out, log], [ref_out, ref_log]) = (run(true), run(false));
                let no_weights = vec![0.0; 2 * n * m];
                let [exact_out, exact_log, ..] =
                    exact(&input, &params, &no_weights, shape, direction);
                let what = format!("K = {bins}, N = {n}, M = {m}, {direction:?}");
                assert_matches(
                    &format!("output, {what}"),
                    &out,
                    &ref_out,
                    &exact_out,
                    false,
                );
                assert_matches(&format!("ln g', {what}"), &log, &ref_log, &exact_log, false);
            }
        }
    }
}

#[test]
fn fused_gradients_match_the_tensor_operations() {
    for (case, (bins, n, m, tail_bound)) in CASES.into_iter().enumerate() {
        let shape = SplineShape { bins, tail_bound };
        for direction in DIRECTIONS {
            let (input, params) = problem(n * m, shape, direction, 1e-4, 100 + case as u64);
            let weights = weights(n * m, case as u64);
            let run = |fused| {
                values_and_gradients(&input, &params, &weights, [n, m], shape, direction, fused)
            };
            let ([.., grad_x, grad_p], [.., ref_x, ref_p]) = (run(true), run(false));
            let [.., exact_x, exact_p] = exact(&input, &params, &weights, shape, direction);
            let what = format!("K = {bins}, N = {n}, M = {m}, {direction:?}");
            assert_matches(
                &format!("∂/∂input, {what}"),
                &grad_x,
                &ref_x,
                &exact_x,
                true,
            );
            assert_matches(
                &format!("∂/∂params, {what}"),
                &grad_p,
                &ref_p,
                &exact_p,
                true,
            );
        }
    }
}

#[test]
fn nan_stays_in_its_own_element() {
    let shape = SplineShape {
        bins: 8,
        tail_bound: 3.0,
    };
    let (n, per) = (130, shape.params_per_element());
    for direction in DIRECTIONS {
        let (mut input, mut params) = problem(n, shape, direction, 0.0, 5);
        input[3] = f32::NAN;
        params[70 * per + 2] = f32::NAN;
        input[70] = 0.5;
        let weights = weights(n, 5);
        let [out, log, grad_x, grad_p] =
            values_and_gradients(&input, &params, &weights, [n, 1], shape, direction, true);
        let what = format!("{direction:?}");
        assert!(out[3].is_nan() && log[3] == 0.0, "{what}");
        // Outside [−B, B], NaN included, the map is the identity.
        assert_eq!(grad_x[3], f64::from(weights[3]), "{what}");
        assert!(out[70].is_nan() && log[70].is_nan(), "{what}");
        for e in (0..n).filter(|&e| e != 3 && e != 70) {
            assert!(out[e].is_finite() && log[e].is_finite(), "{what}, {e}");
            assert!(grad_x[e].is_finite(), "{what}, {e}");
            let row = &grad_p[e * per..(e + 1) * per];
            assert!(row.iter().all(|g| g.is_finite()), "{what}, {e}");
        }
    }
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_runs_the_same_fused_operation() {
    #[allow(deprecated)]
    let devices = [Device::flex(), Device::ndarray().autodiff()];
    let shape = SplineShape {
        bins: 8,
        tail_bound: 2.0,
    };
    let dims = [100, 2];
    for direction in DIRECTIONS {
        let (input, params) = problem(200, shape, direction, 0.0, 9);
        let [flex, ndarray] = devices.each_ref().map(|device| {
            assert!(flow_model::cpu::fused::supports(device));
            let (x, p) = tensors(&input, &params, dims, device);
            let (out, log) = rational_quadratic(x, p, shape, direction);
            [floats(out), floats(log)]
        });
        assert_eq!(flex, ndarray, "{direction:?}");
    }
}

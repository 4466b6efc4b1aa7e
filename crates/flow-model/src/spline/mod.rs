//! Monotone rational-quadratic splines (Gregory & Delbourgo 1982; Durkan et al. 2019),
//! applied elementwise with parameters per element, in both directions.
//!
//! `K` bins cover `[−B, B]`; outside, the map is the identity (linear tails, so the
//! boundary derivatives are 1). Bin widths and heights come from a softmax with a minimum
//! share, the interior knot derivatives from a softplus with a minimum, shifted so that
//! all-zero parameters give the identity.

pub mod shape;

use burn::tensor::activation::softmax;
use burn::tensor::{Int, Tensor};

pub use self::shape::{MIN_BIN_SIZE, MIN_DERIVATIVE, SplineDirection, SplineShape};
use crate::cpu::{fused, fused_spline};
use crate::numerics::stable_softplus;

/// The knots of every element's spline, `[N, M, K + 1]` each.
struct Knots {
    x: Tensor<3>,
    y: Tensor<3>,
    derivative: Tensor<3>,
}

/// Knot positions from unnormalised sizes `[N, M, K]`: `−B`, then the cumulative shares of
/// `2B`, ending at `B` exactly.
fn knot_positions(unnormalised: Tensor<3>, bins: usize, bound: f64) -> Tensor<3> {
    let [n, m, _] = unnormalised.dims();
    let device = unnormalised.device();
    let share = softmax(unnormalised, 2)
        .mul_scalar(1.0 - MIN_BIN_SIZE * bins as f64)
        .add_scalar(MIN_BIN_SIZE);
    let inner = share
        .cumsum(2)
        .narrow(2, 0, bins - 1)
        .mul_scalar(2.0 * bound)
        .sub_scalar(bound);
    let edge = |value: f64| Tensor::<3>::full([n, m, 1], value, &device);
    Tensor::cat(vec![edge(-bound), inner, edge(bound)], 2)
}

impl Knots {
    /// The knots from the parameters `[N, M, 3K − 1]`.
    fn new(params: Tensor<3>, shape: SplineShape) -> Self {
        let [n, m, _] = params.dims();
        let (k, bound) = (shape.bins, shape.tail_bound);
        let device = params.device();
        // softplus(shift) = 1 − MIN_DERIVATIVE: zero parameters give derivative 1.
        let shift = (1.0 - MIN_DERIVATIVE).exp_m1().ln();
        let interior = stable_softplus(params.clone().narrow(2, 2 * k, k - 1).add_scalar(shift))
            .add_scalar(MIN_DERIVATIVE);
        let one = Tensor::<3>::ones([n, m, 1], &device);
        Self {
            x: knot_positions(params.clone().narrow(2, 0, k), k, bound),
            y: knot_positions(params.narrow(2, k, k), k, bound),
            derivative: Tensor::cat(vec![one.clone(), interior, one], 2),
        }
    }
}

/// The bin of each input: the number of interior knots at or below it, `[N, M, 1]`.
fn bin_of(value: Tensor<2>, knots: &Tensor<3>, bins: usize) -> Tensor<3, Int> {
    let interior = knots.clone().narrow(2, 1, bins - 1);
    value
        .unsqueeze_dim::<3>(2)
        .greater_equal(interior)
        .int()
        .sum_dim(2)
}

/// Applies the splines elementwise: `input` is `[N, M]`, `params` `[N, M, 3K − 1]` (widths,
/// heights, derivatives). Returns the output `[N, M]` and `log|∂output/∂input|` `[N, M]`.
///
/// On the CPU backends one fused operation with a hand-derived gradient
/// ([`crate::cpu::fused_spline`]), elsewhere [`rational_quadratic_tensor_ops`].
pub fn rational_quadratic(
    input: Tensor<2>,
    params: Tensor<3>,
    shape: SplineShape,
    direction: SplineDirection,
) -> (Tensor<2>, Tensor<2>) {
    if fused::on_host(&input.device()) {
        fused_spline::rational_quadratic(input, params, shape, direction)
    } else {
        rational_quadratic_tensor_ops(input, params, shape, direction)
    }
}

/// [`rational_quadratic`] through tensor operations, on every backend: the reference for
/// the fused operation.
pub fn rational_quadratic_tensor_ops(
    input: Tensor<2>,
    params: Tensor<3>,
    shape: SplineShape,
    direction: SplineDirection,
) -> (Tensor<2>, Tensor<2>) {
    let bound = shape.tail_bound;
    let knots = Knots::new(params, shape);
    let inside = input
        .clone()
        .greater_equal_elem(-bound)
        .bool_and(input.clone().lower_equal_elem(bound));
    let clamped = input.clone().clamp(-bound, bound);

    let bin = bin_of(
        clamped.clone(),
        match direction {
            SplineDirection::Forward => &knots.x,
            SplineDirection::Inverse => &knots.y,
        },
        shape.bins,
    );
    let next = bin.clone().add_scalar(1);
    let at = |t: &Tensor<3>, index: &Tensor<3, Int>| -> Tensor<2> {
        t.clone().gather(2, index.clone()).squeeze_dim(2)
    };
    let (x0, x1) = (at(&knots.x, &bin), at(&knots.x, &next));
    let (y0, y1) = (at(&knots.y, &bin), at(&knots.y, &next));
    let (d0, d1) = (at(&knots.derivative, &bin), at(&knots.derivative, &next));
    let (width, height) = (x1 - x0.clone(), y1 - y0.clone());
    let slope = height.clone() / width.clone();
    // d_{k+1} + d_k − 2s, the curvature term of the denominator.
    let curvature = d1.clone() + d0.clone() - slope.clone() * 2.0;

    let (output, xi) = match direction {
        SplineDirection::Forward => {
            let xi = (clamped - x0) / width;
            let xi_1mxi = xi.clone() * xi.clone().neg().add_scalar(1.0);
            let numerator = height.clone()
                * (slope.clone() * xi.clone().square() + d0.clone() * xi_1mxi.clone());
            let denominator = slope.clone() + curvature.clone() * xi_1mxi;
            (y0 + numerator / denominator, xi)
        }
        SplineDirection::Inverse => {
            // ξ solves a ξ² + b ξ + c = 0; the stable root is 2c / (−b − √(b² − 4ac)).
            let offset = clamped - y0;
            let a =
                height.clone() * (slope.clone() - d0.clone()) + offset.clone() * curvature.clone();
            let b = height.clone() * d0.clone() - offset.clone() * curvature.clone();
            let c = offset.neg() * slope.clone();
            let discriminant = (b.clone().square() - a * c.clone() * 4.0).clamp_min(0.0);
            let xi = (c * 2.0) / (b.neg() - discriminant.sqrt());
            (x0 + xi.clone() * width, xi)
        }
    };

    // g'(x) = s² (d_{k+1} ξ² + 2 s ξ(1 − ξ) + d_k (1 − ξ)²) / (s + (d_{k+1} + d_k − 2s) ξ(1 − ξ))².
    let one_minus = xi.clone().neg().add_scalar(1.0);
    let xi_1mxi = xi.clone() * one_minus.clone();
    let derivative_numerator = slope.clone().square()
        * (d1 * xi.square() + slope.clone() * xi_1mxi.clone() * 2.0 + d0 * one_minus.square());
    let denominator = slope + curvature * xi_1mxi;
    let log_derivative = derivative_numerator.log() - denominator.square().log();
    let log_derivative = match direction {
        SplineDirection::Forward => log_derivative,
        SplineDirection::Inverse => log_derivative.neg(),
    };

    let zeros = log_derivative.zeros_like();
    (
        input.mask_where(inside.clone(), output),
        zeros.mask_where(inside, log_derivative),
    )
}

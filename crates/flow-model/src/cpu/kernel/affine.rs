//! The masked affine map of [`crate::MaskedAffine`] computed on the host, elementwise, for the
//! CPU backends: the mapped values and log-derivatives ([`affine`]) and their gradient
//! ([`affine_grads`]), in either direction.
//!
//! Each element `e` has its own raw log-scale `ŝ` and shift `t`; the log-scale is soft-clipped
//! to `s = L·tanh(ŝ/L)`. Forward: `y = x·eˢ + t`, log-derivative `s`; inverse:
//! `y = (x − t)·e⁻ˢ`, log-derivative `−s`. The tensor-op map dispatches a dozen operations
//! each way, with the library's scalar `tanh` and `exp`; here one loop does it all with the
//! branch-free `tanh` and `exp` of this crate's CPU kernels, and the backward pass recomputes
//! them from the inputs rather than keeping them.

use multiversion::multiversion;

use crate::cpu::fastmath::{exp_reduced, tanh};

/// Which way to apply the affine map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AffineDirection {
    /// `y = x·eˢ + t`.
    Forward,
    /// `x = (y − t)·e⁻ˢ`.
    Inverse,
}

/// The elementwise affine map: the bound `L` of the log-scale and the direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// The bound `L` of the soft-clipped log-scale `s = L·tanh(ŝ/L)`.
    pub bound: f32,
    /// Which way the map goes.
    pub direction: AffineDirection,
}

/// The gradient with respect to each input of [`affine`].
#[derive(Debug, Clone, PartialEq)]
pub struct AffineGrads {
    /// With respect to the input, `[E]`.
    pub input: Vec<f32>,
    /// With respect to the parameters, `[E, 2]` (raw log-scale, shift).
    pub params: Vec<f32>,
}

/// Applies each element's affine map to it: `input` is `[E]`, `params` `[E, 2]` (raw
/// log-scale `ŝ`, shift `t`). Returns `[2, E]`: the outputs, then the log-derivatives.
///
/// # Panics
/// If `params` is not twice as long as `input`.
pub fn affine(map: &Affine, input: &[f32], params: &[f32]) -> Vec<f32> {
    assert_eq!(params.len(), 2 * input.len(), "the params must be [E, 2]");
    let mut out = vec![0.0; 2 * input.len()];
    let (values, log_derivatives) = out.split_at_mut(input.len());
    forward(map, input, params, values, log_derivatives);
    out
}

#[multiversion(targets = "simd")]
fn forward(map: &Affine, input: &[f32], params: &[f32], values: &mut [f32], logs: &mut [f32]) {
    let (bound, inverse) = (map.bound, map.direction == AffineDirection::Inverse);
    let rows = input.iter().zip(params.chunks_exact(2));
    for (((&x, p), y), ld) in rows.zip(values.iter_mut()).zip(logs.iter_mut()) {
        let s = bound * tanh(p[0] / bound);
        if inverse {
            *y = (x - p[1]) * exp_reduced(-s);
            *ld = -s;
        } else {
            *y = x * exp_reduced(s) + p[1];
            *ld = s;
        }
    }
}

/// The gradient of `Σ grad · affine(input, params)` with respect to the input and the
/// parameters; `grad` is `[2, E]`, like the output of [`affine`].
///
/// # Panics
/// If the lengths do not match `input`'s `[E]`.
pub fn affine_grads(map: &Affine, input: &[f32], params: &[f32], grad: &[f32]) -> AffineGrads {
    assert_eq!(params.len(), 2 * input.len(), "the params must be [E, 2]");
    assert_eq!(grad.len(), 2 * input.len(), "the gradient must be [2, E]");
    let mut grads = AffineGrads {
        input: vec![0.0; input.len()],
        params: vec![0.0; params.len()],
    };
    backward(map, input, params, grad, &mut grads);
    grads
}

#[multiversion(targets = "simd")]
fn backward(map: &Affine, input: &[f32], params: &[f32], grad: &[f32], grads: &mut AffineGrads) {
    let (bound, inverse) = (map.bound, map.direction == AffineDirection::Inverse);
    let (grad_values, grad_logs) = grad.split_at(input.len());
    let rows = input.iter().zip(params.chunks_exact(2));
    let outs = grads.input.iter_mut().zip(grads.params.chunks_exact_mut(2));
    let grads_in = grad_values.iter().zip(grad_logs);
    for (((&x, p), (&gy, &gl)), (gx, gp)) in rows.zip(grads_in).zip(outs) {
        let th = tanh(p[0] / bound);
        let slope = 1.0 - th * th;
        let s = bound * th;
        if inverse {
            let scale = exp_reduced(-s);
            let y = (x - p[1]) * scale;
            *gx = gy * scale;
            gp[0] = -(gy * y + gl) * slope;
            gp[1] = -gy * scale;
        } else {
            let scale = exp_reduced(s);
            *gx = gy * scale;
            gp[0] = (gy * x * scale + gl) * slope;
            gp[1] = gy;
        }
    }
}

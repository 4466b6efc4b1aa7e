//! The rational-quadratic splines of [`crate::spline`] computed on the host, elementwise, for
//! the CPU backends: the mapped values and log-derivatives ([`rational_quadratic`]), and their
//! gradient ([`rational_quadratic_grads`]) from what [`rational_quadratic_saving`] kept, in
//! either direction.
//!
//! The tensor-op spline spends its time dispatching about a hundred small operations each
//! way; here the elements go through in chunks of [`LANES`], stored parameter by parameter
//! so that every loop runs across the lanes of a chunk and vectorises: the parameters become
//! knots, each element's bin is found by counting the knots below it, and the
//! rational-quadratic is evaluated on that bin. Every element has its own spline, so nothing
//! is summed across elements.

mod backward;
mod chunk;
mod knots;
mod math;
mod segment;

use std::fmt;
use std::ops::Range;

use self::backward::{Backward, backward_chunk};
pub use self::chunk::Spline;
use self::chunk::{Chunk, forward_chunk};
pub use self::knots::LANES;
use super::{run_parts, split_points};

/// What [`rational_quadratic_grads`] needs from a forward pass, kept by
/// [`rational_quadratic_saving`] so that the backward pass does not compute the knots again:
/// per chunk of elements, the softmax of the bin sizes, the slopes of the derivatives, and
/// each element's input, bin and bin knots (`3K + 7` floats per element).
pub struct Saved {
    spline: Spline,
    /// The number of elements `E`.
    len: usize,
    /// One block of `[3K + 7][LANES]` per chunk.
    blocks: Vec<f32>,
}

impl fmt::Debug for Saved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Saved")
            .field("spline", &self.spline)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Saved {
    /// The blocks of the chunks of `range`, which starts at a chunk boundary.
    fn blocks(&self, range: &Range<usize>) -> &[f32] {
        let block = self.spline.saved_block();
        &self.blocks[range.start / LANES * block..range.end.div_ceil(LANES) * block]
    }
}

/// The gradient with respect to each input of [`rational_quadratic_saving`].
#[derive(Debug, Clone, PartialEq)]
pub struct SplineGrads {
    /// With respect to the input, `[E]`.
    pub input: Vec<f32>,
    /// With respect to the parameters, `[E, 3K − 1]`.
    pub params: Vec<f32>,
}

/// Applies each element's spline to it: `input` is `[E]`, `params` `[E, 3K − 1]` (widths,
/// heights, derivatives). Returns `[2, E]`: the outputs, then `ln|∂output/∂input|`. Outside
/// `[−B, B]` the map is the identity.
pub fn rational_quadratic(spline: &Spline, input: &[f32], params: &[f32]) -> Vec<f32> {
    forward(spline, input, params, None)
}

/// [`rational_quadratic`], keeping what [`rational_quadratic_grads`] needs.
pub fn rational_quadratic_saving(
    spline: &Spline,
    input: &[f32],
    params: &[f32],
) -> (Vec<f32>, Saved) {
    let chunks = input.len().div_ceil(LANES);
    let mut blocks = vec![0.0; chunks * spline.saved_block()];
    let out = forward(spline, input, params, Some(&mut blocks));
    let saved = Saved {
        spline: *spline,
        len: input.len(),
        blocks,
    };
    (out, saved)
}

/// The forward pass, writing the blocks of [`Saved`] into `saved` if given.
fn forward(spline: &Spline, input: &[f32], params: &[f32], saved: Option<&mut [f32]>) -> Vec<f32> {
    let e = spline.check(input, params);
    let (per, block) = (spline.shape.params_per_element(), spline.saved_block());
    let mut out = vec![0.0; 2 * e];
    let (values, log_derivatives) = out.split_at_mut(e);
    // `split_points` depends on `e` alone: both planes split alike, at chunk boundaries.
    let parts: Vec<_> = split_points(e, values, 1)
        .into_iter()
        .zip(split_points(e, log_derivatives, 1))
        .collect();
    let mut saved = saved.map(|blocks| split_blocks(blocks, parts.iter().map(|p| &p.0.0), block));
    let jobs: Vec<_> = parts
        .into_iter()
        .enumerate()
        .map(|(i, ((range, values), (_, logs)))| {
            let blocks = saved.as_mut().map(|s| std::mem::take(&mut s[i]));
            (range, values, logs, blocks)
        })
        .collect();
    run_parts(jobs, |(range, values, logs, mut blocks)| {
        let mut chunk = Chunk::new(spline);
        for (c, start) in range.clone().step_by(LANES).enumerate() {
            let end = (start + LANES).min(range.end);
            let local = start - range.start..end - range.start;
            forward_chunk(
                &mut chunk,
                &input[start..end],
                &params[start * per..end * per],
                [&mut values[local.clone()], &mut logs[local]],
                blocks.as_mut().map(|b| &mut b[c * block..(c + 1) * block]),
            );
        }
    });
    out
}

/// `blocks` (one block per chunk) cut into the parts covering `ranges`, which are
/// consecutive, from 0, and start at chunk boundaries.
fn split_blocks<'a, 'r>(
    mut blocks: &'a mut [f32],
    ranges: impl Iterator<Item = &'r Range<usize>>,
    block: usize,
) -> Vec<&'a mut [f32]> {
    ranges
        .map(|range| {
            let (mine, rest) =
                std::mem::take(&mut blocks).split_at_mut(range.len().div_ceil(LANES) * block);
            blocks = rest;
            mine
        })
        .collect()
}

/// The gradient of `Σ_e g_e · out_e + Σ_e g_{E+e} · ln|∂out_e/∂in_e|`, with `grad` (`[2, E]`)
/// the gradient flowing into the result of the forward pass that kept `saved`.
pub fn rational_quadratic_grads(saved: &Saved, grad: &[f32]) -> SplineGrads {
    let (spline, e) = (&saved.spline, saved.len);
    assert_eq!(grad.len(), 2 * e, "grad must be [2, E]");
    let (per, block) = (spline.shape.params_per_element(), spline.saved_block());
    let mut grads = SplineGrads {
        input: vec![0.0; e],
        params: vec![0.0; e * per],
    };
    let jobs: Vec<_> = split_points(e, &mut grads.input, 1)
        .into_iter()
        .zip(split_points(e, &mut grads.params, per))
        .map(|((range, input), (_, params))| (range, input, params))
        .collect();
    run_parts(jobs, |(range, grad_input, grad_params)| {
        let mut chunk = Chunk::new(spline);
        let mut back = Backward::new(spline.shape.bins);
        let blocks = saved.blocks(&range);
        for (c, start) in range.clone().step_by(LANES).enumerate() {
            let end = (start + LANES).min(range.end);
            let local = start - range.start..end - range.start;
            backward_chunk(
                &mut chunk,
                &mut back,
                &blocks[c * block..(c + 1) * block],
                [&grad[start..end], &grad[e + start..e + end]],
                &mut grad_input[local.clone()],
                &mut grad_params[local.start * per..local.end * per],
            );
        }
    });
    grads
}

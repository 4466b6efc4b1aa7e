//! The backward pass of a chunk: each element's gradient with respect to its input and its
//! bin's knots ([`super::segment`]), then with respect to its parameters
//! ([`super::knots::Knots::backward`]).

use multiversion::multiversion;

use super::chunk::Chunk;
use super::knots::LANES;
use super::segment::{Segment, SegmentGrads};
use crate::spline::shape::SplineDirection;

/// The gradients of a chunk's elements with respect to their inputs and bin knots, one
/// field per lane row.
struct LaneGrads {
    input: [f32; LANES],
    x0: [f32; LANES],
    x1: [f32; LANES],
    y0: [f32; LANES],
    y1: [f32; LANES],
    d0: [f32; LANES],
    d1: [f32; LANES],
}

/// Working memory of the backward pass of a chunk.
pub(super) struct Backward {
    lanes: LaneGrads,
    /// The gradient with respect to the x-knots, y-knots and derivatives, `[K + 1][LANES]`
    /// each.
    knots: [Vec<f32>; 3],
    /// The gradient with respect to the parameters, `[3K − 1][LANES]`.
    params: Vec<f32>,
}

impl Backward {
    pub fn new(bins: usize) -> Self {
        let lanes = [0.0; LANES];
        Self {
            lanes: LaneGrads {
                input: lanes,
                x0: lanes,
                x1: lanes,
                y0: lanes,
                y1: lanes,
                d0: lanes,
                d1: lanes,
            },
            knots: [(); 3].map(|_| vec![0.0; (bins + 1) * LANES]),
            params: vec![0.0; (3 * bins - 1) * LANES],
        }
    }
}

/// Writes the gradients with respect to a chunk's `len` elements and their parameters into
/// `grad_input` (`[len]`) and `grad_params` (`[len, 3K − 1]`), given what the forward pass
/// saved (`[saved_rows][LANES]`) and the gradients `[g_out, g_log]` (`[len]` each) flowing
/// into the outputs and log-derivatives.
#[multiversion(targets = "simd")]
pub(super) fn backward_chunk(
    chunk: &mut Chunk,
    back: &mut Backward,
    saved: &[f32],
    [g_out, g_log]: [&[f32]; 2],
    grad_input: &mut [f32],
    grad_params: &mut [f32],
) {
    chunk.restore(saved);
    let len = g_out.len();
    let mut upstream = [[0.0f32; LANES]; 2];
    upstream[0][..len].copy_from_slice(g_out);
    upstream[1][..len].copy_from_slice(g_log);
    match chunk.spline.direction {
        SplineDirection::Forward => grad_lanes(chunk, &upstream, &mut back.lanes, |s, x, g, l| {
            s.forward_grads(x, g, l)
        }),
        SplineDirection::Inverse => grad_lanes(chunk, &upstream, &mut back.lanes, |s, y, g, l| {
            s.inverse_grads(y, g, l)
        }),
    }
    grad_input.copy_from_slice(&back.lanes.input[..len]);
    // Each lane's gradients go to its bin's two knots.
    let g = &back.lanes;
    let [g_x, g_y, g_d] = &mut back.knots;
    for knots in [&mut *g_x, &mut *g_y, &mut *g_d] {
        knots.fill(0.0);
    }
    for (l, &b) in chunk.bin.iter().enumerate() {
        let (left, right) = (b as usize * LANES + l, (b as usize + 1) * LANES + l);
        (g_x[left], g_x[right]) = (g.x0[l], g.x1[l]);
        (g_y[left], g_y[right]) = (g.y0[l], g.y1[l]);
        (g_d[left], g_d[right]) = (g.d0[l], g.d1[l]);
    }
    chunk.knots.backward(g_x, g_y, g_d, &mut back.params);
    let per = chunk.knots.per_element();
    for (l, row) in grad_params.chunks_exact_mut(per).enumerate() {
        for (p, g) in row.iter_mut().enumerate() {
            *g = back.params[p * LANES + l];
        }
    }
}

/// Each lane's gradients of a prepared chunk into `out`, with `grads` those on a bin and
/// `upstream` the gradients `[g_out, g_log]` flowing into the chunk's results.
#[inline(always)]
fn grad_lanes(
    chunk: &Chunk,
    upstream: &[[f32; LANES]; 2],
    out: &mut LaneGrads,
    grads: impl Fn(&Segment, f32, f32, f32) -> SegmentGrads,
) {
    for (l, (&g_out, &g_log)) in upstream[0].iter().zip(&upstream[1]).enumerate() {
        let g = grads(&chunk.segments.get(l), chunk.clamped[l], g_out, g_log);
        // Selects rather than products, so that the NaN of an unused bin stays out.
        let inside = chunk.inside(l);
        let keep = |v: f32| if inside { v } else { 0.0 };
        out.input[l] = if inside { g.input } else { g_out };
        out.x0[l] = keep(g.x0);
        out.x1[l] = keep(g.x1);
        out.y0[l] = keep(g.y0);
        out.y1[l] = keep(g.y1);
        out.d0[l] = keep(g.d0);
        out.d1[l] = keep(g.d1);
    }
}

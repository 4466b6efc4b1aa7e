//! The planar map with its log-determinant, and `log p(x)`, with their gradients, layer after
//! layer over each chunk of points: `a = wᵀx + b`, `h = tanh(a)`, `x ← x + û h`,
//! `log|det J| = log|1 + (1 − h²) c|`, and `log p(x) = log N(z; 0, I) + Σ log|det J|`.

use multiversion::multiversion;

use super::{CHUNK, PlanarParams, load_columns, run_parts, split_points, store_rows};
use crate::cpu::fastmath::{ln, tanh};

/// `ln(2π) / 2`.
const HALF_LN_2PI: f32 = 0.918_938_5;

/// The gradient of a loss with respect to each input of [`log_prob`] or [`forward`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogProbGrads {
    /// With respect to the points, `[N, D]`.
    pub x: Vec<f32>,
    /// With respect to `w`, `[K, D]`.
    pub w: Vec<f32>,
    /// With respect to `û`, `[K, D]`.
    pub u_hat: Vec<f32>,
    /// With respect to `b`, `[K]`.
    pub b: Vec<f32>,
    /// With respect to `c`, `[K]`.
    pub c: Vec<f32>,
}

/// `log p(x)` per point: `x` is `[N, D]` row-major, the result `[N]`.
pub fn log_prob(params: &PlanarParams, x: &[f32]) -> Vec<f32> {
    let n = params.check(x);
    let d = params.dim;
    let mut out = vec![0.0; n];
    let jobs = split_points(n, &mut out, 1);
    run_parts(jobs, |(range, mine)| {
        let mut chunk = Chunk::new(d, params.layers(), false);
        for start in range.clone().step_by(CHUNK) {
            let end = (start + CHUNK).min(range.end);
            chunk.forward(params, &x[start * d..end * d]);
            chunk.write_log_prob(&mut mine[start - range.start..end - range.start]);
        }
    });
    out
}

/// The map of every layer applied to `x` (`[N, D]` row-major): the image `z` (`[N, D]`) and
/// `Σ log|det J|` per point (`[N]`).
pub fn forward(params: &PlanarParams, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let n = params.check(x);
    let d = params.dim;
    let mut z = vec![0.0; n * d];
    let mut log_det = vec![0.0; n];
    // Both splits cut the same ranges of points.
    let jobs = split_points(n, &mut z, d)
        .into_iter()
        .zip(split_points(n, &mut log_det, 1));
    run_parts(jobs.collect(), |((range, rows), (_, sums))| {
        let mut chunk = Chunk::new(d, params.layers(), false);
        for start in range.clone().step_by(CHUNK) {
            let end = (start + CHUNK).min(range.end);
            chunk.forward(params, &x[start * d..end * d]);
            let local = start - range.start..end - range.start;
            store_rows(&mut rows[local.start * d..local.end * d], &chunk.z, d);
            sums[local].copy_from_slice(&chunk.log_det[..end - start]);
        }
    });
    (z, log_det)
}

/// The gradient flowing into the outputs of a chunk.
#[derive(Clone, Copy)]
enum Upstream<'a> {
    /// Into `log p` (`[m]`): the final points receive `−g z`, the log-determinant `g`.
    LogProb(&'a [f32]),
    /// Into the final points (`[m, D]` row-major) and into the log-determinant (`[m]`).
    Map { z: &'a [f32], log_det: &'a [f32] },
}

impl<'a> Upstream<'a> {
    /// The part of the gradient for the points `range`.
    fn part(self, range: std::ops::Range<usize>, dim: usize) -> Self {
        match self {
            Self::LogProb(g) => Self::LogProb(&g[range]),
            Self::Map { z, log_det } => Self::Map {
                z: &z[range.start * dim..range.end * dim],
                log_det: &log_det[range],
            },
        }
    }

    /// The gradient flowing into the log-determinant.
    fn log_det(self) -> &'a [f32] {
        match self {
            Self::LogProb(g) => g,
            Self::Map { log_det, .. } => log_det,
        }
    }
}

/// The gradient of `Σ_n g_n log p(x_n)`, with `g` (`[N]`) the gradient flowing into the
/// log-densities.
pub fn log_prob_grads(params: &PlanarParams, x: &[f32], g: &[f32]) -> LogProbGrads {
    let n = params.check(x);
    assert_eq!(g.len(), n, "g must be [N]");
    grads(params, x, Upstream::LogProb(g))
}

/// The gradient of `Σ_n (g_z,n · z_n + g_ld,n · Σ log|det J|_n)` for the outputs of
/// [`forward`]: `g_z` is `[N, D]`, `g_ld` is `[N]`.
pub fn forward_grads(params: &PlanarParams, x: &[f32], g_z: &[f32], g_ld: &[f32]) -> LogProbGrads {
    let n = params.check(x);
    assert_eq!(g_z.len(), n * params.dim, "g_z must be [N, D]");
    assert_eq!(g_ld.len(), n, "g_ld must be [N]");
    grads(
        params,
        x,
        Upstream::Map {
            z: g_z,
            log_det: g_ld,
        },
    )
}

/// The gradients for the points `x` and the parameters, given what flows into the outputs.
fn grads(params: &PlanarParams, x: &[f32], upstream: Upstream<'_>) -> LogProbGrads {
    let n = x.len() / params.dim;
    let (d, k) = (params.dim, params.layers());
    let mut grad_x = vec![0.0; n * d];
    let jobs = split_points(n, &mut grad_x, d);
    // Per part: the parameter gradients, as [w | û | b | c], in f64.
    let partials = run_parts(jobs, |(range, mine)| {
        let mut chunk = Chunk::new(d, k, true);
        let mut sums = vec![0.0f64; 2 * k * d + 2 * k];
        for start in range.clone().step_by(CHUNK) {
            let end = (start + CHUNK).min(range.end);
            chunk.forward(params, &x[start * d..end * d]);
            let local = (start - range.start) * d..(end - range.start) * d;
            let upstream = upstream.part(start..end, d);
            chunk.backward(params, upstream, &mut mine[local], &mut sums);
        }
        sums
    });
    let mut total = vec![0.0f64; 2 * k * d + 2 * k];
    for part in &partials {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    let as_f32 = |values: &[f64]| values.iter().map(|&v| v as f32).collect();
    let (w, rest) = total.split_at(k * d);
    let (u_hat, rest) = rest.split_at(k * d);
    let (b, c) = rest.split_at(k);
    LogProbGrads {
        x: grad_x,
        w: as_f32(w),
        u_hat: as_f32(u_hat),
        b: as_f32(b),
        c: as_f32(c),
    }
}

/// Working memory for one chunk of at most [`CHUNK`] points, dimension-major.
struct Chunk {
    dim: usize,
    len: usize,
    /// The points as they go through the layers: `[D][CHUNK]`.
    z: Vec<f32>,
    /// `Σ log|det J|` so far: `[CHUNK]`.
    log_det: Vec<f32>,
    /// `Π |det J|` of the layers since the last logarithm was taken: `[CHUNK]`.
    det: Vec<f32>,
    /// `wᵀx + b` of the current layer: `[CHUNK]`.
    a: Vec<f32>,
    /// Kept for the backward pass: each layer's input `[K][D][CHUNK]` and `h` `[K][CHUNK]`.
    inputs: Option<(Vec<f32>, Vec<f32>)>,
}

impl Chunk {
    fn new(dim: usize, layers: usize, keep: bool) -> Self {
        Self {
            dim,
            len: 0,
            z: vec![0.0; dim * CHUNK],
            log_det: vec![0.0; CHUNK],
            det: vec![0.0; CHUNK],
            a: vec![0.0; CHUNK],
            inputs: keep.then(|| (vec![0.0; layers * dim * CHUNK], vec![0.0; layers * CHUNK])),
        }
    }

    fn column(&mut self, d: usize) -> &mut [f32] {
        &mut self.z[d * CHUNK..d * CHUNK + self.len]
    }

    /// Runs the points `x` (`[m, D]`, `m ≤ CHUNK`) through every layer.
    fn forward(&mut self, params: &PlanarParams, x: &[f32]) {
        if !forward_in_registers(self, params, x) {
            forward_chunk(self, params, x);
        }
    }

    /// Writes `log N(z; 0, I) + Σ log|det J|` of the chunk's points.
    fn write_log_prob(&mut self, out: &mut [f32]) {
        let m = self.len;
        let norm = HALF_LN_2PI * self.dim as f32;
        out.copy_from_slice(&self.log_det[..m]);
        for d in 0..self.dim {
            for (o, &z) in out.iter_mut().zip(&self.z[d * CHUNK..d * CHUNK + m]) {
                *o -= 0.5 * z * z;
            }
        }
        for o in out.iter_mut() {
            *o -= norm;
        }
    }

    /// After [`Chunk::forward`]: writes the gradient for the points into `grad_x` (`[m, D]`)
    /// and adds the parameter gradients into `sums` (`[w | û | b | c]`).
    fn backward(
        &mut self,
        params: &PlanarParams,
        upstream: Upstream<'_>,
        grad_x: &mut [f32],
        sums: &mut [f64],
    ) {
        backward_chunk(self, params, upstream, grad_x, sums);
    }
}

/// The forward pass takes one logarithm per point for this many layers, of the product of
/// their `|det J|`, rather than one per layer: the logarithm is the costliest part of a layer.
/// A factor `|1 + (1 − h²) c|` of a trained flow lies far inside `[1e-9, 1e9]`, so the product
/// of four stays a normal `f32`, and its rounding (a few units in the last place) is below the
/// logarithm's own error.
const LAYERS_PER_LN: usize = 4;

/// Whether the forward pass takes the logarithm of the determinants after `layer` (of
/// `layers`): after every [`LAYERS_PER_LN`]-th layer and after the last.
#[inline(always)]
fn ln_after(layer: usize, layers: usize) -> bool {
    layer % LAYERS_PER_LN == LAYERS_PER_LN - 1 || layer + 1 == layers
}

/// [`Chunk::forward`] for any `D`, one pass over the chunk per layer (used for `D > 4`),
/// compiled also for wider vector units and picked at run time.
#[multiversion(targets = "simd")]
fn forward_chunk(chunk: &mut Chunk, params: &PlanarParams, x: &[f32]) {
    let dim = chunk.dim;
    chunk.len = x.len() / dim;
    let m = chunk.len;
    load_columns(&mut chunk.z, x, dim);
    chunk.log_det[..m].fill(0.0);
    chunk.det[..m].fill(1.0);
    let layers = params.layers();
    for layer in 0..layers {
        let w = &params.w[layer * dim..(layer + 1) * dim];
        let u = &params.u_hat[layer * dim..(layer + 1) * dim];
        let a = &mut chunk.a[..m];
        a.fill(params.b[layer]);
        for (d, &w_d) in w.iter().enumerate() {
            for (a, &z) in a.iter_mut().zip(&chunk.z[d * CHUNK..d * CHUNK + m]) {
                *a += w_d * z;
            }
        }
        if let Some((inputs, _)) = &mut chunk.inputs {
            let base = layer * dim * CHUNK;
            inputs[base..base + dim * CHUNK].copy_from_slice(&chunk.z);
        }
        for h in a.iter_mut() {
            *h = tanh(*h);
        }
        if let Some((_, hs)) = &mut chunk.inputs {
            hs[layer * CHUNK..layer * CHUNK + m].copy_from_slice(a);
        }
        let c_k = params.c[layer];
        for (det, &h) in chunk.det[..m].iter_mut().zip(a.iter()) {
            *det *= (1.0 + (1.0 - h * h) * c_k).abs();
        }
        if ln_after(layer, layers) {
            for (ld, det) in chunk.log_det[..m].iter_mut().zip(&mut chunk.det[..m]) {
                *ld += ln(*det);
                *det = 1.0;
            }
        }
        for (d, &u_d) in u.iter().enumerate() {
            for (z, &h) in chunk.z[d * CHUNK..d * CHUNK + m].iter_mut().zip(a.iter()) {
                *z += u_d * h;
            }
        }
    }
}

/// Points per block of [`forward_in_registers`]: four AVX-512 registers per coordinate, enough
/// independent work to hide the latency of a layer's chain (`wᵀz`, `tanh`, the determinant)
/// and few enough to stay in registers. Of 16, 32, 64, 128 and 256 points, 64 was fastest.
const BLOCK: usize = 64;
const _: () = assert!(CHUNK.is_multiple_of(BLOCK), "a chunk holds whole blocks");

/// [`Chunk::forward`] for `D ≤ 4`: each block of [`BLOCK`] points goes through all `K` layers
/// with its coordinates and determinants in registers or the L1 cache, the activations kept
/// for the backward pass being only stored, instead of each layer passing over the whole chunk
/// in memory. The same operations in the same order as [`forward_chunk`], so the same values
/// to the bit. Returns false, doing nothing, for other `D`.
#[multiversion(targets = "simd")]
fn forward_in_registers(chunk: &mut Chunk, params: &PlanarParams, x: &[f32]) -> bool {
    match chunk.dim {
        1 => blocks::<1>(chunk, params, x),
        2 => blocks::<2>(chunk, params, x),
        3 => blocks::<3>(chunk, params, x),
        4 => blocks::<4>(chunk, params, x),
        _ => return false,
    }
    true
}

/// [`forward_in_registers`] for a dimension known at compile time. The last block may run
/// past the chunk's `m` points, over stale values of the chunk's buffers; those lanes are
/// never read.
#[inline(always)]
fn blocks<const D: usize>(chunk: &mut Chunk, params: &PlanarParams, x: &[f32]) {
    chunk.len = x.len() / D;
    load_columns(&mut chunk.z, x, D);
    let layers = params.layers();
    let mut kept = chunk.inputs.take();
    for start in (0..chunk.len).step_by(BLOCK) {
        let mut z = [[0.0f32; BLOCK]; D];
        for (d, z) in z.iter_mut().enumerate() {
            z.copy_from_slice(&chunk.z[d * CHUNK + start..d * CHUNK + start + BLOCK]);
        }
        let mut det = [1.0f32; BLOCK];
        let mut log_det = [0.0f32; BLOCK];
        for layer in 0..layers {
            if let Some((inputs, _)) = &mut kept {
                for (d, z) in z.iter().enumerate() {
                    let at = (layer * D + d) * CHUNK + start;
                    inputs[at..at + BLOCK].copy_from_slice(z);
                }
            }
            let mut h = [params.b[layer]; BLOCK];
            for (z, &w_d) in z.iter().zip(&params.w[layer * D..(layer + 1) * D]) {
                for (a, &z) in h.iter_mut().zip(z) {
                    *a += w_d * z;
                }
            }
            for h in &mut h {
                *h = tanh(*h);
            }
            if let Some((_, hs)) = &mut kept {
                hs[layer * CHUNK + start..layer * CHUNK + start + BLOCK].copy_from_slice(&h);
            }
            let c_k = params.c[layer];
            for (det, &h) in det.iter_mut().zip(&h) {
                *det *= (1.0 + (1.0 - h * h) * c_k).abs();
            }
            if ln_after(layer, layers) {
                for (ld, det) in log_det.iter_mut().zip(&mut det) {
                    *ld += ln(*det);
                    *det = 1.0;
                }
            }
            for (z, &u_d) in z.iter_mut().zip(&params.u_hat[layer * D..(layer + 1) * D]) {
                for (z, &h) in z.iter_mut().zip(&h) {
                    *z += u_d * h;
                }
            }
        }
        for (d, z) in z.iter().enumerate() {
            chunk.z[d * CHUNK + start..d * CHUNK + start + BLOCK].copy_from_slice(z);
        }
        chunk.log_det[start..start + BLOCK].copy_from_slice(&log_det);
    }
    chunk.inputs = kept;
}

/// [`Chunk::backward`], compiled also for wider vector units and picked at run time.
#[multiversion(targets = "simd")]
fn backward_chunk(
    chunk: &mut Chunk,
    params: &PlanarParams,
    upstream: Upstream<'_>,
    grad_x: &mut [f32],
    sums: &mut [f64],
) {
    let (dim, m, k) = (chunk.dim, chunk.len, params.layers());
    let (inputs, hs) = chunk.inputs.take().expect("forward kept the activations");
    // The gradient with respect to the current layer's output is kept in `chunk.z`: at the
    // end, what flows into the final points (for log p, ∂/∂z of g · log N(z) is −g z).
    match upstream {
        Upstream::LogProb(g) => {
            for d in 0..dim {
                for (z, &g) in chunk.column(d).iter_mut().zip(g) {
                    *z *= -g;
                }
            }
        }
        Upstream::Map { z, .. } => load_columns(&mut chunk.z, z, dim),
    }
    // The log-determinant term receives its gradient directly, in every layer.
    let g = upstream.log_det();
    let mut grad_a = vec![0.0f32; m];
    // Per-point terms of a parameter's gradient, summed by `lane_sum`.
    let mut terms = vec![0.0f32; m];
    let (sum_w, rest) = sums.split_at_mut(k * dim);
    let (sum_u, rest) = rest.split_at_mut(k * dim);
    let (sum_b, sum_c) = rest.split_at_mut(k);
    for layer in (0..k).rev() {
        let h = &hs[layer * CHUNK..layer * CHUNK + m];
        let c_k = params.c[layer];
        let w = &params.w[layer * dim..(layer + 1) * dim];
        let u = &params.u_hat[layer * dim..(layer + 1) * dim];
        // ∂L/∂h = Σ_d û_d ∂L/∂z_d + g ∂log|det|/∂h, with det = 1 + (1 − h²) c.
        for (((ga, t), &h), &g) in grad_a.iter_mut().zip(&mut terms).zip(h).zip(g) {
            let s = 1.0 - h * h;
            let inv_det = 1.0 / (1.0 + s * c_k);
            *ga = -2.0 * h * c_k * inv_det * g;
            *t = g * s * inv_det;
        }
        sum_c[layer] += f64::from(lane_sum(&terms));
        for (d, &u_d) in u.iter().enumerate() {
            for (((ga, t), &gz), &h) in grad_a
                .iter_mut()
                .zip(&mut terms)
                .zip(&chunk.z[d * CHUNK..d * CHUNK + m])
                .zip(h)
            {
                *ga += u_d * gz;
                *t = gz * h;
            }
            sum_u[layer * dim + d] += f64::from(lane_sum(&terms));
        }
        // ∂L/∂a = ∂L/∂h (1 − h²).
        for (ga, &h) in grad_a.iter_mut().zip(h) {
            *ga *= 1.0 - h * h;
        }
        sum_b[layer] += f64::from(lane_sum(&grad_a));
        // ∂L/∂w_d = Σ ∂L/∂a x_d, and ∂L/∂x_d = ∂L/∂z_d + w_d ∂L/∂a.
        let input = &inputs[layer * dim * CHUNK..(layer + 1) * dim * CHUNK];
        for (d, &w_d) in w.iter().enumerate() {
            for (((gz, t), &ga), &x) in chunk.z[d * CHUNK..d * CHUNK + m]
                .iter_mut()
                .zip(&mut terms)
                .zip(&grad_a)
                .zip(&input[d * CHUNK..d * CHUNK + m])
            {
                *t = ga * x;
                *gz += w_d * ga;
            }
            sum_w[layer * dim + d] += f64::from(lane_sum(&terms));
        }
    }
    store_rows(grad_x, &chunk.z, dim);
    chunk.inputs = Some((inputs, hs));
}

/// `Σ values`, in eight interleaved partial sums so that the additions vectorise (a plain
/// running sum of floats cannot be reordered by the compiler).
#[inline(always)]
fn lane_sum(values: &[f32]) -> f32 {
    const LANES: usize = 8;
    let mut partial = [0.0f32; LANES];
    let mut blocks = values.chunks_exact(LANES);
    for block in &mut blocks {
        for (p, v) in partial.iter_mut().zip(block) {
            *p += v;
        }
    }
    partial.iter().sum::<f32>() + blocks.remainder().iter().sum::<f32>()
}

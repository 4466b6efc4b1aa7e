//! The planar flow computed on the host, in loops over chunks of points, for the CPU
//! backends: the log-density and its gradient ([`log_prob`]), and the inverse ([`inverse`]).
//!
//! The tensor-op flow spends most of its time dispatching many small operations per layer;
//! here all `K` layers run in one loop over chunks of points kept in cache, with the points
//! of a chunk stored dimension by dimension so that the inner loops vectorise. The maths is
//! that of [`crate::Planar`].
//!
//! The autoregressive and coupling transforms' elementwise maps run here too, element by
//! element: the rational-quadratic spline ([`spline`]) and the masked affine map ([`affine`]).

pub mod affine;
pub mod blocked;
mod inverse;
mod log_prob;
mod reparam;
pub mod spline;

pub use inverse::{Inverted, inverse};
pub use log_prob::{LogProbGrads, forward, forward_grads, log_prob, log_prob_grads};
pub use reparam::{reparametrise, reparametrise_grads};

use std::ops::Range;
use std::sync::OnceLock;

/// Points per chunk: a chunk's layer activations fit in the L2 cache.
pub(crate) const CHUNK: usize = 256;
/// Fewest points per thread worth a thread of its own.
const POINTS_PER_THREAD: usize = 16_384;

/// The parameters of `K` planar layers, row-major, in application order (data → latent).
#[derive(Debug, Clone, Copy)]
pub struct PlanarParams<'a> {
    /// The data dimension `D`.
    pub dim: usize,
    /// `w`, `[K, D]`.
    pub w: &'a [f32],
    /// The reparametrised `û`, `[K, D]`.
    pub u_hat: &'a [f32],
    /// `b`, `[K]`.
    pub b: &'a [f32],
    /// `c = wᵀû` per layer, `[K]` (given rather than recomputed: the flow takes it as
    /// `m(wᵀu)`, exact even where the dot product of the rounded `û` cancels).
    pub c: &'a [f32],
}

impl PlanarParams<'_> {
    /// The number of layers `K`.
    pub fn layers(&self) -> usize {
        self.b.len()
    }

    /// Checks the shapes against `x` (`[N, D]`) and returns `N`.
    pub(crate) fn check(&self, x: &[f32]) -> usize {
        let (d, k) = (self.dim, self.layers());
        assert!(d > 0, "the dimension must be at least 1");
        assert_eq!(self.w.len(), k * d, "w must be [K, D]");
        assert_eq!(self.u_hat.len(), k * d, "û must be [K, D]");
        assert_eq!(self.c.len(), k, "c must be [K]");
        assert_eq!(x.len() % d, 0, "x must be [N, D]");
        x.len() / d
    }
}

/// Contiguous ranges of points, one per thread, each with its rows of `out` (`[N, width]`).
pub(crate) fn split_points(
    n: usize,
    out: &mut [f32],
    width: usize,
) -> Vec<(Range<usize>, &mut [f32])> {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from));
    let threads = (n / POINTS_PER_THREAD).clamp(1, cores);
    let per = n.div_ceil(threads).div_ceil(CHUNK).max(1) * CHUNK;
    let ranges = (0..threads).map(|t| (t * per).min(n)..((t + 1) * per).min(n));
    let mut rest = out;
    let mut parts = Vec::with_capacity(threads);
    for range in ranges.filter(|r| !r.is_empty()) {
        let (mine, later) = std::mem::take(&mut rest).split_at_mut(range.len() * width);
        rest = later;
        parts.push((range, mine));
    }
    parts
}

/// Runs `work` on every job, on threads of their own when there are several.
pub(crate) fn run_parts<T: Send, R: Send>(jobs: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    if jobs.len() <= 1 {
        return jobs.into_iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| scope.spawn(move || work(job)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a kernel thread panicked"))
            .collect()
    })
}

/// Copies the rows `x` (`[m, D]`) into the dimension-major `columns` (`[D][CHUNK]`).
pub(crate) fn load_columns(columns: &mut [f32], x: &[f32], dim: usize) {
    for d in 0..dim {
        for (c, row) in columns[d * CHUNK..].iter_mut().zip(x.chunks_exact(dim)) {
            *c = row[d];
        }
    }
}

/// Copies the dimension-major `columns` (`[D][CHUNK]`) back into the rows `out` (`[m, D]`).
pub(crate) fn store_rows(out: &mut [f32], columns: &[f32], dim: usize) {
    for (i, row) in out.chunks_exact_mut(dim).enumerate() {
        for (d, v) in row.iter_mut().enumerate() {
            *v = columns[d * CHUNK + i];
        }
    }
}

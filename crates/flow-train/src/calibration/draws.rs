//! Posterior draws for many pairs at once: one batched `sample` over the contexts of many
//! pairs (not one call per pair), restricted to the prior's box by rejection.

use burn::tensor::Device;
use flow_data::PriorBox;
use flow_data::simulate::LowAcceptance;

use crate::error::FlowError;
use crate::infer::inference::{TrainedFlow, chunk_seed};

/// Rows drawn per call of the model.
const ROWS_PER_CALL: usize = 1 << 18;
/// Rounds of redrawing the draws that fell outside the box before giving up.
const MAX_ROUNDS: usize = 64;

/// Posterior draws of many pairs with their log-densities.
pub struct PairDraws {
    /// `[N · samples, K]` row-major, pair by pair.
    pub values: Vec<f32>,
    /// `log q(θ | x)` of each draw: `[N · samples]`.
    pub log_q: Vec<f32>,
    /// The share of the draws made that fell inside the prior's box.
    pub acceptance: f64,
}

/// `samples` draws of `θ` and their log-densities for each of the contexts `contexts`
/// (`[N, C]` row-major, the data's units). Draws outside `prior_box` are redrawn.
pub fn draws_per_pair(
    trained: &TrainedFlow,
    contexts: &[f32],
    samples: usize,
    seed: u64,
    prior_box: Option<&PriorBox>,
    device: &Device,
) -> Result<PairDraws, FlowError> {
    let (dim, width) = (trained.dim(), trained.context_dim());
    let pairs = contexts.len() / width.max(1);
    let mut kept: Vec<Vec<f32>> = vec![Vec::with_capacity(samples * dim); pairs];
    let mut kept_log_q: Vec<Vec<f32>> = vec![Vec::with_capacity(samples); pairs];
    let (mut drawn, mut inside) = (0usize, 0usize);
    for round in 0..MAX_ROUNDS {
        let needy: Vec<usize> = (0..pairs)
            .filter(|&i| kept[i].len() < samples * dim)
            .collect();
        if needy.is_empty() {
            return Ok(PairDraws {
                values: kept.concat(),
                log_q: kept_log_q.concat(),
                acceptance: inside as f64 / drawn.max(1) as f64,
            });
        }
        // After the first round, ask for twice what is missing at the acceptance so far.
        let missing = needy
            .iter()
            .map(|&i| samples - kept[i].len() / dim)
            .max()
            .unwrap_or(0);
        let per_pair = match round {
            0 => samples,
            _ => {
                let rate = (inside as f64 / drawn.max(1) as f64).max(1e-3);
                ((2.0 * missing as f64 / rate).ceil() as usize).clamp(missing, 64 * samples)
            }
        };
        let chunk = (ROWS_PER_CALL / per_pair).max(1);
        for (c, group) in needy.chunks(chunk).enumerate() {
            let context: Vec<f32> = group
                .iter()
                .flat_map(|&i| contexts[i * width..(i + 1) * width].iter().copied())
                .collect();
            let seed = chunk_seed(seed, round * 1_000_003 + c);
            let (values, log_q) = trained.sample_at_with_log_prob(&context, per_pair, seed, device);
            let blocks = values
                .chunks_exact(per_pair * dim)
                .zip(log_q.chunks_exact(per_pair));
            for (&i, (block, block_log_q)) in group.iter().zip(blocks) {
                for (draw, &log_q) in block.chunks_exact(dim).zip(block_log_q) {
                    drawn += 1;
                    if prior_box.is_none_or(|b| b.contains(draw)) {
                        inside += 1;
                        if kept[i].len() < samples * dim {
                            kept[i].extend_from_slice(draw);
                            kept_log_q[i].push(log_q);
                        }
                    }
                }
            }
        }
    }
    Err(FlowError::LowAcceptance(LowAcceptance { inside, drawn }))
}

//! The conditioner networks of coupling transforms: multilayer perceptrons of Burn
//! `Linear` layers with ReLU between them.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use rand::rngs::StdRng;

use crate::init::{param, uniform};

/// `input → hidden (→ hidden)… → output`, with `depth` hidden layers and ReLU after each.
///
/// Weights are drawn on the host from a seeded generator (so equal on every backend), as
/// PyTorch does: `U(−1/√fan_in, 1/√fan_in)`. The last layer starts at zero, so a coupling
/// transform conditioned by it starts as the identity.
#[derive(Module, Debug)]
pub struct Mlp {
    /// The layers in order; the last one has no activation.
    pub layers: Vec<Linear>,
}

impl Mlp {
    /// A network of `depth ≥ 1` hidden layers of width `hidden`.
    pub fn new(
        input: usize,
        hidden: usize,
        depth: usize,
        output: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Self {
        let mut widths = vec![input];
        widths.extend(std::iter::repeat_n(hidden, depth));
        widths.push(output);
        Self::with_widths(&widths, true, rng, device)
    }

    /// A network through `widths` (input first, output last, at least two); the last layer
    /// starts at zero when `zero_last`, else is drawn like the others.
    pub fn with_widths(
        widths: &[usize],
        zero_last: bool,
        rng: &mut StdRng,
        device: &Device,
    ) -> Self {
        let last = widths.len() - 2;
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(i, pair)| {
                let bound = if i == last && zero_last {
                    0.0
                } else {
                    1.0 / (pair[0] as f32).sqrt()
                };
                linear_layer(pair[0], pair[1], bound, rng, device)
            })
            .collect();
        Self { layers }
    }

    /// The output width.
    pub fn output_width(&self) -> usize {
        self.layers.last().map_or(0, |layer| layer.weight.dims()[1])
    }

    /// Applies the network to `x` (`[N, input]`): `[N, output]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, layer)| {
            let h = layer.forward(h);
            if i == last { h } else { relu(h) }
        })
    }
}

/// A `Linear` layer (`[input, output]` weights, a bias) with entries from `U(−bound, bound)`.
pub(crate) fn linear_layer(
    input: usize,
    output: usize,
    bound: f32,
    rng: &mut StdRng,
    device: &Device,
) -> Linear {
    let weight = uniform(rng, input * output, bound);
    let bias = uniform(rng, output, bound);
    Linear {
        weight: param(&weight, [input, output], device),
        bias: Some(param(&bias, [output], device)),
    }
}

//! MADE (Germain et al. 2015): a multilayer perceptron of Burn `Linear` layers whose weights
//! are masked so that the outputs for coordinate `i` depend only on the coordinates before
//! `i` in an order, and on a context, which reaches every output.
//!
//! Degrees: input coordinate `i` has degree `rank(i) + 1` (its position in the order, from
//! 1), every context input degree 0. Hidden units share the degrees `1, …, D − 1` evenly, in
//! ascending order (from 0 when there is a context, so that units seeing the context alone
//! feed the first coordinate). A hidden unit sees the units of the layer before whose degree
//! is at most its own; output `i` sees the hidden units whose degree is below `rank(i) + 1`.
//! Since the degrees ascend, the units that coordinate `i` depends on are a prefix of every
//! hidden layer: [`Made::invert`] computes only those.
//!
//! With direct connections (the MADE paper's option), a masked linear map from the inputs to
//! the outputs runs beside the hidden layers: output `i` sees the coordinates before `i` and
//! the context linearly as well, so an affine transform can be exactly linear in them (a
//! linear-Gaussian posterior is then one transform, not an approximation by ReLUs).

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::module::linear;
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::conditioners::blocks::layer_blocks;
use crate::conditioners::mlp::Mlp;
use crate::cpu::fused::on_host;
use crate::cpu::fused_blocked::blocked_linear;
use crate::cpu::kernel::blocked::BlockedLayer;
use crate::error::ModelError;
use crate::init::param;

/// How the autoregressive transforms of a flow order the coordinates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoregressiveOrder {
    /// Natural order `0, 1, …, D − 1` for the first transform, reversed for the second, and
    /// so on alternately.
    #[default]
    Alternate,
    /// A random permutation per transform, drawn from the flow's seed.
    Random,
}

impl AutoregressiveOrder {
    /// The orders of `count` transforms in `dim` dimensions: each a list of the coordinates
    /// in the order they are generated.
    pub fn orders(self, dim: usize, count: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
        (0..count)
            .map(|k| {
                let mut order: Vec<usize> = (0..dim).collect();
                match self {
                    Self::Alternate if k % 2 == 1 => order.reverse(),
                    Self::Alternate => {}
                    Self::Random => order.shuffle(rng),
                }
                order
            })
            .collect()
    }
}

/// A masked MLP: `[N, D + C]` (the coordinates, then the context) → `[N, D, P]`, `P`
/// outputs per coordinate, each depending only on the coordinates before it in `order`.
///
/// The last layer starts at zero, so a transform conditioned by it starts as the identity.
#[derive(Module, Debug)]
pub struct Made {
    /// The layers in order, ReLU between them.
    pub layers: Vec<Linear>,
    /// The 0/1 mask of each layer's weight, `[input, output]` like the weight (constants,
    /// rebuilt from the order when a model is loaded).
    pub masks: Vec<Tensor<2>>,
    /// The coordinates in the order they are generated.
    #[module(skip)]
    pub order: Vec<usize>,
    /// The context width `C`.
    #[module(skip)]
    pub context: usize,
    /// Outputs per coordinate `P`.
    #[module(skip)]
    pub per_coordinate: usize,
    /// The degree of each hidden unit (the same in every hidden layer), ascending.
    #[module(skip)]
    pub hidden_degrees: Vec<usize>,
    /// The direct connections, when asked for.
    pub direct: Option<DirectConnections>,
}

/// MADE's direct connections: `[N, D + C] → [N, D·P]`, `input · (weight ⊙ mask)`, no bias.
#[derive(Module, Debug)]
pub struct DirectConnections {
    /// The weight, `[D + C, D·P]`, starting at zero.
    pub weight: Param<Tensor<2>>,
    /// The 0/1 mask of the weight, `[D + C, D·P]` (a constant, rebuilt from the order).
    pub mask: Tensor<2>,
}

impl DirectConnections {
    /// The masked weight, `[D + C, D·P]`.
    pub fn masked_weight(&self) -> Tensor<2> {
        self.weight.val() * self.mask.clone()
    }
}

/// The shape of a [`Made`]: every width, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MadeShape {
    /// The coordinates in the order they are generated (a permutation of `0..D`).
    pub order: Vec<usize>,
    /// The context width `C` (0 without a context).
    pub context: usize,
    /// The width of the hidden layers.
    pub hidden: usize,
    /// The number of hidden layers.
    pub depth: usize,
    /// Outputs per coordinate `P`.
    pub per_coordinate: usize,
    /// Whether a masked linear map from the inputs to the outputs runs beside the hidden
    /// layers (direct connections).
    pub direct: bool,
}

impl MadeShape {
    /// The degrees of the hidden units: `lowest, …, D − 1` shared evenly in ascending order,
    /// `lowest` 1 (0 with a context, and in one dimension).
    pub fn hidden_degrees(&self) -> Vec<usize> {
        let dim = self.order.len();
        let lowest = usize::from(self.context == 0).min(dim.saturating_sub(1));
        let span = (dim - lowest).max(1);
        (0..self.hidden)
            .map(|k| lowest + k * span / self.hidden)
            .collect()
    }

    /// The masks of every layer, `[input][output]` row-major as 0/1 values, or an error if
    /// the masks leave no path from any input to the outputs.
    pub fn masks(&self) -> Result<Vec<Vec<f32>>, ModelError> {
        let dim = self.order.len();
        if dim == 0 || self.hidden == 0 || self.depth == 0 || self.per_coordinate == 0 {
            return Err(ModelError::config(
                "made",
                "needs at least one coordinate, hidden unit, hidden layer and output",
            ));
        }
        if dim == 1 && self.context == 0 {
            return Err(ModelError::config(
                "dim",
                "is 1 without a context: an autoregressive transform's first coordinate \
                 depends on the context alone, so its masks would cut every path; use planar \
                 or radial, or give a context",
            ));
        }
        let (input, output) = self.input_output_degrees();
        let hidden = self.hidden_degrees();
        let mut masks = vec![connect(&input, &hidden, false)];
        for _ in 1..self.depth {
            masks.push(connect(&hidden, &hidden, false));
        }
        masks.push(connect(&hidden, &output, true));
        Ok(masks)
    }

    /// The mask of the direct connections, `[input][output]` row-major as 0/1 values: output
    /// `i` sees the coordinates before `i` in the order and the whole context.
    pub fn direct_mask(&self) -> Vec<f32> {
        let (input, output) = self.input_output_degrees();
        connect(&input, &output, true)
    }

    /// The degrees of the inputs (coordinate `i`: `rank(i) + 1`, the context 0) and of the
    /// outputs (coordinate `i`'s `P` outputs: `rank(i) + 1`).
    fn input_output_degrees(&self) -> (Vec<usize>, Vec<usize>) {
        let rank = ranks(&self.order);
        let input = (0..self.order.len())
            .map(|i| rank[i] + 1)
            .chain(std::iter::repeat_n(0, self.context))
            .collect();
        (input, output_degrees(&self.order, self.per_coordinate))
    }
}

/// The degree of each output, `[D·P]`, of a MADE whose coordinates are generated in `order`:
/// coordinate `i`'s `per_coordinate` outputs have `rank(i) + 1`.
fn output_degrees(order: &[usize], per_coordinate: usize) -> Vec<usize> {
    let rank = ranks(order);
    (0..order.len() * per_coordinate)
        .map(|u| rank[u / per_coordinate] + 1)
        .collect()
}

/// Each coordinate's position in `order`.
fn ranks(order: &[usize]) -> Vec<usize> {
    let mut rank = vec![0; order.len()];
    for (position, &coordinate) in order.iter().enumerate() {
        rank[coordinate] = position;
    }
    rank
}

/// The 0/1 mask from units of degrees `from` to units of degrees `to`, `[from][to]`
/// row-major: a connection where the degree does not fall (strictly rises when `strict`).
fn connect(from: &[usize], to: &[usize], strict: bool) -> Vec<f32> {
    from.iter()
        .flat_map(|&a| {
            to.iter()
                .map(move |&b| f32::from(u8::from(if strict { b > a } else { b >= a })))
        })
        .collect()
}

impl Made {
    /// A MADE of `shape`, drawing its weights from `rng` (`U(±1/√fan_in)`, the last layer and
    /// the direct connections 0).
    pub fn new(shape: &MadeShape, rng: &mut StdRng, device: &Device) -> Result<Self, ModelError> {
        let masks = shape.masks()?;
        let dim = shape.order.len();
        let (inputs, outputs) = (dim + shape.context, dim * shape.per_coordinate);
        let mut widths = vec![inputs];
        widths.extend(std::iter::repeat_n(shape.hidden, shape.depth));
        widths.push(outputs);
        let layers = Mlp::with_widths(&widths, true, rng, device).layers;
        let direct = shape.direct.then(|| DirectConnections {
            weight: param(&vec![0.0; inputs * outputs], [inputs, outputs], device),
            mask: Tensor::from_data(
                TensorData::new(shape.direct_mask(), [inputs, outputs]),
                device,
            ),
        });
        let masks = masks
            .into_iter()
            .zip(widths.windows(2))
            .map(|(mask, pair)| {
                Tensor::from_data(TensorData::new(mask, [pair[0], pair[1]]), device)
            })
            .collect();
        Ok(Self {
            layers,
            masks,
            order: shape.order.clone(),
            context: shape.context,
            per_coordinate: shape.per_coordinate,
            hidden_degrees: shape.hidden_degrees(),
            direct,
        })
    }

    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.order.len()
    }

    /// The outputs for `x` `[N, D]` at `context` `[N, C]` (required when `C > 0`):
    /// `[N, D, P]`. On the CPU backends the layers after the first run as dense blocks
    /// ([`Made::forward_blocked`]), elsewhere as full products ([`Made::forward_dense`]).
    ///
    /// # Panics
    /// If a context is missing or given where the MADE has none.
    pub fn forward(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> Tensor<3> {
        let blocked = on_host(&x.device());
        self.forward_with(x, context, blocked)
    }

    /// [`Made::forward`] with every layer one full product by its masked weight: the
    /// reference the blocked layers are held to, and the path of the GPU backends.
    ///
    /// # Panics
    /// If a context is missing or given where the MADE has none.
    pub fn forward_dense(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> Tensor<3> {
        self.forward_with(x, context, false)
    }

    /// [`Made::forward`] with the layers fed by hidden units (whose degrees ascend) computed
    /// as a few dense blocks ([`layer_blocks`]) in one fused operation each
    /// ([`crate::cpu::fused_blocked`]), skipping most of the zeros of their masks. The same
    /// values and gradients as [`Made::forward_dense`] up to rounding; only for devices where
    /// [`crate::cpu::fused::on_host`] holds.
    ///
    /// # Panics
    /// If a context is missing or given where the MADE has none.
    pub fn forward_blocked(&self, x: Tensor<2>, context: Option<&Tensor<2>>) -> Tensor<3> {
        self.forward_with(x, context, true)
    }

    /// The forward pass, the layers after the first blocked or not.
    fn forward_with(&self, x: Tensor<2>, context: Option<&Tensor<2>>, blocked: bool) -> Tensor<3> {
        let [n, dim] = x.dims();
        let input = match (self.context, context) {
            (0, None) => x,
            (c, Some(context)) if c > 0 => Tensor::cat(vec![x, context.clone()], 1),
            (c, given) => panic!(
                "this autoregressive transform takes a context of width {c}, but was {}",
                if given.is_some() {
                    "given one"
                } else {
                    "given none"
                }
            ),
        };
        let last = self.layers.len() - 1;
        let direct = self
            .direct
            .as_ref()
            .map(|direct| input.clone().matmul(direct.masked_weight()));
        // Only the blocked path needs the outputs' degrees.
        let output_degrees = match blocked {
            true => output_degrees(&self.order, self.per_coordinate),
            false => Vec::new(),
        };
        let out =
            self.layers
                .iter()
                .zip(&self.masks)
                .enumerate()
                .fold(input, |h, (i, (layer, mask))| {
                    let weight = layer.weight.val() * mask.clone();
                    let bias = layer.bias.as_ref().map(|b| b.val());
                    if blocked && i > 0 {
                        let (to, strict) = match i == last {
                            true => (&output_degrees, true),
                            false => (&self.hidden_degrees, false),
                        };
                        let blocks = layer_blocks(&self.hidden_degrees, to, strict);
                        let bias = bias.expect("MADE layers have biases");
                        let relu = i != last;
                        return blocked_linear(h, weight, bias, BlockedLayer { blocks, relu });
                    }
                    let h = linear(h, weight, bias);
                    if i == last { h } else { relu(h) }
                });
        let out = match direct {
            Some(direct) => out + direct,
            None => out,
        };
        out.reshape([n, dim, self.per_coordinate])
    }

    /// Inverts the autoregressive transform this MADE conditions at `y` (`[N, D]`), one
    /// coordinate at a time in the order: `invert_one(y_i, params_i)` takes coordinate `i`'s
    /// image `[N, 1]` and its parameters `[N, 1, P]` and returns its preimage `[N, 1]` and its
    /// log-determinant `[N]`. Returns the preimage `[N, D]` and the summed log-determinant.
    ///
    /// Each step computes only what the next coordinate needs: the first layer's
    /// pre-activation is updated by the coordinate just found (a rank-one update), the hidden
    /// layers are evaluated on the units of degree up to the coordinate's rank (a prefix, the
    /// degrees ascending), the output layer on the coordinate's `P` outputs. In `D`
    /// dimensions that is about `H²/2` multiply-adds per point and step with `H` hidden
    /// units, against `(D + 2H + DP)·H` for a whole pass. Differentiable like any tensor
    /// operations.
    pub fn invert(
        &self,
        y: &Tensor<2>,
        context: Option<&Tensor<2>>,
        invert_one: impl Fn(Tensor<2>, Tensor<3>) -> (Tensor<2>, Tensor<1>),
    ) -> (Tensor<2>, Tensor<1>) {
        let [n, dim] = y.dims();
        let per = self.per_coordinate;
        let weights: Vec<Tensor<2>> = self
            .layers
            .iter()
            .zip(&self.masks)
            .map(|(layer, mask)| layer.weight.val() * mask.clone())
            .collect();
        let biases: Vec<Tensor<2>> = self
            .layers
            .iter()
            .map(|layer| {
                let bias = layer.bias.as_ref().expect("MADE layers have biases").val();
                let width = bias.dims()[0];
                bias.reshape([1, width])
            })
            .collect();
        let last = weights.len() - 1;
        let hidden = weights[0].dims()[1];
        // The first layer's pre-activation with every coordinate still at zero.
        let mut pre = match context {
            Some(c) => c
                .clone()
                .matmul(weights[0].clone().narrow(0, dim, self.context)),
            None => Tensor::zeros([n, hidden], &y.device()),
        } + biases[0].clone();
        // The direct connections' masked weight and outputs, the outputs updated like `pre`
        // as the coordinates are found.
        let mut direct = self.direct.as_ref().map(|direct| {
            let weight = direct.masked_weight();
            let out = match context {
                Some(c) => c
                    .clone()
                    .matmul(weight.clone().narrow(0, dim, self.context)),
                None => Tensor::zeros([n, weight.dims()[1]], &y.device()),
            };
            (weight, out)
        });
        let mut columns: Vec<Option<Tensor<2>>> = vec![None; dim];
        let mut log_det = Tensor::zeros([n], &y.device());
        for (rank, &i) in self.order.iter().enumerate() {
            let units = self.hidden_degrees.iter().filter(|&&d| d <= rank).count();
            let out_weight = weights[last].clone().narrow(1, i * per, per);
            let out_bias = biases[last].clone().narrow(1, i * per, per);
            let params = if units == 0 {
                out_bias.repeat_dim(0, n)
            } else {
                let mut h = relu(pre.clone().narrow(1, 0, units));
                for l in 1..last {
                    let w = weights[l].clone().narrow(0, 0, units).narrow(1, 0, units);
                    h = relu(h.matmul(w) + biases[l].clone().narrow(1, 0, units));
                }
                h.matmul(out_weight.narrow(0, 0, units)) + out_bias
            };
            let params = match &direct {
                Some((_, out)) => params + out.clone().narrow(1, i * per, per),
                None => params,
            };
            let (x, ld) = invert_one(y.clone().narrow(1, i, 1), params.reshape([n, 1, per]));
            if rank + 1 < dim {
                pre = pre + x.clone().matmul(weights[0].clone().narrow(0, i, 1));
                if let Some((weight, out)) = direct.as_mut() {
                    *out = out.clone() + x.clone().matmul(weight.clone().narrow(0, i, 1));
                }
            }
            log_det = log_det + ld;
            columns[i] = Some(x);
        }
        let columns = columns
            .into_iter()
            .map(|c| c.expect("every coordinate is in the order"))
            .collect();
        (Tensor::cat(columns, 1), log_det)
    }
}

//! How a coupling transform splits the coordinates: the ones it leaves unchanged (and
//! conditions on) and the ones it transforms.

use burn::tensor::{Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// The split of `D` coordinates used by one coupling transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouplingSplit {
    /// The coordinates passed through unchanged and fed to the conditioner, ascending.
    pub kept: Vec<usize>,
    /// The coordinates transformed, ascending.
    pub changed: Vec<usize>,
}

impl CouplingSplit {
    /// The splits of `count` coupling transforms in `dim ≥ 2` dimensions: transform `2j`
    /// keeps a random half of the coordinates (`⌊D/2⌋` of them, drawn from `rng`) and
    /// transform `2j + 1` keeps the other half, so every coordinate is transformed once in
    /// each pair. In two dimensions this alternates between the two coordinates.
    pub fn alternating(dim: usize, count: usize, rng: &mut StdRng) -> Vec<Self> {
        let mut splits = Vec::with_capacity(count);
        let mut order: Vec<usize> = (0..dim).collect();
        while splits.len() < count {
            order.shuffle(rng);
            let (first, second) = order.split_at(dim / 2);
            for kept in [first, second] {
                let mut kept = kept.to_vec();
                kept.sort_unstable();
                let changed = (0..dim).filter(|i| !kept.contains(i)).collect();
                splits.push(Self { kept, changed });
            }
        }
        splits.truncate(count);
        splits
    }

    /// The dimension `D`.
    pub fn dim(&self) -> usize {
        self.kept.len() + self.changed.len()
    }

    /// Splits `x` (`[N, D]`) into its kept and changed columns.
    pub fn split(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let device = x.device();
        (
            x.clone().select(1, indices(&self.kept, &device)),
            x.select(1, indices(&self.changed, &device)),
        )
    }

    /// Puts kept and changed columns back in their places: `[N, D]`.
    pub fn merge(&self, kept: Tensor<2>, changed: Tensor<2>) -> Tensor<2> {
        let device = kept.device();
        let mut position = vec![0; self.dim()];
        for (i, &coordinate) in self.kept.iter().chain(&self.changed).enumerate() {
            position[coordinate] = i;
        }
        Tensor::cat(vec![kept, changed], 1).select(1, indices(&position, &device))
    }
}

/// `values` as an index tensor on `device`.
fn indices(values: &[usize], device: &burn::tensor::Device) -> Tensor<1, Int> {
    let values: Vec<i64> = values.iter().map(|&v| v as i64).collect();
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

/// A conditioner's input: `kept` (`[N, k]`) with the context (`[N, C]`) beside it, if any.
pub(crate) fn with_context(kept: Tensor<2>, context: Option<&Tensor<2>>) -> Tensor<2> {
    match context {
        Some(context) => Tensor::cat(vec![kept, context.clone()], 1),
        None => kept,
    }
}

//! The standard normal base distribution.

use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// `log N(z; 0, I)` per row: `z` is `[N, D]`, the result `[N]`.
pub fn standard_normal_log_prob(z: Tensor<2>) -> Tensor<1> {
    let [_, dim] = z.dims();
    let half_sq_norm: Tensor<1> = z.square().sum_dim(1).squeeze_dim(1).mul_scalar(0.5);
    half_sq_norm.neg().sub_scalar(0.5 * dim as f64 * LN_2PI)
}

/// `n` draws of `N(0, I_dim)`, made on the host from `seed` so that every backend gets the
/// same numbers: `[n, dim]`.
pub fn standard_normal_sample(n: usize, dim: usize, seed: u64, device: &Device) -> Tensor<2> {
    let mut rng = StdRng::seed_from_u64(seed);
    let values: Vec<f32> = (0..n * dim)
        .map(|_| {
            let v: f64 = StandardNormal.sample(&mut rng);
            v as f32
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [n, dim]), device)
}

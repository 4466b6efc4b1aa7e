//! Parameters made from values drawn on the host, so that a seed gives the same initial
//! model on every backend.

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use rand::RngExt;
use rand::rngs::StdRng;

/// A parameter of `shape` holding `values` (row-major).
///
/// # Panics
/// If the number of values does not match the shape.
pub(crate) fn param<const D: usize>(
    values: &[f32],
    shape: [usize; D],
    device: &Device,
) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(
        TensorData::new(values.to_vec(), shape),
        device,
    ))
}

/// `count` draws from `U(−bound, bound)` (zeros when `bound` is 0).
pub(crate) fn uniform(rng: &mut StdRng, count: usize, bound: f32) -> Vec<f32> {
    (0..count)
        .map(|_| {
            if bound > 0.0 {
                rng.random_range(-bound..bound)
            } else {
                0.0
            }
        })
        .collect()
}

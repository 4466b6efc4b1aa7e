//! Using a trained model: loading it, mapping points through it, exporting its parameters.

pub mod export;
pub mod inference;
pub mod stream;

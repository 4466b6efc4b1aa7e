//! The networks that give a transform its parameters: MLPs (couplings, the context
//! embedding, a conditional base) and MADEs (autoregressive transforms).

pub mod blocks;
pub mod made;
pub mod mlp;

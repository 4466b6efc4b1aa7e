//! The integration tests of flow-model, one module per concern, linked into one test binary
//! (one link of Burn instead of one per file: less build time and disk). Run one module with
//! `cargo test --release --workspace --all-features --test model -- spline::`.

mod common;

mod conditional;
mod energy;
mod families;
#[cfg(feature = "flex")]
mod fused;
#[cfg(feature = "flex")]
mod fused_affine;
mod fused_forward;
#[cfg(feature = "flex")]
mod fused_spline;
#[cfg(all(feature = "flex", feature = "wgpu"))]
mod gpu;
mod invertibility;
mod jacobian;
mod made;
mod radial;
mod reference;
mod spline;

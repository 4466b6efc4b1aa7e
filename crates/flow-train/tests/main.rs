//! The integration tests of flow-train, mostly the binary end to end, one module per concern,
//! linked into one test binary (one link of Burn instead of one per file: less build time and
//! disk). Run one module with
//! `cargo test --release --workspace --all-features --test cli -- train_cli::`.

mod common;

mod calibration_cli;
mod conditional_cli;
mod data_cli;
mod devices_cli;
mod export_cli;
mod fit_cli;
mod inference_cli;
mod npy_cli;
mod reliability_cli;
#[cfg(feature = "remote")]
mod remote_cli;
mod replay_divergence;
mod resume_cli;
mod sbi_cli;
mod simulator_cli;
mod stream_cli;
mod train_cli;
#[cfg(feature = "wgpu")]
mod wgpu;

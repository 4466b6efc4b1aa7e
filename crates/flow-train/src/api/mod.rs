//! The library's way to train without the command line, shared by Rust programs and the
//! Python package: [`Settings`] name `flow-train train`'s flags, [`untrained`] builds the
//! flow they describe, [`fit_rows`] and [`fit_posterior`] train on data held in memory into
//! an ordinary artifact directory, with the same presets, Learner, early stopping and
//! checkpoints as `flow-train train` and `flow-train npe`.

mod fit;
mod settings;
mod untrained;

pub use fit::{Fitted, Run, copy_artifacts, fit_posterior, fit_rows};
pub use settings::Settings;
pub use untrained::{open_device, untrained};

//! The training configuration, its presets and its checks.

use burn::config::Config;
use flow_data::{ContextColumns, DatasetKind, PriorBox, Standardizer, Task};
use flow_model::{
    AutoregressiveConfig, BaseKind, CouplingConfig, Direction, FlowConfig, FlowFamily, MafConfig,
    NsfArConfig, NsfConfig, PaperEnergy, PlanarConfig, RadialConfig, RealNvpConfig,
};
use serde::{Deserialize, Serialize};

use crate::error::FlowError;
use crate::train::data::DataSource;
use crate::train::fit::Annealing;
use crate::train::schedule::LrSchedule;

/// The largest number of points (of a split, a batch, drawn samples or generated points)
/// accepted: beyond it a mistyped size would exhaust the memory and abort the process.
pub const MAX_POINTS: usize = 100_000_000;

/// Everything needed to rebuild the data, the model and the training run; saved as
/// `config.json` in the artifact directory. The flow family's name is its `flow` field,
/// beside the family's own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingConfig {
    /// The version of this file's layout (see [`crate::format`]).
    #[serde(default = "crate::format::unversioned")]
    pub format_version: u32,
    /// The flow family and its hyper-parameters.
    #[serde(flatten)]
    pub model: FlowFamily,
    /// The data dimension `D`.
    pub dim: usize,
    /// Where the data comes from.
    pub data: DataSource,
    /// Whether the model sees the data standardised (per column, by the training split's
    /// mean and standard deviation); every number a user sees is in the data's own units.
    pub standardize: bool,
    /// The standardisation's mean and scale, fitted on the training split when training
    /// starts.
    pub standardizer: Option<Standardizer>,
    /// The base distribution of the latent space.
    #[serde(default)]
    pub base: BaseKind,
    /// The width `C` of the context of a conditional flow `p(x | c)` (0: none). The rows the
    /// model sees are `x`'s `dim` columns followed by the context's `C`.
    #[serde(default)]
    pub context_dim: usize,
    /// The context columns of the data file, 1-based positions in the order the model sees
    /// them (empty: none).
    #[serde(default)]
    pub context_columns: Vec<usize>,
    /// The context columns' names in the file's header (empty when it has none).
    #[serde(default)]
    pub context_names: Vec<String>,
    /// The widths of the layers of the MLP that embeds the context (empty: none).
    #[serde(default)]
    pub context_embedding: Vec<usize>,
    /// The support of a box prior over `x` (the parameters `θ` of a posterior `q(θ | x)`,
    /// in the data's units): samples outside it are rejected and redrawn.
    #[serde(default)]
    pub prior_box: Option<PriorBox>,
    /// The benchmark task whose simulations trained the model (`npe`), whose observations
    /// `--observation K` names; absent for other runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// Points in the training split.
    pub n_train: usize,
    /// Points in the validation split.
    pub n_valid: usize,
    /// Points in the test split.
    pub n_test: usize,
    /// Seed of the data, the split, the shuffling and the initial weights.
    pub seed: u64,
    /// Points per optimizer step.
    pub batch_size: usize,
    /// Upper bound on the number of epochs.
    pub max_epochs: usize,
    /// Stop after this many epochs without a better validation NLL.
    pub patience: usize,
    /// The learning rate over optimizer steps.
    pub schedule: LrSchedule,
    /// Adam's ε.
    pub adam_epsilon: f64,
    /// Draw a density snapshot every this many epochs (0: only at the end).
    pub plot_every: usize,
}

impl Config for TrainingConfig {}

/// The flow families, by the names `--flow` takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowKind {
    /// Planar layers (Rezende & Mohamed 2015).
    #[default]
    Planar,
    /// Radial layers (Rezende & Mohamed 2015).
    Radial,
    /// Affine couplings with ActNorm (RealNVP).
    Realnvp,
    /// Rational-quadratic neural spline couplings (Durkan et al. 2019).
    Nsf,
    /// Masked affine autoregressive transforms (MAF, Papamakarios et al. 2017).
    Maf,
    /// Autoregressive rational-quadratic splines (Durkan et al. 2019).
    #[value(name = "nsf-ar")]
    NsfAr,
}

/// Named starting points for [`TrainingConfig`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Preset {
    /// The tuned preset of a flow family on this 2-core CPU.
    #[default]
    Default,
    /// The reference blog experiment (a planar flow), with the paper's correct `û`.
    Seed,
    /// Neural posterior estimation: `q(θ | x)` on simulations `(θ, x)` with `x` the context,
    /// trained until the validation NLL stops improving (epochs count passes over the file).
    Npe,
}

/// The data and optimizer settings shared by the families' default presets: 65 536 fresh
/// checkerboard points per run, 8192 to validate, 20 000 to test.
fn default_run(
    model: FlowFamily,
    batch_size: usize,
    max_epochs: usize,
    lr: (f64, f64),
) -> TrainingConfig {
    let dataset = DatasetKind::Checkerboard;
    TrainingConfig {
        format_version: crate::format::FORMAT_VERSION,
        model,
        dim: dataset.dim(),
        data: DataSource::Toy { dataset },
        standardize: false,
        standardizer: None,
        base: BaseKind::StandardNormal,
        context_dim: 0,
        context_columns: Vec::new(),
        context_names: Vec::new(),
        context_embedding: Vec::new(),
        prior_box: None,
        task: None,
        n_train: 65_536,
        n_valid: 8_192,
        n_test: 20_000,
        seed: 0,
        batch_size,
        max_epochs,
        patience: 30,
        schedule: LrSchedule::Polynomial {
            initial: lr.0,
            final_lr: lr.1,
            steps: None,
            power: 0.5,
        },
        adam_epsilon: 1e-7,
        plot_every: 50,
    }
}

impl Preset {
    /// The shares of a data file's rows that validate and test, unless given: a tenth each,
    /// or a tenth and a twentieth for neural posterior estimation (simulations are precious).
    pub fn hold_out(self) -> (f64, f64) {
        match self {
            Self::Npe => (0.1, 0.05),
            Self::Default | Self::Seed => (0.1, 0.1),
        }
    }

    /// The family trained when `--flow` is not given: planar, or nsf-ar for neural posterior
    /// estimation.
    pub fn default_flow(self) -> FlowKind {
        match self {
            Self::Npe => FlowKind::NsfAr,
            Self::Default | Self::Seed => FlowKind::Planar,
        }
    }

    /// Whether the preset's epochs count passes over a data file as given, rather than being
    /// scaled to the file's size to keep the preset's number of optimizer steps.
    pub fn counts_file_epochs(self) -> bool {
        self == Self::Npe
    }

    /// The fewest optimizer steps without a better validation NLL after which the preset stops
    /// a run on a data file, whatever its patience in epochs: 200 for neural posterior
    /// estimation, so that 10³ simulations (four batches an epoch) wait 50 epochs rather than
    /// 20 before a small, noisy validation split stops them.
    pub fn patience_steps(self) -> usize {
        match self {
            Self::Npe => 200,
            Self::Default | Self::Seed => 0,
        }
    }

    /// The configuration of this preset for `flow`; the seed preset is a planar flow.
    pub fn config(self, flow: FlowKind) -> Result<TrainingConfig, FlowError> {
        let coupling = |transforms, hidden| {
            CouplingConfig::new(transforms)
                .with_hidden(hidden)
                .with_depth(2)
        };
        Ok(match (self, flow) {
            (Self::Default, FlowKind::Planar) => {
                default_run(PlanarConfig::new(32).into(), 1024, 170, (3e-2, 1.5e-3))
            }
            (Self::Default, FlowKind::Radial) => {
                default_run(RadialConfig::new(32).into(), 1024, 120, (1e-2, 5e-4))
            }
            (Self::Default, FlowKind::Realnvp) => default_run(
                RealNvpConfig::new(coupling(8, 64)).into(),
                512,
                40,
                (2e-3, 1e-4),
            ),
            (Self::Default, FlowKind::Nsf) => TrainingConfig {
                format_version: crate::format::FORMAT_VERSION,
                schedule: LrSchedule::Cosine {
                    initial: 2e-3,
                    final_lr: 1e-4,
                    steps: None,
                },
                ..default_run(
                    NsfConfig::new(coupling(6, 64).with_depth(3))
                        .with_bins(16)
                        .with_tail_bound(4.5)
                        .into(),
                    512,
                    120,
                    (2e-3, 1e-4),
                )
            },
            (Self::Default, FlowKind::Maf) => default_run(
                MafConfig::new(AutoregressiveConfig::new(5).with_hidden(128)).into(),
                512,
                60,
                (2e-3, 1e-4),
            ),
            (Self::Default, FlowKind::NsfAr) => TrainingConfig {
                format_version: crate::format::FORMAT_VERSION,
                schedule: LrSchedule::Cosine {
                    initial: 2e-3,
                    final_lr: 1e-4,
                    steps: None,
                },
                ..default_run(
                    NsfArConfig::new(AutoregressiveConfig::new(4).with_hidden(64))
                        .with_bins(16)
                        .with_tail_bound(4.5)
                        .into(),
                    512,
                    100,
                    (2e-3, 1e-4),
                )
            },
            (Self::Seed, FlowKind::Planar) => {
                let dataset = DatasetKind::Checkerboard;
                TrainingConfig {
                    format_version: crate::format::FORMAT_VERSION,
                    model: PlanarConfig::new(8).with_init_bound(Some(1.0)).into(),
                    dim: dataset.dim(),
                    data: DataSource::Toy { dataset },
                    standardize: false,
                    standardizer: None,
                    base: BaseKind::StandardNormal,
                    context_dim: 0,
                    context_columns: Vec::new(),
                    context_names: Vec::new(),
                    context_embedding: Vec::new(),
                    prior_box: None,
                    task: None,
                    n_train: 1600,
                    n_valid: 200,
                    n_test: 200,
                    seed: 0,
                    batch_size: 800,
                    max_epochs: 100_000,
                    patience: 1000,
                    schedule: LrSchedule::Polynomial {
                        initial: 1e-3,
                        final_lr: 1e-4,
                        steps: Some(15_000),
                        power: 0.5,
                    },
                    adam_epsilon: 1e-7,
                    plot_every: 1000,
                }
            }
            (Self::Npe, FlowKind::Planar | FlowKind::Radial) => {
                return Err(FlowError::invalid(
                    "--preset",
                    format!(
                        "the npe preset trains a conditional flow q(θ | x); {} flows take no \
                         context (use --flow nsf-ar, nsf, maf or realnvp)",
                        flow_name(flow)
                    ),
                ));
            }
            (Self::Npe, flow) => npe_run(flow),
            (Self::Seed, other) => {
                return Err(FlowError::invalid(
                    "--preset",
                    format!(
                        "the seed preset is the reference planar experiment; it has no {} form \
                         (use --preset default, or leave --preset out)",
                        flow_name(other)
                    ),
                ));
            }
        })
    }
}

/// The preset of neural posterior estimation with `flow` (a conditional family): five
/// transforms with conditioners of 2×64 over `N(0, I)`; Adam from 5e-4 (sbi's rate) on
/// batches of 256, decaying as a cosine to 5e-5 over the first 20 000 steps and constant
/// after, at most 1000 epochs, stopped after 20 without a better validation NLL (as sbi
/// stops) and at least 200 steps ([`Preset::patience_steps`]). Small simulation budgets stop early, before the rate has decayed much; large ones
/// (10⁵ simulations: about 60 epochs) settle at the low rate, where a constant rate kept the
/// validation NLL jumping and stopped them early. The data come from the file given with it.
fn npe_run(flow: FlowKind) -> TrainingConfig {
    let autoregressive = AutoregressiveConfig::new(5).with_hidden(64);
    let coupling = CouplingConfig::new(5).with_hidden(64).with_depth(2);
    let model: FlowFamily = match flow {
        FlowKind::Maf => MafConfig::new(autoregressive).into(),
        FlowKind::Realnvp => RealNvpConfig::new(coupling).into(),
        FlowKind::Nsf => NsfConfig::new(coupling)
            .with_bins(10)
            .with_tail_bound(3.5)
            .into(),
        FlowKind::Planar | FlowKind::Radial | FlowKind::NsfAr => NsfArConfig::new(autoregressive)
            .with_bins(10)
            .with_tail_bound(3.5)
            .into(),
    };
    TrainingConfig {
        format_version: crate::format::FORMAT_VERSION,
        schedule: LrSchedule::Cosine {
            initial: 5e-4,
            final_lr: 5e-5,
            steps: Some(20_000),
        },
        patience: 20,
        plot_every: 0,
        ..default_run(model, 256, 1000, (5e-4, 5e-4))
    }
}

/// The preset of variational inference on `target` with `flow`: 120 000 steps of 1024 base
/// draws in epochs of 500 steps, Adam at 1e-3 decaying as a square root to 1e-4, the energy
/// annealed over the first 10 000 steps, a learned diagonal Gaussian base (as the paper's);
/// planar flows of 32 layers, the other families' default models.
pub fn fit_preset(target: PaperEnergy, flow: FlowKind) -> Result<TrainingConfig, FlowError> {
    let model = match flow {
        FlowKind::Planar => PlanarConfig::new(32).into(),
        other => Preset::Default.config(other)?.model,
    };
    Ok(TrainingConfig {
        format_version: crate::format::FORMAT_VERSION,
        model,
        dim: 2,
        data: DataSource::Energy {
            target,
            annealing: Some(Annealing {
                start: 0.01,
                steps: 10_000,
            }),
        },
        standardize: false,
        standardizer: None,
        base: BaseKind::DiagonalGaussian,
        context_dim: 0,
        context_columns: Vec::new(),
        context_names: Vec::new(),
        context_embedding: Vec::new(),
        prior_box: None,
        task: None,
        n_train: 500 * 1024,
        n_valid: 8192,
        n_test: 100_000,
        seed: 0,
        batch_size: 1024,
        max_epochs: 240,
        patience: 240,
        schedule: LrSchedule::Polynomial {
            initial: 1e-3,
            final_lr: 1e-4,
            steps: None,
            power: 0.5,
        },
        adam_epsilon: 1e-7,
        plot_every: 30,
    })
}

/// The `--flow` name of `kind`.
pub fn flow_name(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::Planar => "planar",
        FlowKind::Radial => "radial",
        FlowKind::Realnvp => "realnvp",
        FlowKind::Nsf => "nsf",
        FlowKind::Maf => "maf",
        FlowKind::NsfAr => "nsf-ar",
    }
}

impl TrainingConfig {
    /// The sizes of the train, valid and test splits.
    pub fn sizes(&self) -> [usize; 3] {
        [self.n_train, self.n_valid, self.n_test]
    }

    /// Which columns of the data file are the context, if the flow takes one.
    pub fn context_layout(&self) -> Result<Option<ContextColumns>, FlowError> {
        if self.context_dim == 0 {
            return Ok(None);
        }
        Ok(Some(ContextColumns::from_positions(
            &self.context_columns,
            self.width(),
        )?))
    }

    /// The width of the rows the model sees: `x`'s `dim` columns, then the context's.
    pub fn width(&self) -> usize {
        self.dim + self.context_dim
    }

    /// `log|det|` of the standardisation of `x` (0 without one; the context's adds no
    /// Jacobian): the model's log-density plus this is the log-density in the data's own
    /// units.
    pub fn log_det_offset(&self) -> f64 {
        self.standardizer
            .as_ref()
            .map_or(0.0, |s| s.columns(0, self.dim).log_abs_det())
    }

    /// The flow's configuration: this family in `dim` dimensions, seeded with the run's seed;
    /// a generator (latent → data) when it is fitted to an energy.
    pub fn flow_config(&self) -> FlowConfig {
        let direction = match self.data {
            DataSource::Energy { .. } => Direction::Generative,
            _ => Direction::Density,
        };
        FlowConfig::new(self.dim, self.model.clone())
            .with_seed(self.seed)
            .with_base(self.base)
            .with_direction(direction)
            .with_context(self.context_dim)
            .with_context_embedding(self.context_embedding.clone())
    }

    /// Whether the run fits an energy (variational inference) rather than data.
    pub fn is_fit(&self) -> bool {
        self.data.energy().is_some()
    }

    /// The family's name (`planar`, `radial`, `realnvp`, `nsf`, `maf`, `nsf-ar`).
    pub fn flow_name(&self) -> &'static str {
        self.model.name()
    }

    /// A few words on the model's size, for messages: `32 planar layers`, `4 nsf transforms`.
    pub fn describe_model(&self) -> String {
        match &self.model {
            FlowFamily::Planar(c) => format!("{} planar layers", c.layers),
            FlowFamily::Radial(c) => format!("{} radial layers", c.layers),
            FlowFamily::RealNvp(c) => format!(
                "{} RealNVP couplings ({}×{} hidden)",
                c.coupling.transforms, c.coupling.depth, c.coupling.hidden
            ),
            FlowFamily::Nsf(c) => format!(
                "{} spline couplings ({} bins, {}×{} hidden)",
                c.coupling.transforms, c.bins, c.coupling.depth, c.coupling.hidden
            ),
            FlowFamily::Maf(c) => format!(
                "{} MAF transforms ({}×{} hidden{})",
                c.autoregressive.transforms,
                c.autoregressive.depth,
                c.autoregressive.hidden,
                direct_note(&c.autoregressive)
            ),
            FlowFamily::NsfAr(c) => format!(
                "{} autoregressive splines ({} bins, {}×{} hidden{})",
                c.autoregressive.transforms,
                c.bins,
                c.autoregressive.depth,
                c.autoregressive.hidden,
                direct_note(&c.autoregressive)
            ),
        }
    }

    /// The number of layers of a planar or radial flow.
    pub fn layers(&self) -> Option<usize> {
        match &self.model {
            FlowFamily::Planar(c) => Some(c.layers),
            FlowFamily::Radial(c) => Some(c.layers),
            _ => None,
        }
    }

    /// The number of coupling or autoregressive transforms (realnvp, nsf, maf, nsf-ar).
    pub fn transforms(&self) -> Option<usize> {
        match &self.model {
            FlowFamily::RealNvp(c) => Some(c.coupling.transforms),
            FlowFamily::Nsf(c) => Some(c.coupling.transforms),
            FlowFamily::Maf(c) => Some(c.autoregressive.transforms),
            FlowFamily::NsfAr(c) => Some(c.autoregressive.transforms),
            _ => None,
        }
    }

    /// Sets the seed of everything random (data, split, shuffling, initial weights).
    pub fn seeded(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every field against its allowed range, naming the flag at fault.
    pub fn validate(&self) -> Result<(), FlowError> {
        let at_least_one = |flag: &'static str, value: usize| {
            if value == 0 {
                Err(FlowError::invalid(flag, "must be at least 1"))
            } else {
                Ok(())
            }
        };
        at_least_one("--train-size", self.n_train)?;
        at_least_one("--valid-size", self.n_valid)?;
        at_least_one("--test-size", self.n_test)?;
        at_least_one("--batch-size", self.batch_size)?;
        at_least_one("--max-epochs", self.max_epochs)?;
        at_least_one("--patience", self.patience)?;
        let fit = self.is_fit();
        let limited = [
            (self.data.toy().is_some(), "--train-size", self.n_train),
            (self.data.toy().is_some(), "--valid-size", self.n_valid),
            (self.data.toy().is_some(), "--test-size", self.n_test),
            (fit, "--valid-samples", self.n_valid),
            (fit, "--eval-samples", self.n_test),
            (!fit, "--batch-size", self.batch_size),
            (fit, "--samples-per-step", self.batch_size),
        ];
        for (applies, flag, value) in limited {
            if applies && value > MAX_POINTS {
                return Err(FlowError::invalid(
                    flag,
                    format!("must be at most {MAX_POINTS}, got {value}"),
                ));
            }
        }
        if self.batch_size > self.n_train {
            return Err(FlowError::invalid(
                "--batch-size",
                format!(
                    "{} is larger than the training split ({} points)",
                    self.batch_size, self.n_train
                ),
            ));
        }
        if let Some(dataset) = self.data.toy()
            && self.dim != dataset.dim()
        {
            return Err(FlowError::invalid(
                "dim",
                format!(
                    "the model has {} dimensions but {dataset} has {}",
                    self.dim,
                    dataset.dim()
                ),
            ));
        }
        if let Some(standardizer) = &self.standardizer
            && standardizer.dim() != self.width()
        {
            return Err(FlowError::invalid(
                "standardizer",
                format!(
                    "has {} columns but the data has {}",
                    standardizer.dim(),
                    self.width()
                ),
            ));
        }
        if self.context_dim > 0 && self.is_fit() {
            return Err(FlowError::invalid(
                "--context-columns",
                "applies to density estimation, not to fitting an energy",
            ));
        }
        if self.context_columns.len() != self.context_dim {
            return Err(FlowError::invalid(
                "context_columns",
                format!(
                    "lists {} columns but context_dim is {}",
                    self.context_columns.len(),
                    self.context_dim
                ),
            ));
        }
        self.schedule
            .check()
            .map_err(|reason| FlowError::invalid("--lr", reason))?;
        if !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0) {
            return Err(FlowError::invalid("adam_epsilon", "must be finite and > 0"));
        }
        self.flow_config().validate()?;
        Ok(())
    }

    /// The fields in which `other` differs from `self`, as `path: ours → theirs` lines
    /// (for instance `layers: 8 → 32`).
    pub fn differences(&self, other: &TrainingConfig) -> Vec<String> {
        let mut found = Vec::new();
        match (serde_json::to_value(self), serde_json::to_value(other)) {
            (Ok(ours), Ok(theirs)) => compare_json("", &ours, &theirs, &mut found),
            _ => found.push("the configurations cannot be compared".into()),
        }
        found
    }
}

/// Appends to `found` the leaves in which `a` and `b` differ, with their dotted paths.
fn compare_json(path: &str, a: &serde_json::Value, b: &serde_json::Value, found: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(a_fields), Value::Object(b_fields)) => {
            let keys: std::collections::BTreeSet<&String> =
                a_fields.keys().chain(b_fields.keys()).collect();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let missing = Value::Null;
                compare_json(
                    &child,
                    a_fields.get(key).unwrap_or(&missing),
                    b_fields.get(key).unwrap_or(&missing),
                    found,
                );
            }
        }
        _ if a != b => found.push(format!("{path}: {a} → {b}")),
        _ => {}
    }
}

/// `, direct connections` for MADEs that have them, else nothing
/// (for [`TrainingConfig::describe_model`]).
fn direct_note(autoregressive: &AutoregressiveConfig) -> &'static str {
    if autoregressive.direct {
        ", direct connections"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_presets() -> Vec<TrainingConfig> {
        let mut presets = vec![Preset::Seed.config(FlowKind::Planar).unwrap()];
        for flow in [
            FlowKind::Planar,
            FlowKind::Radial,
            FlowKind::Realnvp,
            FlowKind::Nsf,
            FlowKind::Maf,
            FlowKind::NsfAr,
        ] {
            presets.push(Preset::Default.config(flow).unwrap());
        }
        presets
    }

    #[test]
    fn presets_are_valid_and_round_trip_through_json() {
        for config in all_presets() {
            config.validate().unwrap();
            let json = serde_json::to_value(&config).unwrap();
            assert_eq!(json["flow"], config.flow_name());
            let back: TrainingConfig = serde_json::from_value(json).unwrap();
            assert_eq!(back, config);
        }
        assert!(Preset::Seed.config(FlowKind::Nsf).is_err());
    }

    #[test]
    fn validation_names_the_flag() {
        let mut config = Preset::Seed.config(FlowKind::Planar).unwrap();
        config.batch_size = config.n_train + 1;
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("--batch-size"), "{message}");

        let mut config = Preset::Seed.config(FlowKind::Planar).unwrap();
        config.schedule = LrSchedule::Constant { lr: f64::NAN };
        assert!(config.validate().unwrap_err().to_string().contains("--lr"));
    }

    #[test]
    fn differences_name_each_changed_field() {
        let recorded = Preset::Seed.config(FlowKind::Planar).unwrap();
        assert!(recorded.differences(&recorded.clone()).is_empty());
        let mut given = recorded.clone();
        given.model = PlanarConfig::new(32).with_init_bound(Some(1.0)).into();
        given.batch_size = 400;
        let found = recorded.differences(&given);
        assert_eq!(found, ["batch_size: 800 → 400", "layers: 8 → 32"]);
    }
}

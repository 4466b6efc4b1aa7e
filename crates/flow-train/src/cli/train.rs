//! `flow-train train`: the flags of density estimation on a toy set or a data file.

use std::path::PathBuf;

use clap::Args;
use flow_data::{ContextColumns, DatasetKind};

use crate::cli::{BaseArg, ModelFlags, PresetArg, PriorBoxArg, RunFlags};
use crate::error::FlowError;
use crate::train::config::{Preset, TrainingConfig};
use crate::train::data::{DataSource, FileRequest, inspect_file};

/// Options of `flow-train train`; each given flag overrides the preset.
#[derive(Debug, Clone, Default, Args)]
// `-5` is a bad value for its flag, not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    /// Starting configuration [default: default].
    #[arg(long, value_enum)]
    pub preset: Option<PresetArg>,
    /// The flow.
    #[command(flatten)]
    pub model: ModelFlags,
    /// A toy data set [default: checkerboard].
    #[arg(long, conflicts_with = "data")]
    pub dataset: Option<DatasetKind>,
    /// Train on a data file instead: CSV, one numeric column per dimension (any number), a
    /// header row optional; or NumPy's .npy, an N × D float32 or float64 array in C order.
    /// Split into train/valid/test by the seed.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The share of the file's rows that validates (with --data).
    #[arg(long, requires = "data")]
    pub valid_fraction: Option<f64>,
    /// The share of the file's rows that tests (with --data).
    #[arg(long, requires = "data")]
    pub test_fraction: Option<f64>,
    /// Standardise every column by the training split's mean and standard deviation before
    /// the model sees it (results stay in the data's own units) [default: true with --data,
    /// false for toy sets].
    #[arg(long)]
    pub standardize: Option<bool>,
    /// Add U[0, 1) noise, drawn from the seed, to every value of the file (integer data such
    /// as pixel intensities).
    #[arg(long, requires = "data")]
    pub dequantize: bool,
    /// Read the .npy file of --data as it is needed instead of holding it in memory, so that
    /// a file larger than memory trains: its splits are then decided row by row, and its
    /// batches shuffled 64 MB of rows at a time [default: true for files of more than 2²⁸
    /// values (1 GiB as float32)].
    #[arg(long, requires = "data")]
    pub stream: Option<bool>,
    /// The columns of --data that are the context c of a conditional flow p(x | c): header
    /// names, 1-based positions or ranges (`x1,x2`, `3-4`); the other columns are x. Both
    /// are standardised on the training split; log p(x | c) is in x's units (realnvp, nsf,
    /// maf, nsf-ar).
    #[arg(long, requires = "data")]
    pub context_columns: Option<String>,
    /// The widths of the layers of an MLP that embeds the context before the conditioners and
    /// the base see it, trained with the flow (e.g. `64,64`; needs --context-columns).
    #[arg(long, value_delimiter = ',')]
    pub context_embedding: Option<Vec<usize>>,
    /// The support of a box prior over x, recorded in config.json: `sample` rejects and
    /// redraws samples outside it (x is θ in neural posterior estimation).
    #[command(flatten)]
    pub prior_box: PriorBoxArg,
    /// The base distribution; `conditional-gaussian` is a diagonal Gaussian whose mean and
    /// log-scale are an MLP of the context [default: standard-normal].
    #[arg(long, value_enum)]
    pub base: Option<BaseArg>,
    /// Points per optimizer step.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Points in the training split.
    #[arg(long)]
    pub train_size: Option<usize>,
    /// Points in the validation split.
    #[arg(long)]
    pub valid_size: Option<usize>,
    /// Points in the test split.
    #[arg(long)]
    pub test_size: Option<usize>,
    /// Optimisation, length, seed, directory, backend.
    #[command(flatten)]
    pub run: RunFlags,
}

impl TrainArgs {
    /// The preset (of `--flow`'s family) with every given flag applied.
    pub fn config(&self) -> Result<TrainingConfig, FlowError> {
        let preset = self.preset();
        if preset == Preset::Npe && self.data.is_none() {
            return Err(FlowError::invalid(
                "--preset",
                "npe trains on simulations: give them with --data sims.csv --context-columns \
                 x1-xM (or run `flow-train npe --task TASK`)",
            ));
        }
        self.applied_to(self.preset_config(preset)?)
    }

    /// The preset named, or the default one.
    fn preset(&self) -> Preset {
        Preset::from(self.preset.unwrap_or_default())
    }

    /// `preset`'s configuration of `--flow`'s family, or of the preset's own.
    fn preset_config(&self, preset: Preset) -> Result<TrainingConfig, FlowError> {
        preset.config(self.model.flow.unwrap_or(preset.default_flow()))
    }

    /// The configuration of a resumed run, whose `config.json` held `recorded`: the given
    /// flags (and preset) applied to it must leave it unchanged.
    pub fn resumed_config(&self, recorded: TrainingConfig) -> Result<TrainingConfig, FlowError> {
        if recorded.is_fit() {
            return Err(FlowError::invalid(
                "--resume",
                "the run in --artifact-dir fits an energy; resume it with `flow-train fit \
                 --resume`",
            ));
        }
        let base = match self.preset {
            Some(preset) => self.preset_config(preset.into())?,
            None => recorded.clone(),
        };
        let given = self.applied_to(base)?;
        crate::cli::run_flags::resumed(recorded, &given)
    }

    /// `base` with every given flag applied, validated.
    fn applied_to(&self, base: TrainingConfig) -> Result<TrainingConfig, FlowError> {
        let mut config = base;
        config.model = self.model.applied_to(config.model)?;
        if let Some(dataset) = self.dataset {
            config.data = DataSource::Toy { dataset };
            config.dim = dataset.dim();
        }
        self.apply_file(&mut config)?;
        if let Some(standardize) = self.standardize {
            config.standardize = standardize;
        }
        if let Some(widths) = &self.context_embedding {
            if config.context_dim == 0 {
                return Err(FlowError::invalid(
                    "--context-embedding",
                    "needs a context (--data with --context-columns)",
                ));
            }
            config.context_embedding = widths.clone();
        }
        if let Some(base) = self.base {
            config.base = base.into();
        }
        if let Some(prior_box) = self.prior_box.parse(config.dim)? {
            config.prior_box = Some(prior_box);
        }
        self.run.apply(&mut config)?;
        if let Some(batch_size) = self.batch_size {
            config.batch_size = batch_size;
        }
        for (given, field) in [
            (self.train_size, &mut config.n_train),
            (self.valid_size, &mut config.n_valid),
            (self.test_size, &mut config.n_test),
        ] {
            if let Some(value) = given {
                *field = value;
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// With `--data`, reads the file's dimension and row count, cuts the splits by the
    /// fractions and scales the preset's batch size and epoch counts to the file's size (each
    /// unless given), so that the run makes the preset's number of optimizer steps.
    fn apply_file(&self, config: &mut TrainingConfig) -> Result<(), FlowError> {
        let Some(path) = &self.data else {
            return Ok(());
        };
        for (flag, given) in [
            ("--train-size", self.train_size),
            ("--valid-size", self.valid_size),
            ("--test-size", self.test_size),
        ] {
            if given.is_some() {
                return Err(FlowError::invalid(
                    flag,
                    "does not apply with --data, whose splits are fractions of its rows \
                     (--valid-fraction, --test-fraction)",
                ));
            }
        }
        let (valid_fraction, test_fraction) = self.preset().hold_out();
        let request = FileRequest {
            path: path.clone(),
            valid_fraction: self.valid_fraction.unwrap_or(valid_fraction),
            test_fraction: self.test_fraction.unwrap_or(test_fraction),
            dequantize: self.dequantize,
            stream: self.stream,
        };
        for (flag, fraction) in [
            ("--valid-fraction", request.valid_fraction),
            ("--test-fraction", request.test_fraction),
        ] {
            if !(fraction > 0.0 && fraction < 1.0) {
                return Err(FlowError::invalid(
                    flag,
                    format!("must lie strictly between 0 and 1, got {fraction}"),
                ));
            }
        }
        if request.valid_fraction + request.test_fraction >= 1.0 {
            return Err(FlowError::invalid(
                "--valid-fraction",
                format!(
                    "with --test-fraction it leaves no training rows ({} + {} ≥ 1)",
                    request.valid_fraction, request.test_fraction
                ),
            ));
        }
        let shape = inspect_file(&request)?;
        let context = match &self.context_columns {
            Some(spec) => Some(ContextColumns::parse(
                spec,
                shape.header.as_deref(),
                shape.width,
            )?),
            None => None,
        };
        let (rows, [n_train, n_valid, n_test]) = (shape.rows, shape.sizes);
        let steps = |n: usize, batch: usize| n.div_ceil(batch.max(1)).max(1);
        let before = steps(config.n_train, config.batch_size);
        let batch_size = self.batch_size.unwrap_or(config.batch_size.min(n_train));
        let after = steps(n_train, batch_size);
        let as_file_epochs = self.preset().counts_file_epochs();
        let scaled = |epochs: usize, given: Option<usize>| match (given, as_file_epochs) {
            (Some(given), _) => given,
            (None, true) => epochs,
            (None, false) => (epochs * before).div_ceil(after),
        };
        config.max_epochs = scaled(config.max_epochs, self.run.max_epochs);
        config.patience = match self.run.patience {
            Some(given) => given,
            None => {
                scaled(config.patience, None).max(self.preset().patience_steps().div_ceil(after))
            }
        };
        config.plot_every = scaled(config.plot_every, self.run.plot_every);
        config.batch_size = batch_size;
        let source = DataSource::File {
            path: request.path,
            rows,
            valid_fraction: request.valid_fraction,
            test_fraction: request.test_fraction,
            dequantize: request.dequantize,
            streamed: shape.streamed,
        };
        if config.data != source {
            // Fitted again on the new data when training starts.
            config.standardizer = None;
            config.standardize = true;
        }
        config.data = source;
        config.dim = context.as_ref().map_or(shape.width, ContextColumns::x_dim);
        config.context_dim = context.as_ref().map_or(0, ContextColumns::context_dim);
        config.context_columns = context
            .as_ref()
            .map_or_else(Vec::new, ContextColumns::positions);
        config.context_names = match (&context, &shape.header) {
            (Some(context), Some(header)) => context.names(Some(header)),
            _ => Vec::new(),
        };
        if context.is_none() {
            config.context_embedding.clear();
        }
        (config.n_train, config.n_valid, config.n_test) = (n_train, n_valid, n_test);
        Ok(())
    }
}

//! The flags that choose and size the flow, shared by `train` and `fit`.

use clap::Args;
use flow_model::FlowFamily;

use crate::error::FlowError;
use crate::train::config::{FlowKind, Preset, flow_name};

/// The flow family and its hyper-parameters; each given flag overrides the preset.
#[derive(Debug, Clone, Default, Args)]
pub struct ModelFlags {
    /// The flow family; without other flags, its tuned preset [default: planar].
    #[arg(long, value_enum)]
    pub flow: Option<FlowKind>,
    /// Number of layers (planar, radial).
    #[arg(long)]
    pub layers: Option<usize>,
    /// Number of coupling transforms (realnvp, nsf).
    #[arg(long)]
    pub transforms: Option<usize>,
    /// Width of the coupling conditioners' hidden layers (realnvp, nsf).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Number of hidden layers of the coupling conditioners (realnvp, nsf).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Number of spline bins (nsf).
    #[arg(long)]
    pub bins: Option<usize>,
    /// The splines cover [−B, B] and are the identity outside (nsf).
    #[arg(long)]
    pub tail_bound: Option<f64>,
    /// An ActNorm before each coupling, initialised from the first batch (realnvp).
    #[arg(long)]
    pub actnorm: Option<bool>,
}

impl ModelFlags {
    /// The family asked for, `planar` by default.
    pub fn kind(&self) -> FlowKind {
        self.flow.unwrap_or_default()
    }

    /// `model` switched to `--flow`'s family (its preset's hyper-parameters) when that differs,
    /// then with the family's own flags applied.
    pub fn applied_to(&self, mut model: FlowFamily) -> Result<FlowFamily, FlowError> {
        if let Some(flow) = self.flow
            && model.name() != flow_name(flow)
        {
            model = Preset::Default.config(flow)?.model;
        }
        self.apply(&mut model)?;
        Ok(model)
    }

    /// Applies the family's own flags to `model`, refusing those of other families.
    fn apply(&self, model: &mut FlowFamily) -> Result<(), FlowError> {
        let name = model.name();
        let wrong = |flag: &'static str, families: &str| {
            FlowError::invalid(
                flag,
                format!("applies to {families} flows, not to this {name} flow (see --flow)"),
            )
        };
        if let Some(layers) = self.layers {
            match model {
                FlowFamily::Planar(c) => c.layers = layers,
                FlowFamily::Radial(c) => c.layers = layers,
                _ => return Err(wrong("--layers", "planar and radial")),
            }
        }
        let coupling = match model {
            FlowFamily::RealNvp(c) => Some(&mut c.coupling),
            FlowFamily::Nsf(c) => Some(&mut c.coupling),
            _ => None,
        };
        for (flag, given) in [
            ("--transforms", self.transforms),
            ("--hidden", self.hidden),
            ("--depth", self.depth),
        ] {
            if given.is_some() && coupling.is_none() {
                return Err(wrong(flag, "coupling (realnvp, nsf)"));
            }
        }
        if let Some(coupling) = coupling {
            let fields = [
                (self.transforms, &mut coupling.transforms),
                (self.hidden, &mut coupling.hidden),
                (self.depth, &mut coupling.depth),
            ];
            for (given, field) in fields {
                if let Some(value) = given {
                    *field = value;
                }
            }
        }
        match model {
            FlowFamily::Nsf(c) => {
                if let Some(bins) = self.bins {
                    c.bins = bins;
                }
                if let Some(bound) = self.tail_bound {
                    c.tail_bound = bound;
                }
            }
            _ if self.bins.is_some() => return Err(wrong("--bins", "nsf")),
            _ if self.tail_bound.is_some() => return Err(wrong("--tail-bound", "nsf")),
            _ => {}
        }
        match model {
            FlowFamily::RealNvp(c) => {
                if let Some(actnorm) = self.actnorm {
                    c.actnorm = actnorm;
                }
            }
            _ if self.actnorm.is_some() => return Err(wrong("--actnorm", "realnvp")),
            _ => {}
        }
        Ok(())
    }
}

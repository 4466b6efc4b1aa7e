//! The flags that choose and size the flow, shared by `train` and `fit`.

use clap::Args;
use flow_model::{AutoregressiveOrder, FlowFamily};

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
    /// Number of coupling or autoregressive transforms (realnvp, nsf, maf, nsf-ar).
    #[arg(long)]
    pub transforms: Option<usize>,
    /// Width of the conditioners' hidden layers (realnvp, nsf, maf, nsf-ar).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Number of hidden layers of the conditioners (realnvp, nsf, maf, nsf-ar).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Number of spline bins (nsf, nsf-ar).
    #[arg(long)]
    pub bins: Option<usize>,
    /// The splines cover [−B, B] and are the identity outside (nsf, nsf-ar).
    #[arg(long)]
    pub tail_bound: Option<f64>,
    /// The order of the coordinates in each autoregressive transform: natural and reversed
    /// alternately, or a random permutation each from the seed (maf, nsf-ar) [default:
    /// alternate].
    #[arg(long, value_enum)]
    pub order: Option<OrderArg>,
    /// MADE's direct connections: each transform's parameters also depend linearly on the
    /// coordinates before and on the context (maf, nsf-ar); one MAF transform with them fits
    /// a linear-Gaussian posterior [default: false].
    #[arg(long)]
    pub direct: Option<bool>,
    /// An ActNorm before each coupling, initialised from the first batch (realnvp).
    #[arg(long)]
    pub actnorm: Option<bool>,
}

/// `--order` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// Natural order, then reversed, alternately.
    Alternate,
    /// A random permutation per transform, from the seed.
    Random,
}

impl From<OrderArg> for AutoregressiveOrder {
    fn from(value: OrderArg) -> Self {
        match value {
            OrderArg::Alternate => Self::Alternate,
            OrderArg::Random => Self::Random,
        }
    }
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
        let sizes = match model {
            FlowFamily::RealNvp(c) => Some([
                &mut c.coupling.transforms,
                &mut c.coupling.hidden,
                &mut c.coupling.depth,
            ]),
            FlowFamily::Nsf(c) => Some([
                &mut c.coupling.transforms,
                &mut c.coupling.hidden,
                &mut c.coupling.depth,
            ]),
            FlowFamily::Maf(c) => Some([
                &mut c.autoregressive.transforms,
                &mut c.autoregressive.hidden,
                &mut c.autoregressive.depth,
            ]),
            FlowFamily::NsfAr(c) => Some([
                &mut c.autoregressive.transforms,
                &mut c.autoregressive.hidden,
                &mut c.autoregressive.depth,
            ]),
            _ => None,
        };
        let given = [
            ("--transforms", self.transforms),
            ("--hidden", self.hidden),
            ("--depth", self.depth),
        ];
        match sizes {
            Some(fields) => {
                for ((_, given), field) in given.into_iter().zip(fields) {
                    if let Some(value) = given {
                        *field = value;
                    }
                }
            }
            None => {
                if let Some((flag, _)) = given.iter().find(|(_, v)| v.is_some()) {
                    return Err(wrong(
                        flag,
                        "coupling and autoregressive (realnvp, nsf, maf, nsf-ar)",
                    ));
                }
            }
        }
        let spline = match model {
            FlowFamily::Nsf(c) => Some((&mut c.bins, &mut c.tail_bound)),
            FlowFamily::NsfAr(c) => Some((&mut c.bins, &mut c.tail_bound)),
            _ => None,
        };
        match spline {
            Some((bins, tail_bound)) => {
                if let Some(value) = self.bins {
                    *bins = value;
                }
                if let Some(value) = self.tail_bound {
                    *tail_bound = value;
                }
            }
            None if self.bins.is_some() => return Err(wrong("--bins", "nsf and nsf-ar")),
            None if self.tail_bound.is_some() => {
                return Err(wrong("--tail-bound", "nsf and nsf-ar"));
            }
            None => {}
        }
        let autoregressive = match model {
            FlowFamily::Maf(c) => Some(&mut c.autoregressive),
            FlowFamily::NsfAr(c) => Some(&mut c.autoregressive),
            _ => None,
        };
        match autoregressive {
            Some(autoregressive) => {
                if let Some(order) = self.order {
                    autoregressive.order = order.into();
                }
                if let Some(direct) = self.direct {
                    autoregressive.direct = direct;
                }
            }
            None if self.order.is_some() => {
                return Err(wrong("--order", "autoregressive (maf, nsf-ar)"));
            }
            None if self.direct.is_some() => {
                return Err(wrong("--direct", "autoregressive (maf, nsf-ar)"));
            }
            None => {}
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

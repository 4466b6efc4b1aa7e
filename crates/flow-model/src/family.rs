//! The flow families: what a flow's transforms are, and their hyper-parameters.
//!
//! A new family is one file holding its `Config` (with `validate` and a `transforms`
//! builder) plus one arm of [`FlowFamily`]; its transforms are arms of
//! [`crate::Transform`].

use burn::config::Config;
use burn::tensor::Device;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::conditioners::mlp::Mlp;
use crate::error::ModelError;
use crate::spline::SplineShape;
use crate::transforms::Transform;
use crate::transforms::actnorm::ActNorm;
use crate::transforms::affine_coupling::AffineCoupling;
use crate::transforms::coupling::CouplingSplit;
use crate::transforms::maf::MafConfig;
use crate::transforms::planar::PlanarConfig;
use crate::transforms::radial::RadialConfig;
use crate::transforms::spline_autoregressive::NsfArConfig;
use crate::transforms::spline_coupling::SplineCoupling;

/// A flow family with its hyper-parameters. Serialised with its name under the key `flow`
/// (`"planar"`, `"radial"`, `"realnvp"`, `"nsf"`, `"maf"`, `"nsf-ar"`) beside its own
/// fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flow", rename_all = "lowercase")]
pub enum FlowFamily {
    /// Planar layers (Rezende & Mohamed 2015).
    Planar(PlanarConfig),
    /// Radial layers (Rezende & Mohamed 2015).
    Radial(RadialConfig),
    /// Affine coupling transforms (RealNVP, Dinh et al. 2017).
    #[serde(rename = "realnvp")]
    RealNvp(RealNvpConfig),
    /// Rational-quadratic neural spline couplings (Durkan et al. 2019).
    Nsf(NsfConfig),
    /// Masked affine autoregressive transforms (MAF, Papamakarios et al. 2017).
    Maf(MafConfig),
    /// Autoregressive rational-quadratic splines (Durkan et al. 2019).
    #[serde(rename = "nsf-ar")]
    NsfAr(NsfArConfig),
}

impl FlowFamily {
    /// The family's name, as in `--flow` and in `config.json`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Planar(_) => "planar",
            Self::Radial(_) => "radial",
            Self::RealNvp(_) => "realnvp",
            Self::Nsf(_) => "nsf",
            Self::Maf(_) => "maf",
            Self::NsfAr(_) => "nsf-ar",
        }
    }

    /// Whether the family's transforms take a context (conditional flows `p(x | c)`).
    pub fn takes_context(&self) -> bool {
        !matches!(self, Self::Planar(_) | Self::Radial(_))
    }

    /// Whether the family is autoregressive: one conditioner pass data → latent, `D` passes
    /// back (variational inference orients it the other way: IAF).
    pub fn is_autoregressive(&self) -> bool {
        matches!(self, Self::Maf(_) | Self::NsfAr(_))
    }

    /// Checks the hyper-parameters for data of dimension `dim` with a context of width
    /// `context` (0 for none).
    pub fn validate(&self, dim: usize, context: usize) -> Result<(), ModelError> {
        if context > 0 && !self.takes_context() {
            return Err(ModelError::config(
                "context",
                format!(
                    "is given, but a {} flow takes none; the families that take a context: \
                     realnvp, nsf, maf, nsf-ar",
                    self.name()
                ),
            ));
        }
        match self {
            Self::Planar(config) => config.validate(),
            Self::Radial(config) => config.validate(),
            Self::RealNvp(config) => config.coupling.validate(dim, "realnvp"),
            Self::Nsf(config) => config.validate(dim),
            Self::Maf(config) => config.validate(dim, context),
            Self::NsfAr(config) => config.validate(dim, context),
        }
    }

    /// The transforms of a flow of this family in `dim` dimensions whose conditioners also
    /// take a context of width `context`, in application order (data → latent for density
    /// estimation), drawing initial values from `rng`.
    pub fn transforms(
        &self,
        dim: usize,
        context: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Vec<Transform>, ModelError> {
        Ok(match self {
            Self::Planar(config) => vec![Transform::Planar(config.init(dim, rng, device))],
            Self::Radial(config) => vec![Transform::Radial(config.init(dim, rng, device))],
            Self::RealNvp(config) => config.transforms(dim, context, rng, device),
            Self::Nsf(config) => config.transforms(dim, context, rng, device),
            Self::Maf(config) => config
                .transforms(dim, context, rng, device)?
                .into_iter()
                .map(Transform::MaskedAffine)
                .collect(),
            Self::NsfAr(config) => config
                .transforms(dim, context, rng, device)?
                .into_iter()
                .map(Transform::SplineAutoregressive)
                .collect(),
        })
    }
}

impl From<PlanarConfig> for FlowFamily {
    fn from(config: PlanarConfig) -> Self {
        Self::Planar(config)
    }
}

impl From<RadialConfig> for FlowFamily {
    fn from(config: RadialConfig) -> Self {
        Self::Radial(config)
    }
}

impl From<RealNvpConfig> for FlowFamily {
    fn from(config: RealNvpConfig) -> Self {
        Self::RealNvp(config)
    }
}

impl From<NsfConfig> for FlowFamily {
    fn from(config: NsfConfig) -> Self {
        Self::Nsf(config)
    }
}

impl From<MafConfig> for FlowFamily {
    fn from(config: MafConfig) -> Self {
        Self::Maf(config)
    }
}

impl From<NsfArConfig> for FlowFamily {
    fn from(config: NsfArConfig) -> Self {
        Self::NsfAr(config)
    }
}

/// The coupling structure shared by RealNVP and neural spline flows.
#[derive(Config, Debug, PartialEq)]
pub struct CouplingConfig {
    /// The number of coupling transforms.
    pub transforms: usize,
    /// The width of the conditioner's hidden layers.
    #[config(default = 64)]
    pub hidden: usize,
    /// The number of hidden layers of the conditioner.
    #[config(default = 2)]
    pub depth: usize,
}

impl CouplingConfig {
    /// Checks every field for data of dimension `dim`; `family` names the flow in messages.
    pub fn validate(&self, dim: usize, family: &str) -> Result<(), ModelError> {
        if dim < 2 {
            return Err(ModelError::config(
                "dim",
                format!(
                    "is {dim}, but a coupling flow ({family}) needs at least 2 dimensions \
                     (it transforms some coordinates conditioned on the others); use planar or radial"
                ),
            ));
        }
        ModelError::require_at_least_one(&[
            ("transforms", self.transforms),
            ("hidden", self.hidden),
            ("depth", self.depth),
        ])
    }

    /// The splits of the coordinates, one per transform.
    fn splits(&self, dim: usize, rng: &mut StdRng) -> Vec<CouplingSplit> {
        CouplingSplit::alternating(dim, self.transforms, rng)
    }

    /// A conditioner for `split` (and a context of width `context`) with `per_changed`
    /// outputs per changed coordinate.
    fn conditioner(
        &self,
        split: &CouplingSplit,
        context: usize,
        per_changed: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Mlp {
        Mlp::new(
            split.kept.len() + context,
            self.hidden,
            self.depth,
            split.changed.len() * per_changed,
            rng,
            device,
        )
    }
}

/// Configuration of a RealNVP flow: affine couplings, each optionally preceded by an
/// [`ActNorm`].
#[derive(Config, Debug, PartialEq)]
pub struct RealNvpConfig {
    /// The coupling structure.
    pub coupling: CouplingConfig,
    /// Put an [`ActNorm`] (initialised from the first training batch) before each coupling.
    #[config(default = true)]
    pub actnorm: bool,
}

impl RealNvpConfig {
    fn transforms(
        &self,
        dim: usize,
        context: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Vec<Transform> {
        let mut transforms = Vec::new();
        for split in self.coupling.splits(dim, rng) {
            if self.actnorm {
                transforms.push(Transform::ActNorm(ActNorm::new(dim, device)));
            }
            let conditioner = self.coupling.conditioner(&split, context, 2, rng, device);
            transforms.push(Transform::AffineCoupling(AffineCoupling::new(
                conditioner,
                split,
            )));
        }
        transforms
    }
}

/// Configuration of a neural spline flow: rational-quadratic spline couplings.
#[derive(Config, Debug, PartialEq)]
pub struct NsfConfig {
    /// The coupling structure.
    pub coupling: CouplingConfig,
    /// The number of bins `K` of each spline.
    #[config(default = 8)]
    pub bins: usize,
    /// The splines cover `[−B, B]`; outside, each transform is the identity.
    #[config(default = 5.0)]
    pub tail_bound: f64,
}

impl NsfConfig {
    /// Checks every field for data of dimension `dim`.
    pub fn validate(&self, dim: usize) -> Result<(), ModelError> {
        self.coupling.validate(dim, "nsf")?;
        self.shape().validate()
    }

    /// The shape of the splines.
    pub fn shape(&self) -> SplineShape {
        SplineShape {
            bins: self.bins,
            tail_bound: self.tail_bound,
        }
    }

    fn transforms(
        &self,
        dim: usize,
        context: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Vec<Transform> {
        let shape = self.shape();
        self.coupling
            .splits(dim, rng)
            .into_iter()
            .map(|split| {
                let conditioner = self.coupling.conditioner(
                    &split,
                    context,
                    shape.params_per_element(),
                    rng,
                    device,
                );
                Transform::SplineCoupling(SplineCoupling::new(conditioner, split, shape))
            })
            .collect()
    }
}

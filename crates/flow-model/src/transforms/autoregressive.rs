//! What the autoregressive families (MAF, autoregressive splines) share: their structure
//! and the MADEs that condition them.

use burn::config::Config;
use burn::tensor::Device;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::conditioners::made::{AutoregressiveOrder, Made, MadeShape};
use crate::error::ModelError;

/// The structure shared by the autoregressive families: how many transforms, their MADE's
/// size, the order of the coordinates in each, and whether the MADEs have direct
/// connections.
///
/// As JSON: `{"transforms": 5, "hidden": 64, "depth": 2, "order": "alternate"}`, with
/// `"direct": true` when asked for (a file without it reads as `false`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoregressiveConfig {
    /// The number of autoregressive transforms.
    pub transforms: usize,
    /// The width of each MADE's hidden layers.
    pub hidden: usize,
    /// The number of hidden layers of each MADE.
    pub depth: usize,
    /// The order of the coordinates in each transform.
    pub order: AutoregressiveOrder,
    /// MADE's direct connections: a masked linear map from the coordinates before each one
    /// and the context to its parameters, beside the hidden layers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub direct: bool,
}

impl Config for AutoregressiveConfig {}

impl AutoregressiveConfig {
    /// `transforms` transforms with MADEs of two hidden layers of 64 units, in alternate
    /// orders, without direct connections.
    pub fn new(transforms: usize) -> Self {
        Self {
            transforms,
            hidden: 64,
            depth: 2,
            order: AutoregressiveOrder::Alternate,
            direct: false,
        }
    }

    /// With hidden layers of width `hidden`.
    pub fn with_hidden(self, hidden: usize) -> Self {
        Self { hidden, ..self }
    }

    /// With `depth` hidden layers.
    pub fn with_depth(self, depth: usize) -> Self {
        Self { depth, ..self }
    }

    /// With the coordinates in `order`.
    pub fn with_order(self, order: AutoregressiveOrder) -> Self {
        Self { order, ..self }
    }

    /// With direct connections or without.
    pub fn with_direct(self, direct: bool) -> Self {
        Self { direct, ..self }
    }
}

impl AutoregressiveConfig {
    /// Checks every field for data of dimension `dim` with a context of width `context`;
    /// `family` names the flow in messages.
    pub fn validate(&self, dim: usize, context: usize, family: &str) -> Result<(), ModelError> {
        ModelError::require_at_least_one(&[
            ("transforms", self.transforms),
            ("hidden", self.hidden),
            ("depth", self.depth),
        ])?;
        if dim < 2 && context == 0 {
            return Err(ModelError::config(
                "dim",
                format!(
                    "is {dim}, but an autoregressive flow ({family}) without a context needs at \
                     least 2 dimensions (each coordinate is transformed conditioned on the ones \
                     before it); use planar or radial"
                ),
            ));
        }
        Ok(())
    }

    /// One MADE per transform, with `per_coordinate` outputs per coordinate.
    pub(crate) fn mades(
        &self,
        dim: usize,
        context: usize,
        per_coordinate: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> Result<Vec<Made>, ModelError> {
        self.order
            .orders(dim, self.transforms, rng)
            .into_iter()
            .map(|order| {
                let shape = MadeShape {
                    order,
                    context,
                    hidden: self.hidden,
                    depth: self.depth,
                    per_coordinate,
                    direct: self.direct,
                };
                Made::new(&shape, rng, device)
            })
            .collect()
    }
}

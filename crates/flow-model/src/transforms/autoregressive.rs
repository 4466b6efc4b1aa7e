//! What the autoregressive families (MAF, autoregressive splines) share: their structure
//! and the MADEs that condition them.

use burn::config::Config;
use burn::tensor::Device;
use rand::rngs::StdRng;

use crate::conditioners::made::{AutoregressiveOrder, Made, MadeShape};
use crate::error::ModelError;

/// The structure shared by the autoregressive families: how many transforms, their MADE's
/// size, and the order of the coordinates in each.
#[derive(Config, Debug, PartialEq)]
pub struct AutoregressiveConfig {
    /// The number of autoregressive transforms.
    pub transforms: usize,
    /// The width of each MADE's hidden layers.
    #[config(default = 64)]
    pub hidden: usize,
    /// The number of hidden layers of each MADE.
    #[config(default = 2)]
    pub depth: usize,
    /// The order of the coordinates in each transform.
    #[config(default = "AutoregressiveOrder::Alternate")]
    pub order: AutoregressiveOrder,
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
                };
                Made::new(&shape, rng, device)
            })
            .collect()
    }
}

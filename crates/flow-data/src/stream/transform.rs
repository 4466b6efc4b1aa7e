//! What a streamed batch goes through on its way to the model.

use crate::columns::ContextColumns;
use crate::error::DataError;
use crate::points::Points;
use crate::standardize::Standardizer;

/// The map from a file's rows to the model's: the columns put in the model's order (`x`'s,
/// then the context's) for a conditional flow, then standardised, each if asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowTransform {
    /// The context columns of a conditional flow.
    pub context: Option<ContextColumns>,
    /// The standardisation, in the model's column order.
    pub standardizer: Option<Standardizer>,
}

impl RowTransform {
    /// `rows` (the file's columns) in the model's order and units.
    pub fn apply(&self, rows: Points) -> Result<Points, DataError> {
        let rows = match &self.context {
            Some(context) => context.to_model_order(&rows),
            None => rows,
        };
        match &self.standardizer {
            Some(standardizer) => standardizer.try_apply(&rows),
            None => Ok(rows),
        }
    }
}

//! A run's data read from a `.npy` file as it is needed, never held whole: the training
//! rows' first block for initialisation and pictures, the standardisation fitted in chunks,
//! Burn loaders for training and validation, and the test NLL computed chunk by chunk.

use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use flow_data::{
    ContextColumns, Part, PartLoader, PassOrder, PointBatch, Points, RowTransform, SPLIT_SEED_MIX,
    Standardizer, StreamedFile,
};

use crate::error::FlowError;
use crate::infer::inference::TrainedFlow;
use crate::plot::PlotRanges;
use crate::train::config::TrainingConfig;
use crate::train::data::{DataSource, NO_EXTENT, extent_ranges, widen_extent};

/// Rows per chunk when a part is read in file order.
const CHUNK_ROWS: usize = 1 << 16;

/// The streamed data of a run (a [`DataSource::File`] with `streamed`).
pub struct StreamedData {
    file: Arc<StreamedFile>,
    context: Option<ContextColumns>,
    /// The first training rows in file order (the model's column order, the data's units):
    /// as many as a batch or the pictures need.
    head: Points,
}

impl StreamedData {
    /// Opens the file of `config` and checks every value and the recorded number of rows;
    /// `head_rows` training rows are read ahead.
    pub fn open(config: &TrainingConfig, head_rows: usize) -> Result<Self, FlowError> {
        let DataSource::File { path, rows, .. } = &config.data else {
            unreachable!("only a file is streamed");
        };
        let file = StreamedFile::open(
            path,
            Some(config.width()),
            config.sizes(),
            config.seed ^ SPLIT_SEED_MIX,
        )
        .map_err(|e| match e {
            flow_data::DataError::SplitTooLarge { available, .. } if available != *rows => {
                FlowError::bad_file(
                    path,
                    format!(
                        "has {available} data rows, but the model was trained on {rows}: the \
                         file changed since training, so its splits cannot be rebuilt"
                    ),
                )
            }
            e => e.into(),
        })?;
        let context = config.context_layout()?;
        let mut data = Self {
            file: Arc::new(file),
            context,
            head: Points::new(config.width(), Vec::new())?,
        };
        let head = data.chunks(Part::Train, head_rows.max(1)).next();
        if let Some(head) = head {
            data.head = head?;
        }
        Ok(data)
    }

    /// The first training rows in file order (model order, data units).
    pub fn head(&self) -> &Points {
        &self.head
    }

    /// The rows of `part` in file order, in chunks, in the model's column order and the
    /// data's units.
    fn chunks(
        &self,
        part: Part,
        rows: usize,
    ) -> impl Iterator<Item = Result<Points, FlowError>> + '_ {
        let order = RowTransform {
            context: self.context.clone(),
            standardizer: None,
        };
        self.file
            .chunks(part, rows)
            .map(move |chunk| Ok(order.apply(chunk?)?))
    }

    /// The standardisation fitted to the training rows, read chunk by chunk.
    pub fn fit_standardizer(&self) -> Result<Standardizer, FlowError> {
        Standardizer::fit_chunks(self.head.dim(), self.chunks(Part::Train, CHUNK_ROWS))
    }

    /// The rectangle spanned by the training rows (2-D), with [`extent_ranges`]' margin.
    pub fn ranges(&self) -> Result<PlotRanges, FlowError> {
        let mut extent = NO_EXTENT;
        for chunk in self.chunks(Part::Train, CHUNK_ROWS) {
            widen_extent(&mut extent, &chunk?);
        }
        Ok(extent_ranges(extent))
    }

    /// A Burn loader of batches of `batch` rows of `part` in the model's order and units
    /// (standardised by `standardizer`): shuffled by `seed` from pass `passes_done` on, or in
    /// file order.
    pub fn loader(
        &self,
        part: Part,
        standardizer: Option<&Standardizer>,
        batch: usize,
        order: PassOrder,
        passes_done: usize,
        device: &Device,
    ) -> Arc<dyn DataLoader<PointBatch>> {
        let transform = RowTransform {
            context: self.context.clone(),
            standardizer: standardizer.cloned(),
        };
        Arc::new(PartLoader::new(
            self.file.clone(),
            part,
            transform,
            batch,
            order,
            passes_done,
            device,
        ))
    }

    /// The mean negative log-likelihood of `trained` over the rows of `part`, in the data's
    /// units, and their number.
    pub fn mean_nll(
        &self,
        part: Part,
        trained: &TrainedFlow,
        device: &Device,
    ) -> Result<(f64, usize), FlowError> {
        let (mut sum, mut count) = (0.0, 0);
        for chunk in self.chunks(part, CHUNK_ROWS) {
            let chunk = chunk?;
            sum += trained.mean_nll(chunk.values(), device) * chunk.len() as f64;
            count += chunk.len();
        }
        Ok((sum / count.max(1) as f64, count))
    }
}

//! `flow-train score`, `encode` and `decode`: a data file's rows (CSV or `.npy`) mapped
//! through the model, streamed in chunks.

use flow_data::Points;

use crate::cli::MapArgs;
use crate::commands::load;
use crate::error::FlowError;
use crate::infer::stream::{StreamReport, map_rows, numbered};
use crate::output::{Format, Output};

/// What to map the rows to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    /// `log p(x)` (`log p(x | c)`) in the data's units, one column `log_prob`.
    Score,
    /// The latent code `z` of each point, columns `z1 … zD`.
    Encode,
    /// The point of each latent code, columns `x1 … xD`.
    Decode,
}

/// `flow-train score`, `encode` or `decode`.
pub fn map(args: &MapArgs, mapping: Mapping) -> Result<(), FlowError> {
    Output::new("--out", &args.out, Format::Rows).check(&[&args.input])?;
    let (trained, device, _) = load(&args.model)?;
    let (dim, width) = (trained.dim(), trained.width());
    // Score and encode read rows laid out like the training file; the model reads x, then
    // the context.
    let layout = trained.config.context_layout()?;
    let to_model_order = |chunk: &[f32]| -> Vec<f32> {
        match &layout {
            Some(layout) => {
                let rows = Points::new(width, chunk.to_vec()).expect("rows the reader checked");
                layout.to_model_order(&rows).into_parts().1
            }
            None => chunk.to_vec(),
        }
    };
    let (columns, verb) = match mapping {
        Mapping::Score => (vec!["log_prob".to_string()], "scored"),
        Mapping::Encode => (numbered("z", dim), "encoded"),
        Mapping::Decode => (numbered("x", dim), "decoded"),
    };
    let StreamReport { rows, header } = map_rows(
        &args.input,
        &args.out,
        width,
        &columns,
        |chunk| match mapping {
            Mapping::Score => trained.log_prob(&to_model_order(chunk), &device),
            Mapping::Encode => trained.encode(&to_model_order(chunk), &device),
            Mapping::Decode => trained.decode(chunk, &device),
        },
    )?;
    println!(
        "{verb} {rows} rows{} into {}",
        if header { " (after a header)" } else { "" },
        args.out.display()
    );
    Ok(())
}

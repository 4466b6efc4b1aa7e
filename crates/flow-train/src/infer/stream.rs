//! Mapping the rows of a data file to the rows of another, chunk by chunk, in bounded memory:
//! `score` (log-densities), `encode` (latent codes) and `decode` (points); and writing rows,
//! as CSV or, for a name ending in `.npy`, as NumPy's float32 `.npy`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use flow_data::{NpyWriter, RowReader, is_npy};

use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::infer::inference::SCORE_CHUNK;

/// What [`map_rows`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamReport {
    /// Rows read and written.
    pub rows: usize,
    /// Whether the input began with a header row.
    pub header: bool,
}

/// Reads the points of `input` (CSV, one numeric column per dimension, `dim` of them, an
/// optional header row; or a `.npy` array of `dim` columns) in chunks, maps each chunk
/// (row-major values) with `map` to `columns.len()` values per row, and writes them to
/// `output` (CSV under the header `columns`, or `.npy`).
///
/// Nothing is left at `output` when the input is rejected: the result is written to a
/// temporary file and renamed into place only once every row has been mapped. Errors name
/// the input's line and column; a row whose result is not finite (a point so far out that
/// f32 arithmetic overflows) is refused by its number.
pub fn map_rows(
    input: &Path,
    output: &Path,
    dim: usize,
    columns: &[String],
    mut map: impl FnMut(&[f32]) -> Vec<f32>,
) -> Result<StreamReport, FlowError> {
    let mut reader = RowReader::open(input, Some(dim), SCORE_CHUNK)?;
    let mut report = StreamReport {
        rows: 0,
        header: reader.header().is_some(),
    };
    write_rows(output, columns, |writer| {
        while let Some(chunk) = reader.next_chunk()? {
            let mapped = map(chunk.values());
            if let Some(index) = mapped.iter().position(|v| !v.is_finite()) {
                let row = report.rows + index / columns.len().max(1) + 1;
                return Err(FlowError::invalid(
                    "--input",
                    format!(
                        "{}: data row {row}: the result is not finite ({}): the point lies \
                         beyond what f32 arithmetic can map; nothing was written",
                        input.display(),
                        mapped[index]
                    ),
                ));
            }
            writer.rows(&mapped)?;
            report.rows += chunk.len();
        }
        Ok(())
    })?;
    Ok(report)
}

/// `name1 … nameD`: the header of `D` columns.
pub fn numbered(name: &str, dim: usize) -> Vec<String> {
    (1..=dim).map(|d| format!("{name}{d}")).collect()
}

/// Where a file's rows go.
enum Sink {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Npy(NpyWriter),
}

/// A data file being written, CSV or `.npy`: row-major values of a fixed number of columns
/// per row.
pub struct RowWriter<'a> {
    sink: Sink,
    path: &'a Path,
    width: usize,
}

impl RowWriter<'_> {
    /// Appends the rows of `values` (row-major).
    pub fn rows(&mut self, values: &[f32]) -> Result<(), FlowError> {
        match &mut self.sink {
            Sink::Npy(writer) => writer.rows(values)?,
            Sink::Csv(writer) => {
                for row in values.chunks(self.width) {
                    writer
                        .serialize(row)
                        .map_err(|e| FlowError::bad_file(self.path, e.to_string()))?;
                }
            }
        }
        Ok(())
    }
}

/// Writes a data file of `columns.len()` columns with the rows that `fill` appends,
/// atomically (on any error nothing is left at `path`): NumPy's `.npy` (float32, C order) if
/// the name ends in `.npy`, else CSV under the header `columns`.
pub fn write_rows(
    path: &Path,
    columns: &[String],
    fill: impl FnOnce(&mut RowWriter) -> Result<(), FlowError>,
) -> Result<(), FlowError> {
    write_atomically(path, |temporary| {
        let sink = if is_npy(path) {
            Sink::Npy(NpyWriter::create(temporary, columns.len())?)
        } else {
            let file = File::create(temporary).map_err(|e| FlowError::io(temporary, e))?;
            let mut writer = csv::Writer::from_writer(BufWriter::new(file));
            writer
                .write_record(columns)
                .map_err(|e| FlowError::bad_file(path, e.to_string()))?;
            Sink::Csv(Box::new(writer))
        };
        let mut writer = RowWriter {
            sink,
            path,
            width: columns.len(),
        };
        fill(&mut writer)?;
        match writer.sink {
            Sink::Npy(writer) => Ok(writer.finish()?),
            Sink::Csv(mut writer) => writer.flush().map_err(|e| FlowError::io(path, e)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_names_the_file_given_in_either_format() {
        let dir = std::env::temp_dir().join(format!("flow-train-stream-{}", std::process::id()));
        for name in ["out.csv", "out.npy"] {
            let path = dir.join("missing-folder").join(name);
            let error = write_rows(&path, &numbered("x", 2), |w| w.rows(&[1.0, 2.0])).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&path.display().to_string()),
                "{message}"
            );
            assert!(!message.contains(".tmp-"), "{message}");
            assert!(!path.exists());
        }
    }
}

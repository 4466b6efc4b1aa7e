//! Scoring points read from a CSV file, in bounded memory.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use burn::tensor::Device;
use flow_model::Flow;

use crate::error::FlowError;
use crate::fsutil::write_atomically;
use crate::inference::{SCORE_CHUNK, log_prob_points};

/// What [`score_csv`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreReport {
    /// Rows scored.
    pub rows: usize,
    /// Whether the first line was taken as a header.
    pub header: bool,
}

/// Reads the points of `input` (one numeric column per dimension, an optional header row)
/// chunk by chunk and writes one `log_prob` per row to `output`.
///
/// Nothing is left at `output` when the input is rejected: the result is written to a
/// temporary file and renamed into place only once every row has been scored.
pub fn score_csv(
    flow: &Flow,
    input: &Path,
    output: &Path,
    device: &Device,
) -> Result<ScoreReport, FlowError> {
    if input.is_dir() {
        return Err(FlowError::bad_file(input, "is a directory, not a CSV file"));
    }
    let file = File::open(input).map_err(|e| FlowError::io(input, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let mut lines = LineCounter::new(input)?;
    let dim = flow.dim();
    let mut report = ScoreReport {
        rows: 0,
        header: false,
    };
    write_atomically(output, |temporary| {
        let out = File::create(temporary).map_err(|e| FlowError::io(temporary, e))?;
        let mut out = BufWriter::new(out);
        let write_error = |e: std::io::Error| FlowError::io(output, e);
        writeln!(out, "log_prob").map_err(write_error)?;
        let mut chunk: Vec<f32> = Vec::with_capacity(SCORE_CHUNK * dim);
        let flush = |chunk: &mut Vec<f32>, out: &mut BufWriter<File>| {
            for value in log_prob_points(flow, chunk, device) {
                writeln!(out, "{value}").map_err(write_error)?;
            }
            chunk.clear();
            Ok::<(), FlowError>(())
        };
        for (index, record) in reader.records().enumerate() {
            let record = record.map_err(|e| FlowError::bad_file(input, e.to_string()))?;
            let line = match record.position() {
                Some(position) => lines.line_at(position.byte())?,
                None => index + 1,
            };
            if record.len() != dim {
                return Err(FlowError::bad_file(
                    input,
                    format!(
                        "line {line}: {} columns, the model needs {dim}",
                        record.len()
                    ),
                ));
            }
            let parsed: Vec<Result<f32, _>> = record.iter().map(str::parse::<f32>).collect();
            if index == 0 && parsed.iter().all(Result::is_err) {
                report.header = true;
                continue;
            }
            for (column, (text, value)) in record.iter().zip(parsed).enumerate() {
                let column = column + 1;
                match value {
                    Ok(v) if v.is_finite() => chunk.push(v),
                    Ok(_) => {
                        return Err(FlowError::bad_file(
                            input,
                            format!("line {line}, column {column}: `{text}` is not finite"),
                        ));
                    }
                    Err(_) => {
                        return Err(FlowError::bad_file(
                            input,
                            format!("line {line}, column {column}: `{text}` is not a number"),
                        ));
                    }
                }
            }
            report.rows += 1;
            if chunk.len() == SCORE_CHUNK * dim {
                flush(&mut chunk, &mut out)?;
            }
        }
        if report.rows == 0 {
            return Err(FlowError::bad_file(input, "no data rows to score"));
        }
        flush(&mut chunk, &mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| FlowError::io(output, e.into_error()))?;
        file.sync_all().map_err(write_error)
    })?;
    Ok(report)
}

/// Maps byte offsets of a file, asked in increasing order, to 1-based line numbers: the
/// CSV reader skips blank lines in its own count, and error messages must name the line
/// an editor shows.
struct LineCounter {
    path: std::path::PathBuf,
    reader: BufReader<File>,
    offset: u64,
    line: usize,
}

impl LineCounter {
    fn new(path: &Path) -> Result<Self, FlowError> {
        let file = File::open(path).map_err(|e| FlowError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            reader: BufReader::new(file),
            offset: 0,
            line: 1,
        })
    }

    /// The line of the record that starts at byte `target` (not before the previous
    /// target). The reader reports a record's start before the blank lines it skipped, so
    /// line breaks right at `target` are passed over too.
    fn line_at(&mut self, target: u64) -> Result<usize, FlowError> {
        loop {
            let buffer = self
                .reader
                .fill_buf()
                .map_err(|e| FlowError::io(&self.path, e))?;
            if buffer.is_empty() {
                return Ok(self.line);
            }
            let before = (target.saturating_sub(self.offset) as usize).min(buffer.len());
            let breaks = buffer[before..]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            let take = before + breaks;
            let length = buffer.len();
            self.line += buffer[..take].iter().filter(|&&b| b == b'\n').count();
            self.reader.consume(take);
            self.offset += take as u64;
            if take < length || take == 0 {
                return Ok(self.line);
            }
        }
    }
}

//! Points of any dimension from CSV files, whole or in chunks of bounded size.
//!
//! The format: one point per line, fields separated by commas (RFC 4180 quoting is
//! understood), surrounding whitespace of each field ignored, `\n` or `\r\n` line ends.
//! Lines that are empty or hold only whitespace are skipped. The first non-blank line is a
//! header when none of its fields parses as a number; every other line is a data row whose
//! fields must all be finite numbers that fit in an `f32`.
//!
//! The dimension is either given (a model's, see [`CsvReader::open`]) or taken from the first
//! line (the header, if there is one, else the first data row); every row must have exactly that
//! many fields. Errors name the file, the 1-based line as an editor shows it (blank lines
//! counted) and, when one field is at fault, its 1-based column:
//!
//! ```text
//! data.csv: line 2: 3 columns, the model needs 2
//! data.csv: line 2: 3 columns, expected 2 like line 1
//! data.csv: line 3, column 2: `abc` is not a number
//! data.csv: line 2, column 1: `NaN` is not finite
//! data.csv: no data rows
//! ```

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ReaderBuilder, Trim};

use crate::error::DataError;
use crate::points::Points;

/// A whole data file read into memory: its points and, if it has one (CSV only), its header.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The data rows, in file order.
    pub points: Points,
    /// The column names of the header line, trimmed, if the file has a header.
    pub header: Option<Vec<String>>,
}

/// Reads a whole CSV file of points (see the [module documentation](self) for the format).
///
/// `dim` is the dimension the rows must have (`None`: taken from the file's first line).
/// Fails on the first bad line, and if the file has no data rows.
pub fn read_csv(path: impl AsRef<Path>, dim: Option<usize>) -> Result<Table, DataError> {
    let mut reader = CsvReader::open(path, dim, usize::MAX)?;
    let points = match reader.next_chunk()? {
        Some(points) => points,
        None => unreachable!("an opened reader has at least one data row"),
    };
    Ok(Table {
        points,
        header: reader.header.take(),
    })
}

/// A streaming CSV reader that yields the data rows in chunks of at most `chunk_rows` points,
/// so that a file of any size can be processed in bounded memory.
///
/// As an [`Iterator`] it yields `Result<Points, DataError>`; after the first error it yields
/// nothing more. Every chunk but the last holds exactly `chunk_rows` points.
pub struct CsvReader {
    path: PathBuf,
    reader: csv::Reader<LineTracker<File>>,
    record: ByteRecord,
    header: Option<Vec<String>>,
    dim: usize,
    /// `None` when the dimension was given, else the line it was taken from.
    dim_line: Option<usize>,
    chunk_rows: usize,
    /// The first data row, read (and checked) by `open`, not yet handed out.
    pending: Option<Vec<f32>>,
    rows_read: usize,
    done: bool,
}

impl CsvReader {
    /// Opens `path` and reads up to its first data row, which it checks.
    ///
    /// `dim` is the dimension the rows must have (`None`: taken from the first line, the
    /// header if there is one). Fails if the file cannot be opened, is a directory, has no
    /// data rows, or if its header or first data row is bad; later rows are checked as they
    /// are read.
    ///
    /// # Panics
    /// If `chunk_rows == 0`.
    pub fn open(
        path: impl AsRef<Path>,
        dim: Option<usize>,
        chunk_rows: usize,
    ) -> Result<Self, DataError> {
        assert!(chunk_rows > 0, "chunk_rows must be at least 1");
        if dim == Some(0) {
            return Err(DataError::ZeroDim);
        }
        let path = path.as_ref().to_path_buf();
        let file_error = |reason: String| DataError::CsvFile {
            path: path.clone(),
            reason,
        };
        let meta = std::fs::metadata(&path).map_err(|e| file_error(e.to_string()))?;
        if meta.is_dir() {
            return Err(file_error("is a directory, not a CSV file".to_owned()));
        }
        let file = File::open(&path).map_err(|e| file_error(e.to_string()))?;
        let reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .buffer_capacity(1 << 16)
            .from_reader(LineTracker::new(file));
        let mut this = Self {
            path,
            reader,
            record: ByteRecord::new(),
            header: None,
            dim: dim.unwrap_or(0),
            dim_line: None,
            chunk_rows,
            pending: None,
            rows_read: 0,
            done: false,
        };

        let Some(line) = this.next_record()? else {
            return Err(this.no_data_rows());
        };
        strip_bom(&mut this.record);
        let is_header = this.record.iter().all(|f| parse_number(f).is_none());
        if dim.is_none() {
            this.dim = this.record.len();
            this.dim_line = Some(line);
        }
        if is_header {
            this.check_width(line)?;
            this.header = Some(
                this.record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
            let Some(line) = this.next_record()? else {
                return Err(this.no_data_rows());
            };
            let mut row = Vec::with_capacity(this.dim);
            this.parse_row(line, &mut row)?;
            this.pending = Some(row);
        } else {
            let mut row = Vec::with_capacity(this.dim);
            this.parse_row(line, &mut row)?;
            this.pending = Some(row);
        }
        Ok(this)
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names of the header line, trimmed, if the file has a header.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// The dimension of the rows: the given one, or the one taken from the first line.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// How many data rows the chunks handed out so far hold.
    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    /// The next chunk of at most `chunk_rows` points, or `None` after the last row.
    pub fn next_chunk(&mut self) -> Result<Option<Points>, DataError> {
        if self.done {
            return Ok(None);
        }
        let mut values = Vec::with_capacity(self.chunk_rows.min(4096) * self.dim);
        let mut rows = 0;
        if let Some(first) = self.pending.take() {
            values.extend_from_slice(&first);
            rows += 1;
        }
        while rows < self.chunk_rows {
            let line = match self.next_record() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            };
            if let Err(e) = self.parse_row(line, &mut values) {
                self.done = true;
                return Err(e);
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        self.rows_read += rows;
        let points = Points::new(self.dim, values).expect("parsed values are finite");
        Ok(Some(points))
    }

    /// Reads the next non-blank record into `self.record`; returns its line.
    fn next_record(&mut self) -> Result<Option<usize>, DataError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| DataError::CsvFile {
                    path: self.path.clone(),
                    reason: e.to_string(),
                })?;
            if !more {
                return Ok(None);
            }
            let end = self.reader.position().byte();
            let line = self.reader.get_mut().line_of_record_ending_at(end);
            let blank = self.record.len() == 1 && self.record[0].is_empty();
            if !blank {
                return Ok(Some(line));
            }
        }
    }

    fn no_data_rows(&self) -> DataError {
        DataError::CsvFile {
            path: self.path.clone(),
            reason: "no data rows".to_owned(),
        }
    }

    fn line_error(&self, line: usize, column: Option<usize>, reason: String) -> DataError {
        DataError::CsvLine {
            path: self.path.clone(),
            line,
            column,
            reason,
        }
    }

    /// Checks that the current record has `dim` fields.
    fn check_width(&self, line: usize) -> Result<(), DataError> {
        let n = self.record.len();
        if n == self.dim {
            return Ok(());
        }
        let columns = if n == 1 { "column" } else { "columns" };
        let reason = match self.dim_line {
            None => format!("{n} {columns}, the model needs {}", self.dim),
            Some(first) => format!("{n} {columns}, expected {} like line {first}", self.dim),
        };
        Err(self.line_error(line, None, reason))
    }

    /// Checks the current record (a data row on `line`) and appends its values to `out`.
    fn parse_row(&self, line: usize, out: &mut Vec<f32>) -> Result<(), DataError> {
        self.check_width(line)?;
        for (j, field) in self.record.iter().enumerate() {
            match parse_value(field) {
                Ok(v) => out.push(v),
                Err(reason) => return Err(self.line_error(line, Some(j + 1), reason)),
            }
        }
        Ok(())
    }
}

impl Iterator for CsvReader {
    type Item = Result<Points, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk().transpose()
    }
}

/// The field as a number, if it is one (finite or not).
fn parse_number(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// The field as a finite `f32`, or the reason it is not one.
fn parse_value(field: &[u8]) -> Result<f32, String> {
    let text = String::from_utf8_lossy(field);
    if text.is_empty() {
        return Err("an empty field is not a number".to_owned());
    }
    let Ok(v) = text.parse::<f32>() else {
        return Err(format!("`{text}` is not a number"));
    };
    if v.is_finite() {
        Ok(v)
    } else if text.parse::<f64>().is_ok_and(f64::is_finite) {
        Err(format!("`{text}` is too large for a 32-bit float"))
    } else {
        Err(format!("`{text}` is not finite"))
    }
}

/// Removes a UTF-8 byte order mark from the start of the record's first field.
fn strip_bom(record: &mut ByteRecord) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if record.get(0).is_some_and(|f| f.starts_with(BOM)) {
        let fields: Vec<Vec<u8>> = record
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let f = if i == 0 { &f[BOM.len()..] } else { f };
                f.trim_ascii().to_vec()
            })
            .collect();
        *record = ByteRecord::from(fields);
    }
}

/// A reader that notes where the newlines of the bytes it passes on are, so that a record's
/// line can be told from the byte offset where the CSV parser finished it. (The parser's own
/// line count is taken before it skips blank lines, so it would name the first blank line
/// before a record rather than the record's own.)
struct LineTracker<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// Offsets of the newlines passed on and not yet counted.
    newlines: VecDeque<u64>,
    /// Newlines counted: those before the last record asked about.
    counted: usize,
}

impl<R> LineTracker<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            newlines: VecDeque::new(),
            counted: 0,
        }
    }

    /// The 1-based line of a single-line record whose parsing ended at byte offset `end`
    /// (after its terminator, if the parser consumed it): one more than the number of
    /// newlines before its last byte. Calls must come with non-decreasing `end`.
    fn line_of_record_ending_at(&mut self, end: u64) -> usize {
        let last = end.saturating_sub(1);
        while self.newlines.front().is_some_and(|&nl| nl < last) {
            self.newlines.pop_front();
            self.counted += 1;
        }
        self.counted + 1
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            self.newlines.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

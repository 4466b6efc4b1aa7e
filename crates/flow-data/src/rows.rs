//! Data files of either format, told apart by the extension: NumPy's `.npy` ([`npy`](crate::npy)),
//! or CSV ([`table`](crate::table)) for any other name.

use std::path::Path;

use crate::error::DataError;
use crate::npy::{NpyReader, is_npy, read_npy};
use crate::points::Points;
use crate::table::{CsvReader, Table, read_csv};

/// Reads a whole data file, `.npy` or CSV, of `dim` columns if given (a `.npy` file has no
/// header).
pub fn read_table(path: impl AsRef<Path>, dim: Option<usize>) -> Result<Table, DataError> {
    let path = path.as_ref();
    if is_npy(path) {
        Ok(Table {
            points: read_npy(path, dim)?,
            header: None,
        })
    } else {
        read_csv(path, dim)
    }
}

/// A data file, `.npy` or CSV, read in chunks of at most `chunk_rows` rows.
pub enum RowReader {
    /// A CSV file.
    Csv(Box<CsvReader>),
    /// A `.npy` file.
    Npy(NpyReader),
}

impl RowReader {
    /// Opens `path` (see [`CsvReader::open`] and [`NpyReader::open`]).
    ///
    /// # Panics
    /// If `chunk_rows == 0`.
    pub fn open(
        path: impl AsRef<Path>,
        dim: Option<usize>,
        chunk_rows: usize,
    ) -> Result<Self, DataError> {
        let path = path.as_ref();
        Ok(if is_npy(path) {
            Self::Npy(NpyReader::open(path, dim, chunk_rows)?)
        } else {
            Self::Csv(Box::new(CsvReader::open(path, dim, chunk_rows)?))
        })
    }

    /// The column names of a CSV file's header, if it has one.
    pub fn header(&self) -> Option<&[String]> {
        match self {
            Self::Csv(reader) => reader.header(),
            Self::Npy(_) => None,
        }
    }

    /// The number of columns.
    pub fn dim(&self) -> usize {
        match self {
            Self::Csv(reader) => reader.dim(),
            Self::Npy(reader) => reader.array().dim(),
        }
    }

    /// The next chunk of rows, or `None` after the last.
    pub fn next_chunk(&mut self) -> Result<Option<Points>, DataError> {
        match self {
            Self::Csv(reader) => CsvReader::next_chunk(reader),
            Self::Npy(reader) => reader.next_chunk(),
        }
    }
}

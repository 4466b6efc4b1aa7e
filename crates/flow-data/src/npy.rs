//! Points from and to NumPy's `.npy` files, so that a NumPy user round-trips with `np.load`
//! and `np.save` without CSV.
//!
//! Reading takes a 2-D array (`np.save("data.npy", a)` of an `N × D` array) of float32 or
//! float64, in either byte order, in C order. Opening reads only the header: rows are read
//! and decoded to `f32` only as they are asked for ([`NpyArray::rows`]), so a file larger than
//! memory can be read in chunks ([`NpyReader`]) in the memory of a chunk. Every value must be
//! finite and, for float64, fit in an `f32`. Errors are one line naming the file and, for a value, its row and column,
//! 1-based and as NumPy indexes them:
//!
//! ```text
//! data.npy: a 1-D array of shape (5,); save an N × D array (a.reshape(-1, 1) for one column)
//! data.npy: dtype <i8 is not supported; save float32 or float64 (a.astype(np.float32))
//! data.npy: the array is in Fortran order; save it in C order (np.ascontiguousarray(a))
//! data.npy: truncated: its header promises 1000 × 4 float32 values (16000 bytes), the file holds 12000
//! data.npy: row 3, column 2 (a[2, 1]): NaN is not finite
//! data.npy: changed while being read (now 4000000 bytes, modified after it was opened); …
//! ```
//!
//! A file that another program truncates or rewrites while it is being read would mix two
//! data sets: every read first checks that the file's length and modification time are still
//! those it was opened with, and fails in one line if not (as does a read that finds the file
//! shorter than its header said).
//!
//! Writing ([`NpyWriter`]) streams float32 rows in C order; the number of rows goes into the
//! header when the writer finishes.

use std::fs::{File, Metadata};
use std::io::{self, BufWriter, Seek};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use npyz::{DType, Endianness, NpyHeader, Order, TypeChar, WriteOptions, WriterBuilder};

use crate::error::DataError;
use crate::points::Points;

/// The most bytes one read takes from the file: rows are read and decoded in pieces of about
/// this size, so that a whole array read at once needs little more memory than its `f32`s.
const READ_BYTES: usize = 1 << 20;

/// Whether `path` names a `.npy` file (by its extension, in any case).
pub fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// What a file was when it was opened: its length and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// How the array's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scalar {
    /// Eight bytes (float64) rather than four (float32).
    wide: bool,
    /// Big-endian rather than little-endian.
    big_endian: bool,
}

impl Scalar {
    fn size(self) -> usize {
        if self.wide { 8 } else { 4 }
    }

    fn name(self) -> &'static str {
        if self.wide { "float64" } else { "float32" }
    }

    /// The value stored in `bytes` (of length [`Scalar::size`]), widened to `f64`.
    fn decode(self, bytes: &[u8]) -> f64 {
        match (self.wide, self.big_endian) {
            (false, false) => f64::from(f32::from_le_bytes(bytes.try_into().expect("4 bytes"))),
            (false, true) => f64::from(f32::from_be_bytes(bytes.try_into().expect("4 bytes"))),
            (true, false) => f64::from_le_bytes(bytes.try_into().expect("8 bytes")),
            (true, true) => f64::from_be_bytes(bytes.try_into().expect("8 bytes")),
        }
    }
}

/// A 2-D `.npy` array of `rows × dim` floats, open and checked (see the
/// [module documentation](self)); values are decoded only as rows are read.
#[derive(Debug)]
pub struct NpyArray {
    path: PathBuf,
    /// The open file, whose length and modification time are checked before each read.
    file: File,
    /// What the file was when it was opened.
    opened: Stamp,
    /// Offset of the first value in the file.
    data_start: u64,
    rows: usize,
    dim: usize,
    scalar: Scalar,
}

impl NpyArray {
    /// Opens `path` and checks its header: a 2-D float32 or float64 array in C order, with at
    /// least one row, of `dim` columns if given, and exactly as many data bytes as the header
    /// promises. The values themselves are checked as they are read.
    pub fn open(path: impl AsRef<Path>, dim: Option<usize>) -> Result<Self, DataError> {
        let path = path.as_ref().to_path_buf();
        let fail = |reason: String| DataError::Npy {
            path: path.clone(),
            reason,
        };
        if dim == Some(0) {
            return Err(DataError::ZeroDim);
        }
        let meta = std::fs::metadata(&path).map_err(|e| fail(e.to_string()))?;
        if meta.is_dir() {
            return Err(fail("is a directory, not a .npy file".to_owned()));
        }
        if meta.len() == 0 {
            return Err(fail("is empty, not a .npy file".to_owned()));
        }
        let file = File::open(&path).map_err(|e| fail(e.to_string()))?;
        let opened = Stamp::of(&file.metadata().map_err(|e| fail(e.to_string()))?);
        // Unbuffered, so that the header reader takes exactly the header's bytes.
        let mut reader = &file;
        let header = NpyHeader::from_reader(&mut reader).map_err(|e| {
            // The header parser's messages draw the faulty line over several lines: keep the
            // first, which says what is wrong.
            let what = e.to_string();
            let first = what.lines().next().unwrap_or_default().trim_end();
            fail(format!(
                "not a .npy file (its header cannot be read: {first})"
            ))
        })?;
        let data_start = reader.stream_position().map_err(|e| fail(e.to_string()))?;
        let scalar = scalar_of(&header).map_err(fail)?;
        let (rows, width) = match *header.shape() {
            [rows, width] => (rows, width),
            ref shape => {
                return Err(fail(format!(
                    "a {}-D array of shape {}; save an N × D array (a.reshape(-1, 1) for one \
                     column)",
                    shape.len(),
                    shape_text(shape)
                )));
            }
        };
        if header.order() == Order::Fortran {
            return Err(fail(
                "the array is in Fortran order; save it in C order (np.ascontiguousarray(a))"
                    .to_owned(),
            ));
        }
        let too_large = || fail(format!("shape ({rows}, {width}) is too large to address"));
        let rows = usize::try_from(rows).map_err(|_| too_large())?;
        let width = usize::try_from(width).map_err(|_| too_large())?;
        let expected = rows
            .checked_mul(width)
            .and_then(|n| n.checked_mul(scalar.size()))
            .ok_or_else(too_large)?;
        let held = usize::try_from(opened.len - data_start).map_err(|_| too_large())?;
        if held != expected {
            let what = if held < expected {
                "truncated"
            } else {
                "corrupt"
            };
            return Err(fail(format!(
                "{what}: its header promises {rows} × {width} {} values ({expected} bytes), the \
                 file holds {held}",
                scalar.name()
            )));
        }
        if width == 0 {
            return Err(DataError::ZeroDim);
        }
        if let Some(dim) = dim
            && dim != width
        {
            let columns = if width == 1 { "column" } else { "columns" };
            return Err(fail(format!("{width} {columns}, the model needs {dim}")));
        }
        if rows == 0 {
            return Err(fail("no data rows".to_owned()));
        }
        Ok(Self {
            path,
            file,
            opened,
            data_start,
            rows,
            dim: width,
            scalar,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of rows `N`.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the array has no rows (never, for an opened array).
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The number of columns `D`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rows `start..start + count` as points of dimension `dim`, decoded to `f32`.
    ///
    /// Fails on the first value that is not finite, or (float64) too large for an `f32`,
    /// naming its row and column.
    ///
    /// # Panics
    /// If the rows run past the end of the array.
    pub fn rows(&self, start: usize, count: usize) -> Result<Points, DataError> {
        let mut values = Vec::with_capacity(count * self.dim);
        self.rows_where(start, count, |_| true, &mut values)?;
        Ok(Points::new(self.dim, values).expect("decoded values are finite"))
    }

    /// Appends to `out` (row-major, decoded to `f32`) the rows `r` of `start..start + count`
    /// for which `keep(r)` holds; the others are not decoded. Fails as [`rows`](Self::rows)
    /// does on a kept row's value.
    ///
    /// # Panics
    /// If the rows run past the end of the array.
    pub fn rows_where(
        &self,
        start: usize,
        count: usize,
        keep: impl Fn(usize) -> bool,
        out: &mut Vec<f32>,
    ) -> Result<(), DataError> {
        assert!(
            start + count <= self.rows,
            "rows {start}..{} out of range for {} rows",
            start + count,
            self.rows
        );
        self.check_unchanged()?;
        let size = self.scalar.size();
        let row_bytes = self.dim * size;
        let per_read = (READ_BYTES / row_bytes).clamp(1, count.max(1));
        let mut bytes = vec![0u8; per_read * row_bytes];
        let end = start + count;
        let mut first = start;
        while first < end {
            let rows = per_read.min(end - first);
            let piece = &mut bytes[..rows * row_bytes];
            let offset = self.data_start + (first * row_bytes) as u64;
            read_at(&self.file, piece, offset).map_err(|e| self.unreadable(e))?;
            for (row, row_values) in (first..).zip(piece.chunks_exact(row_bytes)) {
                if !keep(row) {
                    continue;
                }
                for (column, chunk) in row_values.chunks_exact(size).enumerate() {
                    let wide = self.scalar.decode(chunk);
                    let value = wide as f32;
                    if !value.is_finite() {
                        return Err(self.bad_value(row, column, wide));
                    }
                    out.push(value);
                }
            }
            first += rows;
        }
        Ok(())
    }

    /// Fails unless the file still has the length and modification time it was opened with:
    /// one truncated or rewritten since would mix two data sets.
    fn check_unchanged(&self) -> Result<(), DataError> {
        let changed = |how: &str| {
            format!(
                "changed while being read ({how}); leave it as it is until the command ends, or \
                 give it a copy"
            )
        };
        let reason = match self.file.metadata().map(|meta| Stamp::of(&meta)) {
            Ok(now) if now == self.opened => return Ok(()),
            Ok(now) if now.len != self.opened.len => changed(&format!(
                "now {} bytes, {} when opened",
                now.len, self.opened.len
            )),
            Ok(_) => changed("modified after it was opened"),
            Err(e) => format!("cannot be read any more: {e}"),
        };
        Err(DataError::Npy {
            path: self.path.clone(),
            reason,
        })
    }

    /// The error of a read that failed: the file changed under it, or the system failed.
    fn unreadable(&self, error: io::Error) -> DataError {
        self.check_unchanged()
            .err()
            .unwrap_or_else(|| DataError::Npy {
                path: self.path.clone(),
                reason: format!("cannot be read: {error}"),
            })
    }

    /// The error for the value at 0-based `row` and `column`.
    fn bad_value(&self, row: usize, column: usize, value: f64) -> DataError {
        let reason = if value.is_finite() {
            format!("{value:e} is too large for a 32-bit float")
        } else {
            format!("{value} is not finite")
        };
        DataError::Npy {
            path: self.path.clone(),
            reason: format!(
                "row {}, column {} (a[{row}, {column}]): {reason}",
                row + 1,
                column + 1
            ),
        }
    }
}

/// Fills `buf` from `file` at byte `offset`, without moving a shared cursor, so that threads
/// may read one file at once.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at byte `offset` (see the Unix version).
#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// The storage of a header's dtype, if it is a float32 or float64.
fn scalar_of(header: &NpyHeader) -> Result<Scalar, String> {
    let dtype = header.dtype();
    let unsupported = |descr: String| {
        format!("dtype {descr} is not supported; save float32 or float64 (a.astype(np.float32))")
    };
    let DType::Plain(ty) = &dtype else {
        return Err(unsupported(dtype.descr()));
    };
    let wide = match (ty.type_char(), ty.size_field()) {
        (TypeChar::Float, 4) => false,
        (TypeChar::Float, 8) => true,
        _ => return Err(unsupported(ty.to_string())),
    };
    Ok(Scalar {
        wide,
        big_endian: ty.endianness() == Endianness::Big,
    })
}

/// A shape as NumPy prints it: `(5,)`, `(2, 3, 4)`.
fn shape_text(shape: &[u64]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// Reads a whole `.npy` array (see [`NpyArray::open`]) into memory.
pub fn read_npy(path: impl AsRef<Path>, dim: Option<usize>) -> Result<Points, DataError> {
    let array = NpyArray::open(path, dim)?;
    array.rows(0, array.len())
}

/// A `.npy` array read in chunks of at most `chunk_rows` rows, in order, so that a file of
/// any size is processed in bounded memory.
#[derive(Debug)]
pub struct NpyReader {
    array: NpyArray,
    next: usize,
    chunk_rows: usize,
}

impl NpyReader {
    /// Opens `path` as [`NpyArray::open`] does, to read it from the first row on.
    ///
    /// # Panics
    /// If `chunk_rows == 0`.
    pub fn open(
        path: impl AsRef<Path>,
        dim: Option<usize>,
        chunk_rows: usize,
    ) -> Result<Self, DataError> {
        assert!(chunk_rows > 0, "chunk_rows must be at least 1");
        let array = NpyArray::open(path, dim)?;
        Ok(Self {
            array,
            next: 0,
            chunk_rows,
        })
    }

    /// The array being read.
    pub fn array(&self) -> &NpyArray {
        &self.array
    }

    /// The next chunk of at most `chunk_rows` rows, or `None` after the last row.
    pub fn next_chunk(&mut self) -> Result<Option<Points>, DataError> {
        let count = self.chunk_rows.min(self.array.len() - self.next);
        if count == 0 {
            return Ok(None);
        }
        let points = self.array.rows(self.next, count);
        // After an error, read nothing more.
        self.next = if points.is_ok() {
            self.next + count
        } else {
            self.array.len()
        };
        points.map(Some)
    }
}

/// A `.npy` file of float32 rows of a fixed width, written row by row in C order; its header
/// gets the number of rows when [`NpyWriter::finish`] is called.
pub struct NpyWriter {
    writer: npyz::NpyWriter<f32, BufWriter<File>>,
    path: PathBuf,
    width: usize,
}

impl NpyWriter {
    /// Creates (or replaces) `path` for rows of `width` values.
    pub fn create(path: impl AsRef<Path>, width: usize) -> Result<Self, DataError> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).map_err(|e| npy_io(&path, e))?;
        let writer = WriteOptions::new()
            .default_dtype()
            .writer(BufWriter::new(file))
            .begin_2d(width as u64)
            .map_err(|e| npy_io(&path, e))?;
        Ok(Self {
            writer,
            path,
            width,
        })
    }

    /// Appends the rows of `values` (row-major, a multiple of the width).
    ///
    /// # Panics
    /// If `values.len()` is not a multiple of the width.
    pub fn rows(&mut self, values: &[f32]) -> Result<(), DataError> {
        assert!(
            values.len().is_multiple_of(self.width.max(1)),
            "{} values are not whole rows of {}",
            values.len(),
            self.width
        );
        for value in values {
            self.writer.push(value).map_err(|e| npy_io(&self.path, e))?;
        }
        Ok(())
    }

    /// Writes the number of rows into the header and flushes the file.
    pub fn finish(self) -> Result<(), DataError> {
        let Self { writer, path, .. } = self;
        writer.finish().map_err(|e| npy_io(&path, e))
    }
}

/// An I/O error on a `.npy` file.
fn npy_io(path: &Path, error: std::io::Error) -> DataError {
    DataError::Npy {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

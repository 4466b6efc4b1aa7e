//! NumPy's `.npy` input and output: every supported storage, the refused ones, chunks, and a
//! written file read back. The files are built byte by byte from the format's definition here,
//! independently of the crate that reads them.

use std::path::{Path, PathBuf};

use flow_data::{NpyArray, NpyReader, NpyWriter, RowReader, read_npy, read_table};

use crate::csv::message;

/// A `.npy` file (format 1.0) with the header dictionary `dict` and the data bytes `data`.
fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_owned();
    // Magic (6) + version (2) + length (2) + header, padded with spaces and a newline to 64.
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn dict(descr: &str, fortran: bool, shape: &str) -> String {
    let order = if fortran { "True" } else { "False" };
    format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}")
}

fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flow-data-npy");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

const VALUES: [f64; 6] = [1.0, -2.5, 3.25, 1e-3, -7.0, 0.5];

fn f32_le() -> Vec<u8> {
    VALUES
        .iter()
        .flat_map(|&v| (v as f32).to_le_bytes())
        .collect()
}

fn read_err(path: &Path, dim: Option<usize>) -> String {
    message(path, read_npy(path, dim).unwrap_err())
}

#[test]
fn every_float_storage_reads_the_same_values() {
    let expected: Vec<f32> = VALUES.iter().map(|&v| v as f32).collect();
    let storages: [(&str, Vec<u8>); 4] = [
        ("<f4", f32_le()),
        (
            ">f4",
            VALUES
                .iter()
                .flat_map(|&v| (v as f32).to_be_bytes())
                .collect(),
        ),
        (
            "<f8",
            VALUES.iter().flat_map(|&v| v.to_le_bytes()).collect(),
        ),
        (
            ">f8",
            VALUES.iter().flat_map(|&v| v.to_be_bytes()).collect(),
        ),
    ];
    for (descr, data) in storages {
        let endian = if descr.starts_with('<') { "le" } else { "be" };
        let path = file(
            &format!("storage-{endian}-{}.npy", &descr[1..]),
            &npy_bytes(&dict(descr, false, "(3, 2)"), &data),
        );
        let points = read_npy(&path, None).unwrap();
        assert_eq!((points.len(), points.dim()), (3, 2), "{descr}");
        assert_eq!(points.values(), &expected[..], "{descr}");
        let table = read_table(&path, Some(2)).unwrap();
        assert_eq!(table.points, points);
        assert_eq!(table.header, None);
    }
}

#[test]
fn chunks_cover_the_rows_in_order() {
    let data: Vec<u8> = (0..10).flat_map(|v| (v as f32).to_le_bytes()).collect();
    let path = file(
        "chunks.npy",
        &npy_bytes(&dict("<f4", false, "(5, 2)"), &data),
    );
    let mut reader = NpyReader::open(&path, Some(2), 2).unwrap();
    let mut sizes = Vec::new();
    let mut values = Vec::new();
    while let Some(chunk) = reader.next_chunk().unwrap() {
        sizes.push(chunk.len());
        values.extend_from_slice(chunk.values());
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(values, (0..10).map(|v| v as f32).collect::<Vec<_>>());
    let mut rows = RowReader::open(&path, None, 4).unwrap();
    assert_eq!((rows.dim(), rows.header()), (2, None));
    assert_eq!(rows.next_chunk().unwrap().unwrap().len(), 4);
    let array = NpyArray::open(&path, None).unwrap();
    assert_eq!(array.rows(3, 2).unwrap().values(), &[6.0, 7.0, 8.0, 9.0]);
}

#[test]
fn refused_files_say_why_in_one_line() {
    let cases: [(&str, Vec<u8>, Option<usize>, &str); 10] = [
        (
            "one-d.npy",
            npy_bytes(&dict("<f4", false, "(6,)"), &f32_le()),
            None,
            "a 1-D array of shape (6,); save an N × D array (a.reshape(-1, 1) for one column)",
        ),
        (
            "three-d.npy",
            npy_bytes(&dict("<f4", false, "(1, 3, 2)"), &f32_le()),
            None,
            "a 3-D array of shape (1, 3, 2); save an N × D array (a.reshape(-1, 1) for one column)",
        ),
        (
            "int.npy",
            npy_bytes(&dict("<i8", false, "(3, 1)"), &[0; 24]),
            None,
            "dtype <i8 is not supported; save float32 or float64 (a.astype(np.float32))",
        ),
        (
            "fortran.npy",
            npy_bytes(&dict("<f4", true, "(3, 2)"), &f32_le()),
            None,
            "the array is in Fortran order; save it in C order (np.ascontiguousarray(a))",
        ),
        (
            "truncated.npy",
            npy_bytes(&dict("<f4", false, "(3, 2)"), &f32_le()[..20]),
            None,
            "truncated: its header promises 3 × 2 float32 values (24 bytes), the file holds 20",
        ),
        (
            "longer.npy",
            npy_bytes(&dict("<f4", false, "(2, 2)"), &f32_le()),
            None,
            "corrupt: its header promises 2 × 2 float32 values (16 bytes), the file holds 24",
        ),
        (
            "width.npy",
            npy_bytes(&dict("<f4", false, "(3, 2)"), &f32_le()),
            Some(3),
            "2 columns, the model needs 3",
        ),
        (
            "no-rows.npy",
            npy_bytes(&dict("<f4", false, "(0, 2)"), &[]),
            None,
            "no data rows",
        ),
        (
            "garbage.npy",
            b"x,y\n1,2\n".to_vec(),
            None,
            "not a .npy file",
        ),
        ("empty.npy", Vec::new(), None, "is empty, not a .npy file"),
    ];
    for (name, bytes, dim, expected) in cases {
        let path = file(name, &bytes);
        let msg = read_err(&path, dim);
        assert!(msg.starts_with(expected), "{name}: {msg}");
    }
}

#[test]
fn a_bad_value_is_named_by_row_and_column() {
    let mut values = VALUES;
    values[3] = f64::NAN;
    let data: Vec<u8> = values.iter().flat_map(|&v| v.to_le_bytes()).collect();
    let path = file("nan.npy", &npy_bytes(&dict("<f8", false, "(3, 2)"), &data));
    assert_eq!(
        read_err(&path, None),
        "row 2, column 2 (a[1, 1]): NaN is not finite"
    );
    // The rows before it still read; the reader stops at it.
    let mut reader = NpyReader::open(&path, None, 1).unwrap();
    assert!(reader.next_chunk().unwrap().is_some());
    assert!(reader.next_chunk().is_err());
    assert!(reader.next_chunk().unwrap().is_none());

    values[3] = 1e300;
    let data: Vec<u8> = values.iter().flat_map(|&v| v.to_le_bytes()).collect();
    let path = file("huge.npy", &npy_bytes(&dict("<f8", false, "(3, 2)"), &data));
    assert_eq!(
        read_err(&path, None),
        "row 2, column 2 (a[1, 1]): 1e300 is too large for a 32-bit float"
    );
}

#[test]
fn written_rows_read_back_with_their_shape() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flow-data-npy-written.npy");
    let mut writer = NpyWriter::create(&path, 3).unwrap();
    writer.rows(&[1.0, 2.0, 3.0]).unwrap();
    writer.rows(&[4.0, 5.0, 6.0, -0.5, 1e-7, 7.0]).unwrap();
    writer.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    assert!(header.contains("'shape': (3, 3)"), "{header}");
    let data: Vec<f32> = bytes[10 + header_len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(data, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -0.5, 1e-7, 7.0]);
    assert_eq!(read_npy(&path, Some(3)).unwrap().values(), &data[..]);
}

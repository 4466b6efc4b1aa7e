//! CSV input: headers, blank lines, line ends, bad values, sizes, chunks, and the shipped data.

use std::path::{Path, PathBuf};

use flow_data::{CsvReader, DataError, Points, read_csv};

/// Writes `content` to a fresh file named `name` under this test binary's temporary folder.
fn file(name: &str, content: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flow-data-csv");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn rows(p: &Points) -> Vec<Vec<f32>> {
    p.iter_rows().map(<[f32]>::to_vec).collect()
}

/// The error's message, which must be one line starting with the path.
pub fn message(path: &Path, err: DataError) -> String {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "not one line: {msg:?}");
    let prefix = format!("{}: ", path.display());
    assert!(msg.starts_with(&prefix), "{msg}");
    msg[prefix.len()..].to_owned()
}

fn read_err(path: &Path, dim: Option<usize>) -> String {
    message(path, read_csv(path, dim).unwrap_err())
}

#[test]
fn with_and_without_header() {
    let p = file("header.csv", " x , y \n1,2\n3.5,-4e-2\n");
    let t = read_csv(&p, None).unwrap();
    assert_eq!(t.header, Some(vec!["x".to_owned(), "y".to_owned()]));
    assert_eq!(rows(&t.points), vec![vec![1.0, 2.0], vec![3.5, -0.04]]);

    // No header, no final line end, spaces around fields.
    let p = file("no-header.csv", "1, 2\n  3 ,4");
    let t = read_csv(&p, Some(2)).unwrap();
    assert_eq!(t.header, None);
    assert_eq!(rows(&t.points), vec![vec![1.0, 2.0], vec![3.0, 4.0]]);

    // A first line with one number is data, and then its other field is reported.
    let p = file("half-header.csv", "x,1\n2,3\n");
    assert_eq!(read_err(&p, None), "line 1, column 1: `x` is not a number");

    // Quoted fields and a byte order mark are understood.
    let p = file("quoted.csv", "\u{feff}\"a\",\"b\"\n\"1.5\",2\n");
    let t = read_csv(&p, None).unwrap();
    assert_eq!(t.header, Some(vec!["a".to_owned(), "b".to_owned()]));
    assert_eq!(rows(&t.points), vec![vec![1.5, 2.0]]);
}

#[test]
fn blank_lines_are_skipped_and_counted() {
    let text = "\n\n  \nx,y\n\n1,2\n \n3,abc\n\n";
    let p = file("blank.csv", text);
    assert_eq!(
        read_err(&p, None),
        "line 8, column 2: `abc` is not a number"
    );
    let p = file("blank-crlf.csv", &text.replace('\n', "\r\n"));
    assert_eq!(
        read_err(&p, None),
        "line 8, column 2: `abc` is not a number"
    );

    // Leading, inner and trailing blank lines around good rows.
    let text = "\r\n\na,b\r\n1,2\r\n\r\n\r\n3,4\r\n\n\n";
    let t = read_csv(file("blank-good.csv", text), None).unwrap();
    assert_eq!(rows(&t.points), vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
    assert_eq!(t.header.unwrap(), ["a", "b"]);

    // The line of a short row after blank lines, with the dimension from line 2.
    let p = file("blank-ragged.csv", "\n1,2\n\n\n5\n");
    assert_eq!(
        read_err(&p, None),
        "line 5: 1 column, expected 2 like line 2"
    );
    // The very last line, without a line end.
    let p = file("last-line.csv", "1,2\r\n3,4\r\n\r\n5,x");
    assert_eq!(read_err(&p, None), "line 4, column 2: `x` is not a number");
}

#[test]
fn wrong_column_counts() {
    let p = file("ragged.csv", "1,2\n1,2,3\n");
    assert_eq!(
        read_err(&p, None),
        "line 2: 3 columns, expected 2 like line 1"
    );
    assert_eq!(
        read_err(&p, Some(2)),
        "line 2: 3 columns, the model needs 2"
    );
    assert_eq!(
        read_err(&p, Some(3)),
        "line 1: 2 columns, the model needs 3"
    );
    let p = file("ragged-header.csv", "a,b\n1,2,3\n");
    assert_eq!(
        read_err(&p, None),
        "line 2: 3 columns, expected 2 like line 1"
    );
    assert_eq!(
        read_err(&p, Some(3)),
        "line 1: 2 columns, the model needs 3"
    );

    let err = read_csv(&p, None).unwrap_err();
    assert_eq!(
        err,
        DataError::CsvLine {
            path: p.clone(),
            line: 2,
            column: None,
            reason: "3 columns, expected 2 like line 1".to_owned(),
        }
    );
    assert_eq!(read_csv(&p, Some(0)).unwrap_err(), DataError::ZeroDim);
}

#[test]
fn values_that_are_not_finite_numbers() {
    let cases = [
        ("1,2\nNaN,1\n", "line 2, column 1: `NaN` is not finite"),
        ("1,2\n1,inf\n", "line 2, column 2: `inf` is not finite"),
        (
            "1,2\n-Infinity,0\n",
            "line 2, column 1: `-Infinity` is not finite",
        ),
        ("1,2\n3,abc\n", "line 2, column 2: `abc` is not a number"),
        (
            "1,2,3\n4,5,6\n7,8,1.2.3\n",
            "line 3, column 3: `1.2.3` is not a number",
        ),
        (
            "1,2\n3,\n",
            "line 2, column 2: an empty field is not a number",
        ),
        (
            "1,2\n1e39,0\n",
            "line 2, column 1: `1e39` is too large for a 32-bit float",
        ),
        ("nan,1\n", "line 1, column 1: `nan` is not finite"),
    ];
    for (i, (text, want)) in cases.into_iter().enumerate() {
        let p = file(&format!("bad-{i}.csv"), text);
        assert_eq!(read_err(&p, None), want, "{text:?}");
    }
}

#[test]
fn one_and_a_hundred_columns() {
    let p = file("one.csv", "v\n1\n-2\n3e2\n");
    let t = read_csv(&p, None).unwrap();
    assert_eq!(t.points.dim(), 1);
    assert_eq!(t.points.values(), &[1.0, -2.0, 300.0]);
    assert_eq!(t.header.unwrap(), ["v"]);

    let header: Vec<String> = (0..100).map(|j| format!("c{j}")).collect();
    let mut text = header.join(",") + "\n";
    let mut want = Vec::new();
    for i in 0..30 {
        let row: Vec<f32> = (0..100).map(|j| (i * 100 + j) as f32 / 8.0).collect();
        text += &row.iter().map(f32::to_string).collect::<Vec<_>>().join(",");
        text += "\n";
        want.extend(row);
    }
    let t = read_csv(file("hundred.csv", &text), Some(100)).unwrap();
    assert_eq!(t.header.unwrap(), header);
    assert_eq!(t.points, Points::new(100, want).unwrap());
}

#[test]
fn files_without_data() {
    for (name, text) in [
        ("empty.csv", ""),
        ("blank-only.csv", "\n  \n\r\n"),
        ("header-only.csv", "x,y\n"),
        ("header-then-blank.csv", "x,y\n\n \n"),
    ] {
        let p = file(name, text);
        assert_eq!(read_err(&p, None), "no data rows", "{name}");
        assert!(matches!(
            CsvReader::open(&p, None, 10),
            Err(DataError::CsvFile { .. })
        ));
    }
}

#[test]
fn missing_files_and_directories() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("flow-data-csv-dir");
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(read_err(&dir, None), "is a directory, not a CSV file");

    let missing = dir.join("no-such-file.csv");
    let io = std::fs::File::open(&missing).unwrap_err().to_string();
    assert_eq!(read_err(&missing, None), io);
    assert!(io.contains("No such file"), "{io}");
}

#[test]
fn chunks_give_the_rows_of_the_whole_file() {
    let mut text = String::from("a,b,c\n");
    for i in 0..1000 {
        if i % 97 == 0 {
            text += "\n";
        }
        text += &format!("{i},{},{}\r\n", i as f32 * 0.5, -(i as f32));
    }
    let p = file("chunks.csv", &text);
    let whole = read_csv(&p, None).unwrap();
    assert_eq!(whole.points.len(), 1000);

    let mut reader = CsvReader::open(&p, Some(3), 64).unwrap();
    assert_eq!(reader.dim(), 3);
    assert_eq!(reader.header().unwrap(), ["a", "b", "c"]);
    assert_eq!(reader.path(), p.as_path());
    let mut sizes = Vec::new();
    let mut values = Vec::new();
    for chunk in reader.by_ref() {
        let chunk = chunk.unwrap();
        sizes.push(chunk.len());
        values.extend_from_slice(chunk.values());
    }
    assert_eq!(sizes.len(), 16);
    assert!(sizes[..15].iter().all(|&s| s == 64) && sizes[15] == 1000 - 15 * 64);
    assert_eq!(reader.rows_read(), 1000);
    assert_eq!(values, whole.points.values());
    assert!(reader.next_chunk().unwrap().is_none());

    // One row per chunk, and a chunk as large as the file.
    let one: Vec<Points> = CsvReader::open(&p, None, 1)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(one.len(), 1000);
    assert!(one.iter().all(|c| c.len() == 1));
    let all: Vec<Points> = CsvReader::open(&p, None, 5000)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all, vec![whole.points.clone()]);

    // A bad row part way: the chunks before it come, then its error, then nothing.
    let broken = text.replacen("700,350,-700", "700,350,oops", 1);
    let p = file("chunks-broken.csv", &broken);
    let mut reader = CsvReader::open(&p, None, 100).unwrap();
    let mut good = 0;
    let err = loop {
        match reader.next().unwrap() {
            Ok(chunk) => good += chunk.len(),
            Err(e) => break e,
        }
    };
    assert_eq!(good, 700);
    // Row 700 comes after the header, 8 blank lines (before rows 0, 97, …, 679) and 700 rows.
    assert_eq!(
        message(&p, err),
        "line 710, column 3: `oops` is not a number"
    );
    assert!(reader.next().is_none());
}

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets")
        .join(name)
}

#[test]
fn shipped_faithful_data() {
    let t = read_csv(asset("faithful.csv"), None).unwrap();
    assert_eq!(t.header.unwrap(), ["eruptions", "waiting"]);
    assert_eq!((t.points.len(), t.points.dim()), (272, 2));
    assert_eq!(t.points.row(0), &[3.6, 79.0]);
    let mean = |j: usize| t.points.iter_rows().map(|r| f64::from(r[j])).sum::<f64>() / 272.0;
    // The well-known means: 3.4878 minutes of eruption, 70.897 minutes of waiting.
    assert!((mean(0) - 3.4878).abs() < 1e-3, "{}", mean(0));
    assert!((mean(1) - 70.897).abs() < 1e-3, "{}", mean(1));
}

#[test]
fn shipped_digits_data() {
    let t = read_csv(asset("digits.csv"), Some(64)).unwrap();
    let header = t.header.unwrap();
    assert_eq!(header.len(), 64);
    assert_eq!((header[0].as_str(), header[63].as_str()), ("p0", "p63"));
    assert_eq!(t.points.len(), 1797);
    assert!(
        t.points
            .values()
            .iter()
            .all(|&v| v.fract() == 0.0 && (0.0..=16.0).contains(&v))
    );
    // The corner pixels are blank, the centre ones often inked.
    let col_mean = |j: usize| t.points.iter_rows().map(|r| f64::from(r[j])).sum::<f64>() / 1797.0;
    assert_eq!(col_mean(0), 0.0);
    assert!(col_mean(8 * 3 + 3) > 5.0);
}

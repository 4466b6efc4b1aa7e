//! NumPy's `.npy` files on the command line: a `.npy` file trains the same model as a CSV
//! file of the same numbers; `score`, `encode`, `decode`, `sample` and `data` write `.npy`
//! for a name ending in `.npy` and read it back; a bad `.npy` file fails with one line.

use std::path::{Path, PathBuf};

use flow_data::{read_csv, read_npy};

use crate::common::{run_err, run_ok, s, scratch_dir, summary};

/// `flow-train data` of the moons into `path` (CSV or `.npy` by its name).
fn moons(path: &Path) {
    run_ok(&[
        "data",
        "--dataset",
        "moons",
        "-n",
        "600",
        "--seed",
        "3",
        "--out",
        s(path),
    ]);
}

/// Trains a small RealNVP flow on `data` into `dir`; returns its test NLL.
fn train_on(data: &Path, dir: &Path) -> f64 {
    run_ok(&[
        "train",
        "--flow",
        "realnvp",
        "--transforms",
        "2",
        "--hidden",
        "8",
        "--data",
        s(data),
        "--max-epochs",
        "3",
        "--batch-size",
        "64",
        "--seed",
        "5",
        "--device",
        "flex",
        "--artifact-dir",
        s(dir),
    ]);
    summary(dir).test_nll.expect("a test NLL")
}

/// Runs `command` (`score`, `encode`, `decode`) of the model in `dir` on `input` into `out`.
fn map(command: &str, dir: &Path, input: &Path, out: &Path) {
    run_ok(&[
        command,
        "--artifact-dir",
        s(dir),
        "--device",
        "flex",
        "--input",
        s(input),
        "--out",
        s(out),
    ]);
}

#[test]
fn npy_and_csv_of_the_same_numbers_give_the_same_model_and_outputs() {
    let work = scratch_dir("npy-same");
    let (csv, npy) = (work.join("moons.csv"), work.join("moons.npy"));
    moons(&csv);
    moons(&npy);
    let from_csv = read_csv(&csv, Some(2)).unwrap().points;
    assert_eq!(read_npy(&npy, Some(2)).unwrap(), from_csv);

    let (run_csv, run_npy) = (work.join("run-csv"), work.join("run-npy"));
    let nll = train_on(&csv, &run_csv);
    assert_eq!(train_on(&npy, &run_npy), nll);
    let export = |run: &Path, name: &str| {
        let out = work.join(name);
        run_ok(&[
            "export",
            "--artifact-dir",
            s(run),
            "--device",
            "flex",
            "--out",
            s(&out),
        ]);
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
        json["transforms"].clone()
    };
    let weights = export(&run_csv, "csv.json");
    assert!(
        weights.as_array().is_some_and(|t| !t.is_empty()),
        "{weights}"
    );
    assert_eq!(
        export(&run_npy, "npy.json"),
        weights,
        "the two runs' weights differ"
    );

    // score: the same numbers either way, in either format.
    let scores_csv = work.join("scores.csv");
    let scores_npy = work.join("scores.npy");
    map("score", &run_csv, &csv, &scores_csv);
    map("score", &run_npy, &npy, &scores_npy);
    let scores = read_npy(&scores_npy, Some(1)).unwrap();
    assert_eq!(scores, read_csv(&scores_csv, Some(1)).unwrap().points);
    assert_eq!(scores.len(), 600);

    // encode to .npy, decode from it: the points come back.
    let (codes, decoded) = (work.join("z.npy"), work.join("x.npy"));
    map("encode", &run_npy, &npy, &codes);
    map("decode", &run_npy, &codes, &decoded);
    let decoded = read_npy(&decoded, Some(2)).unwrap();
    assert_eq!(decoded.len(), from_csv.len());
    let worst = decoded
        .values()
        .iter()
        .zip(from_csv.values())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-4, "decode(encode(x)) is {worst} from x");

    // sample: N rows of D columns.
    let samples = work.join("samples.npy");
    run_ok(&[
        "sample",
        "--artifact-dir",
        s(&run_npy),
        "--device",
        "flex",
        "-n",
        "50",
        "--out",
        s(&samples),
    ]);
    let samples = read_npy(&samples, Some(2)).unwrap();
    assert_eq!(samples.len(), 50);
    let _ = std::fs::remove_dir_all(&work);
}

/// A copy of `good`'s bytes named `name` in `work`, with `from` replaced by `to` (of the same
/// length, so that the header keeps its size) or, with `cut`, that many bytes dropped at the
/// end.
fn patched(work: &Path, good: &[u8], name: &str, from: &[u8], to: &[u8], cut: usize) -> PathBuf {
    assert_eq!(from.len(), to.len());
    let mut bytes = good.to_vec();
    if !from.is_empty() {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from)
            .unwrap_or_else(|| panic!("{from:?} is not in the file"));
        bytes[at..at + from.len()].copy_from_slice(to);
    }
    bytes.truncate(bytes.len() - cut);
    let path = work.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn bad_npy_files_fail_with_one_line_and_write_nothing() {
    let work = scratch_dir("npy-bad");
    let good = work.join("good.npy");
    moons(&good);
    let bytes = std::fs::read(&good).unwrap();
    let mut nan_bytes = bytes.clone();
    let last_value = bytes.len() - 4;
    nan_bytes[last_value..].copy_from_slice(&f32::NAN.to_le_bytes());
    // Headers that lie about the data: more rows, fewer, more columns, another dtype, or
    // not a header at all.
    let lies = |name: &str, to: &[u8]| patched(&work, &bytes, name, b"(600, 2), }   ", to, 0);
    let cases: [(PathBuf, &[&str]); 11] = [
        (
            lies("long.npy", b"(6000, 2), }  "),
            &["long.npy", "truncated", "6000 × 2 float32 values"],
        ),
        (
            lies("few.npy", b"(60, 2), }    "),
            &["few.npy", "corrupt", "60 × 2 float32 values"],
        ),
        (
            lies("wide.npy", b"(600, 20), }  "),
            &["wide.npy", "truncated", "600 × 20"],
        ),
        (
            lies("garbled.npy", b"(600, 2)      "),
            &["garbled.npy", "header cannot be read"],
        ),
        (
            patched(&work, &bytes, "wide-dtype.npy", b"<f4", b"<f8", 0),
            &["wide-dtype.npy", "truncated", "float64"],
        ),
        (
            patched(&work, &bytes, "fortran.npy", b"False", b"True ", 0),
            &["fortran.npy", "Fortran order"],
        ),
        (
            patched(&work, &bytes, "int.npy", b"<f4", b"<i4", 0),
            &["int.npy", "dtype <i4 is not supported"],
        ),
        (
            patched(&work, &bytes, "flat.npy", b"(600, 2), }", b"(1200,), } ", 0),
            &["flat.npy", "1-D array"],
        ),
        (
            patched(
                &work,
                &bytes,
                "cube.npy",
                b"(600, 2), }   ",
                b"(2, 300, 2), }",
                0,
            ),
            &["cube.npy", "3-D array of shape (2, 300, 2)"],
        ),
        (
            patched(&work, &bytes, "short.npy", b"", b"", 8),
            &["short.npy", "truncated"],
        ),
        (
            {
                let path = work.join("nan.npy");
                std::fs::write(&path, &nan_bytes).unwrap();
                path
            },
            &["nan.npy", "row 600, column 2 (a[599, 1])", "not finite"],
        ),
    ];
    for (data, needles) in cases {
        let dir = work.join("run");
        run_err(
            &[
                "train",
                "--data",
                s(&data),
                "--device",
                "flex",
                "--artifact-dir",
                s(&dir),
            ],
            2,
            needles,
        );
        assert!(!dir.exists(), "{} was created", dir.display());
    }
    let _ = std::fs::remove_dir_all(&work);
}

//! Tests of generation, validation and splitting (no tensors).

use flow_data::{
    CHECKERBOARD_DIM, DataError, DatasetKind, Points, SPLIT_SEED_MIX, checkerboard, make_splits,
    split,
};

/// Cell index `(⌊x/2⌋, ⌊y/2⌋)`, each in `-2..=1`.
fn cell(p: &[f32]) -> (i32, i32) {
    ((p[0] / 2.0).floor() as i32, (p[1] / 2.0).floor() as i32)
}

/// The 8 allowed cells: by the definition, ⌊x2⌋ = (⌊x1⌋ mod 2) − 2B ≡ ⌊x1⌋ (mod 2), and
/// ⌊X/2⌋ = ⌊x1⌋, ⌊Y/2⌋ = ⌊x2⌋, so the cell index sum is even.
fn allowed_cells() -> Vec<(i32, i32)> {
    let mut v = Vec::new();
    for i in -2..2 {
        for j in -2..2 {
            if (i + j) % 2 == 0 {
                v.push((i, j));
            }
        }
    }
    v
}

#[test]
fn support_is_the_eight_even_cells() {
    let pts = checkerboard(50_000, 1);
    assert_eq!(pts.len(), 50_000);
    assert_eq!(pts.dim(), CHECKERBOARD_DIM);
    let allowed = allowed_cells();
    assert_eq!(allowed.len(), 8);
    for p in pts.iter_rows() {
        assert!(
            p.iter().all(|v| (-4.0..4.0).contains(v)),
            "point {p:?} outside [-4, 4)^2"
        );
        assert!(allowed.contains(&cell(p)), "point {p:?} in a white cell");
    }
}

#[test]
fn cell_masses_and_within_cell_uniformity() {
    let n = 200_000;
    let pts = checkerboard(n, 7);
    let allowed = allowed_cells();
    let mut count = [0usize; 8];
    let mut sum = [[0.0f64; 2]; 8];
    let mut sum_sq = [[0.0f64; 2]; 8];
    for p in pts.iter_rows() {
        let k = allowed.iter().position(|c| *c == cell(p)).unwrap();
        count[k] += 1;
        for d in 0..2 {
            let v = f64::from(p[d]);
            sum[k][d] += v;
            sum_sq[k][d] += v * v;
        }
    }
    for (k, &(i, j)) in allowed.iter().enumerate() {
        let frac = count[k] as f64 / n as f64;
        assert!(
            (frac - 0.125).abs() < 0.005,
            "cell {:?} mass {frac}",
            (i, j)
        );
        let centre = [2.0 * f64::from(i) + 1.0, 2.0 * f64::from(j) + 1.0];
        let m = count[k] as f64;
        for d in 0..2 {
            let mean = sum[k][d] / m;
            // U[a, a+2): mean a+1 (sd of the mean ≈ 0.0058), variance 1/3.
            assert!(
                (mean - centre[d]).abs() < 0.03,
                "cell {:?} mean {mean}",
                (i, j)
            );
            let var = sum_sq[k][d] / m - mean * mean;
            assert!(
                (var - 1.0 / 3.0).abs() < 0.02,
                "cell {:?} var {var}",
                (i, j)
            );
        }
    }
}

#[test]
fn reproducible_from_seed() {
    let a = checkerboard(1000, 42);
    let b = checkerboard(1000, 42);
    let c = checkerboard(1000, 43);
    assert_eq!(a, b);
    assert_ne!(a.values(), c.values());
    // A prefix of a longer draw is the shorter draw.
    assert_eq!(checkerboard(10, 42).values(), &a.values()[..20]);
    assert_eq!(DatasetKind::Checkerboard.generate(1000, 42), a);
}

#[test]
fn points_new_validates() {
    assert_eq!(Points::new(0, vec![]), Err(DataError::ZeroDim));
    assert_eq!(
        Points::new(2, vec![1.0, 2.0, 3.0]),
        Err(DataError::LengthNotMultiple { len: 3, dim: 2 })
    );
    assert!(matches!(
        Points::new(2, vec![0.0, 1.0, 2.0, f32::NAN]),
        Err(DataError::NonFinite { row: 1, col: 1, .. })
    ));
    assert!(matches!(
        Points::new(2, vec![f32::INFINITY, 1.0]),
        Err(DataError::NonFinite { row: 0, col: 0, .. })
    ));
    assert_eq!(
        Points::from_rows(2, [vec![1.0, 2.0], vec![3.0]]),
        Err(DataError::DimensionMismatch {
            expected: 2,
            found: 1,
            row: 1
        })
    );
    let p = Points::new(3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    assert_eq!((p.len(), p.dim(), p.is_empty()), (2, 3, false));
    assert_eq!(p.row(1), &[4.0, 5.0, 6.0]);
    assert_eq!(p.iter_rows().count(), 2);
    assert_eq!(Points::from_rows(3, p.iter_rows()).unwrap(), p);
    let e = Points::new(2, vec![]).unwrap();
    assert!(e.is_empty());
    assert_eq!(e.len(), 0);
}

#[test]
fn gather_copies_the_rows_in_the_order_asked() {
    // Dimensions 1–4 copy fixed-width rows, the others slices: both against the rows.
    for dim in 1..=6 {
        let values: Vec<f32> = (0..7 * dim).map(|v| v as f32 * 0.5 - 3.0).collect();
        let points = Points::new(dim, values).unwrap();
        let indices = [6, 0, 3, 3, 1];
        let expected: Vec<f32> = indices
            .iter()
            .flat_map(|&i| points.row(i).to_vec())
            .collect();
        assert_eq!(points.gather(&indices), expected, "dim {dim}");
        assert!(points.gather(&[]).is_empty());
    }
}

#[test]
fn points_as_burn_dataset() {
    use burn::data::dataset::Dataset;
    let p = Points::new(2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(Dataset::len(&p), 2);
    assert_eq!(p.get(1).unwrap(), vec![3.0, 4.0]);
    let all: Vec<Vec<f32>> = Dataset::iter(&p).map(Result::unwrap).collect();
    assert_eq!(all, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
}

/// Sorted rows, for comparing point multisets.
fn sorted_rows(p: &Points) -> Vec<Vec<f32>> {
    let mut rows: Vec<Vec<f32>> = p.iter_rows().map(<[f32]>::to_vec).collect();
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rows
}

#[test]
fn split_sizes_and_permutation() {
    let pts = checkerboard(1000, 3);
    let s = split(pts.clone(), 600, 300, 100, 9).unwrap();
    assert_eq!(
        (s.train.len(), s.valid.len(), s.test.len()),
        (600, 300, 100)
    );
    let mut joined = s.train.values().to_vec();
    joined.extend_from_slice(s.valid.values());
    joined.extend_from_slice(s.test.values());
    let joined = Points::new(2, joined).unwrap();
    // Together a permutation of the input, and actually shuffled.
    assert_eq!(sorted_rows(&joined), sorted_rows(&pts));
    assert_ne!(joined, pts);
    // Same seed, same splits; other seed, other splits.
    assert_eq!(split(pts.clone(), 600, 300, 100, 9).unwrap(), s);
    assert_ne!(split(pts.clone(), 600, 300, 100, 10).unwrap(), s);
    // Fewer than all points: still disjoint subsets.
    let s = split(pts.clone(), 10, 20, 30, 1).unwrap();
    let mut joined = s.train.values().to_vec();
    joined.extend_from_slice(s.valid.values());
    joined.extend_from_slice(s.test.values());
    let joined = Points::new(2, joined).unwrap();
    let mut rows = sorted_rows(&joined);
    rows.dedup();
    assert_eq!(rows.len(), 60);
    let all = sorted_rows(&pts);
    assert!(
        rows.iter()
            .all(|r| all.binary_search_by(|a| a.partial_cmp(r).unwrap()).is_ok())
    );
}

#[test]
fn split_errors() {
    let pts = checkerboard(100, 0);
    assert_eq!(
        split(pts.clone(), 0, 10, 10, 0),
        Err(DataError::EmptySplit { part: "train" })
    );
    assert_eq!(
        split(pts.clone(), 10, 0, 10, 0),
        Err(DataError::EmptySplit { part: "valid" })
    );
    assert_eq!(
        split(pts.clone(), 10, 10, 0, 0),
        Err(DataError::EmptySplit { part: "test" })
    );
    let err = split(pts.clone(), 50, 40, 11, 0).unwrap_err();
    assert!(matches!(
        err,
        DataError::SplitTooLarge {
            requested: 101,
            available: 100,
            ..
        }
    ));
    assert!(err.to_string().contains("only 100 are available"), "{err}");
    assert!(matches!(
        split(pts, usize::MAX, 1, 1, 0),
        Err(DataError::SplitTooLarge { .. })
    ));
    assert!(matches!(
        make_splits(DatasetKind::Checkerboard, usize::MAX, 1, 1, 0),
        Err(DataError::SplitTooLarge { .. })
    ));
    assert_eq!(
        make_splits(DatasetKind::Checkerboard, 5, 0, 5, 0),
        Err(DataError::EmptySplit { part: "valid" })
    );
}

#[test]
fn make_splits_is_generate_then_split() {
    let s = make_splits(DatasetKind::Checkerboard, 70, 20, 10, 5).unwrap();
    assert_eq!(
        s,
        make_splits(DatasetKind::Checkerboard, 70, 20, 10, 5).unwrap()
    );
    let expected = split(checkerboard(100, 5), 70, 20, 10, 5 ^ SPLIT_SEED_MIX).unwrap();
    assert_eq!(s, expected);
    assert_ne!(
        s,
        make_splits(DatasetKind::Checkerboard, 70, 20, 10, 6).unwrap()
    );
}

#[test]
fn dataset_kind_names() {
    let k: DatasetKind = "checkerboard".parse().unwrap();
    assert_eq!(k, DatasetKind::Checkerboard);
    assert_eq!(" Checkerboard ".parse::<DatasetKind>().unwrap(), k);
    assert_eq!(k.to_string(), "checkerboard");
    assert_eq!(k.dim(), 2);
    let err = "spiral".parse::<DatasetKind>().unwrap_err();
    assert!(matches!(err, DataError::UnknownDataset { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("\"spiral\"") && msg.contains("checkerboard"),
        "{msg}"
    );
}

#[test]
fn dataset_kind_serde_lowercase() {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};
    let de: StrDeserializer<'_, Error> = "checkerboard".into_deserializer();
    assert_eq!(
        DatasetKind::deserialize(de).unwrap(),
        DatasetKind::Checkerboard
    );
    let de: StrDeserializer<'_, Error> = "Checkerboard".into_deserializer();
    assert!(DatasetKind::deserialize(de).is_err());
}

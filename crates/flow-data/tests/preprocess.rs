//! Standardisation, dequantisation and splits by fractions.

use flow_data::{
    DataError, Points, Standardizer, checkerboard, dequantize, fraction_sizes, split,
    split_fractions,
};

/// Column means and population standard deviations, computed here independently.
fn column_stats(p: &Points) -> (Vec<f64>, Vec<f64>) {
    let n = p.len() as f64;
    let d = p.dim();
    let mut mean = vec![0.0; d];
    let mut sq = vec![0.0; d];
    for r in p.iter_rows() {
        for j in 0..d {
            mean[j] += f64::from(r[j]) / n;
            sq[j] += f64::from(r[j]).powi(2) / n;
        }
    }
    let sd = (0..d).map(|j| (sq[j] - mean[j] * mean[j]).sqrt()).collect();
    (mean, sd)
}

#[test]
fn standardizer_fits_known_mean_and_scale() {
    // Column 0: 1, 2, 3, 4 (mean 2.5, population sd √1.25); column 1: 10, 10, 30, 30
    // (mean 20, sd 10); column 2: constant 7 (scale 1).
    let p = Points::new(
        3,
        vec![
            1.0, 10.0, 7.0, 2.0, 10.0, 7.0, 3.0, 30.0, 7.0, 4.0, 30.0, 7.0,
        ],
    )
    .unwrap();
    let s = Standardizer::fit(&p);
    assert_eq!(s.mean, vec![2.5, 20.0, 7.0]);
    assert!((s.scale[0] - 1.25f64.sqrt()).abs() < 1e-12);
    assert_eq!(s.scale[1..], [10.0, 1.0]);
    assert_eq!(s.dim(), 3);

    let z = s.apply(&p);
    let (m, sd) = column_stats(&z);
    for j in 0..2 {
        assert!(
            m[j].abs() < 1e-6 && (sd[j] - 1.0).abs() < 1e-6,
            "{m:?} {sd:?}"
        );
    }
    // The constant column is only shifted, to 0.
    assert!(z.iter_rows().all(|r| r[2] == 0.0));
    assert_eq!(z.row(0)[1], -1.0);
    assert_eq!(z.row(3)[1], 1.0);

    let back = s.undo(&z);
    for (a, b) in back.values().iter().zip(p.values()) {
        assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }

    // Serialised for a config file, and back.
    let json = serde_json::to_string(&s).unwrap();
    assert!(
        json.contains("\"mean\"") && json.contains("\"scale\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Standardizer>(&json).unwrap(), s);
}

#[test]
fn standardizer_round_trip_on_random_data() {
    // Checkerboard points stretched and moved: known population moments.
    let base = checkerboard(20_000, 3);
    let moved: Vec<f32> = base
        .iter_rows()
        .flat_map(|r| [r[0] * 3.0 + 100.0, r[1] * 0.01 - 5.0])
        .collect();
    let p = Points::new(2, moved).unwrap();
    let s = Standardizer::fit(&p);
    let (mean, sd) = column_stats(&p);
    for j in 0..2 {
        assert!((s.mean[j] - mean[j]).abs() < 1e-6 * mean[j].abs().max(1.0));
        assert!((s.scale[j] - sd[j]).abs() < 1e-6 * sd[j]);
    }
    // U[−4, 4) has sd 8/√12 ≈ 2.31, so the scales are about 6.93 and 0.0231.
    assert!((s.scale[0] - 3.0 * 8.0 / 12f64.sqrt()).abs() < 0.05);
    assert!((s.scale[1] - 0.01 * 8.0 / 12f64.sqrt()).abs() < 0.0005);
    let back = s.undo(&s.apply(&p));
    for (a, b) in back.values().iter().zip(p.values()) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }
    // An empty set fits the identity.
    let e = Standardizer::fit(&Points::new(2, vec![]).unwrap());
    assert_eq!(e, Standardizer::identity(2));
    assert_eq!(e.log_abs_det(), 0.0);
}

#[test]
fn log_abs_det_is_the_jacobian_of_apply() {
    let s = Standardizer {
        mean: vec![1.0, -2.0, 0.5],
        scale: vec![2.0, 0.25, 10.0],
    };
    // A diagonal map x ↦ (x − m)/s has Jacobian diag(1/s): log|det| = Σ ln(1/s).
    let want: f64 = s.scale.iter().map(|v| (1.0 / v).ln()).sum();
    assert!((s.log_abs_det() - want).abs() < 1e-12);
    assert!((s.log_abs_det() - (1.0 / (2.0 * 0.25 * 10.0f64)).ln()).abs() < 1e-12);

    // Numerically: the volume of a small box grows by exp(log_abs_det) under apply.
    let h = 1e-2f32;
    let corner = [0.3f32, 0.7, -1.1];
    let mut rows = vec![corner.to_vec()];
    for j in 0..3 {
        let mut r = corner.to_vec();
        r[j] += h;
        rows.push(r);
    }
    let z = s.apply(&Points::from_rows(3, &rows).unwrap());
    let mut volume = 1.0f64;
    for j in 0..3 {
        volume *= f64::from(z.row(j + 1)[j] - z.row(0)[j]) / f64::from(h);
    }
    assert!((volume.ln() - s.log_abs_det()).abs() < 1e-3, "{volume}");

    // Change of variables for a 1-D Gaussian: if z = (x − m)/s is N(0, 1), then x is N(m, s²)
    // and log p_x(x) = log p_z(z) + log_abs_det.
    let s1 = Standardizer {
        mean: vec![3.0],
        scale: vec![2.0],
    };
    let x = 4.2f64;
    let z = f64::from(s1.apply(&Points::new(1, vec![x as f32]).unwrap()).values()[0]);
    let log_pz = -0.5 * z * z - 0.5 * (2.0 * std::f64::consts::PI).ln();
    let log_px = -0.5 * ((x - 3.0) / 2.0f64).powi(2)
        - (2.0f64).ln()
        - 0.5 * (2.0 * std::f64::consts::PI).ln();
    assert!((log_pz + s1.log_abs_det() - log_px).abs() < 1e-6);
}

#[test]
fn standardizer_errors() {
    let s = Standardizer::identity(2);
    assert!(matches!(
        s.try_apply(&Points::new(3, vec![1.0, 2.0, 3.0]).unwrap()),
        Err(DataError::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    let tiny = Standardizer {
        mean: vec![0.0],
        scale: vec![1e-30],
    };
    assert!(matches!(
        tiny.try_apply(&Points::new(1, vec![1e10]).unwrap()),
        Err(DataError::NonFinite { .. })
    ));
}

#[test]
#[should_panic(expected = "dimension mismatch")]
fn standardizer_apply_panics_on_other_dimension() {
    Standardizer::identity(2).apply(&Points::new(1, vec![1.0]).unwrap());
}

#[test]
fn dequantized_values_stay_in_their_cells() {
    let ints: Vec<f32> = (0..20_000)
        .map(|i| ((i * 7919) % 17) as f32 - 3.0)
        .collect();
    let p = Points::new(4, ints).unwrap();
    let d = dequantize(&p, 5);
    assert_eq!((d.len(), d.dim()), (p.len(), p.dim()));
    let mut noise = Vec::new();
    for (&y, &k) in d.values().iter().zip(p.values()) {
        assert!(y >= k && y < k + 1.0, "{y} not in [{k}, {k} + 1)");
        noise.push(f64::from(y - k));
    }
    // U[0, 1): mean ½, variance 1/12.
    let n = noise.len() as f64;
    let m = noise.iter().sum::<f64>() / n;
    let v = noise.iter().map(|u| (u - m).powi(2)).sum::<f64>() / n;
    assert!(
        (m - 0.5).abs() < 0.01 && (v - 1.0 / 12.0).abs() < 0.005,
        "{m} {v}"
    );
    // Reproducible from the seed.
    assert_eq!(dequantize(&p, 5), d);
    assert_ne!(dequantize(&p, 6), d);
    // Large integers (below 2^24) whose cell top f32 rounding would reach stay below it.
    let big = Points::new(1, vec![16_777_000.0; 1000]).unwrap();
    for &y in dequantize(&big, 1).values() {
        assert!((16_777_000.0..16_777_001.0).contains(&y), "{y}");
    }
}

#[test]
fn fraction_splits_sizes_and_disjointness() {
    let pts = checkerboard(272, 1);
    assert_eq!(fraction_sizes(272, 0.1, 0.1).unwrap(), (218, 27, 27));
    assert_eq!(fraction_sizes(100, 0.29, 0.2).unwrap(), (51, 29, 20));
    assert_eq!(fraction_sizes(3, 0.2, 0.2).unwrap(), (1, 1, 1));
    let s = split_fractions(pts.clone(), 0.1, 0.1, 4).unwrap();
    assert_eq!((s.train.len(), s.valid.len(), s.test.len()), (218, 27, 27));
    // The same shuffle as `split` with those sizes: every row used once.
    assert_eq!(s, split(pts.clone(), 218, 27, 27, 4).unwrap());
    let mut all: Vec<Vec<f32>> = [&s.train, &s.valid, &s.test]
        .iter()
        .flat_map(|p| p.iter_rows().map(<[f32]>::to_vec))
        .collect();
    let mut want: Vec<Vec<f32>> = pts.iter_rows().map(<[f32]>::to_vec).collect();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    want.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(all, want);
    // Reproducible; another seed shuffles otherwise.
    assert_eq!(split_fractions(pts.clone(), 0.1, 0.1, 4).unwrap(), s);
    assert_ne!(split_fractions(pts, 0.1, 0.1, 5).unwrap(), s);
}

#[test]
fn fraction_split_errors() {
    let pts = checkerboard(10, 1);
    for (valid, test) in [
        (0.0, 0.1),
        (0.1, 1.0),
        (0.5, 0.5),
        (-0.1, 0.2),
        (f64::NAN, 0.1),
    ] {
        let err = split_fractions(pts.clone(), valid, test, 0).unwrap_err();
        assert!(
            matches!(err, DataError::BadFractions { .. }),
            "{valid} {test}"
        );
    }
    // 0.1 of 4 rows rounds to 0: 5 rows are the fewest for non-empty splits.
    let err = split_fractions(checkerboard(4, 1), 0.1, 0.1, 0).unwrap_err();
    assert_eq!(
        err,
        DataError::TooFewRows {
            rows: 4,
            valid: 0.1,
            test: 0.1,
            needed: 5
        }
    );
    let msg = err.to_string();
    assert!(!msg.contains('\n'));
    assert!(
        msg.starts_with("4 rows are too few for train/valid/test splits")
            && msg.contains("at least 5 rows"),
        "{msg}"
    );
    assert!(fraction_sizes(5, 0.1, 0.1).is_ok());
    // Fractions that leave little for training: the fewest rows found are the first that work.
    // 3, 4 and 5 rows leave no training row (valid/test 1/2, 2/2, 2/3); 6 rows give 1/2/3.
    let needed = match fraction_sizes(2, 0.4, 0.55) {
        Err(DataError::TooFewRows { needed, .. }) => needed,
        other => panic!("{other:?}"),
    };
    assert_eq!(needed, 6);
    assert_eq!(fraction_sizes(6, 0.4, 0.55).unwrap(), (1, 2, 3));
    assert!((3..6).all(|n| fraction_sizes(n, 0.4, 0.55).is_err()));
    assert_eq!(
        fraction_sizes(2, 0.2, 0.2)
            .unwrap_err()
            .to_string()
            .split("at least ")
            .nth(1),
        Some("3 rows are needed (each split needs a row)")
    );
}

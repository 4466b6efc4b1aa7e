//! Files larger than memory: the row-by-row splits of a streamed `.npy` file and the loaders
//! that read it, checked against the rows the file was written with.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use flow_data::{
    ContextColumns, NpyWriter, Part, PartLoader, PassOrder, Points, RowTransform, Standardizer,
    StreamedFile,
};

use crate::csv::message;

/// A `.npy` file of `rows` rows `[r, r / 2, −r]` (row `r` names itself in its first column).
fn numbered_file(name: &str, rows: usize) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let mut writer = NpyWriter::create(&path, 3).unwrap();
    for r in 0..rows {
        let r = r as f32;
        writer.rows(&[r, r / 2.0, -r]).unwrap();
    }
    writer.finish().unwrap();
    path
}

/// The first column of every row of one pass, batch by batch.
fn pass(loader: &dyn DataLoader<flow_data::PointBatch>) -> Vec<Vec<usize>> {
    loader
        .iter()
        .map(|batch| {
            let points = batch.unwrap().points;
            let [rows, width] = points.dims();
            let values = points.into_data().iter::<f32>().collect::<Vec<f32>>();
            (0..rows).map(|i| values[i * width] as usize).collect()
        })
        .collect()
}

/// Every value of every batch of one pass, batch by batch.
fn batch_values(loader: &dyn DataLoader<flow_data::PointBatch>) -> Vec<Vec<f32>> {
    loader
        .iter()
        .map(|batch| batch.unwrap().points.into_data().iter::<f32>().collect())
        .collect()
}

fn shuffled(file: &Arc<StreamedFile>, batch: usize, passes_done: usize) -> PartLoader {
    PartLoader::new(
        file.clone(),
        Part::Train,
        RowTransform::default(),
        batch,
        PassOrder::Shuffled { seed: 4 },
        passes_done,
        &Device::flex(),
    )
}

#[test]
fn the_parts_cover_every_row_once_in_file_order() {
    let path = numbered_file("stream-parts.npy", 10_000);
    let file = StreamedFile::open(&path, Some(3), [8000, 1000, 1000], 3).unwrap();
    let mut seen = HashSet::new();
    for part in Part::ALL {
        let rows: Vec<usize> = file
            .chunks(part, 700)
            .flat_map(|chunk| {
                let chunk = chunk.unwrap();
                assert!(chunk.len() <= 700);
                chunk
                    .iter_rows()
                    .map(|row| {
                        assert_eq!(row[1], row[0] / 2.0);
                        row[0] as usize
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(rows.len(), file.part_len(part), "{part:?}");
        assert!(
            rows.windows(2).all(|w| w[0] < w[1]),
            "{part:?} in file order"
        );
        seen.extend(rows);
    }
    assert_eq!(seen.len(), 10_000);
    // Another seed, other parts.
    let other = StreamedFile::open(&path, Some(3), [8000, 1000, 1000], 4).unwrap();
    let valid = |f: &StreamedFile| -> Vec<f32> {
        f.chunks(Part::Valid, 1000)
            .next()
            .unwrap()
            .unwrap()
            .values()
            .to_vec()
    };
    assert_ne!(valid(&file), valid(&other));
}

#[test]
fn a_shuffled_pass_yields_each_training_row_once_in_a_new_order_each_pass() {
    let path = numbered_file("stream-shuffle.npy", 20_000);
    let file = Arc::new(StreamedFile::open(&path, None, [16_000, 2000, 2000], 1).unwrap());
    // Pools of two blocks: several pools, each shuffled on its own.
    let loader = shuffled(&file, 1000, 0).with_pool_bytes(2 * 4096 * 3 * 4);
    let first = pass(&loader);
    let second = pass(&loader);
    assert_eq!(first.len(), 16);
    assert!(first.iter().all(|b| b.len() == 1000));
    let train: HashSet<usize> = file
        .chunks(Part::Train, 16_000)
        .next()
        .unwrap()
        .unwrap()
        .iter_rows()
        .map(|r| r[0] as usize)
        .collect();
    for order in [&first, &second] {
        let rows: Vec<usize> = order.concat();
        assert_eq!(rows.iter().copied().collect::<HashSet<_>>(), train);
        assert_eq!(rows.len(), 16_000);
    }
    assert_ne!(first, second);
    // A batch mixes the file: its rows are not a run of neighbours.
    let batch = &first[0];
    let spread = batch.iter().max().unwrap() - batch.iter().min().unwrap();
    assert!(spread > 4000, "spread {spread}");

    // A loader resumed after one pass makes the second pass.
    let resumed = shuffled(&file, 1000, 1).with_pool_bytes(2 * 4096 * 3 * 4);
    assert_eq!(pass(&resumed), second);

    // Two slices (two devices' shares) make the pass between them, in order.
    let fresh = shuffled(&file, 1000, 0).with_pool_bytes(2 * 4096 * 3 * 4);
    let (a, b) = (fresh.slice(0, 7_300), fresh.slice(7_300, 16_000));
    assert_eq!((a.num_items(), b.num_items()), (7_300, 8_700));
    let joined: Vec<usize> = [pass(a.as_ref()).concat(), pass(b.as_ref()).concat()].concat();
    assert_eq!(joined, first.concat());
}

#[test]
fn a_part_that_fits_one_pool_is_shuffled_across_the_whole_file() {
    let path = numbered_file("stream-one-pool.npy", 20_000);
    let file = Arc::new(StreamedFile::open(&path, None, [16_000, 2000, 2000], 1).unwrap());
    let first = pass(&shuffled(&file, 16_000, 0));
    // One batch of every training row: its first half holds about half of each half of the file.
    let early = first[0][..8000].iter().filter(|&&r| r < 10_000).count();
    assert!((3700..=4300).contains(&early), "{early}");
}

#[test]
fn in_order_batches_go_through_the_transform() {
    let path = numbered_file("stream-transform.npy", 9000);
    let file = Arc::new(StreamedFile::open(&path, None, [7000, 1000, 1000], 2).unwrap());
    let context = ContextColumns::from_positions(&[1], 3).unwrap();
    let standardizer = Standardizer {
        mean: vec![1.0, 0.0, 0.0],
        scale: vec![2.0, 1.0, 1.0],
    };
    let transform = RowTransform {
        context: Some(context.clone()),
        standardizer: Some(standardizer.clone()),
    };
    let loader = PartLoader::new(
        file.clone(),
        Part::Valid,
        transform,
        300,
        PassOrder::InOrder,
        0,
        &Device::flex(),
    );
    let batches = batch_values(&loader);
    assert_eq!(batches.len(), 4);
    let expected = file.chunks(Part::Valid, 1000).next().unwrap().unwrap();
    let expected = standardizer.apply(&context.to_model_order(&expected));
    assert_eq!(batches.concat(), expected.values());
    // The same pass again.
    let again = batch_values(&loader).concat();
    assert_eq!(again, batches.concat());
}

#[test]
fn a_bad_value_anywhere_is_refused_on_opening() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stream-nan.npy");
    let mut writer = NpyWriter::create(&path, 2).unwrap();
    for r in 0..9000 {
        let second = if r == 8765 { f32::NAN } else { 1.0 };
        writer.rows(&[r as f32, second]).unwrap();
    }
    writer.finish().unwrap();
    let error = StreamedFile::open(&path, None, [7000, 1000, 1000], 0).unwrap_err();
    assert_eq!(
        message(&path, error),
        "row 8766, column 2 (a[8765, 1]): NaN is not finite"
    );
    let error = StreamedFile::open(&path, None, [7000, 1000, 999], 0).unwrap_err();
    assert!(error.to_string().contains("8999"), "{error}");
}

#[test]
fn chunked_moments_equal_the_whole_sets() {
    let path = numbered_file("stream-moments.npy", 5000);
    let file = StreamedFile::open(&path, None, [4000, 500, 500], 8).unwrap();
    let whole = Standardizer::fit(&file.chunks(Part::Train, 4000).next().unwrap().unwrap());
    let chunked = Standardizer::fit_chunks(3, file.chunks(Part::Train, 333)).unwrap();
    for (a, b) in whole
        .mean
        .iter()
        .chain(&whole.scale)
        .zip(chunked.mean.iter().chain(&chunked.scale))
    {
        assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{a} vs {b}");
    }
    // One chunk is fitted exactly as the whole set.
    let train = file.chunks(Part::Train, 4000).next().unwrap();
    assert_eq!(Standardizer::fit_chunks(3, [train]).unwrap(), whole);
    let empty: Vec<Result<Points, flow_data::DataError>> = Vec::new();
    assert_eq!(
        Standardizer::fit_chunks(3, empty).unwrap(),
        Standardizer::identity(3)
    );
}

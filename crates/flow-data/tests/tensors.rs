//! Batcher and data loader tests on the flex backend.

use burn::data::dataloader::DataLoader;
use burn::data::dataloader::batcher::Batcher;
use burn::tensor::Device;
use flow_data::{PointBatcher, Points, checkerboard, dataloader};

fn device() -> Device {
    Device::flex()
}

#[test]
fn batcher_shape_and_values() {
    let dev = device();
    let items = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, -6.5]];
    let batch = PointBatcher::new(2).batch(items, &dev);
    assert_eq!(batch.points.dims(), [3, 2]);
    let got = batch.points.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(got, vec![1.0, 2.0, 3.0, 4.0, 5.0, -6.5]);
}

#[test]
#[should_panic(expected = "expects dimension 2")]
fn batcher_rejects_wrong_dimension() {
    PointBatcher::new(2).batch(vec![vec![1.0, 2.0], vec![3.0]], &device());
}

/// Rows of all batches of one pass, plus the batch sizes.
fn one_pass(
    loader: &dyn burn::data::dataloader::DataLoader<flow_data::PointBatch>,
) -> (Vec<usize>, Vec<Vec<f32>>) {
    let mut sizes = Vec::new();
    let mut rows = Vec::new();
    for batch in loader.iter() {
        let batch = batch.unwrap();
        let [b, d] = batch.points.dims();
        assert_eq!(d, 2);
        sizes.push(b);
        let flat = batch.points.into_data().try_to_vec::<f32>().unwrap();
        rows.extend(flat.chunks_exact(2).map(<[f32]>::to_vec));
    }
    (sizes, rows)
}

#[test]
fn dataloader_covers_all_points() {
    let dev = device();
    let pts = checkerboard(103, 11);
    let expected: Vec<Vec<f32>> = pts.iter_rows().map(<[f32]>::to_vec).collect();

    // In order: ⌈103/10⌉ = 11 batches, the last of 3, rows unchanged.
    let loader = dataloader(pts.clone(), 10, None, &dev);
    assert_eq!(loader.num_items(), 103);
    let (sizes, rows) = one_pass(loader.as_ref());
    assert_eq!(sizes.len(), 11);
    assert!(sizes[..10].iter().all(|&s| s == 10) && sizes[10] == 3);
    assert_eq!(rows, expected);

    // Shuffled: same batch count, a permutation of the points, not the original order,
    // reproducible for a given seed.
    let loader = dataloader(pts.clone(), 10, Some(4), &dev);
    let (sizes, rows) = one_pass(loader.as_ref());
    assert_eq!(sizes.len(), 11);
    assert_ne!(rows, expected);
    let sort = |mut v: Vec<Vec<f32>>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    };
    assert_eq!(sort(rows.clone()), sort(expected.clone()));
    let (_, rows_again) = one_pass(dataloader(pts, 10, Some(4), &dev).as_ref());
    assert_eq!(rows_again, rows);

    // Exact multiple: 4 points in batches of 2.
    let small = Points::new(2, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]).unwrap();
    let (sizes, _) = one_pass(dataloader(small, 2, None, &dev).as_ref());
    assert_eq!(sizes, vec![2, 2]);
}

#[test]
fn a_resumed_loader_continues_the_sequence_of_shuffles() {
    let dev = device();
    let points = checkerboard(64, 5);
    // The Learner moves the loader to its device once, then makes one pass per epoch.
    let fresh = dataloader(points.clone(), 16, Some(9), &dev).to_device(&dev);
    let passes: Vec<_> = (0..4).map(|_| one_pass(fresh.as_ref()).1).collect();
    assert_ne!(passes[2], passes[3], "each pass must reshuffle");

    let inner = dataloader(points, 16, Some(9), &dev);
    let resumed = flow_data::ResumedLoader::new(inner, 2).to_device(&dev);
    assert_eq!(one_pass(resumed.as_ref()).1, passes[2]);
    assert_eq!(one_pass(resumed.as_ref()).1, passes[3]);
}

/// The loader as it was built before items became row indices: Burn's loader over the points
/// themselves, each item an owned `Vec<f32>`, stacked by `PointBatcher`.
fn vec_item_loader(
    points: Points,
    batch_size: usize,
    shuffle_seed: Option<u64>,
    device: &Device,
) -> std::sync::Arc<dyn DataLoader<flow_data::PointBatch>> {
    let mut builder =
        burn::data::dataloader::DataLoaderBuilder::new(PointBatcher::new(points.dim()))
            .batch_size(batch_size)
            .set_device(device.clone());
    if let Some(seed) = shuffle_seed {
        builder = builder.shuffle(seed);
    }
    builder.build(points)
}

/// Every batch of one pass, flattened, with the batch shapes.
fn batches(loader: &dyn DataLoader<flow_data::PointBatch>) -> Vec<([usize; 2], Vec<f32>)> {
    loader
        .iter()
        .map(|b| {
            let b = b.unwrap();
            (
                b.points.dims(),
                b.points.into_data().try_to_vec::<f32>().unwrap(),
            )
        })
        .collect()
}

#[test]
fn index_loader_yields_the_batches_of_the_vec_loader() {
    let dev = device();
    let three_d = Points::new(3, (0..3 * 77).map(|i| i as f32 * 0.25).collect()).unwrap();
    for (points, batch_size, seed) in [
        (checkerboard(103, 11), 10, Some(4)),
        (checkerboard(103, 11), 10, None),
        (checkerboard(64, 5), 16, Some(9)),
        (three_d.clone(), 8, Some(1)),
        (three_d, 200, Some(2)),
    ] {
        let new = dataloader(points.clone(), batch_size, seed, &dev);
        let old = vec_item_loader(points, batch_size, seed, &dev);
        assert_eq!(new.num_items(), old.num_items());
        // Several passes (each reshuffles), also after moving to a device and slicing, as the
        // Learner does.
        for pass in 0..3 {
            assert_eq!(batches(new.as_ref()), batches(old.as_ref()), "pass {pass}");
        }
        let (new_moved, old_moved) = (new.to_device(&dev), old.to_device(&dev));
        for pass in 0..2 {
            assert_eq!(
                batches(new_moved.as_ref()),
                batches(old_moved.as_ref()),
                "moved, pass {pass}"
            );
        }
        let (new_part, old_part) = (new.slice(3, 40), old.slice(3, 40));
        assert_eq!(
            batches(new_part.as_ref()),
            batches(old_part.as_ref()),
            "slice"
        );
        let resumed_new = flow_data::ResumedLoader::new(new, 2).to_device(&dev);
        let resumed_old = flow_data::ResumedLoader::new(old, 2).to_device(&dev);
        assert_eq!(
            batches(resumed_new.as_ref()),
            batches(resumed_old.as_ref()),
            "resumed"
        );
    }
}

#[test]
fn row_batcher_gathers_rows() {
    use flow_data::RowBatcher;
    let dev = device();
    let points = Points::new(2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let batcher = RowBatcher::new(std::sync::Arc::new(points));
    let batch = batcher.batch(vec![2, 0, 2], &dev);
    assert_eq!(batch.points.dims(), [3, 2]);
    assert_eq!(
        batch.points.into_data().try_to_vec::<f32>().unwrap(),
        vec![5.0, 6.0, 1.0, 2.0, 5.0, 6.0]
    );
}

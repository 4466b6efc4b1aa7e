//! How a run's batches are shared among its devices. Burn's multi-device strategy gives each
//! device a contiguous slice of the training rows, takes one batch from every device per step
//! and adds their gradients before one optimizer step; with one device it is plain training.

/// Data-parallel training on a number of devices (workers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataParallel {
    devices: usize,
}

impl DataParallel {
    /// Training on `devices` workers (at least 1).
    pub fn new(devices: usize) -> Self {
        assert!(devices > 0, "data-parallel training needs a device");
        Self { devices }
    }

    /// The rows of each device's batch: its share of the global `batch`, rounded up.
    pub fn device_batch(&self, batch: usize) -> usize {
        batch.div_ceil(self.devices)
    }

    /// The factor of each device's mean loss: Burn adds the devices' gradients, so each is
    /// scaled by `1/n` and the step is the global batch's mean gradient, as on one device.
    pub fn loss_scale(&self) -> f64 {
        1.0 / self.devices as f64
    }

    /// The rows of each device's slice of `rows`, as Burn's `split_dataloader` cuts them
    /// (equal slices, the remainder to the last).
    fn slices(&self, rows: usize) -> impl Iterator<Item = usize> {
        let share = rows / self.devices;
        (0..self.devices).map(move |i| match i + 1 == self.devices {
            true => rows - share * (self.devices - 1),
            false => share,
        })
    }

    /// Optimizer steps per pass over `rows` in global batches of `batch`: as many as the
    /// device with the most batches makes.
    pub fn steps(&self, rows: usize, batch: usize) -> usize {
        let batch = self.device_batch(batch);
        self.slices(rows)
            .map(|slice| slice.div_ceil(batch))
            .max()
            .unwrap_or(0)
    }

    /// The batches made per pass over `rows`, all devices together.
    pub fn batches(&self, rows: usize, batch: usize) -> usize {
        let batch = self.device_batch(batch);
        self.slices(rows).map(|slice| slice.div_ceil(batch)).sum()
    }

    /// The number of devices.
    pub fn devices(&self) -> usize {
        self.devices
    }
}

#[cfg(test)]
mod tests {
    use super::DataParallel;

    #[test]
    fn one_device_trains_as_without_the_strategy() {
        let one = DataParallel::new(1);
        assert_eq!(one.device_batch(512), 512);
        assert_eq!(one.loss_scale(), 1.0);
        assert_eq!(one.steps(1001, 512), 2);
        assert_eq!(one.batches(1001, 512), 2);
    }

    #[test]
    fn devices_share_each_batch_and_scale_their_losses() {
        let two = DataParallel::new(2);
        assert_eq!(two.device_batch(512), 256);
        assert_eq!(two.device_batch(511), 256);
        assert_eq!(two.loss_scale(), 0.5);
        // Slices of 500 and 501 rows, two batches of at most 256 each.
        assert_eq!(two.steps(1001, 512), 2);
        assert_eq!(two.batches(1001, 512), 4);
        // Slices of 3, 3 and 4 rows in batches of 2: the last device makes one more.
        let three = DataParallel::new(3);
        assert_eq!(three.device_batch(6), 2);
        assert_eq!(three.steps(10, 6), 2);
        assert_eq!(three.batches(10, 6), 6);
    }
}

//! Progress of a training run: a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::train::epoch::EpochRecord;

/// How often a plain progress line is printed when stdout is not a terminal.
const LINE_INTERVAL: Duration = Duration::from_secs(2);

/// Reports one update per epoch.
pub struct Progress {
    shown: bool,
    bar: Option<ProgressBar>,
    max_epochs: usize,
    /// What the metric is called (`NLL`, `loss`).
    metric: &'static str,
    last_line: Option<Instant>,
}

impl Progress {
    /// A bar when stdout is a terminal, else plain lines at most every two seconds; nothing
    /// unless `shown`.
    pub fn new(shown: bool, max_epochs: usize, metric: &'static str) -> Self {
        let bar = (shown && std::io::stdout().is_terminal()).then(|| {
            let bar = ProgressBar::new(max_epochs as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] epoch {pos}/{len} {msg}",
                )
                .expect("the progress template is valid")
                .progress_chars("=> "),
            );
            bar
        });
        Self {
            shown,
            bar,
            max_epochs,
            metric,
            last_line: None,
        }
    }

    /// Reports the end of an epoch.
    pub fn epoch(&mut self, row: &EpochRecord, best: Option<&EpochRecord>) {
        let best = best.map_or_else(String::new, |b| {
            format!("  best {:.4} (epoch {})", b.valid_nll, b.epoch)
        });
        let metric = self.metric;
        let message = format!(
            "train {metric} {:.4}  valid {metric} {:.4}{best}",
            row.train_nll, row.valid_nll
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(row.epoch as u64);
                bar.set_message(message);
            }
            None if self.shown => {
                let due = self.last_line.is_none_or(|t| t.elapsed() >= LINE_INTERVAL);
                if due || row.epoch == self.max_epochs {
                    println!(
                        "epoch {}/{}  {message}  [{:.1} s]",
                        row.epoch, self.max_epochs, row.seconds
                    );
                    self.last_line = Some(Instant::now());
                }
            }
            None => {}
        }
    }

    /// Removes the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

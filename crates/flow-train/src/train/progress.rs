//! Progress of a training run: a bar on a terminal, plain lines otherwise.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::train::epoch::EpochRecord;

/// How often a plain progress line is printed when the stream is not a terminal.
const LINE_INTERVAL: Duration = Duration::from_secs(2);

/// Where the progress of a run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressTo {
    /// Nowhere (timed runs).
    Hidden,
    /// Standard output, as the command line reports.
    Stdout,
    /// Standard error, leaving standard output to the caller (the Python package).
    Stderr,
}

impl ProgressTo {
    /// Whether the stream is a terminal (then a bar is drawn, on standard error).
    fn is_terminal(self) -> bool {
        match self {
            Self::Hidden => false,
            Self::Stdout => std::io::stdout().is_terminal(),
            Self::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// Reports one update per epoch.
pub struct Progress {
    to: ProgressTo,
    bar: Option<ProgressBar>,
    max_epochs: usize,
    /// What the metric is called (`NLL`, `loss`).
    metric: &'static str,
    last_line: Option<Instant>,
}

impl Progress {
    /// A bar when `to` is a terminal, else plain lines at most every two seconds; nothing
    /// when `to` is [`ProgressTo::Hidden`].
    pub fn new(to: ProgressTo, max_epochs: usize, metric: &'static str) -> Self {
        let bar = to.is_terminal().then(|| {
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
            to,
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
            None if self.to != ProgressTo::Hidden => {
                let due = self.last_line.is_none_or(|t| t.elapsed() >= LINE_INTERVAL);
                if due || row.epoch == self.max_epochs {
                    let line = format!(
                        "epoch {}/{}  {message}  [{:.1} s]",
                        row.epoch, self.max_epochs, row.seconds
                    );
                    // A closed stream loses the line, not the run.
                    let _ = match self.to {
                        ProgressTo::Stderr => writeln!(std::io::stderr(), "{line}"),
                        _ => writeln!(std::io::stdout(), "{line}"),
                    };
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

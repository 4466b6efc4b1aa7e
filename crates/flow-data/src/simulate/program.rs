//! A simulator that is any program of the user's, run as a shell command line once per batch
//! of parameters.
//!
//! The protocol: the batch goes to the program's standard input as CSV (a header
//! `theta1,…,thetaK`, then one row per parameter vector, then end of file); the program
//! writes one CSV row of `x` per input row, in order, to its standard output, optionally
//! after a header line. Its standard error is the user's terminal. Rows holding a NaN or an
//! infinite value (a simulation that failed) are dropped and counted, as sbi does; anything
//! else that is wrong ends the run with an error naming the batch and the row.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::ops::Range;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::Simulations;
use crate::error::DataError;
use crate::points::Points;

/// A user's simulator program, with how many parameter vectors each call takes and how many
/// calls run at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    command: String,
    batch: usize,
    jobs: usize,
}

/// What [`Program::run`] simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramRun {
    /// The kept pairs `(θ, x)`, in the order of the parameters given.
    pub simulations: Simulations,
    /// The simulations dropped for a NaN or infinite value in `x`.
    pub dropped: usize,
    /// The number of calls of the program.
    pub batches: usize,
}

/// One call's output: `rows × width` values of `x`, row-major.
struct BatchOutput {
    width: usize,
    values: Vec<f64>,
}

impl Program {
    /// The program run by `sh -c command`, given `batch ≥ 1` parameter vectors per call,
    /// `jobs ≥ 1` calls at once.
    pub fn new(command: impl Into<String>, batch: usize, jobs: usize) -> Result<Self, DataError> {
        let command = command.into();
        let reason = match (command.trim().is_empty(), batch, jobs) {
            (true, _, _) => Some("the command is empty"),
            (_, 0, _) => Some("the batch size must be at least 1"),
            (_, _, 0) => Some("the number of jobs must be at least 1"),
            _ => None,
        };
        match reason {
            Some(reason) => Err(DataError::Program {
                reason: reason.into(),
            }),
            None => Ok(Self {
                command,
                batch,
                jobs,
            }),
        }
    }

    /// The shell command line.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Simulates at each row of `theta` (`N × K`), calling the program on batches of rows,
    /// [`jobs`](Program::new) batches at once. `keep` receives each batch's kept pairs in
    /// order, batch 1 first, as soon as the batches before it have been kept; after an error
    /// (in a batch, or from `keep`) no later batch is kept.
    pub fn run<E: From<DataError>>(
        &self,
        theta: &Points,
        mut keep: impl FnMut(&Simulations) -> Result<(), E>,
    ) -> Result<ProgramRun, E> {
        let n = theta.len();
        if n == 0 {
            return Err(DataError::Program {
                reason: "there are no parameters to simulate".into(),
            }
            .into());
        }
        let batches = n.div_ceil(self.batch);
        let rows = |b: usize| b * self.batch..((b + 1) * self.batch).min(n);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (sender, outputs) = mpsc::channel();
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.min(batches) {
                let sender = sender.clone();
                let (next, stop) = (&next, &stop);
                scope.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        if b >= batches {
                            break;
                        }
                        let output = self.call(theta, rows(b), b);
                        if sender.send((b, output)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            let mut kept = Collected::new(theta.dim());
            let mut waiting = BTreeMap::new();
            for (b, output) in outputs {
                waiting.insert(b, output);
                while let Some(output) = waiting.remove(&kept.batches) {
                    let batch = output
                        .and_then(|output| kept.add(theta, rows(kept.batches), output))
                        .map_err(E::from)
                        .and_then(|batch| keep(&batch));
                    if let Err(error) = batch {
                        stop.store(true, Ordering::Relaxed);
                        return Err(error);
                    }
                }
            }
            kept.finish().map_err(E::from)
        })
    }

    /// Runs the program on the rows `rows` of `theta` (batch `b`, counted from 0).
    fn call(&self, theta: &Points, rows: Range<usize>, b: usize) -> Result<BatchOutput, DataError> {
        let failed = |reason: String| DataError::Program {
            reason: format!(
                "batch {} (simulations {}–{}) of `{}`: {reason}",
                b + 1,
                rows.start + 1,
                rows.end,
                self.command
            ),
        };
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| failed(format!("could not start `sh`: {e}")))?;
        let input = input_csv(theta, rows.clone());
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // Written beside the reading, so that a program that answers as it reads never
        // blocks; a program that stops reading early (a broken pipe) is judged by its output.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut text = String::new();
        let read = child
            .stdout
            .take()
            .expect("stdout is piped")
            .read_to_string(&mut text);
        let _ = writer.join();
        let status = child
            .wait()
            .map_err(|e| failed(format!("could not wait for the program: {e}")))?;
        if !status.success() {
            return Err(failed(match status.code() {
                Some(code) => format!("the program exited with status {code}"),
                None => format!("the program was stopped ({status})"),
            }));
        }
        read.map_err(|e| failed(format!("its output could not be read as text: {e}")))?;
        parse_output(&text, rows.len()).map_err(failed)
    }
}

/// The CSV a batch sends: the header `theta1,…,thetaK`, then the rows `rows` of `theta`
/// (each value written so that it reads back as the same `f32`).
fn input_csv(theta: &Points, rows: Range<usize>) -> String {
    let header: Vec<String> = (1..=theta.dim()).map(|i| format!("theta{i}")).collect();
    let mut text = header.join(",") + "\n";
    for i in rows {
        let row: Vec<String> = theta.row(i).iter().map(f32::to_string).collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    text
}

/// Reads `expected` rows of numbers from a program's output, after an optional header (a
/// first line of which no field is a number); the error names the row and column.
fn parse_output(text: &str, expected: usize) -> Result<BatchOutput, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut width = None;
    let mut values = Vec::with_capacity(expected);
    let mut rows = 0;
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("its output is not CSV: {e}"))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let is_header = line == 0 && record.iter().all(|v| v.parse::<f64>().is_err());
        if is_header {
            continue;
        }
        rows += 1;
        let width = *width.get_or_insert(record.len());
        if record.len() != width {
            return Err(format!(
                "row {rows} of its output has {} values, its first row {width}",
                record.len()
            ));
        }
        for (column, value) in record.iter().enumerate() {
            let value = value.parse::<f64>().map_err(|_| {
                format!(
                    "row {rows} of its output: `{value}` in column {} is not a number",
                    column + 1
                )
            })?;
            values.push(value);
        }
    }
    if rows != expected {
        return Err(format!(
            "it wrote {rows} rows of x for the {expected} parameter vectors it was given"
        ));
    }
    Ok(BatchOutput {
        width: width.unwrap_or(0),
        values,
    })
}

/// The kept pairs of the batches delivered so far.
struct Collected {
    theta_dim: usize,
    x_dim: Option<usize>,
    values: Vec<f32>,
    dropped: usize,
    batches: usize,
}

impl Collected {
    fn new(theta_dim: usize) -> Self {
        Self {
            theta_dim,
            x_dim: None,
            values: Vec::new(),
            dropped: 0,
            batches: 0,
        }
    }

    /// Keeps the finite rows of the next batch (the rows `rows` of `theta`); its kept pairs.
    fn add(
        &mut self,
        theta: &Points,
        rows: Range<usize>,
        output: BatchOutput,
    ) -> Result<Simulations, DataError> {
        let b = self.batches + 1;
        let width = *self.x_dim.get_or_insert(output.width);
        if output.width != width {
            return Err(DataError::Program {
                reason: format!(
                    "batch {b} (simulations {}–{}): its rows have {} values, those of batch 1 \
                     had {width}",
                    rows.start + 1,
                    rows.end,
                    output.width
                ),
            });
        }
        let mut batch = Vec::with_capacity(rows.len() * (self.theta_dim + width));
        for (i, x) in rows.zip(output.values.chunks_exact(width)) {
            let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            if x.iter().all(|v| v.is_finite()) {
                batch.extend_from_slice(theta.row(i));
                batch.extend(x);
            } else {
                self.dropped += 1;
            }
        }
        self.values.extend_from_slice(&batch);
        self.batches += 1;
        let points = Points::new(self.theta_dim + width, batch)?;
        Simulations::new(self.theta_dim, points)
    }

    /// Everything kept; fails if nothing was.
    fn finish(self) -> Result<ProgramRun, DataError> {
        let width = self.theta_dim + self.x_dim.unwrap_or(0);
        if self.values.is_empty() {
            return Err(DataError::Program {
                reason: format!(
                    "all {} simulations gave a NaN or an infinite value: nothing to keep",
                    self.dropped
                ),
            });
        }
        let points = Points::new(width, self.values)?;
        Ok(ProgramRun {
            simulations: Simulations::new(self.theta_dim, points)?,
            dropped: self.dropped,
            batches: self.batches,
        })
    }
}

//! What a training run tells: a line per epoch on stdout, a progress bar on a terminal,
//! `metrics.csv` (a row per epoch) and `summary.json` in the output folder.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::fsutil::{write_atomic, write_json_atomic};
use crate::training::{EpochMetrics, Progress, TrainConfig};

/// The lab's per-epoch line, with the exact counts behind each accuracy.
pub fn epoch_line(m: &EpochMetrics, epochs: usize) -> String {
    format!(
        "epoch {:>w$}/{epochs}  loss {:.4}  train {:.2}% ({}/{})  test {:.2}% ({}/{})  [{:.2} s]",
        m.epoch,
        m.loss,
        m.train_accuracy(),
        m.train_correct,
        m.train_total,
        m.test_accuracy(),
        m.test_correct,
        m.test_total,
        m.train_seconds + m.eval_seconds,
        w = epochs.to_string().len(),
    )
}

/// The header of `metrics.csv`.
pub const CSV_HEADER: &str =
    "epoch,loss,train_accuracy,test_accuracy,train_correct,train_total,test_correct,test_total,train_seconds,eval_seconds";

/// `metrics.csv`: one row per epoch.
pub fn metrics_csv(epochs: &[EpochMetrics]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for m in epochs {
        out.push_str(&format!(
            "{},{:.6},{:.4},{:.4},{},{},{},{},{:.4},{:.4}\n",
            m.epoch,
            m.loss,
            m.train_accuracy(),
            m.test_accuracy(),
            m.train_correct,
            m.train_total,
            m.test_correct,
            m.test_total,
            m.train_seconds,
            m.eval_seconds
        ));
    }
    out
}

/// Reads back a `metrics.csv` written by [`metrics_csv`].
pub fn read_metrics_csv(path: &Path) -> Result<Vec<EpochMetrics>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut lines = text.lines();
    if lines.next() != Some(CSV_HEADER) {
        anyhow::bail!("{}: not a handgrad metrics file (unexpected header)", path.display());
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            parse_row(line).ok_or_else(|| {
                anyhow::anyhow!("{}: line {} is not a metrics row: {line:?}", path.display(), i + 2)
            })
        })
        .collect()
}

fn parse_row(line: &str) -> Option<EpochMetrics> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() != 10 {
        return None;
    }
    Some(EpochMetrics {
        epoch: f[0].parse().ok()?,
        loss: f[1].parse().ok()?,
        train_correct: f[4].parse().ok()?,
        train_total: f[5].parse().ok()?,
        test_correct: f[6].parse().ok()?,
        test_total: f[7].parse().ok()?,
        train_seconds: f[8].parse().ok()?,
        eval_seconds: f[9].parse().ok()?,
    })
}

/// The run's summary, written as `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    /// handgrad's version.
    pub version: &'static str,
    /// Dataset name.
    pub dataset: &'static str,
    /// Where its files came from.
    pub data_origin: &'a str,
    /// Training images used.
    pub train_images: usize,
    /// Test images used.
    pub test_images: usize,
    /// The backend.
    pub backend: crate::backend::Backend,
    /// How the parameters started.
    pub init: crate::model::Init,
    /// The training settings (grad source, optimizer, lr, batch size, epochs, shuffle).
    pub config: &'a TrainConfig,
    /// Batches per epoch (⌊N / tb⌋).
    pub batches_per_epoch: usize,
    /// Training images left out of each epoch by the last partial batch.
    pub dropped_per_epoch: usize,
    /// The last epoch's metrics.
    pub last_epoch: Option<&'a EpochMetrics>,
    /// Seconds spent loading the data.
    pub load_seconds: f64,
    /// Seconds in SGD steps, all epochs.
    pub train_seconds: f64,
    /// Seconds evaluating, all epochs.
    pub eval_seconds: f64,
    /// Seconds from start to end of the run.
    pub total_seconds: f64,
    /// Every epoch.
    pub epochs: &'a [EpochMetrics],
}

/// Writes `metrics.csv` into `dir`.
pub fn write_metrics(dir: &Path, epochs: &[EpochMetrics]) -> Result<()> {
    write_atomic(&dir.join("metrics.csv"), metrics_csv(epochs).as_bytes())
}

/// Writes `metrics.csv` and `summary.json` into `dir`.
pub fn write_run_files(dir: &Path, summary: &Summary) -> Result<()> {
    write_metrics(dir, summary.epochs)?;
    write_json_atomic(&dir.join("summary.json"), summary)
}

/// A progress bar over the batches of an epoch, shown only when stderr is a terminal.
pub struct BatchBar {
    bar: Option<ProgressBar>,
    enabled: bool,
}

impl BatchBar {
    /// A bar if stderr is a terminal, nothing otherwise.
    pub fn for_stderr() -> Self {
        Self {
            bar: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for BatchBar {
    fn start_epoch(&mut self, epoch: usize, batches: usize) {
        if !self.enabled {
            return;
        }
        let bar = ProgressBar::new(batches as u64);
        if let Ok(style) =
            ProgressStyle::with_template("epoch {msg} [{bar:40}] {pos}/{len} batches {per_sec}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(epoch.to_string());
        self.bar = Some(bar);
    }

    fn batch_done(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn end_epoch(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

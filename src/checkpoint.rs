//! Checkpoints: what a run needs to continue exactly where it stood after its last completed
//! checkpointed epoch — the parameters, the settings, the metrics so far.
//!
//! There is no generator state to keep: the shuffle of epoch `e` is a function of
//! `(seed, e)`, and burn's `Sgd` without momentum keeps no state between steps. Resuming
//! therefore replays the interrupted epoch from its start with the same parameters, the same
//! batches in the same order, and ends with bit-identical weights on the same backend.
//!
//! A checkpoint is `checkpoint.json` plus the parameter file it names
//! (`checkpoint-e0003.bpk`). The parameters are written first, the JSON last: its atomic
//! rename commits the checkpoint, so a kill at any moment leaves the previous checkpoint or
//! the new one, never a mix. Parameter files of older checkpoints are removed afterwards.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::model::Model;
use crate::persist::{ModelMeta, load_vouched, save_vouched};
use crate::training::EpochMetrics;

/// The file that commits a checkpoint.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";

/// The content of `checkpoint.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The run's configuration and how far it got (`meta.epochs_done`).
    pub meta: ModelMeta,
    /// SGD steps done: `epochs_done × batches per epoch`.
    pub steps_done: usize,
    /// The parameter file, in the same folder.
    pub parameters: String,
    /// Every completed epoch's metrics.
    pub metrics: Vec<EpochMetrics>,
}

/// Writes a checkpoint of `model` into `dir`.
pub fn save(dir: &Path, model: &Model, checkpoint: &Checkpoint) -> Result<()> {
    let name = format!("checkpoint-e{:04}.bpk", checkpoint.meta.epochs_done);
    save_vouched(&dir.join(&name), &dir.join(CHECKPOINT_FILE), model, |fingerprint| Checkpoint {
        parameters: name.clone(),
        meta: ModelMeta {
            parameters_fnv1a: fingerprint,
            ..checkpoint.meta.clone()
        },
        ..checkpoint.clone()
    })?;
    remove_stale(dir, &name);
    Ok(())
}

/// Removes parameter files of older checkpoints.
fn remove_stale(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let stale_params = name.starts_with("checkpoint-e") && name.ends_with(".bpk") && name != keep;
        if stale_params {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Reads the checkpoint of a run folder and its parameters.
pub fn load(dir: &Path, device: &Device) -> Result<(Checkpoint, Model)> {
    if !dir.is_dir() {
        bail!("--resume {}: no such folder", dir.display());
    }
    let path = dir.join(CHECKPOINT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "--resume {}: no checkpoint in this folder (no {CHECKPOINT_FILE}); train writes one \
             every --checkpoint-every epochs",
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let checkpoint: Checkpoint = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{}: not a handgrad checkpoint ({e})", path.display()))?;
    let meta = &checkpoint.meta;
    let params = dir.join(&checkpoint.parameters);
    let model = load_vouched(&params, &path, &meta.parameters_fnv1a, meta.architecture(), device)?;
    Ok((checkpoint, model))
}

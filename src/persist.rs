//! Models that outlive the process: the parameters in burn's record format (burnpack), and
//! the settings that made them in a small JSON file next to them. Both are written
//! atomically.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::data::DatasetKind;
use crate::fsutil::write_atomic;
use crate::model::{Architecture, Init, Model};
use crate::training::TrainConfig;

/// The parameters' file name in a run folder.
pub const MODEL_FILE: &str = "model.bpk";

/// What a saved model is and how it was trained.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelMeta {
    /// Which architecture (logreg, or mlp with its hidden units and activation).
    pub model: Architecture,
    /// The dataset it was trained on.
    pub dataset: DatasetKind,
    /// The folder the data came from, if not the default one.
    pub data_dir: Option<PathBuf>,
    /// The training settings (grad source, optimizer, lr, batch size, epochs, shuffle seed).
    pub config: TrainConfig,
    /// How the parameters started.
    pub init: Init,
    /// `--train-limit`, if any.
    #[serde(default)]
    pub train_limit: Option<usize>,
    /// `--test-limit`, if any.
    #[serde(default)]
    pub test_limit: Option<usize>,
    /// The seed of the run.
    pub seed: u64,
    /// Epochs trained.
    pub epochs_done: usize,
    /// The backend that trained it.
    pub backend: Backend,
    /// Test accuracy after the last epoch, in percent.
    pub test_accuracy: Option<f64>,
    /// FNV-1a hash of the parameter file, to catch a file that does not belong with this one
    /// (or was damaged); filled in when saving.
    #[serde(default)]
    pub parameters_fnv1a: String,
}

/// FNV-1a (64-bit) of some bytes, in hex: a cheap fingerprint, not a cryptographic one.
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The JSON file that goes with a model file (`model.bpk` → `model.json`).
pub fn meta_path(model_path: &Path) -> PathBuf {
    model_path.with_extension("json")
}

/// Encodes a module's parameters in burn's record format.
pub fn encode<M: Module>(model: &M) -> Result<Vec<u8>> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| anyhow!("cannot encode the model: {e:?}"))?;
    Ok(bytes.to_vec())
}

/// Loads parameters encoded by [`encode`] into a module of the same architecture.
pub fn decode<M: Module>(template: M, bytes: Vec<u8>, what: &Path) -> Result<M> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| {
        anyhow!("{}: not a handgrad model file, or a damaged one ({})", what.display(), brief(&e))
    })?;
    template.try_load_record(record).map_err(|e| {
        anyhow!(
            "{}: does not fit this model's architecture ({})",
            what.display(),
            brief(&e)
        )
    })
}

fn brief(e: &dyn std::fmt::Debug) -> String {
    let text = format!("{e:?}");
    let first = text.lines().next().unwrap_or("").to_string();
    first.chars().take(200).collect()
}

/// Saves a model and its settings as `dir/name` and the JSON file next to it. The
/// parameters are written first and the JSON, which carries their fingerprint, last: the
/// JSON's atomic rename is what commits the pair.
pub fn save_model_as(dir: &Path, name: &str, model: &Model, meta: &ModelMeta) -> Result<PathBuf> {
    let path = dir.join(name);
    let bytes = encode(model)?;
    write_atomic(&path, &bytes)?;
    let meta = ModelMeta {
        parameters_fnv1a: fnv1a(&bytes),
        ..meta.clone()
    };
    let mut json = serde_json::to_string_pretty(&meta)?;
    json.push('\n');
    write_atomic(&meta_path(&path), json.as_bytes())?;
    Ok(path)
}

/// Saves a model and its settings (`model.bpk` and `model.json` in `dir`).
pub fn save_model(dir: &Path, model: &Model, meta: &ModelMeta) -> Result<PathBuf> {
    save_model_as(dir, MODEL_FILE, model, meta)
}

/// Loads a saved model: `path` is the model file or the folder holding `model.bpk`.
pub fn load_model(path: &Path, device: &Device) -> Result<(Model, ModelMeta, PathBuf)> {
    let file = if path.is_dir() { path.join(MODEL_FILE) } else { path.to_path_buf() };
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{}: no such model file (train writes one with --out DIR)", file.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
    };
    let meta_file = meta_path(&file);
    let meta: ModelMeta = match std::fs::read_to_string(&meta_file) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| anyhow!("{}: not a handgrad model description ({e})", meta_file.display()))?,
        Err(_) => bail!(
            "{}: missing (it describes {} and is written next to it)",
            meta_file.display(),
            file.display()
        ),
    };
    if !meta.parameters_fnv1a.is_empty() && meta.parameters_fnv1a != fnv1a(&bytes) {
        bail!(
            "{}: does not match {} (damaged, or from another run)",
            file.display(),
            meta_file.display()
        );
    }
    let model = decode(meta.model.init(Init::Zeros, device), bytes, &file)?;
    Ok((model, meta, file))
}

//! Models that outlive the process: the parameters in burn's record format (burnpack), and
//! the run's configuration in a small JSON file next to them, which vouches for the
//! parameters by their fingerprint. The pair is committed atomically: parameters first, the
//! JSON's atomic rename last. A model (`model.bpk` + `model.json`) and a checkpoint
//! ([`crate::checkpoint`]) are both saved this way.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Deserializer, Serialize};

use crate::backend::Backend;
use crate::data::{DataSource, DatasetKind};
use crate::fsutil::{write_atomic, write_json_atomic};
use crate::invalid::{Invalid, Setting};
use crate::model::{Architecture, Init, Model, ModelConfig, Precision};
use crate::training::TrainConfig;

/// The parameters' file name in a run folder.
pub const MODEL_FILE: &str = "model.bpk";

/// The layout of `model.json` (and of a checkpoint's `meta`). Version 1 (no `format` field)
/// kept the settings flat; version 2 groups them as one [`RunConfig`]. Both are read.
pub const FORMAT: u32 = 2;

/// Everything that decides a run — what burn's guide calls the training config: the model,
/// the data, the training settings and the seed. Saved as it is with the model and every
/// checkpoint, and read back to resume, evaluate, predict or redraw.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Which model and how it starts.
    pub model: ModelConfig,
    /// Which data.
    pub data: DataConfig,
    /// How to train (epochs, η, batch size, order, gradient source, update rule).
    pub training: TrainConfig,
    /// The seed of the run (initialisation and shuffle).
    pub seed: u64,
}

/// The data a run trains and tests on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// The dataset.
    pub dataset: DatasetKind,
    /// The folder the data came from, if not the default one.
    pub data_dir: Option<PathBuf>,
    /// `--train-limit`, if any.
    pub train_limit: Option<usize>,
    /// `--test-limit`, if any.
    pub test_limit: Option<usize>,
}

impl RunConfig {
    /// Checks what the types alone do not (a file edited by hand may say anything).
    pub fn check(&self) -> std::result::Result<(), String> {
        // The lesson's own checks, said with the fields' names.
        let checked = self.model.architecture.validate().and_then(|()| self.training.validate(usize::MAX));
        checked.map_err(|Invalid { setting, problem }| {
            let field = match setting {
                Setting::Epochs => "epochs",
                Setting::LearningRate => "lr",
                Setting::BatchSize => "batch_size",
                Setting::HiddenUnits => "hidden",
            };
            format!("{field} {problem}")
        })
    }
}

impl DataConfig {
    /// Where to read the data from.
    pub fn source(&self) -> DataSource {
        DataSource {
            kind: self.dataset,
            dir: self.data_dir.clone(),
        }
    }

    /// Where to read the run's data from now: `dir` if given, else for MNIST the folder in
    /// HANDGRAD_DATA_DIR if set, else the folder the run was trained on.
    pub fn source_with(&self, dir: Option<PathBuf>) -> DataSource {
        let given = DataSource::with_default_dir(self.dataset, dir);
        DataSource { dir: given.dir.or_else(|| self.data_dir.clone()), ..given }
    }
}

/// What a saved model is and how far its run got: `model.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelMeta {
    /// [`FORMAT`].
    pub format: u32,
    /// The run's configuration.
    pub config: RunConfig,
    /// Epochs trained.
    pub epochs_done: usize,
    /// The backend that trained it.
    pub backend: Backend,
    /// Test accuracy after the last epoch, in percent.
    pub test_accuracy: Option<f64>,
    /// FNV-1a hash of the parameter file, to catch a file that does not belong with this one
    /// (or was damaged); filled in when saving.
    pub parameters_fnv1a: String,
    /// For a model made by `handgrad import` rather than trained: the files it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}

impl ModelMeta {
    /// A new run's description, before any epoch.
    pub fn new(config: RunConfig, backend: Backend) -> Self {
        Self {
            format: FORMAT,
            config,
            epochs_done: 0,
            backend,
            test_accuracy: None,
            parameters_fnv1a: String::new(),
            imported_from: None,
        }
    }

    /// The architecture of the saved model.
    pub fn architecture(&self) -> Architecture {
        self.config.model.architecture
    }

    /// The dataset it was trained on.
    pub fn dataset(&self) -> DatasetKind {
        self.config.data.dataset
    }
}

impl<'de> Deserialize<'de> for ModelMeta {
    /// Reads any known format: version 2 as it is, version 1 (the flat layout) converted.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let meta = match value.get("format").map(|f| f.as_u64()) {
            None => serde_json::from_value::<MetaV1>(value).map(ModelMeta::from).map_err(D::Error::custom)?,
            Some(Some(2)) => serde_json::from_value::<MetaV2>(value).map(|m| m.0).map_err(D::Error::custom)?,
            Some(version) => {
                return Err(D::Error::custom(format!(
                    "format version {}, which this handgrad cannot read (it reads versions 1 to {FORMAT})",
                    version.map_or("that is not a number".to_string(), |v| v.to_string())
                )));
            }
        };
        meta.config.check().map_err(D::Error::custom)?;
        Ok(meta)
    }
}

/// Version 2 as it is written.
struct MetaV2(ModelMeta);

impl<'de> Deserialize<'de> for MetaV2 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            format: u32,
            config: RunConfig,
            epochs_done: usize,
            backend: Backend,
            test_accuracy: Option<f64>,
            parameters_fnv1a: String,
            #[serde(default)]
            imported_from: Option<String>,
        }
        let f = Fields::deserialize(deserializer)?;
        Ok(MetaV2(ModelMeta {
            format: f.format,
            config: f.config,
            epochs_done: f.epochs_done,
            backend: f.backend,
            test_accuracy: f.test_accuracy,
            parameters_fnv1a: f.parameters_fnv1a,
            imported_from: f.imported_from,
        }))
    }
}

/// Version 1: the flat layout of handgrad's first releases.
#[derive(Deserialize)]
struct MetaV1 {
    model: Architecture,
    dataset: DatasetKind,
    data_dir: Option<PathBuf>,
    config: TrainConfig,
    init: Init,
    #[serde(default)]
    train_limit: Option<usize>,
    #[serde(default)]
    test_limit: Option<usize>,
    seed: u64,
    epochs_done: usize,
    backend: Backend,
    test_accuracy: Option<f64>,
    #[serde(default)]
    parameters_fnv1a: String,
}

impl From<MetaV1> for ModelMeta {
    fn from(v1: MetaV1) -> Self {
        ModelMeta {
            format: FORMAT,
            config: RunConfig {
                model: ModelConfig {
                    architecture: v1.model,
                    init: v1.init,
                    precision: Precision::F32,
                },
                data: DataConfig {
                    dataset: v1.dataset,
                    data_dir: v1.data_dir,
                    train_limit: v1.train_limit,
                    test_limit: v1.test_limit,
                },
                training: v1.config,
                seed: v1.seed,
            },
            epochs_done: v1.epochs_done,
            backend: v1.backend,
            test_accuracy: v1.test_accuracy,
            parameters_fnv1a: v1.parameters_fnv1a,
            imported_from: None,
        }
    }
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
pub(crate) fn meta_path(model_path: &Path) -> PathBuf {
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

/// Saves `model`'s parameters as `params`, then the JSON that `describe` makes from their
/// fingerprint as `json`: the JSON's atomic rename commits the pair.
pub(crate) fn save_vouched<T: Serialize>(
    params: &Path,
    json: &Path,
    model: &Model,
    describe: impl FnOnce(String) -> T,
) -> Result<()> {
    let bytes = encode(model)?;
    write_atomic(params, &bytes)?;
    write_json_atomic(json, &describe(fnv1a(&bytes)))
}

/// Loads the parameters in `params` that the JSON file `json` vouches for with `fingerprint`,
/// into a model of `architecture`. The fingerprint must be there and match.
pub(crate) fn load_vouched(
    params: &Path,
    json: &Path,
    fingerprint: &str,
    architecture: Architecture,
    device: &Device,
) -> Result<Model> {
    let bytes = match std::fs::read(params) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{}: missing (named by {})", params.display(), json.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", params.display())),
    };
    if fingerprint.is_empty() {
        bail!("{}: no parameters_fnv1a to check {} against", json.display(), params.display());
    }
    if fnv1a(&bytes) != fingerprint {
        bail!("{}: does not match {} (damaged, or from another run)", params.display(), json.display());
    }
    decode(architecture.init(Init::Zeros, device), bytes, params)
}

/// Saves a model and its description as `dir/name` and the JSON file next to it.
pub fn save_model_as(dir: &Path, name: &str, model: &Model, meta: &ModelMeta) -> Result<PathBuf> {
    let path = dir.join(name);
    save_vouched(&path, &meta_path(&path), model, |fingerprint| ModelMeta {
        parameters_fnv1a: fingerprint,
        ..meta.clone()
    })?;
    Ok(path)
}

/// Saves a model and its description (`model.bpk` and `model.json` in `dir`).
pub fn save_model(dir: &Path, model: &Model, meta: &ModelMeta) -> Result<PathBuf> {
    save_model_as(dir, MODEL_FILE, model, meta)
}

/// Loads a saved model: `path` is the model file or the folder holding `model.bpk`.
pub fn load_model(path: &Path, device: &Device) -> Result<(Model, ModelMeta, PathBuf)> {
    let file = if path.is_dir() { path.join(MODEL_FILE) } else { path.to_path_buf() };
    if !file.exists() {
        bail!("{}: no such model file (train writes one with --out DIR)", file.display());
    }
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
    if meta.config.model.precision == Precision::F64 && Backend::of(device) == Some(Backend::Wgpu) {
        bail!("{}: the model is in f64, which runs on the CPU backends (--device ndarray or flex)", file.display());
    }
    let model = load_vouched(&file, &meta_file, &meta.parameters_fnv1a, meta.architecture(), device)?;
    Ok((model, meta, file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;

    /// `model.json` as handgrad wrote it before the format had a version (the MLP run in
    /// artifacts/fashion-mlp, as it was).
    const V1: &str = r#"{
      "model": { "kind": "mlp", "hidden": 100, "activation": "sigmoid" },
      "dataset": "fashion-mnist", "data_dir": null,
      "config": { "epochs": 20, "lr": 1.0, "batch_size": 100, "shuffle_seed": null,
                  "grad": "manual", "optimizer": "manual" },
      "init": "normal", "train_limit": null, "test_limit": null, "seed": 0,
      "epochs_done": 20, "backend": "ndarray", "test_accuracy": 87.89,
      "parameters_fnv1a": "ce34e08752af6e87"
    }"#;

    #[test]
    fn version_1_files_still_load_and_save_as_version_2() {
        let meta: ModelMeta = serde_json::from_str(V1).unwrap();
        assert_eq!(meta.format, FORMAT);
        assert_eq!(
            meta.architecture(),
            Architecture::Mlp { hidden: 100, activation: Activation::Sigmoid }
        );
        assert_eq!(meta.config.model.init, Init::Normal);
        assert_eq!(meta.dataset(), DatasetKind::FashionMnist);
        assert_eq!(meta.config.training.lr, 1.0);
        assert_eq!((meta.epochs_done, meta.parameters_fnv1a.as_str()), (20, "ce34e08752af6e87"));
        // Written again, it is version 2, and reads back the same.
        let text = serde_json::to_string(&meta).unwrap();
        assert!(text.starts_with(r#"{"format":2,"config":{"model":{"kind":"mlp","hidden":100"#), "{text}");
        assert_eq!(serde_json::from_str::<ModelMeta>(&text).unwrap(), meta);
    }

    #[test]
    fn a_record_without_a_bias_does_not_fit() {
        let device = crate::backend::Backend::default_backend().unwrap().device();
        let dir = std::env::temp_dir().join(format!("handgrad-unit-nobias-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let layer = burn::nn::LinearConfig::new(784, 10).with_bias(false).init(&device);
        let bytes = encode(&crate::model::LogisticRegression { linear: layer }).unwrap();
        let params = dir.join("model.bpk");
        std::fs::write(&params, &bytes).unwrap();
        let error = load_vouched(&params, &dir.join("model.json"), &fnv1a(&bytes), Architecture::Logreg, &device)
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not fit this model's architecture"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn impossible_settings_are_refused() {
        let mut value: serde_json::Value = serde_json::from_str(V1).unwrap();
        value["model"]["hidden"] = serde_json::json!(0);
        let error = serde_json::from_value::<ModelMeta>(value).unwrap_err().to_string();
        assert!(error.contains("hidden must be at least 1"), "{error}");
        let mut value: serde_json::Value = serde_json::from_str(V1).unwrap();
        value["model"]["activation"] = serde_json::json!("tanh");
        let error = serde_json::from_value::<ModelMeta>(value).unwrap_err().to_string();
        assert!(error.contains("tanh"), "{error}");
        let mut value: serde_json::Value = serde_json::from_str(V1).unwrap();
        value["config"]["lr"] = serde_json::json!(-1.0);
        let error = serde_json::from_value::<ModelMeta>(value).unwrap_err().to_string();
        assert!(error.contains("lr must be a positive finite number, got -1"), "{error}");
    }

    #[test]
    fn an_unknown_version_or_field_is_refused_naming_it() {
        let meta: ModelMeta = serde_json::from_str(V1).unwrap();
        let mut value = serde_json::to_value(&meta).unwrap();
        value["format"] = serde_json::json!(3);
        let error = serde_json::from_value::<ModelMeta>(value.clone()).unwrap_err().to_string();
        assert!(error.contains("format version 3") && error.contains("versions 1 to 2"), "{error}");
        value["format"] = serde_json::json!(2);
        value["config"]["training"]["momentum"] = serde_json::json!(0.9);
        let error = serde_json::from_value::<ModelMeta>(value).unwrap_err().to_string();
        assert!(error.contains("momentum"), "{error}");
    }
}

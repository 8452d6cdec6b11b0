//! `handgrad import --npy W.npy b.npy --out RUN` (or `--safetensors FILE`): a run folder from
//! the lab's numpy arrays, which eval, predict and serve take like any other.

use anyhow::{Result, bail};

use crate::bridge::{from_lab_arrays, read_npy, read_safetensors};
use crate::cli::ImportArgs;
use crate::data::{CLASSES, PIXELS};
use crate::fsutil::{FolderLock, ensure_dir};
use crate::model::{Architecture, Init, Model, ModelConfig, dtype_of};
use crate::persist::{DataConfig, ModelMeta, RunConfig, save_model};
use super::train::require_precision;
use crate::training::TrainConfig;

/// Reads the arrays (or tensors), checks them, and writes model.bpk and model.json.
pub fn run(args: &ImportArgs) -> Result<()> {
    let backend = args.device.backend()?;
    let device = backend.open()?;
    let (model, from) = match (&args.npy, &args.safetensors) {
        (Some(files), _) => {
            let (w_path, b_path) = (&files[0], &files[1]);
            let (w, _) = read_npy(w_path, "W", &[&[PIXELS as u64, CLASSES as u64]])?;
            let (b, _) = read_npy(b_path, "b", &[&[1, CLASSES as u64], &[CLASSES as u64]])?;
            let model = from_lab_arrays(w, b, &device)?;
            (model, format!("{} and {}", w_path.display(), b_path.display()))
        }
        (None, Some(file)) => (read_safetensors(file, &device)?, file.display().to_string()),
        (None, None) => unreachable!("clap requires --npy or --safetensors"),
    };
    let precision = match dtype_of(&model) {
        burn::tensor::DType::F64 => crate::model::Precision::F64,
        _ => crate::model::Precision::F32,
    };
    require_precision(backend, precision)?;

    ensure_dir(&args.out)?;
    let _lock = FolderLock::take(&args.out)?;
    if args.out.join("model.json").exists() && !args.overwrite {
        bail!("{} holds a model already: give --out another folder, or --overwrite", args.out.display());
    }
    let meta = ModelMeta {
        imported_from: Some(from.clone()),
        ..ModelMeta::new(
            RunConfig {
                model: ModelConfig { architecture: Architecture::Logreg, init: Init::Zeros, precision },
                data: DataConfig {
                    dataset: args.data.dataset,
                    data_dir: args.data.source().dir,
                    train_limit: None,
                    test_limit: None,
                },
                training: TrainConfig::lab(),
                seed: 0,
            },
            backend,
        )
    };
    save_model(&args.out, &Model::Logreg(model), &meta)?;
    println!(
        "wrote model.bpk and model.json in {}: the logistic regression of {from} ({}); try: handgrad eval --model {}",
        args.out.display(),
        precision.name(),
        args.out.display()
    );
    Ok(())
}

//! `handgrad eval --model FILE`: what a saved model gets right on the test set.

use anyhow::Result;

use crate::cli::EvalArgs;
use crate::data::Which;
use crate::inference::{confusion, evaluate};
use crate::model::Precision;
use crate::persist::load_model;
use crate::plot::charts::confusion_table;
use crate::training::TrainerKind;

/// Prints the test accuracy and the confusion matrix.
pub fn run(args: &EvalArgs) -> Result<()> {
    let backend = args.device.backend()?;
    let device = backend.open()?;
    let (model, meta, file) = load_model(&args.model, &device)?;
    let source = meta.config.data.source_with(args.data_dir.clone());
    let test = source.split(Which::Test)?;
    let result = evaluate(&model, &test, &device);
    let training = &meta.config.training;
    let how = match training.trainer {
        TrainerKind::Loop => format!("{} grads, {} optimizer", training.grad.name(), training.optimizer.name()),
        TrainerKind::Learner => "burn-train's Learner".to_string(),
    };
    let how = match meta.config.model.precision {
        Precision::F32 => how,
        precision => format!("{how}, {}", precision.name()),
    };
    match &meta.imported_from {
        None => println!(
            "{}: {} trained {} epochs on {} ({how}), device {backend}",
            file.display(),
            meta.architecture().describe(),
            meta.epochs_done,
            meta.dataset().name(),
        ),
        Some(from) => println!(
            "{}: {} imported from {from} ({}), for {}, device {backend}",
            file.display(),
            meta.architecture().describe(),
            meta.config.model.precision.name(),
            meta.dataset().name(),
        ),
    }
    println!(
        "test accuracy {:.2}% ({}/{}) on {}",
        result.accuracy(),
        result.correct,
        result.total,
        source.origin()
    );
    print!(
        "{}",
        confusion_table(&confusion(&test.labels, &result.predictions), &meta.dataset().class_names())
    );
    Ok(())
}

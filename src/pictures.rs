//! The pictures of a training run: curves, weight templates, confusion matrix, mistakes.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::data::{CLASSES, Dataset};
use crate::inference::{confusion, predict};
use crate::model::{Classifier, Inspect, TemplatesOf};
use crate::plot::charts::{confusion_picture, confusion_table, training_curves};
use crate::plot::tiles::{TemplateGrid, misclassified, templates, weight_templates};
use crate::training::EpochMetrics;
use burn::tensor::Device;

/// Misclassified images shown in `errors.png`.
pub const ERRORS_SHOWN: usize = 40;

/// `curves.png` from the per-epoch metrics.
pub fn write_curves(dir: &Path, epochs: &[EpochMetrics], title: &str) -> Result<PathBuf> {
    let path = dir.join("curves.png");
    training_curves(epochs, title)?.save(&path)?;
    Ok(path)
}

/// `weights.png`: the templates of the model's first layer — a logistic regression's class
/// templates, or the input templates of an MLP's first 100 hidden units.
pub fn write_weights<M: Inspect>(dir: &Path, model: &M, data_classes: &[&str; CLASSES]) -> Result<PathBuf> {
    let path = dir.join("weights.png");
    let t = model.templates();
    let canvas = match t.of {
        TemplatesOf::Classes => weight_templates(&t.values, data_classes),
        TemplatesOf::Units(name) => {
            let show = t.count.min(100);
            let units = t.count;
            templates(
                &t.values,
                units,
                show,
                &[],
                TemplateGrid::UNITS,
                &format!("{name}: the input templates of the first {show} of {units} hidden units (columns of {name})"),
                false,
            )
        }
    };
    canvas.save(&path)?;
    Ok(path)
}

/// The confusion matrix on the test set: `confusion.png`, `errors.png`, and the text table
/// (returned, for stdout).
pub fn write_test_pictures<M: Classifier>(
    dir: &Path,
    model: &M,
    data: &Dataset,
    device: &Device,
) -> Result<(String, Vec<PathBuf>)> {
    let names = data.class_names();
    let predictions = predict(model, &data.test, device);
    let m = confusion(&data.test.labels, &predictions);
    let title = format!("confusion matrix on the {} test images of {}", data.test.len(), data.kind.name());
    let confusion_path = dir.join("confusion.png");
    confusion_picture(&m, &names, &title).save(&confusion_path)?;
    let errors_path = dir.join("errors.png");
    misclassified(&data.test, &predictions, &names, ERRORS_SHOWN).0.save(&errors_path)?;
    Ok((confusion_table(&m, &names), vec![confusion_path, errors_path]))
}

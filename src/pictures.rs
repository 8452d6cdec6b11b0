//! The pictures of a training run: curves, weight templates, confusion matrix, mistakes.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::data::{CLASSES, Dataset};
use crate::inference::{confusion, predict};
use crate::model::{Classifier, Model};
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

/// `weights.png`: the class templates of a logistic regression, or the input templates of
/// an MLP's first 100 hidden units.
pub fn write_weights(dir: &Path, model: &Model, data_classes: &[&str; CLASSES]) -> Result<PathBuf> {
    let path = dir.join("weights.png");
    let canvas = match model {
        Model::Logreg(m) => {
            let w: Vec<f32> = m.w().into_data().iter::<f32>().collect();
            weight_templates(&w, data_classes)
        }
        Model::Mlp(m) => {
            let w: Vec<f32> = m.wh().into_data().iter::<f32>().collect();
            let units = m.hidden_units();
            let show = units.min(100);
            templates(
                &w,
                units,
                show,
                &[],
                TemplateGrid::UNITS,
                &format!("Wh: the input templates of the first {show} of {units} hidden units (columns of Wh)"),
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

//! Using a model: class predictions and accuracy over a whole split, computed in chunks so
//! that no device has to hold the whole set at once.

use burn::tensor::Device;

use crate::data::batch::images;
use crate::data::{CLASSES, Split};
use crate::model::{Classifier, dtype_of};

/// How to split an evaluation pass over a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalPlan {
    /// Images per chunk.
    pub chunk: usize,
    /// Threads sharing the chunks.
    pub threads: usize,
}

impl EvalPlan {
    /// The plan for a device. On the CPU backends, chunks of 1 000 images (3 MB of f32) stay
    /// in the cache between their conversion and the product, which makes the pass 1.5× faster
    /// than chunks of 10 000, and the chunks are shared by every core. On a GPU, chunks of
    /// 10 000 (31 MB, well under a storage-buffer limit) keep the launches few.
    pub fn for_device(device: &Device) -> Self {
        let gpu = crate::backend::Backend::of(device) == Some(crate::backend::Backend::Wgpu);
        if gpu {
            Self { chunk: 10_000, threads: 1 }
        } else {
            Self {
                chunk: 1_000,
                threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            }
        }
    }

    /// The same plan on one thread.
    pub fn single_threaded(self) -> Self {
        Self { threads: 1, ..self }
    }
}

/// What a model gets right on a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Images whose predicted class is their label.
    pub correct: usize,
    /// Images in the split.
    pub total: usize,
    /// The predicted class of every image.
    pub predictions: Vec<u8>,
}

impl Evaluation {
    /// Accuracy in percent, as the lab prints it.
    pub fn accuracy(&self) -> f64 {
        percent(self.correct, self.total)
    }
}

/// `correct` out of `total` in percent, as the lab prints accuracies (0 when `total` is 0).
pub fn percent(correct: usize, total: usize) -> f64 {
    100.0 * correct as f64 / total.max(1) as f64
}

/// The predicted class (argmax of the scores) of every image of a split.
pub fn predict<M: Classifier>(model: &M, split: &Split, device: &Device) -> Vec<u8> {
    predict_with(model, split, device, EvalPlan::for_device(device))
}

/// [`predict`] with an explicit plan.
pub fn predict_with<M: Classifier>(model: &M, split: &Split, device: &Device, plan: EvalPlan) -> Vec<u8> {
    let n = split.len();
    let chunks: Vec<(usize, usize)> = (0..n)
        .step_by(plan.chunk.max(1))
        .map(|start| (start, (start + plan.chunk).min(n)))
        .collect();
    let dtype = dtype_of(model); //                                f32, or f64 (`Precision`)
    let classify = |model: &M, &(start, end): &(usize, usize)| -> Vec<u8> {
        let classes = model.logits(images(split, start, end, device).cast(dtype)).argmax(1);
        classes.into_data().iter::<i64>().map(|c| c as u8).collect()
    };
    let threads = plan.threads.clamp(1, chunks.len().max(1));
    if threads == 1 {
        return chunks.iter().flat_map(|c| classify(model, c)).collect();
    }
    // Contiguous runs of chunks per thread (each with its own handle on the parameters),
    // joined in order.
    let per_thread = chunks.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .chunks(per_thread)
            .map(|run| {
                let model = model.clone();
                s.spawn(move || run.iter().flat_map(|c| classify(&model, c)).collect::<Vec<u8>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an evaluation thread panicked"))
            .collect()
    })
}

/// Accuracy of a model on a split.
pub fn evaluate<M: Classifier>(model: &M, split: &Split, device: &Device) -> Evaluation {
    evaluate_with(model, split, device, EvalPlan::for_device(device))
}

/// [`evaluate`] with an explicit plan.
pub fn evaluate_with<M: Classifier>(model: &M, split: &Split, device: &Device, plan: EvalPlan) -> Evaluation {
    let predictions = predict_with(model, split, device, plan);
    let correct = predictions
        .iter()
        .zip(&split.labels)
        .filter(|(p, l)| p == l)
        .count();
    Evaluation {
        correct,
        total: split.len(),
        predictions,
    }
}

/// The confusion matrix: `m[true][predicted]` counts.
pub fn confusion(labels: &[u8], predictions: &[u8]) -> [[usize; CLASSES]; CLASSES] {
    let mut m = [[0usize; CLASSES]; CLASSES];
    for (&l, &p) in labels.iter().zip(predictions) {
        m[l as usize][p as usize] += 1;
    }
    m
}

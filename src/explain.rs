//! Why a model decides, for one prepared image: what `predict` prints and what `serve`'s page
//! draws.
//!
//! Each model says what it shows of itself ([`Inspect::inside`], beside its forward pass):
//! the logistic regression its scores taken apart pixel by pixel (`s_c = Σ_i x_i w_ic + b_c`,
//! the evidence maps `x ⊙ w_c`), the perceptron its hidden units' activations.

use burn::tensor::{Device, Tensor};
use serde::Serialize;

use crate::data::batch::images;
use crate::data::{CLASSES, Split};
use crate::model::loss::softmax;
use crate::model::{Classifier, Inside, Inspect, dtype_of};

/// One class and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guess {
    /// The class index (0–9).
    pub class: usize,
    /// Its name in the model's dataset.
    pub name: &'static str,
    /// `ŷ_c`, the softmax of the scores.
    pub probability: f64,
}

/// What a model says of one prepared image: `predict --json`'s answer for one file (without
/// the file's name), and the core of `serve`'s.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The three most probable classes, most probable first.
    pub top: Vec<Guess>,
    /// Whether the picture was inverted (dark ink on light paper).
    pub inverted: bool,
    /// The 28 × 28 input the model saw (gray levels, light ink on black).
    pub input: Vec<u8>,
}

impl Prediction {
    /// The prediction from the ten classes [`ranked`]: the first three are its `top`.
    pub fn from_ranked(classes: &[Guess], inverted: bool, pixels: &[u8]) -> Self {
        Self {
            top: classes.iter().take(3).cloned().collect(),
            inverted,
            input: pixels.to_vec(),
        }
    }
}

/// The ten classes ranked by probability, most probable first: `classes[..3]` is
/// [`Prediction::top`].
pub fn ranked(probabilities: &[f64], names: &[&'static str; CLASSES]) -> Vec<Guess> {
    let mut guesses: Vec<Guess> = probabilities
        .iter()
        .enumerate()
        .map(|(class, &probability)| Guess { class, name: names[class], probability })
        .collect();
    guesses.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    guesses
}

/// The probabilities `ŷ` of the ten classes for one image (784 gray levels).
pub fn probabilities<M: Classifier>(model: &M, pixels: &[u8], device: &Device) -> Vec<f64> {
    let (y_hat, _) = softmax(model.logits(one_image(model, pixels, device)));
    y_hat.into_data().iter::<f64>().collect()
}

/// [`Prediction`] for one prepared image.
pub fn predict_one<M: Classifier>(
    model: &M,
    pixels: &[u8],
    inverted: bool,
    names: &[&'static str; CLASSES],
    device: &Device,
) -> Prediction {
    let classes = ranked(&probabilities(model, pixels, device), names);
    Prediction::from_ranked(&classes, inverted, pixels)
}

/// The image as the batch of one that the models take: `X`, 1 × 784, gray levels / 255, in
/// the model's precision.
fn one_image<M: Classifier>(model: &M, pixels: &[u8], device: &Device) -> Tensor<2> {
    images(&Split::new(pixels.to_vec(), vec![0]), 0, 1, device).cast(dtype_of(model))
}

/// Why the model decides, for one image: its kind (`logreg`, `mlp`) and what it shows of
/// itself ([`Inside`]), as one JSON object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The model's kind.
    pub kind: &'static str,
    /// How its scores came about.
    #[serde(flatten)]
    pub inside: Inside,
}

/// Takes the model's decision on one image (784 gray levels) apart.
pub fn explain<M: Inspect>(model: &M, pixels: &[u8], device: &Device) -> Explanation {
    Explanation { kind: model.kind(), inside: model.inside(one_image(model, pixels, device)) }
}

//! Why a model decides, for one prepared image: what `predict` prints and what `serve`'s page
//! draws.
//!
//! The logistic regression's score of class `c` is a sum over the pixels (eq. 1 before the
//! softmax):
//!
//! ```text
//! s_c = x · w_c + b_c = Σ_i x_i w_ic + b_c
//! ```
//!
//! so each pixel casts a vote `x_i w_ic` for or against class `c`: the evidence map
//! `x ⊙ w_c` (a 28 × 28 picture per class) is the whole reason for the score, and its sum plus
//! the bias is the score. A dark pixel (`x_i = 0`) has no say, whatever its weight. For the
//! MLP, the first layer's templates are many and the decision is made from the hidden units'
//! activations `h = σ(x Wʰ + bʰ)`: those are what is shown.

use burn::tensor::{Device, Tensor};
use serde::Serialize;

use crate::data::batch::images;
use crate::data::{CLASSES, PIXELS, Split};
use crate::model::loss::softmax;
use crate::model::{Classifier, Model};

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
    let (y_hat, _) = softmax(model.logits(one_image(pixels, device)));
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

/// The image as the batch of one that the models take: `X`, 1 × 784, gray levels / 255.
fn one_image(pixels: &[u8], device: &Device) -> Tensor<2> {
    images(&Split::new(pixels.to_vec(), vec![0]), 0, 1, device)
}

/// Why the model decides, for one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Explanation {
    /// The logistic regression: every score taken apart pixel by pixel.
    Logreg {
        /// `x ⊙ w_c` for each class `c`: 10 maps of 784 votes (row-major 28 × 28).
        evidence: Vec<Vec<f32>>,
        /// `Σ_i x_i w_ic`, each map's sum.
        sums: Vec<f32>,
        /// `b_c`.
        bias: Vec<f32>,
        /// `s_c = Σ_i x_i w_ic + b_c`, the scores the softmax turns into probabilities.
        scores: Vec<f32>,
        /// `max |W|`: the colour scale of `weights.png` (±scale), which bounds every vote
        /// since `0 ≤ x_i ≤ 1`.
        scale: f32,
    },
    /// The MLP: the hidden layer's activations, from which the output layer decides.
    Mlp {
        /// `h = σ(x Wʰ + bʰ)`, one value per hidden unit.
        hidden: Vec<f32>,
        /// The hidden layer's activation function.
        activation: &'static str,
        /// `s = h Wʸ + bʸ`.
        scores: Vec<f32>,
    },
}

/// Takes the model's decision on one image (784 gray levels) apart.
pub fn explain(model: &Model, pixels: &[u8], device: &Device) -> Explanation {
    let x = one_image(pixels, device); //                             x, 1 × 784
    match model {
        Model::Logreg(m) => {
            let w = m.w(); //                                        W, 784 × 10
            let scale = w.clone().abs().max().into_scalar::<f32>().max(f32::MIN_POSITIVE);
            let evidence = x.transpose() * w; //                     x_i w_ic, 784 × 10
            let sums = evidence.clone().sum_dim(0).reshape([CLASSES]); // Σ_i x_i w_ic
            let bias = m.b(); //                                     b_c
            let scores = sums.clone() + bias.clone(); //             s_c = Σ_i x_i w_ic + b_c
            let votes = to_vec(evidence.transpose()); //             class-major: 10 maps of 784
            Explanation::Logreg {
                evidence: votes.chunks(PIXELS).map(<[f32]>::to_vec).collect(),
                sums: to_vec(sums),
                bias: to_vec(bias),
                scores: to_vec(scores),
                scale,
            }
        }
        Model::Mlp(m) => {
            let (h, _) = m.activate(m.hidden.forward(x)); //         h = σ(x Wʰ + bʰ)
            let scores = m.output.forward(h.clone()); //             s = h Wʸ + bʸ
            Explanation::Mlp {
                hidden: to_vec(h),
                activation: m.activation().name(),
                scores: to_vec(scores),
            }
        }
    }
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

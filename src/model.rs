//! The model of exercise 1: logistic regression, one burn `Linear` layer 784 → 10.
//!
//! `Linear` stores its weight as `[d_input, d_output]`, which is exactly the lab's `W`
//! (784 × 10, one column `w_c` per class), and its bias as the lab's `b` (10 values).

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::data::{CLASSES, PIXELS};

/// A classifier that handgrad can train: logits from images, and parameters to update.
pub trait Classifier: Module + Clone + std::fmt::Debug + Send + 'static {
    /// The scores `S` (tb × 10) of a batch of images `X` (tb × 784), before softmax.
    fn logits(&self, x: Tensor<2>) -> Tensor<2>;
}

/// How the parameters start.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// All zeros, as the lab does (fine for a convex problem).
    Zeros,
    /// Gaussian N(0, 1/√784) entries, seeded by `--seed`.
    Normal,
}

/// Logistic regression: `Ŷ = softmax(XW + b)` (eq. 1).
#[derive(Module, Debug)]
pub struct LogisticRegression {
    /// `W` is `linear.weight` (784 × 10) and `b` is `linear.bias` (10).
    pub linear: Linear,
}

impl LogisticRegression {
    /// A new model on `device`, initialized as asked.
    pub fn new(init: Init, device: &Device) -> Self {
        let initializer = match init {
            Init::Zeros => Initializer::Zeros,
            Init::Normal => Initializer::Normal {
                mean: 0.0,
                std: 1.0 / (PIXELS as f64).sqrt(),
            },
        };
        let linear = LinearConfig::new(PIXELS, CLASSES)
            .with_initializer(initializer)
            .init(device);
        Self { linear }
    }

    /// A model with the given `W` (784 × 10) and `b` (10).
    pub fn from_parameters(w: Tensor<2>, b: Tensor<1>) -> Self {
        Self {
            linear: Linear {
                weight: Param::from_tensor(w),
                bias: Some(Param::from_tensor(b)),
            },
        }
    }

    /// `W`, 784 × 10.
    pub fn w(&self) -> Tensor<2> {
        self.linear.weight.val()
    }

    /// `b`, 10 values.
    pub fn b(&self) -> Tensor<1> {
        // LinearConfig::init always creates the bias (bias = true by default).
        self.linear.bias.as_ref().map(Param::val).expect("the layer has a bias")
    }
}

impl Classifier for LogisticRegression {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        // S = XW + b
        self.linear.forward(x)
    }
}

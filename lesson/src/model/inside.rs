//! What a model shows of itself: the pictures its first layer's weights make, and, for one
//! image, how its scores come about. The application draws them (`weights.png`, the page
//! `handgrad serve` draws on); each model says what they are, next to its forward pass.

use burn::module::ParamId;
use burn::tensor::Tensor;
use serde::Serialize;

use super::Classifier;

/// A model that can show what it does.
pub trait Inspect: Classifier {
    /// Its name in files and on the command line (`logreg`, `mlp`).
    fn kind(&self) -> &'static str;

    /// The lab's names of its parameters (`W`, `b`, `Wh`, …), by id.
    fn parameter_names(&self) -> Vec<(ParamId, &'static str)>;

    /// The weights of its first layer, one 28 × 28 template per column.
    fn templates(&self) -> Templates;

    /// How its scores come about for one image `x` (1 × 784).
    fn inside(&self, x: Tensor<2>) -> Inside;
}

/// The templates of a first layer: a 784 × `count` matrix, row-major, one template per
/// column, and what each column is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Templates {
    /// The matrix, row-major (784 rows).
    pub values: Vec<f32>,
    /// Its columns.
    pub count: usize,
    /// Whose templates they are.
    pub of: TemplatesOf,
}

/// Whose templates a first layer's columns are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatesOf {
    /// One per class: the scores are read straight off them (`w_c`, a column of `W`).
    Classes,
    /// One per hidden unit, named in the picture's title (`Wh`).
    Units(&'static str),
}

/// How the scores of one image come about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Inside {
    /// The scores are sums over the pixels, `s_c = Σ_i x_i w_ic + b_c`: each pixel casts a vote
    /// `x_i w_ic` for or against class `c`, and the evidence map `x ⊙ w_c` (a 28 × 28 picture
    /// per class) is the whole reason for the score.
    Evidence {
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
    /// The scores are made from a hidden layer's activations, which are shown.
    Hidden {
        /// `h = σ(x Wʰ + bʰ)`, one value per hidden unit.
        hidden: Vec<f32>,
        /// The hidden layer's activation function.
        activation: &'static str,
        /// `s = h Wʸ + bʸ`.
        scores: Vec<f32>,
    },
}

/// A tensor's values as f32.
pub(crate) fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

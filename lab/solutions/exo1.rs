//! The answer key of exercise 1 (`cargo lab --solution`, a teacher's demo and what CI runs), in
//! the signatures of lab/src/exo1.rs. Each answer is the lesson's own code (the
//! `handgrad-lesson` crate), which the rest of handgrad trains with: the key is the lesson,
//! not a copy of it.

use burn::tensor::Tensor;
use lesson::model::{logreg, loss};
use lesson::sgd::descend;

/// The images are vectors of [0, 1]^784.
pub const IMAGE_SPACE_DIMENSION: usize = lesson::data::PIXELS;

/// 784 × 10 weights and 10 biases.
pub const NUMBER_OF_PARAMETERS: usize = lesson::data::PIXELS * lesson::data::CLASSES + lesson::data::CLASSES;

/// The cross-entropy of a softmax is a log-sum-exp minus a linear function of the scores,
/// which are linear in W and b.
pub const COST_IS_CONVEX: Option<bool> = Some(true);

/// Convex and smooth: with η small enough, gradient descent's cost goes to its global minimum.
pub const CONVERGES_TO_GLOBAL_MINIMUM: Option<bool> = Some(true);

/// Eq. (1), each row shifted by its maximum.
pub fn softmax(s: Tensor<2>) -> Tensor<2> {
    loss::softmax(s).0
}

/// `Ŷ = softmax(XW + b)`.
pub fn forward(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>) -> Tensor<2> {
    softmax(x.matmul(w) + b.unsqueeze())
}

/// `δʸ = Ŷ − Y*`, one row per image.
pub fn delta_y(y_hat: Tensor<2>, y_star: Tensor<2>) -> Tensor<2> {
    y_hat - y_star
}

/// Eq. (4)–(5): the lesson's backward pass.
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, y_hat: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    logreg::gradients(x, y_star, y_hat)
}

/// Eq. (6)–(7): the lesson's step.
pub fn update(w: Tensor<2>, b: Tensor<1>, grad_w: Tensor<2>, grad_b: Tensor<1>, eta: f64) -> (Tensor<2>, Tensor<1>) {
    (descend(w, grad_w, eta), descend(b, grad_b, eta))
}

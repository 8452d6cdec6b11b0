//! handgrad's answers, in the lab's signatures: `cargo lab --solution` (a teacher's demo, and
//! what CI runs). Each one is the lesson's own code (the `handgrad-lesson` crate), which the
//! rest of handgrad trains with: the answer key is the lesson, not a copy of it.

use burn::tensor::Tensor;
use lesson::model::{logreg, loss, mlp};
use lesson::sgd::descend;

use crate::exo2::MlpGradients;

/// Exercise 0's question: the images are vectors of [0, 1]^784.
pub const IMAGE_SPACE_DIMENSION: usize = lesson::data::PIXELS;

/// 784 × 10 weights and 10 biases.
pub const NUMBER_OF_PARAMETERS: usize = lesson::data::PIXELS * lesson::data::CLASSES + lesson::data::CLASSES;

/// Eq. (1), each row shifted by its maximum.
pub fn softmax(s: Tensor<2>) -> Tensor<2> {
    loss::softmax(s).0
}

/// `Ŷ = softmax(XW + b)`.
pub fn forward(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>) -> Tensor<2> {
    softmax(x.matmul(w) + b.unsqueeze())
}

/// Eq. (4)–(5): the lesson's backward pass.
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, y_hat: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    logreg::gradients(x, y_star, y_hat)
}

/// Eq. (6)–(7): the lesson's step.
pub fn update(w: Tensor<2>, b: Tensor<1>, grad_w: Tensor<2>, grad_b: Tensor<1>, eta: f64) -> (Tensor<2>, Tensor<1>) {
    (descend(w, grad_w, eta), descend(b, grad_b, eta))
}

/// σ.
pub fn sigmoid(u: Tensor<2>) -> Tensor<2> {
    mlp::sigmoid(u)
}

/// `(H, Ŷ)`.
pub fn forward2(x: Tensor<2>, w_h: Tensor<2>, b_h: Tensor<1>, w_y: Tensor<2>, b_y: Tensor<1>) -> (Tensor<2>, Tensor<2>) {
    let h = sigmoid(x.matmul(w_h) + b_h.unsqueeze());
    let y_hat = softmax(h.clone().matmul(w_y) + b_y.unsqueeze());
    (h, y_hat)
}

/// The lesson's backward pass of the perceptron, σ'(U) from H.
pub fn gradients2(x: Tensor<2>, y_star: Tensor<2>, h: Tensor<2>, y_hat: Tensor<2>, w_y: Tensor<2>) -> MlpGradients {
    let dh = mlp::sigmoid_prime(h.clone());
    let [(w_h, b_h), (w_y, b_y)] = mlp::backward(x, y_star, h, dh, y_hat, w_y);
    MlpGradients { w_h, b_h, w_y, b_y }
}

//! The answer key of exercise 2, in the signatures of lab/src/exo2.rs: the lesson's perceptron.

use burn::tensor::Tensor;
use lab::exo2::MlpGradients;
use lesson::model::{loss, mlp};

/// σ.
pub fn sigmoid(u: Tensor<2>) -> Tensor<2> {
    mlp::sigmoid(u)
}

/// `(H, Ŷ)`.
pub fn forward(x: Tensor<2>, w_h: Tensor<2>, b_h: Tensor<1>, w_y: Tensor<2>, b_y: Tensor<1>) -> (Tensor<2>, Tensor<2>) {
    let h = sigmoid(x.matmul(w_h) + b_h.unsqueeze());
    let y_hat = loss::softmax(h.clone().matmul(w_y) + b_y.unsqueeze()).0;
    (h, y_hat)
}

/// The lesson's backward pass of the perceptron, σ'(U) from H.
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, h: Tensor<2>, y_hat: Tensor<2>, w_y: Tensor<2>) -> MlpGradients {
    let dh = mlp::sigmoid_prime(h.clone());
    let [(w_h, b_h), (w_y, b_y)] = mlp::backward(x, y_star, h, dh, y_hat, w_y);
    MlpGradients { w_h, b_h, w_y, b_y }
}

//! # Exercise 2: a hidden layer — your file
//!
//! The lab's follow-up: a perceptron with one hidden layer of `L` sigmoid units,
//!
//! ```text
//! U = X Wʰ + bʰ      H = σ(U)            (hidden layer: Wʰ is 784 × L, bʰ has L entries)
//! S = H Wʸ + bʸ      Ŷ = softmax(S)      (output layer: Wʸ is L × 10, bʸ has 10)
//! ```
//!
//! trained like exercise 1, with your `exo1::update` applied to each layer. `cargo lab` checks
//! these functions once exercise 1 is right, then trains your network on MNIST beside the
//! same network trained by burn's autodiff. Write your code for any float type (it runs in
//! f64).

// Until you write them, the functions leave their arguments unused.
#![allow(unused_variables)]

use burn::tensor::Tensor;

/// The sigmoid, entry by entry: `σ(u) = 1 / (1 + e⁻ᵘ)`.
pub fn sigmoid(u: Tensor<2>) -> Tensor<2> {
    todo!("σ(u) = 1 / (1 + e^-u)")
}

/// The forward pass: `(H, Ŷ)` with `H = σ(X Wʰ + bʰ)` (tb × L) and
/// `Ŷ = softmax(H Wʸ + bʸ)` (tb × 10). Use your `sigmoid` and `crate::exo1::softmax`.
pub fn forward(x: Tensor<2>, w_h: Tensor<2>, b_h: Tensor<1>, w_y: Tensor<2>, b_y: Tensor<1>) -> (Tensor<2>, Tensor<2>) {
    todo!("H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)")
}

/// The four gradients of the batch's mean cross-entropy, from the batch `X`, its one-hot labels
/// `Y*`, the forward pass's `H` and `Ŷ`, and `Wʸ`:
///
/// - output layer, exercise 1's eq. (4)–(5) with `H` as its input: `δʸ = Ŷ − Y*`,
///   `∂L/∂Wʸ = (1/tb) Hᵀ δʸ`, `∂L/∂bʸ = (1/tb) Σᵢ δʸᵢ`;
/// - hidden layer, the error carried back through `Wʸ` and the sigmoid:
///   `δʰ = (δʸ Wʸᵀ) ⊙ σ'(U)`, where `σ'(U) = σ(U) ⊙ (1 − σ(U)) = H ⊙ (1 − H)`;
///   `∂L/∂Wʰ = (1/tb) Xᵀ δʰ`, `∂L/∂bʰ = (1/tb) Σᵢ δʰᵢ`.
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, h: Tensor<2>, y_hat: Tensor<2>, w_y: Tensor<2>) -> MlpGradients {
    todo!("δʸ, then δʰ, then the four gradients")
}

/// The gradients of the four parameters.
pub struct MlpGradients {
    /// `∂L/∂Wʰ`, 784 × L.
    pub w_h: Tensor<2>,
    /// `∂L/∂bʰ`, L entries.
    pub b_h: Tensor<1>,
    /// `∂L/∂Wʸ`, L × 10.
    pub w_y: Tensor<2>,
    /// `∂L/∂bʸ`, 10 entries.
    pub b_y: Tensor<1>,
}

//! # Exercise 1: logistic regression — your file
//!
//! Replace each `todo!()` with your code, then run `cargo lab`: it checks your functions in
//! the lab's order, stops at the first one that is wrong and says which slip it looks like.
//! When all of them are right, it trains your code on MNIST as the lab does and prints each
//! epoch beside the lab's own table.
//!
//! The shapes, as in the lab: a batch `X` holds `tb` images, one per row (tb × 784, pixels in
//! [0, 1]); `W` is 784 × 10 (one column `w_c` per class); `b` has 10 entries; the scores
//! `S = XW + b` and the prediction `Ŷ` are tb × 10; `Y*` is the labels one-hot (tb × 10).
//!
//! burn in five lines, for what you need here (all of it is in burn's `Tensor` docs):
//! `a.matmul(b)` is the product `AB`; `a.transpose()` is `Aᵀ`; `+ - * /` work entry by entry
//! and broadcast a 1 × n row over every row; `b.unsqueeze::<2>()` turns a vector of 10 into a
//! 1 × 10 row; `t.exp()`, `t.max_dim(axis)` and `t.sum_dim(axis)` (which keep that axis, of
//! size 1), `t.sum_dim(0).squeeze_dim::<1>(0)` for a 1 × n row as a vector, `t.dims()` for the shape,
//! `t.mul_scalar(c)` and `t.div_scalar(c)`. Write your code for any float type: `cargo lab`
//! runs it in f64, as the lab's numpy does.

// Until you write them, the functions leave their arguments unused.
#![allow(unused_variables)]

use burn::tensor::Tensor;

/// Question (exercise 0): in which space do the images lie, and what is its dimension?
/// An image is a vector of gray levels in [0, 1]; write the dimension of that space.
/// (0: not answered yet.)
pub const IMAGE_SPACE_DIMENSION: usize = 0;

/// Question (after eq. 1): how many parameters does the logistic regression have?
/// Count every number gradient descent changes. (0: not answered yet.)
pub const NUMBER_OF_PARAMETERS: usize = 0;

/// The softmax of eq. (1), applied to each row of the scores `S` (tb × 10):
///
/// `ŷ_ci = e^(s_ci) / Σ_c' e^(s_c'i)`, for each image i: its 10 probabilities sum to 1.
///
/// The lab's numpy version is `E = np.exp(X); (E.T / np.sum(E, axis=1)).T`. Make sure yours
/// also works on large scores (a few hundred): `e^800` is infinite in f64, but the softmax of
/// `[800, 0]` is not.
pub fn softmax(s: Tensor<2>) -> Tensor<2> {
    todo!("eq. (1): the softmax of each row of s")
}

/// The forward pass: the prediction `Ŷ = softmax(XW + b)` (tb × 10) for a batch `X`
/// (tb × 784), `W` (784 × 10) and `b` (10). Use your `softmax`.
pub fn forward(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>) -> Tensor<2> {
    todo!("Ŷ = softmax(XW + b)")
}

/// Backward pass, step 1: the gradients of the batch's mean cross-entropy (eq. 3), from the
/// batch `X` (tb × 784), its one-hot labels `Y*` (tb × 10) and the prediction `Ŷ` (tb × 10):
///
/// `∂L/∂W = (1/tb) Xᵀ (Ŷ − Y*)`   (eq. 4, 784 × 10)
///
/// `∂L/∂b = (1/tb) Σᵢ (ŷᵢ − y*ᵢ)`   (eq. 5, 10 entries: a sum over the images of the batch)
///
/// Returns `(∂L/∂W, ∂L/∂b)`.
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, y_hat: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    todo!("eq. (4) and (5)")
}

/// Backward pass, step 2: one step of gradient descent with the learning rate `eta` (η):
///
/// `W⁽ᵗ⁺¹⁾ = W⁽ᵗ⁾ − η ∂L/∂W`   (eq. 6)
///
/// `b⁽ᵗ⁺¹⁾ = b⁽ᵗ⁾ − η ∂L/∂b`   (eq. 7)
///
/// Returns the new `(W, b)`.
pub fn update(w: Tensor<2>, b: Tensor<1>, grad_w: Tensor<2>, grad_b: Tensor<1>, eta: f64) -> (Tensor<2>, Tensor<1>) {
    todo!("eq. (6) and (7)")
}

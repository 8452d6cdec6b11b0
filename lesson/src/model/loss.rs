//! Softmax and cross-entropy (eq. 1–3), which both exercises end with.
//!
//! Together they have a simple derivative: `∂(tb·L)/∂S = Δ = Ŷ − Y*`, the error at the scores
//! that both backward passes start from.

use burn::tensor::Tensor;

/// Row-wise softmax (eq. 1) and its logarithm, computed stably.
///
/// Subtracting each row's maximum changes nothing mathematically (softmax is invariant to a
/// shift) and keeps `exp` from overflowing: the largest exponent is then `exp(0) = 1`.
pub fn softmax(s: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let shifted = s.clone() - s.max_dim(1);
    let exp = shifted.clone().exp();
    let sum = exp.clone().sum_dim(1);
    let y_hat = exp / sum.clone(); //                      ŷ_ci = exp(s_ci) / Σ_c' exp(s_c')
    let log_y_hat = shifted - sum.log();
    (y_hat, log_y_hat)
}

/// Mean cross-entropy of a batch, eq. (3): `L = −(1/tb) Σᵢ Σ_c y*_ci log ŷ_ci`.
pub fn cross_entropy(log_y_hat: Tensor<2>, y_star: Tensor<2>) -> Tensor<1> {
    let tb = y_star.dims()[0] as f64;
    (y_star * log_y_hat).sum().neg().div_scalar(tb)
}

/// `1ᵀ Δ`: the sum of the rows of `Δ` (tb × n), as a vector of n — the sum over the batch in
/// eq. (5), as a product with a row of ones. (b is one more row of W, for an input that is
/// always 1: eq. (4) with a column of ones for X.) On ndarray the product is several times
/// faster than burn's sum along an axis (artifacts/step-pieces.md).
pub fn sum_over_batch(delta: Tensor<2>) -> Tensor<1> {
    let ones = Tensor::ones([1, delta.dims()[0]], (&delta.device(), delta.dtype()));
    ones.matmul(delta).reshape([-1])
}

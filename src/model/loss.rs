//! Softmax and cross-entropy (eq. 1–3), and the error `Δ = Ŷ − Y*` at the scores that both
//! exercises' backward passes start from.

use burn::tensor::Tensor;

use super::Bug;

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

/// `∂(tb·L)/∂S = Δ = Ŷ − Y*`: softmax and cross-entropy together have this simple derivative,
/// which is why the lab's gradients (eq. 4–5) start from it.
///
/// `bug` injects a student's slip here: `Sign` (Y* − Ŷ, a step uphill) or `SoftmaxAxis` (Ŷ
/// normalised over the batch, numpy's `sum(axis=0)`, recomputed from the scores `s`).
pub(crate) fn output_error(s: Tensor<2>, y_hat: Tensor<2>, y_star: Tensor<2>, bug: Option<Bug>) -> Tensor<2> {
    match bug {
        Some(Bug::Sign) => y_star - y_hat,
        Some(Bug::SoftmaxAxis) => {
            let e = (s.clone() - s.max_dim(0)).exp();
            e.clone() / e.sum_dim(0) - y_star
        }
        _ => y_hat - y_star,
    }
}

/// The `tb` that eq. (4)–(5) divide by (the mean over the batch); 1 when the `NoMean` slip
/// forgets it (dividing by 1 changes no bit, so the correct path is untouched).
pub(crate) fn batch_divisor(tb: usize, bug: Option<Bug>) -> f64 {
    match bug {
        Some(Bug::NoMean) => 1.0,
        _ => tb as f64,
    }
}

/// The last step of a weight gradient computed as `(δᵀ X)ᵀ`: the transpose of `δᵀ X`. The
/// `Transpose` slip reshapes `δᵀ X` to the weight's shape instead, which scrambles its entries.
pub(crate) fn untranspose(delta_t_x: Tensor<2>, bug: Option<Bug>) -> Tensor<2> {
    match bug {
        Some(Bug::Transpose) => {
            let [rows, cols] = delta_t_x.dims();
            delta_t_x.reshape([cols, rows])
        }
        _ => delta_t_x.transpose(),
    }
}

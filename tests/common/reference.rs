//! The loss of eq. (3) for the logistic regression, in plain Rust f64: no framework, no
//! shortcut, so that finite differences of it are an independent witness of the gradient.

use lesson::data::{CLASSES, PIXELS};
use lesson::model::Activation;

/// A logistic regression's parameters, flat: `W` row-major (784 × 10), then `b` (10).
#[derive(Debug, Clone, PartialEq)]
pub struct FlatParams(pub Vec<f64>);

impl FlatParams {
    /// Number of entries: 784 × 10 + 10 = 7850.
    pub const LEN: usize = PIXELS * CLASSES + CLASSES;

    /// Index of `W[i][c]`.
    pub fn w_index(i: usize, c: usize) -> usize {
        i * CLASSES + c
    }

    /// Index of `b[c]`.
    pub fn b_index(c: usize) -> usize {
        PIXELS * CLASSES + c
    }
}

/// Mean cross-entropy `−(1/n) Σᵢ log softmax(xᵢW + b)[yᵢ]` of `n` images (rows of `x`,
/// 784 values each) with labels `y`, at parameters `theta` (see [`FlatParams`]).
pub fn logreg_loss(theta: &[f64], x: &[f64], y: &[u8]) -> f64 {
    assert_eq!(theta.len(), FlatParams::LEN);
    let n = y.len();
    let mut total = 0.0;
    for (row, &label) in x.chunks_exact(PIXELS).zip(y) {
        let mut s = [0f64; CLASSES];
        for (c, s_c) in s.iter_mut().enumerate() {
            *s_c = theta[FlatParams::b_index(c)];
        }
        for (i, &xi) in row.iter().enumerate() {
            if xi != 0.0 {
                for (c, s_c) in s.iter_mut().enumerate() {
                    *s_c += xi * theta[FlatParams::w_index(i, c)];
                }
            }
        }
        let max = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let log_sum = s.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
        total += log_sum - s[label as usize];
    }
    total / n as f64
}

/// The loss of the one-hidden-layer perceptron, `−(1/n) Σᵢ log softmax(σ(xᵢWʰ + bʰ)Wʸ + bʸ)[yᵢ]`,
/// with `theta` = `Wʰ` (784 × L, row-major), `bʰ` (L), `Wʸ` (L × 10), `bʸ` (10).
pub fn mlp_loss(theta: &[f64], x: &[f64], y: &[u8], hidden: usize, activation: Activation) -> f64 {
    let l = hidden;
    assert_eq!(theta.len(), PIXELS * l + l + l * CLASSES + CLASSES);
    let (wh, rest) = theta.split_at(PIXELS * l);
    let (bh, rest) = rest.split_at(l);
    let (wy, by) = rest.split_at(l * CLASSES);
    let n = y.len();
    let mut total = 0.0;
    let mut h = vec![0f64; l];
    for (row, &label) in x.chunks_exact(PIXELS).zip(y) {
        h.copy_from_slice(bh);
        for (i, &xi) in row.iter().enumerate() {
            if xi != 0.0 {
                for (j, hj) in h.iter_mut().enumerate() {
                    *hj += xi * wh[i * l + j];
                }
            }
        }
        for hj in h.iter_mut() {
            *hj = match activation {
                Activation::Sigmoid => 1.0 / (1.0 + (-*hj).exp()),
                Activation::Relu => hj.max(0.0),
            };
        }
        let mut s = [0f64; CLASSES];
        for (c, s_c) in s.iter_mut().enumerate() {
            *s_c = by[c] + (0..l).map(|j| h[j] * wy[j * CLASSES + c]).sum::<f64>();
        }
        let max = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let log_sum = s.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
        total += log_sum - s[label as usize];
    }
    total / n as f64
}

/// Which plain-f64 loss a model's flat parameters go into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// [`logreg_loss`].
    Logreg,
    /// [`mlp_loss`].
    Mlp {
        /// Hidden units.
        hidden: usize,
        /// The activation.
        activation: Activation,
    },
}

impl Reference {
    /// The loss at `theta` of images `x` (rows of 784, scaled) with labels `y`.
    pub fn loss(self, theta: &[f64], x: &[f64], y: &[u8]) -> f64 {
        match self {
            Reference::Logreg => logreg_loss(theta, x, y),
            Reference::Mlp { hidden, activation } => mlp_loss(theta, x, y, hidden, activation),
        }
    }
}

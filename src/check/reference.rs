//! The loss of eq. (3) for the logistic regression, in plain Rust f64: no framework, no
//! shortcut, so that finite differences of it are an independent witness of the gradient.

use crate::data::{CLASSES, PIXELS};

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

//! Gradients the way students get them wrong, to show that a gradient check catches each.
//!
//! Every variant below is the correct backward pass of `gradients.rs` with one line changed;
//! the comment on that line says what changed.

use burn::tensor::Tensor;

use crate::data::Batch;
use crate::gradients::softmax;
use crate::mlp::Mlp;
use crate::model::{Classifier, LogisticRegression};

/// A mistake to inject into the analytic gradient (`--inject-bug`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bug {
    /// Forgets the 1/tb of eq. (4)–(5): sums over the batch instead of averaging.
    NoMean,
    /// Uses Y* − Ŷ instead of Ŷ − Y*: a step uphill.
    Sign,
    /// Computes Δᵀ X (10 × 784) and reshapes it to 784 × 10 instead of Xᵀ Δ (for the MLP,
    /// the same slip on the first layer: δʰᵀ X reshaped to 784 × L).
    Transpose,
    /// Normalizes the softmax over the batch (axis 0) instead of over the classes.
    SoftmaxAxis,
    /// Forgets σ'(U) in the hidden layer's δʰ (MLP only).
    NoSigmaPrime,
}

impl Bug {
    /// What the mistake is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Bug::NoMean => "forgets the 1/tb of eq. (4)-(5)",
            Bug::Sign => "uses Y* - Ŷ instead of Ŷ - Y*",
            Bug::Transpose => "computes Δᵀ X (10×784) and reshapes it to 784×10",
            Bug::SoftmaxAxis => "normalizes the softmax over the batch instead of the classes",
            Bug::NoSigmaPrime => "forgets σ'(U) in δʰ",
        }
    }
}

/// `Δʸ = Ŷ − Y*` from the scores `S`, with the softmax or sign slips if asked.
fn output_error(s: Tensor<2>, batch: &Batch, bug: Bug) -> Tensor<2> {
    let y_hat = match bug {
        // Ŷ = exp(S) / Σ over the batch — the numpy `sum(axis=0)` slip.
        Bug::SoftmaxAxis => {
            let e = (s.clone() - s.max_dim(0)).exp();
            e.clone() / e.sum_dim(0)
        }
        _ => softmax(s).0,
    };
    match bug {
        Bug::Sign => batch.y_star.clone() - y_hat, // Δ = Y* − Ŷ
        _ => y_hat - batch.y_star.clone(),
    }
}

/// The 1/tb of eq. (4)–(5), or 1 when it is forgotten.
fn mean_factor(batch: &Batch, bug: Bug) -> f64 {
    match bug {
        Bug::NoMean => 1.0, // no 1/tb
        _ => 1.0 / batch.len() as f64,
    }
}

/// `(∂L/∂W, ∂L/∂b)` of the logistic regression with `bug` in it; `None` for a bug that
/// belongs to another model.
pub fn logreg_gradients_with(
    model: &LogisticRegression,
    batch: &Batch,
    bug: Bug,
) -> Option<(Tensor<2>, Tensor<1>)> {
    let x = batch.images.clone();
    let delta = output_error(model.logits(x.clone()), batch, bug);
    let scale = mean_factor(batch, bug);
    let grad_w = match bug {
        // Δᵀ X is 10 × 784; reshaping it to 784 × 10 scrambles the entries.
        Bug::Transpose => delta.clone().transpose().matmul(x).reshape([784, 10]),
        _ => x.transpose().matmul(delta.clone()),
    };
    let grad_b = delta.sum_dim(0).reshape([-1]);
    match bug {
        Bug::NoSigmaPrime => None,
        _ => Some((grad_w.mul_scalar(scale), grad_b.mul_scalar(scale))),
    }
}

/// The four gradients of the MLP: `∂L/∂Wʰ`, `∂L/∂bʰ`, `∂L/∂Wʸ`, `∂L/∂bʸ`.
pub type MlpGradients = (Tensor<2>, Tensor<1>, Tensor<2>, Tensor<1>);

/// The MLP's gradients with `bug` in it (the backward pass of `mlp.rs` with one line changed).
pub fn mlp_gradients_with(model: &Mlp, batch: &Batch, bug: Bug) -> Option<MlpGradients> {
    let x = batch.images.clone();
    let u = model.hidden.forward(x.clone());
    let (h, dh) = model.activate(u);
    let delta_y = output_error(model.output.forward(h.clone()), batch, bug);
    let scale = mean_factor(batch, bug);
    let grad_wy = h.transpose().matmul(delta_y.clone());
    let grad_by = delta_y.clone().sum_dim(0).reshape([-1]);
    let back = delta_y.matmul(model.wy().transpose());
    let delta_h = match bug {
        Bug::NoSigmaPrime => back, // δʰ = δʸ Wʸᵀ, without ⊙ σ'(U)
        _ => back * dh,
    };
    let l = model.hidden_units();
    let grad_wh = match bug {
        // δʰᵀ X is L × 784; reshaping it to 784 × L scrambles the entries.
        Bug::Transpose => delta_h.clone().transpose().matmul(x).reshape([784, l]),
        _ => x.transpose().matmul(delta_h.clone()),
    };
    let grad_bh = delta_h.sum_dim(0).reshape([-1]);
    Some((
        grad_wh.mul_scalar(scale),
        grad_bh.mul_scalar(scale),
        grad_wy.mul_scalar(scale),
        grad_by.mul_scalar(scale),
    ))
}

//! Where the gradients come from: the analytic formulas of the lab (eq. 4–5), or burn's
//! autodiff. Both return the same thing — one gradient per parameter, in burn's
//! [`GradientsParams`] — so the training loop does not care which one it got.

use burn::module::{Module, ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

use crate::data::Batch;
use crate::model::{Classifier, LogisticRegression};

/// The gradient source, chosen by `--grad`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradSource {
    /// The hand-derived formulas (eq. 4–5).
    Manual,
    /// burn's automatic differentiation (`device.autodiff()`, `loss.backward()`).
    Autodiff,
}

/// The gradients of one batch, and the batch's mean cross-entropy (eq. 3 on the batch).
pub struct StepGradients {
    /// `∂L/∂θ` for every parameter θ of the model.
    pub grads: GradientsParams,
    /// The batch loss, a one-element tensor (left on the device: reading it would sync).
    pub loss: Tensor<1>,
}

/// A model whose gradients can be written by hand.
pub trait AnalyticGradients: Classifier {
    /// The gradients of the mean cross-entropy of `batch`, from the formulas.
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients;
}

impl GradSource {
    /// The gradients of `model`'s loss on `batch`.
    pub fn gradients<M: AnalyticGradients>(self, model: &M, batch: &Batch) -> StepGradients {
        match self {
            GradSource::Manual => model.analytic_gradients(batch),
            GradSource::Autodiff => autodiff_gradients(model, batch),
        }
    }
}

/// Row-wise softmax (eq. 1) and its logarithm, computed stably.
///
/// Subtracting each row's maximum changes nothing mathematically (softmax is invariant to a
/// shift) and keeps `exp` from overflowing: the largest exponent is then `exp(0) = 1`.
pub fn softmax(s: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let shifted = s.clone() - s.max_dim(1);
    let exp = shifted.clone().exp();
    let sum = exp.clone().sum_dim(1);
    let y_hat = exp / sum.clone();
    let log_y_hat = shifted - sum.log();
    (y_hat, log_y_hat)
}

/// Mean cross-entropy of a batch, eq. (3): `L = −(1/tb) Σᵢ Σ_c y*_ci log ŷ_ci`.
pub fn cross_entropy(log_y_hat: Tensor<2>, y_star: Tensor<2>) -> Tensor<1> {
    let tb = y_star.dims()[0] as f64;
    (y_star * log_y_hat).sum().neg().div_scalar(tb)
}

impl AnalyticGradients for LogisticRegression {
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients {
        let x = batch.images.clone();
        let tb = batch.len() as f64;

        // Forward: S = XW + b, Ŷ = softmax(S)                           (eq. 1)
        let (y_hat, log_y_hat) = softmax(self.logits(x.clone()));

        // ∂L/∂S = Δʸ = Ŷ − Y*
        let delta = y_hat - batch.y_star.clone();

        // ∂L/∂W = (1/tb) Xᵀ Δʸ                                          (eq. 4)
        //        computed as (Δʸᵀ X)ᵀ, the same matrix: the product then reads X row by row,
        //        which is twice as fast on the CPU backends as reading it column by column.
        let grad_w = delta.clone().transpose().matmul(x).transpose().div_scalar(tb);
        // ∂L/∂b = (1/tb) Σᵢ δʸᵢ                                         (eq. 5)
        let grad_b = delta.sum_dim(0).reshape([-1]).div_scalar(tb);

        let mut grads = GradientsParams::new();
        grads.register(self.linear.weight.id, grad_w);
        if let Some(bias) = &self.linear.bias {
            grads.register(bias.id, grad_b);
        }
        StepGradients {
            grads,
            loss: cross_entropy(log_y_hat, batch.y_star.clone()),
        }
    }
}

/// The same gradients by burn's autodiff: the model is lifted onto `device.autodiff()`, the
/// loss is burn's cross-entropy (mean over the batch), and `backward()` does the calculus.
pub fn autodiff_gradients<M: Classifier>(model: &M, batch: &Batch) -> StepGradients {
    let tracked = tracked(model.clone());
    let logits = tracked.logits(batch.images.clone().autodiff());
    let loss = CrossEntropyLoss::new(None, &logits.device())
        .forward(logits, batch.labels.clone().autodiff());
    let backward = loss.backward();
    StepGradients {
        grads: GradientsParams::from_grads(backward, &tracked),
        loss: loss.without_autodiff(),
    }
}

/// The same module with every parameter on the autodiff device, its gradient tracked.
pub fn tracked<M: Module>(model: M) -> M {
    model.map(&mut Track)
}

struct Track;

impl ModuleMapper for Track {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|theta| theta.autodiff().require_grad())
    }
}

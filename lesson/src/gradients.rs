//! Where the gradients come from: the analytic formulas written beside each model (in
//! [`crate::model`]), or burn's autodiff, here. Both return the same thing — one gradient per
//! parameter, in burn's [`GradientsParams`] — so [`crate::sgd::sgd_step`] does not care which
//! one it got.

use burn::module::{Module, ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::data::Batch;
use crate::model::{Classifier, StepGradients};

/// Where a step's gradients come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradSource {
    /// The hand-derived formulas (eq. 4–5).
    Manual,
    /// burn's automatic differentiation (`device.autodiff()`, `loss.backward()`).
    Autodiff,
}

impl GradSource {
    /// Both sources.
    pub const ALL: [GradSource; 2] = [GradSource::Manual, GradSource::Autodiff];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            GradSource::Manual => "manual",
            GradSource::Autodiff => "autodiff",
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

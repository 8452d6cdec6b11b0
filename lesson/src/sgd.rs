//! One SGD step, and who applies its update: the hand-written rule of eq. (6)–(7), or burn's
//! `Sgd` optimizer stepping the module from `GradientsParams` (the framework doing everything).
//!
//! [`sgd_step`] is the only place a step is taken: training, the gradient check, `handgrad
//! bench` and the criterion benches all call it.

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::data::Batch;
use crate::gradients::{GradSource, autodiff_gradients, tracked};
use crate::model::AnalyticGradients;

/// A model after one step, and the loss of the batch it stepped on.
pub struct Stepped<M> {
    /// The updated model.
    pub model: M,
    /// The batch loss before the update (eq. 3), a one-element tensor left on the device.
    pub loss: Tensor<1>,
}

/// One step of mini-batch SGD: the gradients of the batch loss from `grad`, then the update
/// `θ ← θ − η ∂L/∂θ` by `optimizer`. Taking the model by value lets the update reuse the
/// parameters' buffers.
pub fn sgd_step<M: AnalyticGradients>(
    model: M,
    batch: &Batch,
    grad: GradSource,
    optimizer: &mut Optimizer,
    lr: f64,
) -> Stepped<M> {
    let step = match grad {
        GradSource::Manual => model.analytic_gradients(batch), //  ∂L/∂θ by eq. (4)–(5), model/
        GradSource::Autodiff => autodiff_gradients(&model, batch), // ∂L/∂θ by burn's backward()
    };
    let model = optimizer.step(lr, model, step.grads); //          θ ← θ − η ∂L/∂θ, eq. (6)–(7)
    Stepped { model, loss: step.loss }
}

/// Who applies the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// `θ ← θ − η ∂L/∂θ`, written here (eq. 6–7).
    Manual,
    /// burn's `Sgd` optimizer (no momentum, no weight decay: the same rule).
    Burn,
}

impl OptimizerKind {
    /// Both rules.
    pub const ALL: [OptimizerKind; 2] = [OptimizerKind::Manual, OptimizerKind::Burn];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Manual => "manual",
            OptimizerKind::Burn => "burn",
        }
    }
}

/// An update rule ready to step a model.
pub enum Optimizer {
    /// The hand-written step.
    Manual,
    /// burn's optimizer (it keeps per-parameter state, empty for plain SGD).
    Burn(ModuleOptimizer),
}

impl Optimizer {
    /// A new optimizer of the given kind.
    pub fn new(kind: OptimizerKind) -> Self {
        match kind {
            OptimizerKind::Manual => Optimizer::Manual,
            OptimizerKind::Burn => Optimizer::Burn(SgdConfig::new().init()),
        }
    }

    /// One gradient-descent update with learning rate `lr` (η).
    pub fn step<M: Module>(&mut self, lr: f64, model: M, grads: GradientsParams) -> M {
        match self {
            Optimizer::Manual => model.map(&mut ManualSgd { lr, grads }),
            // burn's optimizer steps modules that live on an autodiff device: `tracked` puts
            // the parameters there, `valid()` brings the updated ones back.
            Optimizer::Burn(optim) => optim.step(lr, tracked(model), grads).valid(),
        }
    }
}

/// Visits every parameter θ of a module and applies `θ ← θ − η ∂L/∂θ`.
struct ManualSgd {
    lr: f64,
    grads: GradientsParams,
}

impl ModuleMapper for ManualSgd {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(grad) = self.grads.remove::<D>(param.id) else {
            return param;
        };
        let lr = self.lr;
        param.map(|theta| descend(theta, grad, lr))
    }
}

/// One parameter's step downhill, θ being W or b.
pub fn descend<const D: usize>(theta: Tensor<D>, grad: Tensor<D>, lr: f64) -> Tensor<D> {
    // W⁽ᵗ⁺¹⁾ = W⁽ᵗ⁾ − η ∂L/∂W                                      (eq. 6)
    // b⁽ᵗ⁺¹⁾ = b⁽ᵗ⁾ − η ∂L/∂b                                      (eq. 7)
    theta - grad.mul_scalar(lr)
}

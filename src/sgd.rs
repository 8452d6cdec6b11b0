//! Who applies the update: the hand-written SGD step of eq. (6)–(7), or burn's `Sgd`
//! optimizer stepping the module from `GradientsParams` (the framework doing everything).

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::Tensor;

use crate::gradients::tracked;

/// The update rule, chosen by `--optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// `θ ← θ − η ∂L/∂θ`, written here (eq. 6–7).
    Manual,
    /// burn's `Sgd` optimizer (no momentum, no weight decay: the same rule).
    Burn,
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

    /// One gradient-descent step with learning rate `lr` (η).
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
        // W⁽ᵗ⁺¹⁾ = W⁽ᵗ⁾ − η ∂L/∂W                                      (eq. 6)
        // b⁽ᵗ⁺¹⁾ = b⁽ᵗ⁾ − η ∂L/∂b                                      (eq. 7)
        param.map(|theta| theta - grad.mul_scalar(lr))
    }
}

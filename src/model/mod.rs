//! The models of the lab, each in one file with its forward and its hand-written backward
//! pass: [`logreg`] (exercise 1) and [`mlp`] (exercise 2); [`loss`] holds what they share,
//! softmax and cross-entropy (eq. 1–3).
//!
//! As in burn's guide, a model is built from its configuration: [`ModelConfig::init`].

pub mod logreg;
pub mod loss;
pub mod mlp;

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::Batch;

pub use logreg::LogisticRegression;
pub use mlp::{Activation, Mlp};

/// A classifier that handgrad can train: logits from images, and parameters to update.
pub trait Classifier: Module + Clone + std::fmt::Debug + Send + 'static {
    /// The scores `S` (tb × 10) of a batch of images `X` (tb × 784), before softmax.
    fn logits(&self, x: Tensor<2>) -> Tensor<2>;
}

/// The gradients of one batch, and the batch's mean cross-entropy (eq. 3 on the batch).
pub struct StepGradients {
    /// `∂L/∂θ` for every parameter θ of the model, keyed by the parameter's id.
    pub grads: GradientsParams,
    /// The batch loss, a one-element tensor (left on the device: reading it would sync).
    pub loss: Tensor<1>,
}

/// A model whose gradients are written by hand, next to its forward pass.
pub trait AnalyticGradients: Classifier {
    /// The gradients of the mean cross-entropy of `batch`, from the formulas — with `bug`
    /// injected on the way when one is given (for the gradient check to catch; a bug that
    /// has no line in this model, such as `NoSigmaPrime` in the logistic regression, changes
    /// nothing).
    fn analytic_gradients_with(&self, batch: &Batch, bug: Option<Bug>) -> StepGradients;

    /// The gradients of the mean cross-entropy of `batch`, from the formulas.
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients {
        self.analytic_gradients_with(batch, None)
    }
}

/// A mistake students make in the backward pass, injected into the real one (`--inject-bug`)
/// to show that the gradient check catches it. Each is one `match` arm on the line it spoils.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bug {
    /// Forgets the 1/tb of eq. (4)–(5): sums over the batch instead of averaging.
    NoMean,
    /// Uses Y* − Ŷ instead of Ŷ − Y*: a step uphill.
    Sign,
    /// Reshapes Δᵀ X (10 × 784) to 784 × 10 instead of transposing it (for the MLP, the same
    /// slip on the first layer: δʰᵀ X reshaped to 784 × L).
    Transpose,
    /// Normalizes the softmax over the batch (axis 0) instead of over the classes.
    SoftmaxAxis,
    /// Forgets σ'(U) in the hidden layer's δʰ (MLP only).
    NoSigmaPrime,
}

impl Bug {
    /// Every bug.
    pub const ALL: [Bug; 5] = [Bug::NoMean, Bug::Sign, Bug::Transpose, Bug::SoftmaxAxis, Bug::NoSigmaPrime];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Bug::NoMean => "no-mean",
            Bug::Sign => "sign",
            Bug::Transpose => "transpose",
            Bug::SoftmaxAxis => "softmax-axis",
            Bug::NoSigmaPrime => "no-sigma-prime",
        }
    }

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

    /// Whether the mistake can be made in a model of this architecture.
    pub fn applies_to(self, architecture: Architecture) -> bool {
        !(self == Bug::NoSigmaPrime && architecture == Architecture::Logreg)
    }
}

/// How the parameters start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// All zeros, as the lab does (fine for a convex problem).
    Zeros,
    /// Gaussian N(0, 1/fan-in) weights, seeded by `--seed` (the MLP's biases start at zero).
    Normal,
}

impl Init {
    /// Both ways.
    pub const ALL: [Init; 2] = [Init::Zeros, Init::Normal];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Init::Zeros => "zeros",
            Init::Normal => "normal",
        }
    }
}

/// Which model, and its shape: what `--model`, `--hidden` and `--activation` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Architecture {
    /// Exercise 1: 784 → 10, softmax.
    Logreg,
    /// Exercise 2: 784 → `hidden` (activation) → 10, softmax.
    Mlp {
        /// Hidden units `L`.
        hidden: usize,
        /// The hidden layer's activation.
        activation: Activation,
    },
}

impl Architecture {
    /// How the lab starts it: zeros for the (convex) logistic regression, random for the MLP.
    pub fn default_init(self) -> Init {
        match self {
            Architecture::Logreg => Init::Zeros,
            Architecture::Mlp { .. } => Init::Normal,
        }
    }

    /// A short description: "logistic regression 784→10", "MLP 784→100 (sigmoid)→10".
    pub fn describe(self) -> String {
        match self {
            Architecture::Logreg => "logistic regression 784→10".to_string(),
            Architecture::Mlp { hidden, activation } => {
                format!("MLP 784→{hidden} ({})→10", activation.name())
            }
        }
    }

    /// A new model of this architecture on `device`, initialised as asked.
    pub fn init(self, init: Init, device: &Device) -> Model {
        ModelConfig { architecture: self, init }.init(device)
    }
}

/// A model's configuration, as burn's guide has one per module: what it is and how it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelConfig {
    /// The architecture.
    pub architecture: Architecture,
    /// How the parameters start.
    pub init: Init,
}

impl ModelConfig {
    /// The model on `device` (random draws use the device's seed).
    pub fn init(&self, device: &Device) -> Model {
        match self.architecture {
            Architecture::Logreg => Model::Logreg(LogisticRegression::new(self.init, device)),
            Architecture::Mlp { hidden, activation } => {
                let mlp = Mlp::new(hidden, activation, device);
                Model::Mlp(match self.init {
                    Init::Normal => mlp,
                    Init::Zeros => mlp.map(&mut Zero),
                })
            }
        }
    }
}

/// Sets every parameter of a module to zero.
pub(crate) struct Zero;

impl burn::module::ModuleMapper for Zero {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.zeros_like())
    }
}

/// Either model, for the commands that handle both.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Model {
    /// Exercise 1.
    Logreg(LogisticRegression),
    /// Exercise 2.
    Mlp(Mlp),
}

impl Model {
    /// The logistic regression, if it is one.
    pub fn as_logreg(&self) -> Option<&LogisticRegression> {
        match self {
            Model::Logreg(m) => Some(m),
            Model::Mlp(_) => None,
        }
    }

    /// The MLP, if it is one.
    pub fn as_mlp(&self) -> Option<&Mlp> {
        match self {
            Model::Mlp(m) => Some(m),
            Model::Logreg(_) => None,
        }
    }

    /// Its architecture.
    pub fn architecture(&self) -> Architecture {
        match self {
            Model::Logreg(_) => Architecture::Logreg,
            Model::Mlp(m) => Architecture::Mlp {
                hidden: m.hidden_units(),
                activation: m.activation(),
            },
        }
    }
}

impl Classifier for Model {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Model::Logreg(m) => m.logits(x),
            Model::Mlp(m) => m.logits(x),
        }
    }
}

impl AnalyticGradients for Model {
    fn analytic_gradients_with(&self, batch: &Batch, bug: Option<Bug>) -> StepGradients {
        match self {
            Model::Logreg(m) => m.analytic_gradients_with(batch, bug),
            Model::Mlp(m) => m.analytic_gradients_with(batch, bug),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;
    use crate::data::{PIXELS, Split};
    use crate::shuffle::SplitMix64;

    fn values(grads: &GradientsParams, model: &Model) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        model.visit(&mut Collect { grads, out: &mut out });
        out
    }

    /// Each parameter's gradient, as raw f32 values, in the module's order.
    struct Collect<'a> {
        grads: &'a GradientsParams,
        out: &'a mut Vec<Vec<f32>>,
    }

    impl burn::module::ModuleVisitor for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let grad = self.grads.get::<D>(param.id).expect("every parameter has a gradient");
            self.out.push(grad.into_data().iter::<f32>().collect());
        }
    }

    fn setup() -> (Device, Batch, Vec<Model>) {
        let device = Backend::default_backend().unwrap().device();
        let mut rng = SplitMix64::new(7);
        let pixels: Vec<u8> = (0..20 * PIXELS).map(|_| rng.below(256) as u8).collect();
        let labels: Vec<u8> = (0..20).map(|_| rng.below(10) as u8).collect();
        let batch = Batch::gather(&Split::new(pixels, labels), &(0..20).collect::<Vec<_>>(), &device);
        device.seed(3);
        let models = [
            Architecture::Logreg,
            Architecture::Mlp { hidden: 7, activation: Activation::Sigmoid },
            Architecture::Mlp { hidden: 7, activation: Activation::Relu },
        ]
        .map(|a| a.init(Init::Normal, &device))
        .to_vec();
        (device, batch, models)
    }

    /// The gradient check injects its bugs into the real backward pass: with no bug, that pass
    /// is the training gradient bit for bit; a bug with no line in a model changes nothing;
    /// every other bug changes the gradient.
    #[test]
    fn bugs_go_through_the_real_backward_pass() {
        let (_device, batch, models) = setup();
        for model in &models {
            let real = values(&model.analytic_gradients(&batch).grads, model);
            let unbugged = values(&model.analytic_gradients_with(&batch, None).grads, model);
            assert_eq!(real, unbugged, "{:?}", model.architecture());
            for bug in Bug::ALL {
                let bugged = values(&model.analytic_gradients_with(&batch, Some(bug)).grads, model);
                if bug.applies_to(model.architecture()) {
                    assert_ne!(real, bugged, "{bug:?} changes nothing in {:?}", model.architecture());
                } else {
                    assert_eq!(real, bugged, "{bug:?} in {:?}", model.architecture());
                }
            }
        }
    }
}

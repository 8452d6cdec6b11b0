//! The model of exercise 1: logistic regression, one burn `Linear` layer 784 → 10.
//!
//! `Linear` stores its weight as `[d_input, d_output]`, which is exactly the lab's `W`
//! (784 × 10, one column `w_c` per class), and its bias as the lab's `b` (10 values).

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::data::{CLASSES, PIXELS};

/// A classifier that handgrad can train: logits from images, and parameters to update.
pub trait Classifier: Module + Clone + std::fmt::Debug + Send + 'static {
    /// The scores `S` (tb × 10) of a batch of images `X` (tb × 784), before softmax.
    fn logits(&self, x: Tensor<2>) -> Tensor<2>;
}

/// How the parameters start.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// All zeros, as the lab does (fine for a convex problem).
    Zeros,
    /// Gaussian N(0, 1/√784) entries, seeded by `--seed`.
    Normal,
}

/// Logistic regression: `Ŷ = softmax(XW + b)` (eq. 1).
#[derive(Module, Debug)]
pub struct LogisticRegression {
    /// `W` is `linear.weight` (784 × 10) and `b` is `linear.bias` (10).
    pub linear: Linear,
}

impl LogisticRegression {
    /// A new model on `device`, initialized as asked.
    pub fn new(init: Init, device: &Device) -> Self {
        let initializer = match init {
            Init::Zeros => Initializer::Zeros,
            Init::Normal => Initializer::Normal {
                mean: 0.0,
                std: 1.0 / (PIXELS as f64).sqrt(),
            },
        };
        let linear = LinearConfig::new(PIXELS, CLASSES)
            .with_initializer(initializer)
            .init(device);
        Self { linear }
    }

    /// A model with the given `W` (784 × 10) and `b` (10).
    pub fn from_parameters(w: Tensor<2>, b: Tensor<1>) -> Self {
        Self {
            linear: Linear {
                weight: Param::from_tensor(w),
                bias: Some(Param::from_tensor(b)),
            },
        }
    }

    /// `W`, 784 × 10.
    pub fn w(&self) -> Tensor<2> {
        self.linear.weight.val()
    }

    /// `b`, 10 values.
    pub fn b(&self) -> Tensor<1> {
        // LinearConfig::init always creates the bias (bias = true by default).
        self.linear.bias.as_ref().map(Param::val).expect("the layer has a bias")
    }
}

impl Classifier for LogisticRegression {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        // S = XW + b
        self.linear.forward(x)
    }
}

/// Which model, and its shape: what `--model`, `--hidden` and `--activation` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Architecture {
    /// Exercise 1: 784 → 10, softmax.
    Logreg,
    /// Exercise 2: 784 → `hidden` (activation) → 10, softmax.
    Mlp {
        /// Hidden units `L`.
        hidden: usize,
        /// The hidden layer's activation.
        activation: crate::mlp::Activation,
    },
}

impl Architecture {
    /// A new model of this architecture on `device`.
    pub fn init(self, init: Init, device: &Device) -> Model {
        match self {
            Architecture::Logreg => Model::Logreg(LogisticRegression::new(init, device)),
            Architecture::Mlp { hidden, activation } => {
                let mlp = crate::mlp::Mlp::new(hidden, activation, device);
                Model::Mlp(match init {
                    Init::Normal => mlp,
                    Init::Zeros => mlp.map(&mut crate::model::Zero),
                })
            }
        }
    }

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
                format!("MLP 784→{hidden} ({})→10", crate::cli::name_of(&activation))
            }
        }
    }
}

/// Sets every parameter of a module to zero.
pub struct Zero;

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
    Mlp(crate::mlp::Mlp),
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
    pub fn as_mlp(&self) -> Option<&crate::mlp::Mlp> {
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

impl crate::gradients::AnalyticGradients for Model {
    fn analytic_gradients(&self, batch: &crate::data::Batch) -> crate::gradients::StepGradients {
        match self {
            Model::Logreg(m) => m.analytic_gradients(batch),
            Model::Mlp(m) => m.analytic_gradients(batch),
        }
    }
}

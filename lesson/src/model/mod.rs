//! The models of the lab, each in one file with its forward and its hand-written backward
//! pass: [`logreg`] (exercise 1) and [`mlp`] (exercise 2); [`loss`] holds what they share,
//! softmax and cross-entropy (eq. 1–3).
//!
//! As in burn's guide, a model is built from its configuration: [`ModelConfig::init`].

pub mod inside;
pub mod logreg;
pub mod loss;
pub mod mlp;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::Batch;
use crate::invalid::{Invalid, Setting};

pub use inside::{Inside, Inspect, Templates, TemplatesOf};
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
    /// The gradients of the mean cross-entropy of `batch` (eq. 3), from the formulas.
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients;
}

/// How the parameters start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// All zeros, as the lab does (fine for a convex problem).
    Zeros,
    /// Gaussian N(0, 1/fan-in) weights, from the device's seed (the MLP's biases start at zero).
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

/// The precision of a model's parameters, and so of every product computed with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats, burn's default.
    #[default]
    F32,
    /// 64-bit floats, as the lab's numpy (`np.zeros` is float64): the pixels are still scaled
    /// in f32 (`astype('float32') / 255`), then promoted, as numpy promotes them.
    F64,
}

impl Precision {
    /// Both.
    pub const ALL: [Precision; 2] = [Precision::F32, Precision::F64];

    /// Its name on the command line and in model.json.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    /// burn's data type for it.
    pub fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }

    /// Whether it is the default, f32 (model.json leaves it out then).
    pub fn is_f32(&self) -> bool {
        *self == Precision::F32
    }
}

/// The lab's models, by the name `kind` has in model.json and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Exercise 1, [`LogisticRegression`].
    Logreg,
    /// Exercise 2, the perceptron of [`mlp`].
    Mlp,
}

impl ModelKind {
    /// Every model.
    pub const ALL: [ModelKind; 2] = [ModelKind::Logreg, ModelKind::Mlp];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Logreg => "logreg",
            ModelKind::Mlp => "mlp",
        }
    }
}

/// Which model, and its shape: one type from the command line to model.json.
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
    /// The architecture of a `kind`, with `hidden` units of `activation` where it has a
    /// hidden layer; checked.
    pub fn new(kind: ModelKind, hidden: usize, activation: Activation) -> Result<Self, Invalid> {
        let architecture = match kind {
            ModelKind::Logreg => Architecture::Logreg,
            ModelKind::Mlp => Architecture::Mlp { hidden, activation },
        };
        architecture.validate()?;
        Ok(architecture)
    }

    /// Checks what the type alone does not (a model.json edited by hand may say anything).
    pub fn validate(self) -> Result<(), Invalid> {
        match self {
            Architecture::Mlp { hidden: 0, .. } => {
                Err(Invalid { setting: Setting::HiddenUnits, problem: "must be at least 1".into() })
            }
            _ => Ok(()),
        }
    }

    /// Its hidden units, if it has a hidden layer.
    pub fn hidden_units(self) -> Option<usize> {
        match self {
            Architecture::Logreg => None,
            Architecture::Mlp { hidden, .. } => Some(hidden),
        }
    }

    /// Whether its loss has kinks (ReLU's at 0), which finite differences must not straddle.
    pub fn has_kinks(self) -> bool {
        matches!(self, Architecture::Mlp { activation: Activation::Relu, .. })
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
                format!("MLP 784→{hidden} ({})→10", activation.name())
            }
        }
    }

    /// A new model of this architecture on `device`, initialised as asked.
    pub fn init(self, init: Init, device: &Device) -> Model {
        ModelConfig { architecture: self, init, precision: Precision::F32 }.init(device)
    }
}

/// A model's configuration, as burn's guide has one per module: what it is and how it starts.
/// Saved as it is in model.json: `{"kind": "mlp", "hidden": 100, "activation": "sigmoid",
/// "init": "normal"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The architecture.
    #[serde(flatten)]
    pub architecture: Architecture,
    /// How the parameters start.
    pub init: Init,
    /// The parameters' precision (absent from model.json for f32, the default).
    #[serde(default, skip_serializing_if = "Precision::is_f32")]
    pub precision: Precision,
}

impl ModelConfig {
    /// The model on `device` (random draws use the device's seed, in f32, then cast).
    pub fn init(&self, device: &Device) -> Model {
        let model = self.init_f32(device);
        match self.precision {
            Precision::F32 => model,
            Precision::F64 => model.map(&mut Cast(DType::F64)),
        }
    }

    fn init_f32(&self, device: &Device) -> Model {
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
pub struct Zero;

impl burn::module::ModuleMapper for Zero {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.zeros_like())
    }
}

/// Casts every parameter of a module to another precision.
pub struct Cast(pub DType);

impl burn::module::ModuleMapper for Cast {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|t| t.cast(dtype))
    }
}

/// The precision of a module's parameters (that of its first one; f32 for a module with
/// none): the images and `Y*` fed to it are cast to it.
pub fn dtype_of<M: Module>(module: &M) -> DType {
    struct First(Option<DType>);
    impl ModuleVisitor for First {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.get_or_insert_with(|| param.val().dtype());
        }
    }
    let mut first = First(None);
    module.visit(&mut first);
    first.0.unwrap_or(DType::F32)
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

impl Inspect for Model {
    fn kind(&self) -> &'static str {
        match self {
            Model::Logreg(m) => m.kind(),
            Model::Mlp(m) => m.kind(),
        }
    }

    fn parameter_names(&self) -> Vec<(burn::module::ParamId, &'static str)> {
        match self {
            Model::Logreg(m) => m.parameter_names(),
            Model::Mlp(m) => m.parameter_names(),
        }
    }

    fn templates(&self) -> Templates {
        match self {
            Model::Logreg(m) => m.templates(),
            Model::Mlp(m) => m.templates(),
        }
    }

    fn inside(&self, x: Tensor<2>) -> Inside {
        match self {
            Model::Logreg(m) => m.inside(x),
            Model::Mlp(m) => m.inside(x),
        }
    }
}

impl AnalyticGradients for Model {
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients {
        match self {
            Model::Logreg(m) => m.analytic_gradients(batch),
            Model::Mlp(m) => m.analytic_gradients(batch),
        }
    }
}

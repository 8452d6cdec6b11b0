//! Gradient checking for burn: the gradients of a module or of a function of tensors —
//! burn's autodiff, through any op (custom ones with a hand-written `Backward` included), or
//! gradients you wrote by hand — against central finite differences in f64, with verdicts
//! that know float precision and a diagnosis of *how* a wrong gradient is wrong (c × the right
//! one, transposed, reshaped, zeros, NaN, wrong from one layer on). PyTorch's `gradcheck`
//! and JAX's `check_grads`, for burn.
//!
//! One line checks a module's autodiff; [`GradCheck`] is built in one line too:
//!
//! ```
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::{Device, Distribution, Tensor};
//! use burn_gradcheck::{At, GradCheck, assert_gradients};
//!
//! // Any module: y = tanh(x W + b), loss = mean(y²).
//! #[derive(Module, Debug)]
//! struct Tanh {
//!     layer: Linear,
//! }
//!
//! # #[allow(deprecated)]
//! let device = Device::ndarray(); // any device: ndarray, flex, wgpu, …
//! let module = Tanh { layer: LinearConfig::new(4, 3).init(&device) };
//! let x = Tensor::<2>::random([5, 4], Distribution::Normal(0.0, 1.0), &device);
//! // The loss builds its inputs in the float type of the point being evaluated: `at.input`.
//! let loss = |m: &Tanh, at: &At| m.layer.forward(at.input(&x)).tanh().powi_scalar(2).mean();
//! // No hand-written gradient: autodiff itself is checked against finite differences.
//! assert_gradients(&module, &loss, None);
//! // The same, as a report to read: one row per parameter.
//! let report = GradCheck::new().samples(50).check(&module, loss).unwrap();
//! assert!(report.passed(), "{report}");
//! ```
//!
//! - [`GradCheck::check`] and [`GradCheck::check_hand_written`]: a module's autodiff, or your
//!   gradients, against finite differences (and yours against autodiff);
//! - [`GradCheck::check_fn`] and [`GradCheck::check_fn_hand_written`]: the same for a scalar
//!   function of tensors ([`Input`], [`Inputs`]);
//! - [`Verdict`]: pass, fail or inconclusive, by [`judge`], to the [`Tolerances`] of the
//!   comparison's float type, with a negative control at every point;
//! - [`GradCheck::fast`]: random directions for large models ([`Mode::Directions`]);
//! - [`Report`] and [`table`]: the rows, and the table that prints them; [`diagnose`]: how a
//!   wrong gradient is wrong.
//!
//! `examples/custom_op` checks a custom op with a hand-written `Backward` (and a wrong one:
//! `--wrong`); `examples/gradcheck_custom.rs` a module with a hand-written backward pass.

#![warn(missing_docs)]

mod check;
pub mod diagnose;
mod finite;
mod function;
mod params;
mod report;
mod settings;
mod verdict;

use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Int, Tensor};

pub use diagnose::{FromLayer, Relation, from_layer, layer_of, relate};
pub use finite::central_difference;
pub use function::{Input, Inputs};
pub use params::autodiff_of;
pub use report::{CheckRow, Report, table};
pub use settings::{GradCheck, Mode, Precision, Tolerance, Tolerances};
pub use verdict::{Comparison, Inconclusive, REL_FLOOR, Verdict, Witness, compare, judge};

/// Where a loss is evaluated: the float type of the module's parameters there (f32 for the
/// comparison with autodiff, f64 for finite differences) and the device they are on. A loss
/// closure brings its inputs there with [`At::input`] (float tensors: moved and cast) and
/// [`At::int_input`] (class indices: moved).
///
/// The f64 side runs on a device whose f64 arithmetic is right: the module's own, or, for a
/// module on wgpu, a CPU backend compiled into the same binary — SPIR-V's standard `Exp` and
/// `Log` exist for 16- and 32-bit floats only, and a shader's f64 `exp` came back as garbage
/// (on lavapipe, the f32 result's bits read as an f64), which failed correct gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct At {
    /// The float type.
    pub dtype: DType,
    /// The device.
    pub device: Device,
}

impl At {
    /// A float input on this point's device, in its float type.
    ///
    /// ```
    /// # use burn::tensor::{DType, Device, Tensor};
    /// # use burn_gradcheck::At;
    /// # #[allow(deprecated)]
    /// # let device = Device::ndarray();
    /// let at = At { dtype: DType::F32, device: device.clone() };
    /// let x = Tensor::<1>::from_floats([0.5], &device).cast(DType::F64);
    /// assert_eq!(at.input(&x).dtype(), DType::F32);
    /// ```
    pub fn input<const D: usize>(&self, x: &Tensor<D>) -> Tensor<D> {
        if x.device() == self.device {
            x.clone().cast(self.dtype)
        } else {
            Tensor::from_data(x.to_data(), (&self.device, self.dtype))
        }
    }

    /// An integer input (class indices) on this point's device.
    ///
    /// ```
    /// # use burn::tensor::{DType, Device, Int, Tensor};
    /// # use burn_gradcheck::At;
    /// # #[allow(deprecated)]
    /// # let device = Device::ndarray();
    /// let at = At { dtype: DType::F64, device: device.clone() };
    /// let labels = Tensor::<1, Int>::from_ints([3, 1], &device);
    /// assert_eq!(at.int_input(&labels).into_data().to_vec::<i64>().unwrap(), [3, 1]);
    /// ```
    pub fn int_input<const D: usize>(&self, x: &Tensor<D, Int>) -> Tensor<D, Int> {
        if x.device() == self.device {
            x.clone()
        } else {
            Tensor::from_data(x.to_data(), &self.device)
        }
    }
}

/// A scalar loss of a module (a one-element tensor).
///
/// ```
/// use burn::nn::Linear;
/// use burn_gradcheck::{At, Loss};
/// let loss: &Loss<Linear> = &|m: &Linear, _at: &At| m.weight.val().powi_scalar(2).sum();
/// # let _ = loss;
/// ```
pub type Loss<'a, M> = dyn Fn(&M, &At) -> Tensor<1> + Sync + 'a;

/// Hand-written gradients of that loss, keyed by the parameters' ids.
///
/// ```
/// use burn::nn::Linear;
/// use burn::optim::GradientsParams;
/// use burn_gradcheck::{At, HandGradients};
/// // ∂(Σ W²)/∂W = 2W.
/// let hand: &HandGradients<Linear> = &|m: &Linear, _at: &At| {
///     let mut grads = GradientsParams::new();
///     grads.register(m.weight.id, m.weight.val().mul_scalar(2.0));
///     grads
/// };
/// # let _ = hand;
/// ```
pub type HandGradients<'a, M> = dyn Fn(&M, &At) -> GradientsParams + Sync + 'a;

/// Why a check could not be made (a check that ran and found a wrong gradient is not an
/// error: its rows say so).
///
/// ```
/// use burn_gradcheck::Error;
/// let e = Error::NoGradient { param: "layer.weight".into() };
/// assert_eq!(e.to_string(), "no gradient for parameter layer.weight");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The gradients given have none for this parameter.
    NoGradient {
        /// The parameter's name.
        param: String,
    },
    /// Entries chosen ([`GradCheck::entries`]) for a name no parameter or input has, or past
    /// its end.
    Entries {
        /// The name given.
        param: String,
        /// The first index past its end (none when no parameter has that name).
        index: Option<usize>,
    },
    /// A parameter of rank above 4.
    Rank {
        /// The parameter's name.
        param: String,
        /// Its rank.
        rank: usize,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoGradient { param } => write!(f, "no gradient for parameter {param}"),
            Error::Entries { param, index: None } => write!(f, "entries chosen for {param}, which no parameter is named"),
            Error::Entries { param, index: Some(i) } => write!(f, "entry {i} chosen for {param}, past its end"),
            Error::Rank { param, rank } => {
                write!(f, "parameter {param} has rank {rank}, above the 4 the check reads")
            }
        }
    }
}

impl std::error::Error for Error {}

/// What the check returns.
///
/// ```
/// let r: burn_gradcheck::Result<()> = Err(burn_gradcheck::Error::Rank { param: "t".into(), rank: 5 });
/// assert_eq!(r.unwrap_err().to_string(), "parameter t has rank 5, above the 4 the check reads");
/// ```
pub type Result<T> = std::result::Result<T, Error>;

/// Checks the gradients of `loss` at `module` with the default settings (and `hand`, when
/// given), and panics with the report unless every comparison passed — a failure, or an
/// inconclusive row (a point where the check could not have caught a wrong gradient): for
/// `#[test]`s.
///
/// ```should_panic
/// use burn::nn::{Linear, LinearConfig};
/// use burn::optim::GradientsParams;
/// use burn::tensor::Device;
/// use burn_gradcheck::{At, assert_gradients};
/// # #[allow(deprecated)]
/// let device = Device::ndarray();
/// let layer: Linear = LinearConfig::new(2, 2).init(&device);
/// let bias = |m: &Linear| m.bias.as_ref().unwrap().val();
/// let loss = |m: &Linear, _: &At| m.weight.val().powi_scalar(2).sum() + bias(m).sum();
/// // ∂L/∂W is 2W, not W: panics, "gradient check FAIL … for weight against autodiff".
/// let hand = |m: &Linear, _: &At| {
///     let mut grads = GradientsParams::new();
///     grads.register(m.weight.id, m.weight.val());
///     grads.register(m.bias.as_ref().unwrap().id, bias(m).ones_like());
///     grads
/// };
/// assert_gradients(&layer, &loss, Some(&hand));
/// ```
pub fn assert_gradients<M: burn::module::Module>(module: &M, loss: &Loss<M>, hand: Option<&HandGradients<M>>) {
    let check = GradCheck::new();
    let report = match hand {
        Some(hand) => check.check_hand_written(module, loss, hand),
        None => check.check(module, loss),
    }
    .unwrap_or_else(|e| panic!("gradient check: {e}"));
    if let Some(bad) = report.rows.iter().find(|r| !r.passed) {
        panic!("gradient check {} for {} against {}:\n{report}", bad.verdict_text(), bad.param, bad.against);
    }
}

/// The backend's name, in lower case, from the device's description: `Device<NdArray(Cpu)>`
/// is `ndarray`, `Device<Cube(Wgpu(…))>` is `wgpu` (burn's CubeCL runtimes are named by the
/// runtime inside).
///
/// ```
/// use burn::tensor::Device;
/// # #[allow(deprecated)]
/// assert_eq!(burn_gradcheck::backend_name(&Device::ndarray()), "ndarray");
/// ```
pub fn backend_name(device: &Device) -> String {
    let text = format!("{device:?}");
    let mut rest = text.strip_prefix("Device<").unwrap_or(&text);
    loop {
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
        match rest[name.len()..].strip_prefix('(') {
            Some(inner) if name == "Cube" || name == "Autodiff" => rest = inner,
            _ if name.is_empty() => return text,
            _ => return name.to_lowercase(),
        }
    }
}


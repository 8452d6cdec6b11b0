//! Functions as well as modules: a scalar function of one or more tensors — a plain function,
//! or one built on a custom op with a hand-written backward — checked the way a module is. Its
//! inputs become the parameters of a small module, [`Args`], one flat vector each, read back
//! in their shapes by [`Inputs::get`].

use burn::module::{Module, Param};
use burn::tensor::{Tensor, TensorData};

use crate::check::Subject;
use crate::params::{Grads, parameters};
use crate::report::Report;
use crate::settings::GradCheck;
use crate::{At, Error, Result};

/// An input of a function to check: its values and shape (any rank), and its name in the
/// report (`input 0`, `input 1`, … unless named).
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use burn_gradcheck::Input;
/// # #[allow(deprecated)]
/// let x = Tensor::<2>::zeros([2, 3], &Device::ndarray());
/// let input = Input::new(&x).named("x");
/// assert_eq!(input.shape(), [2, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct Input {
    name: Option<String>,
    tensor: Tensor<1>,
    shape: Vec<usize>,
}

impl Input {
    /// The input `x`, as it is now (its values are the point checked).
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<3>::zeros([2, 3, 4], &Device::ndarray());
    /// assert_eq!(burn_gradcheck::Input::new(&x).shape(), [2, 3, 4]);
    /// ```
    pub fn new<const D: usize>(x: &Tensor<D>) -> Self {
        let shape = x.dims().to_vec();
        Input { name: None, tensor: x.clone().reshape([-1]), shape }
    }

    /// Names the input in the report.
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<1>::ones([2], &Device::ndarray());
    /// let report = GradCheck::new().check_fn(&[Input::new(&x).named("x")], |xs: &Inputs| xs.get::<1>(0).exp().sum()).unwrap();
    /// assert_eq!(report.rows[0].param, "x");
    /// ```
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Its shape.
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<1>::ones([5], &Device::ndarray());
    /// assert_eq!(burn_gradcheck::Input::new(&x).shape(), [5]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
}

/// A function's inputs as the parameters of a module: each a flat vector.
#[derive(Module, Debug)]
struct Args {
    xs: Vec<Param<Tensor<1>>>,
}

/// The inputs of a function at the point being evaluated, as the function reads them: on that
/// point's device, in its float type, tracked by autodiff where autodiff is asked for.
///
/// ```
/// use burn::tensor::{DType, Device, Tensor};
/// use burn_gradcheck::{GradCheck, Input, Inputs};
/// # #[allow(deprecated)]
/// let device = Device::ndarray();
/// let (x, c) = (Tensor::<2>::ones([2, 2], &device), Tensor::<2>::ones([2, 2], &device));
/// // f(x) = Σ x ⊙ c, with c a constant: read in the point's float type.
/// let f = |xs: &Inputs| {
///     assert!(matches!(xs.at().dtype, DType::F32 | DType::F64));
///     (xs.get::<2>(0) * xs.constant(&c)).sum()
/// };
/// assert!(GradCheck::new().check_fn(&[Input::new(&x)], f).unwrap().passed());
/// ```
pub struct Inputs<'a> {
    args: &'a Args,
    shapes: &'a [Vec<usize>],
    at: &'a At,
}

impl Inputs<'_> {
    /// Input `i` in its shape, of rank `D`.
    ///
    /// # Panics
    ///
    /// When there is no input `i`, or it is not of rank `D` (a mistake in the function's code,
    /// said in the message).
    ///
    /// ```should_panic
    /// # use burn::tensor::{Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<2>::ones([2, 2], &Device::ndarray());
    /// // Read as rank 1: panics, "input 0 has rank 2, read as rank 1".
    /// let _ = GradCheck::new().check_fn(&[Input::new(&x)], |xs: &Inputs| xs.get::<1>(0).sum());
    /// ```
    pub fn get<const D: usize>(&self, i: usize) -> Tensor<D> {
        let (Some(x), Some(shape)) = (self.args.xs.get(i), self.shapes.get(i)) else {
            panic!("input {i} asked for, of {} inputs", self.shapes.len())
        };
        let dims: [usize; D] = shape
            .clone()
            .try_into()
            .unwrap_or_else(|_| panic!("input {i} has rank {}, read as rank {D}", shape.len()));
        x.val().reshape(dims)
    }

    /// The point: its float type and device ([`At::input`] brings a constant there).
    ///
    /// ```
    /// # use burn::tensor::{DType, Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let x = Tensor::<1>::ones([2], &Device::ndarray());
    /// // Without a hand-written gradient, every evaluation is in f64.
    /// let f = |xs: &Inputs| { assert_eq!(xs.at().dtype, DType::F64); xs.get::<1>(0).exp().sum() };
    /// GradCheck::new().check_fn(&[Input::new(&x)], f).unwrap();
    /// ```
    pub fn at(&self) -> &At {
        self.at
    }

    /// A constant of the function (not an input checked), brought to the point.
    ///
    /// ```
    /// # use burn::tensor::{Device, Tensor};
    /// # use burn_gradcheck::{GradCheck, Input, Inputs};
    /// # #[allow(deprecated)]
    /// let (x, w) = (Tensor::<1>::ones([2], &Device::ndarray()), Tensor::<1>::from_floats([2.0, -1.0], &Device::ndarray()));
    /// let f = |xs: &Inputs| (xs.get::<1>(0).exp() * xs.constant(&w)).sum();
    /// assert!(GradCheck::new().check_fn(&[Input::new(&x)], f).unwrap().passed());
    /// ```
    pub fn constant<const D: usize>(&self, x: &Tensor<D>) -> Tensor<D> {
        self.at.input(x)
    }
}

impl GradCheck {
    /// Checks burn's autodiff of a scalar function of tensors — through any op, custom ones
    /// with a hand-written `Backward` included — against finite differences in f64.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_gradcheck::{GradCheck, Input, Inputs};
    ///
    /// # #[allow(deprecated)]
    /// let device = Device::ndarray();
    /// let x = Tensor::<2>::from_floats([[0.5, -1.0], [2.0, 0.25]], &device);
    /// let w = Tensor::<1>::from_floats([1.5, -0.5], &device);
    /// // f(x, w) = Σ sin(x) ⊙ w (w broadcast over the rows).
    /// let f = |xs: &Inputs| (xs.get::<2>(0).sin() * xs.get::<1>(1).unsqueeze()).sum();
    /// let report = GradCheck::new().check_fn(&[Input::new(&x).named("x"), Input::new(&w).named("w")], f).unwrap();
    /// assert!(report.passed(), "{report}");
    /// assert_eq!(report.rows.len(), 2);
    /// ```
    pub fn check_fn(&self, inputs: &[Input], f: impl Fn(&Inputs) -> Tensor<1> + Sync) -> Result<Report> {
        let (args, shapes, names) = args_of(inputs);
        let loss = |a: &Args, at: &At| f(&Inputs { args: a, shapes: &shapes, at });
        self.run_on(&subject(&args, &shapes, &names, &loss, None))
    }

    /// Checks a hand-written gradient of a scalar function of tensors — one `TensorData` per
    /// input, in the inputs' order — against burn's autodiff in f32 and against finite
    /// differences in f64.
    ///
    /// ```
    /// use burn::tensor::{Device, Tensor};
    /// use burn_gradcheck::{GradCheck, Input, Inputs, Relation};
    ///
    /// # #[allow(deprecated)]
    /// let device = Device::ndarray();
    /// let x = Tensor::<1>::from_floats([0.5, -1.0, 2.0], &device);
    /// // f(x) = Σ x³, ∂f/∂x = 3x²; written with the 3 forgotten.
    /// let f = |xs: &Inputs| xs.get::<1>(0).powi_scalar(3).sum();
    /// let grad = |xs: &Inputs| vec![xs.get::<1>(0).powi_scalar(2).into_data()];
    /// let report = GradCheck::new().check_fn_hand_written(&[Input::new(&x)], f, grad).unwrap();
    /// assert!(matches!(report.rows[0].why, Some(Relation::Scaled { factor }) if (factor - 1.0 / 3.0).abs() < 1e-6));
    /// ```
    pub fn check_fn_hand_written(
        &self,
        inputs: &[Input],
        f: impl Fn(&Inputs) -> Tensor<1> + Sync,
        grad: impl Fn(&Inputs) -> Vec<TensorData> + Sync,
    ) -> Result<Report> {
        let (args, shapes, names) = args_of(inputs);
        let loss = |a: &Args, at: &At| f(&Inputs { args: a, shapes: &shapes, at });
        let hand = |a: &Args, at: &At| -> Result<Grads> {
            let given = grad(&Inputs { args: a, shapes: &shapes, at });
            (0..shapes.len())
                .map(|i| match given.get(i) {
                    Some(data) => Ok((data.iter::<f64>().collect(), data.shape().to_vec())),
                    None => Err(Error::NoGradient { param: names[i].clone() }),
                })
                .collect()
        };
        self.run_on(&subject(&args, &shapes, &names, &loss, Some(&hand)))
    }
}

/// The inputs as a module, with their shapes and names.
fn args_of(inputs: &[Input]) -> (Args, Vec<Vec<usize>>, Vec<String>) {
    let xs = inputs.iter().map(|x| Param::from_tensor(x.tensor.clone())).collect();
    let shapes = inputs.iter().map(|x| x.shape.clone()).collect();
    let names = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| x.name.clone().unwrap_or_else(|| format!("input {i}")))
        .collect();
    (Args { xs }, shapes, names)
}

/// The subject of a function's check: its inputs' module, each input named and its gradient
/// read in its shape.
fn subject<'a>(
    args: &'a Args,
    shapes: &[Vec<usize>],
    names: &[String],
    loss: &'a crate::Loss<'a, Args>,
    hand: Option<&'a crate::check::HandValues<'a, Args>>,
) -> Subject<'a, Args> {
    let mut params = parameters(args);
    for ((p, shape), name) in params.iter_mut().zip(shapes).zip(names) {
        p.view = shape.clone();
        p.name = name.clone();
    }
    Subject { module: args, loss, hand, params }
}

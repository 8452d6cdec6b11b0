//! A module's float parameters as plain values, and the modules the check probes: one entry
//! set, moved along a direction, brought to a float type, tracked by autodiff.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use crate::{At, Error, Loss, Result};

/// A float parameter of a module: its path, id, shape and values, and the shape its gradient
/// is read in (its own, or, for an input of a function, the input's).
#[derive(Debug, Clone)]
pub(crate) struct Parameter {
    pub name: String,
    pub id: ParamId,
    pub shape: Vec<usize>,
    pub view: Vec<usize>,
    pub values: Vec<f64>,
}

/// A gradient as values (row-major) and its shape, one per parameter, in their order.
pub(crate) type Grads = Vec<(Vec<f64>, Vec<usize>)>;

/// Collects the float parameters of a module, in its order, with their paths.
#[derive(Default)]
struct Parameters {
    path: Vec<String>,
    found: Vec<Parameter>,
}

impl ModuleVisitor for Parameters {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        self.found.push(Parameter {
            name: self.path.join("."),
            id: param.id,
            view: shape.clone(),
            shape,
            values: tensor.into_data().iter::<f64>().collect(),
        });
    }
}

pub(crate) fn parameters<M: Module>(module: &M) -> Vec<Parameter> {
    let mut visitor = Parameters::default();
    module.visit(&mut visitor);
    visitor.found
}

/// The same module with one parameter's values replaced.
struct SetValues<'a> {
    param: &'a Parameter,
    values: Vec<f64>,
}

impl ModuleMapper for SetValues<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if param.id != self.param.id {
            return param;
        }
        let values = std::mem::take(&mut self.values);
        let shape = self.param.shape.clone();
        param.map(|t| {
            let (device, dtype) = (t.device(), t.dtype());
            // In the module's own float type: `&device` alone would round to the default f32.
            Tensor::<D>::from_data(TensorData::new(values, shape), (&device, dtype))
        })
    }
}

/// The loss at `module` with entry `index` of parameter `p` set to `value`.
pub(crate) fn loss_with_entry<M: Module>(module: &M, loss: &Loss<M>, at: &At, p: &Parameter, index: usize, value: f64) -> f64 {
    let mut values = p.values.clone();
    values[index] = value;
    let probe = module.clone().map(&mut SetValues { param: p, values });
    loss(&probe, at).into_scalar::<f64>()
}

/// The loss at `module` with parameter `p` moved to `θ + t v`.
pub(crate) fn loss_along<M: Module>(module: &M, loss: &Loss<M>, at: &At, p: &Parameter, v: &[f64], t: f64) -> f64 {
    let values = p.values.iter().zip(v).map(|(x, d)| x + t * d).collect();
    let probe = module.clone().map(&mut SetValues { param: p, values });
    loss(&probe, at).into_scalar::<f64>()
}

/// Brings every float parameter of a module to a point: its device and float type.
pub(crate) struct MoveTo<'a>(pub &'a At);

impl ModuleMapper for MoveTo<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| self.0.input(&t))
    }
}

/// Puts every parameter on the autodiff device, its gradient tracked.
struct Track;

impl ModuleMapper for Track {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|theta| theta.autodiff().require_grad())
    }
}

/// The gradients of `loss` at `module` by burn's autodiff.
///
/// ```
/// use burn::module::Module;
/// use burn::nn::{Linear, LinearConfig};
/// use burn::tensor::{DType, Device};
/// use burn_gradcheck::{At, autodiff_of};
///
/// # #[allow(deprecated)]
/// let device = Device::ndarray();
/// let layer: Linear = LinearConfig::new(2, 1).init(&device);
/// // L = Σ b: ∂L/∂b = 1.
/// let grads = autodiff_of(&layer, &|m: &Linear, _: &At| m.bias.as_ref().unwrap().val().sum(), &At { dtype: DType::F32, device });
/// let db = grads.get::<1>(layer.bias.as_ref().unwrap().id).unwrap();
/// assert_eq!(db.into_data().to_vec::<f32>().unwrap(), [1.0]);
/// ```
pub fn autodiff_of<M: Module>(module: &M, loss: &Loss<M>, at: &At) -> GradientsParams {
    let tracked = module.clone().map(&mut Track);
    let value = loss(&tracked, at);
    GradientsParams::from_grads(value.backward(), &tracked)
}

/// Reads a parameter's gradient from `GradientsParams`, as values and its shape (the
/// parameter's view where it has the parameter's own shape).
pub(crate) fn grad_values(grads: &GradientsParams, p: &Parameter) -> Result<(Vec<f64>, Vec<usize>)> {
    fn read<const D: usize>(t: Tensor<D>) -> (Vec<f64>, Vec<usize>) {
        let shape = t.dims().to_vec();
        (t.into_data().iter::<f64>().collect(), shape)
    }
    let values = match p.shape.len() {
        1 => grads.get::<1>(p.id).map(read),
        2 => grads.get::<2>(p.id).map(read),
        3 => grads.get::<3>(p.id).map(read),
        4 => grads.get::<4>(p.id).map(read),
        rank => return Err(Error::Rank { param: p.name.clone(), rank }),
    };
    match values {
        Some((values, shape)) if shape == p.shape => Ok((values, p.view.clone())),
        Some(v) => Ok(v),
        None => Err(Error::NoGradient { param: p.name.clone() }),
    }
}

/// All of a module's gradients from `GradientsParams`, in the parameters' order.
pub(crate) fn all_grads(grads: &GradientsParams, params: &[Parameter]) -> Result<Grads> {
    params.iter().map(|p| grad_values(grads, p)).collect()
}

//! Gradient checking for any burn module: hand-written gradients against burn's autodiff, and
//! either of them against central finite differences in f64 — PyTorch's `gradcheck` and JAX's
//! `check_grads`, for burn. handgrad's `gradcheck` command uses it on its two models
//! ([`check`]); [`GradCheck::run`] and [`assert_gradients`] take any module and loss.
//!
//! ```
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::{Device, Distribution, Tensor};
//! use handgrad::check::gradcheck::{At, GradCheck, assert_gradients};
//!
//! // A module handgrad does not define: y = tanh(x W + b), loss = mean(y²).
//! #[derive(Module, Debug)]
//! struct Tanh {
//!     layer: Linear,
//! }
//!
//! let device = handgrad::backend::Backend::default_backend().unwrap().device();
//! let module = Tanh { layer: LinearConfig::new(4, 3).init(&device) };
//! let x = Tensor::<2>::random([5, 4], Distribution::Normal(0.0, 1.0), &device);
//! // The loss builds its inputs in the float type of the point being evaluated: `at.input`.
//! let loss = |m: &Tanh, at: &At| m.layer.forward(at.input(&x)).tanh().powi_scalar(2).mean();
//! // No hand-written gradient: autodiff itself is checked against finite differences.
//! assert_gradients(&module, &loss, None);
//! ```

use std::collections::HashMap;

use anyhow::{Result, bail};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Distribution, Int, Tensor, TensorData};
use serde::Serialize;

use super::{Comparison, central_difference, compare};
use crate::backend::Backend;
use crate::data::Batch;
use crate::gradients::{GradSource, tracked};
use crate::model::{AnalyticGradients, Architecture, Bug};
use crate::sgd::{Optimizer, sgd_step};

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
    pub fn input<const D: usize>(&self, x: &Tensor<D>) -> Tensor<D> {
        if x.device() == self.device {
            x.clone().cast(self.dtype)
        } else {
            Tensor::from_data(x.to_data(), (&self.device, self.dtype))
        }
    }

    /// An integer input (class indices) on this point's device.
    pub fn int_input<const D: usize>(&self, x: &Tensor<D, Int>) -> Tensor<D, Int> {
        if x.device() == self.device {
            x.clone()
        } else {
            Tensor::from_data(x.to_data(), &self.device)
        }
    }
}

/// A scalar loss of a module (a one-element tensor).
pub type Loss<'a, M> = dyn Fn(&M, &At) -> Tensor<1> + Sync + 'a;

/// Hand-written gradients of that loss, keyed by the parameters' ids.
pub type HandGradients<'a, M> = dyn Fn(&M, &At) -> GradientsParams + Sync + 'a;

/// The settings of a check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GradCheck {
    /// Entries of the matrices (parameters of rank 2 or more) checked by finite differences,
    /// shared among them in proportion to their size; vectors (biases) are checked whole.
    pub samples: usize,
    /// The finite-difference step ε.
    pub eps: f64,
    /// Seed of the sampled entries.
    pub seed: u64,
    /// Tolerance on `max |hand − autodiff|`, both in f32.
    pub tol: f64,
    /// Tolerance on the max relative error against finite differences.
    pub fd_tol: f64,
}

impl Default for GradCheck {
    fn default() -> Self {
        Self { samples: 200, eps: 1e-3, seed: 0, tol: 1e-6, fd_tol: 1e-6 }
    }
}

/// One line of the report: one point, one parameter, one witness.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    /// Where in parameter space: `zero`, `random`, `after k steps`, or the caller's name.
    pub point: String,
    /// The parameter's name (its path in the module, `layer.weight`, unless renamed).
    pub param: String,
    /// `autodiff` or `finite differences`.
    pub against: &'static str,
    /// Float type the checked gradient was computed in for this comparison.
    pub precision: &'static str,
    /// The backend both sides of this comparison ran on.
    pub ran_on: String,
    /// The errors.
    #[serde(flatten)]
    pub errors: Comparison,
    /// What was judged against the tolerance: `max_abs` or `max_rel`.
    pub judged: &'static str,
    /// The tolerance.
    pub tol: f64,
    /// Whether it is within the tolerance.
    pub passed: bool,
}

/// A float parameter of a module: its path, id, shape and values.
#[derive(Debug, Clone)]
struct Parameter {
    name: String,
    id: ParamId,
    shape: Vec<usize>,
    values: Vec<f64>,
}

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
        self.found.push(Parameter {
            name: self.path.join("."),
            id: param.id,
            shape: tensor.dims().to_vec(),
            values: tensor.into_data().iter::<f64>().collect(),
        });
    }
}

fn parameters<M: Module>(module: &M) -> Vec<Parameter> {
    let mut visitor = Parameters::default();
    module.visit(&mut visitor);
    visitor.found
}

/// The same module with one entry of one parameter set to `value`.
struct SetEntry<'a> {
    param: &'a Parameter,
    index: usize,
    value: f64,
}

impl ModuleMapper for SetEntry<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        if param.id != self.param.id {
            return param;
        }
        let mut values = self.param.values.clone();
        values[self.index] = self.value;
        let shape = self.param.shape.clone();
        param.map(|t| {
            let (device, dtype) = (t.device(), t.dtype());
            // In the module's own float type: `&device` alone would round to the default f32.
            Tensor::<D>::from_data(TensorData::new(values, shape), (&device, dtype))
        })
    }
}

/// Brings every float parameter of a module to a point: its device and float type.
struct MoveTo<'a>(&'a At);

impl ModuleMapper for MoveTo<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| self.0.input(&t))
    }
}

/// The gradients of `loss` at `module` by burn's autodiff.
pub fn autodiff_of<M: Module>(module: &M, loss: &Loss<M>, at: &At) -> GradientsParams {
    let tracked = tracked(module.clone());
    let value = loss(&tracked, at);
    GradientsParams::from_grads(value.backward(), &tracked)
}

impl GradCheck {
    /// Checks the gradients of `loss` at `module`.
    ///
    /// 1. With `hand` given, the hand-written gradients against burn's autodiff, both in the
    ///    module's own float type (f32), judged on `max |hand − autodiff| ≤ tol`.
    /// 2. The hand-written gradients (or, without them, autodiff's) against five-point central
    ///    differences of the loss, both in f64, on every entry of the small parameters and on
    ///    sampled entries of the larger ones, judged on the max relative error `≤ fd_tol`. The
    ///    module is cast to f64 for this, on the device [`exact_f64`] picks (a CPU backend for
    ///    a module on wgpu); where no device computes f64 exactly, both sides stay in f32 and
    ///    the row says so — expect errors near 10⁻³ then.
    ///
    /// `point` names the point in the report; `names` renames parameters by id (their path
    /// in the module otherwise).
    pub fn run<M: Module>(
        &self,
        point: &str,
        module: &M,
        loss: &Loss<M>,
        hand: Option<&HandGradients<M>>,
        names: &HashMap<ParamId, String>,
    ) -> Result<Vec<CheckRow>> {
        let params = parameters(module);
        let name = |p: &Parameter| names.get(&p.id).cloned().unwrap_or_else(|| p.name.clone());
        let device = module_device(module);
        let here = backend_name(&device);
        let f32_point = At { dtype: DType::F32, device: device.clone() };
        let mut rows = Vec::new();

        // 1. Hand-written against autodiff, in f32.
        if let Some(hand) = hand {
            let manual = hand(module, &f32_point);
            let auto = autodiff_of(module, loss, &f32_point);
            for p in &params {
                let errors = compare(&grad_values(&manual, p)?, &grad_values(&auto, p)?);
                rows.push(row(point, name(p), "autodiff", "f32", &here, errors, "max_abs", self.tol));
            }
        }

        // 2. Against central finite differences, in f64 where it is exact.
        let at = exact_f64(&device);
        let precision = if at.dtype == DType::F64 { "f64" } else { "f32" };
        let there = backend_name(&at.device);
        let module = module.clone().map(&mut MoveTo(&at));
        let checked = match hand {
            Some(hand) => hand(&module, &at),
            None => autodiff_of(&module, loss, &at),
        };
        let mut picker = crate::shuffle::SplitMix64::new(self.seed ^ 0x5eed);
        let large: usize = params.iter().filter(|p| p.shape.len() > 1).map(|p| p.values.len()).sum();
        for p in &params {
            let n = p.values.len();
            let entries: Vec<usize> = if p.shape.len() == 1 {
                (0..n).collect()
            } else {
                // This parameter's share of the samples, drawn without replacement.
                let share = ((self.samples as f64 * n as f64 / large as f64).round() as usize).clamp(1, n);
                sample(&mut picker, n, share)
            };
            let numeric = finite_differences(&module, loss, &at, p, &entries, self.eps);
            let values = grad_values(&checked, p)?;
            let picked: Vec<f64> = entries.iter().map(|&i| values[i]).collect();
            let errors = compare(&picked, &numeric);
            rows.push(row(point, name(p), "finite differences", precision, &there, errors, "max_rel", self.fd_tol));
        }
        Ok(rows)
    }
}

/// Checks the gradients of `loss` at `module` with the default settings (and `hand`, when
/// given), and panics with the report if a comparison is off: for `#[test]`s.
pub fn assert_gradients<M: Module>(module: &M, loss: &Loss<M>, hand: Option<&HandGradients<M>>) {
    let rows = GradCheck::default()
        .run("given", module, loss, hand, &HashMap::new())
        .unwrap_or_else(|e| panic!("gradient check: {e}"));
    if let Some(bad) = rows.iter().find(|r| !r.passed) {
        panic!("gradient check failed for {} against {}:\n{}", bad.param, bad.against, table(&rows));
    }
}

/// The report as a table, one row per comparison.
pub fn table(rows: &[CheckRow]) -> String {
    let w = rows.iter().map(|r| r.param.chars().count()).max().unwrap_or(0).max(5);
    let mut out = format!(
        "{:<28} {:<w$} {:<20} {:<4} {:>10} {:>10} {:>14}  verdict\n",
        "point", "param", "analytic vs", "in", "max abs", "max rel", "cosine"
    );
    for r in rows {
        let verdict = if r.passed {
            format!("ok ({} ≤ {:e})", r.judged.replace('_', " "), r.tol)
        } else {
            format!("FAIL ({} > {:e})", r.judged.replace('_', " "), r.tol)
        };
        out.push_str(&format!(
            "{:<28} {:<w$} {:<20} {:<4} {:>10.2e} {:>10.2e} {:>14.10}  {verdict}\n",
            r.point, r.param, r.against, r.precision, r.errors.max_abs, r.errors.max_rel, r.errors.cosine
        ));
    }
    out
}

fn module_device<M: Module>(module: &M) -> Device {
    module.devices().into_iter().next().unwrap_or_default()
}

fn backend_name(device: &Device) -> String {
    Backend::of(device).map_or_else(|| format!("{device:?}"), |b| b.name().to_string())
}

/// Where finite differences in f64 are right for a module on `device`: there, unless it is a
/// GPU (wgpu), whose shaders have no f64 `exp` and `log`; then on a CPU backend of this
/// binary. With neither, f32 on `device`.
pub fn exact_f64(device: &Device) -> At {
    let on_gpu = Backend::of(device) == Some(Backend::Wgpu);
    let cpu = Backend::compiled_in().into_iter().find(|b| *b != Backend::Wgpu);
    match (on_gpu, cpu) {
        (true, Some(cpu)) => At { dtype: DType::F64, device: cpu.device() },
        (false, _) if device.supports_dtype(DType::F64) => At { dtype: DType::F64, device: device.clone() },
        _ => At { dtype: DType::F32, device: device.clone() },
    }
}

/// What handgrad's gradient check needs to know of its models beyond burn's `Module`.
pub trait Checkable: AnalyticGradients {
    /// The lab's names of the parameters (`W`, `b`, `Wh`, …), by id.
    fn lab_names(&self) -> HashMap<ParamId, String>;

    /// Its architecture (which bugs can be injected into it).
    fn architecture(&self) -> Architecture;

    /// The same architecture with parameters drawn from N(0, σ²) on `device`.
    fn random_like(&self, sigma: f64, device: &Device) -> Self;
}

/// The settings of handgrad's `gradcheck`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckConfig {
    /// Weight entries checked by finite differences (every bias entry is).
    pub samples: usize,
    /// The finite-difference step ε.
    pub eps: f64,
    /// Seed of the random point and of the sampled entries.
    pub seed: u64,
    /// SGD steps before the third point.
    pub steps: usize,
    /// Learning rate of those steps.
    pub lr: f64,
    /// Tolerance on `max |analytic − autodiff|`.
    pub tol: f64,
    /// Tolerance on the max relative error of analytic against finite differences.
    pub fd_tol: f64,
    /// A mistake to inject into the analytic gradient.
    pub bug: Option<Bug>,
}

/// handgrad's gradient check of one of its models on `batch` (f32, on `device`), at three
/// points: zero, random, and after `steps` SGD steps on `steps_batches`.
pub fn check<M: Checkable>(
    start: &M,
    batch: &Batch,
    steps_batches: &mut dyn FnMut(usize) -> Batch,
    device: &Device,
    cfg: &CheckConfig,
) -> Result<Vec<CheckRow>> {
    if let Some(bug) = cfg.bug.filter(|bug| !bug.applies_to(start.architecture())) {
        bail!("--inject-bug {} does not apply to this model", bug.name());
    }
    let zero = start.clone().map(&mut Fill(0.0));
    device.seed(cfg.seed);
    let random = start.random_like(0.1, device);
    let mut trained = start.clone();
    let mut sgd = Optimizer::Manual;
    for k in 0..cfg.steps {
        trained = sgd_step(trained, &steps_batches(k), GradSource::Manual, &mut sgd, cfg.lr).model;
    }

    // The loss of eq. (3) as burn computes it (`CrossEntropyLoss`, the mean over the batch):
    // the finite differences do not lean on handgrad's own `loss.rs`.
    let loss = |m: &M, at: &At| {
        let logits = m.logits(at.input(&batch.images));
        CrossEntropyLoss::new(None, &logits.device()).forward(logits, at.int_input(&batch.labels))
    };
    // The model's own backward pass, with the bug (if any) injected on its line.
    let analytic = |m: &M, at: &At| {
        let batch = Batch {
            images: at.input(&batch.images),
            labels: at.int_input(&batch.labels),
            y_star: at.input(&batch.y_star),
        };
        m.analytic_gradients_with(&batch, cfg.bug).grads
    };
    let settings = GradCheck {
        samples: cfg.samples,
        eps: cfg.eps,
        seed: cfg.seed,
        tol: cfg.tol,
        fd_tol: cfg.fd_tol,
    };
    let mut rows = Vec::new();
    for (point, model) in [
        ("zero".to_string(), zero),
        (format!("random σ=0.1 seed {}", cfg.seed), random),
        (format!("after {} SGD steps", cfg.steps), trained),
    ] {
        rows.extend(settings.run(&point, &model, &loss, Some(&analytic), &model.lab_names())?);
    }
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn row(
    point: &str,
    param: String,
    against: &'static str,
    precision: &'static str,
    ran_on: &str,
    errors: Comparison,
    judged: &'static str,
    tol: f64,
) -> CheckRow {
    let value = if judged == "max_abs" { errors.max_abs } else { errors.max_rel };
    CheckRow {
        point: point.to_string(),
        param,
        against,
        precision,
        ran_on: ran_on.to_string(),
        errors,
        judged,
        tol,
        // NaN fails.
        passed: value <= tol,
    }
}

/// Central differences of the loss along the given entries of parameter `p`, spread over
/// the machine's cores (each thread probes its own copy of the module).
fn finite_differences<M: Module>(
    module: &M,
    loss: &Loss<M>,
    at: &At,
    p: &Parameter,
    entries: &[usize],
    eps: f64,
) -> Vec<f64> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(entries.len().max(1));
    let chunk = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                let module = module.clone();
                s.spawn(move || {
                    let loss_at = |index: usize, value: f64| {
                        let probe = module.clone().map(&mut SetEntry { param: p, index, value });
                        loss(&probe, at).into_scalar::<f64>()
                    };
                    part.iter()
                        .map(|&i| central_difference(&|x: &[f64]| loss_at(i, x[i]), &p.values, i, eps))
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// `k` distinct indices below `n`, sorted.
fn sample(rng: &mut crate::shuffle::SplitMix64, n: usize, k: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + rng.below(n - i);
        all.swap(i, j);
    }
    let mut picked = all[..k].to_vec();
    picked.sort_unstable();
    picked
}

/// A parameter's gradient as f64 values.
fn grad_values(grads: &GradientsParams, p: &Parameter) -> Result<Vec<f64>> {
    let values = match p.shape.len() {
        1 => grads.get::<1>(p.id).map(|t| t.into_data().iter::<f64>().collect()),
        2 => grads.get::<2>(p.id).map(|t| t.into_data().iter::<f64>().collect()),
        3 => grads.get::<3>(p.id).map(|t| t.into_data().iter::<f64>().collect()),
        4 => grads.get::<4>(p.id).map(|t| t.into_data().iter::<f64>().collect()),
        r => bail!("parameter {} has rank {r}, above the 4 the check reads", p.name),
    };
    match values {
        Some(v) => Ok(v),
        None => bail!("no gradient for parameter {}", p.name),
    }
}

/// A tensor's values as f64.
pub fn tensor_values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().iter::<f64>().collect()
}

/// Sets every float parameter of a module to a constant.
struct Fill(f64);

impl ModuleMapper for Fill {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let value = self.0;
        param.map(|t| t.zeros_like().add_scalar(value))
    }
}

/// A tensor of N(0, σ²) draws shaped like `like`.
pub fn normal_like<const D: usize>(like: &Tensor<D>, sigma: f64, device: &Device) -> Tensor<D> {
    Tensor::random(like.shape(), Distribution::Normal(0.0, sigma), device)
}

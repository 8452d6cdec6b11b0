//! Gradient checking for burn modules: hand-written gradients against burn's autodiff, and
//! either of them against central finite differences in f64 — PyTorch's `gradcheck` and JAX's
//! `check_grads`, for burn.
//!
//! Give it a module, a scalar loss of the module and, if you wrote them, your gradients of that
//! loss; [`GradCheck::run`] returns one [`CheckRow`] per parameter and witness, [`table`]
//! prints them, and [`assert_gradients`] panics with that table when a comparison is off (for
//! `#[test]`s).
//!
//! ```
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::tensor::{Device, Distribution, Tensor};
//! use burn_gradcheck::{At, assert_gradients};
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
//! ```
//!
//! `examples/gradcheck_custom.rs` checks a hand-written backward pass of two tanh layers, and
//! fails with `--wrong`.

#![warn(missing_docs)]

pub mod diagnose;

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use serde::Serialize;

pub use diagnose::{FromLayer, Relation, from_layer, layer_of, relate};

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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Where the finite differences run, and in which float type: `None` for the module's
    /// own device, in f64 where it supports it (else in f32, and the rows say so). For a
    /// module on a GPU, give a CPU device in f64: SPIR-V's standard `Exp` and `Log` exist for
    /// 16- and 32-bit floats only, and a wgpu shader's f64 `exp` came back as garbage (on
    /// lavapipe, the f32 result's bits read as an f64), which failed correct gradients.
    #[serde(skip)]
    pub differences_at: Option<At>,
}

impl Default for GradCheck {
    fn default() -> Self {
        Self { samples: 200, eps: 1e-3, seed: 0, tol: 1e-6, fd_tol: 1e-6, differences_at: None }
    }
}

/// Why a check could not be made (a check that ran and found a wrong gradient is not an
/// error: its rows say so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The gradients given have none for this parameter.
    NoGradient {
        /// The parameter's name.
        param: String,
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
            Error::Rank { param, rank } => {
                write!(f, "parameter {param} has rank {rank}, above the 4 the check reads")
            }
        }
    }
}

impl std::error::Error for Error {}

/// What the check returns.
pub type Result<T> = std::result::Result<T, Error>;

/// One line of the report: one point, one parameter, one witness.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    /// Where in parameter space: `zero`, `random`, `after k steps`, or the caller's name.
    pub point: String,
    /// The parameter's name (its path in the module, `layer.weight`, unless renamed).
    pub param: String,
    /// Its layer: its path in the module without the last part (`layer`).
    pub layer: String,
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
    /// When it is not: what turns the witness's gradient into the one checked (a factor, a
    /// transpose, zeros, NaN, …; see [`diagnose`]).
    pub why: Option<Relation>,
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
    let tracked = module.clone().map(&mut Track);
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
    ///    module is cast to f64 for this, on its own device or at
    ///    [`GradCheck::differences_at`]; where there is no f64, both sides stay in f32 and the
    ///    row says so — expect errors near 10⁻³ then.
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
                let (mine, shape) = grad_values(&manual, p)?;
                let (theirs, _) = grad_values(&auto, p)?;
                let mut r = row(point, name(p), layer_of(&p.name), "autodiff", "f32", &here, compare(&mine, &theirs), "max_abs", self.tol);
                r.why = why(&r, &mine, &shape, &theirs, &p.shape, 1e-4);
                rows.push(r);
            }
        }

        // 2. Against central finite differences, in f64 where it is exact.
        let at = self.exact_f64(&device);
        let precision = if at.dtype == DType::F64 { "f64" } else { "f32" };
        let there = backend_name(&at.device);
        let module = module.clone().map(&mut MoveTo(&at));
        let checked = match hand {
            Some(hand) => hand(&module, &at),
            None => autodiff_of(&module, loss, &at),
        };
        let mut picker = SplitMix64(self.seed ^ 0x5eed);
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
            let (values, shape) = grad_values(&checked, p)?;
            let picked: Vec<f64> = entries.iter().map(|&i| values.get(i).copied().unwrap_or(f64::NAN)).collect();
            let errors = compare(&picked, &numeric);
            let mut r = row(point, name(p), layer_of(&p.name), "finite differences", precision, &there, errors, "max_rel", self.fd_tol);
            // The sampled entries only, as a vector (no transpose to be seen in a sample).
            let (n, tol) = (picked.len(), if precision == "f64" { 1e-6 } else { 1e-3 });
            r.why = if shape != p.shape {
                Some(Relation::Shape { theirs: shape, expected: p.shape.clone() })
            } else {
                why(&r, &picked, &[n], &numeric, &[n], tol)
            };
            rows.push(r);
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
        if let Some(why) = &r.why {
            out.push_str(&format!("{:<28}   {}: {why}\n", "", r.param));
        }
    }
    // Over each point's comparisons with one witness: from which layer on they go wrong.
    for group in rows.chunk_by(|a, b| a.point == b.point && a.against == b.against) {
        let relations: Vec<(String, Relation)> = group
            .iter()
            .map(|r| {
                let why = r.why.clone().unwrap_or(Relation::Zeros);
                (r.layer.clone(), if r.passed { Relation::Right } else { why })
            })
            .collect();
        if let Some(found) = from_layer(&relations) {
            out.push_str(&format!("{} against {}: {found}\n", group[0].point, group[0].against));
        }
    }
    out
}

fn module_device<M: Module>(module: &M) -> Device {
    module.devices().into_iter().next().unwrap_or_default()
}

/// The backend's name, in lower case, from the device's description: `Device<NdArray(Cpu)>`
/// is `ndarray`, `Device<Cube(Wgpu(…))>` is `wgpu` (burn's CubeCL runtimes are named by the
/// runtime inside).
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

impl GradCheck {
    /// Where the finite differences of a module on `device` run, and in which float type.
    pub fn exact_f64(&self, device: &Device) -> At {
        self.differences_at.clone().unwrap_or_else(|| {
            let dtype = if device.supports_dtype(DType::F64) { DType::F64 } else { DType::F32 };
            At { dtype, device: device.clone() }
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    point: &str,
    param: String,
    layer: String,
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
        layer,
        against,
        precision,
        ran_on: ran_on.to_string(),
        errors,
        judged,
        tol,
        // NaN fails.
        passed: value <= tol,
        why: None,
    }
}

/// For a failed row, what turns the witness's gradient into the checked one; `None` when it
/// passed, or when the two agree to `rel` (the row failed on its tighter tolerance alone).
fn why(row: &CheckRow, checked: &[f64], shape: &[usize], witness: &[f64], right_shape: &[usize], rel: f64) -> Option<Relation> {
    if row.passed {
        return None;
    }
    Some(relate(checked, shape, witness, right_shape, rel)).filter(|r| !r.is_right())
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
fn sample(rng: &mut SplitMix64, n: usize, k: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + rng.below(n - i);
        all.swap(i, j);
    }
    let mut picked = all[..k].to_vec();
    picked.sort_unstable();
    picked
}

/// A parameter's gradient as f64 values, and its shape.
fn grad_values(grads: &GradientsParams, p: &Parameter) -> Result<(Vec<f64>, Vec<usize>)> {
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
        Some(v) => Ok(v),
        None => Err(Error::NoGradient { param: p.name.clone() }),
    }
}

/// Central finite difference of `f` along coordinate `i` of `x`, on the five-point stencil
///
/// `∂f/∂xᵢ ≈ (−f(x+2ε) + 8 f(x+ε) − 8 f(x−ε) + f(x−2ε)) / 12ε`,
///
/// whose truncation error is O(ε⁴) (the plain `(f(x+ε) − f(x−ε)) / 2ε` is O(ε²)): with
/// ε = 10⁻³ in f64 both truncation and rounding stay near 10⁻¹², far below the 10⁻⁶ a
/// relative check asks for.
pub fn central_difference(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize, eps: f64) -> f64 {
    let mut probe = x.to_vec();
    let mut at = |offset: f64| {
        probe[i] = x[i] + offset;
        f(&probe)
    };
    let (p2, p1, m1, m2) = (at(2.0 * eps), at(eps), at(-eps), at(-2.0 * eps));
    (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * eps)
}

/// How far apart two gradients are.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// `maxᵢ |aᵢ − bᵢ|`.
    pub max_abs: f64,
    /// `maxᵢ |aᵢ − bᵢ| / max(|aᵢ|, |bᵢ|, τ·s)` with `s` the largest entry of either and
    /// τ = [`REL_FLOOR`]: an entry far smaller than the gradient's scale (an exact zero, say)
    /// is measured against that scale, as its own size is below what any witness resolves.
    pub max_rel: f64,
    /// `⟨a, b⟩ / (‖a‖ ‖b‖)` (1 when both are zero).
    pub cosine: f64,
    /// Entries compared.
    pub entries: usize,
}

/// Relative to the gradient's largest entry, the smallest scale an entry's relative error is
/// measured against.
pub const REL_FLOOR: f64 = 1e-3;

/// Compares two gradients entry by entry.
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    if a.len() != b.len() {
        // Gradients of different sizes: nothing compares.
        return Comparison { max_abs: f64::NAN, max_rel: f64::NAN, cosine: f64::NAN, entries: a.len().min(b.len()) };
    }
    let largest = a.iter().chain(b).fold(0f64, |m, v| m.max(v.abs()));
    let floor = (REL_FLOOR * largest).max(f64::MIN_POSITIVE);
    let (mut max_abs, mut max_rel) = (0f64, 0f64);
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let diff = (x - y).abs();
        let rel = diff / x.abs().max(y.abs()).max(floor);
        // NaN must not hide behind `max`.
        max_abs = if diff.is_nan() { f64::NAN } else { max_abs.max(diff) };
        max_rel = if rel.is_nan() { f64::NAN } else { max_rel.max(rel) };
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let cosine = if na == 0.0 && nb == 0.0 {
        1.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    };
    Comparison {
        max_abs,
        max_rel,
        cosine,
        entries: a.len(),
    }
}

/// Puts every parameter on the autodiff device, its gradient tracked.
struct Track;

impl ModuleMapper for Track {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|theta| theta.autodiff().require_grad())
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014), for the sampled entries: written out so that the
/// entries a seed picks never change with a dependency's version.
struct SplitMix64(u64);

impl SplitMix64 {
    /// A uniform integer in `0..n` (n > 0), by Lemire's multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (((z ^ (z >> 31)) as u128 * n as u128) >> 64) as usize
    }
}

//! The gradient check: on one real batch, at several points of parameter space, the analytic
//! gradient against burn's autodiff and against central finite differences in f64.

use anyhow::{Result, bail};
use burn::module::{ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{DType, Device, Distribution, Tensor};
use serde::Serialize;

use super::reference::Reference;
use super::{Comparison, central_difference, compare};
use crate::data::Batch;
use crate::gradients::{GradSource, autodiff_gradients};
use crate::model::{AnalyticGradients, Architecture, Bug};
use crate::sgd::{Optimizer, sgd_step};

/// One parameter tensor of a model, as the check sees it.
#[derive(Debug, Clone)]
pub struct NamedParam {
    /// Its name in the lab's notation (`W`, `b`, `Wh`, …).
    pub name: &'static str,
    /// burn's id of the parameter (the key of its gradient).
    pub id: ParamId,
    /// Its rank: 1 (a bias) or 2 (a weight matrix).
    pub rank: usize,
    /// Its values, row-major, in f64.
    pub values: Vec<f64>,
}

/// A model whose gradients the check can take apart.
pub trait Checkable: AnalyticGradients {
    /// The parameters, in the order of the flat vector that [`Checkable::reference_loss`] takes.
    fn named_params(&self) -> Vec<NamedParam>;

    /// The plain-f64 loss whose finite differences witness the gradient, taking the
    /// parameters flat in the order of [`Checkable::named_params`].
    fn reference(&self) -> Reference;

    /// Its architecture (which bugs can be injected into it).
    fn architecture(&self) -> Architecture;

    /// The same architecture with parameters drawn from N(0, σ²) on `device`.
    fn random_like(&self, sigma: f64, device: &Device) -> Self;
}

/// The settings of a check.
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

/// One line of the report: one point, one parameter, one witness.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRow {
    /// `zero`, `random`, or `after k steps`.
    pub point: String,
    /// The parameter's name.
    pub param: &'static str,
    /// `autodiff` or `finite differences`.
    pub against: &'static str,
    /// Float type the analytic gradient was computed in for this comparison.
    pub precision: &'static str,
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

/// Runs the check on `batch` (f32, on `device`) for a model of `model`'s architecture, at
/// three points: zero, random, and after `steps` SGD steps on `steps_batches`.
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
    let mut rows = Vec::new();
    for (point, model) in [
        ("zero".to_string(), zero),
        (format!("random σ=0.1 seed {}", cfg.seed), random),
        (format!("after {} SGD steps", cfg.steps), trained),
    ] {
        rows.extend(check_point(&point, &model, batch, device, cfg)?);
    }
    Ok(rows)
}

fn check_point<M: Checkable>(
    point: &str,
    model: &M,
    batch: &Batch,
    device: &Device,
    cfg: &CheckConfig,
) -> Result<Vec<CheckRow>> {
    // The model's own backward pass, with the bug (if any) injected on its line.
    let analytic = |m: &M, b: &Batch| -> GradientsParams { m.analytic_gradients_with(b, cfg.bug).grads };
    let mut rows = Vec::new();
    let params = model.named_params();

    // 1. Analytic against autodiff, both in the device's f32.
    let manual = analytic(model, batch);
    let auto = autodiff_gradients(model, batch).grads;
    for p in &params {
        let errors = compare(&grad_values(&manual, p)?, &grad_values(&auto, p)?);
        rows.push(row(point, p.name, "autodiff", "f32", errors, "max_abs", cfg.tol));
    }

    // 2. Analytic against central finite differences of a plain f64 loss. The analytic side is
    //    computed in f64 too where the device can, so that only the formula is on trial.
    let (precision, manual) = if device.supports_dtype(DType::F64) {
        let model64 = model.clone().map(&mut Cast(DType::F64));
        let batch64 = batch.clone().cast(DType::F64);
        ("f64", analytic(&model64, &batch64))
    } else {
        ("f32", manual)
    };
    let theta: Vec<f64> = params.iter().flat_map(|p| p.values.iter().copied()).collect();
    let x = batch_pixels(batch);
    let y = batch_labels(batch);
    let reference = model.reference();
    let loss = |t: &[f64]| reference.loss(t, &x, &y);
    let mut offset = 0;
    let weights: usize = params.iter().filter(|p| p.rank == 2).map(|p| p.values.len()).sum();
    let mut picker = crate::shuffle::SplitMix64::new(cfg.seed ^ 0x5eed);
    for p in &params {
        let n = p.values.len();
        let entries: Vec<usize> = if p.rank == 1 {
            (0..n).collect()
        } else {
            // This matrix's share of the samples, drawn without replacement.
            let share = ((cfg.samples as f64 * n as f64 / weights as f64).round() as usize).clamp(1, n);
            sample(&mut picker, n, share)
        };
        let analytic_values = grad_values(&manual, p)?;
        let numeric = finite_differences(&loss, &theta, offset, &entries, cfg.eps);
        let picked: Vec<f64> = entries.iter().map(|&i| analytic_values[i]).collect();
        let errors = compare(&picked, &numeric);
        rows.push(row(point, p.name, "finite differences", precision, errors, "max_rel", cfg.fd_tol));
        offset += n;
    }
    Ok(rows)
}

fn row(
    point: &str,
    param: &'static str,
    against: &'static str,
    precision: &'static str,
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
        errors,
        judged,
        tol,
        // NaN fails.
        passed: value <= tol,
    }
}

/// Central differences for the given entries of the parameter starting at `offset`, spread
/// over the machine's cores.
fn finite_differences(
    loss: &(dyn Fn(&[f64]) -> f64 + Sync),
    theta: &[f64],
    offset: usize,
    entries: &[usize],
    eps: f64,
) -> Vec<f64> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(entries.len().max(1));
    let chunk = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&i| central_difference(loss, theta, offset + i, eps))
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
pub fn grad_values(grads: &GradientsParams, p: &NamedParam) -> Result<Vec<f64>> {
    let values = match p.rank {
        1 => grads.get::<1>(p.id).map(|t| t.into_data().iter::<f64>().collect()),
        2 => grads.get::<2>(p.id).map(|t| t.into_data().iter::<f64>().collect()),
        r => bail!("parameter {} has rank {r}", p.name),
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

fn batch_pixels(batch: &Batch) -> Vec<f64> {
    tensor_values(batch.images.clone())
}

fn batch_labels(batch: &Batch) -> Vec<u8> {
    batch
        .labels
        .clone()
        .into_data()
        .iter::<i64>()
        .map(|l| l as u8)
        .collect()
}

/// Casts every float parameter of a module.
struct Cast(DType);

impl ModuleMapper for Cast {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dtype = self.0;
        param.map(|t| t.cast(dtype))
    }
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

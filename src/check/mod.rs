//! handgrad's gradient check of its two models, on burn-gradcheck (`gradcheck/`): the analytic
//! gradients against burn's autodiff and against f64 finite differences of burn's own
//! cross-entropy, at three points; and [`slips`], the mistakes students make, each written as
//! the wrong formula, for the check to catch.

pub mod slips;

use anyhow::{Result, bail};
use burn::module::{ModuleMapper, Param};
use burn::nn::loss::CrossEntropyLoss;
use burn::tensor::{DType, Device, Distribution, Tensor};
use burn_gradcheck::{At, CheckRow, GradCheck, Precision};
use serde::Serialize;

use crate::backend::Backend;
use crate::data::Batch;
use crate::gradients::GradSource;
use crate::sgd::{Optimizer, sgd_step};
use slips::{Slip, Slippable};

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
    /// Relative tolerance of the comparisons in f32: analytic against autodiff.
    pub tol: f64,
    /// Relative tolerance of the comparisons in f64: analytic against finite differences.
    pub fd_tol: f64,
    /// A slip to make in the analytic gradient (`--inject-bug`).
    pub bug: Option<Slip>,
}

/// handgrad's gradient check of one of its models on `batch` (f32, on `device`), at three
/// points: zero, random, and after `steps` SGD steps on `steps_batches`.
pub fn check<M: Slippable>(
    start: &M,
    batch: &Batch,
    steps_batches: &mut dyn FnMut(usize) -> Batch,
    device: &Device,
    cfg: &CheckConfig,
) -> Result<Vec<CheckRow>> {
    if let Some(slip) = cfg.bug.filter(|&slip| start.with_slip(batch, slip).is_none()) {
        bail!("--inject-bug {} does not apply to this model", slip.name());
    }
    let zero = start.clone().map(&mut Fill(0.0));
    device.seed(cfg.seed);
    // The same parameters (ids kept: gradients are looked up by them), drawn from N(0, 0.1²).
    let random = start.clone().map(&mut Normal { sigma: 0.1, device });
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
    // The model's own backward pass, or a student's with the slip asked for.
    let analytic = |m: &M, at: &At| {
        let batch = Batch {
            images: at.input(&batch.images),
            labels: at.int_input(&batch.labels),
            y_star: at.input(&batch.y_star),
        };
        match cfg.bug {
            None => m.analytic_gradients(&batch).grads,
            Some(slip) => m.with_slip(&batch, slip).expect("checked above"),
        }
    };
    let settings = GradCheck::new()
        .samples(cfg.samples)
        .eps(cfg.eps)
        .seed(cfg.seed)
        .tolerance(Precision::F32, cfg.tol)
        .tolerance(Precision::F64, cfg.fd_tol)
        .differences_at(exact_f64(device));
    let mut rows = Vec::new();
    for (point, model) in [
        ("zero".to_string(), zero),
        (format!("random σ=0.1 seed {}", cfg.seed), random),
        (format!("after {} SGD steps", cfg.steps), trained),
    ] {
        let names = model.parameter_names().into_iter().map(|(id, name)| (id, name.to_string())).collect();
        let here = settings.clone().point(point).names(names);
        rows.extend(here.check_hand_written(&model, loss, analytic)?.rows);
    }
    Ok(rows)
}

/// Sets every float parameter of a module to a constant.
struct Fill(f64);

impl ModuleMapper for Fill {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let value = self.0;
        param.map(|t| t.zeros_like().add_scalar(value))
    }
}

/// Draws every float parameter of a module from N(0, σ²) on `device`, in the module's order.
struct Normal<'a> {
    sigma: f64,
    device: &'a Device,
}

impl ModuleMapper for Normal<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (sigma, device) = (self.sigma, self.device);
        param.map(|t| Tensor::random(t.shape(), Distribution::Normal(0.0, sigma), device))
    }
}

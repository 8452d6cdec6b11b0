//! The training loop: mini-batch SGD, one loop for every way of getting the gradients
//! (from the formulas or from autodiff) and of applying them (by hand or by burn's `Sgd`).
//!
//! [`train`] is the whole run: for each epoch, [`train_epoch`] (a plain `for` over the
//! batches, one [`sgd_step`] each), then the accuracy on both sets.

use std::time::Instant;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Batches, Dataset, Split};
use crate::invalid::{Invalid, Setting};
use crate::gradients::GradSource;
use crate::inference::{EvalPlan, evaluate_with, percent};
use crate::model::{AnalyticGradients, Classifier, dtype_of};
use crate::sgd::{Optimizer, OptimizerKind, sgd_step};
use crate::shuffle::epoch_order;

/// How to train.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// The learning rate η.
    pub lr: f64,
    /// Images per batch (`tb`).
    pub batch_size: usize,
    /// `Some(seed)`: shuffle the images each epoch; `None`: batches in order, as the lab.
    pub shuffle_seed: Option<u64>,
    /// Where the gradients come from.
    pub grad: GradSource,
    /// Who applies them.
    pub optimizer: OptimizerKind,
    /// Who runs the loop (absent from the files of earlier versions: their own loop).
    #[serde(default)]
    pub trainer: TrainerKind,
}

impl TrainConfig {
    /// The lab's number of epochs.
    pub const LAB_EPOCHS: usize = 20;
    /// The lab's learning rate η.
    pub const LAB_LR: f64 = 0.1;
    /// The lab's batch size `tb`.
    pub const LAB_BATCH_SIZE: usize = 100;

    /// The lab's settings: 20 epochs, η = 0.1, batches of 100 in order, manual gradients.
    pub fn lab() -> Self {
        Self {
            epochs: Self::LAB_EPOCHS,
            lr: Self::LAB_LR,
            batch_size: Self::LAB_BATCH_SIZE,
            shuffle_seed: None,
            grad: GradSource::Manual,
            optimizer: OptimizerKind::Manual,
            trainer: TrainerKind::Loop,
        }
    }

    /// Batches per epoch: `⌊N / tb⌋`, as the lab (a last partial batch is left out).
    pub fn batches(&self, n: usize) -> usize {
        n / self.batch_size
    }

    /// Checks the settings against a training set of `n` images.
    pub fn validate(&self, n: usize) -> Result<(), Invalid> {
        if self.epochs == 0 {
            return Err(Invalid { setting: Setting::Epochs, problem: "must be at least 1".into() });
        }
        validate_lr(self.lr)?;
        validate_batch_size(self.batch_size, n)
    }
}

/// A learning rate must be a positive finite number.
pub fn validate_lr(lr: f64) -> Result<(), Invalid> {
    if !(lr.is_finite() && lr > 0.0) {
        let problem = format!("must be a positive finite number, got {lr}");
        return Err(Invalid { setting: Setting::LearningRate, problem });
    }
    Ok(())
}

/// A batch size must be between 1 and the `n` images of the training set.
pub fn validate_batch_size(tb: usize, n: usize) -> Result<(), Invalid> {
    let problem = if tb == 0 {
        "must be at least 1".to_string()
    } else if tb > n {
        format!("{tb} is larger than the training set ({n} images)")
    } else {
        return Ok(());
    };
    Err(Invalid { setting: Setting::BatchSize, problem })
}

/// A batch loss above this (or not a number) means training has diverged: the mean
/// `−log ŷ_true` exceeds `−ln(f32::MIN_POSITIVE)` ≈ 87.3, so the true class's probability has
/// underflowed f32 — where the lab's `log(ŷ)` gives −∞. (With the stable softmax, the loss of
/// a logistic regression stays finite even for absurd learning rates, so waiting for a NaN
/// would let a run with η = 10⁶ go on as if nothing were wrong.)
pub const DIVERGED_LOSS: f64 = 87.336_544_750_553_1;

/// Whether a batch loss says training has diverged (beyond [`DIVERGED_LOSS`], or NaN).
pub fn diverged(loss: f64) -> bool {
    loss.is_nan() || loss > DIVERGED_LOSS
}

/// Training diverged: where, and what the loss became.
#[derive(Debug, Clone, PartialEq)]
pub struct Diverged {
    /// The epoch (1-based).
    pub epoch: usize,
    /// The step within it (1-based).
    pub step: usize,
    /// The batch loss it reached.
    pub loss: f64,
    /// The learning rate of the run.
    pub lr: f64,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "training diverged at epoch {}, step {}: the batch loss became {:.4e} (beyond \
             {DIVERGED_LOSS:.1}, where the true class's probability underflows f32); try a \
             smaller learning rate (η is {})",
            self.epoch, self.step, self.loss, self.lr
        )
    }
}

impl std::error::Error for Diverged {}

/// Who runs the training loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainerKind {
    /// handgrad's own loop ([`train`]), with either gradient source and update rule.
    #[default]
    Loop,
    /// burn-train's `Learner` (`crate::learner`, the cargo feature `learner`): burn runs the
    /// loop, with its autodiff and its `Sgd`, as Keras's `fit()` does.
    Learner,
}

impl TrainerKind {
    /// Both trainers.
    pub const ALL: [TrainerKind; 2] = [TrainerKind::Loop, TrainerKind::Learner];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TrainerKind::Loop => "loop",
            TrainerKind::Learner => "learner",
        }
    }
}

/// What one epoch did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean of the batch losses (eq. 3) over the epoch.
    pub loss: f64,
    /// Training images classified right after the epoch (full training set).
    pub train_correct: usize,
    /// Training images.
    pub train_total: usize,
    /// Test images classified right after the epoch.
    pub test_correct: usize,
    /// Test images.
    pub test_total: usize,
    /// Seconds spent in the SGD steps.
    pub train_seconds: f64,
    /// Seconds spent evaluating on both sets.
    pub eval_seconds: f64,
}

impl EpochMetrics {
    /// Train accuracy in percent.
    pub fn train_accuracy(&self) -> f64 {
        percent(self.train_correct, self.train_total)
    }

    /// Test accuracy in percent.
    pub fn test_accuracy(&self) -> f64 {
        percent(self.test_correct, self.test_total)
    }
}

/// Something to tell about each batch (a progress bar, say).
pub trait Progress {
    /// An epoch of `batches` batches starts.
    fn start_epoch(&mut self, _epoch: usize, _batches: usize) {}
    /// One more batch is done.
    fn batch_done(&mut self) {}
    /// The epoch's steps are done.
    fn end_epoch(&mut self) {}
}

/// No progress display.
pub struct Quiet;
impl Progress for Quiet {}

/// The whole run, as the lab's loop: `config.epochs` epochs of mini-batch SGD from
/// `epochs_done` on (0 for a new run), each followed by the accuracy on the full training and
/// test sets, which `on_epoch` gets with the model as it stands. Returns the trained model.
pub fn train<M: AnalyticGradients>(
    mut model: M,
    config: &TrainConfig,
    data: &Dataset,
    device: &Device,
    epochs_done: usize,
    progress: &mut dyn Progress,
    mut on_epoch: impl FnMut(&M, &EpochMetrics) -> anyhow::Result<()>,
) -> anyhow::Result<M> {
    config.validate(data.train.len())?;
    let mut optimizer = Optimizer::new(config.optimizer);
    for epoch in epochs_done + 1..=config.epochs {
        let trained;
        (model, trained) = train_epoch(model, &data.train, config, epoch, &mut optimizer, device, progress)?;
        let evaluated = Evaluated::measure(&model, data, device, EvalPlan::for_device(device));
        on_epoch(&model, &evaluated.metrics(epoch, trained))?;
    }
    Ok(model)
}

/// What an epoch's SGD steps did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedEpoch {
    /// Mean of the batch losses.
    pub loss: f64,
    /// Seconds the steps took.
    pub seconds: f64,
}

/// Epoch `epoch` (1-based) of mini-batch SGD on `train`: a plain loop over the batches, one
/// [`sgd_step`] each. Returns the model after it and the mean batch loss; fails if training
/// diverged.
pub fn train_epoch<M: AnalyticGradients>(
    mut model: M,
    train: &Split,
    config: &TrainConfig,
    epoch: usize,
    optimizer: &mut Optimizer,
    device: &Device,
    progress: &mut dyn Progress,
) -> Result<(M, TrainedEpoch), Diverged> {
    let started = Instant::now();
    let order = epoch_order(train.len(), epoch - 1, config.shuffle_seed);
    // The batches in the model's precision: f32, or f64 (`Precision`).
    let batches = Batches::new(train, config.batch_size, order).with_dtype(dtype_of(&model));

    progress.start_epoch(epoch, batches.len());
    let mut losses = Vec::with_capacity(batches.len());
    for k in 0..batches.len() {
        let step = sgd_step(model, &batches.get(k, device), config.grad, optimizer, config.lr);
        model = step.model;
        losses.push(step.loss);
        progress.batch_done();
    }
    progress.end_epoch();

    // One read of the losses per epoch: reading each one would sync the device every step.
    let losses: Vec<f64> = Tensor::cat(losses, 0).into_data().iter::<f64>().collect();
    if let Some(step) = losses.iter().position(|&l| diverged(l)) {
        return Err(Diverged { epoch, step: step + 1, loss: losses[step], lr: config.lr });
    }
    let loss = losses.iter().sum::<f64>() / losses.len() as f64;
    Ok((model, TrainedEpoch { loss, seconds: started.elapsed().as_secs_f64() }))
}

/// Correct counts on both splits after an epoch, and the seconds it took to count them.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    train_correct: usize,
    train_total: usize,
    test_correct: usize,
    test_total: usize,
    seconds: f64,
}

impl Evaluated {
    /// Evaluates `model` on both splits.
    pub fn measure<M: Classifier>(model: &M, data: &Dataset, device: &Device, plan: EvalPlan) -> Self {
        let started = Instant::now();
        let train = evaluate_with(model, &data.train, device, plan);
        let test = evaluate_with(model, &data.test, device, plan);
        Self {
            train_correct: train.correct,
            train_total: train.total,
            test_correct: test.correct,
            test_total: test.total,
            seconds: started.elapsed().as_secs_f64(),
        }
    }

    /// The epoch's metrics: its steps' and this evaluation's.
    pub fn metrics(self, epoch: usize, trained: TrainedEpoch) -> EpochMetrics {
        EpochMetrics {
            epoch,
            loss: trained.loss,
            train_correct: self.train_correct,
            train_total: self.train_total,
            test_correct: self.test_correct,
            test_total: self.test_total,
            train_seconds: trained.seconds,
            eval_seconds: self.seconds,
        }
    }
}

//! The training loop: mini-batch SGD, one loop for every way of getting the gradients
//! (`--grad`) and of applying them (`--optimizer`).

use std::time::Instant;

use anyhow::{Result, bail};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Batch, Dataset};
use crate::gradients::{AnalyticGradients, GradSource};
use crate::inference::evaluate;
use crate::sgd::{Optimizer, OptimizerKind};
use crate::shuffle::epoch_order;

/// How to train.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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
}

impl TrainConfig {
    /// The lab's settings: 20 epochs, η = 0.1, batches of 100 in order, manual gradients.
    pub fn lab() -> Self {
        Self {
            epochs: 20,
            lr: 0.1,
            batch_size: 100,
            shuffle_seed: None,
            grad: GradSource::Manual,
            optimizer: OptimizerKind::Manual,
        }
    }

    /// Batches per epoch: `⌊N / tb⌋`, as the lab (a last partial batch is left out).
    pub fn batches(&self, n: usize) -> usize {
        n / self.batch_size
    }

    /// Checks the settings against a training set of `n` images.
    pub fn validate(&self, n: usize) -> Result<()> {
        if self.epochs == 0 {
            bail!("--epochs must be at least 1");
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            bail!("--lr must be a positive finite number, got {}", self.lr);
        }
        if self.batch_size == 0 {
            bail!("--batch-size must be at least 1");
        }
        if self.batch_size > n {
            bail!(
                "--batch-size {} is larger than the training set ({n} images)",
                self.batch_size
            );
        }
        Ok(())
    }
}

/// A batch loss above this (or not a number) means training has diverged: the mean
/// `−log ŷ_true` exceeds `−ln(f32::MIN_POSITIVE)` ≈ 87.3, so the true class's probability has
/// underflowed f32 — where the lab's `log(ŷ)` gives −∞. (With the stable softmax, the loss of
/// a logistic regression stays finite even for absurd learning rates, so waiting for a NaN
/// would let a run with `--lr 1e6` go on as if nothing were wrong.)
pub const DIVERGED_LOSS: f64 = 87.336_544_750_553_1;

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
        100.0 * self.train_correct as f64 / self.train_total.max(1) as f64
    }

    /// Test accuracy in percent.
    pub fn test_accuracy(&self) -> f64 {
        100.0 * self.test_correct as f64 / self.test_total.max(1) as f64
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

/// A model being trained, with its optimizer and where it stands.
pub struct Trainer<'a, M> {
    /// The model (always on the plain device: autodiff is entered per step when asked for).
    /// `None` only while an epoch moves it through the steps.
    model: Option<M>,
    /// The update rule.
    pub optimizer: Optimizer,
    /// The settings.
    pub config: TrainConfig,
    /// Epochs done so far (set it to resume: the next epoch's shuffle depends on it).
    pub epochs_done: usize,
    data: &'a Dataset,
    device: Device,
}

impl<'a, M: AnalyticGradients> Trainer<'a, M> {
    /// A trainer at epoch 0.
    pub fn new(model: M, config: TrainConfig, data: &'a Dataset, device: Device) -> Result<Self> {
        config.validate(data.train.len())?;
        Ok(Self {
            model: Some(model),
            optimizer: Optimizer::new(config.optimizer),
            config,
            epochs_done: 0,
            data,
            device,
        })
    }

    /// The model as it stands.
    pub fn model(&self) -> &M {
        self.model.as_ref().expect("the model is only moved out during an epoch")
    }

    /// The trained model.
    pub fn into_model(self) -> M {
        self.model.expect("the model is only moved out during an epoch")
    }

    /// Runs one more epoch of SGD, then evaluates on the full training and test sets.
    pub fn epoch(&mut self, progress: &mut dyn Progress) -> Result<EpochMetrics> {
        let epoch = self.epochs_done + 1;
        let started = Instant::now();
        let loss = self.sgd_epoch(progress)?;
        let train_seconds = started.elapsed().as_secs_f64();

        let started = Instant::now();
        let train = evaluate(self.model(), &self.data.train, &self.device);
        let test = evaluate(self.model(), &self.data.test, &self.device);
        let eval_seconds = started.elapsed().as_secs_f64();

        self.epochs_done = epoch;
        Ok(EpochMetrics {
            epoch,
            loss,
            train_correct: train.correct,
            train_total: train.total,
            test_correct: test.correct,
            test_total: test.total,
            train_seconds,
            eval_seconds,
        })
    }

    /// The batches of one epoch; returns the mean batch loss.
    fn sgd_epoch(&mut self, progress: &mut dyn Progress) -> Result<f64> {
        let (cfg, train) = (&self.config, &self.data.train);
        let epoch = self.epochs_done;
        let batches = cfg.batches(train.len());
        let order = epoch_order(train.len(), epoch, cfg.shuffle_seed);
        let mut losses = Vec::with_capacity(batches);
        // Owning the model lets each update reuse the parameters' buffers.
        let mut model = self.model.take().expect("the model is only moved out during an epoch");
        progress.start_epoch(epoch + 1, batches);
        for k in 0..batches {
            let (start, end) = (k * cfg.batch_size, (k + 1) * cfg.batch_size);
            let batch = match &order {
                None => Batch::range(train, start, end, &self.device),
                Some(order) => Batch::gather(train, &order[start..end], &self.device),
            };
            let step = cfg.grad.gradients(&model, &batch);
            model = self.optimizer.step(cfg.lr, model, step.grads);
            losses.push(step.loss);
            progress.batch_done();
        }
        progress.end_epoch();
        self.model = Some(model);
        // One read of the losses per epoch: reading each one would sync the device every step.
        let losses: Vec<f64> = Tensor::cat(losses, 0).into_data().iter::<f64>().collect();
        if let Some(step) = losses.iter().position(|l| !(*l <= DIVERGED_LOSS)) {
            bail!(
                "training diverged at epoch {}, step {}: the batch loss became {:.4e} (beyond \
                 {DIVERGED_LOSS:.1}, where the true class's probability underflows f32); try a \
                 smaller --lr (it is {})",
                epoch + 1,
                step + 1,
                losses[step],
                cfg.lr
            );
        }
        Ok(losses.iter().sum::<f64>() / losses.len() as f64)
    }
}

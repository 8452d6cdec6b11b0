//! The training loop: mini-batch SGD, one loop for every way of getting the gradients
//! (`--grad`) and of applying them (`--optimizer`).

use std::time::Instant;

use anyhow::{Result, bail};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Batch, Dataset};
use crate::gradients::{AnalyticGradients, GradSource};
use crate::inference::{EvalPlan, evaluate_with};
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
    /// How each epoch's evaluation is split (chunks, threads); on a CPU with two cores or
    /// more, [`Trainer::run`] also overlaps it with the next epoch's steps.
    pub eval_plan: EvalPlan,
    data: &'a Dataset,
    device: Device,
}

/// The evaluation of an epoch running on another thread, and what it will report.
struct PendingEval<'s, M> {
    model: M,
    epoch: usize,
    loss: f64,
    train_seconds: f64,
    handle: std::thread::ScopedJoinHandle<'s, (usize, usize, usize, usize, f64)>,
}

impl<M> PendingEval<'_, M> {
    fn finish(self) -> (M, EpochMetrics) {
        let (train_correct, train_total, test_correct, test_total, eval_seconds) =
            self.handle.join().expect("the evaluation thread panicked");
        let metrics = EpochMetrics {
            epoch: self.epoch,
            loss: self.loss,
            train_correct,
            train_total,
            test_correct,
            test_total,
            train_seconds: self.train_seconds,
            eval_seconds,
        };
        (self.model, metrics)
    }
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
            eval_plan: EvalPlan::for_device(&device),
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

        let (train_correct, train_total, test_correct, test_total, eval_seconds) =
            measure(self.model(), self.data, &self.device, self.eval_plan);

        self.epochs_done = epoch;
        Ok(EpochMetrics {
            epoch,
            loss,
            train_correct,
            train_total,
            test_correct,
            test_total,
            train_seconds,
            eval_seconds,
        })
    }

    /// Runs epochs until `until` are done, calling `on_epoch` with the model as it was after
    /// each epoch and that epoch's metrics, in order — the same models and metrics as calling
    /// [`Trainer::epoch`] in a loop.
    ///
    /// When the evaluation plan has several threads (a CPU with two cores or more), epoch
    /// `e`'s evaluation runs on another core while epoch `e + 1`'s steps run on this one, and
    /// `on_epoch` for `e` is called once both are done (the last evaluation uses every
    /// core). If an epoch fails (diverges), the epoch before it is still reported first.
    pub fn run(
        &mut self,
        until: usize,
        progress: &mut dyn Progress,
        mut on_epoch: impl FnMut(&M, &EpochMetrics) -> Result<()>,
    ) -> Result<()> {
        if self.eval_plan.threads < 2 {
            while self.epochs_done < until {
                let metrics = self.epoch(progress)?;
                on_epoch(self.model(), &metrics)?;
            }
            return Ok(());
        }
        let data = self.data;
        std::thread::scope(|s| {
            let mut pending: Option<PendingEval<'_, M>> = None;
            let mut steps = || -> Result<()> {
                while self.epochs_done < until {
                    let epoch = self.epochs_done + 1;
                    let started = Instant::now();
                    let loss = self.sgd_epoch(progress);
                    let train_seconds = started.elapsed().as_secs_f64();
                    if let Some(previous) = pending.take() {
                        let (model, metrics) = previous.finish();
                        on_epoch(&model, &metrics)?;
                    }
                    let loss = loss?;
                    self.epochs_done = epoch;
                    let plan = if epoch == until {
                        self.eval_plan
                    } else {
                        self.eval_plan.single_threaded()
                    };
                    let (model, device) = (self.model().clone(), self.device.clone());
                    let handle = s.spawn(move || measure(&model, data, &device, plan));
                    pending = Some(PendingEval {
                        model: self.model().clone(),
                        epoch,
                        loss,
                        train_seconds,
                        handle,
                    });
                }
                Ok(())
            };
            let result = steps();
            if let Some(last) = pending.take() {
                let (model, metrics) = last.finish();
                on_epoch(&model, &metrics)?;
            }
            result
        })
    }

    /// The batches of the next epoch; returns the mean batch loss. The epoch counter is left
    /// to the caller.
    fn sgd_epoch(&mut self, progress: &mut dyn Progress) -> Result<f64> {
        let (cfg, train, device) = (&self.config, &self.data.train, &self.device);
        let epoch = self.epochs_done;
        let batches = cfg.batches(train.len());
        let order = epoch_order(train.len(), epoch, cfg.shuffle_seed);
        let batch = |k: usize| {
            let (start, end) = (k * cfg.batch_size, (k + 1) * cfg.batch_size);
            match &order {
                None => Batch::range(train, start, end, device),
                Some(order) => Batch::gather(train, &order[start..end], device),
            }
        };
        let mut losses = Vec::with_capacity(batches);
        progress.start_epoch(epoch + 1, batches);
        // Owning the model lets each update reuse the parameters' buffers.
        let mut model = self.model.take();
        let optimizer = &mut self.optimizer;
        let mut step = |batch: Batch| {
            let current = model.take().expect("the model is only moved out during a step");
            let step = cfg.grad.gradients(&current, &batch);
            model = Some(optimizer.step(cfg.lr, current, step.grads));
            losses.push(step.loss);
            progress.batch_done();
        };
        (0..batches).map(batch).for_each(&mut step);
        progress.end_epoch();
        self.model = model;
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

/// Correct counts and totals on both splits, and the seconds it took.
fn measure<M: AnalyticGradients>(
    model: &M,
    data: &Dataset,
    device: &Device,
    plan: EvalPlan,
) -> (usize, usize, usize, usize, f64) {
    let started = Instant::now();
    let train = evaluate_with(model, &data.train, device, plan);
    let test = evaluate_with(model, &data.test, device, plan);
    (train.correct, train.total, test.correct, test.total, started.elapsed().as_secs_f64())
}

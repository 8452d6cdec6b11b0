//! The training loop: mini-batch SGD, one loop for every way of getting the gradients
//! (`--grad`) and of applying them (`--optimizer`).

use std::time::Instant;

use anyhow::{Result, bail};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Batches, Dataset};
use crate::gradients::GradSource;
use crate::inference::{EvalPlan, evaluate_with, percent};
use crate::model::{AnalyticGradients, Classifier};
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
    /// The lab's settings: 20 epochs, η = 0.1, batches of 100 in order, manual gradients.
    pub fn lab() -> Self {
        Self {
            epochs: 20,
            lr: 0.1,
            batch_size: 100,
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
    pub fn validate(&self, n: usize) -> Result<()> {
        if self.epochs == 0 {
            bail!("--epochs must be at least 1");
        }
        validate_lr(self.lr)?;
        validate_batch_size(self.batch_size, n)
    }
}

/// A learning rate must be a positive finite number.
pub(crate) fn validate_lr(lr: f64) -> Result<()> {
    if !(lr.is_finite() && lr > 0.0) {
        bail!("--lr must be a positive finite number, got {lr}");
    }
    Ok(())
}

/// A batch size must be between 1 and the `n` images of the training set.
pub(crate) fn validate_batch_size(tb: usize, n: usize) -> Result<()> {
    if tb == 0 {
        bail!("--batch-size must be at least 1");
    }
    if tb > n {
        bail!("--batch-size {tb} is larger than the training set ({n} images)");
    }
    Ok(())
}

/// A batch loss above this (or not a number) means training has diverged: the mean
/// `−log ŷ_true` exceeds `−ln(f32::MIN_POSITIVE)` ≈ 87.3, so the true class's probability has
/// underflowed f32 — where the lab's `log(ŷ)` gives −∞. (With the stable softmax, the loss of
/// a logistic regression stays finite even for absurd learning rates, so waiting for a NaN
/// would let a run with `--lr 1e6` go on as if nothing were wrong.)
pub const DIVERGED_LOSS: f64 = 87.336_544_750_553_1;

/// Whether a batch loss says training has diverged (beyond [`DIVERGED_LOSS`], or NaN).
pub(crate) fn diverged(loss: f64) -> bool {
    loss.is_nan() || loss > DIVERGED_LOSS
}

/// The error that stops a diverged run: where, what the loss became, and what to try.
pub(crate) fn divergence(epoch: usize, step: usize, loss: f64, lr: f64) -> anyhow::Error {
    anyhow::anyhow!(
        "training diverged at epoch {epoch}, step {step}: the batch loss became {loss:.4e} (beyond \
         {DIVERGED_LOSS:.1}, where the true class's probability underflows f32); try a smaller \
         --lr (it is {lr})"
    )
}

/// Who runs the training loop, chosen by `--trainer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrainerKind {
    /// handgrad's own loop ([`Trainer`]), with `--grad` and `--optimizer`.
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

/// A model being trained, with its optimizer and where it stands.
pub struct Trainer<'a, M> {
    /// The model, on the plain device (autodiff is entered per step when asked for). `None`
    /// only while [`Trainer::train_epoch`] owns it.
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

/// What an epoch's SGD steps did.
pub(crate) struct TrainedEpoch {
    /// Mean of the batch losses.
    pub(crate) loss: f64,
    /// Seconds the steps took.
    pub(crate) seconds: f64,
}

/// Correct counts on both splits after an epoch, and the seconds it took to count them.
pub(crate) struct Evaluated {
    train_correct: usize,
    train_total: usize,
    test_correct: usize,
    test_total: usize,
    seconds: f64,
}

impl Evaluated {
    /// Evaluates `model` on both splits.
    pub(crate) fn measure<M: Classifier>(model: &M, data: &Dataset, device: &Device, plan: EvalPlan) -> Self {
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

    pub(crate) fn metrics(self, epoch: usize, trained: TrainedEpoch) -> EpochMetrics {
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

    /// The next epoch of mini-batch SGD: a plain loop over the batches, one [`sgd_step`]
    /// each. Returns the mean batch loss; fails if training diverged.
    fn train_epoch(&mut self, progress: &mut dyn Progress) -> Result<TrainedEpoch> {
        let started = Instant::now();
        let (cfg, train, epoch) = (&self.config, &self.data.train, self.epochs_done + 1);
        let order = epoch_order(train.len(), self.epochs_done, cfg.shuffle_seed);
        let batches = Batches::new(train, cfg.batch_size, order);

        progress.start_epoch(epoch, batches.len());
        let mut model = self.model.take().expect("the model is only moved out during an epoch");
        let mut losses = Vec::with_capacity(batches.len());
        for k in 0..batches.len() {
            let batch = batches.get(k, &self.device);
            let step = sgd_step(model, &batch, cfg.grad, &mut self.optimizer, cfg.lr);
            model = step.model;
            losses.push(step.loss);
            progress.batch_done();
        }
        self.model = Some(model);
        progress.end_epoch();

        // One read of the losses per epoch: reading each one would sync the device every step.
        let losses: Vec<f64> = Tensor::cat(losses, 0).into_data().iter::<f64>().collect();
        if let Some(step) = losses.iter().position(|&l| diverged(l)) {
            return Err(divergence(epoch, step + 1, losses[step], cfg.lr));
        }
        Ok(TrainedEpoch {
            loss: losses.iter().sum::<f64>() / losses.len() as f64,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Runs one more epoch of SGD, then evaluates on the full training and test sets.
    pub fn epoch(&mut self, progress: &mut dyn Progress) -> Result<EpochMetrics> {
        let trained = self.train_epoch(progress)?;
        self.epochs_done += 1;
        let evaluated = Evaluated::measure(self.model(), self.data, &self.device, self.eval_plan);
        Ok(evaluated.metrics(self.epochs_done, trained))
    }

    /// Runs epochs until `until` are done, calling `on_epoch` with the model as it was after
    /// each epoch and that epoch's metrics, in order — the same models and metrics as calling
    /// [`Trainer::epoch`] in a loop. On a CPU with two cores or more the evaluations overlap
    /// the next epoch's steps ([`Trainer::run_overlapped`]).
    pub fn run(
        &mut self,
        until: usize,
        progress: &mut dyn Progress,
        mut on_epoch: impl FnMut(&M, &EpochMetrics) -> Result<()>,
    ) -> Result<()> {
        if self.eval_plan.threads >= 2 {
            return self.run_overlapped(until, progress, on_epoch);
        }
        while self.epochs_done < until {
            let metrics = self.epoch(progress)?;
            on_epoch(self.model(), &metrics)?;
        }
        Ok(())
    }

    /// [`Trainer::run`] with epoch `e`'s evaluation on another core while epoch `e + 1`'s
    /// steps run on this one; `on_epoch` for `e` is called once both are done (the last
    /// evaluation uses every core). If an epoch fails (diverges), the epoch before it is
    /// still reported first.
    fn run_overlapped(
        &mut self,
        until: usize,
        progress: &mut dyn Progress,
        mut on_epoch: impl FnMut(&M, &EpochMetrics) -> Result<()>,
    ) -> Result<()> {
        /// An epoch whose evaluation runs on another thread.
        struct Pending<'s, M> {
            model: M,
            epoch: usize,
            trained: TrainedEpoch,
            evaluation: std::thread::ScopedJoinHandle<'s, Evaluated>,
        }
        let (data, device) = (self.data, self.device.clone());
        std::thread::scope(|s| {
            let mut pending: Option<Pending<'_, M>> = None;
            let mut report = |done: Pending<'_, M>| {
                let evaluated = done.evaluation.join().expect("the evaluation thread panicked");
                on_epoch(&done.model, &evaluated.metrics(done.epoch, done.trained))
            };
            while self.epochs_done < until {
                let trained = self.train_epoch(progress);
                if let Some(previous) = pending.take() {
                    report(previous)?;
                }
                let trained = trained?;
                self.epochs_done += 1;
                let plan = if self.epochs_done == until {
                    self.eval_plan
                } else {
                    self.eval_plan.single_threaded()
                };
                let (model, device) = (self.model().clone(), device.clone());
                pending = Some(Pending {
                    model: self.model().clone(),
                    epoch: self.epochs_done,
                    trained,
                    evaluation: s.spawn(move || Evaluated::measure(&model, data, &device, plan)),
                });
            }
            match pending.take() {
                Some(last) => report(last),
                None => Ok(()),
            }
        })
    }
}

//! The last rung: burn-train's `Learner` runs the whole loop — Keras's `model.fit(...)`.
//!
//! On the rungs below, handgrad writes the loop ([`crate::training::train`]) and, at will,
//! the gradients ([`crate::model`]) and the update ([`crate::sgd`]). Here it writes none of
//! them. It says what one step computes ([`TrainStep`] and [`InferenceStep`], as in burn's
//! guide), hands over the data as burn's loaders, and burn does the rest: the epochs, the
//! batches, `backward()`, its `Sgd`, its metrics, logs and checkpoints (in `burn-train/`).
//!
//! handgrad still writes what every run writes, computed as its own loop computes it. Two
//! hooks burn-train offers bring the numbers back while burn trains: a metric that receives
//! every batch's loss ([`BatchLosses`]) and a checkpointer that receives the model after
//! every epoch ([`EpochModels`]). A thread of handgrad's evaluates each of those models on
//! the full training and test sets and reports the epoch, as the loop does.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use anyhow::{Result, anyhow};
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset as BurnDataset, DatasetError};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::SgdConfig;
use burn::store::ModuleRecord;
use burn::tensor::{DType, Device, TensorReadError};
use burn::train::checkpoint::{Checkpointer, CheckpointerError, FileCheckpointer, KeepLastNCheckpoints};
use burn::train::metric::{AccuracyMetric, Adaptor, LossMetric, Metric, MetricMetadata, MetricName, SerializedEntry};
use burn::train::renderer::{EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation, MetricsRendererTraining};
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::{ClassificationOutput, InferenceStep, Interrupter, Learner, SupervisedTraining, TrainOutput, TrainStep};

use crate::data::{Batch, Dataset, Split};
use crate::gradients::tracked;
use crate::inference::EvalPlan;
use crate::model::{Classifier, Model, dtype_of};
use crate::report::BatchBar;
use crate::training::{Diverged, EpochMetrics, Evaluated, Progress, TrainConfig, TrainedEpoch, diverged};

// ---- what one step computes: the whole of the model's part, as in burn's guide ----

/// The lesson's model as burn-train's Learner takes it: a type of the application's own, so
/// that it can have burn-train's two steps.
#[derive(Module, Debug)]
struct Fitted {
    model: Model,
}

impl Fitted {
    /// The forward pass and the loss, in the form burn's metrics read (eq. 1–3).
    fn classify(&self, batch: Batch) -> ClassificationOutput {
        let logits = self.model.logits(batch.images);
        let loss = CrossEntropyLoss::new(None, &logits.device()).forward(logits.clone(), batch.labels.clone());
        ClassificationOutput::new(loss, logits, batch.labels)
    }
}

impl TrainStep for Fitted {
    type Input = Batch;
    type Output = ClassificationOutput;

    /// One training step: forward, then `backward()` — burn's autodiff. The Learner applies
    /// the gradients with its optimizer.
    fn step(&self, batch: Batch) -> TrainOutput<ClassificationOutput> {
        let output = self.classify(batch);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Fitted {
    type Input = Batch;
    type Output = ClassificationOutput;

    fn step(&self, batch: Batch) -> ClassificationOutput {
        self.classify(batch)
    }
}

// ---- the data, as burn's loaders want it ----

/// The first `len` images of a split, by index; [`SplitBatcher`] turns indices into a batch.
struct Indices {
    len: usize,
}

impl BurnDataset<usize> for Indices {
    fn get(&self, index: usize) -> Result<usize, DatasetError> {
        Ok(index)
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// Gathers images of a split into a [`Batch`], the same batch handgrad's loop builds (in the
/// model's precision).
struct SplitBatcher {
    split: Arc<Split>,
    dtype: DType,
}

impl Batcher<usize, Batch> for SplitBatcher {
    fn batch(&self, rows: Vec<usize>, device: &Device) -> Batch {
        Batch::gather(&self.split, &rows, device).cast(self.dtype)
    }
}

// ---- the two hooks ----

/// What the hooks send to handgrad's reporting thread.
enum Event {
    /// A training batch's loss, in the order of the batches.
    Loss(f64),
    /// The model after an epoch (1-based, counted from the start of this launch), and when
    /// burn saved it (the epoch's end, burn's validation pass included).
    Epoch(usize, ModuleRecord, Instant),
}

/// A metric that only passes each training batch's loss on to handgrad.
#[derive(Clone)]
struct BatchLosses {
    sink: Sender<Event>,
}

/// The batch loss, as [`BatchLosses`] reads it from burn's `ClassificationOutput`.
struct BatchLoss(burn::tensor::Tensor<1>);

impl Adaptor<BatchLoss> for ClassificationOutput {
    fn adapt(&self) -> BatchLoss {
        BatchLoss(self.loss.clone())
    }
}

impl Metric for BatchLosses {
    type Input = BatchLoss;

    fn name(&self) -> MetricName {
        Arc::new("handgrad batch loss".to_string())
    }

    fn update(&mut self, loss: &BatchLoss, _: &MetricMetadata) -> Result<SerializedEntry, TensorReadError> {
        let loss = loss.0.clone().try_into_scalar::<f64>()?;
        // The receiver is gone only when handgrad stopped listening (an error): nothing to do.
        let _ = self.sink.send(Event::Loss(loss));
        Ok(SerializedEntry::new(format!("{loss:.4}"), loss.to_string()))
    }

    fn compute(&mut self) -> Result<SerializedEntry, TensorReadError> {
        Ok(SerializedEntry::not_available(None))
    }

    fn clear(&mut self) {}
}

/// burn's file checkpointer for the model, which also hands each epoch's model to handgrad.
struct EpochModels {
    files: FileCheckpointer,
    sink: Sender<Event>,
}

impl Checkpointer<ModuleRecord> for EpochModels {
    fn save(&self, epoch: usize, record: ModuleRecord) -> Result<(), CheckpointerError> {
        let _ = self.sink.send(Event::Epoch(epoch, record.clone(), Instant::now()));
        self.files.save(epoch, record)
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        Checkpointer::<ModuleRecord>::delete(&self.files, epoch)
    }

    fn restore(&self, epoch: usize) -> Result<ModuleRecord, CheckpointerError> {
        self.files.restore(epoch)
    }
}

// ---- fit ----

/// Whether burn's terminal dashboard shows this run (the `tui` feature, on a terminal).
pub fn dashboard() -> bool {
    cfg!(feature = "tui") && std::io::IsTerminal::is_terminal(&std::io::stdout())
}

/// Trains `model` (after `epochs_done` epochs) to `config.epochs` with burn-train's
/// Learner: burn's data loaders in order (or shuffled by burn with the seed), burn's
/// autodiff, burn's `Sgd` at `config.lr`, burn's logs and checkpoints in `logs`. The same
/// ⌊N/tb⌋ batches of tb images as the lab: the loader gets the first ⌊N/tb⌋·tb images, since
/// burn's loader would keep a last partial batch.
///
/// `on_epoch` gets the model after each epoch and the epoch's metrics (mean batch loss,
/// full-set correct counts), in order, as [`crate::training::train`] gives them. A
/// diverging run stops with the loop's error.
pub fn fit(
    model: Model,
    config: &TrainConfig,
    data: &Dataset,
    device: &Device,
    logs: &Path,
    epochs_done: usize,
    on_epoch: impl FnMut(&Model, &EpochMetrics) -> Result<()> + Send,
) -> Result<Model> {
    let batches = config.batches(data.train.len());
    let dtype = dtype_of(&model);
    let loader = |split: &Split, len: usize, batch_size: usize, seed: Option<u64>| {
        let builder = DataLoaderBuilder::new(SplitBatcher { split: Arc::new(split.clone()), dtype })
            .batch_size(batch_size)
            .num_workers(1)
            .set_device(device.clone());
        match seed {
            Some(seed) => builder.shuffle(seed),
            None => builder,
        }
        .build(Indices { len })
    };
    let train = loader(&data.train, batches * config.batch_size, config.batch_size, config.shuffle_seed);
    // burn validates after every epoch: on the test set, so its dashboard shows test accuracy.
    let valid = loader(&data.test, data.test.len(), 1000, None);

    let (sink, events) = channel();
    let training = SupervisedTraining::new(logs, train, valid)
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(LossMetric::new())
        .metric_train_numeric(AccuracyMetric::new())
        .metric_valid_numeric(AccuracyMetric::new())
        .metric_train(BatchLosses { sink: sink.clone() })
        .with_custom_checkpointers(
            EpochModels { files: FileCheckpointer::new(logs.join("checkpoint"), "model"), sink },
            FileCheckpointer::new(logs.join("checkpoint"), "optim"),
            FileCheckpointer::new(logs.join("checkpoint"), "scheduler"),
        )
        .with_checkpointing_strategy(KeepLastNCheckpoints::new(2))
        .num_epochs(config.epochs - epochs_done);
    let training = match dashboard() {
        true => training, // burn's own dashboard
        false => training.renderer(Box::new(EpochBar::new(config.batch_size, epochs_done))),
    };
    let interrupter = training.interrupter();
    // The parameters go to the autodiff device, tracked (burn's `fork` keeps them as they are).
    let learner = Learner::new(tracked(Fitted { model: model.clone() }), SgdConfig::new().init(), config.lr);

    let reporter = Reporter { config, data, device, batches, epochs_done, template: Fitted { model }, interrupter };
    let epochs = config.epochs - epochs_done;
    let (result, reported) = std::thread::scope(|s| {
        let started = Instant::now();
        let reporting = s.spawn(move || reporter.run(events, started, on_epoch));
        let result = training.launch(learner);
        (result, reporting.join().expect("the reporting thread panicked"))
    });
    let reported = reported?;
    if let Some(error) = result.error {
        return Err(anyhow!("burn-train stopped: {error}"));
    }
    // A run stopped from burn's dashboard ends without an error: say where it stands.
    if reported < epochs {
        let done = epochs_done + reported;
        return Err(anyhow!(
            "burn-train stopped the run after epoch {done} of {}; its checkpoint can be resumed with --resume",
            config.epochs
        ));
    }
    Ok(result.model.model)
}

/// handgrad's side of a Learner run: turns the hooks' events into epochs.
struct Reporter<'a> {
    config: &'a TrainConfig,
    data: &'a Dataset,
    device: &'a Device,
    batches: usize,
    epochs_done: usize,
    /// A model of the right architecture on the plain device, to load each epoch's record into.
    template: Fitted,
    interrupter: Interrupter,
}

impl Reporter<'_> {
    /// Reports each epoch of this launch, in order, once its model and all its batch losses
    /// are in; stops burn on a diverged loss (after reporting the epochs before it) or on a
    /// failed report, and returns that error. Ends when burn-train has dropped both hooks (its
    /// run is over); returns how many epochs it reported.
    fn run(
        self,
        events: Receiver<Event>,
        started: Instant,
        mut on_epoch: impl FnMut(&Model, &EpochMetrics) -> Result<()>,
    ) -> Result<usize> {
        let per_epoch = self.batches;
        let mut losses: Vec<f64> = Vec::new(); // every batch loss of this launch, in order
        let mut models = std::collections::BTreeMap::new(); // epoch → (model, when it ended)
        let mut reported = 0; // epochs of this launch reported so far
        let mut last_end = started;
        let mut failure: Option<anyhow::Error> = None;
        // With a diverged loss, the epochs before the one it is in are still reported.
        let mut report_before = usize::MAX;
        for event in events {
            match event {
                Event::Loss(loss) => {
                    losses.push(loss);
                    if diverged(loss) && failure.is_none() {
                        let (epoch, step) = ((losses.len() - 1) / per_epoch + 1, (losses.len() - 1) % per_epoch + 1);
                        failure = Some(Diverged { epoch: self.epochs_done + epoch, step, loss, lr: self.config.lr }.into());
                        report_before = epoch;
                        self.interrupter.stop(Some("the loss diverged"));
                    }
                }
                Event::Epoch(epoch, record, ended) => {
                    models.insert(epoch, (record, ended));
                }
            }
            loop {
                let epoch = reported + 1;
                if epoch >= report_before || losses.len() < epoch * per_epoch {
                    break;
                }
                let Some((record, ended)) = models.remove(&epoch) else { break };
                let epoch_losses = &losses[(epoch - 1) * per_epoch..epoch * per_epoch];
                let trained = TrainedEpoch {
                    loss: epoch_losses.iter().sum::<f64>() / per_epoch as f64,
                    seconds: ended.duration_since(last_end).as_secs_f64(),
                };
                last_end = ended;
                reported = epoch;
                let model = self.template.clone().load_record(record).model;
                let plan = EvalPlan::for_device(self.device).single_threaded();
                let metrics = Evaluated::measure(&model, self.data, self.device, plan)
                    .metrics(self.epochs_done + epoch, trained);
                if let Err(error) = on_epoch(&model, &metrics) {
                    failure = Some(error);
                    report_before = 0;
                    self.interrupter.stop(Some("handgrad could not write the epoch's files"));
                }
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(reported),
        }
    }
}

// ---- the renderer: burn-train's CLI renderer prints every batch; this one draws the loop's bar ----

/// The loop's progress bar (on a terminal's stderr), driven by burn-train's progress events
/// (which count images); handgrad prints the per-epoch line itself.
struct EpochBar {
    bar: BatchBar,
    batch_size: usize,
    /// Epochs done before this launch (burn counts from 1 in each launch).
    offset: usize,
    epoch: usize,
    batches_done: usize,
    training: bool,
}

impl EpochBar {
    fn new(batch_size: usize, offset: usize) -> Self {
        Self { bar: BatchBar::for_stderr(), batch_size, offset, epoch: offset + 1, batches_done: 0, training: false }
    }
}

impl TrainingProgressLogger for EpochBar {
    fn start(&mut self, _total_epochs: usize, starting_epoch: usize, _: Option<usize>, _: Option<&str>) {
        self.epoch = self.offset + starting_epoch;
    }

    fn update_epoch(&mut self, epoch: usize) {
        self.epoch = self.offset + epoch + 1;
    }

    fn start_split(&mut self, split: &str, images: usize) {
        self.training = split == "train";
        if self.training {
            self.batches_done = 0;
            self.bar.start_epoch(self.epoch, images / self.batch_size);
        }
    }

    fn update_split(&mut self, images_done: usize) {
        if self.training {
            while self.batches_done < images_done / self.batch_size {
                self.bar.batch_done();
                self.batches_done += 1;
            }
        }
    }

    fn end_split(&mut self) {
        if self.training {
            self.bar.end_epoch();
        }
    }

    fn end(&mut self) {}

    fn log_event_training(&mut self, _: String) {}
}

impl MetricsRendererTraining for EpochBar {
    fn update_train(&mut self, _: MetricState) {}
    fn update_valid(&mut self, _: MetricState) {}
    fn on_train_end(&mut self, _: Option<burn::train::LearnerSummary>) -> Result<(), Box<dyn std::error::Error>> {
        Ok(())
    }
}

impl EvaluationProgressLogger for EpochBar {
    fn start_global_progress(&mut self, _: usize) {}
    fn start_test(&mut self, _: &str, _: usize) {}
    fn update_test_progress(&mut self, _: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _: String) {}
}

impl MetricsRendererEvaluation for EpochBar {
    fn update_test(&mut self, _: EvaluationName, _: MetricState) {}
}

impl MetricsRenderer for EpochBar {
    fn manual_close(&mut self) {}
    fn register_metric(&mut self, _: burn::train::metric::MetricDefinition) {}
}

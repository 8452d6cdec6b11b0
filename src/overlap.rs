//! The lesson's epoch loop ([`lesson::training::train`]) with one change for a machine with
//! two cores or more: epoch `e`'s evaluation runs on another core while epoch `e + 1`'s steps
//! run on this one. The same models, the same metrics, in the same order; only the wall time
//! differs (the last evaluation uses every core).

use anyhow::Result;
use burn::tensor::Device;

use crate::data::Dataset;
use crate::inference::EvalPlan;
use crate::model::AnalyticGradients;
use crate::sgd::Optimizer;
use crate::training::{EpochMetrics, Evaluated, Progress, TrainConfig, TrainedEpoch, train, train_epoch};

/// [`train`], overlapping each epoch's evaluation with the next epoch's steps where the
/// evaluation `plan` (`EvalPlan::for_device`) has two threads or more. If an epoch fails (diverges), the epoch
/// before it is still reported first.
// The lesson's `train` with one more: how the evaluation is split.
#[allow(clippy::too_many_arguments)]
pub fn train_overlapped<M: AnalyticGradients>(
    model: M,
    config: &TrainConfig,
    data: &Dataset,
    device: &Device,
    epochs_done: usize,
    plan: EvalPlan,
    progress: &mut dyn Progress,
    mut on_epoch: impl FnMut(&M, &EpochMetrics) -> Result<()>,
) -> Result<M> {
    if plan.threads < 2 {
        return train(model, config, data, device, epochs_done, progress, on_epoch);
    }
    config.validate(data.train.len())?;
    /// An epoch whose evaluation runs on another thread.
    struct Pending<'s, M> {
        model: M,
        epoch: usize,
        trained: TrainedEpoch,
        evaluation: std::thread::ScopedJoinHandle<'s, Evaluated>,
    }
    let mut optimizer = Optimizer::new(config.optimizer);
    std::thread::scope(|s| {
        let mut pending: Option<Pending<'_, M>> = None;
        let mut report = |done: Pending<'_, M>| {
            let evaluated = done.evaluation.join().expect("the evaluation thread panicked");
            on_epoch(&done.model, &evaluated.metrics(done.epoch, done.trained))
        };
        let mut model = model;
        for epoch in epochs_done + 1..=config.epochs {
            let stepped = train_epoch(model, &data.train, config, epoch, &mut optimizer, device, progress);
            if let Some(previous) = pending.take() {
                report(previous)?;
            }
            let trained;
            (model, trained) = stepped?;
            let plan = if epoch == config.epochs { plan } else { plan.single_threaded() };
            let (evaluated, device) = (model.clone(), device.clone());
            pending = Some(Pending {
                model: model.clone(),
                epoch,
                trained,
                evaluation: s.spawn(move || Evaluated::measure(&evaluated, data, &device, plan)),
            });
        }
        if let Some(last) = pending.take() {
            report(last)?;
        }
        Ok(model)
    })
}

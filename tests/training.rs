//! The three ways to train — manual gradients, autodiff gradients, burn's optimizer — walk
//! the same trajectory; and the loop's other promises (shuffle, divergence).

mod common;

use common::{max_abs_diff, synthetic_dataset, values};
use lesson::backend::Backend;
use lesson::data::Dataset;
use lesson::gradients::GradSource;
use lesson::model::{Init, LogisticRegression};
use lesson::sgd::OptimizerKind;
use lesson::shuffle::epoch_order;
use lesson::training::{EpochMetrics, Quiet, TrainConfig};

fn run(data: &Dataset, config: TrainConfig) -> (Vec<EpochMetrics>, Vec<f64>, Vec<f64>) {
    let device = Backend::default_backend().unwrap().device();
    let model = LogisticRegression::new(Init::Zeros, &device);
    let (metrics, model) = common::train_epochs(model, &config, data, &device);
    (metrics, values(model.w()), values(model.b()))
}

fn config(grad: GradSource, optimizer: OptimizerKind) -> TrainConfig {
    TrainConfig {
        epochs: 3,
        lr: 0.1,
        batch_size: 50,
        shuffle_seed: None,
        grad,
        optimizer,
        ..TrainConfig::lab()
    }
}

#[test]
fn manual_autodiff_and_burn_optimizer_agree() {
    let data = synthetic_dataset(2_000, 500, 42);
    let (reference, w0, b0) = run(&data, config(GradSource::Manual, OptimizerKind::Manual));
    // The run learned something: agreement is not that of untrained models.
    let last = reference.last().unwrap();
    assert!(last.test_accuracy() > 80.0, "test accuracy {}", last.test_accuracy());
    assert!(w0.iter().any(|w| w.abs() > 1e-3));

    for (grad, optimizer) in [
        (GradSource::Autodiff, OptimizerKind::Manual),
        (GradSource::Manual, OptimizerKind::Burn),
        (GradSource::Autodiff, OptimizerKind::Burn),
    ] {
        let (metrics, w, b) = run(&data, config(grad, optimizer));
        for (m, r) in metrics.iter().zip(&reference) {
            let what = format!("{grad:?}/{optimizer:?} epoch {}", m.epoch);
            assert!((m.train_accuracy() - r.train_accuracy()).abs() <= 0.02, "{what}: train");
            assert!((m.test_accuracy() - r.test_accuracy()).abs() <= 0.02, "{what}: test");
            assert!((m.loss - r.loss).abs() <= 1e-4, "{what}: loss {} vs {}", m.loss, r.loss);
        }
        let (dw, db) = (max_abs_diff(&w, &w0), max_abs_diff(&b, &b0));
        assert!(dw <= 1e-4 && db <= 1e-4, "{grad:?}/{optimizer:?}: ΔW {dw:e}, Δb {db:e}");
    }
}

#[test]
fn the_last_partial_batch_is_left_out_as_in_the_lab() {
    let config = TrainConfig {
        batch_size: 100,
        ..TrainConfig::lab()
    };
    assert_eq!(config.batches(60_000), 600);
    assert_eq!(config.batches(1_037), 10);
}

#[test]
fn a_shuffle_is_a_seeded_permutation_that_changes_each_epoch() {
    assert_eq!(epoch_order(10, 0, None), None);
    let a = epoch_order(1000, 0, Some(7)).unwrap();
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
    assert_eq!(epoch_order(1000, 0, Some(7)).unwrap(), a);
    assert_ne!(epoch_order(1000, 1, Some(7)).unwrap(), a);
    assert_ne!(epoch_order(1000, 0, Some(8)).unwrap(), a);
    assert_ne!(a, (0..1000).collect::<Vec<_>>());
}

#[test]
fn shuffled_training_is_reproducible_and_differs_from_in_order() {
    let data = synthetic_dataset(600, 100, 3);
    let shuffled = |seed| TrainConfig {
        shuffle_seed: Some(seed),
        ..config(GradSource::Manual, OptimizerKind::Manual)
    };
    let (_, w1, _) = run(&data, shuffled(1));
    let (_, w1_again, _) = run(&data, shuffled(1));
    let (_, w_in_order, _) = run(&data, config(GradSource::Manual, OptimizerKind::Manual));
    assert_eq!(w1, w1_again);
    assert!(max_abs_diff(&w1, &w_in_order) > 1e-4);
}

#[test]
fn bad_settings_are_refused() {
    let ok = TrainConfig::lab();
    // The lesson says what is wrong in the lab's words; the command line names the flag
    // (tests/cli.rs).
    use lesson::invalid::Setting;
    for (bad, setting, text) in [
        (TrainConfig { epochs: 0, ..ok.clone() }, Setting::Epochs, "the number of epochs must be at least 1"),
        (TrainConfig { lr: 0.0, ..ok.clone() }, Setting::LearningRate, "the learning rate η must be a positive finite number, got 0"),
        (TrainConfig { lr: f64::NAN, ..ok.clone() }, Setting::LearningRate, "the learning rate η must be a positive finite number, got NaN"),
        (TrainConfig { batch_size: 0, ..ok.clone() }, Setting::BatchSize, "the batch size tb must be at least 1"),
        (
            TrainConfig { batch_size: 60_001, ..ok.clone() },
            Setting::BatchSize,
            "the batch size tb 60001 is larger than the training set (60000 images)",
        ),
    ] {
        let err = bad.validate(60_000).unwrap_err();
        assert_eq!((err.setting, err.to_string().as_str()), (setting, text));
    }
    ok.validate(60_000).unwrap();
}

#[test]
fn overlapped_evaluation_reports_what_the_sequential_loop_reports() {
    let data = synthetic_dataset(1_500, 400, 17);
    let device = Backend::default_backend().unwrap().device();
    let config = TrainConfig {
        shuffle_seed: Some(3),
        ..config(GradSource::Manual, OptimizerKind::Manual)
    };
    let (sequential, w, _) = run(&data, config.clone());

    let model = LogisticRegression::new(Init::Zeros, &device);
    // Two threads, so that each evaluation overlaps the next epoch's steps.
    let plan = lesson::inference::EvalPlan { chunk: 128, threads: 2 };
    let mut reported = Vec::new();
    let mut snapshots = Vec::new();
    handgrad::overlap::train_overlapped(model, &config, &data, &device, 0, plan, &mut Quiet, |model, metrics| {
        snapshots.push(values(model.w()));
        reported.push(metrics.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(reported.len(), 3);
    for (a, b) in reported.iter().zip(&sequential) {
        assert_eq!(
            (a.epoch, a.train_correct, a.test_correct, a.loss),
            (b.epoch, b.train_correct, b.test_correct, b.loss)
        );
    }
    // The model handed over with epoch 3 is the model after epoch 3.
    assert_eq!(snapshots[2], w);
    assert_ne!(snapshots[0], snapshots[2]);
}

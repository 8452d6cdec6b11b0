//! Real data: the lab's algorithm on Fashion-MNIST must walk exactly the trajectory of the
//! lab's numpy code (tests/reference/fashion-mnist-trajectory.txt, made by
//! `python3 bench/ref_numpy.py /usr/share/datasets/fashion-mnist`).
//!
//! Needs Debian's dataset-fashion-mnist; `.ci/run` installs it and runs these.

mod common;

use lesson::backend::Backend;
use lesson::data::{DataSource, Dataset, DatasetKind};
use lesson::gradients::GradSource;
use lesson::model::{Init, LogisticRegression};
use lesson::sgd::OptimizerKind;
use lesson::training::{EpochMetrics, TrainConfig};

/// (epoch 0-based, train %, test %, train correct, test correct) per line of the reference.
fn reference() -> Vec<(usize, f64, f64, usize, usize)> {
    let text = include_str!("reference/fashion-mnist-trajectory.txt");
    text.lines()
        .filter(|l| l.starts_with("epoch "))
        .map(|line| {
            let field = |key: &str| {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(key))
                    .unwrap_or_else(|| panic!("no {key} in {line}"))
                    .to_string()
            };
            let epoch: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            (
                epoch,
                field("train=").parse().unwrap(),
                field("test=").parse().unwrap(),
                field("train_correct=").parse().unwrap(),
                field("test_correct=").parse().unwrap(),
            )
        })
        .collect()
}

fn fashion() -> Dataset {
    DataSource {
        kind: DatasetKind::FashionMnist,
        dir: None,
    }
    .load()
    .expect("Fashion-MNIST: apt-get install dataset-fashion-mnist")
}

fn train(data: &Dataset, grad: GradSource, optimizer: OptimizerKind) -> Vec<EpochMetrics> {
    let device = Backend::default_backend().unwrap().device();
    let config = TrainConfig {
        grad,
        optimizer,
        ..TrainConfig::lab()
    };
    let model = LogisticRegression::new(Init::Zeros, &device);
    common::train_epochs(model, &config, data, &device).0
}

fn assert_follows_reference(label: &str, metrics: &[EpochMetrics]) {
    let reference = reference();
    assert_eq!(reference.len(), 20);
    assert_eq!(metrics.len(), 20);
    for (m, &(epoch, train, test, train_correct, test_correct)) in metrics.iter().zip(&reference) {
        assert_eq!(m.epoch, epoch + 1);
        assert_eq!((m.train_total, m.test_total), (60_000, 10_000));
        let dtrain = (m.train_accuracy() - train).abs();
        let dtest = (m.test_accuracy() - test).abs();
        assert!(
            dtrain <= 0.02 && dtest <= 0.02,
            "{label}, epoch {}: train {} vs {train} ({} vs {train_correct}), test {} vs {test} ({} vs {test_correct})",
            m.epoch,
            m.train_accuracy(),
            m.train_correct,
            m.test_accuracy(),
            m.test_correct
        );
    }
    let first = &metrics[0];
    let last = &metrics[19];
    assert!(first.test_correct.abs_diff(8142) <= 2, "{label}: epoch 1 {}", first.test_correct);
    assert!(last.test_correct.abs_diff(8438) <= 2, "{label}: epoch 20 {}", last.test_correct);
}

#[test]
#[ignore = "needs dataset-fashion-mnist"]
fn manual_gradients_reproduce_the_numpy_trajectory() {
    let data = fashion();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_follows_reference("manual", &train(&data, GradSource::Manual, OptimizerKind::Manual));
}

#[test]
#[ignore = "needs dataset-fashion-mnist"]
fn autodiff_and_burn_optimizer_reproduce_it_too() {
    let data = fashion();
    assert_follows_reference("autodiff", &train(&data, GradSource::Autodiff, OptimizerKind::Manual));
    assert_follows_reference("burn optimizer", &train(&data, GradSource::Autodiff, OptimizerKind::Burn));
}

#[test]
#[ignore = "needs dataset-fashion-mnist"]
fn the_mlp_beats_logistic_regression_after_the_same_epochs() {
    use lesson::model::Activation;
    use lesson::model::Architecture;
    let data = fashion();
    let device = Backend::default_backend().unwrap().device();
    let epochs = 5;
    let mut results = Vec::new();
    for (architecture, lr) in [
        (Architecture::Logreg, 0.1),
        (Architecture::Mlp { hidden: 100, activation: Activation::Sigmoid }, 1.0),
    ] {
        device.seed(0);
        let model = architecture.init(architecture.default_init(), &device);
        let config = TrainConfig { epochs, lr, ..TrainConfig::lab() };
        let last = common::train_epochs(model, &config, &data, &device).0.pop().unwrap();
        eprintln!("{}: test {:.2}% after {epochs} epochs", architecture.describe(), last.test_accuracy());
        results.push(last.test_accuracy());
    }
    assert!(results[1] > results[0] + 1.0, "MLP {} vs logistic regression {}", results[1], results[0]);
}

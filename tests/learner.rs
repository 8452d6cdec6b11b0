//! The last rung: burn-train's Learner trains the same model as handgrad's loop, on the same
//! trajectory — the four ways (manual gradients, autodiff, burn's optimizer, the Learner)
//! agree. Compiled with the `learner` feature (a default one).
#![cfg(feature = "learner")]

mod common;

use std::process::Command;

use common::{max_abs_diff, synthetic_dataset, temp_dir, values, write_idx_dir};
use lesson::backend::Backend;
use lesson::data::Dataset;
use lesson::gradients::GradSource;
use lesson::model::{Architecture, Model, ModelConfig, Precision};
use lesson::sgd::OptimizerKind;
use lesson::inference::EvalPlan;
use lesson::training::{EpochMetrics, Quiet, TrainConfig, TrainerKind};

/// Every parameter's values, in the module's order.
fn parameters(model: &Model) -> Vec<f64> {
    match model {
        Model::Logreg(m) => [values(m.w()), values(m.b())].concat(),
        Model::Mlp(m) => [values(m.wh()), values(m.bh()), values(m.wy()), values(m.by())].concat(),
    }
}

fn train(data: &Dataset, architecture: Architecture, config: &TrainConfig) -> (Vec<EpochMetrics>, Vec<f64>) {
    let device = Backend::default_backend().unwrap().device();
    // The device's random generator is shared by the tests running in parallel: seeding and
    // drawing happen under one lock, so that every run of an architecture starts the same.
    // (burn draws a parameter's initial values when it is first read: read them here.)
    static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let model = {
        let _drawing = INIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        device.seed(5);
        let model = ModelConfig { architecture, init: architecture.default_init(), precision: Precision::F32 }.init(&device);
        parameters(&model);
        model
    };
    let mut metrics = Vec::new();
    let model = match config.trainer {
        TrainerKind::Loop => {
            handgrad::overlap::train_overlapped(model, config, data, &device, 0, EvalPlan::for_device(&device), &mut Quiet, |_, m| {
                metrics.push(m.clone());
                Ok(())
            })
            .unwrap()
        }
        TrainerKind::Learner => {
            // A folder of its own for each run: the tests run in parallel.
            static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let logs = temp_dir(&format!("learner-logs-{}", RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
            handgrad::learner::fit(model, config, data, &device, &logs, 0, |_, m| {
                metrics.push(m.clone());
                Ok(())
            })
            .unwrap()
        }
    };
    (metrics, parameters(&model))
}

fn four_ways_agree(architecture: Architecture, lr: f64) {
    // 1 037 images: the loader must leave out the last 37, as the lab does.
    let data = synthetic_dataset(1_037, 400, 42);
    let config = |grad, optimizer, trainer| TrainConfig {
        epochs: 3,
        lr,
        batch_size: 50,
        grad,
        optimizer,
        trainer,
        ..TrainConfig::lab()
    };
    let (reference, p0) = train(&data, architecture, &config(GradSource::Manual, OptimizerKind::Manual, TrainerKind::Loop));
    let last = reference.last().unwrap();
    assert!(last.test_accuracy() > 70.0, "the run learned little: {}", last.test_accuracy());
    assert_eq!(reference.len(), 3);
    for (grad, optimizer, trainer) in [
        (GradSource::Autodiff, OptimizerKind::Manual, TrainerKind::Loop),
        (GradSource::Autodiff, OptimizerKind::Burn, TrainerKind::Loop),
        (GradSource::Autodiff, OptimizerKind::Burn, TrainerKind::Learner),
    ] {
        let what = format!("{architecture:?} {grad:?}/{optimizer:?}/{trainer:?}");
        let (metrics, p) = train(&data, architecture, &config(grad, optimizer, trainer));
        assert_eq!(metrics.len(), reference.len(), "{what}");
        for (m, r) in metrics.iter().zip(&reference) {
            assert_eq!(m.epoch, r.epoch, "{what}");
            assert_eq!((m.train_total, m.test_total), (r.train_total, r.test_total), "{what}");
            assert!((m.train_accuracy() - r.train_accuracy()).abs() <= 0.02, "{what} epoch {}: train", m.epoch);
            assert!((m.test_accuracy() - r.test_accuracy()).abs() <= 0.02, "{what} epoch {}: test", m.epoch);
            assert!((m.loss - r.loss).abs() <= 1e-4, "{what} epoch {}: loss {} vs {}", m.epoch, m.loss, r.loss);
        }
        let dp = max_abs_diff(&p, &p0);
        assert!(dp <= 1e-4, "{what}: parameters differ by {dp:e}");
    }
}

#[test]
fn four_ways_agree_on_the_logistic_regression() {
    four_ways_agree(Architecture::Logreg, 0.1);
}

#[test]
fn four_ways_agree_on_the_mlp() {
    four_ways_agree(Architecture::Mlp { hidden: 16, activation: lesson::model::Activation::Sigmoid }, 0.5);
}

fn handgrad(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad")).args(args).env_remove("HANDGRAD_DATA_DIR").output().unwrap()
}

/// Through the command line: a Learner run writes what every run writes (and burn-train's
/// own files in a subfolder), resumes to the same weights as a run straight through, refuses
/// contradicting flags, and stops a diverging run with the loop's error.
#[test]
fn train_with_the_learner_writes_a_run_and_resumes_it() {
    let dir = temp_dir("learner-cli");
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(600, 200, 9), true);
    let d = data.to_str().unwrap();
    let run = |out: &std::path::Path, epochs: &str| {
        let out = handgrad(&["train", "--trainer", "learner", "--data-dir", d, "--epochs", epochs, "--batch-size", "50", "--no-plots", "--out", out.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let straight = dir.join("straight");
    let stdout = run(&straight, "3");
    assert!(stdout.contains("trainer burn-train's Learner · grad autodiff · optimizer burn"), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("epoch ")).count(), 3, "{stdout}");
    for file in ["metrics.csv", "summary.json", "model.bpk", "model.json", "checkpoint.json", "burn-train/experiment.log"] {
        assert!(straight.join(file).exists(), "{file} missing");
    }
    assert!(straight.join("burn-train/checkpoint/model-3.bpk").exists());
    let meta = std::fs::read_to_string(straight.join("model.json")).unwrap();
    assert!(meta.contains(r#""trainer": "learner""#), "{meta}");

    let resumed = dir.join("resumed");
    run(&resumed, "2");
    let out = handgrad(&["train", "--resume", resumed.to_str().unwrap(), "--epochs", "3", "--no-plots"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(resumed.join("burn-train-after-epoch-2").is_dir());
    let device = Backend::default_backend().unwrap().device();
    let weights = |run: &std::path::Path| parameters(&handgrad::persist::load_model(run, &device).unwrap().0);
    assert!(weights(&resumed) == weights(&straight), "resumed after 2 epochs, the Learner's weights differ from a run straight through");

    for (flag, value, needle) in [
        ("--grad", "manual", "--trainer learner takes its gradients from burn's autodiff: drop --grad manual"),
        ("--optimizer", "manual", "--trainer learner updates with burn's optimizer: drop --optimizer manual"),
    ] {
        let out = handgrad(&["train", "--trainer", "learner", "--data-dir", d, flag, value, "--out", dir.join("x").to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim(), format!("error: {needle}"));
    }

    let out = handgrad(&["train", "--trainer", "learner", "--data-dir", d, "--lr", "1e6", "--no-plots", "--out", dir.join("diverged").to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: training diverged at epoch 1, step 2: the batch loss became"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// On Fashion-MNIST, the Learner walks the lab's numpy trajectory: after 20 epochs the same
/// test count as numpy (8438, within 2 images), in order, batch 100, η = 0.1, zero init.
#[test]
#[ignore = "needs Debian's dataset-fashion-mnist (.ci/run installs it)"]
fn the_learner_reproduces_the_numpy_trajectory_on_fashion_mnist() {
    let numpy = include_str!("reference/fashion-mnist-trajectory.txt")
        .lines()
        .filter(|l| l.starts_with("epoch "))
        .map(|l| {
            let field = |key: &str| l.split_whitespace().find_map(|w| w.strip_prefix(key)).unwrap().parse::<usize>().unwrap();
            (field("train_correct="), field("test_correct="))
        })
        .collect::<Vec<_>>();
    let data = lesson::data::DataSource { kind: lesson::data::DatasetKind::FashionMnist, dir: None }
        .load()
        .expect("Fashion-MNIST: apt-get install dataset-fashion-mnist");
    let config = TrainConfig {
        grad: GradSource::Autodiff,
        optimizer: OptimizerKind::Burn,
        trainer: TrainerKind::Learner,
        ..TrainConfig::lab()
    };
    let (metrics, _) = train(&data, Architecture::Logreg, &config);
    assert_eq!(metrics.len(), 20);
    // The reference's lines are the state after each epoch (its first line: before training).
    let after = &numpy[numpy.len() - 20..];
    for (m, (train, test)) in metrics.iter().zip(after) {
        assert!(m.train_correct.abs_diff(*train) <= 12, "epoch {}: train {} vs numpy {train}", m.epoch, m.train_correct);
        assert!(m.test_correct.abs_diff(*test) <= 2, "epoch {}: test {} vs numpy {test}", m.epoch, m.test_correct);
    }
    assert!(metrics[19].test_correct.abs_diff(8438) <= 2, "{}", metrics[19].test_correct);
}

//! The lab's own table, to the image: on the full MNIST (../shared/data/mnist), the lab's
//! logistic regression (20 epochs of batches of 100 in order, η = 0.1, zero init) walks the
//! table the lab printed — parsed from ../shared/seed/tp-deep-learning-1.md, epochs 0 to 15,
//! train and test — in every way: manual gradients, autodiff, burn's optimizer, burn-train's
//! Learner, all in f64 as the lab's numpy computes (`W = np.zeros((d, K))` is float64; the
//! pixels `astype('float32') / 255`, promoted).
//!
//! In f32 (handgrad's default) the same run matches the table at every epoch but one: after
//! the ninth epoch (the lab's `epoch 8`) it classifies one test image more than the lab
//! (9 205 against 9 204). The test below finds that image and shows that its two best
//! scores are as close as f32's rounding.
//!
//! The five runs take 14 to 32 s on two shared cores: `#[ignore]`d, so that `.ci/run` runs
//! them once, in its `--include-ignored` pass; where ../shared lacks the files, they fail
//! saying which.

mod common;

use std::path::{Path, PathBuf};

use lesson::backend::Backend;
use lesson::data::source::read_split;
use lesson::data::{Dataset, DatasetKind, Which};
use lesson::gradients::GradSource;
use lesson::inference::EvalPlan;
use lesson::model::{Architecture, Init, Model, ModelConfig, Precision};
use lesson::sgd::OptimizerKind;
use lesson::training::{EpochMetrics, Quiet, TrainConfig, TrainerKind};

/// One printed line of the lab's table: `epoch  9 accurcy train= 92.035 accurcy test= 92.04`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Printed {
    /// 0-based, as the lab counts.
    epoch: usize,
    train_percent: f64,
    test_percent: f64,
}

impl Printed {
    /// The counts of right images the percentages stand for (out of 60 000 and 10 000).
    fn counts(&self) -> (usize, usize) {
        let count = |percent: f64, total: f64| {
            let n = percent * total / 100.0;
            assert!((n - n.round()).abs() < 1e-6, "{percent} % of {total} is not a whole count");
            n.round() as usize
        };
        (count(self.train_percent, 60_000.0), count(self.test_percent, 10_000.0))
    }
}

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(path)
}

/// The lab's table: every complete `epoch N accurcy train= X accurcy test= Y` line of the seed
/// (its last line, cut off in the middle, is not one).
fn lab_table() -> Vec<Printed> {
    let seed = shared("seed/tp-deep-learning-1.md");
    let text = std::fs::read_to_string(&seed)
        .unwrap_or_else(|e| panic!("cannot read {} (the lab's printed table), which this test needs: {e}", seed.display()));
    let table: Vec<Printed> = text
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["epoch", epoch, "accurcy", "train=", train, "accurcy", "test=", test] => Some(Printed {
                    epoch: epoch.parse().ok()?,
                    train_percent: train.parse().ok()?,
                    test_percent: test.parse().ok()?,
                }),
                _ => None,
            }
        })
        .collect();
    assert!(!table.is_empty(), "no epoch line in {}", seed.display());
    for (k, line) in table.iter().enumerate() {
        assert_eq!(line.epoch, k, "the table's epochs are 0, 1, 2, …");
    }
    table
}

/// The full MNIST, once for all the tests of this file.
fn mnist() -> &'static Dataset {
    static DATA: std::sync::OnceLock<Dataset> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let dir = shared("data/mnist");
        assert!(dir.is_dir(), "no {} (the full MNIST), which this test needs", dir.display());
        let (train, test) = (read_split(&dir, Which::Train).unwrap(), read_split(&dir, Which::Test).unwrap());
        Dataset { kind: DatasetKind::Mnist, origin: dir.display().to_string(), train, test }
    })
}

/// The lab's run, `epochs` epochs, in one way and one precision; the metrics of each epoch
/// and the test set's predictions after epoch `watch` (1-based).
fn lab_run(
    data: &Dataset,
    precision: Precision,
    grad: GradSource,
    optimizer: OptimizerKind,
    trainer: TrainerKind,
    epochs: usize,
    watch: usize,
) -> (Vec<EpochMetrics>, Option<Model>) {
    let device = Backend::default_backend().unwrap().device();
    let model = ModelConfig { architecture: Architecture::Logreg, init: Init::Zeros, precision }.init(&device);
    let config = TrainConfig { epochs, grad, optimizer, trainer, ..TrainConfig::lab() };
    let mut metrics = Vec::new();
    let mut watched = None;
    let mut on_epoch = |model: &Model, m: &EpochMetrics| {
        eprintln!("{precision:?} {grad:?}/{optimizer:?}/{trainer:?} epoch {}: train {} test {}", m.epoch, m.train_correct, m.test_correct);
        if m.epoch == watch {
            watched = Some(model.clone());
        }
        metrics.push(m.clone());
        Ok(())
    };
    let started = std::time::Instant::now();
    match trainer {
        TrainerKind::Loop => {
            handgrad::overlap::train_overlapped(model, &config, data, &device, 0, EvalPlan::for_device(&device), &mut Quiet, &mut on_epoch)
                .unwrap();
        }
        TrainerKind::Learner => {
            #[cfg(feature = "learner")]
            {
                let logs = common::temp_dir(&format!("mnist-learner-{precision:?}"));
                handgrad::learner::fit(model, &config, data, &device, &logs, 0, &mut on_epoch).unwrap();
            }
            #[cfg(not(feature = "learner"))]
            panic!("the Learner needs the learner feature");
        }
    }
    eprintln!("{precision:?} {grad:?}/{optimizer:?}/{trainer:?}: {epochs} epochs in {:.0} s", started.elapsed().as_secs_f64());
    (metrics, watched)
}

/// The run's counts against the table's, epoch by epoch: the epochs where they differ, as
/// (epoch 0-based, split, run's count, table's count).
fn differences(metrics: &[EpochMetrics], table: &[Printed]) -> Vec<(usize, &'static str, usize, usize)> {
    assert_eq!(metrics.len(), table.len());
    let mut out = Vec::new();
    for (m, printed) in metrics.iter().zip(table) {
        assert_eq!(m.epoch, printed.epoch + 1);
        assert_eq!((m.train_total, m.test_total), (60_000, 10_000));
        let (train, test) = printed.counts();
        if m.train_correct != train {
            out.push((printed.epoch, "train", m.train_correct, train));
        }
        if m.test_correct != test {
            out.push((printed.epoch, "test", m.test_correct, test));
        }
    }
    out
}

fn walks_the_table_in_f64(grad: GradSource, optimizer: OptimizerKind, trainer: TrainerKind) {
    let (table, data) = (lab_table(), mnist());
    let (metrics, _) = lab_run(data, Precision::F64, grad, optimizer, trainer, table.len(), 0);
    let differ = differences(&metrics, &table);
    assert!(differ.is_empty(), "{grad:?}/{optimizer:?}/{trainer:?} in f64 leaves the lab's table at (epoch, split, handgrad, lab): {differ:?}");
}

/// Manual gradients in f64 walk the table; in f32, every epoch but the one known flip, which
/// is found and explained.
#[test]
#[ignore = "needs the full MNIST in ../shared/data/mnist and the lab's table in ../shared/seed/tp-deep-learning-1.md; 16 epochs, twice (f32 and f64): 10 s"]
fn manual_gradients_walk_the_lab_table_in_f64_and_f32_flips_one_test_image() {
    let (table, data) = (lab_table(), mnist());
    // The flip: after the lab's `epoch 8` (0-based: the ninth), f32 classifies one more test
    // image right.
    const FLIP_EPOCH: usize = 8;
    let run = |precision| {
        lab_run(data, precision, GradSource::Manual, OptimizerKind::Manual, TrainerKind::Loop, table.len(), FLIP_EPOCH + 1)
    };
    let (f64_metrics, f64_model) = run(Precision::F64);
    let (f32_metrics, f32_model) = run(Precision::F32);

    eprintln!("epoch   lab train  f64 train  f32 train    lab test  f64 test  f32 test");
    for ((printed, a), b) in table.iter().zip(&f64_metrics).zip(&f32_metrics) {
        let (train, test) = printed.counts();
        eprintln!(
            "{:>5} {:>11} {:>10} {:>10} {:>11} {:>9} {:>9}",
            printed.epoch, train, a.train_correct, b.train_correct, test, a.test_correct, b.test_correct
        );
    }
    let differ = differences(&f64_metrics, &table);
    assert!(differ.is_empty(), "f64 leaves the lab's table at (epoch, split, handgrad, lab): {differ:?}");

    // f32's own reference: the table, with the flip.
    let (_, lab_test) = table[FLIP_EPOCH].counts();
    let differ = differences(&f32_metrics, &table);
    assert_eq!(differ, vec![(FLIP_EPOCH, "test", lab_test + 1, lab_test)], "f32 against the table with its one known flip");

    // The flip explained: the test images f32 and f64 classify differently after that epoch,
    // and their two best scores in f64.
    let device = Backend::default_backend().unwrap().device();
    let (f64_model, f32_model) = (f64_model.unwrap(), f32_model.unwrap());
    let p64 = lesson::inference::predict(&f64_model, &data.test, &device);
    let p32 = lesson::inference::predict(&f32_model, &data.test, &device);
    let changed: Vec<usize> = (0..data.test.len()).filter(|&i| p64[i] != p32[i]).collect();
    assert!(!changed.is_empty(), "f32 and f64 predict the same after epoch {}", FLIP_EPOCH + 1);
    let mut net = 0i64;
    for &i in &changed {
        let label = data.test.labels[i];
        net += (p32[i] == label) as i64 - (p64[i] == label) as i64;
        let scores = |model: &Model| -> Vec<f64> {
            use lesson::model::Classifier;
            let x = lesson::data::batch::images(&data.test, i, i + 1, &device).cast(lesson::model::dtype_of(model));
            common::values(model.logits(x))
        };
        let (s64, s32) = (scores(&f64_model), scores(&f32_model));
        let (a, b) = (p64[i] as usize, p32[i] as usize);
        let gap64 = s64[a] - s64[b];
        let gap32 = s32[b] - s32[a];
        let ulp = f32::EPSILON as f64 * s64[a].abs().max(s64[b].abs());
        eprintln!(
            "test image {i} (label {label}): f64 says {a} (s_{a} − s_{b} = {gap64:.3e}), f32 says {b} (s_{b} − s_{a} = {gap32:.3e}); \
             one f32 rounding of these scores is {ulp:.1e}"
        );
        // Both gaps within a few roundings of f32: the precision decides, not the method.
        assert!(gap64.abs() < 4.0 * ulp && gap32.abs() < 4.0 * ulp, "image {i}: gaps {gap64:e} / {gap32:e}, not f32 rounding ({ulp:e})");
    }
    assert_eq!(net, 1, "the images f32 and f64 disagree on: {changed:?}");
}

#[test]
#[ignore = "needs the full MNIST in ../shared/data/mnist and the lab's table in ../shared/seed/tp-deep-learning-1.md; 16 epochs in f64: 6 s"]
fn autodiff_walks_the_lab_table_in_f64() {
    walks_the_table_in_f64(GradSource::Autodiff, OptimizerKind::Manual, TrainerKind::Loop);
}

#[test]
#[ignore = "needs the full MNIST in ../shared/data/mnist and the lab's table in ../shared/seed/tp-deep-learning-1.md; 16 epochs in f64: 6 s"]
fn burns_optimizer_walks_the_lab_table_in_f64() {
    walks_the_table_in_f64(GradSource::Autodiff, OptimizerKind::Burn, TrainerKind::Loop);
}

#[test]
#[cfg(feature = "learner")]
#[ignore = "needs the full MNIST in ../shared/data/mnist and the lab's table in ../shared/seed/tp-deep-learning-1.md; 16 epochs in f64: 6 s"]
fn the_learner_walks_the_lab_table_in_f64() {
    walks_the_table_in_f64(GradSource::Autodiff, OptimizerKind::Burn, TrainerKind::Learner);
}

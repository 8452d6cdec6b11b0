//! The lab's own printed table, and the lab's loop run on the student's functions: zero
//! init, η = 0.1, batches of 100 in order, 20 epochs, in f64 as the lab's numpy computes
//! (`W = np.zeros((d, K))` is float64; the pixels are float32 / 255, promoted).

use burn::tensor::{DType, Device, Tensor};
use lesson::data::{Batch, CLASSES, PIXELS, Split, batch::images};
use lesson::model::LogisticRegression;
use lesson::sgd::{Optimizer, OptimizerKind};
use serde::Serialize;

use crate::answers::{Exo1, Exo2};
use crate::attempt::{Failure, attempt};

/// What the lab's numpy prints on MNIST (its last cell, as printed in the lab's text), for
/// epochs 0 to 15: `epoch  k accurcy train= … accurcy test= …`.
pub const LAB_OUTPUT: &str = "\
epoch  0 accurcy train= 89.27333333333334 accurcy test= 90.24
epoch  1 accurcy train= 90.33 accurcy test= 90.91
epoch  2 accurcy train= 90.92833333333333 accurcy test= 91.36999999999999
epoch  3 accurcy train= 91.25333333333333 accurcy test= 91.60000000000001
epoch  4 accurcy train= 91.45333333333333 accurcy test= 91.7
epoch  5 accurcy train= 91.62333333333333 accurcy test= 91.81
epoch  6 accurcy train= 91.74833333333333 accurcy test= 91.86999999999999
epoch  7 accurcy train= 91.85 accurcy test= 91.95
epoch  8 accurcy train= 91.96 accurcy test= 92.04
epoch  9 accurcy train= 92.035 accurcy test= 92.04
epoch  10 accurcy train= 92.09 accurcy test= 92.13
epoch  11 accurcy train= 92.17333333333333 accurcy test= 92.14
epoch  12 accurcy train= 92.23333333333333 accurcy test= 92.15
epoch  13 accurcy train= 92.25999999999999 accurcy test= 92.15
epoch  14 accurcy train= 92.31166666666667 accurcy test= 92.21000000000001
epoch  15 accurcy train= 92.36666666666666 accurcy test= 92.22
";

/// One printed epoch, as counts of right images (the percentages are counts / N × 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// The epoch, from 0.
    pub epoch: usize,
    /// Right training images.
    pub train: usize,
    /// Right test images.
    pub test: usize,
}

/// The epochs of a printout like [`LAB_OUTPUT`], as counts of `n_train` and `n_test` images.
pub fn parse(text: &str, n_train: usize, n_test: usize) -> Vec<Counts> {
    let count = |percent: &str, n: usize| percent.parse::<f64>().ok().map(|p| (p / 100.0 * n as f64).round() as usize);
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["epoch", k, "accurcy", "train=", train, "accurcy", "test=", test] => Some(Counts {
                    epoch: k.parse().ok()?,
                    train: count(train, n_train)?,
                    test: count(test, n_test)?,
                }),
                _ => None,
            }
        })
        .collect()
}

/// The lab's table, as counts of MNIST's 60 000 and 10 000 images.
pub fn lab_table() -> Vec<Counts> {
    parse(LAB_OUTPUT, 60_000, 10_000)
}

/// The lab's settings.
pub const EPOCHS: usize = 20;
/// η.
pub const ETA: f64 = 0.1;
/// tb.
pub const BATCH: usize = 100;

/// Which rung trains: the student's four functions, or their forward with burn's autodiff and
/// burn's `Sgd` in place of their gradients and update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rung {
    /// Their `forward`, `gradients`, `update`.
    Theirs,
    /// Their `forward`; burn's `backward()` and `Sgd`.
    Framework,
}

/// An epoch's counts on both splits, the student's forward making the predictions.
fn epoch_counts(file: &str, epoch: usize, predict: &dyn Fn(Tensor<2>) -> Tensor<2>, (train, test): (&Split, &Split), device: &Device) -> Result<Counts, Failure> {
    attempt(file, || Counts { epoch, train: count_right(train, predict, device), test: count_right(test, predict, device) })
}

/// Counts right predictions of `predict` (a tb × 10 prediction from a batch of images) over a
/// split, in chunks.
fn count_right(split: &Split, predict: &dyn Fn(Tensor<2>) -> Tensor<2>, device: &Device) -> usize {
    let chunk = 10_000;
    let mut right = 0;
    for start in (0..split.len()).step_by(chunk) {
        let end = (start + chunk).min(split.len());
        let x = images(split, start, end, device).cast(DType::F64);
        let guess: Vec<i64> = predict(x).argmax(1).into_data().iter::<i64>().collect();
        right += guess.iter().zip(&split.labels[start..end]).filter(|(g, l)| **g == **l as i64).count();
    }
    right
}

/// Trains exercise 1's logistic regression the lab's way with the student's functions (or
/// their forward and the framework), calling `each` after every epoch with its counts.
pub fn train_exo1(
    answers: &Exo1,
    rung: Rung,
    train: &Split,
    test: &Split,
    device: &Device,
    epochs: usize,
    each: &mut dyn FnMut(Counts),
) -> Result<Vec<Counts>, Failure> {
    let zeros2 = Tensor::<2>::zeros([PIXELS, CLASSES], (device, DType::F64));
    let zeros1 = Tensor::<1>::zeros([CLASSES], (device, DType::F64));
    let (mut w, mut b) = (zeros2, zeros1);
    let mut optimizer = Optimizer::new(OptimizerKind::Burn);
    let mut all = Vec::new();
    for epoch in 0..epochs {
        for k in 0..train.len() / BATCH {
            let batch = Batch::range(train, k * BATCH, (k + 1) * BATCH, device).cast(DType::F64);
            (w, b) = attempt(answers.file, || match rung {
                Rung::Theirs => {
                    let y_hat = (answers.forward)(batch.images.clone(), w.clone(), b.clone()); // forward
                    let (grad_w, grad_b) = (answers.gradients)(batch.images.clone(), batch.y_star.clone(), y_hat); // eq. (4)–(5)
                    (answers.update)(w.clone(), b.clone(), grad_w, grad_b, ETA) //                        eq. (6)–(7)
                }
                Rung::Framework => framework_step(answers, &batch, w.clone(), b.clone(), &mut optimizer),
            })?;
        }
        let predict = |x: Tensor<2>| (answers.forward)(x, w.clone(), b.clone());
        let counts = epoch_counts(answers.file, epoch, &predict, (train, test), device)?;
        each(counts);
        all.push(counts);
    }
    Ok(all)
}

/// One step with the student's forward, burn's autodiff of the loss (eq. 3) and burn's `Sgd`.
fn framework_step(answers: &Exo1, batch: &Batch, w: Tensor<2>, b: Tensor<1>, optimizer: &mut Optimizer) -> (Tensor<2>, Tensor<1>) {
    let model = LogisticRegression::from_parameters(w, b);
    let tracked = lesson::gradients::tracked(model.clone());
    let y_hat = (answers.forward)(batch.images.clone().autodiff(), tracked.w(), tracked.b());
    let tb = batch.len() as f64;
    let loss = (batch.y_star.clone().autodiff() * y_hat.log()).sum().neg().div_scalar(tb); // eq. (3)
    let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &tracked);
    let model = optimizer.step(ETA, model, grads);
    (model.w(), model.b())
}

/// Exercise 2's network as trained here.
pub struct Exo2Run {
    /// Hidden units.
    pub hidden: usize,
    /// Epochs.
    pub epochs: usize,
    /// η.
    pub eta: f64,
}

/// Trains exercise 2's perceptron with the student's gradients (and exercise 1's update on
/// each layer), or with burn's autodiff of their forward in place of their gradients; both
/// start from the same seeded weights.
pub fn train_exo2(
    answers: (&Exo1, &Exo2),
    autodiff: bool,
    run: &Exo2Run,
    train: &Split,
    test: &Split,
    device: &Device,
    each: &mut dyn FnMut(Counts),
) -> Result<Vec<Counts>, Failure> {
    let (one, two) = answers;
    device.seed(2);
    let normal = |shape: [usize; 2], std: f64| {
        Tensor::<2>::random(shape, burn::tensor::Distribution::Normal(0.0, std), device).cast(DType::F64)
    };
    let mut wh = normal([PIXELS, run.hidden], 1.0 / (PIXELS as f64).sqrt());
    let mut wy = normal([run.hidden, CLASSES], 1.0 / (run.hidden as f64).sqrt());
    let mut bh = Tensor::<1>::zeros([run.hidden], (device, DType::F64));
    let mut by = Tensor::<1>::zeros([CLASSES], (device, DType::F64));
    let mut all = Vec::new();
    for epoch in 0..run.epochs {
        for k in 0..train.len() / BATCH {
            let batch = Batch::range(train, k * BATCH, (k + 1) * BATCH, device).cast(DType::F64);
            let (x, y_star) = (batch.images.clone(), batch.y_star.clone());
            (wh, bh, wy, by) = attempt(two.file, || {
                let g = if autodiff {
                    autodiff_exo2(two, &x, &y_star, [&wh, &wy], [&bh, &by])
                } else {
                    let (h, y_hat) = (two.forward)(x.clone(), wh.clone(), bh.clone(), wy.clone(), by.clone());
                    (two.gradients)(x.clone(), y_star.clone(), h, y_hat, wy.clone())
                };
                let (wh, bh) = (one.update)(wh.clone(), bh.clone(), g.w_h, g.b_h, run.eta);
                let (wy, by) = (one.update)(wy.clone(), by.clone(), g.w_y, g.b_y, run.eta);
                (wh, bh, wy, by)
            })?;
        }
        let predict = |x: Tensor<2>| (two.forward)(x, wh.clone(), bh.clone(), wy.clone(), by.clone()).1;
        let counts = epoch_counts(two.file, epoch, &predict, (train, test), device)?;
        each(counts);
        all.push(counts);
    }
    Ok(all)
}

/// Exercise 2's gradients by burn's autodiff of the student's forward.
fn autodiff_exo2(two: &Exo2, x: &Tensor<2>, y_star: &Tensor<2>, w: [&Tensor<2>; 2], b: [&Tensor<1>; 2]) -> lab::exo2::MlpGradients {
    crate::check::mlp_autodiff(w, b, |wh, bh, wy, by| {
        let (_, y_hat) = (two.forward)(x.clone().autodiff(), wh, bh, wy, by);
        let tb = x.dims()[0] as f64;
        (y_star.clone().autodiff() * y_hat.log()).sum().neg().div_scalar(tb)
    })
}

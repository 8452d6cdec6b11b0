//! The analytic gradients of eq. (4)–(5) against burn's autodiff and against finite
//! differences of a plain f64 loss.

mod common;

use burn::tensor::{DType, Device, Distribution, Tensor};
use common::{max_abs_diff, synthetic_split, values};
use lesson::backend::Backend;
use common::reference::{FlatParams, logreg_loss};
use burn_gradcheck::{central_difference, compare};
use lesson::data::batch::scaled;
use lesson::data::{Batch, PIXELS, Split};
use lesson::gradients::autodiff_gradients;
use lesson::model::{AnalyticGradients, StepGradients};
use lesson::model::LogisticRegression;

fn cpu_backends() -> Vec<Backend> {
    Backend::compiled_in()
        .into_iter()
        .filter(|b| *b != Backend::Wgpu)
        .collect()
}

/// A model with random, clearly non-zero parameters.
fn random_model(device: &Device, scale: f64) -> LogisticRegression {
    LogisticRegression::from_parameters(
        Tensor::random([784, 10], Distribution::Normal(0.0, scale), device),
        Tensor::random([10], Distribution::Normal(0.0, 1.0), device),
    )
}

fn w_and_b(model: &LogisticRegression, step: &StepGradients) -> (Vec<f64>, Vec<f64>) {
    let w = step.grads.get::<2>(model.linear.weight.id).expect("a gradient for W");
    let b_id = model.linear.bias.as_ref().unwrap().id;
    let b = step.grads.get::<1>(b_id).expect("a gradient for b");
    (values(w), values(b))
}

#[test]
fn analytic_gradients_equal_autodiff_on_every_cpu_backend() {
    let backends = cpu_backends();
    assert!(!backends.is_empty(), "no CPU backend compiled in");
    for backend in backends {
        let device = backend.device();
        for (trial, (tb, scale)) in [(100, 0.05), (37, 0.2), (1, 0.5)].into_iter().enumerate() {
            device.seed(100 + trial as u64);
            let split = synthetic_split(tb, 7 + trial as u64);
            let batch = Batch::range(&split, 0, tb, &device);
            let model = random_model(&device, scale);

            let manual = model.analytic_gradients(&batch);
            let auto = autodiff_gradients(&model, &batch);
            let (mw, mb) = w_and_b(&model, &manual);
            let (aw, ab) = w_and_b(&model, &auto);

            // The parameters are far from zero init: the gradients are not trivial.
            assert!(mw.iter().any(|g| g.abs() > 1e-3), "{backend}: gradient of W is ~0");
            let dw = max_abs_diff(&mw, &aw);
            let db = max_abs_diff(&mb, &ab);
            assert!(dw <= 1e-6, "{backend}, tb={tb}: max |ΔW| = {dw:e}");
            assert!(db <= 1e-6, "{backend}, tb={tb}: max |Δb| = {db:e}");

            let manual_loss = values(manual.loss)[0];
            let auto_loss = values(auto.loss)[0];
            assert!(
                (manual_loss - auto_loss).abs() <= 1e-5 * auto_loss.abs().max(1.0),
                "{backend}: loss {manual_loss} vs burn's cross-entropy {auto_loss}"
            );
        }
    }
}

/// The pixels (scaled as in a batch) and the flat parameters, in f64, for the plain loss.
fn plain_problem(split: &Split, model: &LogisticRegression) -> (Vec<f64>, Vec<f64>) {
    let mut x = Vec::new();
    scaled(&split.pixels, &mut x);
    let mut theta = values(model.w());
    theta.extend(values(model.b()));
    (x.into_iter().map(f64::from).collect(), theta)
}

#[test]
fn analytic_gradients_match_f64_finite_differences() {
    for backend in cpu_backends() {
        let device = backend.device();
        device.seed(5);
        let tb = 16;
        let split = synthetic_split(tb, 11);
        // The analytic formulas evaluated in f64, so that only the formula is being tested.
        let batch = Batch::range(&split, 0, tb, &device).cast(DType::F64);
        let model = random_model(&device, 0.1);
        let model = LogisticRegression::from_parameters(
            model.w().cast(DType::F64),
            model.b().cast(DType::F64),
        );
        let step = model.analytic_gradients(&batch);
        let (gw, gb) = w_and_b(&model, &step);

        // The same problem for the plain-Rust loss.
        let (x, theta) = plain_problem(&split, &model);
        let loss = |t: &[f64]| logreg_loss(t, &x, &split.labels);

        // Every bias, and a spread of weights including rows of always-dark pixels.
        let mut analytic = Vec::new();
        let mut numeric = Vec::new();
        let entries = (0..10)
            .map(FlatParams::b_index)
            .chain((0..PIXELS * 10).step_by(13));
        for i in entries {
            numeric.push(central_difference(&loss, &theta, i, 1e-4));
            analytic.push(if i >= PIXELS * 10 { gb[i - PIXELS * 10] } else { gw[i] });
        }
        let cmp = compare(&analytic, &numeric);
        assert!(cmp.max_rel <= 1e-6, "{backend}: relative error {cmp:?}");
        assert!(cmp.cosine > 1.0 - 1e-12, "{backend}: {cmp:?}");
        // The plain loss agrees with the framework's value of eq. (3) too.
        let burn_loss = values(step.loss)[0];
        assert!((burn_loss - loss(&theta)).abs() < 1e-9, "{burn_loss} vs {}", loss(&theta));
    }
}

#[test]
fn a_wrong_gradient_fails_the_finite_difference_check() {
    // The check must be able to fail: forgetting the 1/tb of eq. (4) is caught.
    let device = cpu_backends()[0].device();
    device.seed(9);
    let tb = 8;
    let split = synthetic_split(tb, 3);
    let batch = Batch::range(&split, 0, tb, &device).cast(DType::F64);
    let model = random_model(&device, 0.1);
    let model =
        LogisticRegression::from_parameters(model.w().cast(DType::F64), model.b().cast(DType::F64));
    let (gw, _) = w_and_b(&model, &model.analytic_gradients(&batch));
    let wrong: Vec<f64> = gw.iter().map(|g| g * tb as f64).collect();

    let (x, theta) = plain_problem(&split, &model);
    let loss = |t: &[f64]| logreg_loss(t, &x, &split.labels);
    let idx: Vec<usize> = (0..PIXELS * 10).step_by(97).collect();
    let numeric: Vec<f64> = idx.iter().map(|&i| central_difference(&loss, &theta, i, 1e-4)).collect();
    let wrong: Vec<f64> = idx.iter().map(|&i| wrong[i]).collect();
    assert!(compare(&wrong, &numeric).max_rel > 0.5);
}

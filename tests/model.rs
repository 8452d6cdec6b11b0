//! The model is the lab's: `W` 784 × 10, `b` 10, `S = XW + b`.

mod common;

use burn::module::Module;
use burn::tensor::{Tensor, TensorData};
use common::{synthetic_split, values};
use lesson::backend::Backend;
use lesson::data::Batch;
use lesson::model::{Classifier, Init, LogisticRegression};

#[test]
fn the_model_has_7850_parameters_in_the_labs_shapes() {
    let device = Backend::default_backend().unwrap().device();
    let model = LogisticRegression::new(Init::Zeros, &device);
    assert_eq!(model.num_params(), 784 * 10 + 10);
    assert_eq!(model.w().dims(), [784, 10]);
    assert_eq!(model.b().dims(), [10]);
    assert!(values(model.w()).iter().all(|&w| w == 0.0));
    assert!(values(model.b()).iter().all(|&b| b == 0.0));
}

#[test]
fn normal_init_has_the_asked_spread() {
    let device = Backend::default_backend().unwrap().device();
    device.seed(1);
    let w = values(LogisticRegression::new(Init::Normal, &device).w());
    let mean = w.iter().sum::<f64>() / w.len() as f64;
    let std = (w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
    assert!(mean.abs() < 0.003, "mean {mean}");
    assert!((std - 1.0 / 28.0).abs() < 0.002, "std {std}");
}

#[test]
fn logits_are_xw_plus_b() {
    let device = Backend::default_backend().unwrap().device();
    // W[i][c] = (i + c) / 10⁴, b[c] = c.
    let w: Vec<f32> = (0..784 * 10).map(|k| ((k / 10) + (k % 10)) as f32 * 1e-4).collect();
    let b: Vec<f32> = (0..10).map(|c| c as f32).collect();
    let model = LogisticRegression::from_parameters(
        Tensor::from_data(TensorData::new(w.clone(), [784, 10]), &device),
        Tensor::from_data(TensorData::new(b.clone(), [10]), &device),
    );
    let split = synthetic_split(3, 9);
    let batch = Batch::range(&split, 0, 3, &device);
    let s = values(model.logits(batch.images));
    for row in 0..3 {
        for c in 0..10 {
            let expected: f64 = (0..784)
                .map(|i| (split.image(row)[i] as f32 / 255.0) as f64 * w[i * 10 + c] as f64)
                .sum::<f64>()
                + b[c] as f64;
            assert!((s[row * 10 + c] - expected).abs() < 1e-4, "S[{row}][{c}]");
        }
    }
}

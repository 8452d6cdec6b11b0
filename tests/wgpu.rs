//! The wgpu backend, run for real: on a GPU where there is one, else on a software Vulkan
//! driver (Mesa's lavapipe: `apt-get install mesa-vulkan-drivers`). Small data: lavapipe is
//! slow. Built only with `--features wgpu`.
#![cfg(feature = "wgpu")]

mod common;

use std::process::Command;

use common::{max_abs_diff, synthetic_dataset, synthetic_split, values};
use lesson::backend::{Backend, wgpu_adapters};
use lesson::data::{Batch, Dataset};
use lesson::gradients::autodiff_gradients;
use lesson::model::AnalyticGradients;
use lesson::inference::{EvalPlan, evaluate, evaluate_with};
use lesson::model::{Init, LogisticRegression};
use lesson::training::{EpochMetrics, TrainConfig};

fn wgpu() -> burn::tensor::Device {
    let adapters = wgpu_adapters();
    assert!(!adapters.is_empty(), "no wgpu adapter: install mesa-vulkan-drivers");
    // Shown with --nocapture, and in CI's log: which adapter these tests ran on.
    eprintln!("wgpu adapter: {} ({})", adapters[0].name, adapters[0].kind);
    Backend::Wgpu.open().unwrap()
}

#[test]
fn analytic_gradients_equal_autodiff_on_wgpu() {
    let device = wgpu();
    device.seed(3);
    let split = synthetic_split(64, 5);
    let batch = Batch::range(&split, 0, 64, &device);
    let model = LogisticRegression::from_parameters(
        burn::tensor::Tensor::random([784, 10], burn::tensor::Distribution::Normal(0.0, 0.05), &device),
        burn::tensor::Tensor::random([10], burn::tensor::Distribution::Normal(0.0, 1.0), &device),
    );
    let manual = model.analytic_gradients(&batch);
    let auto = autodiff_gradients(&model, &batch);
    let id_w = model.linear.weight.id;
    let id_b = model.linear.bias.as_ref().unwrap().id;
    let (mw, aw) = (values(manual.grads.get::<2>(id_w).unwrap()), values(auto.grads.get::<2>(id_w).unwrap()));
    let (mb, ab) = (values(manual.grads.get::<1>(id_b).unwrap()), values(auto.grads.get::<1>(id_b).unwrap()));
    assert!(mw.iter().any(|g| g.abs() > 1e-3));
    assert!(max_abs_diff(&mw, &aw) <= 1e-6, "W: {:e}", max_abs_diff(&mw, &aw));
    assert!(max_abs_diff(&mb, &ab) <= 1e-6, "b: {:e}", max_abs_diff(&mb, &ab));
}

fn train(data: &Dataset, backend: Backend, device: burn::tensor::Device) -> Vec<EpochMetrics> {
    let config = TrainConfig {
        epochs: 3,
        batch_size: 50,
        ..TrainConfig::lab()
    };
    let model = LogisticRegression::new(Init::Zeros, &device);
    let _ = backend;
    common::train_epochs(model, &config, data, &device).0
}

#[test]
fn a_short_run_on_wgpu_matches_the_cpu() {
    let data = synthetic_dataset(1_500, 500, 8);
    let gpu = train(&data, Backend::Wgpu, wgpu());
    let cpu_backend = Backend::default_backend().unwrap();
    let cpu = train(&data, cpu_backend, cpu_backend.device());
    for (g, c) in gpu.iter().zip(&cpu) {
        assert!((g.train_accuracy() - c.train_accuracy()).abs() <= 0.02, "epoch {}: train {} vs {}", g.epoch, g.train_accuracy(), c.train_accuracy());
        assert!((g.test_accuracy() - c.test_accuracy()).abs() <= 0.02, "epoch {}: test {} vs {}", g.epoch, g.test_accuracy(), c.test_accuracy());
        assert!((g.loss - c.loss).abs() < 1e-4, "epoch {}: loss {} vs {}", g.epoch, g.loss, c.loss);
    }
    assert!(gpu[2].test_accuracy() > 80.0);
}

#[test]
fn evaluation_in_chunks_handles_a_set_larger_than_a_device_buffer() {
    let device = wgpu();
    // 60 000 images are 188 MB as f32: more than a storage buffer may hold on most Vulkan
    // devices (lavapipe: 128 MiB). The evaluation uploads them in chunks.
    let split = synthetic_split(60_000, 13);
    assert!(split.len() * 784 * 4 > 128 << 20);
    let plan = EvalPlan::for_device(&device);
    assert_eq!(plan, EvalPlan { chunk: 10_000, threads: 1 });
    device.seed(4);
    let w = burn::tensor::Tensor::random([784, 10], burn::tensor::Distribution::Normal(0.0, 0.05), &device);
    let b = burn::tensor::Tensor::random([10], burn::tensor::Distribution::Normal(0.0, 0.5), &device);
    let gpu_model = LogisticRegression::from_parameters(w.clone(), b.clone());
    let on_gpu = evaluate_with(&gpu_model, &split, &device, plan);
    assert_eq!(on_gpu.total, 60_000);
    // The same parameters on the CPU.
    let cpu = Backend::default_backend().unwrap().device();
    let cpu_model = LogisticRegression::from_parameters(
        burn::tensor::Tensor::from_data(w.into_data(), &cpu),
        burn::tensor::Tensor::from_data(b.into_data(), &cpu),
    );
    let on_cpu = evaluate(&cpu_model, &split, &cpu);
    let agree = on_gpu.predictions.iter().zip(&on_cpu.predictions).filter(|(a, b)| a == b).count();
    // Rounding may flip a near-tie; nothing else may differ.
    assert!(agree >= 59_990, "{agree} of 60000 predictions agree");
    assert!(on_gpu.correct.abs_diff(on_cpu.correct) <= 10);
}

#[test]
fn devices_lists_the_adapter_and_a_missing_driver_is_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad")).arg("devices").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let name = &wgpu_adapters()[0].name;
    assert!(stdout.contains(name.as_str()), "{stdout}");
    eprintln!("{stdout}");

    // Hide every driver (Vulkan ICDs and EGL vendors): no adapter, one clear line.
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(["train", "--device", "wgpu", "--data-dir", "/nonexistent"])
        .env("VK_ICD_FILENAMES", "/nonexistent.json")
        .env("VK_DRIVER_FILES", "/nonexistent.json")
        .env("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent.json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no graphics adapter found") && stderr.contains("--device ndarray works"), "{stderr}");
}

/// `gradcheck` on wgpu: correct gradients pass. The finite differences in f64 run on a CPU
/// backend (a shader's f64 `exp` is an f32 one, which once failed correct gradients here);
/// the comparison with autodiff runs on wgpu itself.
#[test]
fn gradcheck_passes_on_wgpu_with_its_f64_side_on_the_cpu() {
    use handgrad::check::{CheckConfig, check};
    let device = wgpu();
    let split = synthetic_split(300, 12);
    let batch = Batch::range(&split, 0, 100, &device);
    let mut steps = |k: usize| Batch::range(&split, 100 * (k % 3), 100 * (k % 3) + 100, &device);
    let model = LogisticRegression::new(Init::Zeros, &device);
    let config = CheckConfig { samples: 100, eps: 1e-3, seed: 4, steps: 10, lr: 0.1, tol: 2e-3, fd_tol: 1e-6, bug: None };
    let rows = check(&model, &batch, &mut steps, &device, &config).unwrap();
    assert_eq!(rows.len(), 12);
    for r in &rows {
        assert!(r.passed, "{r:?}");
        if r.against == burn_gradcheck::Witness::Autodiff {
            assert_eq!(r.ran_on, "wgpu");
        } else {
            let f64 = burn_gradcheck::Precision::F64;
            assert_eq!((r.precision, r.ran_on.as_str()), (f64, Backend::compiled_in()[0].name()), "{r:?}");
        }
    }
}

/// Why the f64 side of the gradient check leaves the GPU: SPIR-V's standard `Exp` and `Log`
/// exist for 16- and 32-bit floats only, and a shader's f64 `exp` may return garbage (on
/// lavapipe, the bits of the f32 result read as an f64: exp(−3) comes back as 8 × 10⁻³¹⁵),
/// while f64 addition and multiplication are exact. Whatever this adapter's `exp` does, the
/// gradient check of a module on wgpu takes its f64 side to a CPU backend; this test records
/// what the adapter does (in CI's log: lavapipe's `exp` is wrong; on a GPU it may be right).
#[test]
fn a_shaders_f64_exp_is_recorded_and_the_f64_side_stays_on_the_cpu() {
    use burn::tensor::{DType, Tensor, TensorData};
    let device = wgpu();
    // The guarantee: never f64 in a shader. On a CPU backend of this binary in f64; in a
    // build with wgpu alone, both sides of the check in f32.
    let exact = handgrad::check::exact_f64(&device);
    let side = (exact.dtype, Backend::of(&exact.device));
    match Backend::compiled_in().into_iter().find(|b| *b != Backend::Wgpu) {
        Some(cpu) => assert_eq!(side, (DType::F64, Some(cpu)), "the f64 side of a check on wgpu"),
        None => assert_eq!(side, (DType::F32, Some(Backend::Wgpu)), "the check on wgpu in a build without a CPU backend"),
    }
    if !device.supports_dtype(DType::F64) {
        eprintln!("f64 on the adapter: none at all");
        return;
    }
    let xs: Vec<f64> = (0..64).map(|i| -3.0 + 0.0937 * i as f64).collect();
    let on_gpu = |f: &dyn Fn(Tensor<1>) -> Tensor<1>| -> Vec<f64> {
        let t = Tensor::<1>::from_data(TensorData::new(xs.clone(), [64]), (&device, DType::F64));
        f(t).into_data().iter::<f64>().collect()
    };
    let rel = |got: &[f64], want: &dyn Fn(f64) -> f64| {
        got.iter().zip(&xs).map(|(g, x)| ((g - want(*x)) / want(*x)).abs()).fold(0f64, f64::max)
    };
    let exp_error = rel(&on_gpu(&|t| t.exp()), &|x| x.exp());
    let mul_error = rel(&on_gpu(&|t| t.clone() * t.add_scalar(1.0)), &|x| x * (x + 1.0));
    eprintln!("f64 on the adapter: exp rel error {exp_error:e}, x(x+1) rel error {mul_error:e}");
    eprintln!("exp(−3), exp(−2.9063), … on the adapter: {:?}", &on_gpu(&|t| t.exp())[..3]);
    let verdict = match exp_error {
        e if e <= 1e-13 => format!("right to f64's precision (off by {e:.1e} at most)"),
        e if e <= 1e-6 => format!("off by {e:.1e}: f32's precision, not f64's"),
        e => format!("wrong (off by {e:.1e})"),
    };
    eprintln!("f64 exp on the adapter: {verdict}; the check's f64 side runs on the CPU either way");
    assert!(mul_error < 1e-15, "f64 arithmetic {mul_error:e}");
}

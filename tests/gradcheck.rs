//! `gradcheck`: the correct gradient passes on real-shaped data, each injected bug is caught
//! and named, and the finite differences themselves are right on a known function.

mod common;

use std::process::Command;

use common::{synthetic_split, temp_dir, write_idx_dir, synthetic_dataset};
use lesson::backend::Backend;
use handgrad::check::slips::Slip;
use handgrad::check::{CheckConfig, check};
use burn_gradcheck::{Precision, Witness, central_difference, compare};
use lesson::data::Batch;
use lesson::model::{Init, LogisticRegression};

#[test]
fn finite_differences_recover_a_known_gradient() {
    // f(x) = sin(x₀)·exp(x₁) + x₂³ − 3 x₀ x₂, ∇f = (cos x₀ eˣ¹ − 3x₂, sin x₀ eˣ¹, 3x₂² − 3x₀)
    let f = |x: &[f64]| x[0].sin() * x[1].exp() + x[2].powi(3) - 3.0 * x[0] * x[2];
    for x in [[0.3f64, -0.7, 1.9], [-2.0, 0.5, 0.0], [1e-3, 2.0, -4.0]] {
        let exact = [
            x[0].cos() * x[1].exp() - 3.0 * x[2],
            x[0].sin() * x[1].exp(),
            3.0 * x[2] * x[2] - 3.0 * x[0],
        ];
        for (i, exact) in exact.iter().enumerate() {
            let numeric = central_difference(&f, &x, i, 1e-3);
            assert!((numeric - exact).abs() < 1e-10, "∂{i} at {x:?}: {numeric} vs {exact}");
        }
    }
    // The five-point stencil is exact (to rounding) on polynomials of degree ≤ 4, even with a
    // large step.
    let quartic = |x: &[f64]| x[0].powi(4) - 2.0 * x[0].powi(3) + x[0];
    let d = central_difference(&quartic, &[1.5], 0, 0.25);
    assert!((d - (4.0 * 1.5f64.powi(3) - 6.0 * 1.5 * 1.5 + 1.0)).abs() < 1e-12, "{d}");
}

#[test]
fn compare_measures_what_it_says() {
    let c = compare(&[1.0, -2.0, 0.0], &[1.0, -2.0, 0.0]);
    assert_eq!((c.max_abs, c.max_rel), (0.0, 0.0));
    assert!((c.cosine - 1.0).abs() < 1e-15);
    let c = compare(&[1.0, 2.0], &[-1.0, -2.0]);
    assert_eq!(c.max_abs, 4.0);
    assert!((c.max_rel - 2.0).abs() < 1e-15 && (c.cosine + 1.0).abs() < 1e-15);
    let c = compare(&[1.0, 1e-9], &[1.0, 0.0]);
    // A tiny entry is measured against 10⁻³ of the largest, not against itself.
    assert!((c.max_rel - 1e-6).abs() < 1e-12, "{c:?}");
    assert!(compare(&[f64::NAN], &[1.0]).max_abs.is_nan());
}

fn config(bug: Option<Slip>) -> CheckConfig {
    CheckConfig {
        samples: 300,
        eps: 1e-3,
        seed: 4,
        steps: 30,
        lr: 0.1,
        // Relative, in f32 (analytic against autodiff); the test below asks for max abs ≤ 1e-6.
        tol: 2e-3,
        fd_tol: 1e-6,
        bug,
    }
}

#[test]
fn the_correct_gradient_passes_on_real_shaped_data() {
    for backend in Backend::compiled_in().into_iter().filter(|b| *b != Backend::Wgpu) {
        let device = backend.device();
        let split = synthetic_split(3_000, 21);
        let batch = Batch::range(&split, 0, 100, &device);
        let mut steps = |k: usize| Batch::range(&split, 100 * (k % 30), 100 * (k % 30) + 100, &device);
        let model = LogisticRegression::new(Init::Zeros, &device);
        let rows = check(&model, &batch, &mut steps, &device, &config(None)).unwrap();
        assert_eq!(rows.len(), 3 * 4);
        for r in &rows {
            assert!(r.passed, "{backend}: {r:?}");
            match r.against {
                Witness::Autodiff => assert!(r.errors.max_abs <= 1e-6, "{r:?}"),
                _ => {
                    assert_eq!(r.precision, Precision::F64);
                    assert!(r.errors.max_rel <= 1e-6, "{r:?}");
                }
            }
        }
        // W at the third point is sampled, b is complete.
        let w_fd = rows.iter().find(|r| r.param == "W" && r.against != Witness::Autodiff).unwrap();
        assert_eq!(w_fd.errors.entries, 300);
        let b_fd = rows.iter().find(|r| r.param == "b" && r.against != Witness::Autodiff).unwrap();
        assert_eq!(b_fd.errors.entries, 10);
    }
}

#[test]
fn every_injected_bug_is_caught_by_both_witnesses() {
    let device = Backend::default_backend().unwrap().device();
    let split = synthetic_split(500, 8);
    let batch = Batch::range(&split, 0, 100, &device);
    let mut steps = |k: usize| Batch::range(&split, 100 * (k % 5), 100 * (k % 5) + 100, &device);
    let model = LogisticRegression::new(Init::Zeros, &device);
    for (bug, w_wrong, b_wrong) in [
        (Slip::NoMean, true, true),
        (Slip::Sign, true, true),
        (Slip::ReshapeNotTranspose, true, false),
        (Slip::SoftmaxOverBatch, true, true),
    ] {
        let rows = check(&model, &batch, &mut steps, &device, &config(Some(bug))).unwrap();
        for r in &rows {
            let wrong = if r.param == "W" { w_wrong } else { b_wrong };
            assert_eq!(!r.passed, wrong, "{bug:?}: {r:?}");
        }
    }
    let err = check(&model, &batch, &mut steps, &device, &config(Some(Slip::NoSigmaPrime)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not apply"), "{err}");
}

#[test]
fn the_command_exits_non_zero_naming_the_failing_parameter() {
    let dir = temp_dir("gradcheck-cli");
    write_idx_dir(&dir, &synthetic_dataset(400, 50, 6), false);
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_handgrad"))
            .args(["gradcheck", "--data-dir", dir.to_str().unwrap(), "--steps", "5"])
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = run(&[]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}{}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout.contains("all 12 comparisons within tolerance"), "{stdout}");

    for (bug, names) in [
        ("no-mean", "failed for W and b"),
        ("sign", "failed for W and b"),
        ("reshape-not-transpose", "failed for W:"),
        ("softmax-over-batch", "failed for W and b"),
    ] {
        let out = run(&["--inject-bug", bug]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bug}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(names), "{bug}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("FAIL"), "{stdout}");
    }

    let json = run(&["--json", "--inject-bug", "reshape-not-transpose"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["passed"], false);
    let rows = report["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| (r["param"] == "W") != r["passed"].as_bool().unwrap()));
}

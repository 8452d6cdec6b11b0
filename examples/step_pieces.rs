//! Where the time of one SGD step goes: each tensor operation of the logistic regression's
//! step (exercise 1, batch 100), timed on its own on every CPU backend compiled in, with the
//! alternatives that were measured against them.
//!
//! ```sh
//! cargo run --release --features flex --example step_pieces     # → artifacts/step-pieces.{md,json}
//! ```
//!
//! Each figure is the fastest of 7 rounds of 200 calls (after 50 warm-up calls), over three
//! passes through the table, on the Fashion-MNIST training set's third batch, from a model
//! drawn at random (so that softmax is not uniform). The backends here compute eagerly, so an operation's time is the time of
//! its call. `--out FILE` writes the Markdown elsewhere (the JSON goes next to it).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use burn::tensor::{Device, Tensor};
use lesson::backend::Backend;
use lesson::data::{Batches, DataSource, DatasetKind};
use lesson::gradients::GradSource;
use lesson::model::loss::{cross_entropy, softmax};
use lesson::model::{Init, LogisticRegression};
use lesson::sgd::{Optimizer, OptimizerKind, sgd_step};
use serde::Serialize;

#[derive(Serialize)]
struct Piece {
    /// What is timed.
    piece: &'static str,
    /// Microseconds per call.
    micros: f64,
}

#[derive(Serialize)]
struct PerBackend {
    backend: String,
    pieces: Vec<Piece>,
}

#[derive(Serialize)]
struct Report {
    machine: String,
    backends: Vec<PerBackend>,
}

/// Seconds per call of `f`: the fastest of 7 rounds of 200 calls, after 50 calls.
fn per_call(mut f: impl FnMut()) -> f64 {
    for _ in 0..50 {
        f();
    }
    (0..7)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..200 {
                f();
            }
            started.elapsed().as_secs_f64() / 200.0
        })
        .fold(f64::INFINITY, f64::min)
}

fn measure(backend: Backend, data: &lesson::data::Dataset) -> PerBackend {
    let device: Device = backend.device();
    device.seed(7);
    let model = LogisticRegression::new(Init::Normal, &device);
    let batches = Batches::new(&data.train, 100, None);
    let mut pieces = Vec::new();
    let mut time = |piece: &'static str, f: &mut dyn FnMut()| {
        pieces.push(Piece { piece, micros: per_call(f) * 1e6 });
    };

    let mut k = 0;
    time("the batch: X = pixels / 255 (u8 → f32), Y* one-hot", &mut || {
        let _ = batches.get(k, &device);
        k += 1;
    });
    let batch = batches.get(2, &device);
    let x = batch.images.clone();
    let y_star = batch.y_star.clone();
    let tb = 100.0;

    time("S = XW + b (Linear::forward)", &mut || {
        let _ = model.linear.forward(x.clone());
    });
    let s = model.linear.forward(x.clone());
    time("Ŷ = softmax(S), and log Ŷ", &mut || {
        let _ = softmax(s.clone());
    });
    let (y_hat, log_y_hat) = softmax(s.clone());
    time("L = −(1/tb) Σ y* log ŷ", &mut || {
        let _ = cross_entropy(log_y_hat.clone(), y_star.clone());
    });
    time("Δ = Ŷ − Y*", &mut || {
        let _ = y_hat.clone() - y_star.clone();
    });
    let delta = y_hat.clone() - y_star.clone();
    time("Δᵀ X (10 × 784, handgrad's ∂L/∂W before ᵀ)", &mut || {
        let _ = delta.clone().transpose().matmul(x.clone());
    });
    time("Xᵀ Δ (784 × 10, as burn's autodiff computes ∂L/∂W)", &mut || {
        let _ = x.clone().transpose().matmul(delta.clone());
    });
    let dtx = delta.clone().transpose().matmul(x.clone());
    time("÷ tb on Δᵀ X (row by row), then ᵀ", &mut || {
        let _ = dtx.clone().div_scalar(tb).transpose();
    });
    time("ᵀ, then ÷ tb on (Δᵀ X)ᵀ (column by column)", &mut || {
        let _ = dtx.clone().transpose().div_scalar(tb);
    });
    time("∂L/∂b = Σᵢ δᵢ / tb by sum_dim(0)", &mut || {
        let _ = delta.clone().sum_dim(0).reshape([-1]).div_scalar(tb);
    });
    let ones = Tensor::<2>::ones([1, 100], &device);
    time("∂L/∂b = 1ᵀ Δ / tb, a product", &mut || {
        let _ = ones.clone().matmul(delta.clone()).reshape([-1]).div_scalar(tb);
    });
    let w = model.w();
    let grad_w = dtx.clone().div_scalar(tb).transpose();
    time("W − η ∂L/∂W, ∂L/∂W a transposed view", &mut || {
        let _ = w.clone() - grad_w.clone().mul_scalar(0.1);
    });
    let grad_w_rows = Tensor::<2>::from_data(grad_w.to_data(), &device);
    time("W − η ∂L/∂W, ∂L/∂W laid out like W", &mut || {
        let _ = w.clone() - grad_w_rows.clone().mul_scalar(0.1);
    });

    for (piece, grad, kind) in [
        ("whole step, manual gradients (sgd_step)", GradSource::Manual, OptimizerKind::Manual),
        ("whole step, autodiff gradients (sgd_step)", GradSource::Autodiff, OptimizerKind::Manual),
        ("whole step, autodiff and burn's optimizer", GradSource::Autodiff, OptimizerKind::Burn),
    ] {
        let mut optimizer = Optimizer::new(kind);
        let mut current = Some(model.clone());
        time(piece, &mut || {
            let m = current.take().expect("put back after each step");
            current = Some(sgd_step(m, &batch, grad, &mut optimizer, 0.1).model);
        });
    }
    PerBackend { backend: backend.name().to_string(), pieces }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split(':').nth(1)?.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {model}")
}

fn markdown(report: &Report) -> String {
    let mut md = String::from("# One SGD step, operation by operation\n\n");
    md += &format!(
        "Machine: {}. Logistic regression 784 → 10, batch 100, Fashion-MNIST. Each time is the \
         fastest of 7 rounds of 200 calls, in three passes over the table. Written by `cargo run --release --features flex \
         --example step_pieces`.\n\n",
        report.machine
    );
    md += "| piece |";
    for b in &report.backends {
        md += &format!(" {} |", b.backend);
    }
    md += "\n|---|";
    md += &"---:|".repeat(report.backends.len());
    md += "\n";
    for (i, p) in report.backends[0].pieces.iter().enumerate() {
        md += &format!("| {} |", p.piece);
        for b in &report.backends {
            md += &format!(" {:.1} µs |", b.pieces[i].micros);
        }
        md += "\n";
    }
    md
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("artifacts/step-pieces.md");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().context("--out needs a file")?),
            other => anyhow::bail!("unknown argument '{other}' (only --out FILE)"),
        }
    }
    let data = DataSource { kind: DatasetKind::FashionMnist, dir: None }.load()?;
    let backends = Backend::compiled_in().into_iter().filter(|b| *b != Backend::Wgpu);
    // Three passes over the table, the fastest of each piece kept: a busy stretch of the
    // machine then spoils one pass of a piece, not the figure.
    let report = Report {
        machine: machine(),
        backends: backends
            .map(|b| {
                let mut best = measure(b, &data);
                for _ in 1..3 {
                    for (kept, again) in best.pieces.iter_mut().zip(measure(b, &data).pieces) {
                        kept.micros = kept.micros.min(again.micros);
                    }
                }
                best
            })
            .collect(),
    };
    let md = markdown(&report);
    print!("{md}");
    std::fs::write(&out, &md).with_context(|| format!("cannot write {}", out.display()))?;
    let json = out.with_extension("json");
    std::fs::write(&json, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("cannot write {}", json.display()))?;
    eprintln!("wrote {} and {}", out.display(), json.display());
    Ok(())
}

//! `handgrad bench`: whole runs against the lab's numpy script, and the pieces of a run.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::backend::Backend;
use crate::bench::{ProcessCost, eval_seconds, human, load_seconds, measure_process, median, require, step_seconds};
use crate::cli::BenchArgs;
use crate::data::{DataSource, DatasetKind};
use crate::fsutil::{ensure_parent, write_atomic, write_json_atomic};
use crate::gradients::GradSource;
use crate::model::{Init, LogisticRegression};
use crate::sgd::OptimizerKind;
use crate::training::TrainerKind;

/// The ways to train that are measured.
const MODES: [(&str, GradSource, OptimizerKind); 3] = [
    ("manual grads", GradSource::Manual, OptimizerKind::Manual),
    ("autodiff grads", GradSource::Autodiff, OptimizerKind::Manual),
    ("burn optimizer", GradSource::Autodiff, OptimizerKind::Burn),
];

/// The whole run of the last rung (in a build with `--features learner`).
const LEARNER: &str = "burn-train Learner";

#[derive(Serialize)]
struct WholeRun {
    what: String,
    backend: Option<Backend>,
    batch_size: usize,
    epochs: usize,
    seconds: f64,
    peak_rss_mb: f64,
    numpy_over_this: Option<f64>,
}

#[derive(Serialize)]
struct Pieces {
    backend: Backend,
    step_seconds: Vec<(String, f64)>,
    eval_seconds: f64,
}

#[derive(Serialize)]
struct Report {
    machine: String,
    data_dir: String,
    load_seconds: f64,
    runs: Vec<WholeRun>,
    pieces: Vec<Pieces>,
}

/// Runs the benchmark, prints the table and writes it.
pub fn run(args: &BenchArgs) -> Result<()> {
    if args.repeat == 0 || args.epochs == 0 {
        bail!("--repeat and --epochs must be at least 1");
    }
    ensure_parent(&args.out)?;
    require(&args.data_dir, "the data folder")?;
    let backends: Vec<Backend> = if args.backends.is_empty() {
        Backend::compiled_in()
    } else {
        args.backends.iter().map(|b| Backend::parse(b)).collect::<Result<_>>()?
    };
    let source = DataSource {
        kind: DatasetKind::FashionMnist,
        dir: Some(args.data_dir.clone()),
    };
    let data = source.load()?;
    // The pieces step through batches of 100 training images (and of 1 000 on wgpu).
    let largest = if backends.contains(&Backend::Wgpu) { 1_000 } else { 100 };
    if data.train.len() < largest {
        bail!(
            "{}: {} training images, fewer than the batch of {largest} the benchmark steps through",
            args.data_dir.display(),
            data.train.len()
        );
    }
    let load = load_seconds(&|| source.load())?;

    // Whole runs, each a fresh process.
    let mut runs = Vec::new();
    if !args.pieces_only {
        let numpy = if args.no_numpy {
            None
        } else {
            require(&args.numpy_script, "the numpy script")?;
            eprintln!("numpy reference ({} runs) …", args.repeat);
            let cost = repeat(args.repeat, || {
                measure_process(
                    Command::new(&args.python)
                        .arg(&args.numpy_script)
                        .arg(&args.data_dir)
                        .arg(args.epochs.to_string()),
                )
            })?;
            runs.push(WholeRun {
                what: "lab's numpy script".into(),
                backend: None,
                batch_size: 100,
                epochs: args.epochs,
                seconds: cost.seconds,
                peak_rss_mb: cost.peak_rss_mb,
                numpy_over_this: Some(1.0),
            });
            Some(cost.seconds)
        };
        let exe = std::env::current_exe()?;
        let scratch = std::env::temp_dir().join(format!("handgrad-bench-{}", std::process::id()));
        let mut runs_started = 0;
        for &backend in &backends {
            let gpu = backend == Backend::Wgpu;
            let epochs = if gpu { args.wgpu_epochs.unwrap_or(args.epochs) } else { args.epochs };
            let repeats = if gpu { 1 } else { args.repeat };
            let mut plan: Vec<(String, GradSource, OptimizerKind, TrainerKind, usize)> = MODES
                .iter()
                .map(|(name, g, o)| (name.to_string(), *g, *o, TrainerKind::Loop, 100))
                .collect();
            if cfg!(feature = "learner") {
                // The fourth rung: burn-train runs the loop.
                plan.push((LEARNER.into(), GradSource::Autodiff, OptimizerKind::Burn, TrainerKind::Learner, 100));
            }
            if gpu {
                plan.push(("manual grads".into(), GradSource::Manual, OptimizerKind::Manual, TrainerKind::Loop, 1000));
            }
            for (name, grad, optimizer, trainer, tb) in plan {
                eprintln!("{name} on {backend}, batch {tb} ({repeats} runs of {epochs} epochs) …");
                let cost = repeat(repeats, || {
                    // Each run in a folder of its own (a run never writes over another's).
                    runs_started += 1;
                    let out = scratch.join(format!("run-{runs_started}"));
                    measure_process(
                        Command::new(&exe)
                            .args(["train", "--data-dir"])
                            .arg(&args.data_dir)
                            .args(["--dataset", "fashion-mnist", "--device", backend.name()])
                            .args(["--grad", grad.name()])
                            .args(["--optimizer", optimizer.name()])
                            .args(["--trainer", trainer.name()])
                            .args(["--epochs", &epochs.to_string(), "--batch-size", &tb.to_string()])
                            .arg("--no-plots")
                            .arg("--out")
                            .arg(&out),
                    )
                })?;
                // The numpy time is for args.epochs: scale it when wgpu ran fewer.
                let ratio = numpy.map(|n| n * epochs as f64 / args.epochs as f64 / cost.seconds);
                runs.push(WholeRun {
                    what: name,
                    backend: Some(backend),
                    batch_size: tb,
                    epochs,
                    seconds: cost.seconds,
                    peak_rss_mb: cost.peak_rss_mb,
                    numpy_over_this: ratio,
                });
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }

    // Pieces, in this process.
    let mut pieces = Vec::new();
    for &backend in &backends {
        eprintln!("pieces on {backend} …");
        let device = backend.open()?;
        let model = LogisticRegression::new(Init::Zeros, &device);
        let mut step_times = Vec::new();
        for (name, grad, optimizer) in MODES {
            let s = step_seconds(model.clone(), &data, &device, 100, grad, optimizer);
            step_times.push((name.to_string(), s));
        }
        if backend == Backend::Wgpu {
            let s = step_seconds(model.clone(), &data, &device, 1000, GradSource::Manual, OptimizerKind::Manual);
            step_times.push(("manual grads, batch 1000".to_string(), s));
        }
        pieces.push(Pieces {
            backend,
            step_seconds: step_times,
            eval_seconds: eval_seconds(&model, &data, &device),
        });
    }

    let report = Report {
        machine: machine(),
        data_dir: args.data_dir.display().to_string(),
        load_seconds: load,
        runs,
        pieces,
    };
    let table = markdown(&report);
    print!("{table}");
    write_atomic(&args.out, table.as_bytes())?;
    let json_path = args.out.with_extension("json");
    write_json_atomic(&json_path, &report)?;
    println!("\nwrote {} and {}", args.out.display(), json_path.display());
    Ok(())
}

/// The median time and the largest peak RSS of `n` runs.
fn repeat(n: usize, mut run: impl FnMut() -> Result<ProcessCost>) -> Result<ProcessCost> {
    let costs = (0..n).map(|_| run()).collect::<Result<Vec<_>>>()?;
    Ok(ProcessCost {
        seconds: median(costs.iter().map(|c| c.seconds).collect()),
        peak_rss_mb: costs.iter().map(|c| c.peak_rss_mb).fold(0.0, f64::max),
    })
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} cores, {model}")
}

fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# handgrad bench\n");
    let _ = writeln!(out, "Machine: {}. Data: {}.\n", r.machine, r.data_dir);
    if !r.runs.is_empty() {
        let _ = writeln!(out, "Whole runs (process start to exit, data loading and per-epoch evaluation on both sets included; median of the repeats):\n");
        let _ = writeln!(out, "| run | backend | batch | epochs | time | numpy time ÷ this | peak RSS |");
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
        for w in &r.runs {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.0} MB |",
                w.what,
                w.backend.map_or("python".to_string(), |b| b.name().to_string()),
                w.batch_size,
                w.epochs,
                human(w.seconds),
                w.numpy_over_this.map_or("–".to_string(), |x| if x >= 1.0 { format!("{x:.1}×") } else { format!("{x:.2}×") }),
                w.peak_rss_mb
            );
        }
        if r.runs.iter().any(|w| w.epochs != r.runs[0].epochs) {
            let _ = writeln!(out, "\nRuns of fewer epochs are compared with the numpy time scaled to as many epochs.");
        }
        // Each mode against the manual one on the same backend.
        let _ = writeln!(out);
        for backend in r.pieces.iter().map(|p| p.backend) {
            let of = |what: &str| {
                r.runs
                    .iter()
                    .find(|w| w.backend == Some(backend) && w.what == what && w.batch_size == 100)
                    .map(|w| w.seconds)
            };
            if let (Some(m), Some(a), Some(b)) = (of("manual grads"), of("autodiff grads"), of("burn optimizer")) {
                let _ = writeln!(
                    out,
                    "On {backend}: autodiff grads take {:.2}× the manual time, the burn optimizer {:.2}×.",
                    a / m,
                    b / m
                );
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "Pieces (in one process; the fastest of several rounds; the evaluation pass uses every core):\n");
    let _ = writeln!(out, "- data loading (gunzip and parse the four IDX files): {}", human(r.load_seconds));
    let _ = writeln!(out, "\n| backend | piece | time |\n|---|---|---:|");
    for p in &r.pieces {
        for (name, s) in &p.step_seconds {
            let _ = writeln!(out, "| {} | one SGD step, {name}{} | {} |", p.backend, if name.contains("batch") { "" } else { ", batch 100" }, human(*s));
        }
        let _ = writeln!(out, "| {} | one evaluation pass (60 000 + 10 000 images) | {} |", p.backend, human(p.eval_seconds));
    }
    out
}


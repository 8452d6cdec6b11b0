//! `handgrad train`: exercise 1, end to end — and `train --resume DIR`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use burn::tensor::Device;

use crate::backend::Backend;
use crate::checkpoint::{self, Checkpoint};
use crate::cli::TrainArgs;
use crate::data::Dataset;
use crate::fsutil::{FolderLock, RUNS, ensure_dir, numbered_runs};
use crate::model::{Model, ModelConfig, Precision};
use crate::persist::{DataConfig, ModelMeta, RunConfig, save_model};
use crate::pictures::{write_curves, write_test_pictures, write_weights};
use crate::report::{BatchBar, Summary, epoch_line, write_metrics, write_run_files};
use crate::gradients::GradSource;
use crate::sgd::OptimizerKind;
use crate::inference::EvalPlan;
use crate::overlap::train_overlapped;
use crate::training::{EpochMetrics, TrainConfig, TrainerKind};

/// Trains (or resumes), printing a line per epoch and writing the run's files.
pub fn run(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let backend = args.device.backend()?;
    require_precision(backend, args.dtype)?;
    if args.checkpoint_every == 0 {
        bail!("--checkpoint-every must be at least 1");
    }
    let hold_after = hold::requested()?;
    let device = backend.open()?;
    let Plan { mut meta, out, resumed } = plan(args, backend, &device)?;
    // A resumed run's precision is its checkpoint's.
    require_precision(backend, meta.config.model.precision)?;
    let config = meta.config.training.clone();
    if config.trainer == TrainerKind::Learner && !cfg!(feature = "learner") {
        bail!("{NO_LEARNER}");
    }
    // Settings that are wrong whatever the data: say so before loading anything.
    config.validate(usize::MAX)?;
    let (out, _lock) = take_folder(args, resumed.is_some(), out)?;
    interrupt::prepare(&out, resumed.as_ref().map(|r| r.checkpoint.meta.epochs_done));

    let mut data = meta.config.data.source().load()?;
    limit(&mut data, meta.config.data.train_limit, meta.config.data.test_limit)?;
    let load_seconds = started.elapsed().as_secs_f64();
    config.validate(data.train.len())?;
    let batches = config.batches(data.train.len());
    let session = Session {
        args,
        backend,
        config: &config,
        data: &data,
        device: &device,
        out: &out,
        batches,
        hold_after,
    };
    print_header(&data, load_seconds, backend, &meta, batches, session.dropped());

    let (model, mut epochs) = match resumed {
        Some(resumed) => resumed.announce(backend, &out, config.epochs),
        None => {
            device.seed(meta.config.seed);
            (meta.config.model.init(&device), Vec::new())
        }
    };
    let model = session.train(model, &mut meta, &mut epochs)?;
    session.write_summary(&meta, &epochs, load_seconds, started)?;
    meta.epochs_done = epochs.len();
    meta.test_accuracy = epochs.last().map(EpochMetrics::test_accuracy);
    let written = write_model_and_pictures(args, &out, &meta, &model, &data, &device, &epochs)?;
    println!("wrote {} in {}", written.join(", "), out.display());
    Ok(())
}

/// The folder the run writes into, locked for it: the resumed run's own, the one `--out`
/// names (or the next free `DIR-N`), or the next numbered folder in runs/.
fn take_folder(args: &TrainArgs, resumed: bool, out: Option<PathBuf>) -> Result<(PathBuf, FolderLock)> {
    match (resumed, out) {
        (true, Some(dir)) => {
            let lock = claim(&dir)?;
            Ok((dir, lock))
        }
        (false, Some(dir)) => new_run_folder(&dir, args.overwrite),
        (_, None) => next_numbered_folder(Path::new(RUNS)),
    }
}

/// What a run trains on and where it writes, once its folder is taken and its data loaded.
struct Session<'a> {
    args: &'a TrainArgs,
    backend: Backend,
    config: &'a TrainConfig,
    data: &'a Dataset,
    device: &'a Device,
    out: &'a Path,
    batches: usize,
    /// `HANDGRAD_TEST_HOLD_AFTER_EPOCH` (the `hold` module below).
    hold_after: Option<usize>,
}

impl Session<'_> {
    /// The training images left out of each epoch (those after the last full batch).
    fn dropped(&self) -> usize {
        self.data.train.len() - self.batches * self.config.batch_size
    }

    /// Runs the epochs after those in `epochs` by the chosen trainer: after each, its line,
    /// metrics.csv, and when due a checkpoint (`meta` then says how far the run is).
    fn train(&self, model: Model, meta: &mut ModelMeta, epochs: &mut Vec<EpochMetrics>) -> Result<Model> {
        let (config, out) = (self.config, self.out);
        let epochs_done = epochs.len();
        // burn's dashboard, when it shows, owns the terminal: the epoch lines wait for its end.
        let dashboard = config.trainer == TrainerKind::Learner && learner_dashboard();
        let on_epoch = |model: &Model, metrics: &EpochMetrics| -> Result<()> {
            if !dashboard {
                println!("{}", epoch_line(metrics, config.epochs));
            }
            epochs.push(metrics.clone());
            write_metrics(out, epochs)?;
            let done = metrics.epoch;
            if done.is_multiple_of(self.args.checkpoint_every) || done == config.epochs {
                meta.epochs_done = done;
                meta.test_accuracy = Some(metrics.test_accuracy());
                let checkpoint = Checkpoint {
                    meta: meta.clone(),
                    steps_done: done * self.batches,
                    parameters: String::new(),
                    metrics: epochs.clone(),
                };
                checkpoint::save(out, model, &checkpoint)?;
                interrupt::prepare(out, Some(done));
            }
            if self.hold_after == Some(done) {
                hold::forever(out, done)?;
            }
            Ok(())
        };
        let (data, device) = (self.data, self.device);
        let model = match config.trainer {
            TrainerKind::Loop => {
                let plan = EvalPlan::for_device(device);
                train_overlapped(model, config, data, device, epochs_done, plan, &mut BatchBar::for_stderr(), on_epoch)?
            }
            TrainerKind::Learner => {
                // burn-train's own logs and checkpoints: a folder per launch, replaced if stale.
                let logs = match epochs_done {
                    0 => out.join("burn-train"),
                    done => out.join(format!("burn-train-after-epoch-{done}")),
                };
                if logs.exists() {
                    std::fs::remove_dir_all(&logs).with_context(|| format!("cannot replace {}", logs.display()))?;
                }
                fit_with_learner(model, config, data, device, &logs, epochs_done, on_epoch)?
            }
        };
        if dashboard {
            for metrics in epochs.iter() {
                println!("{}", epoch_line(metrics, config.epochs));
            }
        }
        Ok(model)
    }

    /// metrics.csv and summary.json, the run's figures (`report::write_run_files`).
    fn write_summary(&self, meta: &ModelMeta, epochs: &[EpochMetrics], load_seconds: f64, started: Instant) -> Result<()> {
        let data = self.data;
        write_run_files(self.out, &Summary {
            version: env!("CARGO_PKG_VERSION"),
            dataset: data.kind.name(),
            data_origin: &data.origin,
            train_images: data.train.len(),
            test_images: data.test.len(),
            backend: self.backend,
            init: meta.config.model.init,
            config: self.config,
            batches_per_epoch: self.batches,
            dropped_per_epoch: self.dropped(),
            last_epoch: epochs.last(),
            load_seconds,
            train_seconds: epochs.iter().map(|m| m.train_seconds).sum(),
            eval_seconds: epochs.iter().map(|m| m.eval_seconds).sum(),
            total_seconds: started.elapsed().as_secs_f64(),
            epochs,
        })
    }
}

/// f64 runs on the CPU backends only: say so in one line before anything starts.
pub(crate) fn require_precision(backend: Backend, precision: Precision) -> Result<()> {
    if precision == Precision::F64 && backend == Backend::Wgpu {
        bail!("--dtype f64 runs on the CPU backends (--device ndarray or flex); wgpu computes in f32");
    }
    Ok(())
}

/// burn-train's Learner runs the epochs (`crate::learner::fit`).
#[cfg(feature = "learner")]
fn fit_with_learner(
    model: Model,
    config: &TrainConfig,
    data: &Dataset,
    device: &Device,
    logs: &Path,
    epochs_done: usize,
    on_epoch: impl FnMut(&Model, &EpochMetrics) -> Result<()> + Send,
) -> Result<Model> {
    crate::learner::fit(model, config, data, device, logs, epochs_done, on_epoch)
}

#[cfg(not(feature = "learner"))]
fn fit_with_learner(
    _: Model,
    _: &TrainConfig,
    _: &Dataset,
    _: &Device,
    _: &Path,
    _: usize,
    _: impl FnMut(&Model, &EpochMetrics) -> Result<()>,
) -> Result<Model> {
    bail!("{NO_LEARNER}")
}

/// What a build without burn-train says to `--trainer learner`.
const NO_LEARNER: &str = "--trainer learner needs burn-train, which this build leaves out: build with \
                          `cargo build --release --features learner`";

fn learner_dashboard() -> bool {
    #[cfg(feature = "learner")]
    return crate::learner::dashboard();
    #[cfg(not(feature = "learner"))]
    false
}

/// What a run starts from: its description, its folder, and for a resumed run, the
/// checkpoint.
struct Plan {
    meta: ModelMeta,
    /// None: the next numbered folder in runs/.
    out: Option<PathBuf>,
    resumed: Option<Resumed>,
}

/// A checkpoint to continue from, and its parameters.
struct Resumed {
    checkpoint: Checkpoint,
    model: Model,
}

impl Resumed {
    /// Says where the run resumes (and replays the epochs done); the model and the metrics
    /// so far.
    fn announce(self, backend: Backend, out: &Path, epochs: usize) -> (Model, Vec<EpochMetrics>) {
        let saved = &self.checkpoint.meta;
        if saved.backend != backend {
            eprintln!(
                "note: the checkpoint was made on {}, this run is on {backend}: results will \
                 match to rounding, not bit for bit",
                saved.backend
            );
        }
        println!(
            "resuming from the checkpoint after epoch {} (step {}) in {}",
            saved.epochs_done,
            self.checkpoint.steps_done,
            out.display()
        );
        for m in &self.checkpoint.metrics {
            println!("{}", epoch_line(m, epochs));
        }
        (self.model, self.checkpoint.metrics)
    }
}

/// The run's configuration from the command line, or from the checkpoint of the run to
/// resume (clap has refused the options that would change it; `--epochs` may extend it and
/// `--data-dir` say where its data is now).
fn plan(args: &TrainArgs, backend: Backend, device: &Device) -> Result<Plan> {
    let Some(dir) = &args.resume else {
        return Ok(Plan {
            meta: ModelMeta::new(run_config(args)?, backend),
            out: args.out.clone(),
            resumed: None,
        });
    };
    let (checkpoint, model) = checkpoint::load(dir, device)?;
    let mut meta = checkpoint.meta.clone();
    if let Some(epochs) = args.epochs {
        if epochs <= meta.epochs_done {
            bail!("--epochs {epochs} is not more than the {} epochs the run has done", meta.epochs_done);
        }
        meta.config.training.epochs = epochs;
    }
    meta.config.data.data_dir = meta.config.data.source_with(args.data.data_dir.clone()).dir;
    Ok(Plan {
        meta,
        out: Some(dir.clone()),
        resumed: Some(Resumed { checkpoint, model }),
    })
}

/// Saves the model and draws the pictures; the names of every file the run wrote.
fn write_model_and_pictures(
    args: &TrainArgs,
    out: &Path,
    meta: &ModelMeta,
    model: &Model,
    data: &Dataset,
    device: &Device,
    epochs: &[EpochMetrics],
) -> Result<Vec<String>> {
    let mut written: Vec<PathBuf> = vec![
        out.join("metrics.csv"),
        out.join("summary.json"),
        save_model(out, model, meta)?,
        out.join("model.json"),
    ];
    if !args.no_plots {
        let title = format!("{} on {}", meta.architecture().describe(), data.kind.name());
        written.push(write_curves(out, epochs, &title)?);
        written.push(write_weights(out, model, &data.class_names())?);
        let (table, paths) = write_test_pictures(out, model, data, device)?;
        written.extend(paths);
        println!("\nconfusion matrix on the test set (rows: true class, columns: predicted)");
        print!("{table}");
    }
    Ok(written
        .iter()
        .map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default())
        .collect())
}

/// Takes `dir` for this run: one run at a time in a folder (a second one would replace the
/// first one's files), so a folder another live run holds is refused, naming its process.
fn claim(dir: &Path) -> Result<FolderLock> {
    ensure_dir(dir)?;
    FolderLock::take(dir)
}

/// Whether `dir` holds the files of a run (finished, or stopped with a checkpoint to resume).
fn holds_run(dir: &Path) -> bool {
    ["model.json", checkpoint::CHECKPOINT_FILE, "metrics.csv"].iter().any(|f| dir.join(f).exists())
}

/// The folder a new run writes into: `dir`, unless it holds an earlier run's files — a
/// student re-running `train` must not lose them — then the first of `dir-2`, `dir-3`, …
/// that does not (`--overwrite` replaces the earlier run instead). A folder in use by a live
/// run is refused, naming that run.
fn new_run_folder(dir: &Path, overwrite: bool) -> Result<(PathBuf, FolderLock)> {
    let lock = claim(dir)?;
    if overwrite || !holds_run(dir) {
        return Ok((dir.to_path_buf(), lock));
    }
    drop(lock);
    let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "run".into());
    for n in 2..1000 {
        let next = dir.with_file_name(format!("{name}-{n}"));
        if holds_run(&next) {
            continue;
        }
        ensure_dir(&next)?;
        // Another run may take this one first: then the next number.
        let Ok(lock) = FolderLock::take(&next) else { continue };
        if holds_run(&next) {
            continue;
        }
        println!(
            "note: {} holds an earlier run, kept as it is; this run writes into {} (--overwrite \
             would replace it)",
            dir.display(),
            next.display()
        );
        return Ok((next, lock));
    }
    bail!("{name}-2 to {name}-999 all hold runs: give --out another folder, or --overwrite")
}

/// The folder of a new run given no `--out`: `runs/N`, N one more than the highest-numbered
/// folder that holds a run (runs/1 first), or the next one that no other live run holds. A
/// folder a failed run left empty is used again, so that runs/1 is a fresh clone's first run.
fn next_numbered_folder(runs: &Path) -> Result<(PathBuf, FolderLock)> {
    ensure_dir(runs)?;
    let first = numbered_runs(runs).iter().rev().find(|(_, dir)| holds_run(dir)).map_or(1, |(n, _)| n + 1);
    for n in first..first + 1000 {
        let dir = runs.join(n.to_string());
        if let Ok(lock) = claim(&dir)
            && !holds_run(&dir)
        {
            return Ok((dir, lock));
        }
    }
    bail!("{}: no free numbered folder from {first} on: give --out DIR", runs.display())
}

/// The configuration of a new run, from the command line.
fn run_config(args: &TrainArgs) -> Result<RunConfig> {
    let architecture = args.model.architecture()?;
    let (grad, optimizer) = match args.trainer {
        TrainerKind::Loop => (args.grad.unwrap_or(GradSource::Manual), args.optimizer.unwrap_or(OptimizerKind::Manual)),
        // The Learner's gradients are burn's autodiff and its update burn's optimizer, by
        // definition: a flag that says otherwise is a mistake worth a line.
        TrainerKind::Learner => {
            if let Some(grad) = args.grad.filter(|g| *g != GradSource::Autodiff) {
                bail!("--trainer learner takes its gradients from burn's autodiff: drop --grad {}", grad.name());
            }
            if let Some(optimizer) = args.optimizer.filter(|o| *o != OptimizerKind::Burn) {
                bail!("--trainer learner updates with burn's optimizer: drop --optimizer {}", optimizer.name());
            }
            (GradSource::Autodiff, OptimizerKind::Burn)
        }
    };
    Ok(RunConfig {
        model: ModelConfig {
            architecture,
            init: args.init.unwrap_or(architecture.default_init()),
            precision: args.dtype,
        },
        data: DataConfig {
            dataset: args.data.dataset,
            data_dir: args.data.source().dir,
            train_limit: args.train_limit,
            test_limit: args.test_limit,
        },
        training: TrainConfig {
            epochs: args.epochs.unwrap_or(TrainConfig::LAB_EPOCHS),
            lr: args.lr,
            batch_size: args.batch_size,
            shuffle_seed: args.shuffle.then_some(args.seed),
            grad,
            optimizer,
            trainer: args.trainer,
        },
        seed: args.seed,
    })
}

fn print_header(
    data: &Dataset,
    load_seconds: f64,
    backend: Backend,
    meta: &ModelMeta,
    batches: usize,
    dropped: usize,
) {
    let config = &meta.config.training;
    println!(
        "handgrad: {} on {} ({}): {} train / {} test images, loaded in {:.2} s",
        meta.architecture().describe(),
        data.kind.name(),
        data.origin,
        data.train.len(),
        data.test.len(),
        load_seconds
    );
    let trainer = match config.trainer {
        TrainerKind::Loop => String::new(),
        TrainerKind::Learner => " · trainer burn-train's Learner".to_string(),
    };
    println!(
        "device {backend}{trainer}{} · grad {} · optimizer {} · init {} · η = {} · batch {} · {batches} batches/epoch{}{}",
        match meta.config.model.precision {
            Precision::F32 => String::new(),
            precision => format!(" · {}", precision.name()),
        },
        config.grad.name(),
        config.optimizer.name(),
        meta.config.model.init.name(),
        config.lr,
        config.batch_size,
        match config.shuffle_seed {
            Some(seed) => format!(", shuffled (seed {seed})"),
            None => ", in order".to_string(),
        },
        if dropped > 0 {
            format!(" · the last {dropped} images are left out of each epoch")
        } else {
            String::new()
        },
    );
    if config.trainer == TrainerKind::Learner && config.shuffle_seed.is_some() {
        println!("note: with --shuffle, burn's data loader draws its own order from the seed, not the loop's");
    }
}

/// Keeps the first images of each split when asked.
fn limit(data: &mut Dataset, train: Option<usize>, test: Option<usize>) -> Result<()> {
    for (split, n, flag) in [
        (&mut data.train, train, "--train-limit"),
        (&mut data.test, test, "--test-limit"),
    ] {
        if let Some(n) = n {
            if n == 0 {
                bail!("{flag} must be at least 1");
            }
            *split = split.head(n);
        }
    }
    Ok(())
}

/// Ctrl-C during training: the process ends at once (the last checkpoint is intact: it is
/// committed atomically), saying which epoch that checkpoint holds and how to resume it.
mod interrupt {
    use std::path::Path;
    use std::sync::atomic::{AtomicPtr, Ordering};

    /// The message, prepared in advance: a signal handler may not allocate or format.
    static MESSAGE: AtomicPtr<Vec<u8>> = AtomicPtr::new(std::ptr::null_mut());

    /// Sets what an interrupt says now that the run in `out` has a checkpoint after epoch
    /// `epoch` (or none yet), and installs the handler.
    pub fn prepare(out: &Path, epoch: Option<usize>) {
        let text = match epoch {
            Some(e) => format!(
                "\ninterrupted: the checkpoint after epoch {e} is in {dir}; resume with: handgrad train --resume {dir}\n",
                dir = out.display()
            ),
            None => format!("\ninterrupted before the first checkpoint: nothing to resume in {}\n", out.display()),
        };
        // The previous message is leaked on purpose: the handler may be reading it.
        MESSAGE.store(Box::into_raw(Box::new(text.into_bytes())), Ordering::SeqCst);
        #[cfg(unix)]
        // SAFETY: `on_interrupt` only reads an immutable buffer and calls write and _exit,
        // both async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, on_interrupt as *const () as libc::sighandler_t);
        }
    }

    #[cfg(unix)]
    extern "C" fn on_interrupt(_: libc::c_int) {
        let message = MESSAGE.load(Ordering::SeqCst);
        // SAFETY: the pointer is null or a leaked, never-freed buffer.
        unsafe {
            if let Some(bytes) = message.as_ref() {
                libc::write(2, bytes.as_ptr().cast(), bytes.len());
            }
            libc::_exit(130);
        }
    }
}

/// Test-only (tests/persistence.rs), not for users: with `HANDGRAD_TEST_HOLD_AFTER_EPOCH=N`,
/// once epoch `N` is written (its metrics, its checkpoint when one is due, the Ctrl-C message
/// naming it) the run creates `held-after-epoch-N` in its folder and sleeps until a signal ends
/// it: SIGKILL, or SIGINT, which the handler above answers as anywhere else (its message, exit
/// status 130). A test that waits for that file knows exactly where the run stands.
mod hold {
    use std::path::Path;

    use anyhow::{Context, Result, anyhow};

    const VAR: &str = "HANDGRAD_TEST_HOLD_AFTER_EPOCH";

    /// The epoch after which to hold, read once as the run starts.
    pub fn requested() -> Result<Option<usize>> {
        std::env::var(VAR).ok().map(|v| v.parse().map_err(|_| anyhow!("{VAR}={v}: not an epoch number"))).transpose()
    }

    /// Marks the run as held after `epoch`, then never returns.
    pub fn forever(out: &Path, epoch: usize) -> Result<()> {
        let marker = out.join(format!("held-after-epoch-{epoch}"));
        std::fs::write(&marker, b"").with_context(|| format!("cannot write {}", marker.display()))?;
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

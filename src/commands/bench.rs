//! `handgrad bench`: whole runs against the lab's numpy script and the limit program, and the
//! pieces of a run; with `--other-build`, a second build's runs and pieces beside this one's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::bench::{
    ProcessCost, eval_seconds, human, load_seconds, matmul_flops, measure_process, median, require, scaling_cell, step_seconds,
};
use crate::cli::BenchArgs;
use crate::data::{Dataset, DataSource, DatasetKind, Which};
use crate::fsutil::{ensure_parent, write_atomic, write_json_atomic};
use crate::gradients::GradSource;
use crate::model::{Activation, Architecture, Cast, Init, LogisticRegression, ModelKind, Precision};
use crate::sgd::OptimizerKind;
use crate::training::TrainerKind;

/// The ways to train that are measured.
const MODES: [(&str, GradSource, OptimizerKind); 3] = [
    ("manual grads", GradSource::Manual, OptimizerKind::Manual),
    ("autodiff grads", GradSource::Autodiff, OptimizerKind::Manual),
    ("burn optimizer", GradSource::Autodiff, OptimizerKind::Burn),
];

/// The whole run of the last rung (in a build with the `learner` feature, a default one).
const LEARNER: &str = "burn-train Learner";

/// The run, and the step, with manual gradients in f64 (`train --dtype f64`).
const MANUAL_F64: &str = "manual grads, f64";

#[derive(Serialize)]
struct WholeRun {
    what: String,
    /// The backend, and for ndarray its matrix library ("ndarray + OpenBLAS"); for the runs
    /// that are not handgrad's, what they are written in.
    build: String,
    backend: Option<Backend>,
    /// f32, or f64 for the run with `--dtype f64`.
    precision: Precision,
    batch_size: usize,
    epochs: usize,
    seconds: f64,
    peak_rss_mb: f64,
    numpy_over_this: Option<f64>,
    /// This run's time as a multiple of the limit program's (scaled to as many epochs).
    this_over_limit: Option<f64>,
}

/// One cell of the scaling table.
#[derive(Serialize)]
struct Cell {
    backend: Backend,
    model: String,
    batch_size: usize,
    steps: usize,
    steps_seconds: f64,
    eval_seconds: f64,
    /// Matrix-product GFLOP/s of the steps and of the evaluation pass.
    steps_gflops: f64,
    eval_gflops: f64,
}

/// What ../shared/limit's `probe` measured: the f32 FMA peak and the read bandwidth.
#[derive(Serialize, Default)]
struct Machine {
    peak_gflops: Option<f64>,
    read_gbs: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct Pieces {
    backend: Backend,
    /// As in [`WholeRun::build`].
    build: String,
    step_seconds: Vec<(String, f64)>,
    eval_seconds: f64,
    /// The same evaluation pass with the model in f64 (the CPU backends).
    eval_f64_seconds: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    machine: String,
    /// What computes the ndarray backend's matrix products in each build measured, with the
    /// threads per call.
    matmul: Vec<(String, String)>,
    data_dir: String,
    load_seconds: f64,
    runs: Vec<WholeRun>,
    pieces: Vec<Pieces>,
    /// The limit program's whole run (when --limit is given and it runs here).
    limit: Option<WholeRun>,
    /// Why the limit program given did not run (its kernels need AVX-512).
    limit_failure: Option<String>,
    probe: Machine,
    scaling: Vec<Cell>,
}

/// The name a backend's rows carry in this build: ndarray's says when OpenBLAS computes its
/// products.
fn build_name(backend: Backend) -> String {
    match backend {
        Backend::Ndarray if crate::blas::threads().is_some() => "ndarray + OpenBLAS".to_string(),
        b => b.name().to_string(),
    }
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
    // The pieces step through batches of 100 training images (and of 1 000 on wgpu): checked
    // from the labels alone, before any run starts.
    let largest = if backends.contains(&Backend::Wgpu) { 1_000 } else { 100 };
    let train_images = source.count(Which::Train)?;
    if train_images < largest {
        bail!(
            "{}: {train_images} training images, fewer than the batch of {largest} the benchmark steps through",
            args.data_dir.display(),
        );
    }
    // The other build's pieces first, in a process of its own: its rows' name comes with them.
    let other = args.other_build.as_deref().map(|exe| OtherBuild::measure(exe, args)).transpose()?;
    let mut matmul = vec![(build_name(Backend::Ndarray), crate::blas::describe())];
    matmul.extend(other.as_ref().map(|o| (o.build.clone(), o.matmul.clone())));
    let whole = if args.pieces_only { WholeRuns::default() } else { whole_runs(args, &backends, other.as_ref())? };

    // The data is loaded only now, after the whole runs: the peak RSS the kernel reports for
    // a child is at least this process's own peak when the child was started.
    let data = source.load()?;
    let load = load_seconds(&|| source.load())?;
    let mut pieces = backends.iter().map(|&backend| pieces_on(backend, &data)).collect::<Result<Vec<_>>>()?;
    pieces.extend(other.into_iter().flat_map(|o| o.pieces));

    let probe = match &args.limit {
        Some(path) if whole.limit_failure.is_none() => probe(&path.with_file_name("probe")),
        _ => Machine::default(),
    };
    let scaling = if args.scaling_steps == 0 { Vec::new() } else { scaling(&backends, &data, args.scaling_steps)? };
    let report = Report {
        machine: machine(),
        matmul,
        data_dir: args.data_dir.display().to_string(),
        load_seconds: load,
        runs: whole.runs,
        pieces,
        limit: whole.limit,
        limit_failure: whole.limit_failure,
        probe,
        scaling,
    };
    let table = markdown(&report);
    print!("{table}");
    write_atomic(&args.out, table.as_bytes())?;
    let json_path = args.out.with_extension("json");
    write_json_atomic(&json_path, &report)?;
    println!("\nwrote {} and {}", args.out.display(), json_path.display());
    Ok(())
}

/// Another handgrad binary (`--other-build`): its name for its ndarray rows, its matrix
/// library, and its pieces, measured by its own `bench --pieces-only`.
struct OtherBuild {
    exe: PathBuf,
    build: String,
    matmul: String,
    pieces: Vec<Pieces>,
}

impl OtherBuild {
    fn measure(exe: &Path, args: &BenchArgs) -> Result<OtherBuild> {
        require(exe, "the other build")?;
        let this = std::env::current_exe().and_then(std::fs::canonicalize)?;
        if std::fs::canonicalize(exe)? == this {
            bail!("{} is this binary: give --other-build a handgrad built with other features", exe.display());
        }
        let scratch = std::env::temp_dir().join(format!("handgrad-bench-other-{}", std::process::id()));
        let out = scratch.join("pieces.md");
        eprintln!("pieces of {} on ndarray …", exe.display());
        let output = Command::new(exe)
            .args(["bench", "--pieces-only", "--no-numpy", "--backends", "ndarray", "--scaling-steps", "0", "--data-dir"])
            .arg(&args.data_dir)
            .arg("--out")
            .arg(&out)
            .output()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            bail!("{} bench failed: {}", exe.display(), stderr.lines().last().unwrap_or("(no message)"));
        }
        #[derive(Deserialize)]
        struct Its {
            matmul: Vec<(String, String)>,
            pieces: Vec<Pieces>,
        }
        let json = out.with_extension("json");
        let text = std::fs::read_to_string(&json).with_context(|| format!("cannot read {}", json.display()))?;
        let _ = std::fs::remove_dir_all(&scratch);
        let its: Its = serde_json::from_str(&text).with_context(|| format!("{}: not a bench report of this version", json.display()))?;
        let Some((build, matmul)) = its.matmul.into_iter().next() else {
            bail!("{}: no matrix library named", json.display());
        };
        if Backend::compiled_in().contains(&Backend::Ndarray) && build == build_name(Backend::Ndarray) {
            bail!("{} is a build like this one ({build}): give --other-build a handgrad built with other features", exe.display());
        }
        Ok(OtherBuild { exe: exe.to_path_buf(), build, matmul, pieces: its.pieces })
    }
}

/// The one-step and evaluation pieces on one backend, in this process.
fn pieces_on(backend: Backend, data: &Dataset) -> Result<Pieces> {
    eprintln!("pieces on {backend} …");
    let device = backend.open()?;
    let model = LogisticRegression::new(Init::Zeros, &device);
    let modes: Vec<_> = MODES.iter().map(|&(_, grad, optimizer)| (grad, optimizer)).collect();
    let seconds = step_seconds(model.clone(), data, &device, 100, &modes);
    let mut step_times: Vec<(String, f64)> = MODES.iter().zip(seconds).map(|((name, _, _), s)| (name.to_string(), s)).collect();
    let manual = [(GradSource::Manual, OptimizerKind::Manual)];
    let mut eval_f64_seconds = None;
    if backend == Backend::Wgpu {
        let s = step_seconds(model.clone(), data, &device, 1000, &manual)[0];
        step_times.push(("manual grads, batch 1000".to_string(), s));
    } else {
        // The same model in f64 (`train --dtype f64`), as the lab's numpy computes.
        let f64_model = model.clone().map(&mut Cast(DType::F64));
        let s = step_seconds(f64_model.clone(), data, &device, 100, &manual)[0];
        step_times.push((MANUAL_F64.to_string(), s));
        eval_f64_seconds = Some(eval_seconds(&f64_model, data, &device));
    }
    Ok(Pieces {
        backend,
        build: build_name(backend),
        step_seconds: step_times,
        eval_seconds: eval_seconds(&model, data, &device),
        eval_f64_seconds,
    })
}

/// The whole runs' results: handgrad's runs and numpy's, and the limit program's.
#[derive(Default)]
struct WholeRuns {
    runs: Vec<WholeRun>,
    limit: Option<WholeRun>,
    limit_failure: Option<String>,
}

/// Whole runs, each a fresh process, measured in rounds: each round runs every kind once, in
/// turn, so that a stretch when the machine is busy slows all kinds alike (the ratios between
/// them are what the benchmark reports).
fn whole_runs(args: &BenchArgs, backends: &[Backend], other: Option<&OtherBuild>) -> Result<WholeRuns> {
    if !args.no_numpy {
        require(&args.numpy_script, "the numpy script")?;
    }
    if let Some(path) = &args.limit {
        require(path, "the limit program")?;
    }
    let mut jobs = plan(args, backends, other);
    let exe = std::env::current_exe()?;
    let scratch = std::env::temp_dir().join(format!("handgrad-bench-{}", std::process::id()));
    let mut limit_failure: Option<String> = None;
    let mut runs_started = 0;
    for round in 0..args.repeat {
        for job in jobs.iter_mut().filter(|job| round < job.repeats) {
            eprintln!("round {}/{}: {} …", round + 1, args.repeat, job.title());
            // Each training run in a folder of its own (a run never writes over another's).
            runs_started += 1;
            let out = scratch.join(format!("run-{runs_started}"));
            match measure_process(&mut job.command(args, &exe, &out)) {
                Ok(cost) => job.costs.push(cost),
                // The limit program's kernels need AVX-512: on another CPU it stops at once,
                // and the benchmark goes on without it.
                Err(e) if matches!(job.kind, JobKind::Limit(_)) => {
                    let avx512 = std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|t| t.contains(" avx512f"));
                    let why = if avx512 { format!("{e:#}") } else { "its kernels need AVX-512, which this CPU lacks".to_string() };
                    eprintln!("note: the limit program did not run here ({why}); no ratios to it");
                    limit_failure = Some(why);
                    // No ratios to it at all, even if an earlier round ran.
                    job.repeats = 0;
                    job.costs.clear();
                }
                Err(e) => return Err(e),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let mut whole = summarize(args, &jobs);
    whole.limit_failure = limit_failure;
    Ok(whole)
}

/// Each kind's median run, with its ratios to numpy's and to the limit program's.
fn summarize(args: &BenchArgs, jobs: &[Job]) -> WholeRuns {
    let numpy = jobs.iter().find(|j| matches!(j.kind, JobKind::Numpy) && !j.costs.is_empty()).map(|j| j.cost().seconds);
    let mut whole = WholeRuns::default();
    for job in jobs.iter().filter(|j| !j.costs.is_empty()) {
        let cost = job.cost();
        let (what, build, backend, precision, batch_size, epochs) = match &job.kind {
            // numpy computes the lab's script in float64.
            JobKind::Numpy => ("lab's numpy script".to_string(), "python".to_string(), None, Precision::F64, 100, args.epochs),
            // It always runs the lab's 20 epochs.
            JobKind::Limit(_) => ("limit program (raw Rust, AVX-512, u8 pixels)".to_string(), "Rust".to_string(), None, Precision::F32, 100, 20),
            JobKind::Train(t) => (t.name.clone(), t.build.clone(), Some(t.backend), t.precision, t.tb, t.epochs),
        };
        let run = WholeRun {
            what,
            build,
            backend,
            precision,
            batch_size,
            epochs,
            seconds: cost.seconds,
            peak_rss_mb: cost.peak_rss_mb,
            // The numpy time is for args.epochs: scaled when a run did fewer.
            numpy_over_this: numpy.map(|n| n * epochs as f64 / args.epochs as f64 / cost.seconds),
            this_over_limit: None,
        };
        match job.kind {
            JobKind::Limit(_) => whole.limit = Some(run),
            _ => whole.runs.push(run),
        }
    }
    if let Some(l) = whole.limit.as_mut() {
        l.this_over_limit = Some(1.0);
        for run in &mut whole.runs {
            run.this_over_limit = Some(run.seconds * 20.0 / run.epochs as f64 / l.seconds);
        }
    }
    whole
}

/// How cost grows with the work: the logistic regression at batch 10, 100, 1 000 and 10 000,
/// the MLP of 100, 1 000 and 4 096 hidden units at batch 100, on each backend (on wgpu, the
/// cells a software driver finishes in seconds).
fn scaling(backends: &[Backend], data: &Dataset, steps: usize) -> Result<Vec<Cell>> {
    let mut cells = Vec::new();
    for &backend in backends {
        let device = backend.open()?;
        // A software driver (no GPU among the adapters) gets the cells it finishes in seconds.
        let slow = backend == Backend::Wgpu && software_wgpu();
        // Every model of the lesson: one without a hidden layer at batch 10 to 10 000, one
        // with a hidden layer at 100, 1 000 and 4 096 units, at batch 100.
        let mut plan: Vec<(Architecture, usize)> = Vec::new();
        for kind in ModelKind::ALL {
            // Sizes of at least 1 unit: always valid.
            let sized = |l| Architecture::new(kind, l, Activation::Sigmoid).expect("a valid size");
            let lab = sized(100);
            match lab.hidden_units() {
                None => plan.extend([10, 100, 1_000, 10_000].map(|tb| (lab, tb))),
                Some(_) => plan.extend([100, 1_000, 4_096].map(|l| (sized(l), 100))),
            }
        }
        plan.retain(|(a, tb)| !slow || (*tb <= 1_000 && a.hidden_units().is_none_or(|l| l <= 100)));
        for (architecture, tb) in plan {
            let hidden = architecture.hidden_units();
            let model = architecture.init(architecture.default_init(), &device);
            let name = match hidden {
                None => "logistic regression".to_string(),
                Some(l) => format!("MLP, {l} hidden"),
            };
            eprintln!("scaling: {name}, batch {tb} on {backend} …");
            let (steps_seconds, eval_seconds) = scaling_cell(model, data, &device, tb, steps);
            let (step_flops, image_flops) = matmul_flops(hidden, tb);
            cells.push(Cell {
                backend,
                model: name,
                batch_size: tb,
                steps,
                steps_seconds,
                eval_seconds,
                steps_gflops: step_flops * steps as f64 / steps_seconds / 1e9,
                eval_gflops: image_flops * data.test.len() as f64 / eval_seconds / 1e9,
            });
        }
    }
    Ok(cells)
}

/// Whether wgpu has no GPU to run on here, only a software driver.
#[cfg(feature = "wgpu")]
fn software_wgpu() -> bool {
    !crate::backend::wgpu_adapters().iter().any(|a| a.kind.contains("GPU"))
}

#[cfg(not(feature = "wgpu"))]
fn software_wgpu() -> bool {
    false
}

/// Runs ../shared/limit's `probe` when it is there: the largest FMA GFLOP/s and read GB/s it
/// prints.
fn probe(path: &Path) -> Machine {
    let Some(out) = Command::new(path).output().ok().filter(|o| o.status.success()) else {
        eprintln!("note: {} did not run: the scaling table has no peak to compare with", path.display());
        return Machine::default();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let largest = |unit: &str| {
        text.lines()
            .filter_map(|l| {
                let before = l.split(unit).next()?;
                if !l.contains(unit) {
                    return None;
                }
                before.split_whitespace().last()?.parse::<f64>().ok()
            })
            .fold(None, |best: Option<f64>, x| Some(best.map_or(x, |b| b.max(x))))
    };
    Machine {
        peak_gflops: largest("GFLOP/s"),
        read_gbs: largest("GB/s"),
    }
}

/// One kind of whole run, measured once per round.
struct Job {
    kind: JobKind,
    /// Rounds it takes part in (wgpu: one, as a software driver is slow).
    repeats: usize,
    costs: Vec<ProcessCost>,
}

enum JobKind {
    /// The lab's numpy script.
    Numpy,
    /// ../shared/limit's program, at this path.
    Limit(PathBuf),
    /// `handgrad train` with these settings.
    Train(TrainJob),
}

/// A `handgrad train` run to measure.
struct TrainJob {
    name: String,
    /// The binary: this one (None), or `--other-build`'s.
    exe: Option<PathBuf>,
    /// As in [`WholeRun::build`].
    build: String,
    backend: Backend,
    grad: GradSource,
    optimizer: OptimizerKind,
    trainer: TrainerKind,
    precision: Precision,
    tb: usize,
    epochs: usize,
}

impl Job {
    fn title(&self) -> String {
        match &self.kind {
            JobKind::Numpy => "the lab's numpy script".into(),
            JobKind::Limit(_) => "the limit program".into(),
            JobKind::Train(t) => {
                let s = if t.epochs == 1 { "" } else { "s" };
                format!("{} on {}, batch {}, {} epoch{s}", t.name, t.build, t.tb, t.epochs)
            }
        }
    }

    fn command(&self, args: &BenchArgs, exe: &Path, out: &Path) -> Command {
        match &self.kind {
            JobKind::Numpy => {
                let mut c = Command::new(&args.python);
                c.arg(&args.numpy_script).arg(&args.data_dir).arg(args.epochs.to_string());
                c
            }
            JobKind::Limit(path) => {
                let mut c = Command::new(path);
                c.arg("--dir").arg(&args.data_dir);
                c
            }
            JobKind::Train(t) => {
                let mut c = Command::new(t.exe.as_deref().unwrap_or(exe));
                c.args(["train", "--data-dir"])
                    .arg(&args.data_dir)
                    .args(["--dataset", "fashion-mnist", "--device", t.backend.name()])
                    .args(["--grad", t.grad.name()])
                    .args(["--optimizer", t.optimizer.name()])
                    .args(["--trainer", t.trainer.name()])
                    .args(["--dtype", t.precision.name()])
                    .args(["--epochs", &t.epochs.to_string(), "--batch-size", &t.tb.to_string()])
                    .arg("--no-plots")
                    .arg("--out")
                    .arg(out);
                c
            }
        }
    }

    /// The median time and the largest peak RSS of its runs.
    fn cost(&self) -> ProcessCost {
        ProcessCost {
            seconds: median(self.costs.iter().map(|c| c.seconds).collect()),
            peak_rss_mb: self.costs.iter().map(|c| c.peak_rss_mb).fold(0.0, f64::max),
        }
    }
}

/// The whole runs to measure, in the order of the table.
fn plan(args: &BenchArgs, backends: &[Backend], other: Option<&OtherBuild>) -> Vec<Job> {
    let job = |kind, repeats| Job { kind, repeats, costs: Vec::new() };
    let mut jobs = Vec::new();
    if !args.no_numpy {
        jobs.push(job(JobKind::Numpy, args.repeat));
    }
    if let Some(path) = &args.limit {
        jobs.push(job(JobKind::Limit(path.clone()), args.repeat));
    }
    let train = |name: &str, backend, grad, optimizer, trainer| {
        let gpu = backend == Backend::Wgpu;
        TrainJob {
            name: name.to_string(),
            exe: None,
            build: build_name(backend),
            backend,
            grad,
            optimizer,
            trainer,
            precision: Precision::F32,
            tb: 100,
            epochs: if gpu { args.wgpu_epochs.unwrap_or(args.epochs) } else { args.epochs },
        }
    };
    for &backend in backends {
        let repeats = if backend == Backend::Wgpu { 1 } else { args.repeat };
        for (name, grad, optimizer) in MODES {
            jobs.push(job(JobKind::Train(train(name, backend, grad, optimizer, TrainerKind::Loop)), repeats));
        }
        if cfg!(feature = "learner") {
            // The fourth rung: burn-train runs the loop.
            let learner = train(LEARNER, backend, GradSource::Autodiff, OptimizerKind::Burn, TrainerKind::Learner);
            jobs.push(job(JobKind::Train(learner), repeats));
        }
        if backend == Backend::Wgpu {
            let manual = train("manual grads", backend, GradSource::Manual, OptimizerKind::Manual, TrainerKind::Loop);
            jobs.push(job(JobKind::Train(TrainJob { tb: 1000, ..manual }), repeats));
        }
    }
    // The other build's three ways to train on ndarray, next.
    for (o, (name, grad, optimizer)) in other.iter().flat_map(|o| MODES.map(|m| (o, m))) {
        let t = train(name, Backend::Ndarray, grad, optimizer, TrainerKind::Loop);
        jobs.push(job(JobKind::Train(TrainJob { exe: Some(o.exe.clone()), build: o.build.clone(), ..t }), args.repeat));
    }
    // The cost of f64 on the CPU backends, after the rest (the runs above keep their places
    // in bench.json).
    for &backend in backends.iter().filter(|&&b| b != Backend::Wgpu) {
        let t = train(MANUAL_F64, backend, GradSource::Manual, OptimizerKind::Manual, TrainerKind::Loop);
        jobs.push(job(JobKind::Train(TrainJob { precision: Precision::F64, ..t }), args.repeat));
    }
    jobs
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
    for (build, library) in &r.matmul {
        let _ = writeln!(out, "- {build}: matrix products by {library}");
    }
    let _ = writeln!(out);
    if !r.runs.is_empty() {
        markdown_runs(&mut out, r);
        markdown_ratios(&mut out, r);
    }
    markdown_pieces(&mut out, r);
    if !r.scaling.is_empty() {
        markdown_scaling(&mut out, r);
    }
    out
}

/// `1.0×` for a ratio of at least one, `0.15×` below; `–` for none.
fn times(x: Option<f64>) -> String {
    x.map_or("–".to_string(), |x| if x >= 1.0 { format!("{x:.1}×") } else { format!("{x:.2}×") })
}

/// The builds measured, in the order of their first row.
fn builds(r: &Report) -> Vec<&str> {
    let mut builds: Vec<&str> = Vec::new();
    for b in r.runs.iter().filter(|w| w.backend.is_some()).map(|w| w.build.as_str()).chain(r.pieces.iter().map(|p| p.build.as_str())) {
        if !builds.contains(&b) {
            builds.push(b);
        }
    }
    builds
}

/// The table of whole runs.
fn markdown_runs(out: &mut String, r: &Report) {
    let _ = writeln!(out, "Whole runs (process start to exit, data loading and per-epoch evaluation on both sets included; median of the repeats, which run in rounds: every kind once per round, in turn):\n");
    let _ = writeln!(out, "| run | backend | batch | epochs | time | numpy time ÷ this | this ÷ limit time | peak RSS |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    // numpy's run first (when measured), then the limit program's, then handgrad's.
    let numpy_rows = r.runs.iter().take_while(|w| w.backend.is_none()).count();
    for w in r.runs[..numpy_rows].iter().chain(&r.limit).chain(&r.runs[numpy_rows..]) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {:.0} MB |",
            w.what,
            w.build,
            w.batch_size,
            w.epochs,
            human(w.seconds),
            times(w.numpy_over_this),
            times(w.this_over_limit),
            w.peak_rss_mb
        );
    }
    match (&r.limit, &r.limit_failure) {
        (Some(_), _) => {}
        (None, Some(why)) => {
            let _ = writeln!(out, "\nThe limit program did not run on this machine, so there are no ratios to it: {why}");
        }
        (None, None) => {
            let _ = writeln!(out, "\nNo limit program was given (--limit PATH): no ratios to it.");
        }
    }
    if r.runs.iter().any(|w| w.epochs != r.runs[0].epochs) {
        let _ = writeln!(out, "\nRuns of fewer epochs are compared with the numpy time scaled to as many epochs.");
    }
}

/// Each build's ways to train against its manual one, whole runs and one step, and its manual
/// run against the limit program.
fn markdown_ratios(out: &mut String, r: &Report) {
    let _ = writeln!(out, "\nEach build's manual run against the limit program, and its other ways to train against its manual one (whole runs; one step of batch 100 from the pieces below):\n");
    let _ = writeln!(out, "| build | manual run ÷ limit | autodiff ÷ manual, run | burn optimizer ÷ manual, run | Learner ÷ manual, run | autodiff ÷ manual, step | burn optimizer ÷ manual, step |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for build in builds(r) {
        let run = |what: &str| r.runs.iter().find(|w| w.build == build && w.what == what && w.batch_size == 100);
        let step = |what: &str| {
            let p = r.pieces.iter().find(|p| p.build == build)?;
            p.step_seconds.iter().find(|(n, _)| n == what).map(|(_, s)| *s)
        };
        let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| format!("{:.2}×", a / b)).unwrap_or_else(|| "–".into());
        let seconds = |what| run(what).map(|w| w.seconds);
        let manual = seconds("manual grads");
        let _ = writeln!(
            out,
            "| {build} | {} | {} | {} | {} | {} | {} |",
            run("manual grads").and_then(|w| w.this_over_limit).map_or("–".to_string(), |x| format!("{x:.2}×")),
            ratio(seconds("autodiff grads"), manual),
            ratio(seconds("burn optimizer"), manual),
            ratio(seconds(LEARNER), manual),
            ratio(step("autodiff grads"), step("manual grads")),
            ratio(step("burn optimizer"), step("manual grads")),
        );
    }
    for build in builds(r) {
        let seconds = |what: &str| r.runs.iter().find(|w| w.build == build && w.what == what).map(|w| w.seconds);
        if let (Some(m), Some(d)) = (seconds("manual grads"), seconds(MANUAL_F64)) {
            let _ = writeln!(out, "\nOn {build}: manual grads in f64 (`--dtype f64`) take {:.2}× the f32 time.", d / m);
        }
    }
    let _ = writeln!(out);
}

/// The pieces: loading, one step each way, the evaluation pass.
fn markdown_pieces(out: &mut String, r: &Report) {
    let _ = writeln!(out, "Pieces (in one process; the fastest of 7 rounds, the three ways of stepping taking turns within each; the evaluation pass uses every core):\n");
    let _ = writeln!(out, "- data loading (gunzip and parse the four IDX files): {}", human(r.load_seconds));
    let _ = writeln!(out, "\n| backend | piece | time |\n|---|---|---:|");
    for p in &r.pieces {
        for (name, s) in &p.step_seconds {
            let _ = writeln!(out, "| {} | one SGD step, {name}{} | {} |", p.build, if name.contains("batch") { "" } else { ", batch 100" }, human(*s));
        }
        let _ = writeln!(out, "| {} | one evaluation pass (60 000 + 10 000 images) | {} |", p.build, human(p.eval_seconds));
        if let Some(s) = p.eval_f64_seconds {
            let _ = writeln!(out, "| {} | one evaluation pass, f64 | {} |", p.build, human(s));
        }
    }
    // On wgpu the step's time is the device's queue more than the operations: no overhead line.
    for p in r.pieces.iter().filter(|p| p.backend != Backend::Wgpu) {
        let step = |what: &str| p.step_seconds.iter().find(|(n, _)| n == what).map(|(_, s)| *s);
        if let (Some(m), Some(a), Some(b)) = (step("manual grads"), step("autodiff grads"), step("burn optimizer")) {
            let _ = writeln!(
                out,
                "\nOn {}, per step: autodiff adds {:.0} µs to the manual step, burn's optimizer {:.0} µs more.",
                p.build,
                (a - m) * 1e6,
                (b - a) * 1e6
            );
        }
        if let (Some(m), Some(d)) = (step("manual grads"), step(MANUAL_F64)) {
            let _ = writeln!(out, "On {}, a manual step in f64 takes {:.2}× the f32 one.", p.build, d / m);
        }
    }
}

/// The scaling table.
fn markdown_scaling(out: &mut String, r: &Report) {
    let peak = r.probe.peak_gflops;
    let _ = writeln!(
        out,
        "\nHow cost grows with the work ({} SGD steps with manual gradients, then one evaluation pass over the 10 000 test images; \
         GFLOP/s of the matrix products only; the machine's f32 peak{}):\n",
        r.scaling[0].steps,
        match (peak, r.probe.read_gbs) {
            (Some(p), Some(bw)) => format!(" by ../shared/limit's probe: {p:.0} GFLOP/s, reads at {bw:.0} GB/s"),
            (Some(p), None) => format!(" by ../shared/limit's probe: {p:.0} GFLOP/s"),
            _ => " is unknown: no probe ran (see --limit)".to_string(),
        }
    );
    let _ = writeln!(out, "| backend | model | batch | steps | per step | steps GFLOP/s | % of peak | evaluation | eval GFLOP/s |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for c in &r.scaling {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {:.1} | {} | {} | {:.1} |",
            build_name(c.backend),
            c.model,
            c.batch_size,
            human(c.steps_seconds),
            human(c.steps_seconds / c.steps as f64),
            c.steps_gflops,
            peak.map_or("–".to_string(), |p| format!("{:.1} %", 100.0 * c.steps_gflops / p)),
            human(c.eval_seconds),
            c.eval_gflops
        );
    }
}

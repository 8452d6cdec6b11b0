//! Measuring: whole runs as child processes (wall time and peak resident memory), and the
//! pieces of a run in this process (data loading, one SGD step, one evaluation pass).
//!
//! Times are reported as ratios against the lab's numpy script measured in the same
//! session, so that a busy or slow machine changes both sides alike.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use burn::tensor::Device;

use crate::data::{Batches, Dataset};
use crate::gradients::GradSource;
use crate::inference::evaluate;
use crate::model::{AnalyticGradients, dtype_of};
use crate::sgd::{Optimizer, OptimizerKind, sgd_step};

/// What one child process took.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ProcessCost {
    /// Wall-clock seconds from spawn to exit.
    pub seconds: f64,
    /// Peak resident set size in MB (10⁶ bytes), from the kernel's accounting of the child.
    pub peak_rss_mb: f64,
}

/// Runs a command to completion, measuring its wall time and peak RSS. Its output is
/// discarded unless it fails.
#[cfg(unix)]
pub fn measure_process(command: &mut Command) -> Result<ProcessCost> {
    use std::process::Stdio;
    let started = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {command:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `status` and `usage` outlive the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    if waited != pid {
        bail!("waiting for {command:?} failed");
    }
    let exited_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !exited_ok {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        bail!("{command:?} failed: {}", stderr.lines().last().unwrap_or("(no message)"));
    }
    Ok(ProcessCost {
        seconds,
        // Linux reports ru_maxrss in kilobytes.
        peak_rss_mb: usage.ru_maxrss as f64 * 1024.0 / 1e6,
    })
}

/// The median of some durations, in seconds.
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { samples[n / 2] } else { (samples[n / 2 - 1] + samples[n / 2]) / 2.0 }
}

/// Seconds per call of `f`: the fastest of `rounds` timings of `per_round` calls each, after
/// `warmup` calls. (The fastest round is the one least disturbed by the rest of the machine.)
pub fn time_per_call(warmup: usize, rounds: usize, per_round: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..warmup {
        f();
    }
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_round {
                f();
            }
            t.elapsed().as_secs_f64() / per_round as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// Seconds per SGD step (batch `tb`, batches in order, as in training) for each of `modes`
/// (a gradient source and an update rule), including the batch upload and a final sync.
///
/// The modes are timed in interleaved rounds (100 steps of each in turn, 7 times, the
/// fastest round kept per mode), so that a stretch when the machine is busy slows all of
/// them alike instead of one, and their differences stay meaningful on a noisy machine.
pub fn step_seconds<M: AnalyticGradients>(
    model: M,
    data: &Dataset,
    device: &Device,
    tb: usize,
    modes: &[(GradSource, OptimizerKind)],
) -> Vec<f64> {
    let batches = Batches::new(&data.train, tb, None).with_dtype(dtype_of(&model));
    let mut runs: Vec<_> = modes
        .iter()
        .map(|&(grad, kind)| (Some(model.clone()), grad, Optimizer::new(kind), 0usize))
        .collect();
    let mut best = vec![f64::INFINITY; modes.len()];
    for round in 0..8 {
        for (i, (model, grad, optimizer, k)) in runs.iter_mut().enumerate() {
            let started = Instant::now();
            for _ in 0..100 {
                let batch = batches.get(*k, device);
                *k += 1;
                let current = model.take().expect("the model is put back after each step");
                *model = Some(sgd_step(current, &batch, *grad, optimizer, 0.1).model);
            }
            let _ = device.sync();
            // Round 0 warms up (caches, allocator, autodiff's first graph).
            if round > 0 {
                best[i] = best[i].min(started.elapsed().as_secs_f64() / 100.0);
            }
        }
    }
    best
}

/// Seconds for one evaluation pass over both splits (what every epoch does).
pub fn eval_seconds<M: AnalyticGradients>(model: &M, data: &Dataset, device: &Device) -> f64 {
    time_per_call(1, 5, 1, || {
        let _ = evaluate(model, &data.train, device);
        let _ = evaluate(model, &data.test, device);
    })
}

/// Seconds to load a dataset (gunzip and parse the four files), median of 3.
pub fn load_seconds(load: &dyn Fn() -> Result<Dataset>) -> Result<f64> {
    let mut samples = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        load()?;
        samples.push(t.elapsed().as_secs_f64());
    }
    Ok(median(samples))
}

/// Formats seconds for a table: "4.07 s", "182 µs".
pub fn human(seconds: f64) -> String {
    let d = Duration::from_secs_f64(seconds.max(0.0));
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.0} µs", d.as_secs_f64() * 1e6)
    }
}

/// Whether a path exists, for a clearer error before starting a long benchmark.
pub fn require(path: &Path, what: &str) -> Result<()> {
    if !path.exists() {
        bail!("{what} {} does not exist", path.display());
    }
    Ok(())
}

/// One cell of the scaling table: the seconds of `steps` SGD steps (manual gradients, the
/// hand-written update, batches of `tb` in order) and of one evaluation pass over the test
/// set, each the fastest of three timings ending with a device sync.
pub fn scaling_cell<M: AnalyticGradients>(model: M, data: &Dataset, device: &Device, tb: usize, steps: usize) -> (f64, f64) {
    let mut model = Some(model);
    let mut optimizer = Optimizer::new(OptimizerKind::Manual);
    let batches = Batches::new(&data.train, tb, None);
    let mut k = 0;
    let steps_seconds = time_per_call(1, 3, 1, || {
        for _ in 0..steps {
            let batch = batches.get(k, device);
            k += 1;
            let current = model.take().expect("the model is put back after each step");
            model = Some(sgd_step(current, &batch, GradSource::Manual, &mut optimizer, 0.01).model);
        }
        let _ = device.sync();
    });
    let model = model.expect("the model is put back after each step");
    let eval_seconds = time_per_call(1, 3, 1, || {
        let _ = evaluate(&model, &data.test, device);
        let _ = device.sync();
    });
    (steps_seconds, eval_seconds)
}

/// The floating-point operations of the matrix products (2 per multiply-add; the elementwise
/// work is left out): of one SGD step on `tb` images, and of one image's forward pass, for a
/// logistic regression (`hidden: None`) or an MLP with `hidden` units.
pub fn matmul_flops(hidden: Option<usize>, tb: usize) -> (f64, f64) {
    let (pixels, classes) = (crate::data::PIXELS as f64, crate::data::CLASSES as f64);
    let tb = tb as f64;
    match hidden {
        // Forward X·W, backward (Δᵀ X)ᵀ: two products of tb × 784 × 10.
        None => (2.0 * 2.0 * tb * pixels * classes, 2.0 * pixels * classes),
        Some(l) => {
            let l = l as f64;
            // Forward X·Wh and H·Wy; backward Hᵀ·Δ, Δ·Wyᵀ and Xᵀ·δʰ.
            let step = 2.0 * tb * (2.0 * pixels * l + 3.0 * l * classes);
            (step, 2.0 * (pixels * l + l * classes))
        }
    }
}

//! `cargo lab`, in order: load the data; check exercise 1; train it in the lab's loop beside
//! the lab's table; check exercise 2 and train it beside burn's autodiff; the last rung,
//! exercise 1 again with burn's autodiff and `Sgd` in place of the student's gradients and
//! update. It stops at the first wrong function, which is the student's next thing to do.

use std::path::PathBuf;

use anyhow::{Context, Result};
use burn::tensor::Device;
use lesson::backend::Backend;
use lesson::data::{DataSource, DatasetKind};
use serde::Serialize;

use crate::answers::{Exo1, Exo2};
use crate::attempt::Failure;
use crate::check::{self, Cases, Finding, Verdict};
use crate::table::{self, Counts, Exo2Run, Rung};

/// What `cargo lab` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// handgrad's answers instead of the student's.
    pub solution: bool,
    /// Where to write the JSON report.
    pub json: Option<PathBuf>,
    /// The data.
    pub data: DataSource,
    /// Epochs of the lab's loop.
    pub epochs: usize,
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything right; the runs done.
    Done,
    /// Something left to write or to fix (said on the screen).
    ToDo,
}

/// A training run and how it compares with its reference.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// What was trained.
    pub what: String,
    /// Per epoch.
    pub epochs: Vec<Counts>,
    /// The reference's epochs (the lab's table, or autodiff's run).
    pub reference: Vec<Counts>,
    /// Epochs compared whose counts differ.
    pub differences: Vec<(Counts, Counts)>,
}

/// The report a teacher collects (`--json`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `student` or `solution`.
    pub answers: &'static str,
    /// `mnist` or `fashion-mnist`.
    pub dataset: &'static str,
    /// Every check made, in order; a wrong one is the last.
    pub checks: Vec<Finding>,
    /// The runs made.
    pub runs: Vec<Run>,
    /// Whether it all was right and every run matched its reference.
    pub done: bool,
}

/// Runs `cargo lab`.
pub fn run(options: &Options) -> Result<Outcome> {
    let device = Backend::Ndarray.device();
    let data = options.data.load().context("loading the data")?;
    let (one, two) = if options.solution {
        (Exo1::solution(), Exo2::solution())
    } else {
        (Exo1::student(), Exo2::student())
    };
    let mut report = Report {
        answers: if options.solution { "solution" } else { "student" },
        dataset: data.kind.name(),
        checks: Vec::new(),
        runs: Vec::new(),
        done: false,
    };
    let outcome = steps(&one, &two, options, &data, &device, &mut report);
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&report)?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").and_then(|_| std::fs::rename(&tmp, path)).with_context(|| format!("writing {}", path.display()))?;
    }
    outcome
}

fn steps(one: &Exo1, two: &Exo2, options: &Options, data: &lesson::data::Dataset, device: &Device, report: &mut Report) -> Result<Outcome> {
    if data.train.len() < check::CASE_IMAGES {
        anyhow::bail!(
            "the training set holds {} images: `cargo lab` checks your code on the first {} (a batch of 100, one of 37, one of 1) and trains on batches of 100",
            data.train.len(),
            check::CASE_IMAGES
        );
    }
    device.seed(1);
    let cases = Cases::new(&data.train, device);
    let mnist = data.kind == DatasetKind::Mnist && data.train.len() == 60_000 && data.test.len() == 10_000;

    println!("Exercise 1 ({}):", one.file);
    if !checked(check::exo1(one, &cases), report) {
        return Ok(Outcome::ToDo);
    }

    let sizes = (data.train.len(), data.test.len());
    let lab = if mnist { table::lab_table() } else { Vec::new() };
    let what = "exercise 1 with your forward, gradients and update (f64, η = 0.1, batches of 100 in order, W = 0, b = 0)";
    let Some(run) = training(what, sizes, &lab, one.file, report, |each| {
        table::train_exo1(one, Rung::Theirs, &data.train, &data.test, device, options.epochs, each)
    }) else {
        return Ok(Outcome::ToDo);
    };
    let matched = say_matched(&run, "the lab's table", mnist);

    println!("\nExercise 2 ({}):", two.file);
    if !checked(check::exo2(two, &cases), report) {
        return Ok(Outcome::ToDo);
    }
    let mlp = Exo2Run { hidden: 100, epochs: options.epochs.min(2), eta: 0.1 };
    let title = format!(
        "exercise 2's network, 784 → {} (sigmoid) → 10, η = {}, with your gradients and exercise 1's update",
        mlp.hidden, mlp.eta
    );
    println!("\n{title}, then with burn's autodiff of your forward, from the same start:");
    let auto = table::train_exo2((one, two), true, &mlp, &data.train, &data.test, device, &mut |_| {});
    let auto = auto.map_err(|f| anyhow::anyhow!("exercise 2 with autodiff stopped: {f:?}"))?;
    let Some(run2) = training(&title, sizes, &auto, two.file, report, |each| {
        table::train_exo2((one, two), false, &mlp, &data.train, &data.test, device, each)
    }) else {
        return Ok(Outcome::ToDo);
    };
    let matched2 = say_matched(&run2, "burn's autodiff", true);

    println!("\nThe last rung: exercise 1 with your forward, burn's autodiff for the gradients and burn's Sgd for the update:");
    let what = "exercise 1 with your forward, burn's autodiff and burn's Sgd";
    let Some(run3) = training(what, sizes, &lab, one.file, report, |each| {
        table::train_exo1(one, Rung::Framework, &data.train, &data.test, device, options.epochs, each)
    }) else {
        return Ok(Outcome::ToDo);
    };
    let matched3 = say_matched(&run3, "the lab's table", mnist);

    report.done = matched && matched2 && matched3;
    Ok(if report.done { Outcome::Done } else { Outcome::ToDo })
}

/// Prints the findings; whether all were right.
fn checked(findings: Vec<Finding>, report: &mut Report) -> bool {
    let all_right = findings.iter().all(Finding::passed);
    for f in &findings {
        // The per-case rows of a function that passed are summed up in its last row.
        if f.passed() && !matches!(f.verdict, Verdict::Right { .. } | Verdict::Answered) {
            continue;
        }
        println!("{f}");
    }
    if !all_right {
        println!("\nFix it and run `cargo lab` again.");
    }
    report.checks.extend(findings);
    all_right
}

/// Trains, printing each epoch beside its reference; `None` when the student's code stopped.
fn training(
    what: &str,
    sizes: (usize, usize),
    reference: &[Counts],
    file: &str,
    report: &mut Report,
    train: impl FnOnce(&mut dyn FnMut(Counts)) -> Result<Vec<Counts>, Failure>,
) -> Option<Run> {
    println!("\nTraining {what}:");
    let of = |n: usize| format!("(of {})", thousands(n));
    println!("  epoch   train {:<17}test {:<16}reference: train  test", of(sizes.0), of(sizes.1));
    let mut print = |c: Counts| {
        let theirs = format!("  {:>5}   {:>6} ({:>6.3} %)    {:>5} ({:>6.2} %)", c.epoch, c.train, pct(c.train, sizes.0), c.test, pct(c.test, sizes.1));
        match reference.iter().find(|r| r.epoch == c.epoch) {
            Some(r) if *r == c => println!("{theirs}    {:>6} {:>6}  same", r.train, r.test),
            Some(r) => println!("{theirs}    {:>6} {:>6}  DIFFERENT", r.train, r.test),
            None => println!("{theirs}"),
        }
    };
    match train(&mut print) {
        Ok(epochs) => {
            let differences = epochs
                .iter()
                .filter_map(|c| reference.iter().find(|r| r.epoch == c.epoch).filter(|r| *r != c).map(|r| (*c, *r)))
                .collect();
            let run = Run { what: what.to_string(), epochs, reference: reference.to_vec(), differences };
            report.runs.push(run.clone());
            Some(run)
        }
        Err(failure) => {
            println!("  your code stopped during training ({file}): {}", describe(&failure));
            None
        }
    }
}

fn describe(failure: &Failure) -> String {
    match failure {
        Failure::NotWritten { line } => format!("a todo!() at line {}", line.unwrap_or(0)),
        Failure::Panicked { message, line, .. } => {
            let first = message.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("===")).unwrap_or("a panic");
            format!("{first}{}", line.map(|l| format!(" (line {l})")).unwrap_or_default())
        }
    }
}

fn pct(right: usize, of: usize) -> f64 {
    right as f64 / of as f64 * 100.0
}

/// Says whether a run matched its reference at every epoch compared.
fn say_matched(run: &Run, reference: &str, comparable: bool) -> bool {
    let compared = run.epochs.iter().filter(|c| run.reference.iter().any(|r| r.epoch == c.epoch)).count();
    if !comparable || compared == 0 {
        println!("  (no reference to compare with on this dataset: the lab's table is MNIST's)");
        return true;
    }
    if run.differences.is_empty() {
        println!("  matches {reference} to the image at all {compared} epochs it has");
        true
    } else {
        println!("  differs from {reference} at {} of {compared} epochs:", run.differences.len());
        for (c, r) in &run.differences {
            println!(
                "    epoch {}: train {} vs {} ({:+}), test {} vs {} ({:+})",
                c.epoch,
                c.train,
                r.train,
                c.train as i64 - r.train as i64,
                c.test,
                r.test,
                c.test as i64 - r.test as i64
            );
        }
        false
    }
}

/// 60000 as the lab's text writes it, 60 000.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(d);
    }
    out
}

//! `cargo lab`, in order: load the data; check exercise 1; train it in the lab's loop beside
//! the lab's table; check exercise 2 and train it beside burn's autodiff; the last rung,
//! exercise 1 again with burn's autodiff and `Sgd` in place of the student's gradients and
//! update. It stops at the first wrong step, which is the student's next thing to do.

use std::path::PathBuf;

use anyhow::{Context, Result};
use burn::tensor::Device;
use lesson::backend::Backend;
use lesson::data::{DataSource, Dataset, DatasetKind};
use lesson::slips::Lang;

use crate::answers::{Exo1, Exo2};
use crate::attempt::Failure;
use crate::check::{self, Cases, Finding, first_line};
use crate::report::{Report, Run, RunKind, SCHEMA};
use crate::table::{self, Counts, Exo2Run, Rung};

/// What `cargo lab` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The answer key instead of the student's answers.
    pub solution: bool,
    /// Where to write the JSON report.
    pub json: Option<PathBuf>,
    /// Where to write Gradescope's results.json.
    pub gradescope: Option<PathBuf>,
    /// The student's name, for the reports.
    pub name: Option<String>,
    /// The data.
    pub data: DataSource,
    /// Epochs of the lab's loop.
    pub epochs: usize,
    /// The language of the messages.
    pub lang: Lang,
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything right; the runs done.
    Done,
    /// Something left to write or to fix (said on the screen).
    ToDo,
}

/// The answers `cargo lab` checks: the student's, or the key's.
pub fn answers(solution: bool) -> (Exo1, Exo2) {
    if solution { (Exo1::solution(), Exo2::solution()) } else { (Exo1::student(), Exo2::student()) }
}

/// Loads the data and draws the checks' cases (seeded: the same every time).
pub fn prepare(data: &DataSource) -> Result<(Dataset, Cases, Device)> {
    let device = Backend::Ndarray.device();
    let data = data.load().context("loading the data")?;
    if data.train.len() < check::CASE_IMAGES {
        anyhow::bail!(
            "the training set holds {} images: `cargo lab` checks your code on the first {} (a batch of 100, one of 37, one of 1) and trains on batches of 100",
            data.train.len(),
            check::CASE_IMAGES
        );
    }
    device.seed(1);
    let cases = Cases::new(&data.train, &device);
    Ok((data, cases, device))
}

/// Runs `cargo lab`.
pub fn run(options: &Options) -> Result<Outcome> {
    let (data, cases, device) = prepare(&options.data)?;
    let (one, two) = answers(options.solution);
    let mut report = Report {
        schema: SCHEMA,
        student: options.name.clone(),
        answers: if options.solution { "solution" } else { "student" },
        lang: options.lang,
        dataset: data.kind.name(),
        checks: Vec::new(),
        reached: None,
        runs: Vec::new(),
        done: false,
    };
    let lab = Lab { one: &one, two: &two, options, data: &data, device: &device, cases: &cases };
    let outcome = lab.steps(&mut report);
    report.reached = report.first_unfinished().or(report.reached.take());
    if let Some(path) = &options.json {
        report.write_json(path)?;
    }
    if let Some(path) = &options.gradescope {
        report.write_gradescope(path)?;
    }
    Ok(outcome)
}

/// What a run of `cargo lab` works with.
struct Lab<'a> {
    one: &'a Exo1,
    two: &'a Exo2,
    options: &'a Options,
    data: &'a Dataset,
    device: &'a Device,
    cases: &'a Cases,
}

impl Lab<'_> {
    fn lang(&self) -> Lang {
        self.options.lang
    }

    /// Whether this is the full MNIST, the lab's table's data.
    fn mnist(&self) -> bool {
        self.data.kind == DatasetKind::Mnist && self.data.train.len() == 60_000 && self.data.test.len() == 10_000
    }

    fn steps(&self, report: &mut Report) -> Outcome {
        let lang = self.lang();
        println!("{} 1 ({}){}", lang.pick("Exercise", "Exercice"), self.one.file, lang.pick(":", " :"));
        if !checked(check::exo1(self.one, self.cases, lang), report, lang) {
            return Outcome::ToDo;
        }
        let Some(matched) = self.exercise1(report, RunKind::Exercise1) else { return Outcome::ToDo };
        println!("\n{} 2 ({}){}", lang.pick("Exercise", "Exercice"), self.two.file, lang.pick(":", " :"));
        if !checked(check::exo2(self.two, self.cases, lang), report, lang) {
            return Outcome::ToDo;
        }
        let Some(matched2) = self.exercise2(report) else { return Outcome::ToDo };
        println!(
            "\n{}",
            lang.pick(
                "The last rung: exercise 1 with your forward, burn's autodiff for the gradients and burn's Sgd for the update:",
                "Le dernier échelon : l'exercice 1 avec votre forward, l'autodiff de burn pour les gradients et le Sgd de burn pour la mise à jour :"
            )
        );
        let Some(matched3) = self.exercise1(report, RunKind::Framework) else { return Outcome::ToDo };
        report.done = matched && matched2 && matched3;
        if report.done { Outcome::Done } else { Outcome::ToDo }
    }

    /// Exercise 1 trained with the student's functions (or their forward and the framework),
    /// beside the lab's table: whether it matched, or `None` when their code stopped.
    fn exercise1(&self, report: &mut Report, kind: RunKind) -> Option<bool> {
        let lang = self.lang();
        let (what, rung) = match kind {
            RunKind::Framework => (
                lang.pick("exercise 1 with your forward, burn's autodiff and burn's Sgd", "l'exercice 1 avec votre forward, l'autodiff et le Sgd de burn"),
                Rung::Framework,
            ),
            _ => (
                lang.pick(
                    "exercise 1 with your forward, gradients and update (f64, η = 0.1, batches of 100 in order, W = 0, b = 0)",
                    "l'exercice 1 avec vos forward, gradients et update (f64, η = 0.1, batchs de 100 dans l'ordre, W = 0, b = 0)",
                ),
                Rung::Theirs,
            ),
        };
        let reference = if self.mnist() { table::lab_table() } else { Vec::new() };
        let (one, data, device, epochs) = (self.one, self.data, self.device, self.options.epochs);
        let run = self.training(kind, what, &reference, self.one.file, report, |each| {
            table::train_exo1(one, rung, &data.train, &data.test, device, epochs, each)
        })?;
        Some(say_matched(&run, lang.pick("the lab's table", "le tableau du TP"), lang))
    }

    /// Exercise 2's network with the student's gradients, beside burn's autodiff of their
    /// forward from the same start.
    fn exercise2(&self, report: &mut Report) -> Option<bool> {
        let lang = self.lang();
        let mlp = Exo2Run { hidden: 100, epochs: self.options.epochs.min(2), eta: 0.1 };
        let title = lang.pick(
            format!("exercise 2's network, 784 → {} (sigmoid) → 10, η = {}, with your gradients and exercise 1's update", mlp.hidden, mlp.eta),
            format!("le réseau de l'exercice 2, 784 → {} (sigmoïde) → 10, η = {}, avec vos gradients et l'update de l'exercice 1", mlp.hidden, mlp.eta),
        );
        println!(
            "\n{}",
            lang.pick(
                "Exercise 2's network, trained first with burn's autodiff of your forward (the reference), then with your gradients, from the same start.",
                "Le réseau de l'exercice 2, entraîné d'abord avec l'autodiff de burn sur votre forward (la référence), puis avec vos gradients, depuis le même départ."
            )
        );
        let (answers, data, device) = ((self.one, self.two), self.data, self.device);
        let auto = match table::train_exo2(answers, true, &mlp, &data.train, &data.test, device, &mut |_| {}) {
            Ok(auto) => auto,
            Err(failure) => {
                println!("  {}{}", lang.pick("exercise 2 with autodiff stopped: ", "l'exercice 2 avec l'autodiff s'est arrêté : "), describe(&failure, lang));
                return None;
            }
        };
        let run = self.training(RunKind::Exercise2, &title, &auto, self.two.file, report, |each| {
            table::train_exo2(answers, false, &mlp, &data.train, &data.test, device, each)
        })?;
        Some(say_matched(&run, lang.pick("burn's autodiff", "l'autodiff de burn"), lang))
    }

    /// Trains, printing each epoch beside its reference; `None` when the student's code stopped.
    fn training(
        &self,
        kind: RunKind,
        what: &str,
        reference: &[Counts],
        file: &str,
        report: &mut Report,
        train: impl FnOnce(&mut dyn FnMut(Counts)) -> Result<Vec<Counts>, Failure>,
    ) -> Option<Run> {
        let lang = self.lang();
        let sizes = (self.data.train.len(), self.data.test.len());
        println!("\n{}", lang.pick(format!("Training {what}:"), format!("Apprentissage : {what} :")));
        let of = |n: usize| lang.pick(format!("(of {})", thousands(n)), format!("(sur {})", thousands(n)));
        let (epoch, train_w, test_w, reference_w, same, different) =
            lang.pick(("epoch", "train", "test", "reference: train  test", "same", "DIFFERENT"), ("époque", "appr.", "test", "référence : appr.  test", "pareil", "DIFFÉRENT"));
        println!("  {epoch:>6}  {train_w} {:<17}{test_w} {:<16}{reference_w}", of(sizes.0), of(sizes.1));
        let mut print = |c: Counts| {
            let theirs = format!("  {:>6}   {:>6} ({:>6.3} %)    {:>5} ({:>6.2} %)", c.epoch, c.train, pct(c.train, sizes.0), c.test, pct(c.test, sizes.1));
            match reference.iter().find(|r| r.epoch == c.epoch) {
                Some(r) => println!("{theirs}    {:>6} {:>6}  {}", r.train, r.test, if *r == c { same } else { different }),
                None => println!("{theirs}"),
            }
        };
        match train(&mut print) {
            Ok(epochs) => {
                let differences =
                    epochs.iter().filter_map(|c| reference.iter().find(|r| r.epoch == c.epoch).filter(|r| *r != c).map(|r| (*c, *r))).collect();
                let run = Run { kind, what: what.to_string(), epochs, reference: reference.to_vec(), differences };
                report.runs.push(run.clone());
                Some(run)
            }
            Err(failure) => {
                let stopped = lang.pick(format!("your code stopped during training ({file}): "), format!("votre code s'est arrêté pendant l'apprentissage ({file}) : "));
                println!("  {stopped}{}", describe(&failure, lang));
                report.reached = Some(Report::stopped_in(kind));
                None
            }
        }
    }
}

/// Prints the findings; whether all were right.
fn checked(findings: Vec<Finding>, report: &mut Report, lang: Lang) -> bool {
    let all_right = findings.iter().all(Finding::passed);
    for f in &findings {
        println!("{}", f.render(lang));
    }
    if !all_right {
        println!(
            "\n{}",
            lang.pick(
                "Fix it and run `cargo lab` again (`cargo lab hint` for a hint, `cargo lab --watch` to check on each save).",
                "Corrigez-le et relancez `cargo lab` (`cargo lab hint` pour un indice, `cargo lab --watch` pour vérifier à chaque enregistrement)."
            )
        );
    }
    report.checks.extend(findings);
    all_right
}

fn describe(failure: &Failure, lang: Lang) -> String {
    match failure {
        Failure::NotWritten { line } => lang.pick(format!("a todo!() at line {}", line.unwrap_or(0)), format!("un todo!() ligne {}", line.unwrap_or(0))),
        Failure::Panicked { message, line, .. } => {
            let at = line.map(|l| lang.pick(format!(" (line {l})"), format!(" (ligne {l})"))).unwrap_or_default();
            format!("{}{at}", first_line(message).unwrap_or("panic"))
        }
    }
}

fn pct(right: usize, of: usize) -> f64 {
    right as f64 / of as f64 * 100.0
}

/// Says whether a run matched its reference at every epoch compared.
fn say_matched(run: &Run, reference: &str, lang: Lang) -> bool {
    let compared = run.compared();
    if compared == 0 {
        println!("  {}", lang.pick("(no reference to compare with on this dataset: the lab's table is MNIST's)", "(pas de référence sur ces données : le tableau du TP est celui de MNIST)"));
        return true;
    }
    if run.differences.is_empty() {
        let at = match compared {
            1 => lang.pick("at the one epoch it has".to_string(), "à la seule époque qu'il a".to_string()),
            n => lang.pick(format!("at all {n} epochs it has"), format!("aux {n} époques qu'il a")),
        };
        println!("  {}", lang.pick(format!("matches {reference} to the image {at}"), format!("identique à la référence ({reference}) à l'image près, {at}")));
        return true;
    }
    println!("  {}", lang.pick(format!("differs from {reference} at {} of {compared} epochs:", run.differences.len()), format!("diffère de la référence ({reference}) à {} des {compared} époques :", run.differences.len())));
    for (c, r) in &run.differences {
        let (epoch, colon, train, vs) = lang.pick(("epoch", ":", "train", "vs"), ("époque", " :", "appr.", "contre"));
        println!(
            "    {epoch} {}{colon} {train} {} {vs} {} ({:+}), test {} {vs} {} ({:+})",
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

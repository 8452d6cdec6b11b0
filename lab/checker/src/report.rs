//! The report a teacher collects: `--json FILE` writes it whole (its fields are documented in
//! the book's chapter on the lab, schema 1), `--gradescope FILE` as Gradescope's autograder
//! `results.json` (one test per step and per run, its score out of `max_score`, the diagnosis
//! as its output). Both are written to a temporary file and renamed: never half-written.

use std::path::Path;

use anyhow::{Context, Result};
use lesson::slips::Lang;
use serde::Serialize;

use crate::check::{Finding, exo1, exo2};
use crate::table::Counts;

/// The version of the report's fields.
pub const SCHEMA: u32 = 1;

/// Which run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    /// Exercise 1 with the student's forward, gradients and update, beside the lab's table.
    #[serde(rename = "exercise-1")]
    Exercise1,
    /// Exercise 2's network with their gradients, beside burn's autodiff.
    #[serde(rename = "exercise-2")]
    Exercise2,
    /// Exercise 1 with their forward, burn's autodiff and burn's Sgd, beside the lab's table.
    Framework,
}

impl RunKind {
    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Exercise1 => "exercise-1",
            RunKind::Exercise2 => "exercise-2",
            RunKind::Framework => "framework",
        }
    }
}

/// A training run and how it compares with its reference.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Which run.
    pub kind: RunKind,
    /// What was trained, in words.
    pub what: String,
    /// Per epoch.
    pub epochs: Vec<Counts>,
    /// The reference's epochs (the lab's table, or autodiff's run; none off MNIST).
    pub reference: Vec<Counts>,
    /// Epochs compared whose counts differ: (theirs, the reference's).
    pub differences: Vec<(Counts, Counts)>,
}

impl Run {
    /// Epochs that have a reference to compare with.
    pub fn compared(&self) -> usize {
        self.epochs.iter().filter(|c| self.reference.iter().any(|r| r.epoch == c.epoch)).count()
    }

    /// Compared at one epoch at least, and the same at every one.
    pub fn matched(&self) -> bool {
        self.compared() > 0 && self.differences.is_empty()
    }
}

/// What `cargo lab` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The student's name (`--name`), when given.
    pub student: Option<String>,
    /// `student` or `solution`.
    pub answers: &'static str,
    /// The language of the texts.
    pub lang: Lang,
    /// `mnist` or `fashion-mnist`.
    pub dataset: &'static str,
    /// Every step checked, in order; a wrong one is the last.
    pub checks: Vec<Finding>,
    /// Where the lab stops: the first step not right (`exercise 1 · gradients`), or the
    /// training their code stopped in (`training: exercise-1`); none when neither.
    pub reached: Option<String>,
    /// The runs made.
    pub runs: Vec<Run>,
    /// Whether it all was right and every run matched its reference.
    pub done: bool,
}

/// A step's name in reports: `exercise 1 · gradients`.
pub fn step_name(exercise: u8, item: &str) -> String {
    format!("exercise {exercise} · {item}")
}

impl Report {
    /// The first step not right, from the checks.
    pub fn first_unfinished(&self) -> Option<String> {
        let last = self.checks.last()?;
        (!last.passed()).then(|| step_name(last.exercise, last.item))
    }

    /// A training their code stopped in, for [`Report::reached`].
    pub fn stopped_in(kind: RunKind) -> String {
        format!("training: {}", kind.name())
    }

    /// Writes the report as JSON.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        write_atomically(path, &(serde_json::to_string_pretty(self)? + "\n"))
    }

    /// Writes Gradescope's `results.json`.
    pub fn write_gradescope(&self, path: &Path) -> Result<()> {
        write_atomically(path, &(serde_json::to_string_pretty(&gradescope(self))? + "\n"))
    }
}

fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, path)).with_context(|| format!("writing {}", path.display()))
}

/// Gradescope's autograder results: the fields its documentation lists for `results.json`.
#[derive(Debug, Serialize)]
pub struct Gradescope {
    /// The sum of the tests' scores.
    pub score: f64,
    /// About the whole submission.
    pub output: String,
    /// One per step and per run.
    pub tests: Vec<GradescopeTest>,
}

/// One of Gradescope's tests.
#[derive(Debug, Serialize)]
pub struct GradescopeTest {
    /// The step or the run.
    pub name: String,
    /// Its number, `1.3`.
    pub number: String,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// 1 when passed, else 0.
    pub score: f64,
    /// 1.
    pub max_score: f64,
    /// The diagnosis.
    pub output: String,
}

/// Every step of the lab and every run, each a test of one point.
pub fn gradescope(report: &Report) -> Gradescope {
    let items = exo1::STEPS.iter().map(|s| (1, s.item)).chain(exo2::STEPS.iter().map(|s| (2, s.item)));
    let mut tests: Vec<GradescopeTest> = items.enumerate().map(|(i, (exercise, item))| step_test(report, i, exercise, item)).collect();
    for (kind, number) in [(RunKind::Exercise1, "3.1"), (RunKind::Exercise2, "3.2"), (RunKind::Framework, "3.3")] {
        tests.push(run_test(report, kind, number));
    }
    let score = tests.iter().map(|t| t.score).sum();
    let output = match &report.reached {
        Some(step) => format!("The lab stops at {step}."),
        None if report.done => "Every step right; every run matched its reference.".to_string(),
        None => "Every step right.".to_string(),
    };
    Gradescope { score, output, tests }
}

fn test(name: String, number: String, passed: bool, output: String) -> GradescopeTest {
    let score = if passed { 1.0 } else { 0.0 };
    GradescopeTest { name, number, status: if passed { "passed" } else { "failed" }, score, max_score: 1.0, output }
}

fn step_test(report: &Report, index: usize, exercise: u8, item: &str) -> GradescopeTest {
    let name = step_name(exercise, item);
    let number = format!("{exercise}.{}", index + 1 - if exercise == 2 { exo1::STEPS.len() } else { 0 });
    match report.checks.iter().find(|f| f.exercise == exercise && f.item == item) {
        Some(f) => test(name, number, f.passed(), f.render(report.lang)),
        None => {
            let before = report.reached.clone().unwrap_or_default();
            test(name, number, false, report.lang.pick(format!("not reached: {before} comes first"), format!("pas atteint : {before} vient avant")))
        }
    }
}

fn run_test(report: &Report, kind: RunKind, number: &str) -> GradescopeTest {
    let name = match kind {
        RunKind::Exercise1 => "exercise 1 trained: the lab's table",
        RunKind::Exercise2 => "exercise 2 trained: burn's autodiff",
        RunKind::Framework => "exercise 1 with burn's autodiff and Sgd: the lab's table",
    };
    let (passed, output) = match report.runs.iter().find(|r| r.kind == kind) {
        Some(run) if run.matched() => (true, format!("matches its reference at the {} epochs compared", run.compared())),
        Some(run) if run.compared() == 0 => (true, "trained; no reference to compare with on this dataset".to_string()),
        Some(run) => (false, format!("differs from its reference at {} of {} epochs", run.differences.len(), run.compared())),
        None => (false, "not run: the checks come first".to_string()),
    };
    test(name.to_string(), number.to_string(), passed, output)
}

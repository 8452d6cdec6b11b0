//! The checks, in the lab's order: each question and each function of the student's, on real
//! batches and on adversarial ones (scores in the hundreds, a batch of one, tb ≠ 100), against
//! references computed here — burn's softmax, burn's autodiff of the loss (itself checked
//! against f64 finite differences by burn-gradcheck) and eq. (6)–(7). Each exercise is a table
//! of steps ([`exo1::STEPS`], [`exo2::STEPS`]), each step one function that checks it; the
//! checks stop at the first step that is wrong, with the catalog's slip when one explains it.

mod cases;
pub mod compare;
pub mod exo1;
pub mod exo2;
mod questions;
mod reference;
pub mod render;

pub use cases::{CASE_IMAGES, Cases, HIDDEN};
pub use reference::mlp_autodiff;

use burn_gradcheck::Relation;
use lesson::slips::{Lang, Severity, Slip, Step as SlipStep, Text};
use serde::Serialize;

use crate::answers::line_of;
use crate::attempt::{Failure, attempt};
use compare::{Evidence, recognize, recognize_crash, seen_as, verdict};

/// Relative difference to the reference (against its largest entry) taken as float noise.
/// Everything runs in f64, but burn's autodiff on ndarray agrees with the exact formulas of
/// eq. (4)–(5) to about 10⁻⁸ only; the slips are factors, transposes and formulas far from it.
pub const NOISE: f64 = 1e-6;

/// One step of an exercise: a question or a function, and the function that checks it.
pub struct Step<A> {
    /// The function or the question's constant, as in the student's file.
    pub item: &'static str,
    /// What it computes.
    pub equation: Text,
    /// Its check.
    pub check: fn(&A, &Cases, Lang) -> Checked,
}

/// A step's checks: right, or stopped at the first case that is not.
pub type Checked = Result<Passed, Box<Stop>>;

/// A step that passed.
pub struct Passed {
    /// Right, answered, or right with a warning.
    pub verdict: Verdict,
    /// What it was checked on.
    pub case: String,
}

/// Where a step's checks stopped.
pub struct Stop {
    /// The case.
    pub case: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The line of the student's file it stopped at, when a panic says.
    pub line: Option<u32>,
}

impl Stop {
    /// The step stops at `case` with `verdict` (no line of their file to point at).
    pub fn at(case: impl Into<String>, verdict: Verdict) -> Box<Stop> {
        Box::new(Stop { case: case.into(), verdict, line: None })
    }
}

/// One step checked.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// 1 or 2.
    pub exercise: u8,
    /// The function or the question's constant.
    pub item: &'static str,
    /// What it computes.
    pub equation: String,
    /// The student's file.
    pub file: &'static str,
    /// Its line there.
    pub line: Option<u32>,
    /// What it was checked on.
    pub case: String,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// A verdict.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Right to float noise: the largest relative difference to the reference.
    Right {
        /// `max |theirs − right| / max |right|`.
        noise: f64,
    },
    /// Right for the lab, with a slip of the catalog's warnings to learn from.
    RightWithWarning {
        /// As for `right`.
        noise: f64,
        /// The warning.
        slip: Slip,
        /// What was seen.
        seen: String,
    },
    /// A question answered right.
    Answered,
    /// A question not answered yet.
    NotAnswered,
    /// A question answered wrong.
    WrongAnswer {
        /// Their answer.
        given: String,
        /// Why it is not that.
        why: String,
    },
    /// A `todo!()` still there.
    NotWritten,
    /// A known slip.
    Slip {
        /// Which output shows it.
        output: String,
        /// The slip.
        slip: Slip,
        /// How the output relates to the right one.
        seen: String,
    },
    /// An output of the wrong shape that no slip explains.
    Shape {
        /// Which output.
        output: String,
        /// Its shape.
        theirs: Vec<usize>,
        /// The right shape.
        expected: Vec<usize>,
    },
    /// Their code panicked.
    Crashed {
        /// The panic's message, or burn's tensor check in one line.
        message: String,
        /// The slip, when the shapes say which.
        slip: Option<Slip>,
    },
    /// Wrong, and no known slip explains it.
    Wrong {
        /// Which output.
        output: String,
        /// How it relates to the right one.
        relation: Relation,
        /// That, in words.
        seen: String,
        /// In exercise 2, from which layer on the gradients go wrong.
        from_layer: Option<String>,
    },
}

impl Finding {
    /// Whether this one is right (the checks go on).
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Right { .. } | Verdict::RightWithWarning { .. } | Verdict::Answered)
    }

    /// The slip it names, a warning's included.
    pub fn slip(&self) -> Option<Slip> {
        match &self.verdict {
            Verdict::Slip { slip, .. } | Verdict::RightWithWarning { slip, .. } => Some(*slip),
            Verdict::Crashed { slip, .. } => *slip,
            _ => None,
        }
    }
}

/// Checks an exercise's steps in order; the last finding is the first wrong one, if any.
pub fn steps<A>(exercise: u8, (file, source): (&'static str, &str), answers: &A, table: &[Step<A>], cases: &Cases, lang: Lang) -> Vec<Finding> {
    let mut findings = Vec::new();
    for step in table {
        let (case, verdict, line) = match (step.check)(answers, cases, lang) {
            Ok(passed) => (passed.case, passed.verdict, None),
            Err(stop) => (stop.case, stop.verdict, stop.line),
        };
        let equation = step.equation.get(lang).to_string();
        let line = line.or_else(|| line_of(source, step.item));
        findings.push(Finding { exercise, item: step.item, equation, file, line, case, verdict });
        if !findings.last().is_some_and(Finding::passed) {
            break;
        }
    }
    findings
}

/// Where the student's code is called, for one step.
pub struct Ctx<'a> {
    /// Their file.
    pub file: &'a str,
    /// The step.
    pub step: SlipStep,
    /// The language of the messages.
    pub lang: Lang,
}

impl Ctx<'_> {
    /// Calls their code on one case (a batch of `tb`): a `todo!()` or a panic stops the step,
    /// with the slip a product's shapes show.
    pub fn call<T>(&self, case: &str, tb: usize, f: impl FnOnce() -> T) -> Result<T, Box<Stop>> {
        attempt(self.file, f).map_err(|failure| {
            let (verdict, line) = crashed(failure, self.lang, |shapes| recognize_crash(self.step, shapes, tb).map(|r| r.slip));
            Box::new(Stop { case: case.to_string(), verdict, line })
        })
    }

    /// A wrong output: a warning of the catalog is noted in `tally` and the checks go on;
    /// anything else stops the step.
    pub fn judge(&self, ev: &Evidence, case: &str, tally: &mut Tally) -> Result<(), Box<Stop>> {
        match recognize(ev) {
            Some(row) if row.severity == Severity::Warning => {
                let (on, is) = self.lang.pick(("on", "is"), ("sur", "est"));
                let seen = format!("{on} {case}{} {} {is} {}", self.lang.pick(":", " :"), ev.output, seen_as(row, ev, self.lang));
                tally.warning.get_or_insert((row.slip, seen));
                Ok(())
            }
            _ => Err(Stop::at(case, verdict(ev, self.lang))),
        }
    }
}

/// What a step's cases came to while they were right.
#[derive(Default)]
pub struct Tally {
    /// The worst noise.
    pub noise: f64,
    /// A warning seen.
    pub warning: Option<(Slip, String)>,
}

impl Tally {
    /// Notes a case's noise.
    pub fn right(&mut self, noise: f64) {
        self.noise = self.noise.max(noise);
    }

    /// The step passed, on `case`.
    pub fn passed(self, case: String) -> Checked {
        let verdict = match self.warning {
            Some((slip, seen)) => Verdict::RightWithWarning { noise: self.noise, slip, seen },
            None => Verdict::Right { noise: self.noise },
        };
        Ok(Passed { verdict, case })
    }
}

/// The verdict from a failure in their code.
fn crashed(failure: Failure, lang: Lang, slip_of: impl Fn(&(Vec<usize>, Vec<usize>)) -> Option<Slip>) -> (Verdict, Option<u32>) {
    let (message, line, operation, shapes) = match failure {
        Failure::NotWritten { line } => return (Verdict::NotWritten, line),
        Failure::Panicked { message, line, operation, shapes } => (message, line, operation, shapes),
    };
    let slip = shapes.as_ref().and_then(&slip_of);
    let at = line.map(|l| lang.pick(format!(", at line {l}"), format!(", ligne {l}"))).unwrap_or_default();
    let message = match (&operation, &shapes) {
        (Some(op), Some((l, r))) if op == "Matmul" => lang.pick(
            format!("a product does not fit: {l:?} × {r:?} (the left's columns must equal the right's rows){at}"),
            format!("les dimensions d'un produit ne concordent pas : {l:?} × {r:?} (les colonnes de gauche doivent égaler les lignes de droite){at}"),
        ),
        (Some(op), Some((l, r))) => {
            lang.pick(format!("burn's {op} refused shapes {l:?} and {r:?}{at}"), format!("{op} de burn a refusé les formes {l:?} et {r:?}{at}"))
        }
        _ => format!("{}{at}", first_line(&message).unwrap_or("panic")),
    };
    (Verdict::Crashed { message, slip }, line)
}

/// A panic message's first line that says something (burn's start with a banner).
pub fn first_line(message: &str) -> Option<&str> {
    message.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("==="))
}

/// "3 cases", "2 batches", in words.
pub fn count(n: usize, en: &str, fr: &str, lang: Lang) -> String {
    format!("{n} {}", lang.pick(en, fr))
}

/// Checks exercise 1 in the lab's order; the last finding is the first wrong one, if any.
pub fn exo1(answers: &crate::answers::Exo1, cases: &Cases, lang: Lang) -> Vec<Finding> {
    steps(1, (answers.file, answers.source), answers, &exo1::STEPS, cases, lang)
}

/// Checks exercise 2 (after exercise 1 is right).
pub fn exo2(answers: &crate::answers::Exo2, cases: &Cases, lang: Lang) -> Vec<Finding> {
    steps(2, (answers.file, answers.source), answers, &exo2::STEPS, cases, lang)
}

/// Both exercises' checks, exercise 2's only once exercise 1's are all right.
pub fn all(one: &crate::answers::Exo1, two: &crate::answers::Exo2, cases: &Cases, lang: Lang) -> Vec<Finding> {
    let mut findings = exo1(one, cases, lang);
    if findings.iter().all(Finding::passed) {
        findings.extend(exo2(two, cases, lang));
    }
    findings
}

//! The checks, in the lab's order: each of the student's functions on real batches and on
//! adversarial ones (scores in the hundreds, a batch of one, tb ≠ 100), against references
//! computed here — burn's softmax, burn's autodiff of the loss (itself checked against f64
//! finite differences) and eq. (6)–(7) — stopping at the first one that is wrong, with the
//! slip that explains it when one does.

use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{DType, Device, Distribution, Tensor, TensorData};
use burn_gradcheck::diagnose::{close, factor_name};
use burn_gradcheck::{Relation, central_difference, from_layer, relate};
use lesson::data::{Batch, CLASSES, PIXELS, Split};
use serde::Serialize;

use crate::answers::{Exo1, Exo2, line_of};
use crate::attempt::{Failure, attempt};
use crate::slips::Slip;

/// The training images the checks are made on: a batch of 100, one of 37, one of 1.
pub const CASE_IMAGES: usize = 138;

/// Relative difference to the reference (against its largest entry) taken as float noise.
/// Everything runs in f64, but burn's autodiff on ndarray agrees with the exact formulas of
/// eq. (4)–(5) to about 10⁻⁸ only; the slips are factors, transposes and formulas far from it.
pub const NOISE: f64 = 1e-6;

/// Hidden units of the perceptron checked (neither 10 nor 784, so that no wrong product
/// happens to fit).
pub const HIDDEN: usize = 16;

/// One item checked: a question or a function, on one case.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// 1 or 2.
    pub exercise: u8,
    /// The function or the question's constant.
    pub item: &'static str,
    /// What it computes.
    pub equation: &'static str,
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
    /// A question answered right.
    Answered,
    /// A question still at 0.
    NotAnswered,
    /// A question answered wrong.
    WrongAnswer {
        /// Their answer.
        given: usize,
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
        /// How it relates to the right one (the worst entry when nothing simpler).
        relation: Relation,
        /// In exercise 2, from which layer on the gradients go wrong.
        from_layer: Option<String>,
    },
}

impl Finding {
    /// Whether this one is right (the checks go on).
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Right { .. } | Verdict::Answered)
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.to_string(),
        };
        if self.passed() {
            let how = match &self.verdict {
                Verdict::Right { noise } if *noise == 0.0 => "right (exactly)".to_string(),
                Verdict::Right { noise } => format!("right to float noise ({noise:.1e}): that is fine"),
                _ => "right".to_string(),
            };
            return write!(f, "ok   exercise {} · {} ({}): {how}", self.exercise, self.item, self.equation);
        }
        writeln!(f, "WRONG exercise {} · {} — {} — {place}", self.exercise, self.item, self.equation)?;
        writeln!(f, "  checked on {}:", self.case)?;
        match &self.verdict {
            Verdict::NotAnswered => write!(f, "  not answered yet: write your answer in place of the 0"),
            Verdict::WrongAnswer { given, why } => write!(f, "  {given} is not it: {why}"),
            Verdict::NotWritten => write!(f, "  not written yet: replace the todo!() at line {}", self.line.unwrap_or(0)),
            Verdict::Slip { output, slip, seen } => write!(
                f,
                "  {output} is {seen}.\n  slip `{}`: {}.\n  reread {}",
                slip.name(),
                slip.what(),
                slip.reread()
            ),
            Verdict::Shape { output, theirs, expected } => {
                write!(f, "  {output} has shape {theirs:?}; it should be {expected:?}")
            }
            Verdict::Crashed { message, slip } => {
                write!(f, "  your code stopped: {message}")?;
                if let Some(slip) = slip {
                    write!(f, "\n  slip `{}`: {}.\n  reread {}", slip.name(), slip.what(), slip.reread())?;
                }
                Ok(())
            }
            Verdict::Wrong { output, relation, from_layer } => {
                let relation = relation.to_string().replace("the right gradient", "the right one");
                write!(f, "  {output} is wrong: {relation}.\n  No slip we know of explains it")?;
                if let Some(layers) = from_layer {
                    write!(f, "; {layers}")?;
                }
                Ok(())
            }
            Verdict::Right { .. } | Verdict::Answered => Ok(()),
        }
    }
}

/// The batches and parameters the checks run on, in f64.
pub struct Cases {
    device: Device,
    /// The first 100 training images.
    real: Batch,
    /// The next 37 (tb ≠ 100).
    odd: Batch,
    /// One image.
    one: Batch,
}

impl Cases {
    /// The cases from the first [`CASE_IMAGES`] images of the training set.
    pub fn new(train: &Split, device: &Device) -> Self {
        let take = |start: usize, end: usize| Batch::range(train, start, end, device).cast(DType::F64);
        Self { device: device.clone(), real: take(0, 100), odd: take(100, 137), one: take(137, CASE_IMAGES) }
    }

    fn batches(&self) -> [(&Batch, String); 3] {
        [
            (&self.real, "a batch of 100 training images".to_string()),
            (&self.odd, "a batch of 37 images (tb ≠ 100)".to_string()),
            (&self.one, "a batch of one image".to_string()),
        ]
    }

    /// Parameters of the given shape, drawn from N(0, std²), in f64.
    fn normal<const D: usize>(&self, shape: [usize; D], std: f64) -> Tensor<D> {
        Tensor::<D>::random(shape, Distribution::Normal(0.0, std), &self.device).cast(DType::F64)
    }
}

/// A tensor's values and shape.
fn read<const D: usize>(t: &Tensor<D>) -> (Vec<f64>, Vec<usize>) {
    (t.clone().into_data().iter::<f64>().collect(), t.dims().to_vec())
}

/// How far `theirs` is from `right`, relative to `right`'s largest entry.
fn noise(theirs: &[f64], right: &[f64]) -> f64 {
    let scale = right.iter().fold(0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    theirs.iter().zip(right).map(|(a, b)| (a - b).abs() / scale).fold(0.0, f64::max)
}

/// Right, or how it is not: one output against the reference.
enum Against {
    Right(f64),
    Off(Relation),
}

fn against<const D: usize>(theirs: &Tensor<D>, right: &Tensor<D>) -> Against {
    let ((t, ts), (r, rs)) = (read(theirs), read(right));
    match relate(&t, &ts, &r, &rs, NOISE) {
        Relation::Right => Against::Right(noise(&t, &r)),
        // Outside the gradients, a transpose is a wrong shape.
        Relation::Transposed => Against::Off(Relation::Shape { theirs: ts, expected: rs }),
        other => Against::Off(other),
    }
}

/// The slip a gradient's relation to the right one shows, in a batch of `tb`.
fn gradient_slip(relation: &Relation, tb: usize) -> Option<Slip> {
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs();
    match *relation {
        Relation::Scaled { factor } if near(factor, -1.0) => Some(Slip::Sign),
        Relation::Scaled { factor } if tb != 1 && near(factor, tb as f64) => Some(Slip::NoMean),
        Relation::Scaled { factor } if tb != 1 && near(factor, 1.0 / tb as f64) => Some(Slip::MeanTwice),
        Relation::Scaled { factor } if tb != 100 && near(factor, tb as f64 / 100.0) => Some(Slip::FixedBatchSize),
        Relation::Transposed => Some(Slip::NotTransposedBack),
        Relation::ReshapedTranspose => Some(Slip::ReshapeNotTranspose),
        _ => None,
    }
}

/// What a relation is, in words, for the report.
fn seen(relation: &Relation) -> String {
    match relation {
        Relation::Scaled { factor } if (factor + 1.0).abs() < 1e-6 => "−1 × the right one (its sign flipped)".into(),
        Relation::Scaled { factor } => format!("{} × the right one", factor_name(*factor)),
        other => other.to_string(),
    }
}

/// The checks of one function stop here: its verdict from a failure in their code.
fn crashed(failure: Failure, slip_of: impl Fn(&(Vec<usize>, Vec<usize>)) -> Option<Slip>) -> (Verdict, Option<u32>) {
    match failure {
        Failure::NotWritten { line } => (Verdict::NotWritten, line),
        Failure::Panicked { message, line, operation, shapes } => {
            let slip = shapes.as_ref().and_then(&slip_of);
            let message = match (&operation, &shapes) {
                (Some(op), Some((l, r))) if op == "Matmul" => format!(
                    "a product does not fit: {l:?} × {r:?} (the left's columns must equal the right's rows){}",
                    line.map(|l| format!(", at line {l}")).unwrap_or_default()
                ),
                (Some(op), Some((l, r))) => format!(
                    "burn's {op} refused shapes {l:?} and {r:?}{}",
                    line.map(|l| format!(", at line {l}")).unwrap_or_default()
                ),
                _ => {
                    let first = message.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("==="));
                    format!(
                        "{}{}",
                        first.unwrap_or("a panic"),
                        line.map(|l| format!(", at line {l}")).unwrap_or_default()
                    )
                }
            };
            (Verdict::Crashed { message, slip }, line)
        }
    }
}

/// Checks exercise 1 in the lab's order; the last finding is the first wrong one, if any.
pub fn exo1(answers: &Exo1, cases: &Cases) -> Vec<Finding> {
    let mut findings = Vec::new();
    let finding = |item: &'static str, equation: &'static str, case: String, verdict: Verdict, line: Option<u32>| Finding {
        exercise: 1,
        item,
        equation,
        file: answers.file,
        line: line.or_else(|| line_of(answers.source, item)),
        case,
        verdict,
    };
    macro_rules! record {
        ($f:expr) => {{
            let f = $f;
            let passed = f.passed();
            findings.push(f);
            if !passed {
                return findings;
            }
        }};
    }

    // Exercise 0's question.
    record!(finding(
        "IMAGE_SPACE_DIMENSION",
        "exercise 0's question",
        "the lab's question".into(),
        question(answers.image_space_dimension, PIXELS, &[
            (28, "28 is the side of an image; as a vector an image has 28 × 28 coordinates".to_string()),
            (256, "256 is the number of gray levels of a pixel, not a dimension".to_string()),
            (60_000, "60 000 is the number of training images, not their dimension".to_string()),
            (10, "10 is the number of classes; the images themselves live in a bigger space".to_string()),
        ]),
        None,
    ));

    // softmax, eq. (1): real scores, scores in the hundreds, one image.
    let w = cases.normal([PIXELS, CLASSES], 0.1);
    let b = cases.normal([CLASSES], 0.5);
    let scores = cases.real.images.clone().matmul(w.clone()) + b.clone().unsqueeze();
    // Scaled so that the entry of largest magnitude becomes +800: past e^709, f64 overflows.
    let (top, bottom) = (scores.clone().max().into_scalar::<f64>(), scores.clone().min().into_scalar::<f64>());
    let extreme = if top >= -bottom { top } else { bottom };
    let softmax_cases = [
        (scores.clone(), "the scores XW + b of 100 training images".to_string(), false),
        (scores.clone().mul_scalar(800.0 / extreme), "scores in the hundreds (up to ±800)".to_string(), true),
        (scores.clone().slice([0..1, 0..CLASSES]), "the scores of one image".to_string(), false),
    ];
    let mut worst = 0f64;
    for (s, case, large) in softmax_cases {
        let theirs = match attempt(answers.file, || (answers.softmax)(s.clone())) {
            Ok(t) => t,
            Err(failure) => {
                let (verdict, line) = crashed(failure, |_| None);
                record!(finding("softmax", "eq. (1)", case, verdict, line));
                unreachable!()
            }
        };
        let verdict = match against(&theirs, &softmax(s.clone(), 1)) {
            Against::Right(n) => {
                worst = worst.max(n);
                continue;
            }
            Against::Off(Relation::NotFinite { .. }) if large => {
                Verdict::Slip { output: "Ŷ".into(), slip: Slip::SoftmaxNoMaxShift, seen: "NaN or infinite".into() }
            }
            Against::Off(relation) => {
                if matches!(against(&theirs, &softmax(s.clone(), 0)), Against::Right(_)) {
                    Verdict::Slip { output: "Ŷ".into(), slip: Slip::SoftmaxOverBatch, seen: "the softmax of each column".into() }
                } else {
                    wrong_or_shape("Ŷ", relation)
                }
            }
        };
        record!(finding("softmax", "eq. (1)", case, verdict, None));
    }
    record!(finding("softmax", "eq. (1)", "3 cases".into(), Verdict::Right { noise: worst }, None));

    // forward: Ŷ = softmax(XW + b), on the three batches.
    let mut worst = 0f64;
    for (batch, case) in cases.batches() {
        let x = batch.images.clone();
        let theirs = match attempt(answers.file, || (answers.forward)(x.clone(), w.clone(), b.clone())) {
            Ok(t) => t,
            Err(failure) => {
                let (verdict, line) = crashed(failure, |_| None);
                record!(finding("forward", "Ŷ = softmax(XW + b)", case, verdict, line));
                unreachable!()
            }
        };
        let s = x.matmul(w.clone());
        let verdict = match against(&theirs, &softmax(s.clone() + b.clone().unsqueeze(), 1)) {
            Against::Right(n) => {
                worst = worst.max(n);
                continue;
            }
            Against::Off(relation) => {
                if matches!(against(&theirs, &softmax(s.clone(), 1)), Against::Right(_)) {
                    Verdict::Slip { output: "Ŷ".into(), slip: Slip::ForwardNoBias, seen: "softmax(XW)".into() }
                } else if matches!(against(&theirs, &(s + b.clone().unsqueeze())), Against::Right(_)) {
                    Verdict::Slip { output: "Ŷ".into(), slip: Slip::ForwardNoSoftmax, seen: "XW + b".into() }
                } else {
                    wrong_or_shape("Ŷ", relation)
                }
            }
        };
        record!(finding("forward", "Ŷ = softmax(XW + b)", case, verdict, None));
    }
    record!(finding("forward", "Ŷ = softmax(XW + b)", "3 batches".into(), Verdict::Right { noise: worst }, None));

    // The question after eq. (1).
    record!(finding(
        "NUMBER_OF_PARAMETERS",
        "the question after eq. (1)",
        "the lab's question".into(),
        question(answers.number_of_parameters, PIXELS * CLASSES + CLASSES, &[
            (PIXELS * CLASSES, "that is W alone (784 × 10); the 10 biases b are parameters too".to_string()),
            (PIXELS + CLASSES, "W is a matrix of 784 × 10 weights, one column w_c per class, not a vector".to_string()),
            (PIXELS, "that is one class's w_c; there are 10 of them, and 10 biases".to_string()),
            (PIXELS * CLASSES + 1, "there is one bias per class, 10 in all".to_string()),
        ]),
        None,
    ));

    // gradients, eq. (4)–(5), against burn's autodiff.
    let mut worst = 0f64;
    for (batch, case) in cases.batches() {
        let (x, y_star) = (batch.images.clone(), batch.y_star.clone());
        let tb = batch.len();
        let y_hat = softmax(x.clone().matmul(w.clone()) + b.clone().unsqueeze(), 1);
        let (right_w, right_b) = autodiff_logreg(&x, &y_star, &w, &b);
        let theirs = attempt(answers.file, || (answers.gradients)(x.clone(), y_star.clone(), y_hat.clone()));
        let (grad_w, grad_b) = match theirs {
            Ok(g) => g,
            Err(failure) => {
                let (verdict, line) = crashed(failure, |(lhs, _)| (lhs == &[tb, PIXELS]).then_some(Slip::XNotTransposed));
                record!(finding("gradients", "eq. (4)–(5)", case, verdict, line));
                unreachable!()
            }
        };
        let mut verdict = None;
        for (output, theirs, right, expected) in [
            ("∂L/∂W", read(&grad_w), read(&right_w), vec![PIXELS, CLASSES]),
            ("∂L/∂b", read(&grad_b), read(&right_b), vec![CLASSES]),
        ] {
            let relation = relate(&theirs.0, &theirs.1, &right.0, &expected, NOISE);
            if relation.is_right() {
                worst = worst.max(noise(&theirs.0, &right.0));
                continue;
            }
            verdict = Some(match gradient_slip(&relation, tb) {
                Some(slip) => Verdict::Slip { output: output.into(), slip, seen: seen(&relation) },
                None if output == "∂L/∂b" && theirs.1 == [tb] => {
                    Verdict::Slip { output: output.into(), slip: Slip::BiasWrongAxis, seen: format!("{tb} values, one per image") }
                }
                None => wrong_or_shape(output, relation),
            });
            break;
        }
        if let Some(verdict) = verdict {
            record!(finding("gradients", "eq. (4)–(5)", case, verdict, None));
        }
    }
    let witness = finite_difference_witness(&cases.real, &w, &b);
    record!(finding(
        "gradients",
        "eq. (4)–(5)",
        format!("3 batches, against burn's autodiff (which agrees with f64 finite differences to {witness:.0e})"),
        Verdict::Right { noise: worst },
        None
    ));

    // update, eq. (6)–(7): the step taken, against −η ∂L/∂θ.
    let (grad_w, grad_b) = (cases.normal([PIXELS, CLASSES], 0.01), cases.normal([CLASSES], 0.01));
    let mut worst = 0f64;
    for eta in [0.1, 0.05] {
        let case = format!("W, b and gradients drawn at random, η = {eta}");
        let theirs = attempt(answers.file, || (answers.update)(w.clone(), b.clone(), grad_w.clone(), grad_b.clone(), eta));
        let (new_w, new_b) = match theirs {
            Ok(t) => t,
            Err(failure) => {
                let (verdict, line) = crashed(failure, |_| None);
                record!(finding("update", "eq. (6)–(7)", case, verdict, line));
                unreachable!()
            }
        };
        let mut verdict = None;
        for (name, theirs, before, grad) in [
            ("W", read(&new_w), read(&w), read(&grad_w)),
            ("b", read(&new_b), read(&b), read(&grad_b)),
        ] {
            let output = format!("the new {name}");
            if theirs.1 != before.1 {
                verdict = Some(Verdict::Shape { output, theirs: theirs.1, expected: before.1 });
                break;
            }
            // The step they took against the step of eq. (6)–(7).
            let step: Vec<f64> = theirs.0.iter().zip(&before.0).map(|(t, o)| t - o).collect();
            let right: Vec<f64> = grad.0.iter().map(|g| -eta * g).collect();
            let relation = relate(&step, &theirs.1, &right, &before.1, NOISE);
            if relation.is_right() {
                worst = worst.max(noise(&theirs.0, &before.0.iter().zip(&right).map(|(o, s)| o + s).collect::<Vec<_>>()));
                continue;
            }
            let near = |c: f64, target: f64| (c - target).abs() <= 1e-6 * target.abs();
            let slip = match relation {
                Relation::Scaled { factor } if near(factor, -1.0) => Some(Slip::Uphill),
                Relation::Scaled { factor } if near(factor, 1.0 / eta) => Some(Slip::NoEta),
                Relation::Scaled { factor } if near(factor, 0.1 / eta) => Some(Slip::FixedEta),
                _ => None,
            };
            verdict = Some(match slip {
                Some(slip) => Verdict::Slip { output: format!("the step taken, new {name} − old {name},"), slip, seen: seen(&relation) },
                None if relation == Relation::Zeros => Verdict::Wrong {
                    output: output.clone(),
                    relation: Relation::Zeros,
                    from_layer: Some("the parameters did not move: return the updated ones".into()),
                },
                None => wrong_or_shape(&output, relation),
            });
            break;
        }
        if let Some(verdict) = verdict {
            record!(finding("update", "eq. (6)–(7)", case, verdict, None));
        }
    }
    record!(finding("update", "eq. (6)–(7)", "2 steps".into(), Verdict::Right { noise: worst }, None));
    findings
}

/// A question's verdict: right, not answered (0), or wrong with the known wrong answers'
/// explanations.
fn question(given: usize, right: usize, known: &[(usize, String)]) -> Verdict {
    if given == right {
        return Verdict::Answered;
    }
    if given == 0 {
        return Verdict::NotAnswered;
    }
    let why = known
        .iter()
        .find(|(wrong, _)| *wrong == given)
        .map(|(_, why)| why.clone())
        .unwrap_or_else(|| format!("count again ({} than the right answer)", if given > right { "more" } else { "fewer" }));
    Verdict::WrongAnswer { given, why }
}

fn wrong_or_shape(output: &str, relation: Relation) -> Verdict {
    match relation {
        Relation::Shape { theirs, expected } => Verdict::Shape { output: output.into(), theirs, expected },

        relation => Verdict::Wrong { output: output.into(), relation, from_layer: None },
    }
}

/// The mean cross-entropy of the batch (eq. 3) from the scores, by burn's log-softmax.
fn loss(scores: Tensor<2>, y_star: &Tensor<2>) -> Tensor<1> {
    let tb = y_star.dims()[0] as f64;
    (y_star.clone().autodiff() * log_softmax(scores, 1)).sum().neg().div_scalar(tb)
}

/// `∂L/∂W` and `∂L/∂b` by burn's autodiff.
fn autodiff_logreg(x: &Tensor<2>, y_star: &Tensor<2>, w: &Tensor<2>, b: &Tensor<1>) -> (Tensor<2>, Tensor<1>) {
    let (w, b) = (w.clone().autodiff().require_grad(), b.clone().autodiff().require_grad());
    let grads = loss(x.clone().autodiff().matmul(w.clone()) + b.clone().unsqueeze(), y_star).backward();
    let missing = "burn's autodiff tracks both parameters";
    (w.grad(&grads).expect(missing), b.grad(&grads).expect(missing))
}

/// How far burn's autodiff is from five-point finite differences of the loss in f64, on
/// every bias and 20 weights: the reference's own check.
fn finite_difference_witness(batch: &Batch, w: &Tensor<2>, b: &Tensor<1>) -> f64 {
    let (x, y_star) = (&batch.images, &batch.y_star);
    let (right_w, right_b) = autodiff_logreg(x, y_star, w, b);
    let device = x.device();
    let (w0, b0) = (read(w).0, read(b).0);
    let loss_at = |w: &[f64], b: &[f64]| {
        let w = Tensor::<2>::from_data(TensorData::new(w.to_vec(), [PIXELS, CLASSES]), (&device, DType::F64));
        let b = Tensor::<1>::from_data(TensorData::new(b.to_vec(), [CLASSES]), (&device, DType::F64));
        let s = x.clone().matmul(w) + b.unsqueeze();
        (y_star.clone() * log_softmax(s, 1)).sum().neg().div_scalar(batch.len() as f64).into_scalar::<f64>()
    };
    let (gw, gb) = (read(&right_w).0, read(&right_b).0);
    let mut worst = 0f64;
    let scale = gw.iter().chain(&gb).fold(0f64, |m, v| m.max(v.abs()));
    for i in (0..PIXELS * CLASSES).step_by(PIXELS * CLASSES / 20).take(20) {
        let fd = central_difference(&|w: &[f64]| loss_at(w, &b0), &w0, i, 1e-3);
        worst = worst.max((fd - gw[i]).abs() / scale);
    }
    for (i, g) in gb.iter().enumerate() {
        let fd = central_difference(&|b: &[f64]| loss_at(&w0, b), &b0, i, 1e-3);
        worst = worst.max((fd - g).abs() / scale);
    }
    worst
}

/// Checks exercise 2 (after exercise 1 is right): sigmoid, forward, the four gradients.
pub fn exo2(answers: &Exo2, cases: &Cases) -> Vec<Finding> {
    let mut findings = Vec::new();
    let finding = |item: &'static str, equation: &'static str, case: String, verdict: Verdict, line: Option<u32>| Finding {
        exercise: 2,
        item,
        equation,
        file: answers.file,
        line: line.or_else(|| line_of(answers.source, item)),
        case,
        verdict,
    };
    macro_rules! record {
        ($f:expr) => {{
            let f = $f;
            let passed = f.passed();
            findings.push(f);
            if !passed {
                return findings;
            }
        }};
    }
    let sigma = |u: Tensor<2>| u.neg().exp().add_scalar(1.0).recip();

    let wh = cases.normal([PIXELS, HIDDEN], 1.0 / (PIXELS as f64).sqrt());
    let bh = cases.normal([HIDDEN], 0.5);
    let wy = cases.normal([HIDDEN, CLASSES], 1.0 / (HIDDEN as f64).sqrt());
    let by = cases.normal([CLASSES], 0.5);

    // sigmoid: the hidden layer's U, and values in the hundreds.
    let u = cases.real.images.clone().matmul(wh.clone()) + bh.clone().unsqueeze();
    let largest = u.clone().abs().max().into_scalar::<f64>();
    let mut worst = 0f64;
    for (u, case) in [
        (u.clone(), "U = X Wʰ + bʰ of 100 training images".to_string()),
        (u.clone().mul_scalar(800.0 / largest), "values in the hundreds (up to ±800)".to_string()),
    ] {
        let theirs = match attempt(answers.file, || (answers.sigmoid)(u.clone())) {
            Ok(t) => t,
            Err(failure) => {
                let (verdict, line) = crashed(failure, |_| None);
                record!(finding("sigmoid", "σ(u) = 1 / (1 + e⁻ᵘ)", case, verdict, line));
                unreachable!()
            }
        };
        match against(&theirs, &sigma(u)) {
            Against::Right(n) => worst = worst.max(n),
            Against::Off(relation) => record!(finding("sigmoid", "σ(u) = 1 / (1 + e⁻ᵘ)", case, wrong_or_shape("H", relation), None)),
        }
    }
    record!(finding("sigmoid", "σ(u) = 1 / (1 + e⁻ᵘ)", "2 cases".into(), Verdict::Right { noise: worst }, None));

    // forward: (H, Ŷ).
    let mut worst = 0f64;
    for (batch, case) in cases.batches() {
        let x = batch.images.clone();
        let theirs = attempt(answers.file, || (answers.forward)(x.clone(), wh.clone(), bh.clone(), wy.clone(), by.clone()));
        let (h, y_hat) = match theirs {
            Ok(t) => t,
            Err(failure) => {
                let (verdict, line) = crashed(failure, |_| None);
                record!(finding("forward", "H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)", case, verdict, line));
                unreachable!()
            }
        };
        let u = x.matmul(wh.clone()) + bh.clone().unsqueeze();
        let right_h = sigma(u.clone());
        let right_y = softmax(right_h.clone().matmul(wy.clone()) + by.clone().unsqueeze(), 1);
        let verdict = match (against(&h, &right_h), against(&y_hat, &right_y)) {
            (Against::Right(a), Against::Right(b)) => {
                worst = worst.max(a).max(b);
                continue;
            }
            (Against::Off(relation), _) => {
                if matches!(against(&h, &u), Against::Right(_)) {
                    Verdict::Slip { output: "H".into(), slip: Slip::ForwardNoSigmoid, seen: "U".into() }
                } else {
                    wrong_or_shape("H", relation)
                }
            }
            (_, Against::Off(relation)) => wrong_or_shape("Ŷ", relation),
        };
        record!(finding("forward", "H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)", case, verdict, None));
    }
    record!(finding("forward", "H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)", "3 batches".into(), Verdict::Right { noise: worst }, None));

    // gradients, against burn's autodiff; the output layer first, as the backward pass.
    let equation = "δʸ = Ŷ − Y*, δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), and the four gradients";
    let mut worst = 0f64;
    for (batch, case) in cases.batches().into_iter().take(2) {
        let (x, y_star) = (batch.images.clone(), batch.y_star.clone());
        let tb = batch.len();
        let h = sigma(x.clone().matmul(wh.clone()) + bh.clone().unsqueeze());
        let y_hat = softmax(h.clone().matmul(wy.clone()) + by.clone().unsqueeze(), 1);
        let right = autodiff_mlp(&x, &y_star, [&wh, &wy], [&bh, &by]);
        let theirs = attempt(answers.file, || (answers.gradients)(x.clone(), y_star.clone(), h.clone(), y_hat.clone(), wy.clone()));
        let theirs = match theirs {
            Ok(g) => g,
            Err(failure) => {
                let slip_of = |(lhs, rhs): &(Vec<usize>, Vec<usize>)| {
                    if lhs == &[tb, CLASSES] && rhs == &[HIDDEN, CLASSES] {
                        Some(Slip::WyNotTransposed)
                    } else if lhs == &[tb, PIXELS] {
                        Some(Slip::XNotTransposed)
                    } else {
                        None
                    }
                };
                let (verdict, line) = crashed(failure, slip_of);
                record!(finding("gradients", equation, case, verdict, line));
                unreachable!()
            }
        };
        // What a student's δʰ slips give, for the hidden layer's gradients.
        let back = (y_hat.clone() - y_star.clone()).matmul(wy.clone().transpose());
        let hidden_with = |delta_h: Tensor<2>| {
            let grad_w = x.clone().transpose().matmul(delta_h.clone()).div_scalar(tb as f64);
            let grad_b = delta_h.sum_dim(0).reshape([HIDDEN]).div_scalar(tb as f64);
            (read(&grad_w).0, read(&grad_b).0)
        };
        let sigma_h = sigma(h.clone());
        let candidates = [
            (Slip::NoSigmaPrime, hidden_with(back.clone())),
            (Slip::SigmaPrimeAtH, hidden_with(back.clone() * (sigma_h.clone() * sigma_h.neg().add_scalar(1.0)))),
        ];
        let outputs = [
            ("output", "∂L/∂Wʸ", read(&theirs.w_y), read(&right.w_y), vec![HIDDEN, CLASSES]),
            ("output", "∂L/∂bʸ", read(&theirs.b_y), read(&right.b_y), vec![CLASSES]),
            ("hidden", "∂L/∂Wʰ", read(&theirs.w_h), read(&right.w_h), vec![PIXELS, HIDDEN]),
            ("hidden", "∂L/∂bʰ", read(&theirs.b_h), read(&right.b_h), vec![HIDDEN]),
        ];
        let relations: Vec<(String, Relation)> = outputs
            .iter()
            .map(|(layer, _, t, r, shape)| (layer.to_string(), relate(&t.0, &t.1, &r.0, shape, NOISE)))
            .collect();
        let Some(k) = relations.iter().position(|(_, r)| !r.is_right()) else {
            for (_, _, t, r, _) in &outputs {
                worst = worst.max(noise(&t.0, &r.0));
            }
            continue;
        };
        let (layer, output, t, _, _) = &outputs[k];
        let relation = relations[k].1.clone();
        // A slip in δʰ shows in both of the hidden layer's gradients.
        let (tw, tb_) = (&outputs[2].2 .0, &outputs[3].2 .0);
        let in_delta_h = (*layer == "hidden")
            .then(|| candidates.iter().find(|(_, (cw, cb))| close(tw, cw, NOISE) && close(tb_, cb, NOISE)).map(|(s, _)| *s))
            .flatten();
        let slip = gradient_slip(&relation, tb).map(|s| (s, seen(&relation))).or_else(|| {
            in_delta_h.map(|s| (s, "what that δʰ gives, to float noise (∂L/∂bʰ too)".to_string()))
        });
        let verdict = match slip {
            Some((slip, seen)) => Verdict::Slip { output: output.to_string(), slip, seen },
            None if *output == "∂L/∂bʰ" && t.1 == [tb] => {
                Verdict::Slip { output: output.to_string(), slip: Slip::BiasWrongAxis, seen: format!("{tb} values, one per image") }
            }
            None => match wrong_or_shape(output, relation) {
                Verdict::Wrong { output, relation, .. } => {
                    // Reverse the module order for the backward pass: hidden first.
                    let in_order: Vec<(String, Relation)> = [2, 3, 0, 1].iter().map(|&i| relations[i].clone()).collect();
                    Verdict::Wrong { output, relation, from_layer: from_layer(&in_order).map(|f| f.to_string()) }
                }
                other => other,
            },
        };
        record!(finding("gradients", equation, case, verdict, None));
    }
    record!(finding("gradients", equation, "2 batches, against burn's autodiff".into(), Verdict::Right { noise: worst }, None));
    findings
}

/// The four gradients by burn's autodiff, σ written out (burn's own sigmoid rounds to f32).
fn autodiff_mlp(x: &Tensor<2>, y_star: &Tensor<2>, w: [&Tensor<2>; 2], b: [&Tensor<1>; 2]) -> crate::exo2::MlpGradients {
    mlp_autodiff(w, b, |wh, bh, wy, by| {
        let u = x.clone().autodiff().matmul(wh) + bh.unsqueeze();
        let h = u.neg().exp().add_scalar(1.0).recip();
        loss(h.matmul(wy) + by.unsqueeze(), y_star)
    })
}

/// The MLP's four gradients: burn's autodiff of `loss`, a function of the tracked Wʰ, bʰ, Wʸ, bʸ.
pub(crate) fn mlp_autodiff(
    w: [&Tensor<2>; 2],
    b: [&Tensor<1>; 2],
    loss: impl FnOnce(Tensor<2>, Tensor<1>, Tensor<2>, Tensor<1>) -> Tensor<1>,
) -> crate::exo2::MlpGradients {
    let track2 = |t: &Tensor<2>| t.clone().autodiff().require_grad();
    let track1 = |t: &Tensor<1>| t.clone().autodiff().require_grad();
    let (wh, wy, bh, by) = (track2(w[0]), track2(w[1]), track1(b[0]), track1(b[1]));
    let grads = loss(wh.clone(), bh.clone(), wy.clone(), by.clone()).backward();
    let missing = "burn's autodiff tracks every parameter";
    crate::exo2::MlpGradients {
        w_h: wh.grad(&grads).expect(missing),
        b_h: bh.grad(&grads).expect(missing),
        w_y: wy.grad(&grads).expect(missing),
        b_y: by.grad(&grads).expect(missing),
    }
}

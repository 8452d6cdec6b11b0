//! Exercise 1's steps, in the lab's order: the question of exercise 0, eq. (1), the forward
//! pass, the questions after eq. (1) and (3), δʸ, eq. (4)–(5), eq. (6)–(7).

use burn::tensor::Tensor;
use burn::tensor::activation::softmax as right_softmax;
use burn_gradcheck::relate;
use lesson::data::{CLASSES, PIXELS};
use lesson::slips::{Alternative, Lang, Step as SlipStep, Text};

use super::compare::{Against, Evidence, against, noise, read, same, same_overflowing, verdict};
use super::{Cases, Checked, Ctx, NOISE, Step, Stop, Tally, count, questions, reference};
use crate::answers::Exo1;

/// Exercise 1, step by step.
pub const STEPS: [Step<Exo1>; 9] = [
    Step { item: "IMAGE_SPACE_DIMENSION", equation: Text { en: "exercise 0's question", fr: "la question de l'exercice 0" }, check: image_space },
    Step { item: "softmax", equation: Text { en: "eq. (1)", fr: "éq. (1)" }, check: softmax },
    Step { item: "forward", equation: Text { en: "Ŷ = softmax(XW + b)", fr: "Ŷ = softmax(XW + b)" }, check: forward },
    Step { item: "NUMBER_OF_PARAMETERS", equation: Text { en: "the question after eq. (1)", fr: "la question après l'éq. (1)" }, check: parameters },
    Step { item: "COST_IS_CONVEX", equation: Text { en: "the question after eq. (3)", fr: "la question après l'éq. (3)" }, check: convex },
    Step {
        item: "CONVERGES_TO_GLOBAL_MINIMUM",
        equation: Text { en: "the question after eq. (3)", fr: "la question après l'éq. (3)" },
        check: global_minimum,
    },
    Step { item: "delta_y", equation: Text { en: "δʸ = ∂L/∂s = Ŷ − Y*", fr: "δʸ = ∂L/∂s = Ŷ − Y*" }, check: delta_y },
    Step { item: "gradients", equation: Text { en: "eq. (4)–(5)", fr: "éq. (4)–(5)" }, check: gradients },
    Step { item: "update", equation: Text { en: "eq. (6)–(7)", fr: "éq. (6)–(7)" }, check: update },
];

fn image_space(a: &Exo1, _: &Cases, lang: Lang) -> Checked {
    questions::number(a.image_space_dimension, PIXELS, &questions::IMAGE_SPACE, lang)
}

fn parameters(a: &Exo1, _: &Cases, lang: Lang) -> Checked {
    questions::number(a.number_of_parameters, PIXELS * CLASSES + CLASSES, &questions::PARAMETERS, lang)
}

fn convex(a: &Exo1, _: &Cases, lang: Lang) -> Checked {
    questions::yes_no(a.cost_is_convex, true, questions::CONVEX, lang)
}

fn global_minimum(a: &Exo1, _: &Cases, lang: Lang) -> Checked {
    questions::yes_no(a.converges_to_global_minimum, true, questions::GLOBAL_MINIMUM, lang)
}

/// The scores `XW + b` of the first batch.
fn scores(c: &Cases) -> Tensor<2> {
    c.real.images.clone().matmul(c.w.clone()) + c.b.clone().unsqueeze()
}

/// The lab's own softmax, `E = np.exp(S); E / E.sum(axis=1)`: right until e^s overflows.
fn unshifted(s: &Tensor<2>) -> Tensor<2> {
    let e = s.clone().exp();
    e.clone() / e.sum_dim(1)
}

/// Eq. (1) on real scores, on scores in the hundreds (past e^709, f64 overflows: the lab's own
/// softmax is right but for them, a warning), and on one image's.
fn softmax(a: &Exo1, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Softmax, lang };
    let s = scores(c);
    let (top, bottom) = (s.clone().max().into_scalar::<f64>(), s.clone().min().into_scalar::<f64>());
    let extreme = if top >= -bottom { top } else { bottom };
    let softmax_cases = [
        (s.clone(), lang.pick("the scores XW + b of 100 training images", "les scores XW + b de 100 images d'apprentissage"), false),
        (s.clone().mul_scalar(800.0 / extreme), lang.pick("scores in the hundreds (up to ±800)", "des scores de plusieurs centaines (jusqu'à ±800)"), true),
        (s.slice([0..1, 0..CLASSES]), lang.pick("the scores of one image", "les scores d'une seule image"), false),
    ];
    let mut tally = Tally::default();
    for (s, case, large) in softmax_cases {
        let theirs = ctx.call(case, s.dims()[0], || (a.softmax)(s.clone()))?;
        match against(&theirs, &right_softmax(s.clone(), 1)) {
            Against::Right(n) => tally.right(n),
            Against::Off(relation) => {
                let matches = |alt| match alt {
                    Alternative::SoftmaxOverBatch => same(&theirs, &right_softmax(s.clone(), 0)),
                    Alternative::UnshiftedSoftmax => large && same_overflowing(&theirs, &unshifted(&s)),
                    _ => false,
                };
                let ev = Evidence { step: ctx.step, output: "Ŷ", relation: &relation, shape: &theirs.dims(), tb: s.dims()[0], eta: 0.0, matches: &matches };
                ctx.judge(&ev, case, &mut tally)?;
            }
        }
    }
    tally.passed(count(3, "cases", "cas", lang))
}

/// `Ŷ = softmax(XW + b)` on the three batches.
fn forward(a: &Exo1, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Forward, lang };
    let mut tally = Tally::default();
    for (batch, case) in c.batches(lang) {
        let x = batch.images.clone();
        let theirs = ctx.call(&case, batch.len(), || (a.forward)(x.clone(), c.w.clone(), c.b.clone()))?;
        let xw = x.matmul(c.w.clone());
        let with_bias = xw.clone() + c.b.clone().unsqueeze();
        match against(&theirs, &right_softmax(with_bias.clone(), 1)) {
            Against::Right(n) => tally.right(n),
            Against::Off(relation) => {
                let matches = |alt| match alt {
                    Alternative::SoftmaxWithoutBias => same(&theirs, &right_softmax(xw.clone(), 1)),
                    Alternative::Scores => same(&theirs, &with_bias),
                    _ => false,
                };
                let ev = Evidence { step: ctx.step, output: "Ŷ", relation: &relation, shape: &theirs.dims(), tb: batch.len(), eta: 0.0, matches: &matches };
                ctx.judge(&ev, &case, &mut tally)?;
            }
        }
    }
    tally.passed(count(3, "batches", "batchs", lang))
}

/// δʸ from Ŷ and Y*, against burn's autodiff of each image's cross-entropy with respect to
/// its scores.
fn delta_y(a: &Exo1, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::DeltaY, lang };
    let mut tally = Tally::default();
    for (batch, case) in c.batches(lang) {
        let s = batch.images.clone().matmul(c.w.clone()) + c.b.clone().unsqueeze();
        let y_hat = right_softmax(s.clone(), 1);
        let theirs = ctx.call(&case, batch.len(), || (a.delta_y)(y_hat.clone(), batch.y_star.clone()))?;
        let right = reference::delta_y(&s, &batch.y_star);
        stop_unless_right(&ctx, &case, "δʸ", &theirs, &right, batch.len(), &mut tally)?;
    }
    tally.passed(count(3, "batches, against burn's autodiff", "batchs, contre l'autodiff de burn", lang))
}

/// One gradient against the right one: right (noted in `tally`), or the step stops there.
fn stop_unless_right<const D: usize>(ctx: &Ctx, case: &str, output: &str, theirs: &Tensor<D>, right: &Tensor<D>, tb: usize, tally: &mut Tally) -> Result<(), Box<Stop>> {
    let ((t, ts), (r, rs)) = (read(theirs), read(right));
    let relation = relate(&t, &ts, &r, &rs, NOISE);
    if relation.is_right() {
        tally.right(noise(&t, &r));
        return Ok(());
    }
    let ev = Evidence { step: ctx.step, output, relation: &relation, shape: &ts, tb, eta: 0.0, matches: &|_| false };
    Err(Stop::at(case, verdict(&ev, ctx.lang)))
}

/// Eq. (4)–(5) on the three batches, against burn's autodiff (itself checked against finite
/// differences).
fn gradients(a: &Exo1, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Gradients, lang };
    let mut tally = Tally::default();
    for (batch, case) in c.batches(lang) {
        let (x, y_star) = (batch.images.clone(), batch.y_star.clone());
        let y_hat = right_softmax(x.clone().matmul(c.w.clone()) + c.b.clone().unsqueeze(), 1);
        let (grad_w, grad_b) = ctx.call(&case, batch.len(), || (a.gradients)(x.clone(), y_star.clone(), y_hat.clone()))?;
        let (right_w, right_b) = reference::logreg(&x, &y_star, &c.w, &c.b);
        stop_unless_right(&ctx, &case, "∂L/∂W", &grad_w, &right_w, batch.len(), &mut tally)?;
        stop_unless_right(&ctx, &case, "∂L/∂b", &grad_b, &right_b, batch.len(), &mut tally)?;
    }
    let witness = reference::finite_difference_witness(&c.real, &c.w, &c.b);
    tally.passed(lang.pick(
        format!("3 batches, against burn's autodiff (which agrees with f64 finite differences to {witness:.0e})"),
        format!("3 batchs, contre l'autodiff de burn (qui s'accorde avec les différences finies en f64 à {witness:.0e} près)"),
    ))
}

/// Eq. (6)–(7) for two η: the step taken, new − old, against −η ∂L/∂θ.
fn update(a: &Exo1, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Update, lang };
    let mut tally = Tally::default();
    for eta in [0.1, 0.05] {
        let case = lang.pick(
            format!("W, b and gradients drawn at random, η = {eta}"),
            format!("W, b et gradients tirés au hasard, η = {eta}"),
        );
        // No batch here: the update's detectors (−1, 1/η, 0.1/η) need no tb.
        let (new_w, new_b) = ctx.call(&case, 100, || (a.update)(c.w.clone(), c.b.clone(), c.grad_w.clone(), c.grad_b.clone(), eta))?;
        step_taken(&ctx, &case, "W", (&new_w, &c.w, &c.grad_w), eta, &mut tally)?;
        step_taken(&ctx, &case, "b", (&new_b, &c.b, &c.grad_b), eta, &mut tally)?;
    }
    tally.passed(count(2, "steps", "pas", lang))
}

/// One parameter's update: the step it took against `−η ∂L/∂θ`; what is wrong is always
/// said of the step, new − old.
fn step_taken<const D: usize>(ctx: &Ctx, case: &str, name: &str, (new, old, grad): (&Tensor<D>, &Tensor<D>, &Tensor<D>), eta: f64, tally: &mut Tally) -> Result<(), Box<Stop>> {
    let (theirs, before) = (read(new), read(old));
    if theirs.1 != before.1 {
        let output = ctx.lang.pick(format!("the new {name}"), format!("le nouveau {name}"));
        let verdict = super::Verdict::Shape { output, theirs: theirs.1, expected: before.1 };
        return Err(Stop::at(case, verdict));
    }
    let step: Vec<f64> = theirs.0.iter().zip(&before.0).map(|(t, o)| t - o).collect();
    let right: Vec<f64> = read(grad).0.iter().map(|g| -eta * g).collect();
    let relation = relate(&step, &theirs.1, &right, &before.1, NOISE);
    if relation.is_right() {
        let right_new: Vec<f64> = before.0.iter().zip(&right).map(|(o, s)| o + s).collect();
        tally.right(noise(&theirs.0, &right_new));
        return Ok(());
    }
    let output = ctx.lang.pick(format!("the step taken, new {name} − old {name},"), format!("le pas effectué, nouveau {name} − ancien {name},"));
    let ev = Evidence { step: ctx.step, output: &output, relation: &relation, shape: &theirs.1, tb: 100, eta, matches: &|_| false };
    Err(Stop::at(case, verdict(&ev, ctx.lang)))
}

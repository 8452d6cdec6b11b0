//! Exercise 2's steps: σ, the forward pass `(H, Ŷ)`, and the four gradients — the output
//! layer first, as the backward pass meets them.

use burn::tensor::Tensor;
use burn::tensor::activation::softmax;
use burn_gradcheck::{Relation, from_layer, relate};
use lab::exo2::MlpGradients;
use lesson::data::Batch;
use lesson::slips::{Alternative, Lang, Step as SlipStep, Text};

use super::compare::{Against, Evidence, against, from_layer_words, noise, read, same, verdict, wrong_or_shape};
use super::{Cases, Checked, Ctx, HIDDEN, NOISE, Step, Stop, Tally, Verdict, count, reference};
use crate::answers::Exo2;

/// Exercise 2, step by step.
pub const STEPS: [Step<Exo2>; 3] = [
    Step { item: "sigmoid", equation: Text { en: "σ(u) = 1 / (1 + e⁻ᵘ)", fr: "σ(u) = 1 / (1 + e⁻ᵘ)" }, check: sigmoid },
    Step {
        item: "forward",
        equation: Text { en: "H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)", fr: "H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)" },
        check: forward,
    },
    Step {
        item: "gradients",
        equation: Text {
            en: "δʸ = Ŷ − Y*, δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), and the four gradients",
            fr: "δʸ = Ŷ − Y*, δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), et les quatre gradients",
        },
        check: gradients,
    },
];

/// σ written out (burn's own sigmoid rounds to f32).
fn sigma(u: Tensor<2>) -> Tensor<2> {
    u.neg().exp().add_scalar(1.0).recip()
}

/// The hidden layer's scores `U = X Wʰ + bʰ`.
fn hidden_scores(x: &Tensor<2>, c: &Cases) -> Tensor<2> {
    x.clone().matmul(c.wh.clone()) + c.bh.clone().unsqueeze()
}

/// σ on the hidden layer's U, and on values in the hundreds.
fn sigmoid(a: &Exo2, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Sigmoid, lang };
    let u = hidden_scores(&c.real.images, c);
    let largest = u.clone().abs().max().into_scalar::<f64>();
    let mut tally = Tally::default();
    for (u, case) in [
        (u.clone(), lang.pick("U = X Wʰ + bʰ of 100 training images", "U = X Wʰ + bʰ de 100 images d'apprentissage")),
        (u.mul_scalar(800.0 / largest), lang.pick("values in the hundreds (up to ±800)", "des valeurs de plusieurs centaines (jusqu'à ±800)")),
    ] {
        let theirs = ctx.call(case, 100, || (a.sigmoid)(u.clone()))?;
        match against(&theirs, &sigma(u)) {
            Against::Right(n) => tally.right(n),
            Against::Off(relation) => return Err(Stop::at(case, wrong_or_shape("H", relation, lang))),
        }
    }
    tally.passed(count(2, "cases", "cas", lang))
}

/// `(H, Ŷ)` on the three batches.
fn forward(a: &Exo2, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Forward2, lang };
    let mut tally = Tally::default();
    for (batch, case) in c.batches(lang) {
        let x = batch.images.clone();
        let (h, y_hat) = ctx.call(&case, batch.len(), || (a.forward)(x.clone(), c.wh.clone(), c.bh.clone(), c.wy.clone(), c.by.clone()))?;
        let u = hidden_scores(&x, c);
        let right_h = sigma(u.clone());
        let right_y = softmax(right_h.clone().matmul(c.wy.clone()) + c.by.clone().unsqueeze(), 1);
        match (against(&h, &right_h), against(&y_hat, &right_y)) {
            (Against::Right(nh), Against::Right(ny)) => tally.right(nh.max(ny)),
            (Against::Off(relation), _) => {
                let matches = |alt| alt == Alternative::HiddenScores && same(&h, &u);
                let ev = Evidence { step: ctx.step, output: "H", relation: &relation, shape: &h.dims(), tb: batch.len(), eta: 0.0, matches: &matches };
                ctx.judge(&ev, &case, &mut tally)?;
            }
            (_, Against::Off(relation)) => return Err(Stop::at(case, wrong_or_shape("Ŷ", relation, lang))),
        }
    }
    tally.passed(count(3, "batches", "batchs", lang))
}

/// The four gradients on two batches, against burn's autodiff.
fn gradients(a: &Exo2, c: &Cases, lang: Lang) -> Checked {
    let ctx = Ctx { file: a.file, step: SlipStep::Gradients2, lang };
    let mut tally = Tally::default();
    for (batch, case) in c.batches(lang).into_iter().take(2) {
        let (x, y_star) = (batch.images.clone(), batch.y_star.clone());
        let h = sigma(hidden_scores(&x, c));
        let y_hat = softmax(h.clone().matmul(c.wy.clone()) + c.by.clone().unsqueeze(), 1);
        let theirs = ctx.call(&case, batch.len(), || (a.gradients)(x.clone(), y_star.clone(), h.clone(), y_hat.clone(), c.wy.clone()))?;
        let right = reference::mlp(&x, &y_star, [&c.wh, &c.wy], [&c.bh, &c.by]);
        let slips = HiddenSlips::new(batch, c, &h, &y_hat);
        four(&ctx, &case, batch.len(), &theirs, &right, &slips, &mut tally)?;
    }
    tally.passed(count(2, "batches, against burn's autodiff", "batchs, contre l'autodiff de burn", lang))
}

/// The four gradients in the backward pass's order (output layer first), against the right
/// ones: the first one off stops the step, with the layer it goes wrong from.
fn four(ctx: &Ctx, case: &str, tb: usize, theirs: &MlpGradients, right: &MlpGradients, slips: &HiddenSlips, tally: &mut Tally) -> Result<(), Box<Stop>> {
    let outputs = [
        ("output", "∂L/∂Wʸ", read(&theirs.w_y), read(&right.w_y)),
        ("output", "∂L/∂bʸ", read(&theirs.b_y), read(&right.b_y)),
        ("hidden", "∂L/∂Wʰ", read(&theirs.w_h), read(&right.w_h)),
        ("hidden", "∂L/∂bʰ", read(&theirs.b_h), read(&right.b_h)),
    ];
    let relations: Vec<(String, Relation)> =
        outputs.iter().map(|(layer, _, t, r)| (layer.to_string(), relate(&t.0, &t.1, &r.0, &r.1, NOISE))).collect();
    let Some(k) = relations.iter().position(|(_, r)| !r.is_right()) else {
        outputs.iter().for_each(|(_, _, t, r)| tally.right(noise(&t.0, &r.0)));
        return Ok(());
    };
    let (layer, output, t, _) = &outputs[k];
    let hidden = (&outputs[2].2 .0, &outputs[3].2 .0);
    let matches = |alt| *layer == "hidden" && slips.matches(alt, hidden);
    let ev = Evidence { step: ctx.step, output, relation: &relations[k].1, shape: &t.1, tb, eta: 0.0, matches: &matches };
    let verdict = match verdict(&ev, ctx.lang) {
        Verdict::Wrong { output, relation, seen, .. } => {
            // The module's order, first layer first, for from_layer.
            let in_order: Vec<(String, Relation)> = [2, 3, 0, 1].iter().map(|&i| relations[i].clone()).collect();
            let from_layer = from_layer(&in_order).map(|f| from_layer_words(&f, ctx.lang));
            Verdict::Wrong { output, relation, seen, from_layer }
        }
        other => other,
    };
    Err(Stop::at(case, verdict))
}

/// What the hidden layer's gradients are with a slip in δʰ.
struct HiddenSlips {
    without_sigma_prime: (Vec<f64>, Vec<f64>),
    sigma_prime_at_h: (Vec<f64>, Vec<f64>),
}

impl HiddenSlips {
    fn new(batch: &Batch, c: &Cases, h: &Tensor<2>, y_hat: &Tensor<2>) -> Self {
        let (x, tb) = (&batch.images, batch.len() as f64);
        let back = (y_hat.clone() - batch.y_star.clone()).matmul(c.wy.clone().transpose());
        let hidden_with = |delta_h: Tensor<2>| {
            let grad_w = x.clone().transpose().matmul(delta_h.clone()).div_scalar(tb);
            let grad_b = delta_h.sum_dim(0).reshape([HIDDEN]).div_scalar(tb);
            (read(&grad_w).0, read(&grad_b).0)
        };
        let sigma_h = sigma(h.clone());
        Self {
            without_sigma_prime: hidden_with(back.clone()),
            sigma_prime_at_h: hidden_with(back * (sigma_h.clone() * sigma_h.neg().add_scalar(1.0))),
        }
    }

    /// Whether both of the hidden layer's gradients are what the slip gives.
    fn matches(&self, alternative: Alternative, (w, b): (&Vec<f64>, &Vec<f64>)) -> bool {
        let (cw, cb) = match alternative {
            Alternative::HiddenWithoutSigmaPrime => &self.without_sigma_prime,
            Alternative::HiddenSigmaPrimeAtH => &self.sigma_prime_at_h,
            _ => return false,
        };
        burn_gradcheck::diagnose::close(w, cw, NOISE) && burn_gradcheck::diagnose::close(b, cb, NOISE)
    }
}

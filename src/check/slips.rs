//! The mistakes students make in the backward pass, for `gradcheck --inject-bug` to catch:
//! each model's backward pass as a student writes it, with the slip on its own line beside
//! the right formula. The real backward passes (lesson/src/model) know nothing of them.

use burn::optim::GradientsParams;
use burn::tensor::Tensor;

use crate::data::Batch;
use crate::model::loss::{softmax, sum_over_batch};
use crate::model::{AnalyticGradients, Inspect, LogisticRegression, Mlp, Model};

pub use lesson::slips::Slip;

/// The slips of the lab's catalog (lesson::slips) that `--inject-bug` can make: those with a
/// line in handgrad's backward passes, under the catalog's names.
pub const INJECTABLE: [Slip; 5] =
    [Slip::NoMean, Slip::Sign, Slip::ReshapeNotTranspose, Slip::SoftmaxOverBatch, Slip::NoSigmaPrime];

/// A model whose backward pass a student can get wrong in these ways.
pub trait Slippable: AnalyticGradients + Inspect {
    /// Its gradients on `batch` with `slip` made, or `None` when the slip has no line in this
    /// model (σ' in the logistic regression).
    fn with_slip(&self, batch: &Batch, slip: Slip) -> Option<GradientsParams>;
}

impl Slippable for LogisticRegression {
    fn with_slip(&self, batch: &Batch, slip: Slip) -> Option<GradientsParams> {
        (slip != Slip::NoSigmaPrime).then(|| logreg(self, batch, slip))
    }
}

impl Slippable for Mlp {
    fn with_slip(&self, batch: &Batch, slip: Slip) -> Option<GradientsParams> {
        Some(mlp(self, batch, slip))
    }
}

impl Slippable for Model {
    fn with_slip(&self, batch: &Batch, slip: Slip) -> Option<GradientsParams> {
        match self {
            Model::Logreg(m) => m.with_slip(batch, slip),
            Model::Mlp(m) => m.with_slip(batch, slip),
        }
    }
}

/// `Δ = Ŷ − Y*` from the scores `S`, as a student with `slip` writes it.
fn output_error(s: Tensor<2>, y_star: Tensor<2>, slip: Slip) -> Tensor<2> {
    match slip {
        Slip::Sign => y_star - softmax(s).0, //                          Y* − Ŷ
        Slip::SoftmaxOverBatch => {
            let e = (s.clone() - s.max_dim(0)).exp(); //                 numpy's sum(axis=0):
            e.clone() / e.sum_dim(0) - y_star //                         over the batch
        }
        _ => softmax(s).0 - y_star, //                                    Ŷ − Y*, right
    }
}

/// A first layer's `∂L/∂W = (1/tb) Xᵀ δ` (computed as `(δᵀ X)ᵀ`, like the lesson) and
/// `∂L/∂b = (1/tb) Σᵢ δᵢ`, from its input `X` and its error `δ`, as a student with `slip`
/// writes them.
fn layer_gradients(x: Tensor<2>, delta: Tensor<2>, slip: Slip) -> (Tensor<2>, Tensor<1>) {
    let [tb, d_in] = x.dims();
    let delta_t_x = delta.clone().transpose().matmul(x);
    let (grad_w, grad_b) = match slip {
        Slip::ReshapeNotTranspose => (delta_t_x.reshape([d_in, delta.dims()[1]]), sum_over_batch(delta)), // reshaped
        _ => (delta_t_x.transpose(), sum_over_batch(delta)), //                                      transposed
    };
    match slip {
        Slip::NoMean => (grad_w, grad_b), //                                     Σ over the batch
        _ => (grad_w.div_scalar(tb as f64), grad_b.div_scalar(tb as f64)), //   the mean: 1/tb
    }
}

/// The logistic regression's gradients (eq. 4–5) with `slip` made.
fn logreg(model: &LogisticRegression, batch: &Batch, slip: Slip) -> GradientsParams {
    let x = batch.images.clone();
    let delta = output_error(model.linear.forward(x.clone()), batch.y_star.clone(), slip);
    let (grad_w, grad_b) = layer_gradients(x, delta, slip);
    let mut grads = GradientsParams::new();
    grads.register(model.linear.weight.id, grad_w);
    if let Some(bias) = &model.linear.bias {
        grads.register(bias.id, grad_b);
    }
    grads
}

/// The perceptron's gradients with `slip` made. The transpose slip is made in the first
/// layer only (its Wʰ is 784 × L, where δʰᵀ X reshaped is a plausible wrong answer).
fn mlp(model: &Mlp, batch: &Batch, slip: Slip) -> GradientsParams {
    let x = batch.images.clone();
    let (h, dh) = model.activate(model.hidden.forward(x.clone()));
    let delta_y = output_error(model.output.forward(h.clone()), batch.y_star.clone(), slip);
    // The output layer as the lesson computes it (Hᵀ δʸ), with the slips that reach it.
    let mean = if slip == Slip::NoMean { 1.0 } else { batch.len() as f64 };
    let grad_wy = h.transpose().matmul(delta_y.clone()).div_scalar(mean);
    let grad_by = sum_over_batch(delta_y.clone()).div_scalar(mean);
    let back = delta_y.matmul(model.wy().transpose());
    let delta_h = match slip {
        Slip::NoSigmaPrime => back, //                                    no ⊙ σ'(U)
        _ => back * dh, //                                                δʰ = (δʸ Wʸᵀ) ⊙ σ'(U)
    };
    let (grad_wh, grad_bh) = layer_gradients(x, delta_h, slip);
    let mut grads = GradientsParams::new();
    grads.register(model.hidden.weight.id, grad_wh);
    grads.register(model.output.weight.id, grad_wy);
    if let (Some(bh), Some(by)) = (&model.hidden.bias, &model.output.bias) {
        grads.register(bh.id, grad_bh);
        grads.register(by.id, grad_by);
    }
    grads
}

#[cfg(test)]
mod tests {
    use burn::module::{Module, Param};
    use burn::tensor::Tensor;

    use super::*;
    use crate::backend::Backend;
    use crate::data::{PIXELS, Split};
    use crate::model::{Activation, Architecture, Init};
    use lesson::shuffle::SplitMix64;

    /// Each parameter's gradient, as f32 values, in the module's order.
    fn values(grads: &GradientsParams, model: &Model) -> Vec<Vec<f32>> {
        struct Collect<'a>(&'a GradientsParams, Vec<Vec<f32>>);
        impl burn::module::ModuleVisitor for Collect<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let grad = self.0.get::<D>(param.id).expect("every parameter has a gradient");
                self.1.push(grad.into_data().iter::<f32>().collect());
            }
        }
        let mut collect = Collect(grads, Vec::new());
        model.visit(&mut collect);
        collect.1
    }

    /// The slips `--inject-bug` makes are rows of the lab's one catalog, by the same names, each
    /// made in a gradient step there.
    #[test]
    fn the_injectable_slips_are_the_labs_catalog_rows() {
        use lesson::slips::{CATALOG, Step};
        for slip in INJECTABLE {
            let row = CATALOG.iter().find(|r| r.slip == slip).expect("a row of the catalog");
            assert_eq!(Slip::named(row.name), Some(slip));
            assert!(row.steps.iter().any(|s| matches!(s, Step::Softmax | Step::Gradients | Step::Gradients2)), "{}", row.name);
        }
        let names: Vec<&str> = INJECTABLE.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["no-mean", "sign", "reshape-not-transpose", "softmax-over-batch", "no-sigma-prime"]);
    }

    /// Every slip changes the gradient of every model it has a line in, and only the
    /// parameters it touches; σ' has no line in the logistic regression.
    #[test]
    fn each_slip_changes_what_it_touches() {
        let device = Backend::default_backend().unwrap().device();
        let mut rng = SplitMix64::new(7);
        let pixels: Vec<u8> = (0..20 * PIXELS).map(|_| rng.below(256) as u8).collect();
        let labels: Vec<u8> = (0..20).map(|_| rng.below(10) as u8).collect();
        let batch = Batch::gather(&Split::new(pixels, labels), &(0..20).collect::<Vec<_>>(), &device);
        device.seed(3);
        let logreg = Architecture::Logreg.init(Init::Normal, &device);
        let mlp = Architecture::Mlp { hidden: 7, activation: Activation::Sigmoid }.init(Init::Normal, &device);
        // Which parameters each slip changes, in the module's order (W, b / Wh, bh, Wy, by).
        let touched = |slip: Slip, is_mlp: bool| -> Vec<bool> {
            match (slip, is_mlp) {
                (Slip::ReshapeNotTranspose, false) => vec![true, false],
                (Slip::ReshapeNotTranspose, true) => vec![true, false, false, false],
                (Slip::NoSigmaPrime, true) => vec![true, true, false, false],
                (_, false) => vec![true, true],
                (_, true) => vec![true, true, true, true],
            }
        };
        for (model, is_mlp) in [(&logreg, false), (&mlp, true)] {
            let real = values(&model.analytic_gradients(&batch).grads, model);
            for slip in INJECTABLE {
                let Some(slipped) = model.with_slip(&batch, slip) else {
                    assert_eq!((slip, is_mlp), (Slip::NoSigmaPrime, false));
                    continue;
                };
                let slipped = values(&slipped, model);
                for ((r, s), touched) in real.iter().zip(&slipped).zip(touched(slip, is_mlp)) {
                    let largest = r.iter().chain(s).fold(0f32, |m, v| m.max(v.abs()));
                    let off = r.iter().zip(s).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
                    assert_eq!(off > 1e-4 * largest, touched, "{slip:?} in {}", model.kind());
                }
            }
        }
    }
}

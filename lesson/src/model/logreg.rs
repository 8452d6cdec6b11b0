//! Exercise 1: logistic regression, one burn `Linear` layer 784 → 10 — its forward pass and,
//! right below, its gradients written by hand (eq. 4–5).
//!
//! `Linear` stores its weight as `[d_input, d_output]`, which is exactly the lab's `W`
//! (784 × 10, one column `w_c` per class), and its bias as the lab's `b` (10 values).

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

use super::inside::{Inside, Inspect, Templates, TemplatesOf, to_vec};
use super::loss::{cross_entropy, softmax, sum_over_batch};
use super::{AnalyticGradients, Classifier, Init, StepGradients};
use crate::data::{Batch, CLASSES, PIXELS};

/// Logistic regression: `Ŷ = softmax(XW + b)` (eq. 1).
#[derive(Module, Debug)]
pub struct LogisticRegression {
    /// `W` is `linear.weight` (784 × 10) and `b` is `linear.bias` (10).
    pub linear: Linear,
}

impl LogisticRegression {
    /// A new model on `device`, initialized as asked.
    pub fn new(init: Init, device: &Device) -> Self {
        let initializer = match init {
            Init::Zeros => Initializer::Zeros,
            Init::Normal => Initializer::Normal {
                mean: 0.0,
                std: 1.0 / (PIXELS as f64).sqrt(),
            },
        };
        let linear = LinearConfig::new(PIXELS, CLASSES)
            .with_initializer(initializer)
            .init(device);
        Self { linear }
    }

    /// A model with the given `W` (784 × 10) and `b` (10).
    pub fn from_parameters(w: Tensor<2>, b: Tensor<1>) -> Self {
        Self {
            linear: Linear {
                weight: Param::from_tensor(w),
                bias: Some(Param::from_tensor(b)),
            },
        }
    }

    /// `W`, 784 × 10.
    pub fn w(&self) -> Tensor<2> {
        self.linear.weight.val()
    }

    /// `b`, 10 values.
    pub fn b(&self) -> Tensor<1> {
        // LinearConfig::init always creates the bias (bias = true by default).
        self.linear.bias.as_ref().map(Param::val).expect("the layer has a bias")
    }
}

impl Classifier for LogisticRegression {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        self.linear.forward(x) //                                    S = XW + b
    }
}

impl AnalyticGradients for LogisticRegression {
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients {
        let (x, y_star) = (batch.images.clone(), batch.y_star.clone());

        // Forward: S = XW + b, Ŷ = softmax(S)                           (eq. 1)
        let (y_hat, log_y_hat) = softmax(self.logits(x.clone()));
        // Backward: ∂L/∂W and ∂L/∂b                                     (eq. 4–5)
        let (grad_w, grad_b) = gradients(x, y_star.clone(), y_hat);

        let mut grads = GradientsParams::new();
        grads.register(self.linear.weight.id, grad_w);
        if let Some(bias) = &self.linear.bias {
            grads.register(bias.id, grad_b);
        }
        StepGradients {
            grads,
            loss: cross_entropy(log_y_hat, y_star), //                    L, eq. (3)
        }
    }
}

/// The backward pass of eq. (4)–(5) from a batch `X` (tb × 784), its one-hot labels `Y*` and
/// the prediction `Ŷ` (tb × 10): `(∂L/∂W, ∂L/∂b)`. The lab's step 1 of the backward pass, in
/// its own signature (the `lab` crate's exercise asks for exactly this function).
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, y_hat: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    let tb = x.dims()[0] as f64;
    // Δ = Ŷ − Y*, the error at the scores
    let delta = y_hat - y_star;
    // ∂L/∂W = (1/tb) Xᵀ Δ                                               (eq. 4)
    //   computed as (Δᵀ X)ᵀ, the same matrix: the product then reads X row by row, which
    //   burn-ndarray does without first copying Xᵀ (see the README's Performance).
    let grad_w = delta.clone().transpose().matmul(x).transpose().div_scalar(tb);
    // ∂L/∂b = (1/tb) Σᵢ δᵢ                                              (eq. 5)
    let grad_b = sum_over_batch(delta).div_scalar(tb);
    (grad_w, grad_b)
}

impl Inspect for LogisticRegression {
    fn kind(&self) -> &'static str {
        "logreg"
    }

    fn parameter_names(&self) -> Vec<(burn::module::ParamId, &'static str)> {
        let mut names = vec![(self.linear.weight.id, "W")];
        names.extend(self.linear.bias.as_ref().map(|b| (b.id, "b")));
        names
    }

    /// The columns of `W`: class `c`'s template `w_c`, which its score is read off.
    fn templates(&self) -> Templates {
        Templates { values: to_vec(self.w()), count: CLASSES, of: TemplatesOf::Classes }
    }

    /// Each score taken apart pixel by pixel: `s_c = Σ_i x_i w_ic + b_c` (eq. 1 before the
    /// softmax). A dark pixel (`x_i = 0`) has no say, whatever its weight.
    fn inside(&self, x: Tensor<2>) -> Inside {
        let w = self.w(); //                                          W, 784 × 10
        let scale = w.clone().abs().max().into_scalar::<f32>().max(f32::MIN_POSITIVE);
        let evidence = x.transpose() * w; //                          x_i w_ic, 784 × 10
        let sums = evidence.clone().sum_dim(0).reshape([CLASSES]); // Σ_i x_i w_ic
        let bias = self.b(); //                                       b_c
        let scores = sums.clone() + bias.clone(); //                  s_c = Σ_i x_i w_ic + b_c
        let votes = to_vec(evidence.transpose()); //                  class-major: 10 maps of 784
        Inside::Evidence {
            evidence: votes.chunks(PIXELS).map(<[f32]>::to_vec).collect(),
            sums: to_vec(sums),
            bias: to_vec(bias),
            scores: to_vec(scores),
            scale,
        }
    }
}

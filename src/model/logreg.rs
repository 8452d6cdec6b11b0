//! Exercise 1: logistic regression, one burn `Linear` layer 784 → 10 — its forward pass and,
//! right below, its gradients written by hand (eq. 4–5).
//!
//! `Linear` stores its weight as `[d_input, d_output]`, which is exactly the lab's `W`
//! (784 × 10, one column `w_c` per class), and its bias as the lab's `b` (10 values).

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

use super::loss::{batch_divisor, cross_entropy, output_error, softmax, untranspose};
use super::{AnalyticGradients, Bug, Classifier, Init, StepGradients};
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
    fn analytic_gradients_with(&self, batch: &Batch, bug: Option<Bug>) -> StepGradients {
        let x = batch.images.clone();
        let tb = batch_divisor(batch.len(), bug);

        // Forward: S = XW + b, Ŷ = softmax(S)                           (eq. 1)
        let s = self.logits(x.clone());
        let (y_hat, log_y_hat) = softmax(s.clone());

        // ∂L/∂S = Δ / tb, with Δ = Ŷ − Y*
        let delta = output_error(s, y_hat, batch.y_star.clone(), bug);

        // ∂L/∂W = (1/tb) Xᵀ Δ                                           (eq. 4)
        //        computed as (Δᵀ X)ᵀ, the same matrix: the product then reads X row by row,
        //        faster on the CPU backends than reading it column by column.
        let grad_w = untranspose(delta.clone().transpose().matmul(x), bug).div_scalar(tb);
        // ∂L/∂b = (1/tb) Σᵢ δᵢ = (1/tb) 1ᵀ Δ                            (eq. 5)
        //        b is one more row of W, for an input that is always 1: eq. (4) with a
        //        column of ones for X. (On ndarray this product is also several times
        //        faster than burn's sum along an axis: artifacts/step-pieces.md.)
        let ones = Tensor::ones([1, batch.len()], (&delta.device(), delta.dtype()));
        let grad_b = ones.matmul(delta).reshape([-1]).div_scalar(tb);

        let mut grads = GradientsParams::new();
        grads.register(self.linear.weight.id, grad_w);
        if let Some(bias) = &self.linear.bias {
            grads.register(bias.id, grad_b);
        }
        StepGradients {
            grads,
            loss: cross_entropy(log_y_hat, batch.y_star.clone()), //  L, eq. (3)
        }
    }
}

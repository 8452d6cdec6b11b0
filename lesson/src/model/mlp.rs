//! Exercise 2 of the lab: a perceptron with one hidden layer, 784 → L → 10, and its
//! backward pass written by hand.
//!
//! ```text
//! U = X Wʰ + bʰ      H = σ(U)            (hidden layer, L units)
//! S = H Wʸ + bʸ      Ŷ = softmax(S)      (output layer, 10 classes)
//! ```

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

use super::inside::{Inside, Inspect, Templates, TemplatesOf, to_vec};
use super::loss::{cross_entropy, softmax, sum_over_batch};
use super::{AnalyticGradients, Classifier, StepGradients};
use crate::data::{Batch, CLASSES, PIXELS};

/// The hidden layer's activation σ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(usize)]
pub enum Activation {
    /// σ(u) = 1 / (1 + e⁻ᵘ), σ'(u) = σ(u)(1 − σ(u)) — the lab's.
    Sigmoid = 0,
    /// σ(u) = max(0, u), σ'(u) = 1 where u > 0.
    Relu = 1,
}

impl Activation {
    /// Both.
    pub const ALL: [Activation; 2] = [Activation::Sigmoid, Activation::Relu];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
        }
    }
}

/// One hidden layer of `L` units between the pixels and the classes.
#[derive(Module, Debug)]
pub struct Mlp {
    /// `Wʰ` (784 × L) and `bʰ` (L).
    pub hidden: Linear,
    /// `Wʸ` (L × 10) and `bʸ` (10).
    pub output: Linear,
    /// Sigmoid (0) or ReLU (1); a plain number so that the module derive keeps it as a
    /// constant.
    activation: usize,
}

impl Mlp {
    /// A new network with `hidden` units. The weights are drawn from N(0, σ²) with
    /// σ = 1/√(inputs of the layer) — 1/√784 for `Wʰ` and 1/√L for `Wʸ` — and the biases
    /// start at zero. Zero weights would not work: every hidden unit would compute the same
    /// thing and get the same gradient, forever (see the README).
    pub fn new(hidden: usize, activation: Activation, device: &Device) -> Self {
        let layer = |d_in: usize, d_out: usize| {
            let mut linear = LinearConfig::new(d_in, d_out)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 1.0 / (d_in as f64).sqrt(),
                })
                .init(device);
            linear.bias = linear.bias.map(|b| b.map(|t| t.zeros_like()));
            linear
        };
        Self {
            hidden: layer(PIXELS, hidden),
            output: layer(hidden, CLASSES),
            activation: activation as usize,
        }
    }

    /// A network with all its parameters given: `Wʰ` (784 × L), `bʰ`, `Wʸ` (L × 10), `bʸ`.
    pub fn from_parameters(
        wh: Tensor<2>,
        bh: Tensor<1>,
        wy: Tensor<2>,
        by: Tensor<1>,
        activation: Activation,
    ) -> Self {
        let linear = |w, b| Linear {
            weight: Param::from_tensor(w),
            bias: Some(Param::from_tensor(b)),
        };
        Self {
            hidden: linear(wh, bh),
            output: linear(wy, by),
            activation: activation as usize,
        }
    }

    /// The activation of the hidden layer.
    pub fn activation(&self) -> Activation {
        if self.activation == 1 { Activation::Relu } else { Activation::Sigmoid }
    }

    /// Hidden units `L`.
    pub fn hidden_units(&self) -> usize {
        self.hidden.weight.val().dims()[1]
    }

    /// `Wʰ`, 784 × L: column `j` is hidden unit `j`'s input template.
    pub fn wh(&self) -> Tensor<2> {
        self.hidden.weight.val()
    }

    /// `Wʸ`, L × 10.
    pub fn wy(&self) -> Tensor<2> {
        self.output.weight.val()
    }

    /// `bʰ`.
    pub fn bh(&self) -> Tensor<1> {
        bias(&self.hidden)
    }

    /// `bʸ`.
    pub fn by(&self) -> Tensor<1> {
        bias(&self.output)
    }

    /// `H = σ(U)` and `σ'(U)`, from `U`.
    pub fn activate(&self, u: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        match self.activation() {
            Activation::Sigmoid => {
                let h = sigmoid(u);
                let dh = sigmoid_prime(h.clone());
                (h, dh)
            }
            Activation::Relu => {
                let positive = u.clone().greater_elem(0.0).float().cast(u.dtype());
                (u.clamp_min(0.0), positive)
            }
        }
    }
}

/// σ(U) = 1 / (1 + e⁻ᵁ), written out: burn's `sigmoid` computes in f32 even on f64 tensors,
/// which would blur the f64 gradient check.
pub fn sigmoid(u: Tensor<2>) -> Tensor<2> {
    u.neg().exp().add_scalar(1.0).recip()
}

/// σ'(U) = σ(U) ⊙ (1 − σ(U)), from `H = σ(U)`: the sigmoid's derivative needs no U.
pub fn sigmoid_prime(h: Tensor<2>) -> Tensor<2> {
    h.clone() * h.neg().add_scalar(1.0)
}

fn bias(layer: &Linear) -> Tensor<1> {
    layer.bias.as_ref().map(Param::val).expect("the layer has a bias")
}

impl Classifier for Mlp {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        let (h, _) = self.activate(self.hidden.forward(x));
        self.output.forward(h)
    }
}

impl AnalyticGradients for Mlp {
    fn analytic_gradients(&self, batch: &Batch) -> StepGradients {
        let (x, y_star) = (batch.images.clone(), batch.y_star.clone());

        // Forward.
        let u = self.hidden.forward(x.clone()); //                 U = X Wʰ + bʰ
        let (h, dh) = self.activate(u); //                          H = σ(U), and σ'(U)
        let s = self.output.forward(h.clone()); //                 S = H Wʸ + bʸ
        let (y_hat, log_y_hat) = softmax(s); //                     Ŷ = softmax(S)

        // Backward: the error carried from the scores back to each layer's parameters.
        let [(grad_wh, grad_bh), (grad_wy, grad_by)] = backward(x, y_star.clone(), h, dh, y_hat, self.wy());

        let mut grads = GradientsParams::new();
        grads.register(self.hidden.weight.id, grad_wh);
        grads.register(self.output.weight.id, grad_wy);
        if let (Some(bh), Some(by)) = (&self.hidden.bias, &self.output.bias) {
            grads.register(bh.id, grad_bh);
            grads.register(by.id, grad_by);
        }
        StepGradients {
            grads,
            loss: cross_entropy(log_y_hat, y_star), //                    L, eq. (3)
        }
    }
}

/// The backward pass from a batch `X`, its labels `Y*`, the hidden layer's `H` and `σ'(U)`,
/// the prediction `Ŷ` and `Wʸ`: `[(∂L/∂Wʰ, ∂L/∂bʰ), (∂L/∂Wʸ, ∂L/∂bʸ)]`, layer by layer in the
/// network's order.
pub fn backward(
    x: Tensor<2>,
    y_star: Tensor<2>,
    h: Tensor<2>,
    dh: Tensor<2>,
    y_hat: Tensor<2>,
    wy: Tensor<2>,
) -> [(Tensor<2>, Tensor<1>); 2] {
    let tb = x.dims()[0] as f64;
    // Output layer: the logistic regression's eq. (4)–(5), with H as its input.
    let delta_y = y_hat - y_star; //                                 δʸ = Ŷ − Y*
    let grad_wy = h.transpose().matmul(delta_y.clone()).div_scalar(tb); // ∂L/∂Wʸ = Hᵀ δʸ / tb
    let grad_by = sum_over_batch(delta_y.clone()).div_scalar(tb); //      ∂L/∂bʸ = Σᵢ δʸᵢ / tb

    // Hidden layer: the error flows back through Wʸ and through σ.
    let delta_h = delta_y.matmul(wy.transpose()) * dh; //            δʰ = (δʸ Wʸᵀ) ⊙ σ'(U)
    // ∂L/∂Wʰ = Xᵀ δʰ / tb, computed as (δʰᵀ X)ᵀ like the logistic regression's ∂L/∂W
    let grad_wh = delta_h.clone().transpose().matmul(x).transpose().div_scalar(tb);
    let grad_bh = sum_over_batch(delta_h).div_scalar(tb); //                  ∂L/∂bʰ = Σᵢ δʰᵢ / tb
    [(grad_wh, grad_bh), (grad_wy, grad_by)]
}

impl Inspect for Mlp {
    fn kind(&self) -> &'static str {
        "mlp"
    }

    fn parameter_names(&self) -> Vec<(burn::module::ParamId, &'static str)> {
        let mut names = vec![(self.hidden.weight.id, "Wh")];
        names.extend(self.hidden.bias.as_ref().map(|b| (b.id, "bh")));
        names.push((self.output.weight.id, "Wy"));
        names.extend(self.output.bias.as_ref().map(|b| (b.id, "by")));
        names
    }

    /// The columns of `Wʰ`: hidden unit `j`'s input template.
    fn templates(&self) -> Templates {
        Templates { values: to_vec(self.wh()), count: self.hidden_units(), of: TemplatesOf::Units("Wh") }
    }

    /// The hidden units' activations, from which the output layer decides.
    fn inside(&self, x: Tensor<2>) -> Inside {
        let (h, _) = self.activate(self.hidden.forward(x)); //        h = σ(x Wʰ + bʰ)
        let scores = self.output.forward(h.clone()); //              s = h Wʸ + bʸ
        Inside::Hidden {
            hidden: to_vec(h),
            activation: self.activation().name(),
            scores: to_vec(scores),
        }
    }
}

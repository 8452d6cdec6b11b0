//! The gradient check on a module of your own: two layers with tanh,
//!
//! ```text
//! U = X W₁ + b₁     H = tanh(U)     Y = H W₂ + b₂     L = mean over all entries of (Y − T)²
//! ```
//!
//! with its backward pass written by hand below, checked against burn's autodiff and against
//! finite differences in f64:
//!
//! ```sh
//! cargo run --release -p burn-gradcheck --example gradcheck_custom              # right: exits 0
//! cargo run --release -p burn-gradcheck --example gradcheck_custom -- --wrong   # tanh' at U: exits 1
//! ```

use std::process::ExitCode;

#[path = "common/mod.rs"]
mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Tensor};
use burn_gradcheck::{At, GradCheck};

#[derive(Module, Debug)]
struct TwoLayerTanh {
    first: Linear,
    second: Linear,
}

impl TwoLayerTanh {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.second.forward(self.first.forward(x).tanh())
    }

    /// ∂L/∂θ by hand; `wrong` makes the classic slip of taking tanh' at U instead of at H.
    fn gradients(&self, x: Tensor<2>, t: Tensor<2>, wrong: bool) -> GradientsParams {
        let [n, k] = t.dims();
        let u = self.first.forward(x.clone()); //                  U = X W₁ + b₁
        let h = u.clone().tanh(); //                                H = tanh(U)
        let y = self.second.forward(h.clone()); //                  Y = H W₂ + b₂
        let dy = (y - t).mul_scalar(2.0 / (n * k) as f64); //       ∂L/∂Y = 2 (Y − T) / (n k)
        let grad_w2 = h.clone().transpose().matmul(dy.clone()); //  ∂L/∂W₂ = Hᵀ ∂L/∂Y
        let grad_b2 = dy.clone().sum_dim(0).reshape([-1]); //       ∂L/∂b₂ = Σ rows of ∂L/∂Y
        let dh = dy.matmul(self.second.weight.val().transpose()); // ∂L/∂H = ∂L/∂Y W₂ᵀ
        let slope = if wrong {
            u.clone() * u.neg() + 1.0 //                            1 − U² (the slip)
        } else {
            h.clone() * h.neg() + 1.0 //                            tanh'(U) = 1 − H²
        };
        let du = dh * slope; //                                     ∂L/∂U = ∂L/∂H ⊙ tanh'(U)
        let grad_w1 = x.transpose().matmul(du.clone()); //          ∂L/∂W₁ = Xᵀ ∂L/∂U
        let grad_b1 = du.sum_dim(0).reshape([-1]); //               ∂L/∂b₁ = Σ rows of ∂L/∂U

        let mut grads = GradientsParams::new();
        grads.register(self.first.weight.id, grad_w1);
        grads.register(self.second.weight.id, grad_w2);
        if let (Some(b1), Some(b2)) = (&self.first.bias, &self.second.bias) {
            grads.register(b1.id, grad_b1);
            grads.register(b2.id, grad_b2);
        }
        grads
    }
}

fn main() -> ExitCode {
    let wrong = std::env::args().any(|a| a == "--wrong");
    // burn's ndarray backend, which this crate's examples and doc-tests run on (its
    // dev-dependency): burn deprecates it in favour of flex, but it is the lab's default.
    #[allow(deprecated)]
    let device = Device::ndarray();
    device.seed(7);
    let module = TwoLayerTanh {
        first: LinearConfig::new(8, 16).init(&device),
        second: LinearConfig::new(16, 3).init(&device),
    };
    let x = Tensor::<2>::random([32, 8], Distribution::Normal(0.0, 1.0), &device);
    let t = Tensor::<2>::random([32, 3], Distribution::Normal(0.0, 1.0), &device);

    // The loss and the hand-written gradients build their inputs in the float type of the
    // point being evaluated (f32 against autodiff, f64 against finite differences).
    let loss = |m: &TwoLayerTanh, at: &At| (m.forward(at.input(&x)) - at.input(&t)).powi_scalar(2).mean();
    let hand = |m: &TwoLayerTanh, at: &At| m.gradients(at.input(&x), at.input(&t), wrong);

    println!(
        "two layers 8 → 16 (tanh) → 3, squared error, batch of 32; tanh' {}",
        if wrong { "taken at U (wrong)" } else { "= 1 − H²" }
    );
    common::finish("the hand-written gradient", GradCheck::new().point("random").check_hand_written(&module, loss, hand))
}

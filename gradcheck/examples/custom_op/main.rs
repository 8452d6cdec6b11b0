//! The gradient check of a custom op — a forward and its backward written by hand through
//! burn's autodiff `Backward` trait (`op.rs`) — against finite differences in f64:
//!
//! ```sh
//! cargo run --release -p burn-gradcheck --example custom_op              # right: exits 0
//! cargo run --release -p burn-gradcheck --example custom_op -- --wrong   # tanh' = Y² − 1: exits 1
//! ```
//!
//! An op with a tensor output is checked through a scalar function of it: its output weighted
//! by a fixed random tensor R, L = Σ tanh(X W) ⊙ R, so that every output entry counts with a
//! weight of its own.

#[path = "../common/mod.rs"]
mod common;
mod op;

use std::process::ExitCode;

use burn::tensor::{Device, Distribution, Tensor};
use burn_gradcheck::{GradCheck, Input, Inputs};

fn main() -> ExitCode {
    let wrong = std::env::args().any(|a| a == "--wrong");
    // burn's ndarray backend, the one the op is written for (burn deprecates it for flex).
    #[allow(deprecated)]
    let device = Device::ndarray();
    device.seed(11);
    let normal = Distribution::Normal(0.0, 1.0);
    let x = Tensor::<2>::random([8, 5], normal, &device);
    let w = Tensor::<2>::random([5, 3], normal, &device).mul_scalar(0.5);
    let r = Tensor::<2>::random([8, 3], normal, &device);

    println!("custom op Y = tanh(X W), X 8 × 5, W 5 × 3, L = Σ Y ⊙ R; tanh' {}", if wrong { "written Y² − 1 (wrong)" } else { "= 1 − Y²" });
    let f = |xs: &Inputs| (op::tanh_matmul(xs.get::<2>(0), xs.get::<2>(1), wrong) * xs.constant(&r)).sum();
    let inputs = [Input::new(&x).named("X"), Input::new(&w).named("W")];
    common::finish("the custom op's backward", GradCheck::new().check_fn(&inputs, f))
}

//! The references the gradients are checked against: burn's autodiff of the cross-entropy
//! (eq. 3), and that autodiff's own check against f64 finite differences.

use burn::tensor::activation::log_softmax;
use burn::tensor::Tensor;
use burn_gradcheck::{GradCheck, Input, Inputs};
use lab::exo2::MlpGradients;
use lesson::data::{Batch, CLASSES};

/// The batch's cross-entropies summed (eq. 3 times tb), from the scores, by burn's log-softmax.
fn summed_loss(scores: Tensor<2>, y_star: &Tensor<2>) -> Tensor<1> {
    (y_star.clone().autodiff() * log_softmax(scores, 1)).sum().neg()
}

/// The batch's mean cross-entropy (eq. 3).
fn loss(scores: Tensor<2>, y_star: &Tensor<2>) -> Tensor<1> {
    let tb = y_star.dims()[0] as f64;
    summed_loss(scores, y_star).div_scalar(tb)
}

/// `δʸ`, row i the derivative of image i's cross-entropy with respect to its scores, by
/// burn's autodiff (of their sum: each image's loss depends on its own scores only).
pub fn delta_y(scores: &Tensor<2>, y_star: &Tensor<2>) -> Tensor<2> {
    let s = scores.clone().autodiff().require_grad();
    let grads = summed_loss(s.clone(), y_star).backward();
    s.grad(&grads).expect("burn's autodiff tracks the scores")
}

/// `∂L/∂W` and `∂L/∂b` by burn's autodiff.
pub fn logreg(x: &Tensor<2>, y_star: &Tensor<2>, w: &Tensor<2>, b: &Tensor<1>) -> (Tensor<2>, Tensor<1>) {
    let (w, b) = (w.clone().autodiff().require_grad(), b.clone().autodiff().require_grad());
    let grads = loss(x.clone().autodiff().matmul(w.clone()) + b.clone().unsqueeze(), y_star).backward();
    let missing = "burn's autodiff tracks both parameters";
    (w.grad(&grads).expect(missing), b.grad(&grads).expect(missing))
}

/// How far burn's autodiff is from five-point finite differences of the loss in f64, on
/// every bias and 20 weights (pixels of the image's middle, where digits have ink, each class
/// in turn): burn-gradcheck's check of the loss as a function of (W, b), the reference's own.
pub fn finite_difference_witness(batch: &Batch, w: &Tensor<2>, b: &Tensor<1>) -> f64 {
    let (x, y_star, tb) = (&batch.images, &batch.y_star, batch.len() as f64);
    let loss = |xs: &Inputs| {
        let scores = xs.constant(x).matmul(xs.get::<2>(0)) + xs.get::<1>(1).unsqueeze();
        (xs.constant(y_star) * log_softmax(scores, 1)).sum().neg().div_scalar(tb)
    };
    let inked = (0..20).map(|k| (300 + 17 * k) * CLASSES + k % CLASSES);
    let report = GradCheck::new()
        .entries("W", inked)
        .check_fn(&[Input::new(w).named("W"), Input::new(b).named("b")], loss)
        .expect("the 20 entries are W's");
    report.rows.iter().map(|r| r.errors.max_rel).fold(0.0, f64::max)
}

/// The perceptron's four gradients by burn's autodiff, σ written out (burn's own sigmoid
/// rounds to f32).
pub fn mlp(x: &Tensor<2>, y_star: &Tensor<2>, w: [&Tensor<2>; 2], b: [&Tensor<1>; 2]) -> MlpGradients {
    mlp_autodiff(w, b, |wh, bh, wy, by| {
        let u = x.clone().autodiff().matmul(wh) + bh.unsqueeze();
        let h = u.neg().exp().add_scalar(1.0).recip();
        loss(h.matmul(wy) + by.unsqueeze(), y_star)
    })
}

/// The MLP's four gradients: burn's autodiff of `loss`, a function of the tracked Wʰ, bʰ, Wʸ, bʸ.
pub fn mlp_autodiff(
    w: [&Tensor<2>; 2],
    b: [&Tensor<1>; 2],
    loss: impl FnOnce(Tensor<2>, Tensor<1>, Tensor<2>, Tensor<1>) -> Tensor<1>,
) -> MlpGradients {
    let track2 = |t: &Tensor<2>| t.clone().autodiff().require_grad();
    let track1 = |t: &Tensor<1>| t.clone().autodiff().require_grad();
    let (wh, wy, bh, by) = (track2(w[0]), track2(w[1]), track1(b[0]), track1(b[1]));
    let grads = loss(wh.clone(), bh.clone(), wy.clone(), by.clone()).backward();
    let missing = "burn's autodiff tracks every parameter";
    MlpGradients {
        w_h: wh.grad(&grads).expect(missing),
        b_h: bh.grad(&grads).expect(missing),
        w_y: wy.grad(&grads).expect(missing),
        b_y: by.grad(&grads).expect(missing),
    }
}

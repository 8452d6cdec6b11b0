//! The references the gradients are checked against: burn's autodiff of the cross-entropy
//! (eq. 3), and that autodiff's own check against f64 finite differences.

use burn::tensor::activation::log_softmax;
use burn::tensor::{DType, Tensor, TensorData};
use burn_gradcheck::central_difference;
use lab::exo2::MlpGradients;
use lesson::data::{Batch, CLASSES, PIXELS};

use super::compare::read;

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
/// every bias and 20 weights (pixels of the image's middle, where digits have ink, each
/// class in turn): the reference's own check.
pub fn finite_difference_witness(batch: &Batch, w: &Tensor<2>, b: &Tensor<1>) -> f64 {
    let (x, y_star) = (&batch.images, &batch.y_star);
    let (right_w, right_b) = logreg(x, y_star, w, b);
    let device = x.device();
    let (w0, b0) = (read(w).0, read(b).0);
    let loss_at = |w: &[f64], b: &[f64]| {
        let w = Tensor::<2>::from_data(TensorData::new(w.to_vec(), [PIXELS, CLASSES]), (&device, DType::F64));
        let b = Tensor::<1>::from_data(TensorData::new(b.to_vec(), [CLASSES]), (&device, DType::F64));
        let s = x.clone().matmul(w) + b.unsqueeze();
        (y_star.clone() * log_softmax(s, 1)).sum().neg().div_scalar(batch.len() as f64).into_scalar::<f64>()
    };
    let (gw, gb) = (read(&right_w).0, read(&right_b).0);
    let scale = gw.iter().chain(&gb).fold(0f64, |m, v| m.max(v.abs()));
    let mut worst = 0f64;
    for i in (0..20).map(|k| (300 + 17 * k) * CLASSES + k % CLASSES) {
        worst = worst.max((central_difference(&|w: &[f64]| loss_at(w, &b0), &w0, i, 1e-3) - gw[i]).abs() / scale);
    }
    for (i, g) in gb.iter().enumerate() {
        worst = worst.max((central_difference(&|b: &[f64]| loss_at(&w0, b), &b0, i, 1e-3) - g).abs() / scale);
    }
    worst
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

//! Each slip of the catalog as a student writes it: handgrad's answers with one function
//! replaced by the wrong one. The tests check that `cargo lab` names each of them; the
//! `slips` example prints what a student sees for each (artifacts/lab-slips.md).

use burn::tensor::Tensor;

use crate::answers::{Exo1, Exo2};
use crate::exo2::MlpGradients;
use crate::slips::Slip;
use crate::solution;

/// Exercise 1 with one slip, and the slip.
pub fn exo1() -> Vec<(Slip, Exo1)> {
    let right = Exo1 { file: "lab/src/wrong.rs", source: include_str!("wrong.rs"), ..Exo1::solution() };
    vec![
        (Slip::SoftmaxOverBatch, Exo1 {
            softmax: |s| {
                let e = (s.clone() - s.max_dim(0)).exp();
                e.clone() / e.sum_dim(0) //                           numpy's axis=0: over the batch
            },
            ..right
        }),
        (Slip::SoftmaxNoMaxShift, Exo1 {
            softmax: |s| {
                let e = s.exp(); //                                   the lab's own softmax
                e.clone() / e.sum_dim(1)
            },
            ..right
        }),
        (Slip::ForwardNoBias, Exo1 { forward: |x, w, _b| solution::softmax(x.matmul(w)), ..right }),
        (Slip::ForwardNoSoftmax, Exo1 { forward: |x, w, b| x.matmul(w) + b.unsqueeze(), ..right }),
        (Slip::Sign, Exo1 {
            gradients: |x, y_star, y_hat| {
                let tb = x.dims()[0] as f64;
                let delta = y_star - y_hat; //                        Y* − Ŷ
                (x.transpose().matmul(delta.clone()).div_scalar(tb), mean_rows(delta))
            },
            ..right
        }),
        (Slip::NoMean, Exo1 {
            gradients: |x, y_star, y_hat| {
                let delta = y_hat - y_star;
                (x.transpose().matmul(delta.clone()), delta.sum_dim(0).squeeze_dim(0)) // no 1/tb
            },
            ..right
        }),
        (Slip::MeanTwice, Exo1 {
            gradients: |x, y_star, y_hat| {
                let tb = x.dims()[0] as f64;
                let delta = (y_hat - y_star).div_scalar(tb); //        1/tb here …
                (x.transpose().matmul(delta.clone()).div_scalar(tb), mean_rows(delta)) // … and again
            },
            ..right
        }),
        (Slip::FixedBatchSize, Exo1 {
            gradients: |x, y_star, y_hat| {
                let delta = y_hat - y_star;
                let grad_b = delta.clone().sum_dim(0).squeeze_dim(0).div_scalar(100.0);
                (x.transpose().matmul(delta).div_scalar(100.0), grad_b) // batch_size = 100
            },
            ..right
        }),
        (Slip::NotTransposedBack, Exo1 {
            gradients: |x, y_star, y_hat| {
                let tb = x.dims()[0] as f64;
                let delta = y_hat - y_star;
                (delta.clone().transpose().matmul(x).div_scalar(tb), mean_rows(delta)) // Δᵀ X
            },
            ..right
        }),
        (Slip::ReshapeNotTranspose, Exo1 {
            gradients: |x, y_star, y_hat| {
                let tb = x.dims()[0] as f64;
                let delta = y_hat - y_star;
                let grad_w = delta.clone().transpose().matmul(x).reshape([784, 10]); // reshaped
                (grad_w.div_scalar(tb), mean_rows(delta))
            },
            ..right
        }),
        (Slip::XNotTransposed, Exo1 {
            gradients: |x, y_star, y_hat| {
                let tb = x.dims()[0] as f64;
                let delta = y_hat - y_star;
                (x.matmul(delta.clone()).div_scalar(tb), mean_rows(delta)) // X Δ
            },
            ..right
        }),
        (Slip::BiasWrongAxis, Exo1 {
            gradients: |x, y_star, y_hat| {
                let tb = x.dims()[0] as f64;
                let delta = y_hat - y_star;
                let grad_b = delta.clone().sum_dim(1).squeeze_dim(1).div_scalar(tb); // axis 1
                (x.transpose().matmul(delta).div_scalar(tb), grad_b)
            },
            ..right
        }),
        (Slip::Uphill, Exo1 {
            update: |w, b, grad_w, grad_b, eta| (w + grad_w.mul_scalar(eta), b + grad_b.mul_scalar(eta)),
            ..right
        }),
        (Slip::NoEta, Exo1 { update: |w, b, grad_w, grad_b, _eta| (w - grad_w, b - grad_b), ..right }),
        (Slip::FixedEta, Exo1 {
            update: |w, b, grad_w, grad_b, _eta| (w - grad_w.mul_scalar(0.1), b - grad_b.mul_scalar(0.1)),
            ..right
        }),
    ]
}

/// `(1/tb) Σᵢ δᵢ`, the right ∂L/∂b, for the slips elsewhere.
fn mean_rows(delta: Tensor<2>) -> Tensor<1> {
    let tb = delta.dims()[0] as f64;
    delta.sum_dim(0).squeeze_dim::<1>(0).div_scalar(tb)
}

/// Exercise 2 with one slip, and the slip.
pub fn exo2() -> Vec<(Slip, Exo2)> {
    let right = Exo2 { file: "lab/src/wrong.rs", source: include_str!("wrong.rs"), ..Exo2::solution() };
    vec![
        (Slip::ForwardNoSigmoid, Exo2 {
            forward: |x, w_h, b_h, w_y, b_y| {
                let h = x.matmul(w_h) + b_h.unsqueeze(); //             no σ
                let y_hat = solution::softmax(h.clone().matmul(w_y) + b_y.unsqueeze());
                (h, y_hat)
            },
            ..right
        }),
        (Slip::NoSigmaPrime, Exo2 {
            gradients: |x, y_star, h, y_hat, w_y| mlp_gradients(x, y_star, h, y_hat, w_y, |back, _h| back),
            ..right
        }),
        (Slip::SigmaPrimeAtH, Exo2 {
            gradients: |x, y_star, h, y_hat, w_y| {
                mlp_gradients(x, y_star, h, y_hat, w_y, |back, h| {
                    let s = solution::sigmoid(h); //                     σ(H)
                    back * (s.clone() * s.neg().add_scalar(1.0)) //      σ'(H)
                })
            },
            ..right
        }),
        (Slip::WyNotTransposed, Exo2 {
            gradients: |x, y_star, h, y_hat, w_y| {
                let tb = x.dims()[0] as f64;
                let delta_y = y_hat - y_star;
                let back = delta_y.clone().matmul(w_y); //              δʸ Wʸ
                let delta_h = back * (h.clone() * h.clone().neg().add_scalar(1.0));
                MlpGradients {
                    w_h: x.transpose().matmul(delta_h.clone()).div_scalar(tb),
                    b_h: mean_rows(delta_h),
                    w_y: h.transpose().matmul(delta_y.clone()).div_scalar(tb),
                    b_y: mean_rows(delta_y),
                }
            },
            ..right
        }),
        (Slip::NoMean, Exo2 {
            gradients: |x, y_star, h, y_hat, w_y| {
                let tb = x.dims()[0] as f64;
                let g = solution::gradients2(x, y_star, h, y_hat, w_y);
                let scale2 = |t: Tensor<2>| t.mul_scalar(tb);
                let scale1 = |t: Tensor<1>| t.mul_scalar(tb);
                MlpGradients { w_h: scale2(g.w_h), b_h: scale1(g.b_h), w_y: scale2(g.w_y), b_y: scale1(g.b_y) }
            },
            ..right
        }),
    ]
}

/// The perceptron's gradients with δʰ computed by `delta_h(δʸ Wʸᵀ, H)`.
fn mlp_gradients(
    x: Tensor<2>,
    y_star: Tensor<2>,
    h: Tensor<2>,
    y_hat: Tensor<2>,
    w_y: Tensor<2>,
    delta_h: fn(Tensor<2>, Tensor<2>) -> Tensor<2>,
) -> MlpGradients {
    let tb = x.dims()[0] as f64;
    let delta_y = y_hat - y_star;
    let delta_h = delta_h(delta_y.clone().matmul(w_y.transpose()), h.clone());
    MlpGradients {
        w_h: x.transpose().matmul(delta_h.clone()).div_scalar(tb),
        b_h: mean_rows(delta_h),
        w_y: h.transpose().matmul(delta_y.clone()).div_scalar(tb),
        b_y: mean_rows(delta_y),
    }
}

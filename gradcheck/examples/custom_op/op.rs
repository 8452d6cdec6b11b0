//! A custom op with its backward written by hand, through burn's backend-extension API (burn's
//! `extension` feature) and burn-autodiff's `Backward` trait:
//!
//! ```text
//! Y = tanh(X W)        ∂L/∂U = ∂L/∂Y ⊙ (1 − Y²)  (U = X W)      ∂L/∂X = ∂L/∂U Wᵀ      ∂L/∂W = Xᵀ ∂L/∂U
//! ```
//!
//! on burn's ndarray backend, with and without autodiff. `slipped` writes tanh' as Y² − 1
//! instead of 1 − Y²: the slip the check must catch.

// burn deprecates its ndarray backend in favour of flex; it is the backend this crate's
// examples and tests run on (its dev-dependency), so the op is written for it.
#![allow(deprecated)]

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, NdArray, backend_extension};
use burn::tensor::Tensor;

/// The op, as a backend extension: a forward per backend, and on autodiff a backward.
#[backend_extension(Autodiff, NdArray)]
pub trait TanhMatmulBackend: Backend {
    /// `tanh(x w)`, its backward written by hand.
    fn tanh_matmul(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self>;
    /// The same forward, the backward with tanh' written Y² − 1.
    fn tanh_matmul_slipped(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// The forward on any backend: `tanh(x w)`.
fn forward<B: Backend>(x: FloatTensor<B>, w: FloatTensor<B>) -> FloatTensor<B> {
    B::float_tanh(B::float_matmul(x, w))
}

impl TanhMatmulBackend for NdArray {
    fn tanh_matmul(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        forward::<NdArray>(x, w)
    }

    fn tanh_matmul_slipped(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        forward::<NdArray>(x, w)
    }
}

impl<C: CheckpointStrategy> TanhMatmulBackend for Autodiff<NdArray, C> {
    fn tanh_matmul(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        tracked::<C>(x, w, false)
    }

    fn tanh_matmul_slipped(x: FloatTensor<Self>, w: FloatTensor<Self>) -> FloatTensor<Self> {
        tracked::<C>(x, w, true)
    }
}

/// On autodiff: the forward, and the backward step registered with what it needs (X, W, Y).
fn tracked<C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<NdArray, C>>,
    w: FloatTensor<Autodiff<NdArray, C>>,
    slipped: bool,
) -> FloatTensor<Autodiff<NdArray, C>> {
    match (TanhMatmulBackward { slipped }).prepare::<C>([x.node(), w.node()]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let (x, w) = (x.primitive().clone(), w.primitive().clone());
            let y = forward::<NdArray>(x.clone(), w.clone());
            prep.finish((x, w, y.clone()), y)
        }
        OpsKind::UnTracked(prep) => prep.finish(forward::<NdArray>(x.into_primitive(), w.into_primitive())),
    }
}

/// The backward step of `tanh(x w)`.
#[derive(Debug)]
struct TanhMatmulBackward {
    slipped: bool,
}

impl<B: Backend> Backward<B, 2> for TanhMatmulBackward {
    /// X, W and Y = tanh(X W), saved by the forward.
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_w] = ops.parents;
        let dy = grads.consume::<B>(&ops.node); //                          ∂L/∂Y
        let (x, w, y) = ops.state;
        let y2 = B::float_mul(y.clone(), y);
        let slope = if self.slipped {
            B::float_add_scalar(y2, (-1.0f64).into()) //                     Y² − 1 (the slip)
        } else {
            B::float_add_scalar(B::float_neg(y2), 1.0f64.into()) //         tanh'(U) = 1 − Y²
        };
        let du = B::float_mul(dy, slope); //                                ∂L/∂U = ∂L/∂Y ⊙ tanh'(U)
        if let Some(node) = node_x {
            grads.register::<B>(node.id, B::float_matmul(du.clone(), B::float_transpose(w))); // ∂L/∂U Wᵀ
        }
        if let Some(node) = node_w {
            grads.register::<B>(node.id, B::float_matmul(B::float_transpose(x), du)); //         Xᵀ ∂L/∂U
        }
    }
}

/// `tanh(x w)` on tensors, through the op (`slipped`: with the wrong backward).
pub fn tanh_matmul(x: Tensor<2>, w: Tensor<2>, slipped: bool) -> Tensor<2> {
    let (x, w) = (x.into_dispatch(), w.into_dispatch());
    Tensor::from_dispatch(if slipped {
        <Dispatch as TanhMatmulBackend>::tanh_matmul_slipped(x, w)
    } else {
        <Dispatch as TanhMatmulBackend>::tanh_matmul(x, w)
    })
}

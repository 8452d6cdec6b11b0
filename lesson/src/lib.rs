//! The lesson: the deep-learning lab's logistic regression (exercise 1) and one-hidden-layer
//! perceptron (exercise 2) on burn, trained by mini-batch SGD with gradients written by hand
//! from the lab's equations (4)–(7).
//!
//! Read it in this order, as in burn's guide:
//! - [`data`]: the IDX files and the mini-batches `X`, `Y*`;
//! - [`model`]: each exercise in one file, its forward and its backward pass side by side,
//!   with softmax and cross-entropy (eq. 1–3) in [`model::loss`];
//! - [`sgd`]: one SGD step, `θ ← θ − η ∂L/∂θ` (eq. 6–7), its gradients from the formulas or
//!   from burn's autodiff ([`gradients`]);
//! - [`training`]: the epoch loop, a plain `for` over the batches; [`inference`]: accuracy.
//!
//! [`backend`] picks the burn backend the cargo features compiled in (ndarray, flex, wgpu), and
//! [`blas`] the matrix library behind ndarray (OpenBLAS with the `blas` feature);
//! [`shuffle`] is the seeded order of the images when they are shuffled; [`invalid`] says
//! which setting is out of range.

#![warn(missing_docs)]

pub mod backend;
pub mod blas;
pub mod data;
pub mod gradients;
pub mod inference;
pub mod invalid;
pub mod model;
pub mod sgd;
pub mod shuffle;
pub mod slips;
pub mod training;

//! handgrad: the deep-learning lab's logistic regression (exercise 1) and perceptron
//! (exercise 2) on burn, trained by mini-batch SGD with gradients written by hand (eq. 4–7)
//! and checked against burn's autodiff and finite differences.
//!
//! Read it in this order, as in burn's guide:
//! - [`data`]: the IDX files and the mini-batches `X`, `Y*`;
//! - [`model`]: each exercise in one file, its forward and its backward pass side by side,
//!   with softmax and cross-entropy in [`model::loss`];
//! - [`gradients`]: where a step's gradients come from (the formulas, or burn's autodiff);
//! - [`sgd`]: one SGD step and its update rules (eq. 6–7);
//! - [`training`]: the epoch loop; [`inference`]: accuracy and predictions;
//! - [`check`]: the gradient check; [`explain`]: why a model decides, pixel by pixel.
//!
//! Above them, persistence ([`persist`], [`checkpoint`]) and pictures ([`plot`]); on top, the
//! command line: its flags ([`cli`], the only part that knows clap) and one file per
//! subcommand ([`commands`]), and the page `handgrad serve` draws on ([`serve`]).

#![warn(missing_docs)]

pub mod backend;
pub(crate) mod bench;
pub mod check;
pub(crate) mod checkpoint;
pub mod cli;
pub mod commands;
pub mod data;
pub mod explain;
pub(crate) mod fsutil;
pub mod gradients;
pub mod inference;
#[cfg(feature = "learner")]
pub mod learner;
pub mod model;
pub mod persist;
pub(crate) mod pictures;
pub mod plot;
pub(crate) mod report;
pub mod serve;
pub mod sgd;
pub mod shuffle;
pub mod training;

//! handgrad: the logistic regression of the deep-learning lab (exercise 1) on burn, trained
//! by mini-batch SGD with gradients written by hand (eq. 4–7) and checked against burn's
//! autodiff.
//!
//! The layout follows burn's examples: [`data`], [`model`], [`training`], [`inference`];
//! the gradient sources are in [`gradients`] and the update rules in [`sgd`].

#![warn(missing_docs)]

pub mod backend;
pub mod bench;
pub mod check;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod data;
pub mod fsutil;
pub mod gradients;
pub mod inference;
pub mod mlp;
pub mod model;
pub mod persist;
pub mod pictures;
pub mod plot;
pub mod report;
pub mod sgd;
pub mod shuffle;
pub mod training;

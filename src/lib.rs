//! The `handgrad` application, on top of the lesson (`lesson/`, the crate `handgrad-lesson`)
//! and the gradient check (`gradcheck/`, the crate `burn-gradcheck`): the command line and one
//! file per subcommand, the run folders (model.json, checkpoints), the pictures, `bench`,
//! burn-train's Learner, and the page `handgrad serve` draws on.
//!
//! The lesson is where the lab's math is; read it first (`cargo doc -p handgrad-lesson`).

#![warn(missing_docs)]

// The lesson's modules, under their own names: `crate::model` is the lesson's.
pub(crate) use lesson::{backend, blas, data, gradients, inference, invalid, model, sgd, training};

pub(crate) mod bench;
pub mod bridge;
pub mod check;
pub(crate) mod checkpoint;
mod cli;
mod commands;
pub mod drawing;
pub mod explain;
pub(crate) mod fsutil;
#[cfg(feature = "learner")]
pub mod learner;
pub mod overlap;
pub mod persist;
pub(crate) mod pictures;
pub mod plot;
mod process;
pub(crate) mod report;
pub mod serve;

pub use process::main;

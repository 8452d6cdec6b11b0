//! The lab as a student receives it: `exo1.rs` and `exo2.rs` hold the lab's skeleton, bodies
//! to write; `cargo lab` checks each function in the lab's order against references it
//! computes itself, names the slip when a known one explains a wrong answer, then trains the
//! student's own code in the lab's loop beside the lab's printed table.
//!
//! - [`exo1`], [`exo2`]: the student's files.
//! - [`solution`]: handgrad's answers (the lesson's code), for `cargo lab --solution`.
//! - [`answers`]: the functions checked, the student's or the solution's.
//! - [`check`]: the checks; [`slips`]: the catalog of slips; [`attempt`]: calling the
//!   student's code without a panic trace.
//! - [`wrong`]: each slip of the catalog as a student writes it (for the tests).
//! - [`table`]: the lab's table and its loop on the student's functions; [`run`]: it all, in
//!   order, as `cargo lab` prints it.

pub mod answers;
pub mod attempt;
pub mod check;
pub mod exo1;
pub mod exo2;
pub mod run;
pub mod slips;
pub mod solution;
pub mod table;
pub mod wrong;

//! The answer key, lab/solutions, outside the student's crate: `cargo lab --solution`.

#[path = "../../solutions/exo1.rs"]
pub mod exo1;
#[path = "../../solutions/exo2.rs"]
pub mod exo2;

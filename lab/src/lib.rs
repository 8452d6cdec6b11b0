//! Le TP à faire vous-même — the lab to do yourself: write `exo1.rs`, then `exo2.rs`, and run
//! `cargo lab` (`cargo lab --watch` re-checks them each time you save).

pub mod exo1;
pub mod exo2;

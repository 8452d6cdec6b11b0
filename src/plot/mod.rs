//! Pictures, written as PNG files so that they work on a server with no display.

pub mod canvas;
pub mod charts;
pub mod grid;
pub mod tiles;

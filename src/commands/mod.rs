//! One file per subcommand.

pub mod bench;
pub mod devices;
pub mod eval;
pub mod gradcheck;
pub mod predict;
pub mod plot;
pub mod show;
pub mod train;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train::run(&args),
        Command::Gradcheck(args) => gradcheck::run(&args),
        Command::Show(args) => show::run(&args),
        Command::Plot(args) => plot::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Predict(args) => predict::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Devices => devices::run(),
    }
}

//! `cargo lab`: checks your lab/src/exo1.rs and exo2.rs, then trains them on MNIST beside the
//! lab's table. `cargo lab --help` for the options.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lab::run::{Options, Outcome, run};
use lesson::data::{DataSource, DatasetKind};

/// Do the lab: `cargo lab` checks the functions you write in lab/src/exo1.rs (then exo2.rs)
/// one at a time, says which slip a wrong one looks like, and trains your code on MNIST
/// beside the lab's own table.
#[derive(Debug, Parser)]
#[command(name = "cargo lab")]
struct Args {
    /// Run handgrad's own answers instead of yours (a teacher's demo).
    #[arg(long)]
    solution: bool,

    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Dataset: `mnist` (through burn-dataset's download, or --data-dir) or `fashion-mnist`
    /// (/usr/share/datasets/fashion-mnist); the lab's table is MNIST's.
    #[arg(long, default_value = "mnist", value_parser = ["mnist", "fashion-mnist"])]
    dataset: String,

    /// Read the four IDX files (raw or .gz) from this folder.
    /// For MNIST, the environment variable HANDGRAD_DATA_DIR gives it when this does not.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Epochs of the lab's loop (the lab's 20; fewer for a quick look).
    #[arg(long, default_value_t = lab::table::EPOCHS as u64, value_parser = clap::value_parser!(u64).range(1..=100))]
    epochs: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let kind = if args.dataset == "mnist" { DatasetKind::Mnist } else { DatasetKind::FashionMnist };
    let options = Options {
        solution: args.solution,
        json: args.json,
        data: DataSource::with_default_dir(kind, args.data_dir),
        epochs: args.epochs as usize,
    };
    match run(&options) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::ToDo) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cargo lab: {e:#}");
            ExitCode::from(2)
        }
    }
}

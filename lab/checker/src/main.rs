//! `cargo lab`: checks your lab/src/exo1.rs and exo2.rs, then trains them on MNIST beside the
//! lab's table. `cargo lab --help` for the options.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use lab_checker::run::{Options, Outcome, answers, prepare, run};
use lab_checker::watch::{Rerun, student_dir, watch};
use lab_checker::{Lang, check, class, hint, lang_of_locale, list};
use lesson::data::{DataSource, DatasetKind};

/// Do the lab: `cargo lab` checks the functions you write in lab/src/exo1.rs (then exo2.rs)
/// one at a time, says which slip a wrong one looks like, and trains your code on MNIST beside
/// the lab's own table. Faites le TP : `cargo lab` vérifie vos fonctions une à une, nomme
/// l'erreur, et entraîne votre code à côté du tableau du TP.
#[derive(Debug, Parser)]
#[command(name = "cargo lab", bin_name = "cargo lab")]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    check: CheckArgs,
}

/// What every command takes.
#[derive(Debug, Clone, Args)]
struct Common {
    /// The language of the messages, `fr` or `en` [default: French where LC_ALL, LC_MESSAGES
    /// or LANG says fr_*, English otherwise].
    #[arg(long, global = true, value_parser = ["fr", "en"])]
    lang: Option<String>,

    /// Run the answer key (lab/solutions) instead of your answers (a teacher's demo).
    #[arg(long, global = true)]
    solution: bool,

    /// Dataset: `mnist` (through burn-dataset's download, or --data-dir) or `fashion-mnist`
    /// (/usr/share/datasets/fashion-mnist); the lab's table is MNIST's.
    #[arg(long, global = true, default_value = "mnist", value_parser = ["mnist", "fashion-mnist"])]
    dataset: String,

    /// Read the four IDX files (raw or .gz) from this folder. For MNIST, the environment
    /// variable HANDGRAD_DATA_DIR gives it when this does not.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

/// What a check takes.
#[derive(Debug, Clone, Args)]
struct CheckArgs {
    /// Check again each time a file under lab/src is saved (Enter: again, h: a hint, l: the
    /// list, q: quit; each followed by Enter).
    #[arg(long)]
    watch: bool,

    /// The folder --watch watches [default: lab/src].
    #[arg(long, value_name = "DIR", hide = true)]
    watch_dir: Option<PathBuf>,

    /// Your name, in the reports.
    #[arg(long)]
    name: Option<String>,

    /// Also write the report as JSON to this file (the book's chapter for teachers documents
    /// it).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Also write Gradescope's autograder results.json to this file.
    #[arg(long, value_name = "FILE")]
    gradescope: Option<PathBuf>,

    /// Epochs of the lab's loop (the lab's 20; fewer for a quick look).
    #[arg(long, default_value_t = lab_checker::table::EPOCHS as u64, value_parser = clap::value_parser!(u64).range(1..=100))]
    epochs: u64,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// The next hint for the first step that is not right (one level more each time).
    Hint,
    /// Every step of the lab with its state: done, current, to do.
    List,
    /// A class's reports (a folder of `cargo lab --json` files) read together: students at each
    /// step, each slip with its count, who matched the lab's table.
    Class {
        /// The folder of reports.
        dir: PathBuf,
        /// As Markdown tables.
        #[arg(long)]
        markdown: bool,
    },
}

impl Common {
    fn lang(&self) -> Lang {
        match self.lang.as_deref() {
            Some("fr") => Lang::Fr,
            Some(_) => Lang::En,
            None => lang_of_locale(),
        }
    }

    fn data(&self) -> DataSource {
        let kind = if self.dataset == "mnist" { DatasetKind::Mnist } else { DatasetKind::FashionMnist };
        DataSource::with_default_dir(kind, self.data_dir.clone())
    }

    /// These options as arguments again, for a check run by --watch.
    fn args(&self) -> Vec<String> {
        let mut args = vec!["--lang".to_string(), self.lang().name().to_string(), "--dataset".to_string(), self.dataset.clone()];
        if self.solution {
            args.push("--solution".into());
        }
        if let Some(dir) = &self.data_dir {
            args.extend(["--data-dir".to_string(), absolute(dir)]);
        }
        args
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(&cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::ToDo) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cargo lab: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: &Cli) -> Result<Outcome> {
    let (common, lang) = (&cli.common, cli.common.lang());
    match &cli.command {
        Some(Sub::Hint) => {
            println!("{}", hint::next(&findings(common)?, &hint::state_file(), lang)?);
            Ok(Outcome::Done)
        }
        Some(Sub::List) => {
            print!("{}", list::render(&findings(common)?, lang));
            Ok(Outcome::Done)
        }
        Some(Sub::Class { dir, markdown }) => {
            print!("{}", class::render(&class::summary(&class::read(dir)?, lang), *markdown, lang));
            Ok(Outcome::Done)
        }
        None if cli.check.watch => {
            let dir = cli.check.watch_dir.clone().unwrap_or_else(student_dir);
            watch(&dir, &Rerun { check: check_args(cli), common: common.args() }, lang)?;
            Ok(Outcome::Done)
        }
        None => run(&Options {
            solution: common.solution,
            json: cli.check.json.clone(),
            gradescope: cli.check.gradescope.clone(),
            name: cli.check.name.clone(),
            data: common.data(),
            epochs: cli.check.epochs as usize,
            lang,
        }),
    }
}

/// The checks of both exercises, without training.
fn findings(common: &Common) -> Result<Vec<check::Finding>> {
    let (_, cases, _) = prepare(&common.data())?;
    let (one, two) = answers(common.solution);
    Ok(check::all(&one, &two, &cases, common.lang()))
}

/// A path as an argument of a check --watch runs from the workspace's folder.
fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// The arguments of the checks --watch runs.
fn check_args(cli: &Cli) -> Vec<String> {
    let mut args = cli.common.args();
    args.extend(["--epochs".to_string(), cli.check.epochs.to_string()]);
    if let Some(name) = &cli.check.name {
        args.extend(["--name".to_string(), name.clone()]);
    }
    for (flag, path) in [("--json", &cli.check.json), ("--gradescope", &cli.check.gradescope)] {
        if let Some(path) = path {
            args.extend([flag.to_string(), absolute(path)]);
        }
    }
    args
}

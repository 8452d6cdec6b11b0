//! What a student sees for each slip of the catalog (lesson::slips), written as a student
//! writes it (tests/fixtures/wrong.rs), checked on the first training images of the data
//! folder given, in English and in French: `cargo run --release --example slips -- DATA_DIR >
//! artifacts/lab-slips.md`.

use lab_checker::check::{self, Cases, Finding};
use lesson::backend::Backend;
use lesson::data::{DataSource, DatasetKind, Which};
use lesson::slips::Lang;

#[path = "../tests/fixtures/wrong.rs"]
mod wrong;

/// The finding that names the slip: a warning's, or the last.
fn naming(findings: &[Finding]) -> &Finding {
    findings.iter().find(|f| f.slip().is_some()).or(findings.last()).expect("a finding")
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: slips DATA_DIR"))?;
    let train = DataSource { kind: DatasetKind::Mnist, dir: Some(dir.into()) }.split(Which::Train)?;
    let device = Backend::Ndarray.device();
    device.seed(1);
    let cases = Cases::new(&train, &device);
    println!("# What `cargo lab` says for each slip\n");
    println!("Written by `cargo run --release --example slips -- DATA_DIR` (MNIST's first 138 training");
    println!("images): each slip of the catalog (lesson/src/slips.rs), as a student writes it in");
    println!("lab/checker/tests/fixtures/wrong.rs, and the lines `cargo lab` prints for it, in English");
    println!("(`--lang en`) and in French (`--lang fr`).\n");
    for (slip, answers) in wrong::exo1() {
        println!("## `{}`\n", slip.name());
        for lang in Lang::ALL {
            println!("```text\n{}\n```\n", naming(&check::exo1(&answers, &cases, lang)).render(lang));
        }
    }
    for (slip, answers) in wrong::exo2() {
        println!("## `{}`\n", slip.name());
        for lang in Lang::ALL {
            println!("```text\n{}\n```\n", naming(&check::exo2(&answers, &cases, lang)).render(lang));
        }
    }
    Ok(())
}

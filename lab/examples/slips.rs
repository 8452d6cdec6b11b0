//! What a student sees for each slip of the catalog (lab/src/wrong.rs), checked on the first
//! training images of the data folder given: `cargo run --release --example slips --
//! DATA_DIR > artifacts/lab-slips.md`.

use lab::check::{self, Cases};
use lesson::backend::Backend;
use lesson::data::{DataSource, DatasetKind, Which};

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: slips DATA_DIR"))?;
    let train = DataSource { kind: DatasetKind::Mnist, dir: Some(dir.into()) }.split(Which::Train)?;
    let device = Backend::Ndarray.device();
    device.seed(1);
    let cases = Cases::new(&train, &device);
    println!("# What `cargo lab` says for each slip\n");
    println!("Written by `cargo run --release --example slips -- DATA_DIR` (MNIST's first 138 training");
    println!("images): each slip of lab/src/slips.rs, as a student writes it in lab/src/wrong.rs, and the");
    println!("last lines `cargo lab` prints for it.\n");
    let one = lab::wrong::exo1().into_iter().map(|(slip, a)| (slip, check::exo1(&a, &cases)));
    let two = lab::wrong::exo2().into_iter().map(|(slip, a)| (slip, check::exo2(&a, &cases)));
    for (slip, findings) in one.chain(two) {
        let last = findings.last().expect("a finding");
        println!("## `{}`\n\n```text\n{last}\n```\n", slip.name());
    }
    Ok(())
}

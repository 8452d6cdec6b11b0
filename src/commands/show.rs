//! `handgrad show`: exercise 0.

use anyhow::{Result, bail};

use crate::cli::{ShowArgs, name_of};
use crate::fsutil::ensure_parent;
use crate::plot::grid::{GridLayout, ascii_preview, image_grid};

/// Writes the grid picture, or prints the character preview.
pub fn run(args: &ShowArgs) -> Result<()> {
    let count = args.count.unwrap_or(if args.ascii { 4 } else { 200 });
    if count == 0 {
        bail!("--count must be at least 1");
    }
    if !args.ascii {
        // Fail on an unwritable destination before reading any data.
        ensure_parent(&args.out)?;
    }
    let source = args.data.source();
    let split = source.split(args.split)?;
    let count = count.min(split.len());
    if args.ascii {
        print!("{}", ascii_preview(&split, count, &source.kind.class_names()));
        return Ok(());
    }
    image_grid(&split, count).save(&args.out)?;
    let layout = GridLayout::new(count);
    let (w, h) = layout.size();
    println!(
        "wrote {} ({w}×{h} px): the first {count} {} images of {} in {} rows of {}",
        args.out.display(),
        name_of(&args.split),
        source.kind.name(),
        layout.rows,
        layout.cols
    );
    Ok(())
}

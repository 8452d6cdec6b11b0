//! `handgrad show`: exercise 0.

use anyhow::{Result, bail};

use crate::cli::ShowArgs;
use crate::data::SIDE;
use crate::fsutil::{ensure_dir, ensure_parent};
use crate::plot::canvas::Canvas;
use crate::plot::grid::{GridLayout, ascii_preview, image_grid};

/// Writes the grid picture, or prints the character preview.
pub fn run(args: &ShowArgs) -> Result<()> {
    let count = args.count.unwrap_or(if args.ascii { 4 } else { 200 });
    if count == 0 {
        bail!("--count must be at least 1");
    }
    // Fail on an unwritable destination before reading any data.
    match (&args.export, args.ascii) {
        (Some(dir), _) => ensure_dir(dir)?,
        (None, false) => ensure_parent(&args.out)?,
        (None, true) => {}
    }
    let source = args.data.source();
    let split = source.split(args.split)?;
    let count = count.min(split.len());
    if args.ascii {
        print!("{}", ascii_preview(&split, count, &source.kind.class_names()));
        return Ok(());
    }
    if let Some(dir) = &args.export {
        let which = args.split.name();
        for i in 0..count {
            let name = format!("{which}-{i:05}-label-{}.png", split.labels[i]);
            let mut canvas = Canvas::new(SIDE as u32, SIDE as u32, [0, 0, 0]);
            canvas.digit(split.image(i), 0, 0, SIDE as u32);
            canvas.save(&dir.join(name))?;
        }
        println!("wrote {count} images of 28×28 as PNG in {}", dir.display());
        return Ok(());
    }
    image_grid(&split, count).save(&args.out)?;
    let layout = GridLayout::new(count);
    let (w, h) = layout.size();
    println!(
        "wrote {} ({w}×{h} px): the first {count} {} images of {} in {} rows of {}",
        args.out.display(),
        args.split.name(),
        source.kind.name(),
        layout.rows,
        layout.cols
    );
    Ok(())
}

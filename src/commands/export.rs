//! `handgrad export --model RUN --to DIR`: a logistic regression's W and b as .npy files that
//! numpy loads as the lab's arrays, and the model as safetensors for PyTorch.

use anyhow::{Result, bail};

use crate::bridge::{lab_arrays, npy_bytes, safetensors_bytes};
use crate::cli::ExportArgs;
use crate::data::{CLASSES, PIXELS};
use crate::fsutil::{ensure_dir, write_atomic};
use crate::persist::load_model;

/// Writes W.npy, b.npy and model.safetensors (each atomically).
pub fn run(args: &ExportArgs) -> Result<()> {
    let device = args.device.backend()?.open()?;
    let (model, meta, file) = load_model(&args.model, &device)?;
    let Some(logreg) = model.as_logreg() else {
        bail!(
            "{}: a {}; export writes the logistic regression's W and b",
            file.display(),
            meta.architecture().describe()
        );
    };
    let (w, b) = lab_arrays(logreg);
    // Everything is encoded before anything is written.
    let files = [
        ("W.npy", npy_bytes(&w, &[PIXELS as u64, CLASSES as u64])?),
        ("b.npy", npy_bytes(&b, &[1, CLASSES as u64])?),
        ("model.safetensors", safetensors_bytes(logreg)?),
    ];
    ensure_dir(&args.to)?;
    for (name, bytes) in &files {
        write_atomic(&args.to.join(name), bytes)?;
    }
    let precision = meta.config.model.precision.name();
    println!(
        "wrote W.npy ({PIXELS} × {CLASSES}, {precision}), b.npy (1 × {CLASSES}) and model.safetensors \
         (linear.weight {CLASSES} × {PIXELS}, PyTorch's orientation; linear.bias) in {}",
        args.to.display()
    );
    Ok(())
}

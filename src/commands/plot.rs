//! `handgrad plot --run DIR`: the pictures of a saved run, drawn again.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::cli::PlotArgs;
use crate::fsutil::{RUNS, ensure_dir, numbered_runs};
use crate::persist::load_model;
use crate::pictures::{write_curves, write_test_pictures, write_weights};
use crate::report::read_metrics_csv;

/// Redraws curves.png (from metrics.csv), weights.png (from the model) and confusion.png and
/// errors.png (from the model on the test set).
pub fn run(args: &PlotArgs) -> Result<()> {
    let run = match &args.run {
        Some(run) => run.clone(),
        None => latest_run()?,
    };
    let out = args.out.clone().unwrap_or_else(|| run.clone());
    ensure_dir(&out)?;
    let backend = args.device.backend()?;
    let device = backend.open()?;
    let epochs = read_metrics_csv(&run.join("metrics.csv"))?;
    let (model, meta, _) = load_model(&run, &device)?;
    let source = meta.config.data.source_with(args.data_dir.clone());
    let data = source.load()?;
    let mut written = vec![
        write_curves(&out, &epochs, &format!("{} on {}", meta.architecture().describe(), meta.dataset().name()))?,
        write_weights(&out, &model, &data.class_names())?,
    ];
    let (table, paths) = write_test_pictures(&out, &model, &data, &device)?;
    written.extend(paths);
    print!("{table}");
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The run `train` finished last without `--out`: the highest-numbered folder in runs/ that
/// holds a saved model (not one a failed or running run holds).
fn latest_run() -> Result<PathBuf> {
    match numbered_runs(Path::new(RUNS)).into_iter().rev().find(|(_, dir)| dir.join("model.json").is_file()) {
        Some((_, dir)) => Ok(dir),
        None => bail!("no finished run in {RUNS}/ to plot: give --run DIR, a folder that `train` wrote"),
    }
}

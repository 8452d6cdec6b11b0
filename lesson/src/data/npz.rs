//! Keras's `mnist.npz`, the file `keras.datasets.mnist.load_data()` — the lab's own loader —
//! caches in `~/.keras/datasets`: a zip archive of four .npy arrays, `x_train` (60 000 × 28 ×
//! 28), `y_train` (60 000), `x_test` (10 000 × 28 × 28) and `y_test` (10 000), all uint8.
//! Read with the `zip` and `npyz` crates.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use npyz::{DType, NpyFile, Order, TypeChar};
use zip::ZipArchive;
use zip::result::ZipError;

use super::idx::{CLASSES, SIDE};
use super::{Split, Which};

/// Where Keras caches MNIST: `~/.keras/datasets/mnist.npz`.
pub fn keras_cache() -> Option<PathBuf> {
    dirs::home_dir().map(|home| home.join(".keras").join("datasets").join("mnist.npz"))
}

/// Whether a path names an .npz file (by its extension).
pub fn is_npz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz"))
}

/// The arrays of a split: images, then labels.
fn names(which: Which) -> (&'static str, &'static str) {
    match which {
        Which::Train => ("x_train", "y_train"),
        Which::Test => ("x_test", "y_test"),
    }
}

/// Reads one split (`x_train` and `y_train`, or `x_test` and `y_test`) of an mnist.npz.
pub fn read_split(path: &Path, which: Which) -> Result<Split> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|e| anyhow!("{}: not a complete .npz (zip) archive ({e}): truncated or damaged?", path.display()))?;
    let (x, y) = names(which);
    let (images_shape, pixels) = uint8_array(&mut archive, path, x)?;
    let (labels_shape, labels) = uint8_array(&mut archive, path, y)?;
    let n = labels.len();
    if images_shape != [n as u64, SIDE as u64, SIDE as u64] || labels_shape != [n as u64] {
        bail!(
            "{}: {x} has shape {images_shape:?} and {y} {labels_shape:?}, where MNIST's are (N, 28, 28) and (N,)",
            path.display()
        );
    }
    if let Some(bad) = labels.iter().find(|&&l| l as usize >= CLASSES) {
        bail!("{}: {y} holds the label {bad}, not a class 0-9", path.display());
    }
    Ok(Split::new(pixels, labels))
}

/// The array `name` of the archive: its shape and its values, which must be uint8, C order.
fn uint8_array(archive: &mut ZipArchive<BufReader<File>>, path: &Path, name: &str) -> Result<(Vec<u64>, Vec<u8>)> {
    let held: Vec<String> = archive.file_names().flatten().map(|n| n.trim_end_matches(".npy").to_string()).collect();
    let entry = match archive.by_name(&format!("{name}.npy")) {
        Ok(entry) => entry,
        Err(ZipError::FileNotFound) => bail!(
            "{}: no array {name} (it holds {}); Keras's mnist.npz has x_train, y_train, x_test and y_test",
            path.display(),
            if held.is_empty() { "none".to_string() } else { held.join(", ") }
        ),
        Err(e) => bail!("{}: cannot read the array {name} ({e})", path.display()),
    };
    let npy = NpyFile::new(entry).map_err(|e| anyhow!("{}: {name} is not an .npy array ({e})", path.display()))?;
    match npy.dtype() {
        DType::Plain(t) if t.type_char() == TypeChar::Uint && t.size_field() == 1 => {}
        other => bail!("{}: {name} holds {} values, where MNIST's are uint8 ('|u1')", path.display(), other.descr()),
    }
    if npy.order() == Order::Fortran && npy.shape().len() > 1 {
        bail!("{}: {name} is stored in Fortran order; save it in C order (np.ascontiguousarray)", path.display());
    }
    let shape = npy.shape().to_vec();
    let values = npy
        .into_vec::<u8>()
        .map_err(|e| anyhow!("{}: {name} cannot be read whole ({e}): truncated or damaged?", path.display()))?;
    Ok((shape, values))
}

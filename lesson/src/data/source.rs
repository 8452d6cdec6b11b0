//! Where the bytes come from: burn-dataset's MNIST download (or, when it fails, Keras's
//! ~/.keras/datasets/mnist.npz), Debian's Fashion-MNIST, a folder of IDX files, or an .npz
//! file as Keras's.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use super::idx::{self, CLASSES, PIXELS};
use super::npz;
use super::{Dataset, Split, Which};

/// The message a panic carried (a `String` or a `&str` payload), if any.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}

/// Where Debian's `dataset-fashion-mnist` package puts its files.
pub const FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Which dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// Handwritten digits 0–9.
    Mnist,
    /// Zalando's clothing images, in MNIST's format.
    FashionMnist,
}

impl DatasetKind {
    /// Both datasets.
    pub const ALL: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::FashionMnist];

    /// The names of the 10 classes, by label.
    pub fn class_names(self) -> [&'static str; CLASSES] {
        match self {
            DatasetKind::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetKind::FashionMnist => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        }
    }

    /// Its name in prose: "MNIST", "Fashion-MNIST".
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::FashionMnist => "Fashion-MNIST",
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
        }
    }
}

/// The standard file names, without `.gz`.
fn stems(which: Which) -> (&'static str, &'static str) {
    match which {
        Which::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        Which::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
}

/// A dataset and where to read it from.
#[derive(Debug, Clone)]
pub struct DataSource {
    /// MNIST or Fashion-MNIST (decides the class names and the default location).
    pub kind: DatasetKind,
    /// A folder holding the four IDX files, or an .npz file as Keras's mnist.npz; `None` for
    /// the default location.
    pub dir: Option<PathBuf>,
}

/// The environment variable that names MNIST's folder once for every command (`--data-dir`
/// wins over it).
pub const DATA_DIR_VAR: &str = "HANDGRAD_DATA_DIR";

impl DataSource {
    /// `kind`, read from `dir` if given, else, for MNIST, from the folder in HANDGRAD_DATA_DIR
    /// if set: the variable names MNIST's folder, never Fashion-MNIST's (which has its own
    /// place), so that a Fashion-MNIST command or model is never fed digits.
    pub fn with_default_dir(kind: DatasetKind, dir: Option<PathBuf>) -> Self {
        let from_env = || match kind {
            DatasetKind::Mnist => std::env::var_os(DATA_DIR_VAR).filter(|v| !v.is_empty()).map(PathBuf::from),
            DatasetKind::FashionMnist => None,
        };
        DataSource { kind, dir: dir.or_else(from_env) }
    }

    /// The folder the files are read from, if they are read from a folder.
    pub fn folder(&self) -> Option<PathBuf> {
        match (&self.dir, self.kind) {
            (Some(dir), _) => Some(dir.clone()),
            (None, DatasetKind::FashionMnist) => Some(PathBuf::from(FASHION_MNIST_DIR)),
            (None, DatasetKind::Mnist) => None,
        }
    }

    /// A short description of the origin, for logs and summaries.
    pub fn origin(&self) -> String {
        match self.folder() {
            Some(dir) => dir.display().to_string(),
            None => "burn-dataset MnistDataset (burn's cache)".to_string(),
        }
    }

    /// Loads both splits (the two are read in parallel).
    pub fn load(&self) -> Result<Dataset> {
        let (train, test) = if self.folder().is_some() {
            std::thread::scope(|s| {
                let train = s.spawn(|| self.split(Which::Train));
                let test = self.split(Which::Test);
                (join(train), test)
            })
        } else {
            // burn-dataset's download is contained with a process-wide panic hook: one at a time.
            let train = mnist_download::split(Which::Train);
            if let (Err(_), Some(keras)) = (&train, npz::keras_cache().filter(|k| k.is_file())) {
                // Both splits from Keras's file then, and the run says where they came from.
                eprintln!("note: MNIST could not be had through burn-dataset; reading Keras's {} instead", keras.display());
                return Ok(Dataset {
                    kind: self.kind,
                    origin: keras.display().to_string(),
                    train: npz::read_split(&keras, Which::Train)?,
                    test: npz::read_split(&keras, Which::Test)?,
                });
            }
            (train, self.split(Which::Test))
        };
        Ok(Dataset {
            kind: self.kind,
            origin: self.origin(),
            train: train?,
            test: test?,
        })
    }

    /// How many images a split holds, read from its labels file alone when the data is in a
    /// folder (no pixels read: `handgrad bench` checks this before it starts any run).
    pub fn count(&self, which: Which) -> Result<usize> {
        match self.folder() {
            Some(dir) if dir.is_dir() => Ok(idx::read_labels(&find(&dir, stems(which).1)?)?.len()),
            _ => Ok(self.split(which)?.len()),
        }
    }

    /// Loads one split.
    pub fn split(&self, which: Which) -> Result<Split> {
        match self.folder() {
            Some(file) if npz::is_npz(&file) => npz::read_split(&file, which),
            Some(dir) => read_split(&dir, which),
            None => mnist_download::split(which).or_else(|failed| {
                // A student who ran the lab in Python has MNIST already, in Keras's cache.
                let Some(keras) = npz::keras_cache().filter(|k| k.is_file()) else { return Err(failed) };
                eprintln!("note: MNIST could not be had through burn-dataset; reading Keras's {} instead", keras.display());
                npz::read_split(&keras, which)
            }),
        }
    }
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    handle
        .join()
        .unwrap_or_else(|_| Err(anyhow!("a data-loading thread failed")))
}

/// A data folder that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFolder {
    /// The folder.
    pub dir: PathBuf,
}

impl NoFolder {
    /// Whether it is Debian's Fashion-MNIST folder, which a package installs.
    pub fn is_fashion_package(&self) -> bool {
        self.dir == Path::new(FASHION_MNIST_DIR)
    }
}

impl std::fmt::Display for NoFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "data folder {} does not exist", self.dir.display())?;
        if self.is_fashion_package() {
            write!(f, " (install it with `apt-get install dataset-fashion-mnist`, or read the files from another folder)")?;
        }
        Ok(())
    }
}

impl std::error::Error for NoFolder {}

/// MNIST could not be had through burn-dataset: what happened, and the first way out (the
/// others: the four IDX files from a folder, or Fashion-MNIST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMnist {
    /// What happened, and what a run online would do.
    pub what: String,
}

impl std::fmt::Display for NoMnist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, or read the four IDX files from a folder (or Keras's mnist.npz), or train on Fashion-MNIST", self.what)
    }
}

impl std::error::Error for NoMnist {}

/// Reads one split's two IDX files from a folder (`NAME.gz` or `NAME`).
pub fn read_split(dir: &Path, which: Which) -> Result<Split> {
    if dir.is_file() {
        bail!("{}: a file, where a folder of IDX files or an .npz file (Keras's mnist.npz) was expected", dir.display());
    }
    if !dir.is_dir() {
        return Err(NoFolder { dir: dir.to_path_buf() }.into());
    }
    let (images_stem, labels_stem) = stems(which);
    let images_path = find(dir, images_stem)?;
    let labels_path = find(dir, labels_stem)?;
    let images = idx::read_images(&images_path)?;
    let labels = idx::read_labels(&labels_path)?;
    if images.count != labels.len() {
        bail!(
            "{} holds {} images but {} holds {} labels",
            images_path.display(),
            images.count,
            labels_path.display(),
            labels.len()
        );
    }
    Ok(Split::new(images.pixels, labels))
}

/// `dir/stem.gz`, else `dir/stem`; else the same with the dotted name many copies of MNIST
/// use (`train-images.idx3-ubyte` for `train-images-idx3-ubyte`).
fn find(dir: &Path, stem: &str) -> Result<PathBuf> {
    let dotted = stem.replacen("-idx", ".idx", 1);
    for name in [stem, dotted.as_str()] {
        for file in [format!("{name}.gz"), name.to_string()] {
            let path = dir.join(file);
            if path.exists() {
                return Ok(path);
            }
        }
    }
    bail!("{}: no {stem}.gz or {stem} in this folder (nor {dotted}.gz or {dotted})", dir.display())
}

/// MNIST through burn-dataset, which downloads it once into its cache.
mod mnist_download {
    use super::*;
    use burn_dataset::Dataset as _;
    use burn_dataset::vision::MnistDataset;

    /// Loads a split through `MnistDataset` (downloading it if burn's cache lacks it).
    ///
    /// burn-dataset panics when the download fails (offline, say); the panic is contained
    /// here and becomes one error that says how to get out.
    pub fn split(which: Which) -> Result<Split> {
        // burn-dataset trusts any file it finds in its cache: check them first, and move a
        // corrupt one aside so that it downloads that file again.
        let healed = heal(which);
        let dataset = quietly(|| match which {
            Which::Train => MnistDataset::train(),
            Which::Test => MnistDataset::test(),
        })
        .map_err(|reason| NoMnist {
            what: match healed.first() {
                Some(h) => format!(
                    "{h}, and downloading it again failed ({reason}); the next run online downloads it again"
                ),
                None => format!(
                    "cannot get MNIST through burn-dataset ({reason}); connect to the internet once \
                     (it is cached in {})",
                    cache_dir()
                ),
            },
        })?;
        // What was just downloaded must be right too (a proxy's error page gunzips to nothing
        // useful): say so, and leave it moved aside for the next run.
        if let Some(h) = heal(which).first() {
            bail!("{h} right after downloading it; the next run downloads it again");
        }
        for h in &healed {
            eprintln!("note: {h}; downloaded it again");
        }
        let mut pixels = Vec::with_capacity(dataset.len() * PIXELS);
        let mut labels = Vec::with_capacity(dataset.len());
        for i in 0..dataset.len() {
            let item = dataset
                .get(i)
                .with_context(|| format!("MNIST item {i} of the {which:?} split"))?;
            // burn-dataset hands out gray levels as f32 in 0..=255: back to u8, exactly.
            pixels.extend(item.image.iter().flatten().map(|&v| v as u8));
            labels.push(item.label);
        }
        if let Some(bad) = labels.iter().find(|&&l| l as usize >= CLASSES) {
            bail!("MNIST from burn's cache has a label {bad}: remove {} and retry", cache_dir());
        }
        Ok(Split::new(pixels, labels))
    }

    /// The files burn-dataset keeps for a split: name, IDX magic number, and size once
    /// gunzipped (MNIST's own: a 16-byte header and 784 bytes an image, or an 8-byte header
    /// and a byte a label).
    fn expected(which: Which) -> [(&'static str, u32, u64); 2] {
        let (images, labels) = stems(which);
        let n: u64 = match which {
            Which::Train => 60_000,
            Which::Test => 10_000,
        };
        [(images, 0x0803, 16 + n * PIXELS as u64), (labels, 0x0801, 8 + n)]
    }

    /// Checks the cached files of a split, moving each corrupt one aside (`NAME.corrupt`);
    /// says what was moved. A missing file is not corrupt: burn-dataset downloads it.
    fn heal(which: Which) -> Vec<String> {
        let Some(dir) = dirs::cache_dir().map(|d| d.join("burn-dataset").join("mnist").join(which.name())) else {
            return Vec::new();
        };
        let mut healed = Vec::new();
        for (name, magic, size) in expected(which) {
            let path = dir.join(name);
            let Some(problem) = corrupt(&path, magic, size) else { continue };
            let aside = dir.join(format!("{name}.corrupt"));
            match std::fs::rename(&path, &aside) {
                Ok(()) => healed.push(format!(
                    "{} in burn's cache was corrupt ({problem}) and is moved to {}",
                    path.display(),
                    aside.display()
                )),
                Err(e) => healed.push(format!(
                    "{} in burn's cache is corrupt ({problem}) and cannot be moved aside ({e}): remove it",
                    path.display()
                )),
            }
        }
        healed
    }

    /// What is wrong with a cached file, if anything (`None` also when it does not exist).
    fn corrupt(path: &Path, magic: u32, size: u64) -> Option<String> {
        use std::io::Read;
        let actual = std::fs::metadata(path).ok()?.len();
        if actual != size {
            return Some(format!("{actual} bytes, MNIST's file has {size}"));
        }
        let mut header = [0u8; 4];
        let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
        match read {
            Err(e) => Some(format!("unreadable: {e}")),
            Ok(()) if u32::from_be_bytes(header) != magic => {
                Some(format!("not an IDX file: it starts with {header:02x?}"))
            }
            Ok(()) => None,
        }
    }

    /// Where burn-dataset keeps MNIST (it uses the same `dirs::cache_dir()`).
    fn cache_dir() -> String {
        dirs::cache_dir()
            .map(|dir| dir.join("burn-dataset").join("mnist").display().to_string())
            .unwrap_or_else(|| "burn's cache folder".to_string())
    }

    /// Runs `f`, turning a panic into an error carrying the panic's first line, without
    /// printing the panic.
    fn quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        std::panic::set_hook(previous);
        result.map_err(|payload| summarize(panic_text(payload.as_ref()).unwrap_or("unknown failure")))
    }

    /// The useful part of a reqwest panic message ("dns error", "connection refused", …).
    fn summarize(text: &str) -> String {
        let first = text.lines().next().unwrap_or(text);
        if first.contains("dns error") {
            "download failed: cannot resolve the server's name, offline?".to_string()
        } else if first.contains("Connect") || first.contains("timed out") {
            "download failed: cannot connect to the server".to_string()
        } else {
            first.chars().take(160).collect()
        }
    }
}

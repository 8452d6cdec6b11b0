//! The data: MNIST or Fashion-MNIST, kept compact on the host (u8 pixels) and turned into
//! tensors one batch or one chunk at a time.
//!
//! Where the bytes come from is [`source`]; how an IDX file is read is [`idx`], and Keras's
//! mnist.npz [`npz`]; how a slice of a split becomes tensors is [`batch`].

pub mod batch;
pub mod idx;
pub mod npz;
pub mod source;

pub use batch::{Batch, Batches};
pub use idx::{CLASSES, PIXELS, SIDE};
pub use source::{DataSource, DatasetKind};

/// One split (train or test): images and their labels, on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// `len × 784` gray levels, row-major, 0..=255.
    pub pixels: Vec<u8>,
    /// One class index (0..10) per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Builds a split, checking that pixels and labels agree.
    pub fn new(pixels: Vec<u8>, labels: Vec<u8>) -> Self {
        assert_eq!(pixels.len(), labels.len() * PIXELS, "one 784-pixel image per label");
        Self { pixels, labels }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The 784 pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * PIXELS..(i + 1) * PIXELS]
    }

    /// The first `n` images (or all of them), as a new split.
    pub fn head(&self, n: usize) -> Split {
        let n = n.min(self.len());
        Split::new(self.pixels[..n * PIXELS].to_vec(), self.labels[..n].to_vec())
    }
}

/// Which split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    /// The training set (60 000 images).
    Train,
    /// The test set (10 000 images).
    Test,
}

impl Which {
    /// Both splits.
    pub const ALL: [Which; 2] = [Which::Train, Which::Test];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Which::Train => "train",
            Which::Test => "test",
        }
    }
}

/// A dataset loaded for training: both splits and the names of its classes.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// MNIST or Fashion-MNIST.
    pub kind: DatasetKind,
    /// Where the files came from, for the record.
    pub origin: String,
    /// The training split.
    pub train: Split,
    /// The test split.
    pub test: Split,
}

impl Dataset {
    /// The names of the 10 classes.
    pub fn class_names(&self) -> [&'static str; CLASSES] {
        self.kind.class_names()
    }
}

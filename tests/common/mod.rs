//! Helpers shared by the integration tests: synthetic MNIST-shaped data and IDX folders.
#![allow(dead_code)]

use std::path::Path;

use burn::tensor::Tensor;
use handgrad::data::idx::{encode_images, encode_labels, gzip};
use handgrad::data::{CLASSES, Dataset, DatasetKind, PIXELS, Split};
use handgrad::shuffle::SplitMix64;

/// `n` 28×28 images whose class can be learned: class `c` lights a band of rows
/// (2c+4 .. 2c+8) with noise everywhere, so a linear model separates most of them.
pub fn synthetic_split(n: usize, seed: u64) -> Split {
    let mut rng = SplitMix64::new(seed);
    let mut pixels = Vec::with_capacity(n * PIXELS);
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.below(CLASSES);
        for p in 0..PIXELS {
            let row = p / 28;
            let signal = if row >= 2 * c + 4 && row < 2 * c + 8 { 150 } else { 0 };
            let noise = rng.below(110);
            pixels.push((signal + noise).min(255) as u8);
        }
        labels.push(c as u8);
    }
    Split::new(pixels, labels)
}

/// A synthetic dataset with the given split sizes.
pub fn synthetic_dataset(train: usize, test: usize, seed: u64) -> Dataset {
    Dataset {
        kind: DatasetKind::Mnist,
        origin: "synthetic".to_string(),
        train: synthetic_split(train, seed),
        test: synthetic_split(test, seed + 1),
    }
}

/// Writes the four IDX files of a dataset into `dir`, gzip-compressed or raw.
pub fn write_idx_dir(dir: &Path, data: &Dataset, gz: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        ("train-images-idx3-ubyte", encode_images(&data.train.pixels)),
        ("train-labels-idx1-ubyte", encode_labels(&data.train.labels)),
        ("t10k-images-idx3-ubyte", encode_images(&data.test.pixels)),
        ("t10k-labels-idx1-ubyte", encode_labels(&data.test.labels)),
    ];
    for (stem, bytes) in files {
        if gz {
            std::fs::write(dir.join(format!("{stem}.gz")), gzip(&bytes)).unwrap();
        } else {
            std::fs::write(dir.join(stem), bytes).unwrap();
        }
    }
}

/// A tensor's values as f64.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data().iter::<f64>().collect()
}

/// `max |a − b|`.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// A fresh temporary folder under the system's temp dir.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("handgrad-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

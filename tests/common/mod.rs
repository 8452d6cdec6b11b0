//! Helpers shared by the integration tests: synthetic MNIST-shaped data and IDX folders.
#![allow(dead_code)]

pub mod http;
pub mod reference;

use std::path::{Path, PathBuf};

use burn::tensor::Tensor;
use lesson::data::idx::{encode_images, encode_labels, gzip};
use lesson::data::source::read_split;
use lesson::data::{CLASSES, Dataset, DatasetKind, PIXELS, Split, Which};
use handgrad::plot::canvas::{Align, Canvas};
use lesson::shuffle::SplitMix64;

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

/// A logistic regression trained on 8 000 real MNIST digits; the folder, the data and the run.
/// Panics, saying what is missing, where ../shared/data/mnist-test is absent: the tests that
/// call it are `#[ignore = "needs the MNIST test files in ../shared/data/mnist-test"]`.
pub fn trained_on_mnist(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist-test");
    assert!(shared.is_dir(), "no {} (the MNIST test files): this test needs them", shared.display());
    let digits = read_split(&shared, Which::Test).unwrap();
    let dir = temp_dir(name);
    let data = dir.join("data");
    let dataset = Dataset {
        kind: DatasetKind::Mnist,
        origin: "MNIST test set, split".into(),
        train: digits.head(8_000),
        test: lesson::data::Split::new(digits.pixels[8_000 * 784..].to_vec(), digits.labels[8_000..].to_vec()),
    };
    write_idx_dir(&data, &dataset, true);
    let run = dir.join("run");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(["train", "--data-dir", data.to_str().unwrap(), "--epochs", "10", "--out", run.to_str().unwrap(), "--no-plots"])
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (dir, data, run)
}

/// Digits 0–9 set in the fonts the binary embeds, dark on a light canvas of 300 × 220, at
/// three sizes and off-centre: 30 drawings, with their labels.
pub fn drawings(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for (k, (size, x, y)) in [(60.0, 70, 30), (110.0, 200, 50), (160.0, 120, 20)].into_iter().enumerate() {
        for digit in 0..10u64 {
            let mut canvas = Canvas::new(300, 220, [236, 236, 230]);
            canvas.text(&digit.to_string(), x, y, size, [20, 20, 40], Align::Center);
            let path = dir.join(format!("drawing-{k}-{digit}.png"));
            canvas.save(&path).unwrap();
            out.push((path, digit));
        }
    }
    out
}

/// A PNG whose header says 20 000 × 20 000 gray pixels, with one tiny (wrong) data chunk.
pub fn huge_png() -> Vec<u8> {
    png_header_only(20_000, 20_000)
}

/// A PNG whose header says `w` × `h` gray pixels, with one tiny (wrong) data chunk.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend(kind);
        out.extend(data);
        let crc = crc32(&out[start..]);
        out.extend(crc.to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// The lesson's loop, [`lesson::training::train`], from epoch 0: every epoch's metrics and
/// the trained model.
pub fn train_epochs<M: lesson::model::AnalyticGradients>(
    model: M,
    config: &lesson::training::TrainConfig,
    data: &Dataset,
    device: &burn::tensor::Device,
) -> (Vec<lesson::training::EpochMetrics>, M) {
    let mut metrics = Vec::new();
    let model = lesson::training::train(model, config, data, device, 0, &mut lesson::training::Quiet, |_, m| {
        metrics.push(m.clone());
        Ok(())
    })
    .unwrap();
    (metrics, model)
}

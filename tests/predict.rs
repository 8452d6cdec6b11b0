//! `predict` on a user's pictures: digits drawn dark on light, large and off-centre, prepared
//! the way MNIST prepared its digits, with a model trained on real MNIST digits (the test set
//! in ../shared/data/mnist-test, split 8 000 / 2 000; skipped where that folder is absent).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{temp_dir, write_idx_dir};
use handgrad::backend::Backend;
use handgrad::data::source::read_split;
use handgrad::data::{Dataset, DatasetKind, Which};
use handgrad::inference::predict;
use handgrad::persist::load_model;
use handgrad::plot::canvas::{Align, Canvas};

fn handgrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad")).args(args).env_remove("HANDGRAD_DATA_DIR").output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A logistic regression trained on 8 000 real MNIST digits; the folder, the data and the run.
fn trained_on_mnist(name: &str) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist-test");
    if !shared.is_dir() {
        eprintln!("skipped: no {} (the MNIST test files)", shared.display());
        return None;
    }
    let digits = read_split(&shared, Which::Test).unwrap();
    let dir = temp_dir(name);
    let data = dir.join("data");
    let dataset = Dataset {
        kind: DatasetKind::Mnist,
        origin: "MNIST test set, split".into(),
        train: digits.head(8_000),
        test: handgrad::data::Split::new(digits.pixels[8_000 * 784..].to_vec(), digits.labels[8_000..].to_vec()),
    };
    write_idx_dir(&data, &dataset, true);
    let run = dir.join("run");
    ok(&handgrad(&["train", "--data-dir", s(&data), "--epochs", "10", "--out", s(&run), "--no-plots"]));
    Some((dir, data, run))
}

fn top_class(json: &serde_json::Value) -> u64 {
    json["top"][0]["class"].as_u64().unwrap()
}

#[test]
fn predict_on_exported_test_images_agrees_with_eval() {
    let Some((dir, data, run)) = trained_on_mnist("predict-export") else { return };
    let export = dir.join("export");
    ok(&handgrad(&["show", "--data-dir", s(&data), "--split", "test", "--count", "40", "--export", s(&export)]));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&export).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut args = vec!["predict", "--model", s(&run), "--json"];
    args.extend(files.iter().map(|f| s(f)));
    let json: serde_json::Value = serde_json::from_str(&ok(&handgrad(&args))).unwrap();

    let device = Backend::default_backend().unwrap().device();
    let (model, _, _) = load_model(&run, &device).unwrap();
    let test = read_split(&data, Which::Test).unwrap().head(40);
    let expected = predict(&model, &test, &device);
    let got: Vec<u8> = json.as_array().unwrap().iter().map(|p| top_class(p) as u8).collect();
    assert_eq!(got, expected);
}

/// Digits 0–9 set in the fonts the binary embeds, dark on a light canvas of 300 × 220, at
/// three sizes and off-centre: 30 drawings, with their labels.
fn drawings(dir: &Path) -> Vec<(PathBuf, u64)> {
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

#[test]
fn drawings_are_prepared_the_way_mnist_prepared_its_digits() {
    let Some((dir, _data, run)) = trained_on_mnist("predict-drawings") else { return };
    let drawings = drawings(&dir);
    let mut args = vec!["predict", "--model", s(&run), "--json"];
    args.extend(drawings.iter().map(|(p, _)| s(p)));
    let json: serde_json::Value = serde_json::from_str(&ok(&handgrad(&args))).unwrap();
    let right = json.as_array().unwrap().iter().zip(&drawings).filter(|(p, (_, d))| top_class(p) == *d).count();

    // The old way: the whole picture resized to 28 × 28 (and inverted), nothing else.
    let device = Backend::default_backend().unwrap().device();
    let (model, _, _) = load_model(&run, &device).unwrap();
    let mut pixels = Vec::new();
    for (path, _) in &drawings {
        let gray = image::open(path).unwrap().to_luma8();
        let small = image::imageops::resize(&gray, 28, 28, image::imageops::FilterType::Triangle);
        pixels.extend(small.into_raw().into_iter().map(|p| 255 - p));
    }
    let labels: Vec<u8> = drawings.iter().map(|(_, d)| *d as u8).collect();
    let whole = handgrad::data::Split::new(pixels, labels.clone());
    let old_right = predict(&model, &whole, &device).iter().zip(&labels).filter(|(p, l)| p == l).count();

    eprintln!("drawings right: {right} of 30 prepared as MNIST, {old_right} of 30 resized whole");
    assert!(right >= 22, "prepared as MNIST: {right} of 30 right");
    assert!(old_right <= 6, "resized whole: {old_right} of 30 right");
    for p in json.as_array().unwrap() {
        assert_eq!(p["inverted"], true, "{p}");
    }
}

#[test]
fn bad_pictures_get_one_clear_line() {
    let Some((dir, _data, run)) = trained_on_mnist("predict-bad") else { return };
    let cases: Vec<(PathBuf, &str)> = vec![
        (dir.join("blank.png"), "blank image"),
        (dir.join("dot.png"), "1×1 pixels, too small"),
        (dir.join("text.png"), "not an image"),
        (dir.join("huge.png"), "over the 100 million"),
        (dir.join("empty.png"), "not an image"),
    ];
    image::GrayImage::from_pixel(300, 200, image::Luma([240])).save(&cases[0].0).unwrap();
    image::GrayImage::from_pixel(1, 1, image::Luma([0])).save(&cases[1].0).unwrap();
    std::fs::write(&cases[2].0, b"a note, not a picture").unwrap();
    // A PNG header that announces 20 000 × 20 000 pixels (never decoded).
    write_huge_png(&cases[3].0);
    std::fs::write(&cases[4].0, b"").unwrap();
    for (path, needle) in &cases {
        let out = handgrad(&["predict", "--model", s(&run), s(path)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{path:?} succeeded");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(needle), "{needle:?} not in {stderr:?}");
    }
}

/// A PNG whose header says 20 000 × 20 000 gray pixels, with one tiny (wrong) data chunk.
fn write_huge_png(path: &Path) {
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
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut png, b"IEND", &[]);
    std::fs::write(path, png).unwrap();
}

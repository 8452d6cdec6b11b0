//! `predict` on a user's pictures: digits drawn dark on light, large and off-centre, prepared
//! the way MNIST prepared its digits, with a model trained on real MNIST digits (the test set
//! in ../shared/data/mnist-test, split 8 000 / 2 000: those tests are `#[ignore]`d, and fail
//! where that folder is absent); bad pictures, with a model trained on synthetic digits.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{drawings, huge_png, synthetic_dataset, temp_dir, trained_on_mnist, write_idx_dir};
use lesson::backend::Backend;
use lesson::data::Which;
use lesson::data::source::read_split;
use lesson::inference::predict;
use handgrad::persist::load_model;

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

fn top_class(json: &serde_json::Value) -> u64 {
    json["top"][0]["class"].as_u64().unwrap()
}

#[test]
#[ignore = "needs the MNIST test files in ../shared/data/mnist-test"]
fn predict_on_exported_test_images_agrees_with_eval() {
    let (dir, data, run) = trained_on_mnist("predict-export");
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

#[test]
#[ignore = "needs the MNIST test files in ../shared/data/mnist-test"]
fn drawings_are_prepared_the_way_mnist_prepared_its_digits() {
    let (dir, _data, run) = trained_on_mnist("predict-drawings");
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
    let whole = lesson::data::Split::new(pixels, labels.clone());
    let old_right = predict(&model, &whole, &device).iter().zip(&labels).filter(|(p, l)| p == l).count();

    eprintln!("drawings right: {right} of 30 prepared as MNIST, {old_right} of 30 resized whole");
    assert!(right >= 22, "prepared as MNIST: {right} of 30 right");
    assert!(old_right <= 6, "resized whole: {old_right} of 30 right");
    for p in json.as_array().unwrap() {
        assert_eq!(p["inverted"], true, "{p}");
    }
}

/// Any model will do for pictures refused before the model sees them: one trained on
/// synthetic digits (always available).
#[test]
fn bad_pictures_get_one_clear_line() {
    let dir = temp_dir("predict-bad");
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(600, 200, 5), true);
    let run = dir.join("run");
    ok(&handgrad(&["train", "--data-dir", s(&data), "--epochs", "2", "--out", s(&run), "--no-plots"]));
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
    std::fs::write(&cases[3].0, huge_png()).unwrap();
    std::fs::write(&cases[4].0, b"").unwrap();
    for (path, needle) in &cases {
        let out = handgrad(&["predict", "--model", s(&run), s(path)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{path:?} succeeded");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(needle), "{needle:?} not in {stderr:?}");
    }
}

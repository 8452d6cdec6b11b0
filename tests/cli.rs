//! The binary: a real `train` on a small IDX folder, and one clear line on stderr with a
//! non-zero exit for each kind of bad input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{synthetic_dataset, temp_dir, write_idx_dir};

fn handgrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(args)
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .expect("the binary runs")
}

/// The run failed with exactly one `error:` line on stderr, which contains `needle`.
fn assert_one_line_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit status {:?}, stderr {stderr}", out.status);
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn small_idx_dir(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    write_idx_dir(&dir.join("data"), &synthetic_dataset(1_000, 300, 5), true);
    dir
}

#[test]
fn train_on_a_small_idx_folder_writes_metrics_and_summary() {
    let dir = small_idx_dir("cli-train");
    let out_dir = dir.join("out");
    let data = dir.join("data");
    let out = handgrad(&[
        "train",
        "--data-dir",
        data.to_str().unwrap(),
        "--epochs",
        "3",
        "--batch-size",
        "64",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // 1000 / 64 = 15 batches, 40 images left out.
    assert!(stdout.contains("15 batches/epoch"), "{stdout}");
    assert!(stdout.contains("the last 40 images are left out"), "{stdout}");
    let epoch_lines: Vec<_> = stdout.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(epoch_lines.len(), 3, "{stdout}");
    assert!(epoch_lines[2].starts_with("epoch 3/3"), "{}", epoch_lines[2]);

    let csv = std::fs::read_to_string(out_dir.join("metrics.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (i + 1).to_string());
        assert_eq!(row[5], "1000");
        assert_eq!(row[7], "300");
        // The printed accuracy is the count over the total.
        let correct: f64 = row[6].parse().unwrap();
        let acc: f64 = row[3].parse().unwrap();
        assert!((acc - 100.0 * correct / 300.0).abs() < 1e-3);
        assert!(epoch_lines[i].contains(&format!("({}/300)", row[6])), "{}", epoch_lines[i]);
    }
    // The synthetic classes are learnable: the loop did learn.
    let last_test: f64 = rows[2][3].parse().unwrap();
    assert!(last_test > 80.0, "{csv}");

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["config"]["grad"], "manual");
    assert_eq!(summary["config"]["batch_size"], 64);
    assert_eq!(summary["train_images"], 1000);
    assert_eq!(summary["dropped_per_epoch"], 40);
    assert_eq!(summary["last_epoch"]["test_correct"].as_u64().unwrap().to_string(), rows[2][6]);
    let backend = summary["backend"].as_str().unwrap();
    assert!(["ndarray", "flex", "wgpu"].contains(&backend));
}

#[test]
fn a_missing_data_folder_is_one_line() {
    let out = handgrad(&["train", "--data-dir", "/nonexistent/handgrad-data"]);
    assert_one_line_error(&out, "/nonexistent/handgrad-data does not exist");
}

#[test]
fn a_corrupt_data_folder_is_one_line_naming_the_file() {
    let dir = small_idx_dir("cli-corrupt");
    let data = dir.join("data");
    std::fs::write(data.join("train-images-idx3-ubyte.gz"), b"not gzip at all").unwrap();
    let out = handgrad(&["train", "--data-dir", data.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert_one_line_error(&out, "train-images-idx3-ubyte.gz: not a gzip file");

    std::fs::remove_file(data.join("train-images-idx3-ubyte.gz")).unwrap();
    let out = handgrad(&["train", "--data-dir", data.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert_one_line_error(&out, "no train-images-idx3-ubyte.gz or train-images-idx3-ubyte");
}

#[test]
fn an_unknown_or_missing_device_is_one_line() {
    let out = handgrad(&["train", "--device", "tpu"]);
    assert_one_line_error(&out, "unknown device 'tpu': choose one of ndarray, flex, wgpu");
    for backend in ["ndarray", "flex", "wgpu"] {
        if lesson::backend::Backend::parse(backend).is_err() {
            let out = handgrad(&["train", "--device", backend]);
            assert_one_line_error(&out, &format!("--features {backend}"));
        }
    }
}

#[test]
fn bad_flag_values_are_one_line() {
    for (args, needle) in [
        (&["train", "--epochs", "0"][..], "--epochs must be at least 1"),
        (&["train", "--lr", "0"][..], "--lr must be a positive finite number"),
        (&["train", "--lr", "-0.5"][..], "--lr must be a positive finite number"),
        (&["train", "--lr", "inf"][..], "--lr must be a positive finite number"),
        (&["train", "--batch-size", "0"][..], "--batch-size must be at least 1"),
        (&["train", "--epochs", "many"][..], "invalid value 'many' for '--epochs"),
        (&["train", "--grad", "guess"][..], "invalid value 'guess' for '--grad"),
        (&["train", "--trainer", "keras"][..], "invalid value 'keras' for '--trainer"),
        (&["train", "--no-such-flag"][..], "unexpected argument '--no-such-flag'"),
    ] {
        assert_one_line_error(&handgrad(args), needle);
    }
}

#[test]
fn a_batch_larger_than_the_training_set_is_one_line() {
    let dir = small_idx_dir("cli-batch");
    let data = dir.join("data");
    let out = handgrad(&[
        "train", "--data-dir", data.to_str().unwrap(), "--batch-size", "1001", "--out",
        dir.to_str().unwrap(),
    ]);
    assert_one_line_error(&out, "--batch-size 1001 is larger than the training set (1000 images)");
}

#[test]
fn an_unwritable_output_folder_is_one_line() {
    let dir = small_idx_dir("cli-unwritable");
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let out_dir = blocker.join("out");
    let out = handgrad(&[
        "train",
        "--data-dir",
        dir.join("data").to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_one_line_error(&out, "cannot create the output folder");
    assert!(!out_dir.exists());
}

#[test]
fn mnist_offline_is_one_line_saying_how_to_get_out() {
    let home = temp_dir("cli-offline-home");
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(["train", "--dataset", "mnist", "--out", home.join("out").to_str().unwrap()])
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        // Whatever the network, the download cannot get through this proxy.
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap();
    assert_one_line_error(&out, "pass --data-dir DIR");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot get MNIST through burn-dataset"), "{stderr}");
    // No half-downloaded file is left in the cache.
    let cached = home.join("cache/burn-dataset/mnist/train/train-images-idx3-ubyte");
    assert!(!cached.exists());
}

#[test]
fn the_data_dir_can_come_from_the_environment() {
    let dir = small_idx_dir("cli-env");
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(["train", "--epochs", "1", "--out", dir.join("out").to_str().unwrap()])
        .env("HANDGRAD_DATA_DIR", dir.join("data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(Path::new(&dir.join("out/metrics.csv")).exists());

    // The variable names MNIST's folder: eval of the MNIST run reads it, and a Fashion-MNIST
    // command never does (it would take digits for clothes).
    let env_cmd = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_handgrad")).args(args).env("HANDGRAD_DATA_DIR", dir.join("data")).output().unwrap()
    };
    let eval = env_cmd(&["eval", "--model", dir.join("out").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&eval.stdout).contains(&format!("on {}", dir.join("data").display())));
    let fashion = env_cmd(&["show", "--dataset", "fashion-mnist", "--ascii", "--count", "1"]);
    let said = format!("{}{}", String::from_utf8_lossy(&fashion.stdout), String::from_utf8_lossy(&fashion.stderr));
    assert!(!said.contains(dir.join("data").to_str().unwrap()), "{said}");
    assert!(fashion.status.success() || said.contains("/usr/share/datasets/fashion-mnist"), "{said}");
}

/// burn's MNIST cache in a temporary home, and `handgrad` run offline against it (a dead
/// proxy: the download, if tried, fails at once).
fn offline_with_cache(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap()
}

/// The real MNIST test files (../shared/data/mnist-test, gunzipped) in a fake burn cache;
/// panics, saying so, where that folder is absent.
fn real_mnist_test_cache(name: &str) -> std::path::PathBuf {
    use std::io::Read;
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist-test");
    assert!(shared.is_dir(), "no {} (the MNIST test files): this test needs them", shared.display());
    let home = temp_dir(name);
    let cache = home.join("cache/burn-dataset/mnist/test");
    std::fs::create_dir_all(&cache).unwrap();
    for stem in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
        let gz = std::fs::read(shared.join(format!("{stem}.gz"))).unwrap();
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).unwrap();
        std::fs::write(cache.join(stem), raw).unwrap();
    }
    home
}

#[test]
#[ignore = "needs the MNIST test files in ../shared/data/mnist-test"]
fn a_valid_mnist_cache_is_used_as_it_is() {
    let home = real_mnist_test_cache("cli-cache-valid");
    let out = offline_with_cache(&home, &["show", "--split", "test", "--ascii", "--count", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let labels = home.join("cache/burn-dataset/mnist/test/t10k-labels-idx1-ubyte");
    assert_eq!(std::fs::metadata(labels).unwrap().len(), 10_008);
}

#[test]
#[ignore = "needs the MNIST test files in ../shared/data/mnist-test"]
fn a_corrupt_mnist_cache_file_is_named_moved_aside_and_fetched_again() {
    let home = real_mnist_test_cache("cli-cache-corrupt");
    let dir = home.join("cache/burn-dataset/mnist/test");
    // A truncated download, and an error page where the images should be.
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), vec![0u8; 100]).unwrap();
    let page = b"<html><body>502 Bad Gateway</body></html>".repeat(192_000);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), &page[..7_840_016]).unwrap();
    let out = offline_with_cache(&home, &["show", "--split", "test", "--ascii"]);
    assert_one_line_error(&out, "t10k-images-idx3-ubyte in burn's cache was corrupt (not an IDX file");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("downloading it again failed"), "{stderr}");
    assert!(stderr.contains("the next run online downloads it again"), "{stderr}");
    for (stem, size) in [("t10k-images-idx3-ubyte", 7_840_016), ("t10k-labels-idx1-ubyte", 100)] {
        assert!(!dir.join(stem).exists(), "{stem} still in the cache");
        assert_eq!(std::fs::metadata(dir.join(format!("{stem}.corrupt"))).unwrap().len(), size);
    }
    // The labels' size is named too, when they are the only corrupt file.
    std::fs::rename(dir.join("t10k-labels-idx1-ubyte.corrupt"), dir.join("t10k-labels-idx1-ubyte")).unwrap();
    let fresh = real_mnist_test_cache("cli-cache-corrupt-images");
    std::fs::rename(
        fresh.join("cache/burn-dataset/mnist/test/t10k-images-idx3-ubyte"),
        dir.join("t10k-images-idx3-ubyte"),
    )
    .unwrap();
    let out = offline_with_cache(&home, &["show", "--split", "test", "--ascii"]);
    assert_one_line_error(&out, "t10k-labels-idx1-ubyte in burn's cache was corrupt (100 bytes, MNIST's file has 10008)");
}

#[test]
fn bench_on_fewer_images_than_a_batch_is_one_line() {
    let dir = temp_dir("cli-bench-small");
    write_idx_dir(&dir, &synthetic_dataset(50, 20, 3), true);
    let out = handgrad(&["bench", "--pieces-only", "--no-numpy", "--backends", "ndarray", "--data-dir", dir.to_str().unwrap(), "--out", dir.join("bench.md").to_str().unwrap()]);
    assert_one_line_error(&out, "50 training images, fewer than the batch of 100");
}

/// `bench --other-build` wants another handgrad binary, built with other features: a missing
/// one, or this very build, is one line.
#[test]
fn bench_with_a_missing_or_the_same_other_build_is_one_line() {
    let dir = small_idx_dir("cli-bench-other");
    let data = dir.join("data");
    let bench = |other: &str| {
        handgrad(&["bench", "--pieces-only", "--no-numpy", "--backends", "ndarray", "--data-dir", data.to_str().unwrap(), "--other-build", other, "--out", dir.join("bench.md").to_str().unwrap()])
    };
    assert_one_line_error(&bench(dir.join("no-such-handgrad").to_str().unwrap()), "the other build");
    assert_one_line_error(&bench(env!("CARGO_BIN_EXE_handgrad")), "is this binary: give --other-build a handgrad built with other features");
}

/// A build without burn-train says what to build when asked for the Learner, before loading
/// any data.
#[cfg(not(feature = "learner"))]
#[test]
fn the_learner_in_a_build_without_it_is_one_line() {
    let out = handgrad(&["train", "--trainer", "learner", "--data-dir", "/nonexistent"]);
    assert_one_line_error(&out, "--trainer learner needs burn-train, which this build leaves out: build with `cargo build --release --features learner`");
}

/// `--dtype f64`: the run says so, model.json records it, eval reads the model back in f64
/// (the same count as the run's last epoch); wgpu is refused in one line.
#[test]
fn train_in_f64_is_recorded_and_evaluated() {
    let dir = small_idx_dir("cli-f64");
    let data = dir.join("data");
    let run = dir.join("run");
    let out = handgrad(&["train", "--data-dir", data.to_str().unwrap(), "--epochs", "2", "--dtype", "f64", "--no-plots", "--out", run.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("device ndarray · f64 · grad manual"), "{stdout}");
    let meta = std::fs::read_to_string(run.join("model.json")).unwrap();
    assert!(meta.contains(r#""precision": "f64""#), "{meta}");
    let last = stdout.lines().find(|l| l.starts_with("epoch 2/2")).unwrap().to_string();
    let test_count = last.split("test ").nth(1).unwrap().split_whitespace().nth(1).unwrap().to_string(); // "(271/300)"
    let out = handgrad(&["eval", "--model", run.to_str().unwrap()]);
    let eval = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(eval.contains("(manual grads, manual optimizer, f64)"), "{eval}");
    assert!(eval.contains(&test_count), "{test_count} not in {eval}");

    let out = handgrad(&["train", "--data-dir", data.to_str().unwrap(), "--device", "wgpu", "--dtype", "f64", "--out", dir.join("x").to_str().unwrap()]);
    if cfg!(feature = "wgpu") {
        assert_one_line_error(&out, "--dtype f64 runs on the CPU backends (--device ndarray or flex); wgpu computes in f32");
    } else {
        assert_one_line_error(&out, "device 'wgpu' is not compiled into this binary");
    }
}

/// `devices` names what computes ndarray's products: in a `blas` build OpenBLAS, at the one
/// thread per call handgrad sets, whatever OPENBLAS_NUM_THREADS asks; in the default build no
/// BLAS at all.
#[test]
fn devices_names_ndarrays_matrix_library_and_its_threads() {
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .arg("devices")
        .env("OPENBLAS_NUM_THREADS", "2")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let line = stdout.lines().find(|l| l.trim_start().starts_with("ndarray")).expect("an ndarray line");
    if cfg!(feature = "blas") {
        assert!(line.contains("burn-ndarray on OpenBLAS"), "{line}");
        assert!(line.contains("(1 thread per call)"), "{line}");
    } else {
        assert!(!line.contains("BLAS"), "{line}");
    }
}

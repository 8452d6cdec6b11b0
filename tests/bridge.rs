//! The copies students have and the weights that cross to numpy and back: Keras's mnist.npz
//! read as `--data-dir FILE.npz` (or from ~/.keras/datasets when the download fails);
//! `export` → numpy → `import` bit for bit; and every bad file refused in one line.
//!
//! The tests that need numpy look for a `python3` that imports it (`python3`, then
//! /usr/bin/python3: Debian's python3-numpy): `#[ignore]`d, they fail saying so where none
//! does (`.ci/run` installs python3-numpy).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{synthetic_dataset, temp_dir, write_idx_dir};
use handgrad::bridge::{Values, npy_bytes};
use lesson::backend::Backend;
use lesson::data::{DataSource, Dataset, DatasetKind};

fn handgrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad")).args(args).env_remove("HANDGRAD_DATA_DIR").output().unwrap()
}

fn succeeds(out: &Output) -> String {
    assert!(out.status.success(), "stdout {}\nstderr {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The run failed with exactly one `error:` line on stderr, which contains `needle`; the line.
fn one_line_error(out: &Output, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "exit status {:?}, stderr {stderr}", out.status);
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr:?}");
    assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    eprintln!("refused as it should be: {}", stderr.trim());
    stderr
}

/// A `python3` that imports numpy; panics, saying so, where this machine has none.
fn numpy() -> String {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|python| Command::new(python).args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success()))
        .expect("no python3 with numpy here, which this test needs (on Debian: apt-get install python3-numpy)")
        .to_string()
}

fn python(python: &str, script: &str, args: &[&Path]) -> String {
    let out = Command::new(python).arg("-c").arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// An .npz written with the `zip` and `npyz` crates as numpy's `savez_compressed` writes one:
/// each array `NAME.npy`, deflated.
fn write_npz(path: &Path, arrays: &[(&str, Vec<u64>, Vec<u8>)]) {
    use std::io::Write;
    use npyz::WriterBuilder;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, shape, values) in arrays {
        let mut npy = Vec::new();
        let mut writer = npyz::WriteOptions::<u8>::new().default_dtype().shape(shape).writer(&mut npy).begin_nd().unwrap();
        writer.extend(values.iter().copied()).unwrap();
        writer.finish().unwrap();
        zip.start_file(format!("{name}.npy"), options).unwrap();
        zip.write_all(&npy).unwrap();
    }
    zip.finish().unwrap();
}

/// Keras's four arrays of a dataset.
fn keras_arrays(data: &Dataset) -> Vec<(&'static str, Vec<u64>, Vec<u8>)> {
    let images = |n: usize| vec![n as u64, 28, 28];
    vec![
        ("x_train", images(data.train.len()), data.train.pixels.clone()),
        ("y_train", vec![data.train.len() as u64], data.train.labels.clone()),
        ("x_test", images(data.test.len()), data.test.pixels.clone()),
        ("y_test", vec![data.test.len() as u64], data.test.labels.clone()),
    ]
}

fn load(path: &Path) -> anyhow::Result<Dataset> {
    DataSource { kind: DatasetKind::Mnist, dir: Some(path.to_path_buf()) }.load()
}

#[test]
fn an_npz_written_by_the_crates_is_the_same_data_as_the_idx_files() {
    let dir = temp_dir("bridge-npz-crates");
    let data = synthetic_dataset(300, 100, 11);
    let npz = dir.join("mnist.npz");
    write_npz(&npz, &keras_arrays(&data));
    let loaded = load(&npz).unwrap();
    assert_eq!((loaded.train, loaded.test), (data.train, data.test));
}

/// numpy's own `savez_compressed` of the IDX files' arrays, as Keras's file holds them: the
/// same data, and a run on it prints the same epochs as a run on the IDX folder.
#[test]
#[ignore = "needs python3 with numpy"]
fn an_npz_saved_by_numpy_trains_as_the_idx_folder_does() {
    let py = numpy();
    let dir = temp_dir("bridge-npz-numpy");
    let idx = dir.join("idx");
    write_idx_dir(&idx, &synthetic_dataset(600, 200, 12), true);
    let npz = dir.join("mnist.npz");
    python(
        &py,
        "import gzip, sys, numpy as np\n\
         d = sys.argv[1]\n\
         def idx(name, offset, shape):\n    return np.frombuffer(gzip.open(f'{d}/{name}.gz').read(), np.uint8, offset=offset).reshape(shape)\n\
         np.savez_compressed(sys.argv[2],\n    x_train=idx('train-images-idx3-ubyte', 16, (-1, 28, 28)), y_train=idx('train-labels-idx1-ubyte', 8, (-1,)),\n    x_test=idx('t10k-images-idx3-ubyte', 16, (-1, 28, 28)), y_test=idx('t10k-labels-idx1-ubyte', 8, (-1,)))\n",
        &[&idx, &npz],
    );
    let (a, b) = (load(&idx).unwrap(), load(&npz).unwrap());
    assert_eq!((a.train, a.test), (b.train, b.test));
    let epochs = |data: &Path, out: &Path| -> Vec<String> {
        let stdout = succeeds(&handgrad(&["train", "--data-dir", s(data), "--epochs", "2", "--no-plots", "--out", s(out)]));
        stdout.lines().filter(|l| l.starts_with("epoch ")).map(|l| l.split("  [").next().unwrap().to_string()).collect()
    };
    let (from_idx, from_npz) = (epochs(&idx, &dir.join("run-idx")), epochs(&npz, &dir.join("run-npz")));
    assert_eq!(from_idx.len(), 2);
    assert_eq!(from_idx, from_npz);
}

/// Offline, with Keras's cache in the home folder, `train` reads it and says so.
#[test]
fn offline_the_keras_cache_is_read() {
    let home = temp_dir("bridge-keras-home");
    std::fs::create_dir_all(home.join(".keras/datasets")).unwrap();
    write_npz(&home.join(".keras/datasets/mnist.npz"), &keras_arrays(&synthetic_dataset(300, 100, 13)));
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(["train", "--epochs", "1", "--no-plots", "--out", s(&home.join("run"))])
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap();
    let stdout = succeeds(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("note: MNIST could not be had through burn-dataset; reading Keras's").count(), 1, "{stderr}");
    assert!(stdout.contains("300 train / 100 test images"), "{stdout}");
    // The run says where its data came from: Keras's file, not burn's cache.
    let keras = home.join(".keras/datasets/mnist.npz");
    assert!(stdout.contains(&format!("on mnist ({})", keras.display())), "{stdout}");
    let summary = std::fs::read_to_string(home.join("run/summary.json")).unwrap();
    assert!(summary.contains(&format!("\"data_origin\": \"{}\"", keras.display())), "{summary}");
}

#[test]
fn bad_npz_files_are_one_line() {
    let dir = temp_dir("bridge-npz-bad");
    let data = synthetic_dataset(300, 100, 14);
    let good = dir.join("good.npz");
    write_npz(&good, &keras_arrays(&data));
    let bytes = std::fs::read(&good).unwrap();
    let train = |npz: &Path| handgrad(&["train", "--data-dir", s(npz), "--no-plots", "--out", s(&dir.join("run"))]);

    let truncated = dir.join("truncated.npz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    one_line_error(&train(&truncated), "truncated.npz: not a complete .npz (zip) archive (");

    let partial = dir.join("partial.npz");
    write_npz(&partial, &keras_arrays(&data)[..2]);
    one_line_error(
        &train(&partial),
        "partial.npz: no array x_test (it holds x_train, y_train); Keras's mnist.npz has x_train, y_train, x_test and y_test",
    );

    let float = dir.join("float.npz");
    {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&float).unwrap());
        for (name, shape, values) in keras_arrays(&data) {
            let values: Vec<f64> = values.iter().map(|&v| v as f64 / 255.0).collect();
            zip.start_file(format!("{name}.npy"), zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(&npy_bytes(&Values::F64(values), &shape).unwrap()).unwrap();
        }
        zip.finish().unwrap();
    }
    one_line_error(&train(&float), "float.npz: x_train holds '<f8' values, where MNIST's are uint8 ('|u1')");

    let flat = dir.join("flat.npz");
    let mut arrays = keras_arrays(&data);
    arrays[0].1 = vec![300, 784];
    write_npz(&flat, &arrays);
    one_line_error(&train(&flat), "flat.npz: x_train has shape [300, 784] and y_train [300], where MNIST's are (N, 28, 28) and (N,)");
}

/// A trained run (on synthetic data) in `precision`: its folder and its data folder.
fn trained(dir: &Path, dtype: &str) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    if !data.exists() {
        write_idx_dir(&data, &synthetic_dataset(600, 200, 15), true);
    }
    let run = dir.join(format!("run-{dtype}"));
    succeeds(&handgrad(&["train", "--data-dir", s(&data), "--epochs", "2", "--dtype", dtype, "--no-plots", "--out", s(&run)]));
    (run, data)
}

/// A saved logistic regression's W and b, as f64 (exact for both precisions), and its dtype.
fn parameters(run: &Path) -> (Vec<f64>, Vec<f64>, burn::tensor::DType) {
    let device = Backend::default_backend().unwrap().device();
    let (model, _, _) = handgrad::persist::load_model(run, &device).unwrap();
    let m = model.as_logreg().unwrap();
    (common::values(m.w()), common::values(m.b()), m.w().dtype())
}

/// The test count `eval` prints: "(171/200)".
fn eval_count(run: &Path) -> String {
    let stdout = succeeds(&handgrad(&["eval", "--model", s(run)]));
    let line = stdout.lines().find(|l| l.starts_with("test accuracy")).unwrap().to_string();
    line.split_whitespace().nth(3).unwrap().to_string()
}

/// export → import gives back the same parameters, bit for bit, in both precisions, through
/// the .npy files and through safetensors; the imported run evaluates like the original.
#[test]
fn export_then_import_is_bit_for_bit() {
    let dir = temp_dir("bridge-roundtrip");
    for dtype in ["f32", "f64"] {
        let (run, _) = trained(&dir, dtype);
        let out = dir.join(format!("export-{dtype}"));
        let said = succeeds(&handgrad(&["export", "--model", s(&run), "--to", s(&out)]));
        assert!(said.contains(&format!("W.npy (784 × 10, {dtype})")), "{said}");
        let back = dir.join(format!("back-{dtype}"));
        succeeds(&handgrad(&["import", "--npy", s(&out.join("W.npy")), s(&out.join("b.npy")), "--out", s(&back), "--data-dir", s(&dir.join("data"))]));
        let via_st = dir.join(format!("back-st-{dtype}"));
        succeeds(&handgrad(&["import", "--safetensors", s(&out.join("model.safetensors")), "--out", s(&via_st), "--data-dir", s(&dir.join("data"))]));
        let original = parameters(&run);
        assert_eq!(parameters(&back), original, "{dtype} through .npy");
        assert_eq!(parameters(&via_st), original, "{dtype} through safetensors");
        assert_eq!(eval_count(&back), eval_count(&run));
        let eval = succeeds(&handgrad(&["eval", "--model", s(&back)]));
        assert!(eval.contains(&format!("imported from {} and {} ({dtype})", s(&out.join("W.npy")), s(&out.join("b.npy")))), "{eval}");
        // An existing model is not replaced without --overwrite.
        let again = handgrad(&["import", "--npy", s(&out.join("W.npy")), s(&out.join("b.npy")), "--out", s(&back)]);
        one_line_error(&again, "holds a model already: give --out another folder, or --overwrite");
    }
}

/// numpy loads the exported arrays as the lab's (W 784 × 10, b 1 × 10, in the model's
/// precision), its forward pass classifies the test set as `eval` does, and the lab's own
/// float64 arrays (b of shape (10,)) come back bit for bit.
#[test]
#[ignore = "needs python3 with numpy"]
fn numpy_reads_the_export_and_its_arrays_come_back_bit_for_bit() {
    let py = numpy();
    let dir = temp_dir("bridge-numpy");
    for dtype in ["f32", "f64"] {
        let (run, data) = trained(&dir, dtype);
        let out = dir.join(format!("export-{dtype}"));
        succeeds(&handgrad(&["export", "--model", s(&run), "--to", s(&out)]));
        // The lab's accuracy, in numpy, on the test images; then W and b saved as the lab has
        // them (float64; b flat), for the way back.
        let lab = dir.join(format!("lab-{dtype}"));
        std::fs::create_dir_all(&lab).unwrap();
        let said = python(
            &py,
            "import gzip, sys, numpy as np\n\
             out, data, lab = sys.argv[1:4]\n\
             W, b = np.load(f'{out}/W.npy'), np.load(f'{out}/b.npy')\n\
             print(W.shape, W.dtype, b.shape, b.dtype)\n\
             X = np.frombuffer(gzip.open(f'{data}/t10k-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 784).astype('float32') / 255\n\
             y = np.frombuffer(gzip.open(f'{data}/t10k-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)\n\
             print(f'({int((np.argmax(X @ W + b, axis=1) == y).sum())}/{len(y)})')\n\
             np.save(f'{lab}/W.npy', W.astype(np.float64)); np.save(f'{lab}/b.npy', b.astype(np.float64).reshape(10))\n",
            &[&out, &data, &lab],
        );
        let numpy_dtype = if dtype == "f32" { "float32" } else { "float64" };
        assert_eq!(said.lines().next().unwrap(), format!("(784, 10) {numpy_dtype} (1, 10) {numpy_dtype}"));
        assert_eq!(said.lines().nth(1).unwrap(), eval_count(&run), "numpy's forward pass and eval's");

        let back = dir.join(format!("back-{dtype}"));
        succeeds(&handgrad(&["import", "--npy", s(&lab.join("W.npy")), s(&lab.join("b.npy")), "--out", s(&back), "--data-dir", s(&data)]));
        let (w, b, imported) = parameters(&back);
        let (w0, b0, _) = parameters(&run);
        assert_eq!(imported, burn::tensor::DType::F64, "the lab's float64 arrays make an f64 model");
        assert_eq!((w, b), (w0, b0), "{dtype}: numpy's float64 copy of the export is the model, bit for bit");
        // And the way back out gives numpy the bits it saved.
        let again = dir.join(format!("again-{dtype}"));
        succeeds(&handgrad(&["export", "--model", s(&back), "--to", s(&again)]));
        let same = python(
            &py,
            "import sys, numpy as np\n\
             lab, again = sys.argv[1:3]\n\
             W, b = np.load(f'{again}/W.npy'), np.load(f'{again}/b.npy')\n\
             print(W.dtype, W.tobytes() == np.load(f'{lab}/W.npy').tobytes(), b.tobytes() == np.load(f'{lab}/b.npy').tobytes())\n",
            &[&lab, &again],
        );
        assert_eq!(same.trim(), "float64 True True");
    }
}

#[test]
fn bad_arrays_and_tensors_are_one_line() {
    use npyz::WriterBuilder;
    let dir = temp_dir("bridge-bad");
    let (run, _) = trained(&dir, "f64");
    let out = dir.join("export");
    succeeds(&handgrad(&["export", "--model", s(&run), "--to", s(&out)]));
    let (w, b) = (out.join("W.npy"), out.join("b.npy"));
    let import = |w: &Path, b: &Path| handgrad(&["import", "--npy", s(w), s(b), "--out", s(&dir.join("imported"))]);
    let write = |name: &str, descr: &str, shape: &[u64], n: usize| -> PathBuf {
        let path = dir.join(name);
        let mut bytes = Vec::new();
        let dtype = npyz::DType::Plain(descr.parse().unwrap());
        if descr.contains('f') {
            let mut writer = npyz::WriteOptions::<f64>::new().dtype(dtype).shape(shape).writer(&mut bytes).begin_nd().unwrap();
            writer.extend((0..n).map(|i| i as f64 * 1e-3)).unwrap();
            writer.finish().unwrap();
        } else {
            let mut writer = npyz::WriteOptions::<i64>::new().dtype(dtype).shape(shape).writer(&mut bytes).begin_nd().unwrap();
            writer.extend((0..n).map(|i| i as i64)).unwrap();
            writer.finish().unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    };

    let transposed = write("W-transposed.npy", "<f8", &[10, 784], 7840);
    one_line_error(
        &import(&transposed, &b),
        "W-transposed.npy: W has shape (10, 784), the lab's W is (784, 10): this W is transposed (PyTorch's [out, in]); the lab's W has one column per class, save W.T",
    );
    let b_wrong = write("b-wrong.npy", "<f8", &[10, 1], 10);
    one_line_error(&import(&w, &b_wrong), "b-wrong.npy: b has shape (10, 1), the lab's b is (1, 10) or (10,)");
    let ints = write("W-int.npy", "<i8", &[784, 10], 7840);
    one_line_error(&import(&ints, &b), "W-int.npy: W holds '<i8' values, the lab's are float32 or float64 ('<f4' or '<f8')");
    let big = write("W-big.npy", ">f8", &[784, 10], 7840);
    one_line_error(&import(&big, &b), "W-big.npy: W is big-endian ('>f8'); handgrad reads little-endian arrays: save W.astype('<f8')");
    let single = dir.join("b-f32.npy");
    std::fs::write(&single, npy_bytes(&Values::F32(vec![0.5; 10]), &[1, 10]).unwrap()).unwrap();
    one_line_error(&import(&w, &single), "W is float64 and b float32: save both in one precision");
    let cut = dir.join("W-cut.npy");
    let bytes = std::fs::read(&w).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    one_line_error(&import(&cut, &b), "W-cut.npy: W cannot be read whole (");
    let not_npy = dir.join("W-text.npy");
    std::fs::write(&not_npy, "W = [[0.1, 0.2]]").unwrap();
    one_line_error(&import(&not_npy, &b), "W-text.npy: not an .npy file (");

    // A safetensors file of another module: burn's bare Linear, whose tensors are named
    // `weight` and `bias`, not the model's `linear.weight` and `linear.bias`.
    let other = dir.join("other.safetensors");
    {
        use burn::store::{ModuleSnapshot, SafetensorsStore};
        let device = Backend::default_backend().unwrap().device();
        let layer = burn::nn::LinearConfig::new(784, 10).init(&device);
        let mut store = SafetensorsStore::from_bytes(None);
        layer.save_into(&mut store).unwrap();
        std::fs::write(&other, store.get_bytes().unwrap()).unwrap();
    }
    one_line_error(
        &handgrad(&["import", "--safetensors", s(&other), "--out", s(&dir.join("imported"))]),
        "other.safetensors: no tensor linear.bias, linear.weight (it holds bias, weight); the logistic regression's are linear.weight [10, 784] and linear.bias [10]",
    );
    let garbage = dir.join("garbage.safetensors");
    std::fs::write(&garbage, b"not safetensors at all").unwrap();
    one_line_error(&handgrad(&["import", "--safetensors", s(&garbage), "--out", s(&dir.join("imported"))]), "garbage.safetensors: not a safetensors file of this model (");
    // Half precision, and a bias in another precision than the weight: refused from the header,
    // before burn builds a tensor (an F16 one would fail on ndarray, a mixed model in eval).
    let header_only = |name: &str, w: &str, b: &str| -> PathBuf {
        let size = |dtype: &str| match dtype {
            "F16" => 2,
            "F32" => 4,
            _ => 8,
        };
        let (wn, bn) = (7840 * size(w), 10 * size(b));
        let header = format!(
            r#"{{"linear.weight":{{"dtype":"{w}","shape":[10,784],"data_offsets":[0,{wn}]}},"linear.bias":{{"dtype":"{b}","shape":[10],"data_offsets":[{wn},{}]}}}}"#,
            wn + bn
        );
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend(header.as_bytes());
        bytes.extend(vec![0u8; wn + bn]);
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let half = header_only("half.safetensors", "F16", "F16");
    one_line_error(
        &handgrad(&["import", "--safetensors", s(&half), "--out", s(&dir.join("imported"))]),
        "half.safetensors: linear.weight holds F16 values; handgrad's models are F32 or F64: save it after .float() or .double()",
    );
    let mixed = header_only("mixed.safetensors", "F64", "F32");
    one_line_error(
        &handgrad(&["import", "--safetensors", s(&mixed), "--out", s(&dir.join("imported"))]),
        "mixed.safetensors: linear.weight is F64 and linear.bias F32: save both in one precision",
    );
    // The same header with one precision is a model (all zeros).
    succeeds(&handgrad(&["import", "--safetensors", s(&header_only("zeros.safetensors", "F32", "F32")), "--out", s(&dir.join("zeros"))]));
    assert!(!dir.join("imported").join("model.json").exists(), "nothing is written for a refused import");

    // export of an MLP: one line.
    let data = dir.join("data");
    let mlp = dir.join("mlp");
    succeeds(&handgrad(&["train", "--data-dir", s(&data), "--model", "mlp", "--hidden", "8", "--epochs", "1", "--no-plots", "--out", s(&mlp)]));
    one_line_error(&handgrad(&["export", "--model", s(&mlp), "--to", s(&dir.join("x"))]), "a MLP 784→8 (sigmoid)→10; export writes the logistic regression's W and b");
}

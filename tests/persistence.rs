//! Models that persist: save and reload, eval, predict on image files, checkpoints that
//! survive SIGKILL, and bad input that never leaves half a file behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{synthetic_dataset, temp_dir, values, write_idx_dir};
use lesson::backend::Backend;
use lesson::inference::predict;
use handgrad::persist::load_model;

fn handgrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(args)
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Failed with one `error:` line containing `needle`, no panic text.
fn failed(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "succeeded: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with("error: ") && stderr.contains(needle), "{needle:?} not in {stderr:?}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
}

/// No temporary file (a half-written one) is left in `dir`.
fn no_partial_files(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            assert!(!name.contains(".tmp-"), "half-written file left: {name}");
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A data folder and a trained run folder.
fn trained(name: &str, train: usize) -> (PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(train, 400, 31), true);
    let run = dir.join("run");
    ok(&handgrad(&["train", "--data-dir", s(&data), "--epochs", "2", "--out", s(&run), "--no-plots"]));
    (dir, data, run)
}

#[test]
fn a_reloaded_model_predicts_exactly_as_saved() {
    let (_dir, data, run) = trained("persist-reload", 1_500);
    let device = Backend::default_backend().unwrap().device();
    let (model, meta, _) = load_model(&run, &device).unwrap();
    assert_eq!(meta.epochs_done, 2);
    let split = lesson::data::source::read_split(&data, lesson::data::Which::Test).unwrap();
    let predictions = predict(&model, &split, &device);
    let correct = predictions.iter().zip(&split.labels).filter(|(p, l)| p == l).count();
    // The training run's last test count, from its metrics.
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    let last: Vec<&str> = csv.lines().last().unwrap().split(',').collect();
    assert_eq!(correct.to_string(), last[6]);
    // eval says the same.
    let eval = ok(&handgrad(&["eval", "--model", s(&run.join("model.bpk"))]));
    assert!(eval.contains(&format!("({correct}/400)")), "{eval}");
    // And a second load gives the same weights, bit for bit.
    let (again, _, _) = load_model(&run, &device).unwrap();
    assert_eq!(values(model.as_logreg().unwrap().w()), values(again.as_logreg().unwrap().w()));
}

/// A PNG of 8-bit gray levels.
fn write_png(path: &Path, pixels: &[u8], side: u32) {
    image::GrayImage::from_raw(side, side, pixels.to_vec()).unwrap().save(path).unwrap();
}

#[test]
fn predict_classifies_a_drawn_digit() {
    let (dir, data, run) = trained("persist-predict", 3_000);
    let split = lesson::data::source::read_split(&data, lesson::data::Which::Test).unwrap();
    let device = Backend::default_backend().unwrap().device();
    let (model, _, _) = load_model(&run, &device).unwrap();
    let predictions = predict(&model, &split, &device);
    // A test image the model gets right, written out as PNG: as is, and inverted (dark on
    // light, as drawn on paper). (Larger drawings of real digits: tests/predict.rs.)
    let i = (0..split.len()).find(|&i| predictions[i] == split.labels[i]).unwrap();
    let label = split.labels[i] as usize;
    let image = split.image(i);
    write_png(&dir.join("digit.png"), image, 28);
    let inverted: Vec<u8> = image.iter().map(|p| 255 - p).collect();
    write_png(&dir.join("paper.png"), &inverted, 28);

    let out = ok(&handgrad(&["predict", "--model", s(&run), "--json", s(&dir.join("digit.png"))]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for p in json.as_array().unwrap() {
        assert_eq!(p["top"][0]["class"], label, "{p}");
        let probs: Vec<f64> = p["top"].as_array().unwrap().iter().map(|g| g["probability"].as_f64().unwrap()).collect();
        assert_eq!(probs.len(), 3);
        assert!(probs.windows(2).all(|w| w[0] >= w[1]) && probs[0] > 0.34);
        // The input the model saw is the image itself.
        let input: Vec<u8> = p["input"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u8).collect();
        assert_eq!(input, image);
    }
    // Dark ink on light paper is recognised by its border and inverted, or by --invert.
    let text = ok(&handgrad(&["predict", "--model", s(&run), s(&dir.join("paper.png"))]));
    assert!(text.contains("(dark ink on light: inverted)"), "{text}");
    let paper = dir.join("paper.png");
    for flags in [&[][..], &["--invert"][..], &["--ink", "dark"][..]] {
        let mut args = vec!["predict", "--model", s(&run), "--json", s(&paper)];
        args.extend_from_slice(flags);
        let json: serde_json::Value = serde_json::from_str(&ok(&handgrad(&args))).unwrap();
        assert_eq!(json[0]["top"][0]["class"], label, "{flags:?}");
    }
}

/// The comparable part of a metrics.csv: everything but the timings.
fn metrics_without_times(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').take(8).collect::<Vec<_>>().join(","))
        .collect()
}

fn epochs_done(run: &Path) -> usize {
    std::fs::read_to_string(run.join("checkpoint.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["meta"]["epochs_done"].as_u64())
        .unwrap_or(0) as usize
}

/// A run started with `train`'s test-only hook (src/commands/train.rs, `mod hold`), held
/// asleep once epoch N is written until a signal ends it. Dropped by a failing test, it is
/// killed: held, it would sleep forever.
struct Held(Option<Child>);

impl Held {
    /// Starts `handgrad ARGS` with the hook set to `epoch`, and waits until it holds in `run`.
    fn start<S: AsRef<std::ffi::OsStr>>(args: &[S], epoch: usize, run: &Path, stderr: Stdio) -> Held {
        let child = Command::new(env!("CARGO_BIN_EXE_handgrad"))
            .args(args)
            .env("HANDGRAD_TEST_HOLD_AFTER_EPOCH", epoch.to_string())
            .env_remove("HANDGRAD_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut held = Held(Some(child));
        let marker = run.join(format!("held-after-epoch-{epoch}"));
        let start = Instant::now();
        while !marker.exists() {
            if let Some(status) = held.child().try_wait().unwrap() {
                panic!("the run ended ({status}) before holding after epoch {epoch}");
            }
            assert!(start.elapsed() < Duration::from_secs(300), "the run did not hold after epoch {epoch} within 300 s");
            std::thread::sleep(Duration::from_millis(5));
        }
        held
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }

    fn id(&self) -> u32 {
        self.0.as_ref().unwrap().id()
    }

    /// SIGKILL, and the process reaped.
    fn kill(mut self) {
        let mut child = self.0.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGINT, as Ctrl-C sends it: the run's exit status and stderr (it must end within 60 s).
    fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let child = self.child();
        let mut stderr = child.stderr.take().expect("started with Stdio::piped() for stderr");
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
            text
        });
        // SAFETY: a signal to our own child, not yet reaped.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child().try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "the run was still going 60 s after SIGINT");
            std::thread::sleep(Duration::from_millis(5));
        };
        self.0 = None;
        (status, reader.join().unwrap())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_run_killed_after_a_checkpoint_resumes_to_the_same_weights() {
    let dir = temp_dir("persist-kill");
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(12_000, 500, 77), true);
    let train = |out: &Path| {
        vec![
            "train".to_string(), "--data-dir".into(), s(&data).into(), "--epochs".into(), "4".into(),
            "--batch-size".into(), "4".into(), "--shuffle".into(), "--seed".into(), "9".into(),
            "--out".into(), s(out).into(), "--no-plots".into(),
        ]
    };
    let reference = dir.join("reference");
    ok(&Command::new(env!("CARGO_BIN_EXE_handgrad")).args(train(&reference)).output().unwrap());

    // Killed (SIGKILL) while held after its first checkpoint, and once more while the resumed
    // run is held after epoch 2; then let it finish.
    let killed = dir.join("killed");
    for (round, hold_after) in [(0, 1usize), (1, 2)] {
        let args = if round == 0 {
            train(&killed)
        } else {
            vec!["train".into(), "--resume".into(), s(&killed).into(), "--no-plots".into()]
        };
        Held::start(&args, hold_after, &killed, Stdio::null()).kill();
        no_partial_files(&killed);
        assert_eq!(epochs_done(&killed), hold_after);
    }
    let resumed = ok(&handgrad(&["train", "--resume", s(&killed), "--no-plots"]));
    assert!(resumed.contains("resuming from the checkpoint after epoch"), "{resumed}");

    let device = Backend::default_backend().unwrap().device();
    let (a, _, _) = load_model(&reference, &device).unwrap();
    let (b, meta, _) = load_model(&killed, &device).unwrap();
    assert_eq!(meta.epochs_done, 4);
    // Bit-identical weights and metrics.
    let (a, b) = (a.as_logreg().unwrap(), b.as_logreg().unwrap());
    assert_eq!(values(a.w()), values(b.w()));
    assert_eq!(values(a.b()), values(b.b()));
    assert_eq!(metrics_without_times(&reference), metrics_without_times(&killed));
    // Only the last checkpoint's parameters remain.
    let params: Vec<_> = std::fs::read_dir(&killed)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("checkpoint-e"))
        .collect();
    assert_eq!(params, vec!["checkpoint-e0004.bpk".to_string()]);
}

#[test]
fn divergence_stops_with_the_epoch_and_step_and_keeps_the_last_good_checkpoint() {
    let (_dir, data, run) = trained("persist-diverge", 1_000);
    // From scratch with an absurd step: nothing is written as if valid.
    let fresh = run.with_file_name("fresh");
    let out = handgrad(&["train", "--data-dir", s(&data), "--lr", "1e6", "--out", s(&fresh)]);
    failed(&out, "training diverged at epoch 1, step ");
    assert!(String::from_utf8_lossy(&out.stderr).contains("try a smaller --lr"));
    assert!(!fresh.join("metrics.csv").exists() && !fresh.join("checkpoint.json").exists());
    no_partial_files(&fresh);

    // A run whose third epoch diverges (its checkpoint's step size edited to 10⁶): the
    // checkpoint after epoch 2 and the metrics of epochs 1–2 stay as they were.
    let path = run.join("checkpoint.json");
    let mut checkpoint: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    checkpoint["meta"]["config"]["training"]["lr"] = serde_json::json!(1e6);
    std::fs::write(&path, serde_json::to_string_pretty(&checkpoint).unwrap()).unwrap();
    let before: Vec<(String, Vec<u8>)> = ["checkpoint.json", "checkpoint-e0002.bpk", "metrics.csv"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(run.join(n)).unwrap()))
        .collect();
    let out = handgrad(&["train", "--resume", s(&run), "--epochs", "4"]);
    failed(&out, "training diverged at epoch 3, step ");
    for (name, bytes) in before {
        assert_eq!(std::fs::read(run.join(&name)).unwrap(), bytes, "{name} changed");
    }
    no_partial_files(&run);
}

#[test]
fn bad_input_is_one_line_and_leaves_nothing_half_written() {
    let (dir, data, run) = trained("persist-bad", 600);
    let model = run.join("model.bpk");

    failed(&handgrad(&["eval", "--model", s(&dir.join("nope.bpk"))]), "no such model file");

    let truncated = dir.join("truncated.bpk");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::copy(run.join("model.json"), dir.join("truncated.json")).unwrap();
    failed(&handgrad(&["eval", "--model", s(&truncated)]), "truncated.bpk: does not match");

    // A burnpack file of another architecture (a 784 → 5 layer), with a description that
    // vouches for it: the shapes do not fit.
    let other = dir.join("other.bpk");
    let device = Backend::default_backend().unwrap().device();
    let layer = burn::nn::LinearConfig::new(784, 5).init(&device);
    let wrapped = lesson::model::LogisticRegression { linear: layer };
    let encoded = handgrad::persist::encode(&wrapped).unwrap();
    std::fs::write(&other, &encoded).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("model.json")).unwrap()).unwrap();
    meta["parameters_fnv1a"] = serde_json::json!(handgrad::persist::fnv1a(&encoded));
    std::fs::write(dir.join("other.json"), meta.to_string()).unwrap();
    failed(&handgrad(&["eval", "--model", s(&other)]), "does not fit this model's architecture");

    // Garbage that is not burnpack at all.
    let garbage = dir.join("garbage.bpk");
    std::fs::write(&garbage, b"not a model").unwrap();
    meta["parameters_fnv1a"] = serde_json::json!(handgrad::persist::fnv1a(b"not a model"));
    std::fs::write(dir.join("garbage.json"), meta.to_string()).unwrap();
    failed(&handgrad(&["eval", "--model", s(&garbage)]), "not a handgrad model file");

    let not_image = dir.join("notes.png");
    std::fs::write(&not_image, b"hello").unwrap();
    failed(&handgrad(&["predict", "--model", s(&model), s(&not_image)]), "notes.png: not an image");
    failed(&handgrad(&["predict", "--model", s(&model), s(&dir.join("missing.png"))]), "missing.png: cannot read");

    failed(&handgrad(&["train", "--resume", s(&data)]), "no checkpoint in this folder");
    failed(&handgrad(&["train", "--resume", s(&run), "--lr", "0.5"]), "--lr cannot be changed when resuming");
    failed(&handgrad(&["train", "--resume", s(&run), "--epochs", "2"]), "is not more than the 2 epochs");
    failed(&handgrad(&["train", "--data-dir", s(&data), "--checkpoint-every", "0"]), "--checkpoint-every must be at least 1");

    let blocker = dir.join("file");
    std::fs::write(&blocker, b"x").unwrap();
    failed(
        &handgrad(&["train", "--data-dir", s(&data), "--out", s(&blocker.join("run"))]),
        "cannot create the output folder",
    );
    for d in [&dir, &run, &data] {
        no_partial_files(d);
    }
}

/// A 50-epoch run (batches of 4) started in the background, held once its first checkpoint
/// is committed: its folder and its process.
fn long_run_held_after_its_first_checkpoint(name: &str, stderr: Stdio) -> (PathBuf, Held) {
    let dir = temp_dir(name);
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(12_000, 500, 5), true);
    let run = dir.join("run");
    let args = ["train", "--data-dir", s(&data), "--epochs", "50", "--batch-size", "4", "--out", s(&run), "--no-plots"];
    let held = Held::start(&args, 1, &run, stderr);
    (run, held)
}

#[test]
fn ctrl_c_says_which_checkpoint_remains_and_how_to_resume() {
    let (run, held) = long_run_held_after_its_first_checkpoint("persist-interrupt", Stdio::piped());
    let (status, stderr) = held.interrupt();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let done = epochs_done(&run);
    assert_eq!(done, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("interrupted: the checkpoint after epoch {done} is in {}", run.display())),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("resume with: handgrad train --resume {}", run.display())), "{stderr}");
    let resumed = ok(&handgrad(&["train", "--resume", s(&run), "--epochs", &(done + 1).to_string(), "--no-plots"]));
    assert!(resumed.contains(&format!("resuming from the checkpoint after epoch {done}")), "{resumed}");
}

#[test]
fn two_runs_into_one_folder_the_second_refuses_naming_the_first() {
    let (run, first) = long_run_held_after_its_first_checkpoint("persist-lock", Stdio::null());
    let data = run.with_file_name("data");
    let second = handgrad(&["train", "--data-dir", s(&data), "--epochs", "1", "--out", s(&run), "--no-plots"]);
    failed(&second, &format!("another handgrad run (process {}) is writing into this folder", first.id()));
    let resume = handgrad(&["train", "--resume", s(&run), "--no-plots"]);
    failed(&resume, "another handgrad run");
    // Killed, the first run holds nothing: the folder can be resumed.
    first.kill();
    let done = epochs_done(&run);
    assert_eq!(done, 1);
    ok(&handgrad(&["train", "--resume", s(&run), "--epochs", &(done + 1).to_string(), "--no-plots"]));
}

/// `model.json` and `checkpoint.json` edited by hand, field by field: each edit is one clear
/// line from `eval`, `predict` or `train --resume`, never a panic.
#[test]
fn hand_edited_saved_files_are_one_line_each() {
    let (dir, _data, run) = trained("persist-edited", 600);
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("model.json")).unwrap()).unwrap();
    let picture = dir.join("digit.png");
    write_png(&picture, &[0u8; 28 * 28], 28);
    // Each case: a name, how model.json is edited, what the error says.
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 7] = [
        ("hidden0", |v| v["config"]["model"] = serde_json::json!({"kind": "mlp", "hidden": 0, "activation": "sigmoid", "init": "normal"}), "hidden must be at least 1"),
        ("tanh", |v| v["config"]["model"] = serde_json::json!({"kind": "mlp", "hidden": 3, "activation": "tanh", "init": "normal"}), "tanh"),
        ("cifar", |v| v["config"]["data"]["dataset"] = serde_json::json!("cifar-10"), "cifar-10"),
        ("kind", |v| v["config"]["model"]["kind"] = serde_json::json!("resnet"), "resnet"),
        ("mlp-record", |v| v["config"]["model"] = serde_json::json!({"kind": "mlp", "hidden": 3, "activation": "sigmoid", "init": "normal"}), "does not fit this model's architecture"),
        ("fingerprint", |v| v["parameters_fnv1a"] = serde_json::json!("0123456789abcdef"), "does not match"),
        ("not-json", |v| *v = serde_json::json!("just a string"), "model.json"),
    ];
    for (name, edit, needle) in cases {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(run.join("model.bpk"), folder.join("model.bpk")).unwrap();
        let mut meta = original.clone();
        edit(&mut meta);
        std::fs::write(folder.join("model.json"), meta.to_string()).unwrap();
        failed(&handgrad(&["eval", "--model", s(&folder)]), needle);
        failed(&handgrad(&["predict", "--model", s(&folder), s(&picture)]), needle);
    }

    // The parameter file missing beside its description.
    let lonely = dir.join("lonely");
    std::fs::create_dir_all(&lonely).unwrap();
    std::fs::copy(run.join("model.json"), lonely.join("model.json")).unwrap();
    failed(&handgrad(&["eval", "--model", s(&lonely)]), "no such model file");

    // The checkpoint: its description edited, then its parameter file cut short.
    let checkpoint = run.join("checkpoint.json");
    let saved = std::fs::read_to_string(&checkpoint).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&saved).unwrap();
    value["meta"]["config"]["model"] = serde_json::json!({"kind": "mlp", "hidden": 0, "activation": "sigmoid", "init": "normal"});
    std::fs::write(&checkpoint, value.to_string()).unwrap();
    failed(&handgrad(&["train", "--resume", s(&run), "--epochs", "3", "--no-plots"]), "hidden must be at least 1");
    std::fs::write(&checkpoint, &saved).unwrap();
    let parameters = run.join(value["parameters"].as_str().unwrap());
    let bytes = std::fs::read(&parameters).unwrap();
    std::fs::write(&parameters, &bytes[..bytes.len() - 7]).unwrap();
    failed(&handgrad(&["train", "--resume", s(&run), "--epochs", "3", "--no-plots"]), "does not match");
    no_partial_files(&run);
}

/// `train` into a folder that holds a run keeps that run: the new one goes to `DIR-2`, then
/// `DIR-3`; `--overwrite` replaces it.
#[test]
fn a_new_run_never_replaces_an_earlier_one_unless_asked() {
    let (_dir, data, run) = trained("persist-numbered", 600);
    let first = std::fs::read(run.join("model.bpk")).unwrap();
    let args = ["train", "--data-dir", s(&data), "--epochs", "1", "--out", s(&run), "--no-plots"];
    let second = ok(&handgrad(&args));
    let run2 = run.with_file_name("run-2");
    assert!(second.contains(&format!("this run writes into {}", run2.display())), "{second}");
    assert!(second.contains(&format!("in {}", run2.display())), "{second}");
    assert_eq!(std::fs::read(run.join("model.bpk")).unwrap(), first, "the first run's model was replaced");
    assert_eq!(epochs_done(&run), 2);
    assert_eq!(epochs_done(&run2), 1);
    ok(&handgrad(&args));
    assert_eq!(epochs_done(&run.with_file_name("run-3")), 1);
    let replaced = ok(&handgrad(&[&args[..], &["--overwrite"]].concat()));
    assert!(!replaced.contains("this run writes into"), "{replaced}");
    assert_eq!(epochs_done(&run), 1);
    failed(&handgrad(&["train", "--resume", s(&run), "--overwrite"]), "drop --overwrite");
}

//! `cargo lab` in a classroom: its language from the locale or `--lang`; `--watch` checking
//! again when a file is saved; `hint` and `list`; a class's reports read by `cargo lab class`;
//! Gradescope's results.json.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

use lab_checker::answers::{Exo1, Exo2};
use lab_checker::check::{self, Cases, Finding};
use lab_checker::list::State;
use lab_checker::report::{Report, Run, RunKind, SCHEMA, gradescope};
use lab_checker::table::Counts;
use lab_checker::{hint, list};
use lesson::backend::Backend;
use lesson::data::PIXELS;
use lesson::shuffle::SplitMix64;
use lesson::slips::{CATALOG, Lang, Slip};

#[path = "fixtures/wrong.rs"]
mod wrong;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-classroom-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// MNIST's four IDX files, raw: 200 training and 20 test images of random pixels.
fn idx_folder(name: &str) -> PathBuf {
    let dir = temp(name);
    let mut rng = SplitMix64::new(3);
    for (stem, n) in [("train", 200u32), ("t10k", 20)] {
        let mut images = [0x0803u32, n, 28, 28].iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<u8>>();
        images.extend((0..n as usize * PIXELS).map(|_| rng.below(256) as u8));
        std::fs::write(dir.join(format!("{stem}-images-idx3-ubyte")), images).unwrap();
        let mut labels = [0x0801u32, n].iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<u8>>();
        labels.extend((0..n).map(|i| (i % 10) as u8));
        std::fs::write(dir.join(format!("{stem}-labels-idx1-ubyte")), labels).unwrap();
    }
    dir
}

fn lab(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    command.args(args).env_remove("HANDGRAD_DATA_DIR").env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    command.envs(env.iter().copied()).output().expect("runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn cases() -> Cases {
    let train = lesson::data::DataSource { kind: lesson::data::DatasetKind::Mnist, dir: Some(idx_folder("cases")) }
        .split(lesson::data::Which::Train)
        .unwrap();
    let device = Backend::Ndarray.device();
    device.seed(1);
    Cases::new(&train, &device)
}

#[test]
fn it_speaks_french_from_the_locale_and_english_when_asked() {
    let dir = idx_folder("lang");
    let data = dir.to_str().unwrap();
    let fr = lab(&["list", "--solution", "--data-dir", data], &[("LANG", "fr_FR.UTF-8")]);
    assert!(stdout(&fr).starts_with("Exercice 1\n  fait      IMAGE_SPACE_DIMENSION"), "{}", stdout(&fr));
    assert!(stdout(&fr).ends_with("12 étapes faites sur 12\n"), "{}", stdout(&fr));
    let en = lab(&["list", "--solution", "--data-dir", data, "--lang", "en"], &[("LANG", "fr_FR.UTF-8")]);
    assert!(stdout(&en).starts_with("Exercise 1\n  done      IMAGE_SPACE_DIMENSION"), "{}", stdout(&en));
    let c = lab(&["list", "--solution", "--data-dir", data], &[("LANG", "C.UTF-8"), ("LC_MESSAGES", "fr_BE")]);
    assert!(stdout(&c).starts_with("Exercice 1"), "LC_MESSAGES before LANG: {}", stdout(&c));
    let check = lab(&["--solution", "--data-dir", data, "--epochs", "1"], &[("LC_ALL", "fr_FR.UTF-8")]);
    let text = stdout(&check);
    assert!(text.contains("ok    exercice 1 · softmax (éq. (1)) : juste") && text.contains("Apprentissage : l'exercice 1"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn list_and_hint_follow_the_first_unfinished_step() {
    let cases = cases();
    let (_, answers) = wrong::exo1().into_iter().find(|(s, _)| *s == Slip::NoMean).unwrap();
    let findings = check::exo1(&answers, &cases, Lang::En);
    let states = list::states(&findings, Lang::En);
    let state_of = |item: &str, exercise: u8| states.iter().find(|s| s.0 == exercise && s.1 == item).unwrap().3;
    assert_eq!(state_of("delta_y", 1), State::Done);
    assert_eq!(state_of("gradients", 1), State::Current);
    assert_eq!(state_of("update", 1), State::ToDo);
    assert_eq!(state_of("sigmoid", 2), State::ToDo);
    assert_eq!(states.iter().filter(|s| s.3 == State::Current).count(), 1);

    let file = temp("hints").join("hints.json");
    let first = hint::next(&findings, &file, Lang::En).unwrap();
    assert!(first.starts_with("Hint 1 of 3 for exercise 1 · gradients:\n  1. "), "{first}");
    let second = hint::next(&findings, &file, Lang::Fr).unwrap();
    assert!(second.starts_with("Indice 2 sur 3 pour l'exercice 1 · gradients :\n  1. ") && second.contains("\n  2. "), "{second}");
    hint::next(&findings, &file, Lang::En).unwrap();
    let last = hint::next(&findings, &file, Lang::En).unwrap();
    assert!(last.starts_with("Hint 3 of 3") && !last.contains("again for the next one"), "{last}");
    let all_right = check::all(&Exo1::solution(), &Exo2::solution(), &cases, Lang::En);
    assert_eq!(hint::next(&all_right, &file, Lang::En).unwrap(), "Every step is right: no hint left to give.");
    std::fs::remove_dir_all(file.parent().unwrap()).ok();
}

#[test]
fn watch_checks_again_when_a_file_is_saved_and_q_quits() {
    let data = idx_folder("watch-data");
    let watched = temp("watch-dir");
    std::fs::write(watched.join("exo1.rs"), "// before\n").unwrap();
    let args = ["--watch", "--watch-dir", watched.to_str().unwrap(), "--solution", "--epochs", "1", "--lang", "en", "--data-dir", data.to_str().unwrap()];
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .env_remove("CARGO")
        .env_remove("HANDGRAD_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let (tx, rx) = channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || BufReader::new(out).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    let wait_for_checks = |n: usize| {
        let mut seen = 0;
        while seen < n {
            let line = rx.recv_timeout(Duration::from_secs(120)).expect("a check within two minutes");
            seen += usize::from(line.starts_with("— watching "));
        }
    };
    wait_for_checks(1);
    std::fs::write(watched.join("exo1.rs"), "// after\n").unwrap();
    wait_for_checks(1); // the save, without a keystroke
    child.stdin.as_mut().unwrap().write_all(b"q\n").unwrap();
    assert!(child.wait().unwrap().success());
    for dir in [data, watched] {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// A report as `cargo lab --json` writes it.
fn report(student: &str, checks: Vec<Finding>, runs: Vec<Run>) -> Report {
    let mut r = Report { schema: SCHEMA, student: Some(student.into()), answers: "student", lang: Lang::En, dataset: "mnist", checks, reached: None, runs, done: false };
    r.reached = r.first_unfinished();
    r
}

#[test]
fn the_class_view_counts_each_step_and_each_slip() {
    let cases = cases();
    let dir = temp("class");
    let mut students = 0;
    for (slip, answers) in wrong::exo1() {
        report(slip.name(), check::exo1(&answers, &cases, Lang::En), vec![]).write_json(&dir.join(format!("{}.json", slip.name()))).unwrap();
        students += 1;
    }
    for (slip, answers) in wrong::exo2() {
        let mut checks = check::exo1(&Exo1::solution(), &cases, Lang::En);
        checks.extend(check::exo2(&answers, &cases, Lang::En));
        report(slip.name(), checks, vec![]).write_json(&dir.join(format!("exo2-{}.json", slip.name()))).unwrap();
        students += 1;
    }
    let table = (0..16).map(|epoch| Counts { epoch, train: 50_000, test: 9_000 }).collect::<Vec<_>>();
    let walked = Run { kind: RunKind::Exercise1, what: String::new(), epochs: table.clone(), reference: table, differences: vec![] };
    report("ada", check::all(&Exo1::solution(), &Exo2::solution(), &cases, Lang::En), vec![walked]).write_json(&dir.join("ada.json")).unwrap();
    students += 1;

    let out = lab(&["class", dir.to_str().unwrap()], &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with(&format!("Class of {students} students\n")), "{text}");
    // Each catalogued slip, counted once per student who made it (no-mean in both exercises).
    let made = |slip: Slip| wrong::exo1().iter().filter(|(s, _)| *s == slip).count() + wrong::exo2().iter().filter(|(s, _)| *s == slip).count();
    for row in CATALOG {
        let line = text.lines().find(|l| l.trim_start().starts_with(&format!("`{}` ", row.name))).unwrap_or_else(|| panic!("{} missing:\n{text}", row.name));
        assert!(line.ends_with(&format!(" {}", made(row.slip))), "{line}");
    }
    // Each exercise 1 slip stops its student at the step it is made in.
    let at = |step: &str| text.lines().find(|l| l.trim_start().starts_with(step)).map(|l| l.split_whitespace().last().unwrap().to_string());
    assert_eq!(at("exercise 1 · gradients").as_deref(), Some("8"), "{text}");
    assert_eq!(at("every step right").as_deref(), Some("2"), "{text}"); // ada, and the warning's student
    assert!(text.contains("Matched the lab's table (1 of 22): ada"), "{text}");
    let md = stdout(&lab(&["class", dir.to_str().unwrap(), "--markdown", "--lang", "fr"], &[]));
    assert!(md.contains("| étape atteinte | étudiants |\n|---|---:|\n") && md.contains("| `sign` | 1 |"), "{md}");
    let bad = dir.join("broken.json");
    std::fs::write(&bad, "{").unwrap();
    let out = lab(&["class", dir.to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), stderr.lines().count()), (Some(2), 1), "{stderr}");
    assert!(stderr.contains("broken.json is not a report of `cargo lab --json`"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn gradescope_results_have_one_test_per_step_and_run() {
    let cases = cases();
    let (_, answers) = wrong::exo1().into_iter().find(|(s, _)| *s == Slip::Sign).unwrap();
    let results = serde_json::to_value(gradescope(&report("bob", check::exo1(&answers, &cases, Lang::En), vec![]))).unwrap();
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 12 + 3);
    for t in tests {
        let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        for key in ["name", "status", "score", "max_score", "output"] {
            assert!(keys.contains(&key), "{t}");
        }
        assert!(t["status"] == "passed" || t["status"] == "failed", "{t}");
        assert_eq!(t["score"].as_f64().unwrap(), if t["status"] == "passed" { 1.0 } else { 0.0 });
    }
    let status = |name: &str| tests.iter().find(|t| t["name"] == name).unwrap()["status"].as_str().unwrap().to_string();
    assert_eq!(status("exercise 1 · delta_y"), "passed");
    assert_eq!(status("exercise 1 · gradients"), "failed");
    let gradients = tests.iter().find(|t| t["name"] == "exercise 1 · gradients").unwrap();
    assert!(gradients["output"].as_str().unwrap().contains("slip `sign`"), "{gradients}");
    assert_eq!(results["score"].as_f64().unwrap(), 7.0);
    assert_eq!(results["output"], "The lab stops at exercise 1 · gradients.");
}

/// The binary writes both files whole, with the name given.
#[test]
fn json_and_gradescope_files_are_written_with_the_name() {
    let data = idx_folder("files");
    let dir = temp("files-out");
    let (json, gs) = (dir.join("r.json"), dir.join("results.json"));
    let out = lab(
        &["--solution", "--epochs", "1", "--data-dir", data.to_str().unwrap(), "--name", "Ada L.", "--json", json.to_str().unwrap(), "--gradescope", gs.to_str().unwrap()],
        &[],
    );
    assert!(out.status.code().is_some(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!((report["student"].as_str(), report["schema"].as_u64()), (Some("Ada L."), Some(1)));
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&gs).unwrap()).unwrap();
    assert_eq!(results["tests"].as_array().unwrap().len(), 15);
    assert!(!Path::new(&gs.with_extension("json.tmp")).exists());
    for d in [data, dir] {
        std::fs::remove_dir_all(d).ok();
    }
}

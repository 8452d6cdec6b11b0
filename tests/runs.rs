//! A user's runs go to a folder of their own: `train` without `--out` writes `runs/1`, then
//! `runs/2`, … in the current folder; `plot` without `--run` redraws the latest; `show` writes
//! `runs/exo0.png`. Nothing lands anywhere else (in the project, `artifacts/` stays the
//! reference runs').

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{synthetic_dataset, temp_dir, write_idx_dir};

/// `handgrad ARGS` run in `cwd`.
fn handgrad_in(cwd: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .current_dir(cwd)
        .args(args)
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "handgrad {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn runs_without_out_are_numbered_in_runs() {
    let cwd = temp_dir("runs");
    let data = cwd.join("data");
    write_idx_dir(&data, &synthetic_dataset(300, 100, 21), true);
    let train = ["train", "--data-dir", data.to_str().unwrap(), "--epochs", "1", "--no-plots"];

    let first = handgrad_in(&cwd, &train);
    assert!(String::from_utf8_lossy(&first.stdout).contains(&format!("in {}", Path::new("runs").join("1").display())));
    handgrad_in(&cwd, &train);
    assert_eq!(entries(&cwd), ["data", "runs"], "a run writes nothing beside runs/");
    assert_eq!(entries(&cwd.join("runs")), ["1", "2"]);
    for run in ["1", "2"] {
        let files = entries(&cwd.join("runs").join(run));
        assert!(files.contains(&"model.json".to_string()) && files.contains(&"metrics.csv".to_string()), "{files:?}");
    }

    // A run that failed before its first epoch leaves its folder empty: the next run takes it.
    let failed = Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .current_dir(&cwd)
        .args(["train", "--data-dir", "no-such-folder", "--epochs", "1"])
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert_eq!(entries(&cwd.join("runs")), ["1", "2", "3"]);
    // plot without --run: the latest finished run, not the failed one's folder.
    let plot = handgrad_in(&cwd, &["plot"]);
    assert!(String::from_utf8_lossy(&plot.stdout).contains(&Path::new("runs").join("2").join("curves.png").display().to_string()));
    handgrad_in(&cwd, &train);
    assert!(cwd.join("runs/3/model.json").is_file());

    // A folder a user made in runs/ is not a number, and an empty numbered one is no run: the
    // count goes on from the highest that holds a run.
    std::fs::create_dir_all(cwd.join("runs/mine")).unwrap();
    std::fs::create_dir_all(cwd.join("runs/7")).unwrap();
    handgrad_in(&cwd, &train);
    assert_eq!(entries(&cwd.join("runs")), ["1", "2", "3", "4", "7", "mine"]);
    let plot = handgrad_in(&cwd, &["plot"]);
    assert!(String::from_utf8_lossy(&plot.stdout).contains(&Path::new("runs").join("4").join("curves.png").display().to_string()));
    assert!(cwd.join("runs/4/weights.png").is_file());

    // show's picture goes to runs/ too.
    handgrad_in(&cwd, &["show", "--data-dir", data.to_str().unwrap(), "--count", "20"]);
    assert!(cwd.join("runs/exo0.png").is_file());
    assert_eq!(entries(&cwd), ["data", "runs"]);
}

#[test]
fn plot_without_a_run_says_what_to_give() {
    let cwd = temp_dir("runs-none");
    let out = Command::new(env!("CARGO_BIN_EXE_handgrad")).current_dir(&cwd).arg("plot").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim_end(), "error: no finished run in runs/ to plot: give --run DIR, a folder that `train` wrote");
}

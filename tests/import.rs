//! `import` refuses weights that hold NaN or infinity (a diverged run's) in one line saying how
//! many and where the first is, from the lab's .npy files and from safetensors alike, and
//! writes nothing.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::temp_dir;
use handgrad::bridge::{Values, npy_bytes};

fn import(args: &[&Path], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .env_remove("HANDGRAD_DATA_DIR")
        .arg("import")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// Failed, with exactly this one `error:` line on stderr, and no model written.
fn refused(out: &Output, run: &Path, line: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit status {:?}, stderr {stderr}", out.status);
    assert_eq!(stderr.trim_end(), format!("error: {line}"));
    assert!(!run.join("model.json").exists() && !run.join("model.bpk").exists(), "nothing is written");
}

#[test]
fn non_finite_lab_arrays_are_refused_in_one_line() {
    let dir = temp_dir("import-nan");
    let mut w = vec![0.25f64; 784 * 10];
    w[5 * 10 + 2] = f64::NAN; // W[5, 2], the first in C order
    w[700 * 10 + 9] = f64::INFINITY;
    w[783 * 10] = f64::NEG_INFINITY;
    let (w_path, b_path, good_w) = (dir.join("W.npy"), dir.join("b.npy"), dir.join("W-good.npy"));
    std::fs::write(&w_path, npy_bytes(&Values::F64(w), &[784, 10]).unwrap()).unwrap();
    std::fs::write(&good_w, npy_bytes(&Values::F64(vec![0.25; 7840]), &[784, 10]).unwrap()).unwrap();
    let mut b = vec![0.0f64; 10];
    b[7] = f64::NAN;
    std::fs::write(&b_path, npy_bytes(&Values::F64(b), &[10]).unwrap()).unwrap();
    let good_b = dir.join("b-good.npy");
    std::fs::write(&good_b, npy_bytes(&Values::F64(vec![0.0; 10]), &[10]).unwrap()).unwrap();

    let run = dir.join("run");
    let w_line = format!(
        "{}: W holds 3 values that are NaN or infinite, the first at W[5, 2]: a diverged run? A model needs finite weights",
        w_path.display()
    );
    refused(&import(&["--npy".as_ref(), &w_path, &good_b], &run), &run, &w_line);
    let b_line = format!(
        "{}: b holds 1 value that is NaN or infinite, the first at b[7]: a diverged run? A model needs finite weights",
        b_path.display()
    );
    refused(&import(&["--npy".as_ref(), &good_w, &b_path], &run), &run, &b_line);
    // The same arrays, finite, make a model.
    let ok = import(&["--npy".as_ref(), &good_w, &good_b], &run);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}

#[test]
fn non_finite_safetensors_are_refused_in_one_line() {
    let dir = temp_dir("import-nan-st");
    // PyTorch's layout: linear.weight [10, 784], linear.bias [10], float32.
    let mut weight = vec![0.5f32; 10 * 784];
    weight[3 * 784 + 100] = f32::NAN; // linear.weight[3, 100]
    weight[9 * 784 + 1] = f32::INFINITY;
    let bias = vec![0.0f32; 10];
    let (wn, bn) = (weight.len() * 4, bias.len() * 4);
    let header = format!(
        r#"{{"linear.weight":{{"dtype":"F32","shape":[10,784],"data_offsets":[0,{wn}]}},"linear.bias":{{"dtype":"F32","shape":[10],"data_offsets":[{wn},{}]}}}}"#,
        wn + bn
    );
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header.as_bytes());
    bytes.extend(weight.iter().chain(&bias).flat_map(|x| x.to_le_bytes()));
    let file = dir.join("diverged.safetensors");
    std::fs::write(&file, bytes).unwrap();
    let run = dir.join("run");
    let line = format!(
        "{}: linear.weight holds 2 values that are NaN or infinite, the first at linear.weight[3, 100]: a diverged run? A model needs finite weights",
        file.display()
    );
    refused(&import(&["--safetensors".as_ref(), &file], &run), &run, &line);
}

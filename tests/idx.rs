//! The IDX reader: round trips of files the test writes, and every malformed case ending in
//! an error that names the file.

mod common;

use std::path::Path;

use common::{synthetic_dataset, temp_dir, write_idx_dir};
use lesson::data::idx::{encode_images, encode_labels, gzip, read_images, read_labels};
use lesson::data::source::read_split;
use lesson::data::{DataSource, DatasetKind, Which};

#[test]
fn round_trip_gzip_and_raw() {
    let data = synthetic_dataset(53, 17, 1);
    for gz in [true, false] {
        let dir = temp_dir(&format!("roundtrip-{gz}"));
        write_idx_dir(&dir, &data, gz);
        let loaded = DataSource {
            kind: DatasetKind::Mnist,
            dir: Some(dir.clone()),
        }
        .load()
        .unwrap();
        assert_eq!(loaded.train, data.train, "gz={gz}");
        assert_eq!(loaded.test, data.test, "gz={gz}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn gzip_content_is_detected_without_the_extension() {
    let dir = temp_dir("gz-noext");
    let labels = [3u8, 1, 4, 1, 5];
    let path = dir.join("labels-idx1-ubyte");
    std::fs::write(&path, gzip(&encode_labels(&labels))).unwrap();
    assert_eq!(read_labels(&path).unwrap(), labels);
}

/// Writes `bytes` to `dir/name` and returns the error of reading it as images or labels.
fn error_for(dir: &Path, name: &str, bytes: &[u8], labels: bool) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = if labels {
        read_labels(&path).map(|_| ()).unwrap_err()
    } else {
        read_images(&path).map(|_| ()).unwrap_err()
    };
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "the message does not name the file: {text}"
    );
    text
}

#[test]
fn every_malformed_file_is_a_clear_error() {
    let dir = temp_dir("malformed");
    let images = encode_images(&vec![7u8; 3 * 784]);
    let labels = encode_labels(&[1, 2, 3]);

    let mut bad_magic = images.clone();
    bad_magic[3] = 0x02;
    assert!(error_for(&dir, "a", &bad_magic, false).contains("bad magic number 0x00000802"));
    // A labels file given where images are expected.
    assert!(error_for(&dir, "b", &labels, false).contains("(a labels file)"));

    assert!(error_for(&dir, "c", &images[..10], false).contains("truncated header"));
    assert!(error_for(&dir, "d", &images[..2], false).contains("truncated header"));
    assert!(error_for(&dir, "e", &images[..images.len() - 1], false).contains("truncated data"));
    assert!(error_for(&dir, "f", &labels[..labels.len() - 2], true).contains("truncated data"));

    let mut trailing = labels.clone();
    trailing.push(0);
    assert!(error_for(&dir, "g", &trailing, true).contains("trailing bytes"));

    let mut wrong_dims = images.clone();
    wrong_dims[11] = 27; // rows = 27
    assert!(error_for(&dir, "h", &wrong_dims, false).contains("27×28"));

    let bad_label = encode_labels(&[1, 10, 3]);
    assert!(error_for(&dir, "i", &bad_label, true).contains("label 10 at index 1"));

    assert!(error_for(&dir, "j", b"", false).contains("empty file"));
    assert!(error_for(&dir, "k.gz", &images, false).contains("not a gzip file"));

    let mut corrupt_gz = gzip(&images);
    let n = corrupt_gz.len();
    corrupt_gz.truncate(n / 2);
    let text = error_for(&dir, "l.gz", &corrupt_gz, false);
    assert!(text.contains("gzip") || text.contains("truncated"), "{text}");

    let mut absurd = images.clone();
    absurd[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(error_for(&dir, "m", &absurd, false).contains("more than the"));

    let missing = dir.join("nothing-here");
    let err = read_images(&missing).unwrap_err().to_string();
    assert!(err.contains("nothing-here") && err.contains("no such file"), "{err}");
}

#[test]
fn image_and_label_counts_must_agree() {
    let dir = temp_dir("count-mismatch");
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), encode_images(&vec![0u8; 4 * 784])).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), encode_labels(&[0, 1, 2])).unwrap();
    let err = format!("{:#}", read_split(&dir, Which::Test).unwrap_err());
    assert!(err.contains("holds 4 images") && err.contains("holds 3 labels"), "{err}");
    assert!(err.contains("t10k-images-idx3-ubyte"), "{err}");
}

#[test]
fn a_missing_file_in_the_folder_is_named() {
    let dir = temp_dir("missing-one");
    write_idx_dir(&dir, &synthetic_dataset(5, 5, 2), true);
    std::fs::remove_file(dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    let source = DataSource {
        kind: DatasetKind::Mnist,
        dir: Some(dir.clone()),
    };
    let err = format!("{:#}", source.load().unwrap_err());
    assert!(err.contains("train-labels-idx1-ubyte"), "{err}");
}

/// Many copies of MNIST name the files with a dot (`train-images.idx3-ubyte`): read them too,
/// raw or gzipped, and name both spellings when neither is there.
#[test]
fn dotted_file_names_are_read() {
    let data = synthetic_dataset(6, 4, 3);
    for gz in [false, true] {
        let dir = temp_dir(if gz { "dotted-gz" } else { "dotted" });
        write_idx_dir(&dir, &data, gz);
        for stem in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            let (from, to) = match gz {
                true => (format!("{stem}.gz"), format!("{}.gz", stem.replacen("-idx", ".idx", 1))),
                false => (stem.to_string(), stem.replacen("-idx", ".idx", 1)),
            };
            std::fs::rename(dir.join(from), dir.join(to)).unwrap();
        }
        let source = DataSource { kind: DatasetKind::Mnist, dir: Some(dir.clone()) };
        let loaded = source.load().unwrap();
        assert_eq!((loaded.train, loaded.test), (data.train.clone(), data.test.clone()));
    }
    let empty = temp_dir("dotted-none");
    let err = format!("{:#}", read_split(&empty, Which::Test).unwrap_err());
    assert!(err.contains("no t10k-images-idx3-ubyte.gz or t10k-images-idx3-ubyte in this folder (nor t10k-images.idx3-ubyte.gz or t10k-images.idx3-ubyte)"), "{err}");
}

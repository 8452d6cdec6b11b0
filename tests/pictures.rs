//! The pictures: placement and gray levels of exercise 0's grid, the sign pattern of the
//! weight templates, the confusion matrix's sums, text without system fonts, and clear errors
//! for unwritable destinations.

mod common;

use std::process::Command;

use common::{synthetic_dataset, temp_dir, write_idx_dir};
use lesson::data::{CLASSES, PIXELS, Split};
use lesson::inference::confusion;
use handgrad::plot::canvas::{Align, Canvas, WHITE};
use handgrad::plot::grid::{GridLayout, IMAGE_PX, image_grid};
use handgrad::plot::tiles::{WEIGHT_TILE, weight_templates, weight_tile_origin};

fn decode(png: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("a valid PNG")
        .to_rgb8()
}

/// `n` images, image k filled with the gray level `3 + 5k`.
fn flat_images(n: usize) -> Split {
    let mut pixels = Vec::new();
    for k in 0..n {
        pixels.extend(std::iter::repeat_n((3 + 5 * k) as u8, PIXELS));
    }
    Split::new(pixels, vec![0; n])
}

#[test]
fn the_grid_puts_image_k_at_row_k_div_20_column_k_mod_20() {
    let split = flat_images(45);
    let picture = decode(&image_grid(&split, 45).png().unwrap());
    let layout = GridLayout::new(45);
    assert_eq!((layout.rows, layout.cols), (3, 20));
    assert_eq!(picture.dimensions(), layout.size());
    for k in 0..45 {
        let (x, y) = layout.image_origin(k);
        // Where it should be: cell (k / 20, k % 20).
        let cell_x = (k % 20) as f64 * 719.5 / 20.0;
        let cell_y = (k / 20) as f64 * 38.41;
        assert!((x as f64 - cell_x) < 36.0 && x as f64 >= cell_x, "k={k}");
        assert!((y as f64 - cell_y) < 38.5 && y as f64 >= cell_y, "k={k}");
        let level = (3 + 5 * k) as u8;
        for (dx, dy) in [(1, 1), (IMAGE_PX / 2, IMAGE_PX / 2), (IMAGE_PX - 2, IMAGE_PX - 2)] {
            assert_eq!(picture.get_pixel(x + dx, y + dy).0, [level; 3], "image {k} at +({dx},{dy})");
        }
        // The gap around each image is white (no axes, no frame).
        assert_eq!(picture.get_pixel(x - 1, y + IMAGE_PX / 2).0, [255; 3]);
    }
}

#[test]
fn the_full_grid_has_the_labs_proportions() {
    let layout = GridLayout::new(200);
    assert_eq!((layout.rows, layout.cols), (10, 20));
    assert_eq!(layout.size(), (720, 384));
    let small = GridLayout::new(7);
    assert_eq!((small.rows, small.cols), (1, 7));
}

#[test]
fn the_weight_picture_shows_the_sign_of_w() {
    // For class c: W[p₊(c)][c] = +1 at pixel p₊(c) = (3, 3 + c), W[p₋][c] = −1 at (20, 20).
    let mut w = vec![0f32; PIXELS * CLASSES];
    for c in 0..CLASSES {
        w[(3 * 28 + 3 + c) * CLASSES + c] = 1.0;
        w[(20 * 28 + 20) * CLASSES + c] = -1.0;
    }
    let names: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    let picture = decode(&weight_templates(&w, &names).png().unwrap());
    let scale = WEIGHT_TILE / 28;
    let at = |c: usize, row: u32, col: u32| {
        let (x, y) = weight_tile_origin(c);
        picture.get_pixel(x + col * scale + scale / 2, y + row * scale + scale / 2).0
    };
    for c in 0..CLASSES {
        let [r, _, b] = at(c, 3, 3 + c as u32);
        assert!(r > 200 && b < 80, "class {c}: positive weight should be red, got {:?}", at(c, 3, 3 + c as u32));
        let [r, _, b] = at(c, 20, 20);
        assert!(b > 200 && r < 80, "class {c}: negative weight should be blue");
        assert_eq!(at(c, 12, 12), [255, 255, 255], "class {c}: zero weight should be white");
        // Another class's positive pixel is zero here.
        let other = (c + 1) % CLASSES;
        assert_eq!(at(c, 3, 3 + other as u32), [255, 255, 255]);
    }
}

#[test]
fn text_renders_from_the_embedded_fonts() {
    // No system font is read: the glyphs come from the binary. Two strings give two
    // different, non-blank renderings, arrows included.
    let render = |s: &str| {
        let mut canvas = Canvas::new(300, 40, WHITE);
        canvas.text(s, 150, 8, 16.0, [0, 0, 0], Align::Center);
        canvas.rgb
    };
    let a = render("Ankle boot → Sneaker");
    let b = render("T-shirt/top");
    let dark = |rgb: &[u8]| rgb.chunks(3).filter(|p| p[0] < 128).count();
    assert!(dark(&a) > 100, "{} dark pixels", dark(&a));
    assert!(dark(&b) > 50);
    assert_ne!(a, b);
}

#[test]
fn the_confusion_matrix_counts_every_test_image_once() {
    let labels = [0u8, 1, 2, 2, 9, 9, 9];
    let predictions = [0u8, 2, 2, 1, 9, 0, 9];
    let m = confusion(&labels, &predictions);
    assert_eq!(m.iter().flatten().sum::<usize>(), 7);
    assert_eq!((0..10).map(|c| m[c][c]).sum::<usize>(), 4);
    assert_eq!((m[1][2], m[2][1], m[9][0]), (1, 1, 1));
}

fn handgrad(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_handgrad"))
        .args(args)
        .env_remove("HANDGRAD_DATA_DIR")
        .output()
        .unwrap()
}

#[test]
fn train_draws_the_pictures_and_its_confusion_diagonal_is_its_test_count() {
    let dir = temp_dir("pictures-train");
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(800, 250, 12), true);
    let out = dir.join("run");
    let run = handgrad(&[
        "train", "--data-dir", data.to_str().unwrap(), "--epochs", "2", "--out", out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let last = stdout.lines().rfind(|l| l.starts_with("epoch ")).unwrap();
    // "... test 87.20% (218/250) ..."
    let test_correct: usize = last.split("test ").nth(1).unwrap().split(['(', '/']).nth(1).unwrap().parse().unwrap();
    let summary = stdout.lines().find(|l| l.contains(" correct (")).unwrap();
    assert!(summary.starts_with(&format!("{test_correct} of 250 correct")), "{summary} vs {last}");
    // The table's rows sum to the test set.
    let rows: Vec<usize> = stdout
        .lines()
        .filter(|l| l.contains(" │") && !l.contains("pred"))
        .map(|l| l.split('│').nth(1).unwrap().split_whitespace().map(|n| n.parse::<usize>().unwrap()).sum())
        .collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows.iter().sum::<usize>(), 250);
    for name in ["curves.png", "weights.png", "confusion.png", "errors.png"] {
        let png = std::fs::read(out.join(name)).unwrap();
        let picture = decode(&png);
        assert!(picture.width() > 300 && picture.height() > 100, "{name}");
        // Not blank.
        let non_white = picture.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(non_white > 1000, "{name} is nearly blank");
    }

    // plot --run redraws them from the saved run.
    let again = dir.join("again");
    let plot = handgrad(&["plot", "--run", out.to_str().unwrap(), "--out", again.to_str().unwrap()]);
    assert!(plot.status.success(), "{}", String::from_utf8_lossy(&plot.stderr));
    assert_eq!(std::fs::read(out.join("confusion.png")).unwrap(), std::fs::read(again.join("confusion.png")).unwrap());
    assert_eq!(std::fs::read(out.join("weights.png")).unwrap(), std::fs::read(again.join("weights.png")).unwrap());
}

#[test]
fn picture_commands_fail_clearly_on_an_unwritable_destination() {
    let dir = temp_dir("pictures-unwritable");
    let data = dir.join("data");
    write_idx_dir(&data, &synthetic_dataset(100, 30, 2), false);
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let target = blocker.join("exo0.png");
    for args in [
        vec!["show", "--data-dir", data.to_str().unwrap(), "--out", target.to_str().unwrap()],
        vec!["plot", "--run", dir.to_str().unwrap(), "--out", blocker.join("p").to_str().unwrap()],
    ] {
        let out = handgrad(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("cannot create the output folder"), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
    // A folder that exists but is read-only for this user.
    let readonly = dir.join("readonly");
    std::fs::create_dir(&readonly).unwrap();
    let mut perms = std::fs::metadata(&readonly).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&readonly, perms).unwrap();
    let probe = readonly.join("probe");
    if std::fs::write(&probe, b"x").is_err() {
        // (root writes anywhere: only meaningful for other users)
        let out = handgrad(&["show", "--data-dir", data.to_str().unwrap(), "--out", readonly.join("x.png").to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write in the output folder"));
    }
}

#[test]
fn show_previews_as_characters() {
    let dir = temp_dir("pictures-ascii");
    write_idx_dir(&dir, &synthetic_dataset(10, 10, 3), false);
    let out = handgrad(&["show", "--data-dir", dir.to_str().unwrap(), "--ascii", "--count", "3"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    // A header line, then 14 lines of 3 images × (28 + 2) characters.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 15, "{stdout}");
    assert!(lines[0].starts_with("#0 "));
    assert_eq!(lines[1].chars().count(), 3 * 30);
    assert!(!dir.join("exo0.png").exists());
}


#[test]
fn show_exports_each_image_as_a_28_by_28_png() {
    let dir = temp_dir("pictures-export");
    let data = synthetic_dataset(12, 12, 4);
    write_idx_dir(&dir.join("data"), &data, false);
    let out = handgrad(&[
        "show", "--data-dir", dir.join("data").to_str().unwrap(), "--split", "test", "--count", "3",
        "--export", dir.join("png").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for i in 0..3 {
        let path = dir.join(format!("png/test-{i:05}-label-{}.png", data.test.labels[i]));
        let picture = image::open(&path).unwrap().to_luma8();
        assert_eq!(picture.dimensions(), (28, 28));
        assert_eq!(picture.into_raw(), data.test.image(i), "image {i}");
    }
}

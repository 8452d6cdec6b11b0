//! Pictures made of labelled 28×28 tiles: the weight templates `w_c` (the columns of `W`)
//! and the first misclassified test images.

use super::canvas::{Align, BLACK, Canvas, WHITE, diverging, gray};
use crate::data::{CLASSES, PIXELS, SIDE, Split};

/// Side of a weight tile in pixels (28 × 5).
pub const WEIGHT_TILE: u32 = 140;
const WEIGHT_GAP: u32 = 20;
const WEIGHT_LABEL: u32 = 26;
const TITLE: u32 = 54;

/// Where the tile of class `c` starts in the weights picture.
pub fn weight_tile_origin(c: usize) -> (u32, u32) {
    let (row, col) = ((c / 5) as u32, (c % 5) as u32);
    (
        WEIGHT_GAP + col * (WEIGHT_TILE + WEIGHT_GAP),
        TITLE + row * (WEIGHT_TILE + WEIGHT_LABEL + WEIGHT_GAP),
    )
}

/// The 10 templates `w_c` (column `c` of `W`, 784 values row-major by pixel) as 28×28 images
/// in a diverging color map: red where a bright pixel raises the score of class `c`, blue
/// where it lowers it, white for zero; one scale (±max|W|) for all ten.
pub fn weight_templates(w: &[f32], class_names: &[&str; CLASSES]) -> Canvas {
    assert_eq!(w.len(), PIXELS * CLASSES, "W is 784 × 10");
    let width = WEIGHT_GAP + 5 * (WEIGHT_TILE + WEIGHT_GAP);
    let height = TITLE + 2 * (WEIGHT_TILE + WEIGHT_LABEL + WEIGHT_GAP);
    let mut canvas = Canvas::new(width, height, WHITE);
    let scale = w.iter().fold(0f32, |m, v| m.max(v.abs())).max(f32::MIN_POSITIVE);
    canvas.text(
        "W: one 28×28 template per class (column c of W)",
        width as i32 / 2,
        8,
        17.0,
        BLACK,
        Align::Center,
    );
    canvas.text(
        &format!("red > 0 > blue, white = 0, color scale ±{scale:.3}"),
        width as i32 / 2,
        30,
        13.0,
        [90, 90, 90],
        Align::Center,
    );
    for (c, name) in class_names.iter().enumerate() {
        // Column c of the row-major 784 × 10 matrix.
        let template: Vec<f32> = (0..PIXELS).map(|i| w[i * CLASSES + c] / scale).collect();
        let (x, y) = weight_tile_origin(c);
        canvas.image(&template, SIDE as u32, x as i64, y as i64, WEIGHT_TILE, &diverging);
        canvas.text(
            name,
            (x + WEIGHT_TILE / 2) as i32,
            (y + WEIGHT_TILE + 5) as i32,
            14.0,
            BLACK,
            Align::Center,
        );
    }
    canvas
}

/// Tiles of the errors picture.
const ERROR_COLS: u32 = 8;
const ERROR_CELL_W: u32 = 140;
const ERROR_CELL_H: u32 = 112;
const ERROR_TILE: u32 = 84;

/// The first `max` misclassified images of a split, "true → predicted" under each.
/// Returns the picture and how many errors it shows.
pub fn misclassified(
    split: &Split,
    predictions: &[u8],
    class_names: &[&str; CLASSES],
    max: usize,
) -> (Canvas, usize) {
    let wrong: Vec<usize> = (0..split.len())
        .filter(|&i| predictions[i] != split.labels[i])
        .take(max)
        .collect();
    let rows = (wrong.len() as u32).div_ceil(ERROR_COLS).max(1);
    let width = ERROR_COLS * ERROR_CELL_W;
    let height = TITLE - 14 + rows * ERROR_CELL_H;
    let mut canvas = Canvas::new(width, height, WHITE);
    let total = (0..split.len()).filter(|&i| predictions[i] != split.labels[i]).count();
    canvas.text(
        &format!(
            "first {} of {total} misclassified test images (true → predicted)",
            wrong.len()
        ),
        width as i32 / 2,
        10,
        16.0,
        BLACK,
        Align::Center,
    );
    for (n, &i) in wrong.iter().enumerate() {
        let (col, row) = (n as u32 % ERROR_COLS, n as u32 / ERROR_COLS);
        let x = col * ERROR_CELL_W + (ERROR_CELL_W - ERROR_TILE) / 2;
        let y = TITLE - 14 + row * ERROR_CELL_H;
        let values: Vec<f32> = split.image(i).iter().map(|&p| p as f32).collect();
        canvas.image(&values, SIDE as u32, x as i64, y as i64, ERROR_TILE, &gray);
        let text = format!(
            "{} → {}",
            class_names[split.labels[i] as usize], class_names[predictions[i] as usize]
        );
        canvas.text(
            &text,
            (col * ERROR_CELL_W + ERROR_CELL_W / 2) as i32,
            (y + ERROR_TILE + 4) as i32,
            12.0,
            [160, 20, 20],
            Align::Center,
        );
    }
    (canvas, wrong.len())
}

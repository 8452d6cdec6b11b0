//! Pictures made of labelled 28×28 tiles: the weight templates `w_c` (the columns of `W`)
//! and the first misclassified test images.

use super::canvas::{Align, BLACK, Canvas, WHITE, diverging};
use crate::data::{CLASSES, PIXELS, SIDE, Split};

/// Side of a class-template tile in pixels (28 × 5).
pub const WEIGHT_TILE: u32 = 140;
const WEIGHT_GAP: u32 = 20;
const WEIGHT_LABEL: u32 = 26;
const TITLE: u32 = 54;

/// How a set of 28×28 templates is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TemplateGrid {
    /// Tiles per row.
    pub per_row: u32,
    /// Side of a tile in pixels.
    pub tile: u32,
    /// Room under each tile for its label (0: no labels).
    pub label: u32,
    /// Space between tiles.
    pub gap: u32,
}

impl TemplateGrid {
    /// The logistic regression's 10 class templates: 2 rows of 5 large labelled tiles.
    pub const CLASSES: TemplateGrid = TemplateGrid { per_row: 5, tile: WEIGHT_TILE, label: WEIGHT_LABEL, gap: WEIGHT_GAP };
    /// Hidden units' templates: rows of 10 small tiles.
    pub(crate) const UNITS: TemplateGrid = TemplateGrid { per_row: 10, tile: 56, label: 0, gap: 8 };

    /// Where tile `k` starts.
    pub fn origin(&self, k: usize) -> (u32, u32) {
        let (row, col) = (k as u32 / self.per_row, k as u32 % self.per_row);
        (
            self.gap + col * (self.tile + self.gap),
            TITLE + row * (self.tile + self.label + self.gap),
        )
    }
}

/// Where the tile of class `c` starts in the class-templates picture.
pub fn weight_tile_origin(c: usize) -> (u32, u32) {
    TemplateGrid::CLASSES.origin(c)
}

/// The 10 templates `w_c` (column `c` of `W`, 784 values row-major by pixel) as 28×28 images
/// in a diverging color map: red where a bright pixel raises the score of class `c`, blue
/// where it lowers it, white for zero; one scale (±max|W|) for all ten.
pub fn weight_templates(w: &[f32], class_names: &[&str; CLASSES]) -> Canvas {
    assert_eq!(w.len(), PIXELS * CLASSES, "W is 784 × 10");
    let labels: Vec<String> = class_names.iter().map(|n| n.to_string()).collect();
    templates(
        w,
        CLASSES,
        CLASSES,
        &labels,
        TemplateGrid::CLASSES,
        "W: one 28×28 template per class (column c of W)",
        true,
    )
}

/// The first `show` columns of a 784 × `n` weight matrix (row-major) as 28×28 templates, in
/// the diverging color map, with one scale for all (`shared_scale`) or one per template.
pub(crate) fn templates(
    w: &[f32],
    n: usize,
    show: usize,
    labels: &[String],
    grid: TemplateGrid,
    title: &str,
    shared_scale: bool,
) -> Canvas {
    assert_eq!(w.len(), PIXELS * n, "a 784 × n matrix");
    let show = show.min(n);
    let rows = (show as u32).div_ceil(grid.per_row).max(1);
    let width = grid.gap + grid.per_row.min(show.max(1) as u32) * (grid.tile + grid.gap);
    let height = TITLE + rows * (grid.tile + grid.label + grid.gap);
    let mut canvas = Canvas::new(width.max(420), height, WHITE);
    let column = |c: usize| -> Vec<f32> { (0..PIXELS).map(|i| w[i * n + c]).collect() };
    let max_abs = |v: &[f32]| v.iter().fold(0f32, |m, x| m.max(x.abs())).max(f32::MIN_POSITIVE);
    let shared = max_abs(w);
    canvas.text(title, canvas.width as i32 / 2, 8, 17.0, BLACK, Align::Center);
    let scale_note = if shared_scale {
        format!("red > 0 > blue, white = 0, color scale ±{shared:.3}")
    } else {
        "red > 0 > blue, white = 0, each template on its own scale ±max|w|".to_string()
    };
    canvas.text(&scale_note, canvas.width as i32 / 2, 30, 13.0, [90, 90, 90], Align::Center);
    for c in 0..show {
        let values = column(c);
        let scale = if shared_scale { shared } else { max_abs(&values) };
        let normalized: Vec<f32> = values.iter().map(|v| v / scale).collect();
        let (x, y) = grid.origin(c);
        canvas.image(&normalized, SIDE as u32, x as i64, y as i64, grid.tile, &diverging);
        if let Some(label) = labels.get(c).filter(|_| grid.label > 0) {
            canvas.text(label, (x + grid.tile / 2) as i32, (y + grid.tile + 5) as i32, 14.0, BLACK, Align::Center);
        }
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
pub(crate) fn misclassified(
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
        canvas.digit(split.image(i), x as i64, y as i64, ERROR_TILE);
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

//! Exercise 0: the first images of a split in a grid of 20 columns, gray levels, no axes, in
//! the proportions of the lab's figure (7.195 × 3.841 in at 100 dpi ≈ 720 × 384 px for 200
//! images). Also a character preview for terminals.

use super::canvas::{Canvas, WHITE};
use crate::data::{SIDE, Split};

/// Columns of the grid, as in the lab (`plt.subplot(10, 20, i + 1)`).
pub(crate) const COLUMNS: usize = 20;
/// Width of one cell: 7.195 in × 100 dpi / 20 columns.
pub(crate) const CELL_W: f64 = 719.5 / 20.0;
/// Height of one cell: 3.841 in × 100 dpi / 10 rows.
pub(crate) const CELL_H: f64 = 384.1 / 10.0;
/// Side of an image in its cell, in pixels (28 scaled by 8/7, leaving a white gap).
pub const IMAGE_PX: u32 = 32;

/// Where the images of a grid of `count` go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridLayout {
    /// Images.
    pub count: usize,
    /// Columns (20, or fewer for fewer images).
    pub cols: usize,
    /// Rows.
    pub rows: usize,
}

impl GridLayout {
    /// The layout for `count` images.
    pub fn new(count: usize) -> Self {
        let cols = count.clamp(1, COLUMNS);
        Self {
            count,
            cols,
            rows: count.div_ceil(cols).max(1),
        }
    }

    /// Picture size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (
            (self.cols as f64 * CELL_W).round() as u32,
            (self.rows as f64 * CELL_H).round() as u32,
        )
    }

    /// Top-left corner of image `k`: row `k / 20`, column `k % 20`, centered in its cell.
    pub fn image_origin(&self, k: usize) -> (u32, u32) {
        let (row, col) = (k / self.cols, k % self.cols);
        let x = col as f64 * CELL_W + (CELL_W - IMAGE_PX as f64) / 2.0;
        let y = row as f64 * CELL_H + (CELL_H - IMAGE_PX as f64) / 2.0;
        (x.round() as u32, y.round() as u32)
    }
}

/// Draws the first `count` images of a split in the lab's grid.
pub fn image_grid(split: &Split, count: usize) -> Canvas {
    let count = count.min(split.len());
    let layout = GridLayout::new(count);
    let (w, h) = layout.size();
    let mut canvas = Canvas::new(w, h, WHITE);
    for k in 0..count {
        let (x, y) = layout.image_origin(k);
        canvas.digit(split.image(k), x as i64, y as i64, IMAGE_PX);
    }
    canvas
}

/// A terminal preview of the first `count` images, side by side, two pixel rows per
/// character row, with the label (and class name) above each.
pub(crate) fn ascii_preview(split: &Split, count: usize, class_names: &[&str]) -> String {
    const RAMP: &[u8] = b" .:-=+*#%@";
    let count = count.min(split.len());
    let mut out = String::new();
    let header: Vec<String> = (0..count)
        .map(|k| {
            let label = split.labels[k] as usize;
            format!("#{k} {}", class_names.get(label).copied().unwrap_or("?"))
        })
        .collect();
    for h in &header {
        out.push_str(&format!("{:<30}", truncate(h, 28)));
    }
    out.push('\n');
    for row in (0..SIDE).step_by(2) {
        for k in 0..count {
            let image = split.image(k);
            for col in 0..SIDE {
                let v = (image[row * SIDE + col] as u32 + image[(row + 1) * SIDE + col] as u32) / 2;
                out.push(RAMP[(v as usize * (RAMP.len() - 1) + 127) / 255] as char);
            }
            out.push_str("  ");
        }
        out.push('\n');
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

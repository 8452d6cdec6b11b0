//! A picture in memory: an RGB buffer to draw on (pixels, rectangles, text), encoded as PNG
//! and written atomically. Text uses a font compiled into the binary (Hack, from
//! `epaint_default_fonts`), so pictures render the same on a server with no fonts at all.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use plotters::backend::{BitMapBackend, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, IntoFont, RGBColor, TextStyle};

use crate::fsutil::write_atomic;

/// The proportional font family (Ubuntu Light), for titles, labels and numbers.
pub(crate) const FONT: &str = "sans-serif";
/// The monospaced font family (Hack), which also has the arrows (→ ↓) Ubuntu lacks.
pub(crate) const MONO: &str = "monospace";

/// The family to set `text` in: the monospaced one if it has arrows, which only Hack has.
pub(crate) fn family_for(text: &str) -> &'static str {
    if text.contains(['→', '↓']) { MONO } else { FONT }
}

/// Registers the embedded fonts with plotters (once per process).
pub(crate) fn ensure_font() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for (name, bytes) in [
            (FONT, epaint_default_fonts::UBUNTU_LIGHT),
            (MONO, epaint_default_fonts::HACK_REGULAR),
        ] {
            // The bytes are valid TrueType files shipped by the crate; failing here is a bug.
            plotters::style::register_font(name, FontStyle::Normal, bytes)
                .unwrap_or_else(|_| panic!("the embedded font {name} is not a valid TrueType font"));
        }
    });
}

/// White.
pub const WHITE: [u8; 3] = [255, 255, 255];
/// Black.
pub const BLACK: [u8; 3] = [0, 0, 0];

/// Where a text is anchored horizontally.
#[derive(Debug, Clone, Copy)]
pub enum Align {
    /// `x` is the left end.
    Left,
    /// `x` is the middle.
    Center,
    /// `x` is the right end.
    Right,
}

/// An RGB picture being drawn.
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGB bytes.
    pub rgb: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with one color.
    pub fn new(width: u32, height: u32, background: [u8; 3]) -> Self {
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for _ in 0..width * height {
            rgb.extend_from_slice(&background);
        }
        Self { width, height, rgb }
    }

    /// Sets one pixel (ignored outside the canvas).
    pub fn put(&mut self, x: i64, y: i64, color: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
            let i = ((y as u32 * self.width + x as u32) * 3) as usize;
            self.rgb[i..i + 3].copy_from_slice(&color);
        }
    }

    /// The color of one pixel.
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Fills a rectangle.
    pub fn fill(&mut self, x: i64, y: i64, w: u32, h: u32, color: [u8; 3]) {
        for dy in 0..h as i64 {
            for dx in 0..w as i64 {
                self.put(x + dx, y + dy, color);
            }
        }
    }

    /// Draws a 28×28 image scaled to `size`×`size` at (x, y), mapping each value to a color.
    ///
    /// Scaling resamples with a triangle filter (what a viewer does to a small image), so a
    /// region of one value keeps exactly that value.
    pub fn image(&mut self, values: &[f32], side: u32, x: i64, y: i64, size: u32, color: &dyn Fn(f32) -> [u8; 3]) {
        let resampled = resample(values, side, size);
        for (k, v) in resampled.iter().enumerate() {
            let (dx, dy) = ((k as u32 % size) as i64, (k as u32 / size) as i64);
            self.put(x + dx, y + dy, color(*v));
        }
    }

    /// Draws a 28 × 28 dataset image (gray levels 0..=255) at `(x, y)`, `size` pixels wide.
    pub fn digit(&mut self, pixels: &[u8], x: i64, y: i64, size: u32) {
        let values: Vec<f32> = pixels.iter().map(|&p| p as f32).collect();
        self.image(&values, crate::data::SIDE as u32, x, y, size, &gray);
    }

    /// Draws text with its top at `y`, anchored at `x` as `align` says. Text with arrows is
    /// set in the monospaced font, which has them.
    pub fn text(&mut self, text: &str, x: i32, y: i32, size: f64, color: [u8; 3], align: Align) {
        ensure_font();
        let family = family_for(text);
        let h = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        let ink = RGBColor(color[0], color[1], color[2]);
        let style = TextStyle::from((family, size).into_font())
            .color(&ink)
            .pos(Pos::new(h, VPos::Top));
        let mut backend = BitMapBackend::with_buffer(&mut self.rgb, (self.width, self.height));
        // Drawing text on a bitmap only fails for a missing font, which ensure_font rules out.
        let _ = backend.draw_text(text, &style, (x, y));
        let _ = backend.present();
    }

    /// The picture as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image_rgb(&self.rgb, self.width, self.height)
            .map_err(|e| anyhow!("cannot encode PNG: {e}"))?;
        Ok(out)
    }

    /// Writes the picture as a PNG file (atomically: never half a file).
    pub fn save(&self, path: &Path) -> Result<()> {
        let png = self.png()?;
        write_atomic(path, &png).with_context(|| format!("cannot save the picture {}", path.display()))
    }
}

trait PngRgb {
    fn write_image_rgb(self, rgb: &[u8], w: u32, h: u32) -> image::ImageResult<()>;
}

impl<W: std::io::Write> PngRgb for image::codecs::png::PngEncoder<W> {
    fn write_image_rgb(self, rgb: &[u8], w: u32, h: u32) -> image::ImageResult<()> {
        use image::ImageEncoder;
        self.write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
    }
}

/// Resamples a `side`×`side` image to `size`×`size` by bilinear interpolation between pixel
/// centers (edges clamped). A region of one value keeps exactly that value, and values are
/// not clamped (weights can be negative).
pub(crate) fn resample(values: &[f32], side: u32, size: u32) -> Vec<f32> {
    let n = side as usize;
    assert_eq!(values.len(), n * n, "a square image");
    if size == side {
        return values.to_vec();
    }
    let scale = side as f32 / size as f32;
    let coord = |t: u32| {
        let u = ((t as f32 + 0.5) * scale - 0.5).clamp(0.0, (n - 1) as f32);
        let i = (u.floor() as usize).min(n - 1);
        (i, (i + 1).min(n - 1), u - i as f32)
    };
    let mut out = Vec::with_capacity((size * size) as usize);
    for y in 0..size {
        let (y0, y1, fy) = coord(y);
        for x in 0..size {
            let (x0, x1, fx) = coord(x);
            let at = |yy: usize, xx: usize| values[yy * n + xx];
            let top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
            let bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
            out.push(top + (bottom - top) * fy);
        }
    }
    out
}

/// Gray level (0 black … 255 white) as a color.
pub fn gray(v: f32) -> [u8; 3] {
    let g = v.round().clamp(0.0, 255.0) as u8;
    [g, g, g]
}

/// A diverging color map for values in [−1, 1]: blue (−1) → white (0) → red (+1).
pub fn diverging(v: f32) -> [u8; 3] {
    let v = v.clamp(-1.0, 1.0);
    let (r, g, b) = if v >= 0.0 {
        (1.0, 1.0 - 0.85 * v, 1.0 - 0.85 * v)
    } else {
        (1.0 + 0.85 * v, 1.0 + 0.85 * v, 1.0)
    };
    [(r * 255.0).round() as u8, (g * 255.0).round() as u8, (b * 255.0).round() as u8]
}

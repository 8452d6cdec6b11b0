//! A user's picture turned into what the models were trained on: a 28 × 28 image of light ink
//! on black, prepared the way the dataset's own images were.
//!
//! MNIST's digits were size-normalised to fit a 20 × 20 box (aspect ratio kept, antialiased)
//! and centred by their centre of mass in the 28 × 28 field; Fashion-MNIST's items were trimmed
//! and scaled to fill 28 pixels on their longer side, centred. A linear model sees nothing but
//! pixel positions, so a digit drawn small in a corner of a large canvas, resized whole, is a
//! different input altogether. Here, in order: transparency composited over white paper,
//! polarity from the border (dark ink on light paper is inverted), the background level
//! removed, a crop to the ink, the dataset's scaling and placement. A picture that already is
//! 28 × 28 (a dataset image, as `show --export` writes) is used as it is, inverted if its ink
//! is dark.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use image::imageops::FilterType;
use image::{ImageBuffer, Luma};

use crate::data::{DatasetKind, PIXELS, SIDE};

/// Pictures larger than this are refused before they are decoded.
pub const MAX_PIXELS: u64 = 100_000_000;

/// The smallest side a picture may have.
pub const MIN_SIDE: u32 = 5;

/// Which way the ink goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// Decide from the picture's border: a light border means dark ink on paper.
    Auto,
    /// Dark ink on a light background (a drawing on paper): inverted.
    Dark,
    /// Light ink on a dark background, as the datasets are: kept.
    Light,
}

impl Ink {
    /// Every choice.
    pub const ALL: [Ink; 3] = [Ink::Auto, Ink::Dark, Ink::Light];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Ink::Auto => "auto",
            Ink::Dark => "dark",
            Ink::Light => "light",
        }
    }
}

/// A picture prepared as a dataset image.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// 28 × 28 gray levels, 0 = black, light ink.
    pub pixels: Vec<u8>,
    /// Whether the picture was inverted (dark ink on light paper).
    pub inverted: bool,
    /// Whether it was used as it is (already a 28 × 28 dataset-like image).
    pub as_is: bool,
}

/// Reads a picture file (PNG, JPEG) and prepares it as an input for a model trained on `kind`.
pub fn load_drawing(path: &Path, ink: Ink, kind: DatasetKind) -> Result<Prepared> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    decode_drawing(&bytes, ink, kind).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Decodes a picture (PNG, JPEG, as a file holds it) and prepares it. Its size is read from
/// the header and checked before anything is decoded.
pub fn decode_drawing(bytes: &[u8], ink: Ink, kind: DatasetKind) -> Result<Prepared> {
    decode_drawing_within(bytes, ink, kind, MAX_PIXELS)
}

/// [`decode_drawing`] with a lower limit on the picture's pixels (`serve` takes pictures from
/// anyone: preparing one costs about 20 bytes a pixel).
pub fn decode_drawing_within(bytes: &[u8], ink: Ink, kind: DatasetKind, max_pixels: u64) -> Result<Prepared> {
    let what = |e: &dyn std::fmt::Display| anyhow!("not an image handgrad can read ({e})");
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| what(&e))?;
    let (w, h) = reader.into_dimensions().map_err(|e| what(&e))?;
    if w as u64 * h as u64 > max_pixels {
        bail!("{w}×{h} pixels, over the {} million handgrad decodes", max_pixels / 1_000_000);
    }
    if w < MIN_SIDE || h < MIN_SIDE {
        bail!("{w}×{h} pixels, too small to hold a drawing (at least {MIN_SIDE}×{MIN_SIDE})");
    }
    let decoded = image::load_from_memory(bytes).map_err(|e| what(&e))?;
    prepare(&decoded, ink, kind)
}

/// Prepares a decoded picture (see the module's description).
pub fn prepare(picture: &image::DynamicImage, ink: Ink, kind: DatasetKind) -> Result<Prepared> {
    let rgba = picture.to_rgba8();
    let (w, h) = rgba.dimensions();
    // Gray levels in [0, 1], transparency composited over white paper.
    let gray: Vec<f32> = rgba
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0.map(|c| c as f32 / 255.0);
            let luma = 0.299 * r + 0.587 * g + 0.114 * b;
            a * luma + (1.0 - a)
        })
        .collect();
    let border: Vec<f32> = (0..w * h)
        .filter(|i| i / w == 0 || i / w == h - 1 || i % w == 0 || i % w == w - 1)
        .map(|i| gray[i as usize])
        .collect();
    let inverted = match ink {
        Ink::Dark => true,
        Ink::Light => false,
        Ink::Auto => mean(&border) > 0.5,
    };
    let light_ink: Vec<f32> = gray.iter().map(|&g| if inverted { 1.0 - g } else { g }).collect();

    // Already a dataset image (28 × 28): the bytes as they are, inverted if the ink is dark —
    // so that predict on an exported test image agrees with eval.
    if (w, h) == (SIDE as u32, SIDE as u32) {
        let mut pixels = picture.to_luma8().into_raw();
        if inverted {
            pixels.iter_mut().for_each(|p| *p = 255 - *p);
        }
        if pixels.iter().all(|&p| p <= 25) {
            bail!("blank image: no ink found");
        }
        return Ok(Prepared { pixels, inverted, as_is: true });
    }

    // The background level (the border's median) removed, the ink stretched to [0, 1].
    let background = median(border.iter().map(|&g| if inverted { 1.0 - g } else { g }).collect());
    let peak = light_ink.iter().cloned().fold(0f32, f32::max);
    if peak - background < 0.1 {
        bail!("blank image: no ink found (everything is within 10% of the background's gray)");
    }
    let ink_level: Vec<f32> = light_ink
        .iter()
        .map(|&v| ((v - background) / (peak - background)).clamp(0.0, 1.0))
        .collect();

    // Crop to the ink.
    let inked = |x: u32, y: u32| ink_level[(y * w + x) as usize] > 0.1;
    let xs: Vec<u32> = (0..w).filter(|&x| (0..h).any(|y| inked(x, y))).collect();
    let ys: Vec<u32> = (0..h).filter(|&y| (0..w).any(|x| inked(x, y))).collect();
    let (x0, x1, y0, y1) = (xs[0], *xs.last().unwrap_or(&xs[0]), ys[0], *ys.last().unwrap_or(&ys[0]));
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
    let crop = ImageBuffer::<Luma<f32>, Vec<f32>>::from_fn(cw, ch, |x, y| Luma([ink_level[((y + y0) * w + x + x0) as usize]]));

    // The dataset's scale: the longer side to 20 px (MNIST) or 28 px (Fashion-MNIST).
    let target = match kind {
        DatasetKind::Mnist => 20.0,
        DatasetKind::FashionMnist => SIDE as f32,
    };
    let scale = target / cw.max(ch) as f32;
    let (sw, sh) = (((cw as f32 * scale).round() as u32).max(1), ((ch as f32 * scale).round() as u32).max(1));
    let small = image::imageops::resize(&crop, sw, sh, FilterType::Triangle);

    // The dataset's placement: by the centre of mass (MNIST), or centred (Fashion-MNIST).
    let (left, top) = match kind {
        DatasetKind::Mnist => {
            let total: f32 = small.pixels().map(|p| p.0[0]).sum::<f32>().max(f32::MIN_POSITIVE);
            let cx = small.enumerate_pixels().map(|(x, _, p)| x as f32 * p.0[0]).sum::<f32>() / total;
            let cy = small.enumerate_pixels().map(|(_, y, p)| y as f32 * p.0[0]).sum::<f32>() / total;
            ((13.5 - cx).round() as i64, (13.5 - cy).round() as i64)
        }
        DatasetKind::FashionMnist => (((SIDE as u32 - sw) / 2) as i64, ((SIDE as u32 - sh) / 2) as i64),
    };
    let mut pixels = vec![0u8; PIXELS];
    for (x, y, p) in small.enumerate_pixels() {
        let (px, py) = (left + x as i64, top + y as i64);
        if (0..SIDE as i64).contains(&px) && (0..SIDE as i64).contains(&py) {
            pixels[py as usize * SIDE + px as usize] = (p.0[0].clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    }
    Ok(Prepared { pixels, inverted, as_is: false })
}

fn mean(values: &[f32]) -> f32 {
    values.iter().sum::<f32>() / values.len().max(1) as f32
}

fn median(mut values: Vec<f32>) -> f32 {
    values.sort_by(f32::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

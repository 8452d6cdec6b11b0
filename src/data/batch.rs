//! From host bytes to tensors, one batch (or one evaluation chunk) at a time.
//!
//! The dataset stays on the host as u8; a batch is converted to f32 (`/255`, as the lab does)
//! and uploaded when it is used, so no device ever has to hold the whole training set
//! (wgpu cannot: a 188 MB storage buffer is over its limits).

use burn::tensor::{DType, Device, Int, Tensor, TensorData};

use super::{CLASSES, PIXELS, Split};

/// Gray levels scaled to [0, 1] as the lab does (`x / 255` in f32, the same bits as
/// numpy's `astype('float32') / 255`), appended to `out`. A plain loop the compiler turns
/// into vector conversions and divisions.
pub fn scaled(pixels: &[u8], out: &mut Vec<f32>) {
    out.extend(pixels.iter().map(|&p| p as f32 / 255.0));
}

/// One mini-batch on a device: `X` (tb × 784), the labels, and `Y*` one-hot (tb × 10, eq. 2).
#[derive(Debug, Clone)]
pub struct Batch {
    /// `X`: one image per row, pixels scaled to [0, 1].
    pub images: Tensor<2>,
    /// The class index of each row.
    pub labels: Tensor<1, Int>,
    /// `Y*`: one-hot encoding of the labels (eq. 2).
    pub y_star: Tensor<2>,
}

impl Batch {
    /// Gathers the given rows of a split into a batch on `device`.
    pub fn gather(split: &Split, rows: &[usize], device: &Device) -> Self {
        let mut x = Vec::with_capacity(rows.len() * PIXELS);
        let mut labels = Vec::with_capacity(rows.len());
        for &row in rows {
            scaled(split.image(row), &mut x);
            labels.push(split.labels[row]);
        }
        Self::from_host(x, &labels, device)
    }

    /// Rows `start..end` of a split (contiguous: no index list needed).
    pub fn range(split: &Split, start: usize, end: usize, device: &Device) -> Self {
        let mut x = Vec::with_capacity((end - start) * PIXELS);
        scaled(&split.pixels[start * PIXELS..end * PIXELS], &mut x);
        Self::from_host(x, &split.labels[start..end], device)
    }

    fn from_host(x: Vec<f32>, labels: &[u8], device: &Device) -> Self {
        let n = labels.len();
        let mut one_hot = vec![0f32; n * CLASSES];
        for (i, &label) in labels.iter().enumerate() {
            one_hot[i * CLASSES + label as usize] = 1.0;
        }
        let classes: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        Self {
            images: Tensor::from_data(TensorData::new(x, [n, PIXELS]), device),
            labels: Tensor::from_data(TensorData::new(classes, [n]), device),
            y_star: Tensor::from_data(TensorData::new(one_hot, [n, CLASSES]), device),
        }
    }

    /// Number of rows (`tb`).
    pub fn len(&self) -> usize {
        self.images.dims()[0]
    }

    /// Whether the batch has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same batch with its float tensors in another precision (f64 for gradient checks).
    pub fn cast(self, dtype: DType) -> Self {
        Self {
            images: self.images.cast(dtype),
            labels: self.labels,
            y_star: self.y_star.cast(dtype),
        }
    }
}

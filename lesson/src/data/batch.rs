//! From host bytes to tensors, one batch (or one evaluation chunk) at a time.
//!
//! The dataset stays on the host as u8; a batch is converted to f32 (`/255`, as the lab does)
//! and uploaded when it is used, so no device ever has to hold the whole training set
//! (wgpu cannot: a 188 MB storage buffer is over its limits). For a model in f64, the f32
//! values are then cast, as numpy promotes the lab's float32 `X` in `X @ W` with a float64 `W`.

use burn::tensor::{DType, Device, Int, Tensor, TensorData};

use super::{CLASSES, PIXELS, Split};

/// Gray levels scaled to [0, 1] as the lab does (`x / 255` in f32, the same bits as
/// numpy's `astype('float32') / 255`), appended to `out`. A plain loop the compiler turns
/// into vector conversions and divisions.
pub fn scaled(pixels: &[u8], out: &mut Vec<f32>) {
    out.extend(pixels.iter().map(|&p| p as f32 / 255.0));
}

/// Images `start..end` of a split as an `X` tensor (pixels / 255), for evaluation and
/// prediction (no labels needed).
pub fn images(split: &Split, start: usize, end: usize, device: &Device) -> Tensor<2> {
    let mut x = Vec::with_capacity((end - start) * PIXELS);
    scaled(&split.pixels[start * PIXELS..end * PIXELS], &mut x);
    Tensor::from_data(TensorData::new(x, [end - start, PIXELS]), device)
}

/// The mini-batches of `tb` images of an epoch: `⌊N / tb⌋` of them, as the lab (a last
/// partial batch is left out), in order or in a shuffled order. Batch `k` past the last one
/// starts again from the first, for runs of steps longer than an epoch.
#[derive(Debug, Clone)]
pub struct Batches<'a> {
    split: &'a Split,
    size: usize,
    order: Option<Vec<usize>>,
    dtype: DType,
}

impl<'a> Batches<'a> {
    /// The batches of `size` images of `split`, taken in `order` (image indices) when given,
    /// else in the split's own order.
    pub fn new(split: &'a Split, size: usize, order: Option<Vec<usize>>) -> Self {
        assert!(size > 0 && size <= split.len(), "a batch size between 1 and the split's size");
        Self { split, size, order, dtype: DType::F32 }
    }

    /// The same batches in another precision (f64 for a model in f64).
    pub fn with_dtype(self, dtype: DType) -> Self {
        Self { dtype, ..self }
    }

    /// Batches in an epoch: `⌊N / tb⌋`.
    pub fn len(&self) -> usize {
        self.split.len() / self.size
    }

    /// Whether there is no full batch (never: `new` asks for `size ≤ N`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Batch `k` (modulo [`Batches::len`]) on `device`.
    pub fn get(&self, k: usize, device: &Device) -> Batch {
        let start = (k % self.len()) * self.size;
        let end = start + self.size;
        let batch = match &self.order {
            None => Batch::range(self.split, start, end, device),
            Some(order) => Batch::gather(self.split, &order[start..end], device),
        };
        batch.cast(self.dtype)
    }
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
        let n = labels.len();
        Self::new(Tensor::from_data(TensorData::new(x, [n, PIXELS]), device), &labels, device)
    }

    /// Rows `start..end` of a split (contiguous: no index list needed).
    pub fn range(split: &Split, start: usize, end: usize, device: &Device) -> Self {
        Self::new(images(split, start, end, device), &split.labels[start..end], device)
    }

    /// The batch of images `x` with these labels: `Y*` is their one-hot encoding (eq. 2).
    fn new(x: Tensor<2>, labels: &[u8], device: &Device) -> Self {
        let n = labels.len();
        let mut one_hot = vec![0f32; n * CLASSES];
        for (i, &label) in labels.iter().enumerate() {
            one_hot[i * CLASSES + label as usize] = 1.0;
        }
        let classes: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        Self {
            images: x,
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

    /// The same batch with its float tensors in another precision (f64 for gradient checks,
    /// and for a model in f64); nothing changes when it is already in `dtype`.
    pub fn cast(self, dtype: DType) -> Self {
        Self {
            images: self.images.cast(dtype),
            labels: self.labels,
            y_star: self.y_star.cast(dtype),
        }
    }
}

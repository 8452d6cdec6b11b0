//! What the checks run on, in f64: three batches of MNIST's first training images (100, 37 and
//! 1 of them) and parameters drawn at random, once, from the seeded device.

use burn::tensor::{DType, Device, Distribution, Tensor};
use lesson::data::{Batch, CLASSES, PIXELS, Split};
use lesson::slips::Lang;

/// The training images the checks are made on: a batch of 100, one of 37, one of 1.
pub const CASE_IMAGES: usize = 138;

/// Hidden units of the perceptron checked (neither 10 nor 784, so that no wrong product
/// happens to fit).
pub const HIDDEN: usize = 16;

/// The batches and parameters of the checks.
pub struct Cases {
    /// The first 100 training images.
    pub real: Batch,
    /// The next 37 (tb ≠ 100).
    pub odd: Batch,
    /// One image.
    pub one: Batch,
    /// Exercise 1's `W` (784 × 10) and `b`.
    pub w: Tensor<2>,
    /// `b`.
    pub b: Tensor<1>,
    /// Gradients for the update's check.
    pub grad_w: Tensor<2>,
    /// `∂L/∂b` for the update's check.
    pub grad_b: Tensor<1>,
    /// Exercise 2's `Wʰ` (784 × [`HIDDEN`]).
    pub wh: Tensor<2>,
    /// `bʰ`.
    pub bh: Tensor<1>,
    /// `Wʸ` ([`HIDDEN`] × 10).
    pub wy: Tensor<2>,
    /// `bʸ`.
    pub by: Tensor<1>,
}

impl Cases {
    /// The cases from the first [`CASE_IMAGES`] images of the training set.
    pub fn new(train: &Split, device: &Device) -> Self {
        let take = |start: usize, end: usize| Batch::range(train, start, end, device).cast(DType::F64);
        let normal2 = |shape: [usize; 2], std: f64| Tensor::<2>::random(shape, Distribution::Normal(0.0, std), device).cast(DType::F64);
        let normal1 = |n: usize, std: f64| Tensor::<1>::random([n], Distribution::Normal(0.0, std), device).cast(DType::F64);
        Self {
            real: take(0, 100),
            odd: take(100, 137),
            one: take(137, CASE_IMAGES),
            w: normal2([PIXELS, CLASSES], 0.1),
            b: normal1(CLASSES, 0.5),
            grad_w: normal2([PIXELS, CLASSES], 0.01),
            grad_b: normal1(CLASSES, 0.01),
            wh: normal2([PIXELS, HIDDEN], 1.0 / (PIXELS as f64).sqrt()),
            bh: normal1(HIDDEN, 0.5),
            wy: normal2([HIDDEN, CLASSES], 1.0 / (HIDDEN as f64).sqrt()),
            by: normal1(CLASSES, 0.5),
        }
    }

    /// The three batches, each with what it is in words.
    pub fn batches(&self, lang: Lang) -> [(&Batch, String); 3] {
        [
            (&self.real, lang.pick("a batch of 100 training images", "un batch de 100 images d'apprentissage").to_string()),
            (&self.odd, lang.pick("a batch of 37 images (tb ≠ 100)", "un batch de 37 images (tb ≠ 100)").to_string()),
            (&self.one, lang.pick("a batch of one image", "un batch d'une seule image").to_string()),
        ]
    }
}

//! The functions `cargo lab` checks and trains: the student's (lab/src/exo1.rs, exo2.rs) or
//! handgrad's own (`--solution`). A test writes a wrong answer and puts it in their place.

use burn::tensor::Tensor;

use crate::exo2::MlpGradients;
use crate::{exo1, exo2, solution};

/// Exercise 1's answers: the two questions and the four functions.
#[derive(Clone, Copy)]
pub struct Exo1 {
    /// The file they are written in, as the messages name it.
    pub file: &'static str,
    /// Its text, to find each function's line.
    pub source: &'static str,
    /// Exercise 0's question: the dimension of the images' space.
    pub image_space_dimension: usize,
    /// The number of parameters of the logistic regression.
    pub number_of_parameters: usize,
    /// Eq. (1), row by row.
    pub softmax: fn(Tensor<2>) -> Tensor<2>,
    /// `Ŷ = softmax(XW + b)`.
    pub forward: fn(Tensor<2>, Tensor<2>, Tensor<1>) -> Tensor<2>,
    /// Eq. (4)–(5).
    pub gradients: fn(Tensor<2>, Tensor<2>, Tensor<2>) -> (Tensor<2>, Tensor<1>),
    /// Eq. (6)–(7).
    pub update: fn(Tensor<2>, Tensor<1>, Tensor<2>, Tensor<1>, f64) -> (Tensor<2>, Tensor<1>),
}

/// Exercise 2's answers.
#[derive(Clone, Copy)]
pub struct Exo2 {
    /// The file they are written in.
    pub file: &'static str,
    /// Its text.
    pub source: &'static str,
    /// σ.
    pub sigmoid: fn(Tensor<2>) -> Tensor<2>,
    /// `(H, Ŷ)`.
    pub forward: fn(Tensor<2>, Tensor<2>, Tensor<1>, Tensor<2>, Tensor<1>) -> (Tensor<2>, Tensor<2>),
    /// The four gradients.
    pub gradients: fn(Tensor<2>, Tensor<2>, Tensor<2>, Tensor<2>, Tensor<2>) -> MlpGradients,
}

impl Exo1 {
    /// The student's, in lab/src/exo1.rs.
    pub fn student() -> Self {
        Self {
            file: "lab/src/exo1.rs",
            source: include_str!("exo1.rs"),
            image_space_dimension: exo1::IMAGE_SPACE_DIMENSION,
            number_of_parameters: exo1::NUMBER_OF_PARAMETERS,
            softmax: exo1::softmax,
            forward: exo1::forward,
            gradients: exo1::gradients,
            update: exo1::update,
        }
    }

    /// handgrad's.
    pub fn solution() -> Self {
        Self {
            file: "lab/src/solution.rs",
            source: include_str!("solution.rs"),
            image_space_dimension: solution::IMAGE_SPACE_DIMENSION,
            number_of_parameters: solution::NUMBER_OF_PARAMETERS,
            softmax: solution::softmax,
            forward: solution::forward,
            gradients: solution::gradients,
            update: solution::update,
        }
    }
}

impl Exo2 {
    /// The student's, in lab/src/exo2.rs.
    pub fn student() -> Self {
        Self {
            file: "lab/src/exo2.rs",
            source: include_str!("exo2.rs"),
            sigmoid: exo2::sigmoid,
            forward: exo2::forward,
            gradients: exo2::gradients,
        }
    }

    /// handgrad's.
    pub fn solution() -> Self {
        Self {
            file: "lab/src/solution.rs",
            source: include_str!("solution.rs"),
            sigmoid: solution::sigmoid,
            forward: solution::forward2,
            gradients: solution::gradients2,
        }
    }
}

/// The line of `fn name(` (or `const NAME`) in a source text, 1-based.
pub fn line_of(source: &str, item: &str) -> Option<u32> {
    let patterns = [format!("fn {item}("), format!("const {item}:")];
    source
        .lines()
        .position(|l| patterns.iter().any(|p| l.contains(p.as_str())))
        .map(|i| i as u32 + 1)
}

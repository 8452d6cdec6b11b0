//! The functions `cargo lab` checks and trains: the student's (lab/src/exo1.rs, exo2.rs) or
//! the answer key's (lab/solutions, `--solution`). A test writes a wrong answer and puts it in
//! their place.

use burn::tensor::Tensor;
use lab::exo2::MlpGradients;
use lab::{exo1, exo2};

use crate::solutions;

/// Exercise 1's answers: the four questions and the five functions.
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
    /// Whether the cost (3) is convex in W and b.
    pub cost_is_convex: Option<bool>,
    /// Whether a well-chosen step ensures convergence to the global minimum.
    pub converges_to_global_minimum: Option<bool>,
    /// Eq. (1), row by row.
    pub softmax: fn(Tensor<2>) -> Tensor<2>,
    /// `Ŷ = softmax(XW + b)`.
    pub forward: fn(Tensor<2>, Tensor<2>, Tensor<1>) -> Tensor<2>,
    /// `δʸ = ∂L/∂s` from `Ŷ` and `Y*`.
    pub delta_y: fn(Tensor<2>, Tensor<2>) -> Tensor<2>,
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
            source: include_str!("../../src/exo1.rs"),
            image_space_dimension: exo1::IMAGE_SPACE_DIMENSION,
            number_of_parameters: exo1::NUMBER_OF_PARAMETERS,
            cost_is_convex: exo1::COST_IS_CONVEX,
            converges_to_global_minimum: exo1::CONVERGES_TO_GLOBAL_MINIMUM,
            softmax: exo1::softmax,
            forward: exo1::forward,
            delta_y: exo1::delta_y,
            gradients: exo1::gradients,
            update: exo1::update,
        }
    }

    /// The answer key's.
    pub fn solution() -> Self {
        use solutions::exo1 as key;
        Self {
            file: "lab/solutions/exo1.rs",
            source: include_str!("../../solutions/exo1.rs"),
            image_space_dimension: key::IMAGE_SPACE_DIMENSION,
            number_of_parameters: key::NUMBER_OF_PARAMETERS,
            cost_is_convex: key::COST_IS_CONVEX,
            converges_to_global_minimum: key::CONVERGES_TO_GLOBAL_MINIMUM,
            softmax: key::softmax,
            forward: key::forward,
            delta_y: key::delta_y,
            gradients: key::gradients,
            update: key::update,
        }
    }
}

impl Exo2 {
    /// The student's, in lab/src/exo2.rs.
    pub fn student() -> Self {
        Self {
            file: "lab/src/exo2.rs",
            source: include_str!("../../src/exo2.rs"),
            sigmoid: exo2::sigmoid,
            forward: exo2::forward,
            gradients: exo2::gradients,
        }
    }

    /// The answer key's.
    pub fn solution() -> Self {
        use solutions::exo2 as key;
        Self {
            file: "lab/solutions/exo2.rs",
            source: include_str!("../../solutions/exo2.rs"),
            sigmoid: key::sigmoid,
            forward: key::forward,
            gradients: key::gradients,
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

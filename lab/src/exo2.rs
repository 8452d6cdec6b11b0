//! # Exercice 2 : une couche cachée — votre fichier
//!
//! La suite du TP : un perceptron à une couche cachée de `L` neurones sigmoïdes,
//!
//! ```text
//! U = X Wʰ + bʰ      H = σ(U)            (couche cachée : Wʰ est 784 × L, bʰ a L coefficients)
//! S = H Wʸ + bʸ      Ŷ = softmax(S)      (couche de sortie : Wʸ est L × 10, bʸ en a 10)
//! ```
//!
//! entraîné comme à l'exercice 1, avec votre `exo1::update` appliqué à chaque couche.
//! `cargo lab` vérifie ces fonctions une fois l'exercice 1 juste, puis entraîne votre réseau
//! sur MNIST à côté du même réseau entraîné par l'autodiff de burn. Écrivez votre code pour
//! n'importe quel type flottant (il s'exécute en f64).
//!
//! ---
//!
//! # Exercise 2: a hidden layer — your file
//!
//! The lab's follow-up: a perceptron with one hidden layer of `L` sigmoid units (above),
//! trained like exercise 1, with your `exo1::update` applied to each layer. `cargo lab` checks
//! these functions once exercise 1 is right, then trains your network on MNIST beside the
//! same network trained by burn's autodiff. Write your code for any float type (it runs in
//! f64).

// Tant que vous ne les avez pas écrites, les fonctions n'utilisent pas leurs arguments.
// Until you write them, the functions leave their arguments unused.
#![allow(unused_variables)]

use burn::tensor::Tensor;

/// La sigmoïde, coefficient par coefficient : `σ(u) = 1 / (1 + e⁻ᵘ)`.
///
/// The sigmoid, entry by entry: `σ(u) = 1 / (1 + e⁻ᵘ)`.
pub fn sigmoid(u: Tensor<2>) -> Tensor<2> {
    todo!("σ(u) = 1 / (1 + e^-u)")
}

/// La passe avant : `(H, Ŷ)` avec `H = σ(X Wʰ + bʰ)` (tb × L) et `Ŷ = softmax(H Wʸ + bʸ)`
/// (tb × 10). Utilisez votre `sigmoid` et `crate::exo1::softmax`.
///
/// The forward pass: `(H, Ŷ)` with `H = σ(X Wʰ + bʰ)` (tb × L) and `Ŷ = softmax(H Wʸ + bʸ)`
/// (tb × 10). Use your `sigmoid` and `crate::exo1::softmax`.
pub fn forward(x: Tensor<2>, w_h: Tensor<2>, b_h: Tensor<1>, w_y: Tensor<2>, b_y: Tensor<1>) -> (Tensor<2>, Tensor<2>) {
    todo!("H = σ(X Wʰ + bʰ), Ŷ = softmax(H Wʸ + bʸ)")
}

/// Les quatre gradients de l'entropie croisée moyenne du batch, à partir du batch `X`, de ses
/// étiquettes one-hot `Y*`, du `H` et du `Ŷ` de la passe avant, et de `Wʸ` :
///
/// - couche de sortie, les éq. (4)–(5) de l'exercice 1 avec `H` pour entrée : `δʸ = Ŷ − Y*`,
///   `∂L/∂Wʸ = (1/tb) Hᵀ δʸ`, `∂L/∂bʸ = (1/tb) Σᵢ δʸᵢ` ;
/// - couche cachée, l'erreur ramenée à travers `Wʸ` et la sigmoïde :
///   `δʰ = (δʸ Wʸᵀ) ⊙ σ'(U)`, où `σ'(U) = σ(U) ⊙ (1 − σ(U)) = H ⊙ (1 − H)` ;
///   `∂L/∂Wʰ = (1/tb) Xᵀ δʰ`, `∂L/∂bʰ = (1/tb) Σᵢ δʰᵢ`.
///
/// The four gradients of the batch's mean cross-entropy, from the batch `X`, its one-hot
/// labels `Y*`, the forward pass's `H` and `Ŷ`, and `Wʸ`: the output layer as exercise 1's
/// eq. (4)–(5) with `H` as its input, then the hidden layer, the error carried back through
/// `Wʸ` and the sigmoid (the formulas above).
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, h: Tensor<2>, y_hat: Tensor<2>, w_y: Tensor<2>) -> MlpGradients {
    todo!("δʸ, puis δʰ, puis les quatre gradients / δʸ, then δʰ, then the four gradients")
}

/// Les gradients des quatre paramètres. The gradients of the four parameters.
pub struct MlpGradients {
    /// `∂L/∂Wʰ`, 784 × L.
    pub w_h: Tensor<2>,
    /// `∂L/∂bʰ`, L.
    pub b_h: Tensor<1>,
    /// `∂L/∂Wʸ`, L × 10.
    pub w_y: Tensor<2>,
    /// `∂L/∂bʸ`, 10.
    pub b_y: Tensor<1>,
}

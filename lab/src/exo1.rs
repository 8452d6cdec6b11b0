//! # Exercice 1 : régression logistique — votre fichier
//!
//! Remplacez chaque `todo!()` par votre code et chaque réponse `0` ou `None` par la vôtre,
//! puis lancez `cargo lab` (ou `cargo lab --watch`, qui revérifie à chaque enregistrement) :
//! il vérifie vos fonctions dans l'ordre du TP, s'arrête à la première qui est fausse et dit
//! à quelle erreur classique elle ressemble. `cargo lab hint` donne un indice. Quand tout est
//! juste, il entraîne votre code sur MNIST comme le TP (20 époques, η = 0.1, batchs de 100)
//! et affiche chaque époque à côté du tableau du TP.
//!
//! Les formes, comme dans le TP : un batch `X` contient `tb` images, une par ligne (tb × 784,
//! pixels dans [0, 1]) ; `W` est 784 × 10 (une colonne `w_c` par classe) ; `b` a 10
//! coefficients ; les scores `S = XW + b` et la prédiction `Ŷ` sont tb × 10 ; `Y*` est le
//! codage one-hot des étiquettes (tb × 10).
//!
//! burn en cinq lignes : `a.matmul(b)` est le produit `AB` ; `a.transpose()` est `Aᵀ` ;
//! `+ - * /` agissent coefficient par coefficient et diffusent une ligne 1 × n sur chaque
//! ligne ; `b.unsqueeze::<2>()` fait d'un vecteur de 10 une ligne 1 × 10 ; `t.exp()`,
//! `t.max_dim(axe)` et `t.sum_dim(axe)` (qui gardent cet axe, de taille 1),
//! `t.sum_dim(0).squeeze_dim::<1>(0)` pour une ligne 1 × n vue comme un vecteur, `t.dims()`
//! pour la forme, `t.mul_scalar(c)` et `t.div_scalar(c)`. Écrivez votre code pour n'importe
//! quel type flottant : `cargo lab` l'exécute en f64, comme le numpy du TP.
//!
//! ---
//!
//! # Exercise 1: logistic regression — your file
//!
//! Replace each `todo!()` with your code and each `0` or `None` answer with yours, then run
//! `cargo lab` (or `cargo lab --watch`, which checks again each time you save): it checks your
//! functions in the lab's order, stops at the first one that is wrong and says which slip it
//! looks like. `cargo lab hint` gives a hint. When all of them are right, it trains your code
//! on MNIST as the lab does (20 epochs, η = 0.1, batches of 100) and prints each epoch beside
//! the lab's own table.
//!
//! The shapes, as in the lab: a batch `X` holds `tb` images, one per row (tb × 784, pixels in
//! [0, 1]); `W` is 784 × 10 (one column `w_c` per class); `b` has 10 entries; the scores
//! `S = XW + b` and the prediction `Ŷ` are tb × 10; `Y*` is the labels one-hot (tb × 10).
//!
//! burn in five lines: `a.matmul(b)` is the product `AB`; `a.transpose()` is `Aᵀ`; `+ - * /`
//! work entry by entry and broadcast a 1 × n row over every row; `b.unsqueeze::<2>()` turns a
//! vector of 10 into a 1 × 10 row; `t.exp()`, `t.max_dim(axis)` and `t.sum_dim(axis)` (which
//! keep that axis, of size 1), `t.sum_dim(0).squeeze_dim::<1>(0)` for a 1 × n row as a vector,
//! `t.dims()` for the shape, `t.mul_scalar(c)` and `t.div_scalar(c)`. Write your code for any
//! float type: `cargo lab` runs it in f64, as the lab's numpy does.

// Tant que vous ne les avez pas écrites, les fonctions n'utilisent pas leurs arguments.
// Until you write them, the functions leave their arguments unused.
#![allow(unused_variables)]

use burn::tensor::Tensor;

/// Question (exercice 0) : dans quel espace se trouvent les images, et quelle est sa taille ?
/// Une image est un vecteur de niveaux de gris dans [0, 1] ; écrivez la dimension de cet
/// espace. (0 : pas encore répondu.)
///
/// Question (exercise 0): in which space do the images lie, and what is its dimension? An
/// image is a vector of gray levels in [0, 1]; write the dimension of that space.
/// (0: not answered yet.)
pub const IMAGE_SPACE_DIMENSION: usize = 0;

/// La softmax de l'éq. (1), appliquée à chaque ligne des scores `S` (tb × 10) :
/// `ŷ_ci = e^(s_ci) / Σ_c' e^(s_c'i)` ; pour chaque image i, ses 10 probabilités somment à 1.
/// La version numpy du TP est `E = np.exp(X); (E.T / np.sum(E, axis=1)).T` : elle est
/// acceptée, et `cargo lab` vous dira ce qui lui arrive sur de grands scores.
///
/// The softmax of eq. (1), applied to each row of the scores `S` (tb × 10):
/// `ŷ_ci = e^(s_ci) / Σ_c' e^(s_c'i)`; for each image i, its 10 probabilities sum to 1. The
/// lab's numpy version is `E = np.exp(X); (E.T / np.sum(E, axis=1)).T`: it is accepted, and
/// `cargo lab` will tell you what becomes of it on large scores.
pub fn softmax(s: Tensor<2>) -> Tensor<2> {
    todo!("éq. (1) / eq. (1): la softmax de chaque ligne de s / the softmax of each row of s")
}

/// La passe avant : la prédiction `Ŷ = softmax(XW + b)` (tb × 10) pour un batch `X`
/// (tb × 784), `W` (784 × 10) et `b` (10). Utilisez votre `softmax`.
///
/// The forward pass: the prediction `Ŷ = softmax(XW + b)` (tb × 10) for a batch `X`
/// (tb × 784), `W` (784 × 10) and `b` (10). Use your `softmax`.
pub fn forward(x: Tensor<2>, w: Tensor<2>, b: Tensor<1>) -> Tensor<2> {
    todo!("Ŷ = softmax(XW + b)")
}

/// Question (après l'éq. 1) : quel est le nombre de paramètres du modèle ? Comptez chaque
/// nombre que la descente de gradient modifie. (0 : pas encore répondu.)
///
/// Question (after eq. 1): how many parameters does the model have? Count every number
/// gradient descent changes. (0: not answered yet.)
pub const NUMBER_OF_PARAMETERS: usize = 0;

/// Question (après l'éq. 3) : la fonction de coût (3) est-elle convexe par rapport aux
/// paramètres W, b du modèle ? `Some(true)` ou `Some(false)`. (None : pas encore répondu.)
///
/// Question (after eq. 3): is the cost function (3) convex in the model's parameters W, b?
/// `Some(true)` or `Some(false)`. (None: not answered yet.)
pub const COST_IS_CONVEX: Option<bool> = None;

/// Question (suite) : avec un pas de gradient bien choisi, peut-on assurer la convergence
/// vers le minimum global ? `Some(true)` ou `Some(false)`. (None : pas encore répondu.)
///
/// Question (continued): with a well-chosen learning rate, can convergence to the global
/// minimum be ensured? `Some(true)` or `Some(false)`. (None: not answered yet.)
pub const CONVERGES_TO_GLOBAL_MINIMUM: Option<bool> = None;

/// « Montrer que » `∂L/∂s_i = δʸ_i = ŷ_i − y*_i` : écrivez `δʸ` (tb × 10) à partir de la
/// prédiction `Ŷ` et des étiquettes `Y*`, une ligne par image, où `L` est l'entropie croisée
/// de cette image. `cargo lab` le compare à la dérivée que calcule l'autodiff de burn.
///
/// "Show that" `∂L/∂s_i = δʸ_i = ŷ_i − y*_i`: write `δʸ` (tb × 10) from the prediction `Ŷ`
/// and the labels `Y*`, one row per image, where `L` is that image's cross-entropy.
/// `cargo lab` compares it with the derivative burn's autodiff computes.
pub fn delta_y(y_hat: Tensor<2>, y_star: Tensor<2>) -> Tensor<2> {
    todo!("δʸ = ∂L/∂s")
}

/// Passe arrière, étape 1 : les gradients de l'entropie croisée moyenne du batch (éq. 3), à
/// partir du batch `X` (tb × 784), de ses étiquettes one-hot `Y*` (tb × 10) et de la
/// prédiction `Ŷ` (tb × 10) :
///
/// `∂L/∂W = (1/tb) Xᵀ (Ŷ − Y*)`   (éq. 4, 784 × 10)
///
/// `∂L/∂b = (1/tb) Σᵢ (ŷᵢ − y*ᵢ)`   (éq. 5, 10 coefficients : une somme sur les images du batch)
///
/// Renvoie `(∂L/∂W, ∂L/∂b)`. Vous pouvez utiliser votre `delta_y`.
///
/// Backward pass, step 1: the gradients of the batch's mean cross-entropy (eq. 3), from the
/// batch `X` (tb × 784), its one-hot labels `Y*` (tb × 10) and the prediction `Ŷ` (tb × 10):
/// eq. (4) `∂L/∂W = (1/tb) Xᵀ (Ŷ − Y*)` (784 × 10) and eq. (5) `∂L/∂b = (1/tb) Σᵢ (ŷᵢ − y*ᵢ)`
/// (10 entries: a sum over the images of the batch). Returns `(∂L/∂W, ∂L/∂b)`. You may use
/// your `delta_y`.
pub fn gradients(x: Tensor<2>, y_star: Tensor<2>, y_hat: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    todo!("éq. (4) et (5) / eq. (4) and (5)")
}

/// Passe arrière, étape 2 : un pas de descente de gradient avec le pas `eta` (η) :
///
/// `W⁽ᵗ⁺¹⁾ = W⁽ᵗ⁾ − η ∂L/∂W`   (éq. 6)
///
/// `b⁽ᵗ⁺¹⁾ = b⁽ᵗ⁾ − η ∂L/∂b`   (éq. 7)
///
/// Renvoie les nouveaux `(W, b)`.
///
/// Backward pass, step 2: one step of gradient descent with the learning rate `eta` (η),
/// eq. (6) and (7) above. Returns the new `(W, b)`.
pub fn update(w: Tensor<2>, b: Tensor<1>, grad_w: Tensor<2>, grad_b: Tensor<1>, eta: f64) -> (Tensor<2>, Tensor<1>) {
    todo!("éq. (6) et (7) / eq. (6) and (7)")
}

//! The hints of `cargo lab hint`: for the first step of the lab that is not right yet (a question
//! still unanswered or wrong, a function still `todo!()` or wrong), the next level of help, one
//! more each time it is asked. Level 1 is a nudge, what to think about; level 2 gives the shapes
//! and the axis; level 3 gives the equation in burn's words, the methods to chain and in which
//! order. Never the code itself: even the last level leaves the writing to the student. For the
//! questions, the levels go from a nudge to the reasoning almost complete, short of the answer.
//!
//! Each text is in English and in French, like the slip catalog's ([`lesson::slips`]); the
//! French speaks the lab's own words (époque, pas de gradient, entropie croisée, passe avant…).

use lesson::slips::Text;

/// The hints of one step, in levels.
pub struct Hints {
    /// 1 or 2.
    pub exercise: u8,
    /// The function or the question's constant, as in the student's file.
    pub item: &'static str,
    /// Level 1, a nudge; level 2, the shapes and the axis; level 3, the equation in burn's words.
    pub levels: [Text; 3],
}

/// Every step's hints, in the lab's order.
pub const HINTS: [Hints; 12] = [
    Hints {
        exercise: 1,
        item: "IMAGE_SPACE_DIMENSION",
        levels: [
            Text {
                en: "Look at what exercise 0's code does to each image before anything else: once an image is a \
                    vector, how many numbers describe it?",
                fr: "Regardez ce que le code de l'exercice 0 fait de chaque image avant tout le reste : une fois \
                    l'image mise en vecteur, combien de nombres la décrivent ?",
            },
            Text {
                en: "Each pixel is one coordinate, a gray level in [0, 1]: an image is a point of [0, 1]^d, a “row \
                    vector” of size (1, d). The dimension d is the number of pixels of one image.",
                fr: "Chaque pixel est une coordonnée, un niveau de gris dans [0, 1] : une image est un point de [0, \
                    1]^d, un « vecteur ligne » de taille (1, d). La dimension d est le nombre de pixels d'une image.",
            },
            Text {
                en: "An MNIST image is a grid of 28 rows of 28 pixels, so 28² coordinates: the number in the lab's \
                    X_train.reshape(60000, …). Write that dimension in the constant (a usize).",
                fr: "Une image MNIST est une grille de 28 lignes de 28 pixels, soit 28² coordonnées : le nombre du \
                    X_train.reshape(60000, …) du TP. Écrivez cette dimension dans la constante (un usize).",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "softmax",
        levels: [
            Text {
                en: "The softmax turns each image's 10 scores into 10 probabilities that sum to 1. In S, which axis \
                    holds the images, which the classes? Normalize along the classes.",
                fr: "La softmax transforme les 10 scores d'une image en 10 probabilités de somme 1. Dans S, quel axe \
                    porte les images, lequel les classes ? Normalisez le long des classes.",
            },
            Text {
                en: "S is tb × 10; each ROW is one image. exp acts entry by entry; the sum runs over axis 1 (the \
                    classes) and keeps it: tb × 1, one sum per image, which the division spreads over its row. Summing \
                    over axis 0 would normalize over the batch.",
                fr: "S est tb × 10 ; chaque LIGNE est une image. exp agit coefficient par coefficient ; la somme porte \
                    sur l'axe 1 (les classes) et le garde : tb × 1, une somme par image, que la division diffuse sur \
                    sa ligne. Sommer sur l'axe 0 normaliserait sur le batch.",
            },
            Text {
                en: "Subtract each row's maximum (max_dim(1)) from S: exact, as e^(−max) cancels, and exp no longer \
                    overflows past e^709. Then take exp and divide by the row sums (sum_dim(1)). burn's methods take \
                    the tensor by value: clone what you use twice.",
                fr: "Soustrayez à S le maximum de chaque ligne (max_dim(1)) : c'est exact, e^(−max) se simplifie, et \
                    exp ne déborde plus au-delà de e^709. Puis prenez exp et divisez par les sommes des lignes \
                    (sum_dim(1)). burn consomme le tenseur : clonez ce qui sert deux fois.",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "forward",
        levels: [
            Text {
                en: "Two stages: the scores S = XW + b, then their softmax, with your function. The only catch is \
                    adding a vector b to a matrix.",
                fr: "Deux temps : les scores S = XW + b, puis leur softmax, avec votre fonction. La seule difficulté : \
                    ajouter un vecteur b à une matrice.",
            },
            Text {
                en: "X (tb × 784) times W (784 × 10) is tb × 10, one row per image. b has 10 entries: as a 1 × 10 row, \
                    + adds it to every row: each image's score s_c gets the same bias b_c.",
                fr: "X (tb × 784) fois W (784 × 10) donne tb × 10, une ligne par image. b a 10 coefficients : vu comme \
                    une ligne 1 × 10, + l'ajoute à chaque ligne : le score s_c de chaque image reçoit le même biais \
                    b_c.",
            },
            Text {
                en: "matmul X by W (a matrix product, not *); turn b into a 1 × 10 row with unsqueeze and add it, the \
                    + broadcasting it over the tb rows; give the tb × 10 scores to your softmax.",
                fr: "Multipliez X par W avec matmul (un produit matriciel, pas *) ; faites de b une ligne 1 × 10 avec \
                    unsqueeze et ajoutez-la, le + la diffuse sur les tb lignes ; passez les scores tb × 10 à votre \
                    softmax.",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "NUMBER_OF_PARAMETERS",
        levels: [
            Text {
                en: "Count every number that gradient descent changes in eq. (6)–(7): not the inputs, not the scores, \
                    only the parameters.",
                fr: "Comptez chaque nombre que la descente de gradient modifie dans les éq. (6)–(7) : ni les entrées, \
                    ni les scores, seulement les paramètres.",
            },
            Text {
                en: "The model has two parameters, W and b. W holds one column w_c of 784 weights per class; b holds \
                    one bias b_c per class. Count the entries of each.",
                fr: "Le modèle a deux paramètres, W et b. W contient une colonne w_c de 784 poids par classe ; b \
                    contient un biais b_c par classe. Comptez les coefficients de chacun.",
            },
            Text {
                en: "Count W's 784 × 10 entries, then add b's biases, one per class. A const may be an expression: \
                    writing the product and the sum keeps the justification the lab asks for.",
                fr: "Comptez les 784 × 10 coefficients de W, puis ajoutez les biais de b, un par classe. Une const \
                    peut être une expression : écrire le produit et la somme garde la justification que demande le TP.",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "COST_IS_CONVEX",
        levels: [
            Text {
                en: "Write one image's cross-entropy as a function of its scores s = xW + b, then ask what composing \
                    with the map (W, b) ↦ xW + b does to convexity.",
                fr: "Écrivez l'entropie croisée d'une image en fonction de ses scores s = xW + b, puis demandez-vous \
                    ce que la composition avec (W, b) ↦ xW + b fait à la convexité.",
            },
            Text {
                en: "Replace ŷ_c* by eq. (1): −log ŷ_c* = log Σ_c' e^(s_c') − s_c*, a log-sum-exp of the scores minus \
                    one score. The scores are affine in (W, b), and eq. (3) is a mean over the images of the training \
                    set.",
                fr: "Remplacez ŷ_c* par l'éq. (1) : −log ŷ_c* = log Σ_c' e^(s_c') − s_c*, un log-sum-exp des scores \
                    moins un score. Les scores sont affines en (W, b), et l'éq. (3) est une moyenne sur les images de \
                    la base d'apprentissage.",
            },
            Text {
                en: "log-sum-exp is convex (its Hessian is the covariance of the softmax, positive semi-definite); \
                    minus a linear term, still convex; composed with an affine map of (W, b), still; a mean of convex \
                    functions, still. Answer with Some(…).",
                fr: "log-sum-exp est convexe (sa hessienne est la covariance de la softmax, semi-définie positive) ; \
                    moins un terme linéaire, elle le reste ; composée avec une application affine de (W, b), encore ; \
                    une moyenne de fonctions convexes, encore. Répondez par Some(…).",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "CONVERGES_TO_GLOBAL_MINIMUM",
        levels: [
            Text {
                en: "Build on your previous answer: what does convexity say about the minima where gradient descent \
                    could stop? Then, what role does the step η play?",
                fr: "Appuyez-vous sur la réponse précédente : que dit la convexité des minima où la descente de \
                    gradient pourrait s'arrêter ? Puis, quel rôle joue le pas de gradient η ?",
            },
            Text {
                en: "Two properties: for a convex function, every local minimum is global; for a smooth function (its \
                    gradient Lipschitz), gradient descent lowers the cost at every step if η is small enough.",
                fr: "Deux propriétés : pour une fonction convexe, tout minimum local est global ; pour une fonction \
                    lisse (gradient lipschitzien), la descente de gradient fait baisser le coût à chaque pas si η est \
                    assez petit.",
            },
            Text {
                en: "The cost (3) is convex: no local minimum can trap the descent, any minimum it reaches is global. \
                    It is smooth: with η below 2/β (β the Lipschitz constant of its gradient), the descent converges. \
                    The question's “well-chosen step” is that η.",
                fr: "Le coût (3) est convexe : aucun minimum local ne peut piéger la descente, tout minimum atteint \
                    est global. Il est lisse : avec η sous 2/β (β la constante de Lipschitz de son gradient), la \
                    descente converge. Le « pas bien choisi » de la question, c'est ce η.",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "delta_y",
        levels: [
            Text {
                en: "Differentiate the cross-entropy of ONE image, −log ŷ_c*, with respect to its scores s_i, through \
                    the softmax: the log and the exp nearly cancel.",
                fr: "Dérivez l'entropie croisée d'UNE image, −log ŷ_c*, par rapport à ses scores s_i, à travers la \
                    softmax : le log et l'exp se simplifient presque.",
            },
            Text {
                en: "Ŷ, Y* and δʸ are all tb × 10, row i for image i. δʸ_i is the derivative of image i's own \
                    cross-entropy: no mean over the batch here, so no 1/tb (it belongs to eq. 4–5).",
                fr: "Ŷ, Y* et δʸ sont tous tb × 10, la ligne i pour l'image i. δʸ_i est la dérivée de l'entropie \
                    croisée de l'image i seule : pas de moyenne sur le batch ici, donc pas de 1/tb (il appartient aux \
                    éq. 4–5).",
            },
            Text {
                en: "∂(−log ŷ_c*)/∂s_c is ŷ_c − 1 for the true class c*, ŷ_c for the others: the prediction minus the \
                    one-hot label. So an entry-by-entry difference, Ŷ − Y* in that order: Y* − Ŷ would flip the \
                    gradient's sign.",
                fr: "∂(−log ŷ_c*)/∂s_c vaut ŷ_c − 1 pour la vraie classe c*, ŷ_c pour les autres : la prédiction moins \
                    l'étiquette one-hot. Donc une différence coefficient par coefficient, Ŷ − Y* dans cet ordre : Y* − \
                    Ŷ inverserait le signe du gradient.",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "gradients",
        levels: [
            Text {
                en: "Start from δʸ (your delta_y). Eq. (4) must give a matrix the shape of W: which product of X and \
                    δʸ is 784 × 10? Eq. (5) gives b one value per class.",
                fr: "Partez de δʸ (votre delta_y). L'éq. (4) doit donner une matrice de la forme de W : quel produit \
                    de X et de δʸ fait 784 × 10 ? L'éq. (5) donne à b une valeur par classe.",
            },
            Text {
                en: "Xᵀ (784 × tb) times δʸ (tb × 10) is 784 × 10: the product does the sum over the images. ∂L/∂b \
                    sums δʸ over the images, axis 0 → 10 values. Divide both by tb, taken from x.dims()[0], not 100.",
                fr: "Xᵀ (784 × tb) fois δʸ (tb × 10) donne 784 × 10 : le produit fait la somme sur les images. ∂L/∂b \
                    somme δʸ sur les images, axe 0 → 10 valeurs. Divisez les deux par tb, pris dans x.dims()[0], pas \
                    100.",
            },
            Text {
                en: "∂L/∂W: transpose X, matmul by δʸ, div_scalar by tb. ∂L/∂b: sum_dim(0) of δʸ is a 1 × 10 row, \
                    squeeze_dim(0) makes it a vector of 10, then div_scalar by tb. Read tb (x.dims()[0] as f64) before \
                    X is used; clone δʸ.",
                fr: "∂L/∂W : transposez X, matmul par δʸ, div_scalar par tb. ∂L/∂b : sum_dim(0) de δʸ est une ligne 1 \
                    × 10, squeeze_dim(0) en fait un vecteur de 10, puis div_scalar par tb. Lisez tb (x.dims()[0] en \
                    f64) avant d'utiliser X ; clonez δʸ.",
            },
        ],
    },
    Hints {
        exercise: 1,
        item: "update",
        levels: [
            Text {
                en: "One step of gradient descent moves each parameter against its gradient, by the step η: downhill, \
                    not uphill.",
                fr: "Un pas de descente de gradient déplace chaque paramètre à l'opposé de son gradient, d'un pas η : \
                    vers le bas, pas vers le haut.",
            },
            Text {
                en: "W and ∂L/∂W are both 784 × 10, b and ∂L/∂b both 10: the update is entry by entry, no product, no \
                    transpose. The step is the eta argument, not 0.1: cargo lab calls update with other values of η.",
                fr: "W et ∂L/∂W sont tous deux 784 × 10, b et ∂L/∂b tous deux de 10 : la mise à jour se fait \
                    coefficient par coefficient, sans produit ni transposée. Le pas est l'argument eta, pas 0.1 : \
                    cargo lab appelle update avec d'autres η.",
            },
            Text {
                en: "For W, multiply ∂L/∂W by eta (mul_scalar) and subtract the result from W, eq. (6); the same for b \
                    with ∂L/∂b, eq. (7). Return the pair (new W, new b), in that order.",
                fr: "Pour W, multipliez ∂L/∂W par eta (mul_scalar) et soustrayez le résultat de W, éq. (6) ; de même \
                    pour b avec ∂L/∂b, éq. (7). Renvoyez la paire (nouveau W, nouveau b), dans cet ordre.",
            },
        ],
    },
    Hints {
        exercise: 2,
        item: "sigmoid",
        levels: [
            Text {
                en: "σ acts on each entry of U on its own, like exp: no product, no sum over an axis, the same shape \
                    in and out.",
                fr: "σ agit sur chaque coefficient de U séparément, comme exp : pas de produit, pas de somme sur un \
                    axe, la même forme en entrée et en sortie.",
            },
            Text {
                en: "U is tb × L, and σ(U) too. Each entry is 1 / (1 + e⁻ᵘ), between 0 and 1: build it from U one \
                    operation at a time with burn's entry-by-entry methods.",
                fr: "U est tb × L, et σ(U) aussi. Chaque coefficient vaut 1 / (1 + e⁻ᵘ), entre 0 et 1 : construisez-le \
                    à partir de U une opération à la fois, avec les méthodes coefficient par coefficient de burn.",
            },
            Text {
                en: "Chain, entry by entry: the opposite of U (neg), exp, plus 1 (add_scalar), then the inverse \
                    (recip). Write it out rather than call burn's activation::sigmoid, which computes in f32 even on \
                    f64 tensors.",
                fr: "Enchaînez, coefficient par coefficient : l'opposé de U (neg), exp, plus 1 (add_scalar), puis \
                    l'inverse (recip). Écrivez-la plutôt que d'appeler activation::sigmoid de burn, qui calcule en f32 \
                    même sur des tenseurs f64.",
            },
        ],
    },
    Hints {
        exercise: 2,
        item: "forward",
        levels: [
            Text {
                en: "Two layers in a row: the hidden layer like exercise 1's scores, with σ where the softmax was; \
                    then the output layer exactly as exercise 1's forward, with H in place of X.",
                fr: "Deux couches à la suite : la couche cachée comme les scores de l'exercice 1, avec σ à la place de \
                    la softmax ; puis la couche de sortie comme le forward de l'exercice 1, avec H à la place de X.",
            },
            Text {
                en: "X (tb × 784) times Wʰ (784 × L) gives U, tb × L, plus bʰ as a 1 × L row; H = σ(U) is tb × L. H \
                    times Wʸ (L × 10) gives S, tb × 10, plus bʸ as a 1 × 10 row. Return H as well: the backward pass \
                    needs it.",
                fr: "X (tb × 784) fois Wʰ (784 × L) donne U, tb × L, plus bʰ en ligne 1 × L ; H = σ(U) est tb × L. H \
                    fois Wʸ (L × 10) donne S, tb × 10, plus bʸ en ligne 1 × 10. Renvoyez aussi H : la passe arrière en \
                    a besoin.",
            },
            Text {
                en: "U: matmul X by Wʰ, add bʰ made a row by unsqueeze; H: your sigmoid of U; Ŷ: matmul H by Wʸ, add \
                    bʸ unsqueezed, then crate::exo1::softmax. H goes both into the product and into the result: clone \
                    it.",
                fr: "U : matmul de X par Wʰ, plus bʰ mis en ligne par unsqueeze ; H : votre sigmoid de U ; Ŷ : matmul \
                    de H par Wʸ, plus bʸ passé par unsqueeze, puis crate::exo1::softmax. H sert au produit et au \
                    résultat : clonez-le.",
            },
        ],
    },
    Hints {
        exercise: 2,
        item: "gradients",
        levels: [
            Text {
                en: "Go back from the output, layer by layer. The output layer is exercise 1's gradients with H in \
                    place of X; then carry δʸ back through Wʸ and σ to get δʰ; the hidden layer is exercise 1 again, \
                    with X and δʰ.",
                fr: "Remontez depuis la sortie, couche par couche. La couche de sortie : les gradients de l'exercice \
                    1, avec H à la place de X ; puis ramenez δʸ à travers Wʸ et σ pour obtenir δʰ ; la couche cachée : \
                    encore l'exercice 1, avec X et δʰ.",
            },
            Text {
                en: "δʸ is tb × 10 and Wʸ is L × 10, so δʸ Wʸᵀ is tb × L, like H; σ'(U) = H ⊙ (1 − H), ⊙ entry by \
                    entry (*, not matmul). ∂L/∂Wʸ = Hᵀ δʸ / tb is L × 10; ∂L/∂Wʰ = Xᵀ δʰ / tb is 784 × L; biases: sum \
                    over axis 0, / tb.",
                fr: "δʸ est tb × 10 et Wʸ est L × 10, donc δʸ Wʸᵀ est tb × L, comme H ; σ'(U) = H ⊙ (1 − H), ⊙ \
                    coefficient par coefficient (*, pas matmul). ∂L/∂Wʸ = Hᵀ δʸ / tb est L × 10 ; ∂L/∂Wʰ = Xᵀ δʰ / tb \
                    est 784 × L ; biais : somme sur l'axe 0, / tb.",
            },
            Text {
                en: "δʸ: exo1::delta_y. δʰ: δʸ matmul Wʸ transposed, times (*) H, times 1 − H (neg, then add_scalar): \
                    σ' comes from H, no second sigmoid. Each layer: its input transposed, matmul its δ, \
                    div_scalar(tb); bias: sum_dim(0), squeeze_dim(0), div_scalar(tb).",
                fr: "δʸ : exo1::delta_y. δʰ : δʸ matmul Wʸ transposée, fois (*) H, fois 1 − H (neg, puis add_scalar) : \
                    σ' vient de H, pas de seconde sigmoïde. Chaque couche : son entrée transposée, matmul son δ, \
                    div_scalar(tb) ; biais : sum_dim(0), squeeze_dim(0), div_scalar(tb).",
            },
        ],
    },
];

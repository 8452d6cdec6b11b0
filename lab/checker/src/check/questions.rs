//! The lab's questions, read from the student's constants: right, not answered yet, or wrong
//! with why.

use lesson::slips::{Lang, Text};

use super::{Checked, Passed, Stop, Verdict};

/// What a question's case is called.
fn case(lang: Lang) -> String {
    lang.pick("the lab's question", "la question du TP").to_string()
}

fn answered(lang: Lang) -> Checked {
    Ok(Passed { verdict: Verdict::Answered, case: case(lang) })
}

fn wrong(given: String, why: String, lang: Lang) -> Checked {
    Err(Stop::at(case(lang), Verdict::WrongAnswer { given, why }))
}

fn not_answered(lang: Lang) -> Checked {
    Err(Stop::at(case(lang), Verdict::NotAnswered))
}

/// A number asked for: 0 is no answer yet; the wrong answers students give, with why.
pub fn number(given: usize, right: usize, known: &[(usize, Text)], lang: Lang) -> Checked {
    if given == right {
        return answered(lang);
    }
    if given == 0 {
        return not_answered(lang);
    }
    let why = match known.iter().find(|(wrong, _)| *wrong == given) {
        Some((_, why)) => why.get(lang).to_string(),
        None if given > right => lang.pick("count again (more than the right answer)", "recomptez (c'est plus que la bonne réponse)").into(),
        None => lang.pick("count again (fewer than the right answer)", "recomptez (c'est moins que la bonne réponse)").into(),
    };
    wrong(given.to_string(), why, lang)
}

/// A yes-or-no question: `None` is no answer yet; a wrong answer gets the reasoning.
pub fn yes_no(given: Option<bool>, right: bool, why: Text, lang: Lang) -> Checked {
    match given {
        None => not_answered(lang),
        Some(g) if g == right => answered(lang),
        Some(g) => wrong(format!("Some({g})"), why.get(lang).to_string(), lang),
    }
}

/// Exercise 0's question: the dimension of the images' space.
pub const IMAGE_SPACE: [(usize, Text); 4] = [
    (28, Text {
        en: "28 is the side of an image; as a vector an image has 28 × 28 coordinates",
        fr: "28 est le côté d'une image ; vue comme un vecteur, une image a 28 × 28 coordonnées",
    }),
    (256, Text {
        en: "256 is the number of gray levels of a pixel, not a dimension",
        fr: "256 est le nombre de niveaux de gris d'un pixel, pas une dimension",
    }),
    (60_000, Text {
        en: "60,000 is the number of training images, not their dimension",
        fr: "60 000 est le nombre d'images d'apprentissage, pas leur dimension",
    }),
    (10, Text {
        en: "10 is the number of classes; the images themselves live in a bigger space",
        fr: "10 est le nombre de classes ; les images elles-mêmes vivent dans un espace plus grand",
    }),
];

/// The question after eq. (1): the number of parameters.
pub const PARAMETERS: [(usize, Text); 4] = [
    (7840, Text {
        en: "that is W alone (784 × 10); the 10 biases b are parameters too",
        fr: "c'est W seule (784 × 10) ; les 10 biais b sont aussi des paramètres",
    }),
    (794, Text {
        en: "W is a matrix of 784 × 10 weights, one column w_c per class, not a vector",
        fr: "W est une matrice de 784 × 10 poids, une colonne w_c par classe, pas un vecteur",
    }),
    (784, Text {
        en: "that is one class's w_c; there are 10 of them, and 10 biases",
        fr: "c'est le w_c d'une seule classe ; il y en a 10, et 10 biais",
    }),
    (7841, Text { en: "there is one bias per class, 10 in all", fr: "il y a un biais par classe, 10 en tout" }),
];

/// Why the cost (3) is convex in W and b.
pub const CONVEX: Text = Text {
    en: "it is convex: one image's cross-entropy is log Σ_c e^(s_c) − s_{c*}, a log-sum-exp (convex) minus a linear function of the scores, and the scores s = xW + b are affine in W and b; a convex function composed with an affine map is convex, and the mean (3) of convex functions is convex",
    fr: "elle est convexe : l'entropie croisée d'une image vaut log Σ_c e^(s_c) − s_{c*}, un log-sum-exp (convexe) moins une fonction linéaire des scores, et les scores s = xW + b sont affines en W et b ; une fonction convexe composée avec une application affine est convexe, et la moyenne (3) de fonctions convexes est convexe",
};

/// Why a well-chosen step reaches the global minimum.
pub const GLOBAL_MINIMUM: Text = Text {
    en: "yes: (3) is convex, so every local minimum is global, and its gradient is β-Lipschitz, so gradient descent with a step η < 2/β makes the cost decrease to its global minimum value. Two fine points: with the batches' noisy gradients and a constant η, SGD only hovers near it (the step must shrink over time to converge); and when the classes can be separated there is no minimizer, only an infimum approached as ‖W‖ grows without end",
    fr: "oui : (3) est convexe, donc tout minimum local est global, et son gradient est β-lipschitzien, donc la descente de gradient avec un pas η < 2/β fait décroître le coût jusqu'à la valeur de son minimum global. Deux nuances : avec les gradients bruités des batchs et un η constant, la descente stochastique ne fait qu'osciller près de lui (le pas doit décroître au fil du temps pour converger) ; et quand les classes sont séparables, il n'y a pas de minimiseur, seulement un infimum approché quand ‖W‖ grandit sans fin",
};

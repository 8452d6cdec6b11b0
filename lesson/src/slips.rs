//! The slips students make in the lab: one catalog, each slip one row — its name, the steps it
//! is made in, how a checker recognizes it, the equation to reread, and what it is in French
//! and in English. `cargo lab` (lab/checker) names the slip it sees from these rows, and
//! `handgrad gradcheck --inject-bug NAME` makes some of them in handgrad's own models under
//! the same names.

use serde::{Deserialize, Serialize};

/// A language of the lab: the lab's own, French, and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Français, the lab's language.
    Fr,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// Its code: `en`, `fr`.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language of a locale such as `fr_FR.UTF-8`: French for `fr*`, English otherwise.
    pub fn of_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("fr") { Lang::Fr } else { Lang::En }
    }

    /// One of two texts.
    pub fn pick<T>(self, en: T, fr: T) -> T {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }
}

/// A text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// French.
    pub fr: &'static str,
}

impl Text {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        lang.pick(self.en, self.fr)
    }
}

/// A step of the lab: a function the student writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Exercise 1, eq. (1).
    Softmax,
    /// Exercise 1, `Ŷ = softmax(XW + b)`.
    Forward,
    /// Exercise 1, `δʸ = ∂L/∂s = ŷ − y*`.
    DeltaY,
    /// Exercise 1, eq. (4)–(5).
    Gradients,
    /// Exercise 1, eq. (6)–(7).
    Update,
    /// Exercise 2, σ.
    Sigmoid,
    /// Exercise 2, `(H, Ŷ)`.
    Forward2,
    /// Exercise 2, the four gradients.
    Gradients2,
}

/// A factor between what the student's code gives and the right value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// −1.
    MinusOne,
    /// The batch's size tb.
    BatchSize,
    /// 1/tb.
    InverseBatchSize,
    /// tb/100 (a batch of 100 written in).
    BatchSizeOver100,
    /// 1/η.
    InverseEta,
    /// 0.1/η (η = 0.1 written in).
    TenthOverEta,
}

impl Factor {
    /// Its value in a batch of `tb` with the learning rate `eta`, when it means something there
    /// (tb/100 says nothing in a batch of 100, nor tb in a batch of one).
    pub fn value(self, tb: usize, eta: f64) -> Option<f64> {
        let tb_f = tb as f64;
        match self {
            Factor::MinusOne => Some(-1.0),
            Factor::BatchSize => (tb != 1).then_some(tb_f),
            Factor::InverseBatchSize => (tb != 1).then_some(1.0 / tb_f),
            Factor::BatchSizeOver100 => (tb != 100).then_some(tb_f / 100.0),
            Factor::InverseEta => (eta != 1.0).then_some(1.0 / eta),
            Factor::TenthOverEta => (eta != 0.1).then_some(0.1 / eta),
        }
    }
}

/// A wrong computation the checker compares the student's output with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// The softmax of each column (axis 0).
    SoftmaxOverBatch,
    /// `e^s / Σ e^s`, no maximum subtracted: NaN or infinite where it overflows, the same
    /// entries elsewhere.
    UnshiftedSoftmax,
    /// `softmax(XW)`.
    SoftmaxWithoutBias,
    /// The scores `XW + b`.
    Scores,
    /// The hidden layer's `U`.
    HiddenScores,
    /// The hidden layer's gradients from `δʰ = δʸ Wʸᵀ`.
    HiddenWithoutSigmaPrime,
    /// The hidden layer's gradients from `δʰ = (δʸ Wʸᵀ) ⊙ σ(H)(1 − σ(H))`.
    HiddenSigmaPrimeAtH,
}

/// The left operand of a product that does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOperand {
    /// `X` (tb × 784), where `Xᵀ` belongs.
    X,
    /// `δʸ` (tb × 10) times `Wʸ` (L × 10), where `Wʸᵀ` belongs.
    DeltaYTimesWy,
}

/// How a checker recognizes a slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    /// The output is this factor × the right one.
    Scaled(Factor),
    /// The output is the right one transposed.
    Transposed,
    /// The output is the right one's transpose reshaped to the right shape.
    ReshapedTranspose,
    /// The output equals this wrong computation.
    Matches(Alternative),
    /// ∂L/∂b with one value per image.
    OnePerImage,
    /// A product that does not fit, with this left operand.
    ProductShapes(LeftOperand),
}

/// Whether a slip stops the lab or is said as a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Wrong: the lab stops there.
    Slip,
    /// Right for the lab, with something to learn: the lab goes on.
    Warning,
}

/// A known slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slip {
    /// The softmax normalized over the batch.
    SoftmaxOverBatch,
    /// The lab's own softmax, `exp(s)` without each row's maximum subtracted.
    SoftmaxNoMaxShift,
    /// `Ŷ = softmax(XW)`.
    ForwardNoBias,
    /// `Ŷ = XW + b`.
    ForwardNoSoftmax,
    /// `δʸ` divided by tb.
    DeltaOfTheMean,
    /// `Y* − Ŷ`.
    Sign,
    /// The 1/tb missing.
    NoMean,
    /// 1/tb taken twice.
    MeanTwice,
    /// Divided by 100 rather than by tb.
    FixedBatchSize,
    /// `Δᵀ X` returned as it is.
    NotTransposedBack,
    /// `Δᵀ X` reshaped instead of transposed.
    ReshapeNotTranspose,
    /// `X` where eq. (4) has `Xᵀ`.
    XNotTransposed,
    /// ∂L/∂b summed over the classes.
    BiasWrongAxis,
    /// `W + η ∂L/∂W`.
    Uphill,
    /// `W − ∂L/∂W`.
    NoEta,
    /// η = 0.1 written in.
    FixedEta,
    /// `H = U`.
    ForwardNoSigmoid,
    /// δʰ without `⊙ σ'(U)`.
    NoSigmaPrime,
    /// σ' taken at H.
    SigmaPrimeAtH,
    /// `δʸ Wʸ` for `δʸ Wʸᵀ`.
    WyNotTransposed,
}

/// One slip of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The slip.
    pub slip: Slip,
    /// Its name, in reports and on the command line.
    pub name: &'static str,
    /// The steps it is made in.
    pub steps: &'static [Step],
    /// How it is recognized.
    pub detector: Detector,
    /// Whether it stops the lab.
    pub severity: Severity,
    /// What it is.
    pub what: Text,
    /// The equation to reread.
    pub reread: Text,
}

const EQ1: Text = Text { en: "eq. (1): ŷ_ci = e^(s_ci) / Σ_c' e^(s_c'i)", fr: "l'éq. (1) : ŷ_ci = e^(s_ci) / Σ_c' e^(s_c'i)" };
const FORWARD: Text = Text { en: "eq. (1): Ŷ = softmax(XW + b)", fr: "l'éq. (1) : Ŷ = softmax(XW + b)" };
const DELTA: Text = Text {
    en: "δʸ = ∂L/∂s_i = ŷ_i − y*_i, the derivative of one image's cross-entropy with respect to its scores",
    fr: "δʸ = ∂L/∂s_i = ŷ_i − y*_i, la dérivée de l'entropie croisée d'une image par rapport à ses scores",
};
const EQ45: Text = Text {
    en: "eq. (4)–(5): ∂L/∂W = (1/tb) Xᵀ (Ŷ − Y*), ∂L/∂b = (1/tb) Σᵢ (ŷᵢ − y*ᵢ)",
    fr: "les éq. (4)–(5) : ∂L/∂W = (1/tb) Xᵀ (Ŷ − Y*), ∂L/∂b = (1/tb) Σᵢ (ŷᵢ − y*ᵢ)",
};
const EQ4: Text = Text { en: "eq. (4): ∂L/∂W = (1/tb) Xᵀ Δ, 784 × 10", fr: "l'éq. (4) : ∂L/∂W = (1/tb) Xᵀ Δ, de taille 784 × 10" };
const EQ5: Text = Text {
    en: "eq. (5): ∂L/∂b = (1/tb) Σᵢ δᵢ, a sum over the images i",
    fr: "l'éq. (5) : ∂L/∂b = (1/tb) Σᵢ δᵢ, une somme sur les images i",
};
const EQ67: Text = Text {
    en: "eq. (6)–(7): W ← W − η ∂L/∂W, b ← b − η ∂L/∂b",
    fr: "les éq. (6)–(7) : W ← W − η ∂L/∂W, b ← b − η ∂L/∂b",
};
const MLP_FORWARD: Text = Text { en: "U = X Wʰ + bʰ, H = σ(U), Ŷ = softmax(H Wʸ + bʸ)", fr: "U = X Wʰ + bʰ, H = σ(U), Ŷ = softmax(H Wʸ + bʸ)" };
const MLP_BACKWARD: Text = Text {
    en: "δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), with σ'(U) = H ⊙ (1 − H); ∂L/∂Wʰ = (1/tb) Xᵀ δʰ",
    fr: "δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), avec σ'(U) = H ⊙ (1 − H) ; ∂L/∂Wʰ = (1/tb) Xᵀ δʰ",
};

/// Exercise 1's gradients and exercise 2's: where a batch slip is made.
const GRADIENTS: &[Step] = &[Step::Gradients, Step::Gradients2];

/// The catalog, in the lab's order.
pub const CATALOG: [Row; 20] = [
    Row {
        slip: Slip::SoftmaxOverBatch,
        name: "softmax-over-batch",
        steps: &[Step::Softmax],
        detector: Detector::Matches(Alternative::SoftmaxOverBatch),
        severity: Severity::Slip,
        what: Text {
            en: "the softmax is normalized over the batch (axis 0: each column sums to 1) instead of over the 10 classes (axis 1: each row, one image, sums to 1)",
            fr: "la softmax est normalisée sur le batch (axe 0 : la somme de chaque colonne vaut 1) plutôt que sur les 10 classes (axe 1 : la somme de chaque ligne, une image, vaut 1)",
        },
        reread: EQ1,
    },
    Row {
        slip: Slip::SoftmaxNoMaxShift,
        name: "softmax-no-max-shift",
        steps: &[Step::Softmax],
        detector: Detector::Matches(Alternative::UnshiftedSoftmax),
        severity: Severity::Warning,
        what: Text {
            en: "this is the lab's own softmax, E = np.exp(X), and it is right for every score this lab's run produces. But e^s overflows past s ≈ 709 in f64 (88 in f32): on larger scores it gives NaN or inf. The fix is exact: subtract each row's maximum first, softmax(s − max_c s) = softmax(s) because the factor e^(−max) cancels between numerator and denominator, and the largest exponent is then e⁰ = 1",
            fr: "c'est la softmax du TP, E = np.exp(X), et elle est juste pour tous les scores que produit l'apprentissage du TP. Mais e^s déborde au-delà de s ≈ 709 en f64 (88 en f32) : sur des scores plus grands, elle donne NaN ou inf. La correction est exacte : soustraire d'abord le maximum de chaque ligne, softmax(s − max_c s) = softmax(s) car le facteur e^(−max) se simplifie entre numérateur et dénominateur, et la plus grande exponentielle vaut alors e⁰ = 1",
        },
        reread: EQ1,
    },
    Row {
        slip: Slip::ForwardNoBias,
        name: "forward-no-bias",
        steps: &[Step::Forward],
        detector: Detector::Matches(Alternative::SoftmaxWithoutBias),
        severity: Severity::Slip,
        what: Text { en: "Ŷ = softmax(XW): the bias b is left out of the scores", fr: "Ŷ = softmax(XW) : le biais b manque dans les scores" },
        reread: FORWARD,
    },
    Row {
        slip: Slip::ForwardNoSoftmax,
        name: "forward-no-softmax",
        steps: &[Step::Forward],
        detector: Detector::Matches(Alternative::Scores),
        severity: Severity::Slip,
        what: Text {
            en: "Ŷ = XW + b: these are the scores S; the prediction is their softmax",
            fr: "Ŷ = XW + b : ce sont les scores S ; la prédiction est leur softmax",
        },
        reread: FORWARD,
    },
    Row {
        slip: Slip::DeltaOfTheMean,
        name: "delta-of-the-mean",
        steps: &[Step::DeltaY],
        detector: Detector::Scaled(Factor::InverseBatchSize),
        severity: Severity::Slip,
        what: Text {
            en: "δʸ is divided by tb: δʸ_i is the derivative of image i's own cross-entropy, ŷ_i − y*_i; the 1/tb of the batch's mean belongs to eq. (4)–(5)",
            fr: "δʸ est divisé par tb : δʸ_i est la dérivée de l'entropie croisée de l'image i seule, ŷ_i − y*_i ; le 1/tb de la moyenne sur le batch appartient aux éq. (4)–(5)",
        },
        reread: DELTA,
    },
    Row {
        slip: Slip::Sign,
        name: "sign",
        steps: &[Step::DeltaY, Step::Gradients, Step::Gradients2],
        detector: Detector::Scaled(Factor::MinusOne),
        severity: Severity::Slip,
        what: Text {
            en: "Y* − Ŷ instead of Ŷ − Y*: the gradient has its sign flipped (−1 × the right one), and the descent of eq. (6)–(7) would climb",
            fr: "Y* − Ŷ au lieu de Ŷ − Y* : le gradient a le signe inversé (−1 × le bon), et la descente des éq. (6)–(7) monterait",
        },
        reread: EQ45,
    },
    Row {
        slip: Slip::NoMean,
        name: "no-mean",
        steps: GRADIENTS,
        detector: Detector::Scaled(Factor::BatchSize),
        severity: Severity::Slip,
        what: Text {
            en: "a sum over the batch where eq. (4)–(5) take the mean: the 1/tb is missing (tb × the right gradient)",
            fr: "une somme sur le batch là où les éq. (4)–(5) prennent la moyenne : le 1/tb manque (tb × le bon gradient)",
        },
        reread: EQ45,
    },
    Row {
        slip: Slip::MeanTwice,
        name: "mean-twice",
        steps: GRADIENTS,
        detector: Detector::Scaled(Factor::InverseBatchSize),
        severity: Severity::Slip,
        what: Text { en: "the 1/tb is taken twice (1/tb × the right gradient)", fr: "le 1/tb est pris deux fois (1/tb × le bon gradient)" },
        reread: EQ45,
    },
    Row {
        slip: Slip::FixedBatchSize,
        name: "fixed-batch-size",
        steps: GRADIENTS,
        detector: Detector::Scaled(Factor::BatchSizeOver100),
        severity: Severity::Slip,
        what: Text {
            en: "divides by 100 rather than by this batch's own tb: right only for batches of 100; take tb from the shape, x.dims()[0]",
            fr: "divise par 100 plutôt que par le tb de ce batch : juste seulement pour des batchs de 100 ; prenez tb dans la forme, x.dims()[0]",
        },
        reread: EQ45,
    },
    Row {
        slip: Slip::NotTransposedBack,
        name: "not-transposed-back",
        steps: GRADIENTS,
        detector: Detector::Transposed,
        severity: Severity::Slip,
        what: Text {
            en: "returns Δᵀ X (10 × 784), which is ∂L/∂W transposed: eq. (4) is Xᵀ Δ (784 × 10)",
            fr: "renvoie Δᵀ X (10 × 784), qui est ∂L/∂W transposé : l'éq. (4) est Xᵀ Δ (784 × 10)",
        },
        reread: EQ4,
    },
    Row {
        slip: Slip::ReshapeNotTranspose,
        name: "reshape-not-transpose",
        steps: GRADIENTS,
        detector: Detector::ReshapedTranspose,
        severity: Severity::Slip,
        what: Text {
            en: "Δᵀ X (10 × 784) reshaped to 784 × 10: the shape is right but the entries are in the wrong order; a reshape is not a transpose (transpose it, or compute Xᵀ Δ)",
            fr: "Δᵀ X (10 × 784) remis en forme 784 × 10 (reshape) : la forme est juste mais les coefficients sont dans le mauvais ordre ; un reshape n'est pas une transposition (transposez, ou calculez Xᵀ Δ)",
        },
        reread: EQ4,
    },
    Row {
        slip: Slip::XNotTransposed,
        name: "x-not-transposed",
        steps: GRADIENTS,
        detector: Detector::ProductShapes(LeftOperand::X),
        severity: Severity::Slip,
        what: Text {
            en: "X (tb × 784) where eq. (4) has Xᵀ (784 × tb): ∂L/∂W = (1/tb) Xᵀ Δ",
            fr: "X (tb × 784) là où l'éq. (4) a Xᵀ (784 × tb) : ∂L/∂W = (1/tb) Xᵀ Δ",
        },
        reread: EQ4,
    },
    Row {
        slip: Slip::BiasWrongAxis,
        name: "bias-wrong-axis",
        steps: GRADIENTS,
        detector: Detector::OnePerImage,
        severity: Severity::Slip,
        what: Text {
            en: "∂L/∂b is summed over the classes (axis 1: one value per image) instead of over the images of the batch (axis 0: one value per class)",
            fr: "∂L/∂b est sommé sur les classes (axe 1 : une valeur par image) plutôt que sur les images du batch (axe 0 : une valeur par classe)",
        },
        reread: EQ5,
    },
    Row {
        slip: Slip::Uphill,
        name: "uphill",
        steps: &[Step::Update],
        detector: Detector::Scaled(Factor::MinusOne),
        severity: Severity::Slip,
        what: Text {
            en: "W + η ∂L/∂W: a step uphill; gradient descent subtracts the gradient",
            fr: "W + η ∂L/∂W : un pas vers le haut ; la descente de gradient soustrait le gradient",
        },
        reread: EQ67,
    },
    Row {
        slip: Slip::NoEta,
        name: "no-eta",
        steps: &[Step::Update],
        detector: Detector::Scaled(Factor::InverseEta),
        severity: Severity::Slip,
        what: Text { en: "W − ∂L/∂W: the learning rate η is forgotten", fr: "W − ∂L/∂W : le pas de gradient η est oublié" },
        reread: EQ67,
    },
    Row {
        slip: Slip::FixedEta,
        name: "fixed-eta",
        steps: &[Step::Update],
        detector: Detector::Scaled(Factor::TenthOverEta),
        severity: Severity::Slip,
        what: Text {
            en: "uses η = 0.1 written in the code rather than the eta given",
            fr: "utilise η = 0.1 écrit dans le code plutôt que l'argument eta reçu",
        },
        reread: EQ67,
    },
    Row {
        slip: Slip::ForwardNoSigmoid,
        name: "forward-no-sigmoid",
        steps: &[Step::Forward2],
        detector: Detector::Matches(Alternative::HiddenScores),
        severity: Severity::Slip,
        what: Text {
            en: "H = U = X Wʰ + bʰ: the sigmoid is forgotten in the hidden layer",
            fr: "H = U = X Wʰ + bʰ : la sigmoïde est oubliée dans la couche cachée",
        },
        reread: MLP_FORWARD,
    },
    Row {
        slip: Slip::NoSigmaPrime,
        name: "no-sigma-prime",
        steps: &[Step::Gradients2],
        detector: Detector::Matches(Alternative::HiddenWithoutSigmaPrime),
        severity: Severity::Slip,
        what: Text {
            en: "δʰ = δʸ Wʸᵀ: the ⊙ σ'(U) is forgotten — the error must also flow back through the sigmoid",
            fr: "δʰ = δʸ Wʸᵀ : le ⊙ σ'(U) est oublié — l'erreur doit aussi remonter à travers la sigmoïde",
        },
        reread: MLP_BACKWARD,
    },
    Row {
        slip: Slip::SigmaPrimeAtH,
        name: "sigma-prime-at-h",
        steps: &[Step::Gradients2],
        detector: Detector::Matches(Alternative::HiddenSigmaPrimeAtH),
        severity: Severity::Slip,
        what: Text {
            en: "σ' is taken at H, σ(H) ⊙ (1 − σ(H)), instead of at U: σ'(U) = σ(U) ⊙ (1 − σ(U)) = H ⊙ (1 − H)",
            fr: "σ' est prise en H, σ(H) ⊙ (1 − σ(H)), au lieu de l'être en U : σ'(U) = σ(U) ⊙ (1 − σ(U)) = H ⊙ (1 − H)",
        },
        reread: MLP_BACKWARD,
    },
    Row {
        slip: Slip::WyNotTransposed,
        name: "wy-not-transposed",
        steps: &[Step::Gradients2],
        detector: Detector::ProductShapes(LeftOperand::DeltaYTimesWy),
        severity: Severity::Slip,
        what: Text {
            en: "δʸ Wʸ where the error flows back through Wʸᵀ: δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), δʸ Wʸᵀ is tb × L",
            fr: "δʸ Wʸ là où l'erreur remonte à travers Wʸᵀ : δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), δʸ Wʸᵀ est de taille tb × L",
        },
        reread: MLP_BACKWARD,
    },
];

impl Slip {
    /// Every slip, in the catalog's order.
    pub const ALL: [Slip; 20] = {
        let mut all = [Slip::Sign; 20];
        let mut i = 0;
        while i < CATALOG.len() {
            all[i] = CATALOG[i].slip;
            i += 1;
        }
        all
    };

    /// Its row.
    pub fn row(self) -> &'static Row {
        CATALOG.iter().find(|r| r.slip == self).expect("every slip has its row")
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The slip of this name.
    pub fn named(name: &str) -> Option<Slip> {
        CATALOG.iter().find(|r| r.name == name).map(|r| r.slip)
    }
}

/// The rows of the slips made in `step`.
pub fn of_step(step: Step) -> impl Iterator<Item = &'static Row> {
    CATALOG.iter().filter(move |r| r.steps.contains(&step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slip_is_one_row_with_its_own_name_and_both_texts() {
        for (i, row) in CATALOG.iter().enumerate() {
            assert_eq!(Slip::ALL[i], row.slip);
            assert_eq!(CATALOG.iter().filter(|r| r.slip == row.slip || r.name == row.name).count(), 1, "{}", row.name);
            assert_eq!(Slip::named(row.name), Some(row.slip));
            assert_eq!(serde_json::to_value(row.slip).unwrap(), row.name);
            assert!(!row.reread.en.is_empty() && !row.reread.fr.is_empty(), "{}", row.name);
            assert!(!row.what.fr.is_empty() && row.what.en != row.what.fr, "{}: no French text", row.name);
        }
    }

    #[test]
    fn the_locale_says_the_language() {
        assert_eq!(Lang::of_locale("fr_FR.UTF-8"), Lang::Fr);
        assert_eq!(Lang::of_locale("fr_CA"), Lang::Fr);
        assert_eq!(Lang::of_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::of_locale("C"), Lang::En);
    }
}

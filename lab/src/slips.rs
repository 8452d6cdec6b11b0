//! The slips students make in the lab, each with what it does in words and the equation to
//! reread. `cargo lab` names one when it turns the right answer into the student's: the
//! generic part of the diagnosis (a factor, a transpose, zeros, NaN) comes from
//! burn-gradcheck's [`relate`](burn_gradcheck::relate); which slip a relation means, in
//! which function, is this catalog.

use serde::Serialize;

/// A known slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slip {
    /// The softmax normalized over the batch (axis 0) instead of over the classes.
    SoftmaxOverBatch,
    /// `exp(s)` without subtracting each row's maximum: NaN or inf on large scores.
    SoftmaxNoMaxShift,
    /// `Ŷ = softmax(XW)`: the bias forgotten.
    ForwardNoBias,
    /// `Ŷ = XW + b`: the scores returned, not their softmax.
    ForwardNoSoftmax,
    /// `Y* − Ŷ` instead of `Ŷ − Y*`.
    Sign,
    /// The 1/tb of eq. (4)–(5) missing: a sum where the mean is meant.
    NoMean,
    /// 1/tb taken twice.
    MeanTwice,
    /// Divided by 100 rather than by the batch's own tb.
    FixedBatchSize,
    /// `Δᵀ X` (10 × 784) returned as it is: ∂L/∂W's transpose.
    NotTransposedBack,
    /// `Δᵀ X` (10 × 784) reshaped to 784 × 10 instead of transposed.
    ReshapeNotTranspose,
    /// `X` where eq. (4) has `Xᵀ`.
    XNotTransposed,
    /// ∂L/∂b summed over the classes (axis 1) instead of over the batch (axis 0).
    BiasWrongAxis,
    /// `W + η ∂L/∂W`: a step uphill.
    Uphill,
    /// `W − ∂L/∂W`: η forgotten.
    NoEta,
    /// η = 0.1 written in instead of the `eta` given.
    FixedEta,
    /// Exercise 2: `H = U`, the sigmoid forgotten in the forward pass.
    ForwardNoSigmoid,
    /// Exercise 2: δʰ without `⊙ σ'(U)`.
    NoSigmaPrime,
    /// Exercise 2: σ' taken at H (σ(H)(1 − σ(H))) instead of at U (H(1 − H)).
    SigmaPrimeAtH,
    /// Exercise 2: `δʸ Wʸ` where the backward pass needs `δʸ Wʸᵀ`.
    WyNotTransposed,
}

impl Slip {
    /// Every slip in the catalog.
    pub const ALL: [Slip; 19] = [
        Slip::SoftmaxOverBatch,
        Slip::SoftmaxNoMaxShift,
        Slip::ForwardNoBias,
        Slip::ForwardNoSoftmax,
        Slip::Sign,
        Slip::NoMean,
        Slip::MeanTwice,
        Slip::FixedBatchSize,
        Slip::NotTransposedBack,
        Slip::ReshapeNotTranspose,
        Slip::XNotTransposed,
        Slip::BiasWrongAxis,
        Slip::Uphill,
        Slip::NoEta,
        Slip::FixedEta,
        Slip::ForwardNoSigmoid,
        Slip::NoSigmaPrime,
        Slip::SigmaPrimeAtH,
        Slip::WyNotTransposed,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Slip::SoftmaxOverBatch => "softmax-over-batch",
            Slip::SoftmaxNoMaxShift => "softmax-no-max-shift",
            Slip::ForwardNoBias => "forward-no-bias",
            Slip::ForwardNoSoftmax => "forward-no-softmax",
            Slip::Sign => "sign",
            Slip::NoMean => "no-mean",
            Slip::MeanTwice => "mean-twice",
            Slip::FixedBatchSize => "fixed-batch-size",
            Slip::NotTransposedBack => "not-transposed-back",
            Slip::ReshapeNotTranspose => "reshape-not-transpose",
            Slip::XNotTransposed => "x-not-transposed",
            Slip::BiasWrongAxis => "bias-wrong-axis",
            Slip::Uphill => "uphill",
            Slip::NoEta => "no-eta",
            Slip::FixedEta => "fixed-eta",
            Slip::ForwardNoSigmoid => "forward-no-sigmoid",
            Slip::NoSigmaPrime => "no-sigma-prime",
            Slip::SigmaPrimeAtH => "sigma-prime-at-h",
            Slip::WyNotTransposed => "wy-not-transposed",
        }
    }

    /// What the slip is, in words.
    pub fn what(self) -> &'static str {
        match self {
            Slip::SoftmaxOverBatch => {
                "the softmax is normalized over the batch (axis 0: each column sums to 1) instead of over \
                 the 10 classes (axis 1: each row, one image, sums to 1)"
            }
            Slip::SoftmaxNoMaxShift => {
                "right on ordinary scores, but NaN or inf on large ones: e^s overflows past s ≈ 709 in f64 \
                 (88 in f32). Subtract each row's maximum first: softmax(s − max_c s) = softmax(s), and the \
                 largest exponent is then e⁰ = 1"
            }
            Slip::ForwardNoBias => "Ŷ = softmax(XW): the bias b is left out of the scores",
            Slip::ForwardNoSoftmax => "Ŷ = XW + b: these are the scores S; the prediction is their softmax",
            Slip::Sign => {
                "Y* − Ŷ instead of Ŷ − Y*: the gradient has its sign flipped (−1 × the right one), and the \
                 descent of eq. (6)–(7) would climb"
            }
            Slip::NoMean => {
                "a sum over the batch where eq. (4)–(5) take the mean: the 1/tb is missing (tb × the right \
                 gradient)"
            }
            Slip::MeanTwice => "the 1/tb is taken twice (1/tb × the right gradient)",
            Slip::FixedBatchSize => {
                "divides by 100 rather than by this batch's own tb: right only for batches of 100; take tb \
                 from the shape, x.dims()[0]"
            }
            Slip::NotTransposedBack => {
                "returns Δᵀ X (10 × 784), which is ∂L/∂W transposed: eq. (4) is Xᵀ Δ (784 × 10)"
            }
            Slip::ReshapeNotTranspose => {
                "Δᵀ X (10 × 784) reshaped to 784 × 10: the shape is right but the entries are in the wrong \
                 order; a reshape is not a transpose (transpose it, or compute Xᵀ Δ)"
            }
            Slip::XNotTransposed => "X (tb × 784) where eq. (4) has Xᵀ (784 × tb): ∂L/∂W = (1/tb) Xᵀ Δ",
            Slip::BiasWrongAxis => {
                "∂L/∂b is summed over the classes (axis 1: one value per image) instead of over the images \
                 of the batch (axis 0: one value per class)"
            }
            Slip::Uphill => "W + η ∂L/∂W: a step uphill; gradient descent subtracts the gradient",
            Slip::NoEta => "W − ∂L/∂W: the learning rate η is forgotten",
            Slip::FixedEta => "uses η = 0.1 written in the code rather than the eta given",
            Slip::ForwardNoSigmoid => "H = U = X Wʰ + bʰ: the sigmoid is forgotten in the hidden layer",
            Slip::NoSigmaPrime => {
                "δʰ = δʸ Wʸᵀ: the ⊙ σ'(U) is forgotten — the error must also flow back through the sigmoid"
            }
            Slip::SigmaPrimeAtH => {
                "σ' is taken at H, σ(H) ⊙ (1 − σ(H)), instead of at U: σ'(U) = σ(U) ⊙ (1 − σ(U)) = H ⊙ (1 − H)"
            }
            Slip::WyNotTransposed => {
                "δʸ Wʸ where the error flows back through Wʸᵀ: δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), δʸ Wʸᵀ is tb × L"
            }
        }
    }

    /// The equation to reread.
    pub fn reread(self) -> &'static str {
        match self {
            Slip::SoftmaxOverBatch | Slip::SoftmaxNoMaxShift => "eq. (1): ŷ_ci = e^(s_ci) / Σ_c' e^(s_c'i)",
            Slip::ForwardNoBias | Slip::ForwardNoSoftmax => "eq. (1): Ŷ = softmax(XW + b)",
            Slip::Sign | Slip::NoMean | Slip::MeanTwice | Slip::FixedBatchSize => {
                "eq. (4)–(5): ∂L/∂W = (1/tb) Xᵀ (Ŷ − Y*), ∂L/∂b = (1/tb) Σᵢ (ŷᵢ − y*ᵢ)"
            }
            Slip::NotTransposedBack | Slip::ReshapeNotTranspose | Slip::XNotTransposed => {
                "eq. (4): ∂L/∂W = (1/tb) Xᵀ Δ, 784 × 10"
            }
            Slip::BiasWrongAxis => "eq. (5): ∂L/∂b = (1/tb) Σᵢ δᵢ, a sum over the images i",
            Slip::Uphill | Slip::NoEta | Slip::FixedEta => "eq. (6)–(7): W ← W − η ∂L/∂W, b ← b − η ∂L/∂b",
            Slip::ForwardNoSigmoid => "U = X Wʰ + bʰ, H = σ(U), Ŷ = softmax(H Wʸ + bʸ)",
            Slip::NoSigmaPrime | Slip::SigmaPrimeAtH | Slip::WyNotTransposed => {
                "δʰ = (δʸ Wʸᵀ) ⊙ σ'(U), with σ'(U) = H ⊙ (1 − H); ∂L/∂Wʰ = (1/tb) Xᵀ δʰ"
            }
        }
    }
}

//! One output of the student's against the right one: right to float noise, or how it is
//! not — and then which slip of the catalog (lesson::slips) that is, by the row's detector.

use burn::tensor::Tensor;
use burn_gradcheck::diagnose::factor_name;
use burn_gradcheck::{Relation, relate};
use lesson::data::{CLASSES, PIXELS};
use lesson::slips::{self, Alternative, Detector, Lang, LeftOperand, Row, Step};

use super::{HIDDEN, NOISE, Verdict};

/// A tensor's values and shape.
pub fn read<const D: usize>(t: &Tensor<D>) -> (Vec<f64>, Vec<usize>) {
    (t.clone().into_data().iter::<f64>().collect(), t.dims().to_vec())
}

/// How far `theirs` is from `right`, relative to `right`'s largest entry.
pub fn noise(theirs: &[f64], right: &[f64]) -> f64 {
    let scale = right.iter().fold(0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    theirs.iter().zip(right).map(|(a, b)| (a - b).abs() / scale).fold(0.0, f64::max)
}

/// Right (with its noise), or how it is off.
pub enum Against {
    /// Right to [`NOISE`]: the largest relative difference.
    Right(f64),
    /// Off.
    Off(Relation),
}

/// `theirs` against `right`, outside the gradients: there a transpose is a wrong shape.
pub fn against<const D: usize>(theirs: &Tensor<D>, right: &Tensor<D>) -> Against {
    let ((t, ts), (r, rs)) = (read(theirs), read(right));
    match relate(&t, &ts, &r, &rs, NOISE) {
        Relation::Right => Against::Right(noise(&t, &r)),
        Relation::Transposed => Against::Off(Relation::Shape { theirs: ts, expected: rs }),
        other => Against::Off(other),
    }
}

/// Whether `theirs` equals `other` entry by entry, NaN and infinities where it has them
/// included (for a computation that overflows the same way).
pub fn same_overflowing<const D: usize>(theirs: &Tensor<D>, other: &Tensor<D>) -> bool {
    let ((t, ts), (o, os)) = (read(theirs), read(other));
    let scale = o.iter().filter(|v| v.is_finite()).fold(0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    let same = |a: &f64, b: &f64| match (a.is_finite(), b.is_finite()) {
        (true, true) => (a - b).abs() <= NOISE * scale,
        (false, false) => a.is_nan() == b.is_nan(),
        _ => false,
    };
    ts == os && t.iter().zip(&o).all(|(a, b)| same(a, b))
}

/// Whether `theirs` equals `right` to float noise.
pub fn same<const D: usize>(theirs: &Tensor<D>, right: &Tensor<D>) -> bool {
    matches!(against(theirs, right), Against::Right(_))
}

/// What a wrong output shows, for the detectors.
pub struct Evidence<'a> {
    /// The step checked.
    pub step: Step,
    /// The output (`Ŷ`, `∂L/∂b`, …).
    pub output: &'a str,
    /// How it relates to the right one.
    pub relation: &'a Relation,
    /// Its shape.
    pub shape: &'a [usize],
    /// The batch's size.
    pub tb: usize,
    /// η, for the update.
    pub eta: f64,
    /// Whether it equals a wrong computation.
    pub matches: &'a dyn Fn(Alternative) -> bool,
}

/// The first row of the catalog, among the step's, whose detector sees the slip.
pub fn recognize(ev: &Evidence) -> Option<&'static Row> {
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs();
    slips::of_step(ev.step).find(|row| match row.detector {
        Detector::Scaled(f) => match (ev.relation, f.value(ev.tb, ev.eta)) {
            (Relation::Scaled { factor }, Some(v)) => near(*factor, v),
            _ => false,
        },
        Detector::Transposed => *ev.relation == Relation::Transposed,
        Detector::ReshapedTranspose => *ev.relation == Relation::ReshapedTranspose,
        Detector::Matches(alternative) => (ev.matches)(alternative),
        Detector::OnePerImage => ev.output.starts_with("∂L/∂b") && ev.shape == [ev.tb],
        Detector::ProductShapes(_) => false,
    })
}

/// The row of a product that did not fit, from burn's two shapes.
pub fn recognize_crash(step: Step, (lhs, rhs): &(Vec<usize>, Vec<usize>), tb: usize) -> Option<&'static Row> {
    slips::of_step(step).find(|row| match row.detector {
        Detector::ProductShapes(LeftOperand::X) => lhs == &[tb, PIXELS],
        Detector::ProductShapes(LeftOperand::DeltaYTimesWy) => lhs == &[tb, CLASSES] && rhs == &[HIDDEN, CLASSES],
        _ => false,
    })
}

/// The verdict on a wrong output: its slip when a row sees one, else what it is.
pub fn verdict(ev: &Evidence, lang: Lang) -> Verdict {
    match recognize(ev) {
        Some(row) => Verdict::Slip { output: ev.output.to_string(), slip: row.slip, seen: seen_as(row, ev, lang) },
        None => wrong_or_shape(ev.output, ev.relation.clone(), lang),
    }
}

/// What the output is, in the words of the row that recognized it.
pub fn seen_as(row: &Row, ev: &Evidence, lang: Lang) -> String {
    match row.detector {
        Detector::Matches(alternative) => alternative_words(alternative, lang).to_string(),
        Detector::OnePerImage => {
            lang.pick(format!("{} values, one per image", ev.tb), format!("{} valeurs, une par image", ev.tb))
        }
        _ => relation_words(ev.relation, lang),
    }
}

fn alternative_words(alternative: Alternative, lang: Lang) -> &'static str {
    match alternative {
        Alternative::SoftmaxOverBatch => lang.pick("the softmax of each column", "la softmax de chaque colonne"),
        Alternative::UnshiftedSoftmax => lang.pick("NaN or infinite where e^s overflows", "NaN ou infini là où e^s déborde"),
        Alternative::SoftmaxWithoutBias => "softmax(XW)",
        Alternative::Scores => "XW + b",
        Alternative::HiddenScores => "U",
        Alternative::HiddenWithoutSigmaPrime | Alternative::HiddenSigmaPrimeAtH => lang.pick(
            "what that δʰ gives, to float noise (∂L/∂bʰ too)",
            "ce que donne ce δʰ, au bruit flottant près (∂L/∂bʰ aussi)",
        ),
    }
}

/// A wrong shape, or wrong with no slip to name.
pub fn wrong_or_shape(output: &str, relation: Relation, lang: Lang) -> Verdict {
    match relation {
        Relation::Shape { theirs, expected } => Verdict::Shape { output: output.into(), theirs, expected },
        relation => Verdict::Wrong { output: output.into(), seen: relation_words(&relation, lang), relation, from_layer: None },
    }
}

/// How an output relates to the right one, in words.
pub fn relation_words(relation: &Relation, lang: Lang) -> String {
    match relation {
        Relation::Right => lang.pick("right", "juste").into(),
        Relation::Scaled { factor } if (factor + 1.0).abs() < 1e-6 => {
            lang.pick("−1 × the right one (its sign flipped)", "−1 × la bonne valeur (le signe inversé)").into()
        }
        Relation::Scaled { factor } => {
            let f = factor_name(*factor);
            lang.pick(format!("{f} × the right one"), format!("{f} × la bonne valeur"))
        }
        Relation::Transposed => lang.pick("the right one transposed", "la bonne valeur transposée").into(),
        Relation::ReshapedTranspose => lang
            .pick(
                "the right one's transpose reshaped to its shape (entries in the wrong order)",
                "la transposée de la bonne valeur remise à sa forme (coefficients dans le mauvais ordre)",
            )
            .into(),
        Relation::Shape { theirs, expected } => lang.pick(
            format!("of shape {theirs:?} where {expected:?} is expected"),
            format!("de forme {theirs:?} au lieu de {expected:?}"),
        ),
        Relation::Zeros => lang.pick("all zeros where the right one is not", "entièrement nul, la bonne valeur ne l'est pas").into(),
        Relation::NotFinite { nan, inf, first } => lang.pick(
            format!("{nan} NaN and {inf} infinite entries (the first at index {first})"),
            format!("{nan} NaN et {inf} infinis (le premier à l'indice {first})"),
        ),
        Relation::Unexplained { index, theirs, right, rel } => lang.pick(
            format!("off by no factor, transpose or reshape; worst at index {index}: {theirs:e} where {right:e} is right (relative error {rel:.2e})"),
            format!("ni un facteur, ni une transposition, ni un reshape ; le pire à l'indice {index} : {theirs:e} au lieu de {right:e} (erreur relative {rel:.2e})"),
        ),
    }
}

/// Right in the last layers, wrong from one layer on, in words.
pub fn from_layer_words(found: &burn_gradcheck::FromLayer, lang: Lang) -> String {
    let layer = |l: &String| match (lang, l.as_str()) {
        (Lang::Fr, "output") => "la couche de sortie".to_string(),
        (Lang::Fr, "hidden") => "la couche cachée".to_string(),
        _ => l.clone(),
    };
    let (right, wrong) = (found.right.iter().map(layer).collect::<Vec<_>>().join(", "), &layer(&found.first_wrong));
    lang.pick(
        format!("right in {right}, wrong from {wrong} on (going backward): the error is in how the gradient is carried back into {wrong}"),
        format!("juste dans {right}, faux à partir de {wrong} (en remontant) : l'erreur est dans la façon dont le gradient est ramené dans {wrong}"),
    )
}

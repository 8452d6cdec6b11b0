//! How two gradients are compared and judged: the errors ([`compare`]), and a verdict of three
//! outcomes ([`judge`]) — pass, fail, or inconclusive — that knows the float type's precision
//! and makes a negative control at every point.

use serde::Serialize;

use crate::settings::Tolerance;

/// How far apart two gradients are.
///
/// ```
/// let c = burn_gradcheck::compare(&[1.0, 0.0], &[-1.0, 0.0]);
/// assert_eq!((c.max_abs, c.max_rel, c.cosine, c.entries), (2.0, 2.0, -1.0, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// `maxᵢ |aᵢ − bᵢ|`.
    pub max_abs: f64,
    /// `maxᵢ |aᵢ − bᵢ| / max(|aᵢ|, |bᵢ|, τ·s)` with `s` the largest entry of either and
    /// τ = [`REL_FLOOR`]: an entry far smaller than the gradient's scale (an exact zero, say)
    /// is measured against that scale, as its own size is below what any witness resolves.
    pub max_rel: f64,
    /// `⟨a, b⟩ / (‖a‖ ‖b‖)` (1 when both are zero).
    pub cosine: f64,
    /// Entries compared.
    pub entries: usize,
}

/// Relative to the gradient's largest entry, the smallest scale an entry's relative error is
/// measured against.
///
/// ```
/// // 10⁻⁹ against 0, beside an entry of 1: measured against 10⁻³ × 1.
/// let c = burn_gradcheck::compare(&[1.0, 1e-9], &[1.0, 0.0]);
/// assert!((c.max_rel - 1e-9 / burn_gradcheck::REL_FLOOR).abs() < 1e-15);
/// ```
pub const REL_FLOOR: f64 = 1e-3;

/// Compares two gradients entry by entry.
///
/// ```
/// let c = burn_gradcheck::compare(&[1.0, 2.0], &[1.0, 2.5]);
/// assert_eq!((c.max_abs, c.max_rel), (0.5, 0.2));
/// ```
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    if a.len() != b.len() {
        // Gradients of different sizes: nothing compares.
        return Comparison { max_abs: f64::NAN, max_rel: f64::NAN, cosine: f64::NAN, entries: a.len().min(b.len()) };
    }
    let largest = a.iter().chain(b).fold(0f64, |m, v| m.max(v.abs()));
    let floor = (REL_FLOOR * largest).max(f64::MIN_POSITIVE);
    let (mut max_abs, mut max_rel) = (0f64, 0f64);
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let diff = (x - y).abs();
        let rel = diff / x.abs().max(y.abs()).max(floor);
        // NaN must not hide behind `max`.
        max_abs = if diff.is_nan() { f64::NAN } else { max_abs.max(diff) };
        max_rel = if rel.is_nan() { f64::NAN } else { max_rel.max(rel) };
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let cosine = if na == 0.0 && nb == 0.0 { 1.0 } else { dot / (na.sqrt() * nb.sqrt()) };
    Comparison { max_abs, max_rel, cosine, entries: a.len() }
}

/// What the checked gradient was compared with.
///
/// ```
/// assert_eq!(burn_gradcheck::Witness::FiniteDifferences.to_string(), "finite differences");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Witness {
    /// burn's autodiff of the loss.
    Autodiff,
    /// Five-point central differences of the loss, entry by entry.
    FiniteDifferences,
    /// A five-point difference of the loss along a random direction `v`, against `vᵀ∇L`
    /// (the fast mode).
    Direction,
}

impl std::fmt::Display for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Witness::Autodiff => "autodiff",
            Witness::FiniteDifferences => "finite differences",
            Witness::Direction => "random direction",
        })
    }
}

/// Why a comparison proves nothing.
///
/// ```
/// use burn_gradcheck::{Inconclusive, Tolerances, Verdict, judge};
/// let t = Tolerances::default();
/// // A flat point: zero against zero, and a copy 5 % too large is zero too.
/// assert_eq!(judge(&[0.0], &[0.0], t.f64, t.control).1, Verdict::Inconclusive(Inconclusive::ControlPasses));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Inconclusive {
    /// Over the relative tolerance, but every difference is below the absolute floor: the
    /// gradient is too small for the float type to tell right from wrong.
    BelowFloor,
    /// Within the tolerance, but the negative control would pass too: a copy of the gradient
    /// `(1 + control)` times too large is not caught here — a degenerate point (a gradient of
    /// zeros: a loss flat there, symmetric inputs).
    ControlPasses,
}

/// The verdict on one comparison.
///
/// ```
/// use burn_gradcheck::{Tolerances, Verdict, judge};
/// let t = Tolerances::default();
/// // A relative error of 10⁻⁴: within f32's tolerance, not f64's.
/// assert_eq!(judge(&[1.0001], &[1.0], t.f32, t.control).1, Verdict::Pass);
/// assert_eq!(judge(&[1.0001], &[1.0], t.f64, t.control).1, Verdict::Fail);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "kebab-case")]
pub enum Verdict {
    /// Within the relative tolerance, and the negative control fails: the comparison could
    /// have caught a wrong gradient here, and found none.
    Pass,
    /// Over the relative tolerance, with differences above the absolute floor.
    Fail,
    /// Neither, and why.
    Inconclusive(Inconclusive),
}

/// Judges a checked gradient against a witness, to a [`Tolerance`] and with the negative
/// control `control` (see [`Tolerances`](crate::Tolerances)):
///
/// - **fail** when the maximum relative error exceeds `tol.rel` (or is NaN) and some
///   difference exceeds `tol.floor`;
/// - **inconclusive** when it exceeds `tol.rel` with every difference at most `tol.floor`
///   (the floor never grants a pass), or when it is within `tol.rel` but the checked gradient
///   times `1 + control` would be within it too;
/// - **pass** otherwise.
///
/// ```
/// use burn_gradcheck::{Inconclusive, Precision, Tolerances, Verdict, judge};
/// let tol = Tolerances::default().of(Precision::F64);
/// assert_eq!(judge(&[1.0, 2.0], &[1.0, 2.0], tol, 0.05).1, Verdict::Pass);
/// assert_eq!(judge(&[1.0, 2.0], &[1.0, 2.1], tol, 0.05).1, Verdict::Fail);
/// assert_eq!(judge(&[1e-13], &[2e-13], tol, 0.05).1, Verdict::Inconclusive(Inconclusive::BelowFloor));
/// assert_eq!(judge(&[0.0, 0.0], &[0.0, 0.0], tol, 0.05).1, Verdict::Inconclusive(Inconclusive::ControlPasses));
/// ```
pub fn judge(checked: &[f64], witness: &[f64], tol: Tolerance, control: f64) -> (Comparison, Verdict) {
    let errors = compare(checked, witness);
    // Over a limit; NaN is over every limit.
    let over = |value: f64, limit: f64| value.is_nan() || value > limit;
    let caught = |c: &Comparison| over(c.max_rel, tol.rel) && over(c.max_abs, tol.floor);
    let verdict = if caught(&errors) {
        Verdict::Fail
    } else if over(errors.max_rel, tol.rel) {
        Verdict::Inconclusive(Inconclusive::BelowFloor)
    } else {
        let perturbed: Vec<f64> = checked.iter().map(|g| g * (1.0 + control)).collect();
        if caught(&compare(&perturbed, witness)) {
            Verdict::Pass
        } else {
            Verdict::Inconclusive(Inconclusive::ControlPasses)
        }
    };
    (errors, verdict)
}

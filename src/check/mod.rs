//! Checking gradients: [`gradcheck`] for any burn module (hand-written gradients against
//! autodiff and against central finite differences in f64), the error measures used to
//! compare two gradients, and [`reference`], a plain-Rust f64 loss of handgrad's two models —
//! an independent witness for the tests.

pub mod gradcheck;
mod models;
pub mod reference;

/// Central finite difference of `f` along coordinate `i` of `x`, on the five-point stencil
///
/// `∂f/∂xᵢ ≈ (−f(x+2ε) + 8 f(x+ε) − 8 f(x−ε) + f(x−2ε)) / 12ε`,
///
/// whose truncation error is O(ε⁴) (the plain `(f(x+ε) − f(x−ε)) / 2ε` is O(ε²)): with
/// ε = 10⁻³ in f64 both truncation and rounding stay near 10⁻¹², far below the 10⁻⁶ a
/// relative check asks for.
pub fn central_difference(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize, eps: f64) -> f64 {
    let mut probe = x.to_vec();
    let mut at = |offset: f64| {
        probe[i] = x[i] + offset;
        f(&probe)
    };
    let (p2, p1, m1, m2) = (at(2.0 * eps), at(eps), at(-eps), at(-2.0 * eps));
    (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * eps)
}

/// How far apart two gradients are.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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
pub const REL_FLOOR: f64 = 1e-3;

/// Compares two gradients entry by entry.
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    assert_eq!(a.len(), b.len(), "gradients of different sizes");
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
    let cosine = if na == 0.0 && nb == 0.0 {
        1.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    };
    Comparison {
        max_abs,
        max_rel,
        cosine,
        entries: a.len(),
    }
}

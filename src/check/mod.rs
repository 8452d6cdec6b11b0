//! Checking gradients: central finite differences in f64, a plain-Rust f64 reference of the
//! loss, and the error measures used to compare two gradients.

pub mod reference;

/// Central finite difference of `f` along coordinate `i` of `x`:
/// `(f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε`, whose error is O(ε²) for a smooth `f`.
pub fn central_difference(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize, eps: f64) -> f64 {
    let mut probe = x.to_vec();
    probe[i] = x[i] + eps;
    let plus = f(&probe);
    probe[i] = x[i] - eps;
    let minus = f(&probe);
    (plus - minus) / (2.0 * eps)
}

/// How far apart two gradients are.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Comparison {
    /// `maxᵢ |aᵢ − bᵢ|`.
    pub max_abs: f64,
    /// `maxᵢ |aᵢ − bᵢ| / max(|aᵢ|, |bᵢ|)`, over the entries where either is above
    /// [`REL_FLOOR`] (below it both are zero for any practical purpose and the absolute
    /// error speaks).
    pub max_rel: f64,
    /// `⟨a, b⟩ / (‖a‖ ‖b‖)` (1 when both are zero).
    pub cosine: f64,
    /// Entries compared.
    pub entries: usize,
}

/// Entries smaller than this in both gradients are left out of the relative error.
pub const REL_FLOOR: f64 = 1e-10;

/// Compares two gradients entry by entry.
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    assert_eq!(a.len(), b.len(), "gradients of different sizes");
    let (mut max_abs, mut max_rel) = (0f64, 0f64);
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let diff = (x - y).abs();
        // NaN must not hide behind `max`.
        max_abs = if diff.is_nan() { f64::NAN } else { max_abs.max(diff) };
        let scale = x.abs().max(y.abs());
        if scale > REL_FLOOR || diff.is_nan() {
            let rel = diff / scale;
            max_rel = if rel.is_nan() { f64::NAN } else { max_rel.max(rel) };
        }
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

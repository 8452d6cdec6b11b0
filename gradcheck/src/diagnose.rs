//! How a wrong gradient is wrong: not only "FAIL, max relative error 0.99" but what turns the
//! right gradient into the one given — a factor (−1: the sign; the batch size or its inverse:
//! the mean forgotten or taken twice), a transpose or a reshape, zeros, NaN — and, over a
//! whole module, from which layer on the gradients go wrong.
//!
//! [`relate`] compares one gradient with the right one; [`from_layer`] reads the verdicts of
//! a module's parameters in the order the backward pass meets them.

use serde::Serialize;

/// What turns the right gradient into the one given.
///
/// ```
/// use burn_gradcheck::Relation;
/// assert_eq!(Relation::Scaled { factor: 100.0 }.to_string(), "100 × the right gradient");
/// assert_eq!(Relation::Transposed.to_string(), "the right gradient transposed");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "relation", rename_all = "kebab-case")]
pub enum Relation {
    /// Equal to float noise.
    Right,
    /// `factor ×` the right one (−1: its sign flipped; 100: a sum where a mean of 100 was
    /// meant; 0.01: that mean taken twice).
    Scaled {
        /// The factor.
        factor: f64,
    },
    /// The right one's transpose: the shape swapped as well.
    Transposed,
    /// The right one's transpose reshaped to the right shape: the entries read in the wrong
    /// order (`(Aᵀ).reshape(shape of A)` instead of `A`).
    ReshapedTranspose,
    /// A shape that neither the right one nor its transpose has.
    Shape {
        /// The shape given.
        theirs: Vec<usize>,
        /// The right shape.
        expected: Vec<usize>,
    },
    /// All zero where the right one is not.
    Zeros,
    /// Some entries NaN or infinite.
    NotFinite {
        /// NaN entries.
        nan: usize,
        /// Infinite entries.
        inf: usize,
        /// The first one's index, row-major.
        first: usize,
    },
    /// None of the above: the entry that is furthest off.
    Unexplained {
        /// Its index, row-major.
        index: usize,
        /// Its value given.
        theirs: f64,
        /// Its right value.
        right: f64,
        /// Its relative error, `|theirs − right| / max(|theirs|, |right|)`.
        rel: f64,
    },
}

impl Relation {
    /// Whether the gradient is right.
    ///
    /// ```
    /// assert!(burn_gradcheck::Relation::Right.is_right());
    /// assert!(!burn_gradcheck::Relation::Zeros.is_right());
    /// ```
    pub fn is_right(&self) -> bool {
        matches!(self, Relation::Right)
    }
}

/// A factor in words: −1, a whole number, or the inverse of one.
///
/// ```
/// use burn_gradcheck::diagnose::factor_name;
/// assert_eq!(factor_name(-1.0), "−1");
/// assert_eq!(factor_name(0.01), "1/100");
/// assert_eq!(factor_name(0.3), "0.3000");
/// ```
pub fn factor_name(c: f64) -> String {
    let whole = |x: f64| (x - x.round()).abs() <= 1e-6 * x.abs().max(1.0) && x.round() != 0.0;
    let name = if whole(c) {
        format!("{}", c.round())
    } else if whole(1.0 / c) {
        format!("{}1/{}", if c < 0.0 { "-" } else { "" }, (1.0 / c).abs().round())
    } else {
        format!("{c:.4}")
    };
    name.replace('-', "−") // the minus sign, as in the equations
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Relation::Right => write!(f, "right"),
            Relation::Scaled { factor } if (factor + 1.0).abs() < 1e-6 => {
                write!(f, "the right gradient with its sign flipped (−1 × it)")
            }
            Relation::Scaled { factor } => write!(f, "{} × the right gradient", factor_name(*factor)),
            Relation::Transposed => write!(f, "the right gradient transposed"),
            Relation::ReshapedTranspose => {
                write!(f, "the right gradient's transpose reshaped to its shape (entries in the wrong order)")
            }
            Relation::Shape { theirs, expected } => write!(f, "shape {theirs:?} where {expected:?} is expected"),
            Relation::Zeros => write!(f, "all zeros where the right gradient is not"),
            Relation::NotFinite { nan, inf, first } => {
                write!(f, "{nan} NaN and {inf} infinite entries (the first at index {first})")
            }
            Relation::Unexplained { index, theirs, right, rel } => write!(
                f,
                "off by no factor, transpose or reshape; worst at index {index}: {theirs:e} where {right:e} is right (relative error {rel:.2e})"
            ),
        }
    }
}

/// How `theirs` (of shape `theirs_shape`) relates to `right` (of shape `shape`), both
/// row-major, judged to a relative tolerance `tol` (10⁻⁴ suits f32, 10⁻⁹ f64): the first of
/// right, not finite, wrong shape or transposed, zeros, a factor, a reshaped transpose,
/// unexplained.
///
/// ```
/// use burn_gradcheck::{Relation, relate};
/// let right = [1.0, -2.0, 3.0, 4.0, 0.5, -1.0]; // 2 × 3
/// let halved = right.map(|g| g / 2.0);
/// let Relation::Scaled { factor } = relate(&halved, &[2, 3], &right, &[2, 3], 1e-9) else { panic!() };
/// assert!((factor - 0.5).abs() < 1e-12);
/// let transposed = [1.0, 4.0, -2.0, 0.5, 3.0, -1.0]; // 3 × 2
/// assert_eq!(relate(&transposed, &[3, 2], &right, &[2, 3], 1e-9), Relation::Transposed);
/// ```
pub fn relate(theirs: &[f64], theirs_shape: &[usize], right: &[f64], shape: &[usize], tol: f64) -> Relation {
    let (nan, inf) = (count(theirs, |v| v.is_nan()), count(theirs, |v| v.is_infinite()));
    if nan + inf > 0 {
        let first = theirs.iter().position(|v| !v.is_finite()).unwrap_or(0);
        return Relation::NotFinite { nan, inf, first };
    }
    if theirs_shape != shape {
        let swapped: Vec<usize> = shape.iter().rev().copied().collect();
        if shape.len() == 2 && theirs_shape == swapped && close(theirs, &transpose(right, shape), tol) {
            return Relation::Transposed;
        }
        return Relation::Shape { theirs: theirs_shape.to_vec(), expected: shape.to_vec() };
    }
    if close(theirs, right, tol) {
        return Relation::Right;
    }
    let scale = norm(right);
    if norm(theirs) <= tol * scale {
        return Relation::Zeros;
    }
    if scale > 0.0 {
        // The least-squares factor c = ⟨t, r⟩ / ⟨r, r⟩, kept if c·r is t.
        let c = dot(theirs, right) / (scale * scale);
        let scaled: Vec<f64> = right.iter().map(|r| c * r).collect();
        if c != 0.0 && close(theirs, &scaled, tol) {
            return Relation::Scaled { factor: c };
        }
    }
    if shape.len() == 2 && close(theirs, &transpose(right, shape), tol) {
        // The transpose's entries laid out in the right shape: a reshape where a transpose was meant.
        return Relation::ReshapedTranspose;
    }
    let (index, rel) = theirs
        .iter()
        .zip(right)
        .map(|(t, r)| (t - r).abs() / t.abs().max(r.abs()).max(f64::MIN_POSITIVE))
        .enumerate()
        .fold((0, 0.0), |(bi, b), (i, e)| if e > b { (i, e) } else { (bi, b) });
    Relation::Unexplained { index, theirs: theirs[index], right: right[index], rel }
}

/// Whether `a` is `b` to a relative tolerance, measured against the largest entry of either.
///
/// ```
/// use burn_gradcheck::diagnose::close;
/// assert!(close(&[1.0, 2.0], &[1.0, 2.0 + 1e-7], 1e-6));
/// assert!(!close(&[1.0, 2.0], &[1.0, 2.1], 1e-6));
/// ```
pub fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    let largest = a.iter().chain(b).fold(0f64, |m, v| m.max(v.abs()));
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol * largest.max(f64::MIN_POSITIVE))
}

/// The transpose of a row-major `rows × cols` matrix, row-major (`cols × rows`).
fn transpose(values: &[f64], shape: &[usize]) -> Vec<f64> {
    let (rows, cols) = (shape[0], shape[1]);
    (0..cols * rows).map(|k| values[(k % rows) * cols + k / rows]).collect()
}

fn count(values: &[f64], pred: impl Fn(&f64) -> bool) -> usize {
    values.iter().filter(|v| pred(v)).count()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// The layer of a parameter: its path in the module without the last part (`hidden.weight`
/// is in `hidden`).
///
/// ```
/// assert_eq!(burn_gradcheck::layer_of("model.hidden.weight"), "model.hidden");
/// ```
pub fn layer_of(path: &str) -> String {
    path.rsplit_once('.').map_or(path.to_string(), |(l, _)| l.to_string())
}

/// Over a module's parameters, in the module's order (first layer first), each as its layer
/// ([`layer_of`]) and its relation: when the last layers are right and the ones before them
/// wrong, the layer the backward pass first goes wrong at, and the layers it got right.
///
/// ```
/// use burn_gradcheck::{FromLayer, Relation, from_layer};
/// let found = from_layer(&[("hidden".into(), Relation::Zeros), ("output".into(), Relation::Right)]);
/// assert_eq!(found, Some(FromLayer { first_wrong: "hidden".into(), right: vec!["output".into()] }));
/// ```
pub fn from_layer(params: &[(String, Relation)]) -> Option<FromLayer> {
    let mut layers: Vec<(String, bool)> = Vec::new();
    for (l, relation) in params {
        let l = l.clone();
        match layers.last_mut() {
            Some((last, right)) if *last == l => *right &= relation.is_right(),
            _ => layers.push((l, relation.is_right())),
        }
    }
    // Backward order: the last layer first.
    let right_tail = layers.iter().rev().take_while(|(_, right)| *right).count();
    let wrong_rest = layers.iter().rev().skip(right_tail).all(|(_, right)| !right);
    if right_tail == 0 || right_tail == layers.len() || !wrong_rest {
        return None;
    }
    let n = layers.len();
    Some(FromLayer {
        first_wrong: layers[n - right_tail - 1].0.clone(),
        right: layers[n - right_tail..].iter().map(|(l, _)| l.clone()).collect(),
    })
}

/// Right in the last layers, wrong from one layer on (going backward).
///
/// ```
/// use burn_gradcheck::FromLayer;
/// let f = FromLayer { first_wrong: "hidden".into(), right: vec!["output".into()] };
/// assert!(f.to_string().starts_with("right in output, wrong from hidden on"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FromLayer {
    /// The first wrong layer the backward pass reaches.
    pub first_wrong: String,
    /// The layers after it, whose gradients are right.
    pub right: Vec<String>,
}

impl std::fmt::Display for FromLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "right in {}, wrong from {} on (going backward): the error is in how the gradient is carried back into {}",
            self.right.join(", "),
            self.first_wrong,
            self.first_wrong
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: [f64; 6] = [1.0, -2.0, 3.0, 0.5, 0.0, -1.5]; // 2 × 3

    #[test]
    fn names_what_turns_the_right_gradient_into_theirs() {
        let shape = [2, 3];
        let scaled = |c: f64| R.map(|r| c * r);
        assert_eq!(relate(&R, &shape, &R, &shape, 1e-9), Relation::Right);
        let Relation::Scaled { factor } = relate(&scaled(-1.0), &shape, &R, &shape, 1e-9) else { panic!() };
        assert_eq!(factor_name(factor), "−1");
        let Relation::Scaled { factor } = relate(&scaled(0.01), &shape, &R, &shape, 1e-9) else { panic!() };
        assert_eq!(factor_name(factor), "1/100");
        let t = transpose(&R, &shape);
        assert_eq!(relate(&t, &[3, 2], &R, &shape, 1e-9), Relation::Transposed);
        assert_eq!(relate(&t, &shape, &R, &shape, 1e-9), Relation::ReshapedTranspose);
        assert_eq!(relate(&[0.0; 6], &shape, &R, &shape, 1e-9), Relation::Zeros);
        assert_eq!(
            relate(&[1.0, f64::NAN, 3.0, 0.5, 0.0, -1.5], &shape, &R, &shape, 1e-9),
            Relation::NotFinite { nan: 1, inf: 0, first: 1 }
        );
        let off = [1.0, -2.0, 3.0, 0.5, 0.0, 1.5];
        assert!(matches!(relate(&off, &shape, &R, &shape, 1e-9), Relation::Unexplained { index: 5, .. }));
        assert_eq!(
            relate(&R[..3], &[3], &R, &shape, 1e-9),
            Relation::Shape { theirs: vec![3], expected: vec![2, 3] }
        );
    }

    #[test]
    fn names_the_first_wrong_layer_going_backward() {
        let p = |name: &str, right: bool| {
            (name.to_string(), if right { Relation::Right } else { Relation::Zeros })
        };
        let found = from_layer(&[p("hidden", false), p("hidden", false), p("output", true), p("output", true)]);
        assert_eq!(layer_of("model.hidden.weight"), "model.hidden");
        assert_eq!(found, Some(FromLayer { first_wrong: "hidden".into(), right: vec!["output".into()] }));
        // All wrong, all right, or a wrong layer after a right one: nothing to say.
        assert_eq!(from_layer(&[p("a", false), p("b", false)]), None);
        assert_eq!(from_layer(&[p("a", true), p("b", true)]), None);
        assert_eq!(from_layer(&[p("a", false), p("b", true), p("c", false)]), None);
    }
}

//! Finite differences — the workspace's one implementation: the five-point stencil
//! ([`central_difference`]), along entries of a parameter and along a direction; and the
//! seeded draws of the entries sampled and the random directions.

use burn::module::Module;

use crate::params::{Parameter, loss_along, loss_with_entry};
use crate::{At, Loss};

/// Central finite difference of `f` along coordinate `i` of `x`, on the five-point stencil
///
/// `∂f/∂xᵢ ≈ (−f(x+2ε) + 8 f(x+ε) − 8 f(x−ε) + f(x−2ε)) / 12ε`,
///
/// whose truncation error is O(ε⁴) (the plain `(f(x+ε) − f(x−ε)) / 2ε` is O(ε²)): with
/// ε = 10⁻³ in f64 both truncation and rounding stay near 10⁻¹², far below the 10⁻⁶ a
/// relative check asks for.
///
/// ```
/// use burn_gradcheck::central_difference;
/// // f(x) = x₀³ x₁: ∂f/∂x₀ = 3 x₀² x₁ = 12 at (2, 1).
/// let d = central_difference(&|x: &[f64]| x[0].powi(3) * x[1], &[2.0, 1.0], 0, 1e-3);
/// assert!((d - 12.0).abs() < 1e-9);
/// ```
pub fn central_difference(f: &dyn Fn(&[f64]) -> f64, x: &[f64], i: usize, eps: f64) -> f64 {
    let mut probe = x.to_vec();
    let mut at = |offset: f64| {
        probe[i] = x[i] + offset;
        f(&probe)
    };
    let (p2, p1, m1, m2) = (at(2.0 * eps), at(eps), at(-eps), at(-2.0 * eps));
    (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * eps)
}

/// Central differences of the loss along the given entries of parameter `p`, spread over
/// the machine's cores (each thread probes its own copy of the module). A panic in the loss
/// is raised again here, with its message.
pub(crate) fn along_entries<M: Module>(module: &M, loss: &Loss<M>, at: &At, p: &Parameter, entries: &[usize], eps: f64) -> Vec<f64> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(entries.len().max(1));
    let chunk = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                let module = module.clone();
                s.spawn(move || {
                    let diff = |i: usize| {
                        let f = |x: &[f64]| loss_with_entry(&module, loss, at, p, i, x[i]);
                        central_difference(&f, &p.values, i, eps)
                    };
                    part.iter().map(|&i| diff(i)).collect::<Vec<f64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// The directional derivative `d/dt L(θ + t v)` at `t = 0`, `v` a direction in parameter
/// `p`, by the same five-point stencil in `t`: four evaluations of the loss.
pub(crate) fn along_direction<M: Module>(module: &M, loss: &Loss<M>, at: &At, p: &Parameter, v: &[f64], eps: f64) -> f64 {
    central_difference(&|t: &[f64]| loss_along(module, loss, at, p, v, t[0]), &[0.0], 0, eps)
}

/// SplitMix64 (Steele, Lea & Flood 2014), for the sampled entries and the directions: written
/// out so that what a seed picks never changes with a dependency's version.
pub(crate) struct SplitMix64(pub u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (n > 0), by Lemire's multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }

    /// A uniform float in (0, 1).
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A direction of `n` entries, uniform on the unit sphere: Gaussian entries by the
    /// Box–Muller transform, divided by their norm.
    pub(crate) fn direction(&mut self, n: usize) -> Vec<f64> {
        let mut v: Vec<f64> = (0..n)
            .map(|_| (-2.0 * self.unit().ln()).sqrt() * (std::f64::consts::TAU * self.unit()).cos())
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        v
    }
}

/// `k` distinct indices below `n`, sorted.
pub(crate) fn sample(rng: &mut SplitMix64, n: usize, k: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + rng.below(n - i);
        all.swap(i, j);
    }
    let mut picked = all[..k].to_vec();
    picked.sort_unstable();
    picked
}

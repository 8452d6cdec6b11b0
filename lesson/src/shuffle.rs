//! The order of the training images in an epoch: in order (the lab) or a seeded shuffle.
//!
//! The shuffle of epoch `e` depends only on `(seed, e)`, so a resumed run sees exactly the
//! order the uninterrupted run saw, without saving any generator state. The generator is
//! SplitMix64, written out here so that the order never changes with a dependency's version.

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (n > 0), by Lemire's multiply-shift (bias < n / 2⁶⁴).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// The image order of epoch `epoch` (0-based) for `n` images: `None` = in order.
pub fn epoch_order(n: usize, epoch: usize, seed: Option<u64>) -> Option<Vec<usize>> {
    let seed = seed?;
    let mut rng = SplitMix64::new(seed ^ (epoch as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
    let mut order: Vec<usize> = (0..n).collect();
    // Fisher–Yates.
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    Some(order)
}

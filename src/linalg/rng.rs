//! SplitMix64: a tiny deterministic stream for reproducible starting vectors.
//!
//! The crate's only hand-written generator: starting blocks and Newton starts must not depend
//! on a `rand` version's stream, and the tests reuse it for reproducible random points.

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by the golden-ratio increment.
///
/// ```
/// let mut a = actbif::linalg::SplitMix64::new(7);
/// let mut b = actbif::linalg::SplitMix64::new(7);
/// let x = a.next_signed();
/// assert!((-1.0..1.0).contains(&x));
/// assert_eq!(x, b.next_signed());
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [−1, 1).
    pub fn next_signed(&mut self) -> f64 {
        self.next_unit() * 2.0 - 1.0
    }
}

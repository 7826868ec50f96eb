//! The random numbers of a simulation, and the draws made from them.
//!
//! Every contact has its own ChaCha8 stream: the run's key comes from the seed
//! ([`run_key`]), the stream number from the contact's audience group (a hash of its name,
//! [`group_tag`]) and index in it, so adding a group or contacts to another group changes
//! nobody's numbers. One ChaCha8 block per contact and month ([`month_seeds`]) seeds a
//! SplitMix64 generator per purpose ([`segment`]): conversations, utility notifications,
//! authentication codes, and one per marketing campaign (by the campaign's name). Every item
//! (a conversation, a blast, a notification) takes a fixed number of draws from its purpose
//! whatever the scenario's values, and a draw that decides one thing is used for that thing
//! only. So two scenarios run with one seed use the same random numbers for the same
//! decisions (common random numbers): raising the automation share turns exactly the
//! conversations whose draw falls under the new share into bot conversations, and leaves
//! every template where it was. Variable-length details (the gaps between a conversation's
//! messages) come from a generator seeded by one draw of the conversation.
//!
//! Counts and delays are drawn by inversion from one uniform draw each ([`rounded`],
//! [`poisson`], [`exponential`], [`inverse_normal`]), so a higher mean never gives fewer.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The ChaCha key of a run.
pub(super) fn run_key(seed: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut key);
    key
}

/// A contact's random seeds for one month: one ChaCha8 block of the contact's `stream`.
pub(super) fn month_seeds(key: &[u8; 32], stream: u64, month: u32) -> [u64; 2] {
    let mut r = ChaCha8Rng::from_seed(*key);
    r.set_stream(stream);
    r.set_word_pos(u128::from(month) * 64);
    [r.next_u64(), r.next_u64()]
}

/// The generator of one purpose (a segment) of a contact's month.
pub(super) fn segment(seeds: &[u64; 2], segment: u32) -> SplitMix {
    let mut m = SplitMix(seeds[1] ^ u64::from(segment).wrapping_mul(0xd6e8_feb8_6659_fd93));
    SplitMix(seeds[0] ^ m.next())
}

/// The tag of an audience group's streams: a hash of its name, moved on while another group
/// (`taken`) already has it.
pub(super) fn group_tag(name: &str, taken: &[u32]) -> u32 {
    let mut tag = fnv32(name.as_bytes());
    while taken.contains(&tag) {
        tag = tag.wrapping_add(0x9e37_79b9);
    }
    tag
}

/// FNV-1a, 32 bits: a stable hash of a name (a group's, a campaign's).
pub(super) fn fnv32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// SplitMix64: the fast generator of one purpose, seeded from ChaCha output.
pub(super) struct SplitMix(pub(super) u64);

impl SplitMix {
    /// The next 64 random bits.
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1) from the top 53 bits of a draw.
    pub(super) fn u01(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `N` uniform numbers in [0, 1), drawn in order.
    pub(super) fn draws<const N: usize>(&mut self) -> [f64; N] {
        let mut u = [0.0; N];
        for x in &mut u {
            *x = self.u01();
        }
        u
    }
}

/// The whole part of `mean`, plus one with the probability of its fraction.
pub(super) fn rounded(mean: f64, u: f64) -> u32 {
    let whole = mean.floor();
    whole as u32 + u32::from(u < mean - whole)
}

/// A Poisson count by inversion from one uniform (so a higher mean never gives fewer).
pub(super) fn poisson(mean: f64, u: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 200.0 {
        let x = mean + mean.sqrt() * inverse_normal(u) + 0.5;
        return x.max(0.0) as u32;
    }
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u32;
    let cap = (mean * 4.0 + 60.0) as u32;
    while u >= cdf && k < cap {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
    }
    k
}

/// An exponential variate with this mean, by inversion.
pub(super) fn exponential(mean: f64, u: f64) -> f64 {
    -mean * (1.0 - u).ln()
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub(super) fn inverse_normal(u: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = u.clamp(1e-12, 1.0 - 1e-12);
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_inversion_matches_its_mean() {
        let n = 20_000;
        let mut sum = 0u64;
        for i in 0..n {
            sum += u64::from(poisson(2.5, (i as f64 + 0.5) / n as f64));
        }
        let mean = sum as f64 / n as f64;
        assert!((mean - 2.5).abs() < 0.01, "{mean}");
        assert_eq!(poisson(0.0, 0.9), 0);
        // A higher mean never gives fewer from the same draw.
        for i in 0..100 {
            let u = i as f64 / 100.0;
            assert!(poisson(1.2, u) <= poisson(1.8, u));
        }
        let big = poisson(1000.0, 0.5);
        assert!((995..=1005).contains(&big), "{big}");
    }

    #[test]
    fn rounded_counts_are_exact_for_whole_numbers() {
        assert_eq!(rounded(1.0, 0.999), 1);
        assert_eq!(rounded(2.3, 0.29), 3);
        assert_eq!(rounded(2.3, 0.31), 2);
        assert_eq!(rounded(0.0, 0.0), 0);
    }

    #[test]
    fn inverse_normal_quantiles() {
        assert!(inverse_normal(0.5).abs() < 1e-9);
        assert!((inverse_normal(0.9) - 1.281_551_565_5).abs() < 1e-8);
        assert!((inverse_normal(0.025) + 1.959_963_985).abs() < 1e-8);
        assert!((inverse_normal(0.999) - 3.090_232_306).abs() < 1e-8);
    }

    #[test]
    fn group_tags_are_fnv_hashes_moved_on_when_taken() {
        // FNV-1a test vectors.
        assert_eq!(fnv32(b""), 0x811c_9dc5);
        assert_eq!(fnv32(b"a"), 0xe40c_292c);
        assert_eq!(group_tag("a", &[]), 0xe40c_292c);
        assert_eq!(
            group_tag("a", &[0xe40c_292c]),
            0xe40c_292c_u32.wrapping_add(0x9e37_79b9)
        );
    }

    #[test]
    fn each_purpose_of_a_month_has_its_own_numbers() {
        let key = run_key(7);
        let seeds = month_seeds(&key, 1, 0);
        assert_eq!(seeds, month_seeds(&key, 1, 0), "the same seeds again");
        assert_ne!(seeds, month_seeds(&key, 1, 1), "another month");
        assert_ne!(seeds, month_seeds(&key, 2, 0), "another contact");
        let (mut a, mut b) = (segment(&seeds, 0), segment(&seeds, 1));
        assert_ne!(a.next(), b.next());
        let u = segment(&seeds, 0).u01();
        assert!((0.0..1.0).contains(&u));
    }
}

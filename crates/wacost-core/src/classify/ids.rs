//! What the classifier remembers of message ids beyond a contact's last week, so that a
//! status arriving late is never charged as a new message, and a delivery report arriving
//! after its message was settled as not delivered is charged once.
//!
//! - [`IdMemory`]: the ids (64-bit hashes, with the contact) that left a contact's recent list
//!   (older than the dedup horizon, 7 days of log time by default). Meta charges a message
//!   once, and a `read` status can come weeks after its message. The memory is bounded: two
//!   generations of at most half the bound each; when the newer is full the older is
//!   forgotten whole. So it holds at least the last `bound / 2` and at most the last `bound`
//!   ids that left the recent lists (8 bytes each, in tables at most 3/4 full). A status for
//!   an id forgotten this way is priced as a new message: the count of forgotten ids is
//!   reported, so a run that hit the bound says so.
//! - [`Awaiting`]: messages settled as not delivered because no final status had come within
//!   the status horizon, with the line they would have had if delivered. A delivery report for
//!   one of them adds that line as a correction (lines still add up to the total). At most
//!   [`MAX_AWAITING`] wait at once; when more do, the oldest is given up (counted): a delivery
//!   report for it is then only counted as a late status.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::charge::Charge;
use crate::event::BusinessId;
use crate::pricing::phone::ContactNumber;

/// The most ids [`IdMemory`] holds by default (beyond the recent lists): 4,194,304, about
/// 100 MiB at most.
pub const DEFAULT_ID_MEMORY: usize = 1 << 22;

/// The most messages that wait for a late delivery report at once.
pub const MAX_AWAITING: usize = 1 << 16;

/// The key of a message id for one (business number, contact) pair: ids are remembered per
/// pair, as the recent lists do.
pub(crate) fn key(id_hash: u64, business: BusinessId, contact: ContactNumber) -> u64 {
    let pair = contact.digits().rotate_left(17) ^ u64::from(business.0).wrapping_mul(0x9E37_79B9);
    let k = (id_hash ^ pair.wrapping_mul(0x9E37_79B9_7F4A_7C15)).rotate_left(29);
    // 0 marks an empty slot.
    k.max(1)
}

/// A set of non-zero `u64` keys: open addressing, linear probing, at most 3/4 full, so that a
/// key's slot can be computed (and fetched ahead) before it is looked up.
#[derive(Default)]
struct IdSet {
    slots: Vec<u64>,
    len: usize,
    /// 64 − log2(slots).
    shift: u32,
}

impl IdSet {
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn contains(&self, key: u64) -> bool {
        if self.len == 0 {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                0 => return false,
                k if k == key => return true,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn insert(&mut self, key: u64) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = key;
                    self.len += 1;
                    return;
                }
                k if k == key => return,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let bits = if self.slots.is_empty() {
            10
        } else {
            self.slots.len().trailing_zeros() + 1
        };
        let old = std::mem::replace(&mut self.slots, vec![0; 1 << bits]);
        self.shift = 64 - bits;
        self.len = 0;
        for k in old.into_iter().filter(|k| *k != 0) {
            self.insert(k);
        }
    }

    fn slot_address(&self, key: u64) -> Option<*const u8> {
        (self.len > 0).then(|| self.slots[self.home(key)..].as_ptr().cast())
    }
}

/// Message ids older than the dedup horizon (see the [module docs](self)).
pub(crate) struct IdMemory {
    young: IdSet,
    old: IdSet,
    /// The most ids of one generation.
    generation: usize,
    forgotten: u64,
}

impl IdMemory {
    /// A memory of at most `bound` ids (at least 2).
    pub fn new(bound: usize) -> IdMemory {
        IdMemory {
            young: IdSet::default(),
            old: IdSet::default(),
            generation: (bound / 2).max(1),
            forgotten: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.young.len == 0 && self.old.len == 0
    }

    pub fn contains(&self, key: u64) -> bool {
        self.young.contains(key) || self.old.contains(key)
    }

    pub fn insert(&mut self, key: u64) {
        if self.young.len >= self.generation {
            self.forgotten += self.old.len as u64;
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key);
    }

    /// Ids forgotten so far because the memory was full.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// The addresses a lookup of `key` reads first, to fetch them ahead.
    pub fn addresses(&self, key: u64) -> [Option<*const u8>; 2] {
        [self.young.slot_address(key), self.old.slot_address(key)]
    }
}

/// Messages settled as not delivered that a later delivery report would make charged (see
/// the [module docs](self)).
#[derive(Default)]
pub(crate) struct Awaiting {
    lines: FxHashMap<u64, Charge>,
    /// Keys in the order they came, to give up the oldest.
    order: VecDeque<u64>,
    given_up: u64,
}

impl Awaiting {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Remembers the line a message would have had if delivered.
    pub fn wait(&mut self, key: u64, line: Charge) {
        while self.lines.len() >= MAX_AWAITING {
            match self.order.pop_front() {
                Some(old) => {
                    if self.lines.remove(&old).is_some() {
                        self.given_up += 1;
                    }
                }
                None => break,
            }
        }
        if self.lines.insert(key, line).is_none() {
            self.order.push_back(key);
        }
        // Keys whose message was corrected stay in `order` until they come round: keep the
        // queue from growing past twice the map.
        if self.order.len() > 2 * MAX_AWAITING {
            let lines = &self.lines;
            self.order.retain(|k| lines.contains_key(k));
        }
    }

    /// The line a delivery report for `key` adds, once.
    pub fn delivered(&mut self, key: u64) -> Option<Charge> {
        self.lines.remove(&key)
    }

    /// Messages given up because too many were waiting.
    pub fn given_up(&self) -> u64 {
        self.given_up
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_what_it_was_given() {
        let mut s = IdSet::default();
        assert!(!s.contains(5));
        for k in 1..5000u64 {
            s.insert(k * 7919);
        }
        s.insert(7919);
        assert_eq!(s.len, 4999);
        assert!((1..5000u64).all(|k| s.contains(k * 7919)));
        assert!(!(1..5000u64).any(|k| s.contains(k * 7919 + 1)));
        assert!(s.len * 4 <= s.slots.len() * 3);
    }

    #[test]
    fn the_memory_forgets_a_whole_generation_at_its_bound() {
        let mut m = IdMemory::new(10);
        assert!(m.is_empty());
        for k in 1..=5 {
            m.insert(k);
        }
        for k in 6..=10 {
            m.insert(k);
        }
        assert!((1..=10).all(|k| m.contains(k)));
        assert_eq!(m.forgotten(), 0);
        // The eleventh starts a generation: the first five are forgotten.
        m.insert(11);
        assert!(!m.contains(1) && m.contains(6) && m.contains(11));
        assert_eq!(m.forgotten(), 5);
    }

    #[test]
    fn keys_differ_by_contact_and_business() {
        let a: ContactNumber = "+5511987654321".parse().unwrap();
        let b: ContactNumber = "+5511987654322".parse().unwrap();
        assert_ne!(key(42, BusinessId(0), a), key(42, BusinessId(0), b));
        assert_ne!(key(42, BusinessId(0), a), key(42, BusinessId(1), a));
        assert_eq!(key(42, BusinessId(3), a), key(42, BusinessId(3), a));
    }
}

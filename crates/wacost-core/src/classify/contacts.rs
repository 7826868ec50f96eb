//! Where each (business number, contact) pair's state is: an open-addressing table from the
//! pair to a position in a dense vector of states.
//!
//! A general hash map would do, but replay spends most of its time waiting for memory: for
//! every message the table slot, the contact's state and its recent message ids are three
//! cache misses in a row. Owning the table lets the classifier ask for a slot's address
//! several messages ahead ([`ContactIndex::slot_address`]) and prefetch it, so those misses
//! overlap instead of queueing. Slots are 16 bytes and the table is at most half full, so a
//! million contacts cost 32 MiB here.

use crate::event::BusinessId;
use crate::pricing::phone::ContactNumber;

/// One slot: the pair, and 1 + the position of its state (0 = empty).
#[derive(Clone, Copy, Default)]
struct Slot {
    contact: u64,
    business: u32,
    state: u32,
}

/// A map from (business, contact) to a state's position, positions given out in order of
/// insertion (0, 1, 2…).
pub(crate) struct ContactIndex {
    slots: Vec<Slot>,
    len: usize,
    /// 64 − log2(slots): the high bits of the hash pick the slot (Fibonacci hashing).
    shift: u32,
}

/// The most pairs a table holds: positions are stored as `u32`.
pub(crate) const MAX_CONTACTS: usize = u32::MAX as usize - 1;

impl Default for ContactIndex {
    fn default() -> Self {
        ContactIndex::new()
    }
}

impl ContactIndex {
    const INITIAL_BITS: u32 = 10;

    /// An empty table.
    pub fn new() -> ContactIndex {
        ContactIndex {
            slots: vec![Slot::default(); 1 << Self::INITIAL_BITS],
            len: 0,
            shift: 64 - Self::INITIAL_BITS,
        }
    }

    fn home(&self, business: BusinessId, contact: ContactNumber) -> usize {
        let key = contact.digits() ^ (u64::from(business.0) << 50 | u64::from(business.0) >> 14);
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The pair's slot: `Ok` with the position of its state, or `Err` with the empty slot
    /// where it would go (linear probing from its home slot).
    fn find(&self, business: BusinessId, contact: ContactNumber) -> Result<usize, usize> {
        let mut i = self.home(business, contact);
        loop {
            let s = self.slots[i];
            if s.state == 0 {
                return Err(i);
            }
            if s.contact == contact.digits() && s.business == business.0 {
                return Ok(s.state as usize - 1);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// The position of the pair's state, if it has one.
    pub fn get(&self, business: BusinessId, contact: ContactNumber) -> Option<usize> {
        self.find(business, contact).ok()
    }

    /// The position of the pair's state, and whether it is new (the next position, which the
    /// caller must then fill). `None` when the table already holds [`MAX_CONTACTS`].
    pub fn get_or_insert(
        &mut self,
        business: BusinessId,
        contact: ContactNumber,
    ) -> Option<(usize, bool)> {
        let empty = match self.find(business, contact) {
            Ok(position) => return Some((position, false)),
            Err(empty) => empty,
        };
        if self.len >= MAX_CONTACTS {
            return None;
        }
        let position = self.len;
        self.slots[empty] = Slot {
            contact: contact.digits(),
            business: business.0,
            state: position as u32 + 1,
        };
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        Some((position, true))
    }

    /// The address of the slot where a lookup of the pair starts, to prefetch.
    pub fn slot_address(&self, business: BusinessId, contact: ContactNumber) -> *const u8 {
        let i = self.home(business, contact);
        (&self.slots[i] as *const Slot).cast()
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.shift -= 1;
        self.slots = vec![Slot::default(); old.len() * 2];
        huge_pages(
            self.slots.as_ptr().cast(),
            self.slots.len() * size_of::<Slot>(),
        );
        let mask = self.mask();
        for s in old.into_iter().filter(|s| s.state != 0) {
            let mut i = self.home(BusinessId(s.business), ContactNumber::from_raw(s.contact));
            while self.slots[i].state != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

/// Asks the processor to bring the cache line at `p` in, without waiting for it. A hint
/// only: it never faults and changes nothing the program can observe.
#[inline]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` is a hint: it does not dereference `p` in the program's sense and
    // cannot fault, whatever the address; SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Asks Linux to back a large buffer with 2 MiB pages where it can. With 4 KiB pages,
/// nearly every random access to a table of a million contacts also misses the TLB, and
/// replay spends as long walking page tables as reading the data. A hint only: where
/// transparent huge pages are off, nothing changes.
pub(crate) fn huge_pages(start: *const u8, bytes: usize) {
    const PAGE: usize = 4096;
    if bytes < 4 << 20 {
        return;
    }
    let begin = (start as usize).next_multiple_of(PAGE);
    let end = (start as usize).saturating_add(bytes) / PAGE * PAGE;
    if end <= begin {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: MADV_HUGEPAGE changes how the kernel backs these pages, never their contents,
    // and the page-aligned range lies inside an allocation the caller owns.
    unsafe {
        libc::madvise(begin as *mut libc::c_void, end - begin, libc::MADV_HUGEPAGE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(digits: u64) -> ContactNumber {
        ContactNumber::from_digits(digits).unwrap()
    }

    #[test]
    fn positions_follow_insertion_and_survive_growth() {
        let mut t = ContactIndex::new();
        let b = BusinessId(3);
        for k in 0..5_000u64 {
            assert_eq!(
                t.get_or_insert(b, n(5511900000000 + k)),
                Some((k as usize, true))
            );
        }
        assert_eq!(t.len, 5_000);
        assert_eq!(t.get_or_insert(b, n(5511900000007)), Some((7, false)));
        assert_eq!(t.get(b, n(5511900004999)), Some(4_999));
        assert_eq!(t.get(b, n(5511900005000)), None);
        // The same contact of another business number is another pair.
        assert_eq!(t.get(BusinessId(4), n(5511900000007)), None);
        assert_eq!(
            t.get_or_insert(BusinessId(4), n(5511900000007)),
            Some((5_000, true))
        );
        assert!(t.slots.len() >= 2 * t.len);
    }
}

//! settle: what depends on a month's totals, per calendar month in the WABA's time zone.
//!
//! - Free allowances: CBP's first 1,000 service conversations per WABA per month
//!   (2023-06-01 to 2024-10-31) and the service allowance reported from 2026-10-01 (scope and
//!   size from the regime data). The earliest items of the month use the allowance first.
//! - Volume tiers (PMP, utility and authentication): a month's volume per business portfolio
//!   (here: WABA) and market is split over the bands of a loaded `Tier Pricing.csv`.
//!
//! Settlement never edits a message line: it adds adjustment lines, as an invoice does, so
//! the lines always add up to the total. Adjustment lines are dated at the first instant of
//! their month in the WABA's time zone ([`calendar`](crate::calendar)).
//!
//! It accepts charges in any order and in parts: a log split by (business number, contact)
//! can be classified part by part, and the parts' charges settled by one [`Settlement`], or
//! by one per part [`Settlement::merge`]d, with exactly the lines of one pass. That holds
//! because a month's items are ordered by [`Precedence`] (time, business number, contact,
//! the message's position among the contact's messages), which does not depend on how the
//! log interleaved contacts, and because its state is mergeable: at most the allowance's
//! size of items per scope and month, plus one counter per month, market and category.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::calendar::Month;
use crate::charge::{Charge, Flags, LineKind};
use crate::event::BusinessId;
use crate::money::Currency;
use crate::pricing::RateBook;
use crate::pricing::category::{Category, PricingModel, PricingType, Provenance};
use crate::pricing::market::MarketId;
use crate::pricing::phone::{ContactNumber, Country};
use crate::pricing::regime::AllowanceScope;

/// Which of a month's items use a free allowance first: the earlier, and at the same instant
/// the business number first by its name, then the contact, then the message's position
/// among that contact's messages. None of these depends on the order a log interleaved
/// contacts in, nor on the process (business ids are numbered per process, names are not),
/// so a log settled in parts covers the same items as in one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Precedence {
    /// When (Unix milliseconds).
    pub time_ms: i64,
    /// The business number.
    pub business: BusinessId,
    /// The recipient.
    pub contact: Option<ContactNumber>,
    /// The position among the message lines of the (business number, contact) pair.
    pub position: u32,
}

impl Precedence {
    /// The precedence of a message line.
    pub fn of(c: &Charge) -> Precedence {
        Precedence {
            time_ms: c.time_ms,
            business: c.business,
            contact: c.contact,
            position: c.position,
        }
    }
}

impl Ord for Precedence {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time_ms
            .cmp(&other.time_ms)
            .then_with(|| self.business.cmp_by_name(other.business))
            .then_with(|| self.contact.cmp(&other.contact))
            .then_with(|| self.position.cmp(&other.position))
    }
}

impl PartialOrd for Precedence {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Who shares a free allowance (a business number or a WABA), the month (WABA time zone)
/// and the category it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AllowanceKey {
    /// The business number or WABA.
    pub scope: BusinessId,
    /// The month.
    pub month: Month,
    /// The category covered.
    pub category: Category,
}

/// An item an allowance may cover, with its precedence first, so that a heap of them puts
/// the latest on top (the item itself only orders items of equal precedence: the same line
/// offered twice).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate<T> {
    precedence: Precedence,
    item: T,
}

/// The earliest items of one allowance so far: a max-heap of at most `size`, whose top is
/// the latest kept.
struct Earliest<T> {
    size: u32,
    heap: BinaryHeap<Candidate<T>>,
}

/// The items free allowances cover. Meta: the month's earliest charged items use the
/// allowance first (CBP's first 1,000 service conversations per WABA; the reported service
/// allowance from 2026-10-01), earliest by [`Precedence`]. Keeps at most the allowance's
/// size of items per scope, month and category; two of these [`Allowances::merge`] into
/// what one would have kept of both parts' items.
pub struct Allowances<T> {
    covered: FxHashMap<AllowanceKey, Earliest<T>>,
}

impl<T: Ord> Default for Allowances<T> {
    fn default() -> Self {
        Allowances {
            covered: FxHashMap::default(),
        }
    }
}

impl<T: Ord> Allowances<T> {
    /// Offers a charged line: when the regime in force on its date has an allowance for its
    /// category, `item` is kept if the line is among the allowance's earliest of its month
    /// so far.
    pub fn offer(&mut self, book: &RateBook, c: &Charge, item: T) {
        self.offer_any(book, c, item);
    }

    /// [`Allowances::offer`] for any line the allowance would cover if it were charged (an
    /// exempt service message, say): what `reconcile` needs to tell which messages Meta
    /// counts in its free tier.
    pub fn offer_any(&mut self, book: &RateBook, c: &Charge, item: T) {
        let Ok(regime) = book.regime_at(c.date) else {
            return;
        };
        // Meta (from 2026-10-01): one free tier shared by one-to-one and group messages.
        let Some(a) = regime.allowance.as_ref().filter(|a| a.covers(c.category)) else {
            return;
        };
        let scope = match a.scope {
            AllowanceScope::Waba => c.waba,
            AllowanceScope::BusinessNumber => c.business,
        };
        let key = AllowanceKey {
            scope,
            month: Month::of(c.date),
            category: a.category,
        };
        let candidate = Candidate {
            precedence: Precedence::of(c),
            item,
        };
        self.keep(key, a.size, candidate);
    }

    /// Adds the items another part of the log kept: afterwards this keeps, per allowance,
    /// the earliest of both (the allowance's size at most), whatever the order of merging.
    pub fn merge(&mut self, other: Allowances<T>) {
        for (key, part) in other.covered {
            for candidate in part.heap {
                self.keep(key, part.size, candidate);
            }
        }
    }

    fn keep(&mut self, key: AllowanceKey, size: u32, candidate: Candidate<T>) {
        let kept = self.covered.entry(key).or_insert_with(|| Earliest {
            size,
            heap: BinaryHeap::new(),
        });
        if (kept.heap.len() as u32) < kept.size {
            kept.heap.push(candidate);
        } else if kept.heap.peek().is_some_and(|top| candidate < *top) {
            kept.heap.pop();
            kept.heap.push(candidate);
        }
    }

    /// The items kept so far, with their allowance, its size and their precedence: what
    /// another process needs to [`Allowances::keep_item`] them (Spark executors send these to
    /// the driver). In no particular order.
    pub fn kept(&self) -> Vec<(AllowanceKey, u32, Precedence, T)>
    where
        T: Copy,
    {
        self.covered
            .iter()
            .flat_map(|(key, kept)| {
                kept.heap
                    .iter()
                    .map(move |c| (*key, kept.size, c.precedence, c.item))
            })
            .collect()
    }

    /// Keeps an item that another part of the log kept (one of [`Allowances::kept`]): as
    /// [`Allowances::merge`] does, the allowance keeps the earliest `size` of its items.
    pub fn keep_item(&mut self, key: AllowanceKey, size: u32, precedence: Precedence, item: T) {
        self.keep(key, size, Candidate { precedence, item });
    }

    /// The covered items of each allowance, earliest first, allowances in key order.
    pub fn into_covered(self) -> Vec<(AllowanceKey, Vec<T>)> {
        let mut all: Vec<(AllowanceKey, Vec<T>)> = self
            .covered
            .into_iter()
            .map(|(k, kept)| {
                let items = kept.heap.into_sorted_vec().into_iter().map(|c| c.item);
                (k, items.collect())
            })
            .collect();
        all.sort_by_key(|(k, _)| *k);
        all
    }
}

/// What an adjustment line repeats of the message lines it adjusts: who sent them, where,
/// at what rate, under which model and card. Public so that a settlement's state can travel
/// as data ([`SettlementState`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Basis {
    /// The business number.
    pub business: BusinessId,
    /// Its WABA.
    pub waba: BusinessId,
    /// The recipient's market.
    pub market: MarketId,
    /// The recipient's country.
    pub country: Country,
    /// The message's amount (its list rate), which the adjustment takes back.
    pub rate: Decimal,
    /// The pricing model in force.
    pub model: PricingModel,
    /// Effective date of the card used.
    pub card: NaiveDate,
    /// How sure the rate is.
    pub provenance: Option<Provenance>,
    /// The message's own category (a group message's group category, under an allowance
    /// shared with one-to-one messages).
    pub category: Category,
}

impl Basis {
    /// The basis of a message line.
    pub fn of(c: &Charge) -> Basis {
        Basis {
            category: c.category,
            business: c.business,
            waba: c.waba,
            market: c.market,
            country: c.country,
            rate: c.amount,
            model: c.model,
            card: c.card,
            provenance: c.provenance,
        }
    }
}

/// An adjustment line of a month: `quantity` items of `category` on `basis`, for `amount`.
struct Adjustment {
    kind: LineKind,
    month: Month,
    category: Category,
    pricing_type: PricingType,
    basis: Basis,
    amount: Decimal,
    quantity: i64,
}

impl Adjustment {
    /// The ledger line, dated at the first instant of its month in `timezone`. Everything
    /// that belongs to one message (contact, id, status, rule…) is empty.
    fn line(self, currency: Currency, timezone: Tz) -> Charge {
        let b = self.basis;
        Charge {
            kind: self.kind,
            time_ms: self.month.start(timezone) * 1000,
            date: self.month.first_day(),
            business: b.business,
            waba: b.waba,
            contact: None,
            position: 0,
            message_id: None,
            offer: None,
            status: None,
            model: b.model,
            category: self.category,
            pricing_type: self.pricing_type,
            market: b.market,
            country: b.country,
            rate: Some(b.rate),
            amount: self.amount,
            quantity: self.quantity,
            currency,
            conversation: None,
            provenance: b.provenance,
            card: b.card,
            rule: None,
            flags: Flags::default(),
            verdict: None,
            tokens: None,
        }
    }
}

/// What a volume counter counts: a WABA's messages of a month, market and category at one
/// list rate (volume tiers split that count over their bands).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VolumeKey {
    /// The WABA (Meta counts volume per business portfolio; here, per WABA).
    pub waba: BusinessId,
    /// The month (WABA time zone).
    pub month: Month,
    /// The market.
    pub market: MarketId,
    /// Utility, authentication or authentication-international.
    pub category: Category,
    /// The list rate of the messages counted.
    pub rate: Decimal,
    /// The country of the first message counted, shown on the discount line.
    pub country_hint: Country,
    /// Effective date of the card used.
    pub card: NaiveDate,
}

/// Monthly settlement of a run: feed it every message line ([`Settlement::observe`]), in
/// any order, possibly in parts ([`Settlement::merge`]), then [`Settlement::finish`].
pub struct Settlement<'a> {
    book: &'a RateBook,
    currency: Currency,
    timezone: Tz,
    allowances: Allowances<Basis>,
    volumes: FxHashMap<VolumeKey, u64>,
}

/// An item a free allowance may cover, as a settlement keeps it: the allowance, its size, the
/// item's precedence and the message line's basis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptItem {
    /// The allowance (scope, month, category).
    pub key: AllowanceKey,
    /// The allowance's size.
    pub size: u32,
    /// Which items go first.
    pub precedence: Precedence,
    /// The message line.
    pub basis: Basis,
}

/// A settlement's state as data ([`Settlement::state`]), to settle in another process the
/// parts of a log classified elsewhere ([`Settlement::absorb`]). Business numbers are
/// [`BusinessId`]s, numbered per process: send their names across processes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettlementState {
    /// The allowance items kept.
    pub kept: Vec<KeptItem>,
    /// The volume counters.
    pub volumes: Vec<(VolumeKey, u64)>,
}

/// What settlement found, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettlementNotes {
    /// Items covered by free allowances.
    pub allowance_items: i64,
    /// Messages whose rate a volume tier changed.
    pub tiered_messages: i64,
    /// Utility and authentication messages priced at list rate because no tier card was
    /// loaded for their month.
    pub list_rate_messages: u64,
    /// Months, markets and categories priced at list rate whose volume reached the first
    /// volume-tier discount reported (a discount may apply: load Meta's Tier Pricing file).
    pub tier_exposure: Vec<TierExposure>,
}

/// A month's utility or authentication volume in one market that reached the first
/// volume-tier discount reported, priced at list rate because no Tier Pricing file was
/// loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierExposure {
    /// The WABA (Meta counts volume per business portfolio).
    pub waba: BusinessId,
    /// The month.
    pub month: Month,
    /// The market.
    pub market: MarketId,
    /// Utility, authentication or authentication-international.
    pub category: Category,
    /// Messages charged that month.
    pub messages: u64,
    /// Where the first discount is reported to start.
    pub first_discount_from: u64,
}

impl<'a> Settlement<'a> {
    /// A settlement for one currency and WABA time zone.
    pub fn new(book: &'a RateBook, currency: Currency, timezone: Tz) -> Settlement<'a> {
        Settlement {
            book,
            currency,
            timezone,
            allowances: Allowances::default(),
            volumes: FxHashMap::default(),
        }
    }

    /// Takes a message line.
    pub fn observe(&mut self, c: &Charge) {
        if !c.billable() {
            return;
        }
        self.allowances.offer(self.book, c, Basis::of(c));
        let tiered = matches!(
            c.category,
            Category::Utility | Category::Authentication | Category::AuthenticationInternational
        );
        if c.model == PricingModel::Pmp && tiered {
            let key = VolumeKey {
                waba: c.waba,
                month: Month::of(c.date),
                market: c.market,
                category: c.category,
                rate: c.amount,
                country_hint: c.country,
                card: c.card,
            };
            let n = self.volumes.entry(key).or_default();
            *n = n.saturating_add(1);
        }
    }

    /// Adds what another settlement of the same run (same rate book, currency and time
    /// zone) observed: another part of the log, split by (business number, contact). The
    /// lines [`Settlement::finish`] gives are then those of one settlement that observed
    /// every part, whatever the order of parts and merges.
    pub fn merge(&mut self, other: Settlement<'a>) {
        debug_assert!(
            self.currency == other.currency && self.timezone == other.timezone,
            "settlements of one run share currency and time zone"
        );
        self.allowances.merge(other.allowances);
        for (key, count) in other.volumes {
            let n = self.volumes.entry(key).or_default();
            *n = n.saturating_add(count);
        }
    }

    /// What this settlement has observed, as data: the allowance items it keeps (at most an
    /// allowance's size per scope, month and category) and its volume counters. A process
    /// that settles parts of a log classified elsewhere (Spark's driver) gathers these and
    /// [`Settlement::absorb`]s them.
    pub fn state(&self) -> SettlementState {
        let mut volumes: Vec<(VolumeKey, u64)> =
            self.volumes.iter().map(|(k, n)| (*k, *n)).collect();
        volumes.sort_by_key(|(k, _)| *k);
        SettlementState {
            kept: self
                .allowances
                .kept()
                .into_iter()
                .map(|(key, size, precedence, basis)| KeptItem {
                    key,
                    size,
                    precedence,
                    basis,
                })
                .collect(),
            volumes,
        }
    }

    /// Adds the state of another settlement of the same run (same rate book, currency and
    /// time zone), as [`Settlement::merge`] does: the lines [`Settlement::finish`] gives are
    /// those of one settlement that observed every part.
    pub fn absorb(&mut self, state: SettlementState) {
        for k in state.kept {
            self.allowances
                .keep_item(k.key, k.size, k.precedence, k.basis);
        }
        for (key, count) in state.volumes {
            let n = self.volumes.entry(key).or_default();
            *n = n.saturating_add(count);
        }
    }

    /// The adjustment lines, in a stable order, and notes for the summary.
    pub fn finish(self) -> (Vec<Charge>, SettlementNotes) {
        let mut notes = SettlementNotes::default();
        let mut lines = Vec::new();
        let (currency, timezone) = (self.currency, self.timezone);
        for (key, items) in self.allowances.into_covered() {
            // One line per business number, market, country and rate; the earliest item
            // says which WABA, model and card it was.
            type Group = (BusinessId, Category, MarketId, Country, Decimal);
            let mut groups: BTreeMap<Group, (i64, Basis)> = BTreeMap::new();
            for basis in items {
                let g = groups
                    .entry((
                        basis.business,
                        basis.category,
                        basis.market,
                        basis.country,
                        basis.rate,
                    ))
                    .or_insert((0, basis));
                g.0 += 1;
            }
            for (count, basis) in groups.into_values() {
                notes.allowance_items += count;
                let line = Adjustment {
                    kind: LineKind::Allowance,
                    month: key.month,
                    category: basis.category,
                    pricing_type: PricingType::FreeTier,
                    basis,
                    amount: -(basis.rate * Decimal::from(count)),
                    quantity: count,
                };
                lines.push(line.line(currency, timezone));
            }
        }
        let mut volumes: Vec<_> = self.volumes.into_iter().collect();
        volumes.sort_by_key(|(k, _)| *k);
        // Volumes at list rate, by WABA, month, market and category (over the rates).
        let mut at_list: BTreeMap<(BusinessId, Month, MarketId, Category), u64> = BTreeMap::new();
        for (key, count) in volumes {
            let Some(tiers) = self.book.tiers_at(currency, key.month.first_day()) else {
                notes.list_rate_messages += count;
                let n = at_list
                    .entry((key.waba, key.month, key.market, key.category))
                    .or_default();
                *n = n.saturating_add(count);
                continue;
            };
            let mut delta = Decimal::ZERO;
            let mut discounted = 0i64;
            for (band, n) in tiers.split(key.market, key.category, count) {
                if band.rate != key.rate {
                    delta += (band.rate - key.rate) * Decimal::from(n);
                    discounted += n as i64;
                }
            }
            if discounted == 0 {
                continue;
            }
            notes.tiered_messages += discounted;
            let line = Adjustment {
                kind: LineKind::TierDiscount,
                month: key.month,
                category: key.category,
                pricing_type: PricingType::Regular,
                basis: Basis {
                    category: key.category,
                    business: key.waba,
                    waba: key.waba,
                    market: key.market,
                    country: key.country_hint,
                    rate: key.rate,
                    model: PricingModel::Pmp,
                    card: key.card,
                    provenance: Some(Provenance::Published),
                },
                amount: delta,
                quantity: discounted,
            };
            lines.push(line.line(currency, timezone));
        }
        for ((waba, month, market, category), messages) in at_list {
            let rule = self
                .book
                .regime_at(month.first_day())
                .ok()
                .and_then(|r| r.volume_tiers.as_ref());
            if let Some(rule) = rule
                && messages >= rule.first_discount_from
            {
                notes.tier_exposure.push(TierExposure {
                    waba,
                    month,
                    market,
                    category,
                    messages,
                    first_discount_from: rule.first_discount_from,
                });
            }
        }
        (lines, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Classifier, ClassifyConfig};
    use crate::event::{Direction, Event, MessageKind, Status};
    use chrono::DateTime;
    use rust_decimal_macros::dec;

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn book_with_allowance(size: u32) -> RateBook {
        let mut book = RateBook::embedded().unwrap();
        let cbp = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
        book.regimes.set_allowance(cbp, Some(size), None);
        book
    }

    /// A charged CBP service conversation; all of them in one second.
    fn service(business: BusinessId, contact: u64, position: u32, amount: Decimal) -> Charge {
        let waba = BusinessId::intern("settle test waba");
        let date = NaiveDate::from_ymd_opt(2023, 10, 5).unwrap();
        Charge {
            kind: LineKind::Message,
            time_ms: utc("2023-10-05T10:00:00Z"),
            date,
            business,
            waba,
            contact: Some(ContactNumber::from_digits(contact).unwrap()),
            position,
            message_id: None,
            offer: None,
            status: None,
            model: PricingModel::Cbp,
            category: Category::Service,
            pricing_type: PricingType::Regular,
            market: MarketId(0),
            country: Country::parse("BR").unwrap(),
            rate: Some(amount),
            amount,
            quantity: 1,
            currency: Currency::USD,
            conversation: Some(1),
            provenance: Some(Provenance::Published),
            card: NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
            rule: None,
            flags: Flags::default(),
            verdict: None,
            tokens: None,
        }
    }

    /// (business, rate, quantity, amount) of each allowance line.
    fn allowances(lines: &[Charge]) -> Vec<(String, Decimal, i64, Decimal)> {
        lines
            .iter()
            .filter(|c| c.kind == LineKind::Allowance)
            .map(|c| (c.business.name(), c.rate.unwrap(), c.quantity, c.amount))
            .collect()
    }

    #[test]
    fn ties_at_one_second_go_by_business_number_contact_and_position() {
        // Interned in the reverse of their names' order: ids would order them the other way.
        let second = BusinessId::intern("+1 555 0200 002");
        let first = BusinessId::intern("+1 555 0200 001");
        // Four conversations in one second, an allowance of two: 15550200001's go first, and
        // of those the contact ...002's, then contact ...009's first message (position 0).
        let items = [
            service(second, 5_511_900_000_001, 0, dec!(0.0300)),
            service(first, 5_511_900_000_009, 1, dec!(0.0040)),
            service(first, 5_511_900_000_009, 0, dec!(0.0250)),
            service(first, 5_511_900_000_002, 3, dec!(0.0100)),
        ];
        let expected = vec![
            ("15550200001".to_string(), dec!(0.0100), 1, dec!(-0.0100)),
            ("15550200001".to_string(), dec!(0.0250), 1, dec!(-0.0250)),
        ];
        let book = book_with_allowance(2);
        let settle = |order: &[usize], split: usize| {
            let mut a = Settlement::new(&book, Currency::USD, chrono_tz::UTC);
            let mut b = Settlement::new(&book, Currency::USD, chrono_tz::UTC);
            for (n, &i) in order.iter().enumerate() {
                if n < split { &mut a } else { &mut b }.observe(&items[i]);
            }
            a.merge(b);
            a.finish()
        };
        // Every order of arrival, settled whole or in two merged parts.
        let mut orders = vec![vec![0, 1, 2, 3]];
        for _ in 0..23 {
            let mut next = orders.last().unwrap().clone();
            // The next permutation in lexicographic order.
            let i = (0..3).rev().find(|&i| next[i] < next[i + 1]).unwrap();
            let j = (i + 1..4).rev().find(|&j| next[j] > next[i]).unwrap();
            next.swap(i, j);
            next[i + 1..].reverse();
            orders.push(next);
        }
        for order in &orders {
            for split in [0, 2, 4] {
                let (lines, notes) = settle(order, split);
                assert_eq!(
                    allowances(&lines),
                    expected,
                    "order {order:?}, split {split}"
                );
                assert_eq!(notes.allowance_items, 2);
            }
        }
    }

    #[test]
    fn a_state_absorbed_settles_as_a_merge() {
        // The same four conversations, an allowance of two, split in two parts: the second
        // part's state travels as data (as from a Spark executor) and is absorbed.
        let second = BusinessId::intern("+1 555 0300 002");
        let first = BusinessId::intern("+1 555 0300 001");
        let items = [
            service(second, 5_511_900_000_001, 0, dec!(0.0300)),
            service(first, 5_511_900_000_009, 1, dec!(0.0040)),
            service(first, 5_511_900_000_009, 0, dec!(0.0250)),
            service(first, 5_511_900_000_002, 3, dec!(0.0100)),
        ];
        let book = book_with_allowance(2);
        let mut a = Settlement::new(&book, Currency::USD, chrono_tz::UTC);
        let mut b = Settlement::new(&book, Currency::USD, chrono_tz::UTC);
        a.observe(&items[0]);
        a.observe(&items[1]);
        b.observe(&items[2]);
        b.observe(&items[3]);
        let state = b.state();
        // The part keeps both of its items (the allowance's size), nothing counted by volume.
        assert_eq!(state.kept.len(), 2);
        assert!(state.volumes.is_empty());
        a.absorb(state);
        let (lines, notes) = a.finish();
        assert_eq!(
            allowances(&lines),
            vec![
                ("15550300001".to_string(), dec!(0.0100), 1, dec!(-0.0100)),
                ("15550300001".to_string(), dec!(0.0250), 1, dec!(-0.0250)),
            ]
        );
        assert_eq!(notes.allowance_items, 2);
    }

    #[test]
    fn october_2023_in_asuncion_starts_when_its_skipped_midnight_would_have() {
        // Asuncion skipped 2023-10-01 00:00 (−04 to −03): the month starts at 01:00 −03,
        // 04:00Z. A conversation just before is September's, one just after October's.
        let book = RateBook::embedded().unwrap();
        let tz = chrono_tz::America::Asuncion;
        let config = ClassifyConfig {
            timezone: tz,
            ..ClassifyConfig::default()
        };
        let business = BusinessId::intern("settle test asuncion");
        let message = |time: &str, contact: u64, direction| Event {
            time_ms: utc(time),
            business,
            waba: business,
            contact: ContactNumber::from_digits(contact).unwrap(),
            direction,
            kind: MessageKind::FreeForm,
            status: Status::Delivered,
            message_id: None,
            entry_point: None,
            verdict: None,
            details: crate::event::Details::NONE,
        };
        let events = [
            message("2023-10-01T03:59:00Z", 595_981_000_001, Direction::Inbound),
            message("2023-10-01T03:59:59Z", 595_981_000_001, Direction::Outbound),
            message("2023-10-01T04:00:00Z", 595_981_000_002, Direction::Inbound),
            message("2023-10-01T04:00:00Z", 595_981_000_002, Direction::Outbound),
        ];
        let mut classifier = Classifier::new(&book, config);
        let mut settlement = Settlement::new(&book, Currency::USD, tz);
        let mut dates = Vec::new();
        classifier
            .push_all(&events, &mut |c: &Charge| {
                dates.push(c.date.to_string());
                settlement.observe(c);
            })
            .unwrap();
        assert_eq!(dates, ["2023-09-30", "2023-10-01"]);
        let (lines, notes) = settlement.finish();
        let dated: Vec<(i64, String, i64)> = lines
            .iter()
            .map(|c| (c.time_ms, c.date.to_string(), c.quantity))
            .collect();
        assert_eq!(
            dated,
            [
                (utc("2023-09-01T04:00:00Z"), "2023-09-01".to_string(), 1),
                (utc("2023-10-01T04:00:00Z"), "2023-10-01".to_string(), 1),
            ]
        );
        assert_eq!(notes.allowance_items, 2);
        assert!(
            lines
                .iter()
                .all(|c| c.amount < Decimal::ZERO && c.time_ms > 0)
        );
    }
}

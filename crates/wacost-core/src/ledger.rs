//! The Ledger: totals of the charge lines, kept as aggregates so that memory does not grow
//! with the number of messages. Analytics are group-bys over [`LedgerRow`]s (typed rows;
//! `wacost-report` turns them into a polars `DataFrame` and Parquet).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::charge::{Charge, LineKind};
use crate::event::BusinessId;
use crate::money::Currency;
use crate::pricing::category::{Category, PricingType, Provenance};
use crate::pricing::market::MarketId;
use crate::pricing::phone::Country;

/// The grouping key of a ledger row: every dimension reports group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    /// The day (WABA time zone).
    pub date: NaiveDate,
    /// Business number.
    pub business: BusinessId,
    /// Market.
    pub market: MarketId,
    /// Country.
    pub country: Country,
    /// Pricing category.
    pub category: Category,
    /// Pricing type.
    pub pricing_type: PricingType,
    /// Message line or adjustment.
    pub kind: LineKind,
}

/// Totals of a group of lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Lines.
    pub lines: u64,
    /// Messages covered (message lines count 1; allowances count what they cover).
    pub quantity: i64,
    /// Amount.
    pub amount: Decimal,
    /// Message lines priced with an estimated rate.
    pub estimated: u64,
    /// Message lines billed (amount > 0), late deliveries included.
    pub billed: u64,
}

impl Totals {
    /// Adds another group's totals. The groups of one [`Ledger`] always add up exactly (the
    /// ledger bounds the sum of its amounts).
    pub fn add(&mut self, other: &Totals) {
        self.lines += other.lines;
        self.quantity += other.quantity;
        self.amount += other.amount;
        self.estimated += other.estimated;
        self.billed += other.billed;
    }
}

/// A ledger row: a key and its totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerRow {
    /// The group.
    pub key: RowKey,
    /// Its totals.
    pub totals: Totals,
}

/// The totals of a run.
///
/// Every sum of its amounts is exact: the ledger keeps the sum of the absolute amounts it
/// was given (checked, at most [`MAX_EXACT_SUM`]), and that bounds the total, every group and
/// every sum a report makes of its rows. A line that would break the bound is not added; the
/// ledger remembers it ([`Ledger::overflow`]) and the run stops with that error rather than
/// a wrong total.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// Currency of every amount.
    pub currency: Currency,
    /// The sum of the absolute amounts added: a bound on every sum of rows.
    magnitude: Decimal,
    /// The first line (or row) that could not be added without breaking that bound.
    overflow: Option<LedgerOverflow>,
    /// The rows, in the order their keys first appeared.
    rows: Vec<(RowKey, Totals)>,
    /// Where each key's row is.
    index: FxHashMap<RowKey, usize>,
    /// The row a key of each [`recent_slot`] was last added to, + 1 (0: none yet): the
    /// lines of a day fall on a few dozen keys, found here without hashing the whole key.
    recent: [usize; RECENT_SLOTS],
}

const RECENT_SLOTS: usize = 64;

/// The largest sum of absolute amounts a ledger holds: 10^18 in the currency's units. A
/// [`Decimal`] has 28 significant digits; below 10^18 a sum keeps 10 decimals, more than any
/// rate or fee carries, so every sum is exact (beyond it a sum would round silently).
pub const MAX_EXACT_SUM: Decimal = Decimal::from_parts(2_808_348_672, 232_830_643, 0, false, 0);

/// Amounts too large to add up exactly (a sum of absolute amounts beyond [`MAX_EXACT_SUM`]).
/// Inputs are bounded when read (rates, fees, analytics costs), so this takes a vast log or
/// a hostile file; the figures are refused, never rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "amounts too large to add up exactly: a {} line of {amount} {currency} on {date} would \
     take the sum of the run's amounts past 10^18, where decimals would be lost",
    .kind.as_str()
)]
pub struct LedgerOverflow {
    /// The line's day.
    pub date: NaiveDate,
    /// Message line or adjustment.
    pub kind: LineKind,
    /// Its amount.
    pub amount: Decimal,
    /// The ledger's currency.
    pub currency: Currency,
}

/// A slot of [`Ledger::recent`] from the parts of a key that vary within a day.
fn recent_slot(k: &RowKey) -> usize {
    let mixed = usize::from(k.market.0)
        .wrapping_mul(31)
        .wrapping_add(usize::from(k.country.as_u16()).wrapping_mul(7))
        .wrapping_add((k.category as usize) << 1)
        .wrapping_add((k.pricing_type as usize) << 3)
        .wrapping_add(k.kind as usize)
        .wrapping_add(k.business.0 as usize);
    (mixed ^ (mixed >> 6)) % RECENT_SLOTS
}

impl Ledger {
    /// An empty ledger.
    pub fn new(currency: Currency) -> Ledger {
        Ledger {
            currency,
            magnitude: Decimal::ZERO,
            overflow: None,
            rows: Vec::new(),
            index: FxHashMap::default(),
            recent: [0; RECENT_SLOTS],
        }
    }

    /// The totals of a key, a new row when the key is new.
    fn row(&mut self, key: RowKey) -> &mut Totals {
        let slot = recent_slot(&key);
        let hit = self.recent[slot]
            .checked_sub(1)
            .filter(|i| self.rows[*i].0 == key);
        let i = match hit {
            Some(i) => i,
            None => {
                let i = *self.index.entry(key).or_insert_with(|| {
                    self.rows.push((key, Totals::default()));
                    self.rows.len() - 1
                });
                self.recent[slot] = i + 1;
                i
            }
        };
        &mut self.rows[i].1
    }

    /// Counts `amount` into the bound on every sum; false (and the overflow remembered) when
    /// it would break it.
    fn bound(&mut self, key: &RowKey, amount: Decimal) -> bool {
        match self
            .magnitude
            .checked_add(amount.abs())
            .filter(|m| *m <= MAX_EXACT_SUM)
        {
            Some(m) => {
                self.magnitude = m;
                true
            }
            None => {
                self.overflow.get_or_insert(LedgerOverflow {
                    date: key.date,
                    kind: key.kind,
                    amount,
                    currency: self.currency,
                });
                false
            }
        }
    }

    /// The first line that could not be added because the run's amounts would no longer add
    /// up exactly; a run checks it before it reports a figure.
    pub fn overflow(&self) -> Result<(), LedgerOverflow> {
        self.overflow.map_or(Ok(()), Err)
    }

    /// Adds a line (none when its amount would break the bound: see [`Ledger::overflow`]).
    pub fn add(&mut self, c: &Charge) {
        let key = RowKey {
            date: c.date,
            business: c.business,
            market: c.market,
            country: c.country,
            category: c.category,
            pricing_type: c.pricing_type,
            kind: c.kind,
        };
        if !self.bound(&key, c.amount) {
            return;
        }
        let t = self.row(key);
        t.lines += 1;
        t.quantity += c.quantity;
        t.amount += c.amount;
        if c.kind.charges_a_message() {
            if c.provenance == Some(Provenance::Estimated) && is_positive(c.amount) {
                t.estimated += 1;
            }
            if is_positive(c.amount) {
                t.billed += 1;
            }
        }
    }

    /// Adds the totals of a whole row (e.g. one read back from a ledger file).
    pub fn add_row(&mut self, key: RowKey, totals: &Totals) {
        if self.bound(&key, totals.amount) {
            self.row(key).add(totals);
        }
    }

    /// Adds every row of another ledger (for runs split over threads).
    pub fn merge(&mut self, other: &Ledger) {
        if let Some(o) = other.overflow {
            self.overflow.get_or_insert(o);
        }
        for (k, t) in &other.rows {
            self.add_row(*k, t);
        }
    }

    /// The rows, sorted by key.
    pub fn rows(&self) -> Vec<LedgerRow> {
        let mut v: Vec<LedgerRow> = self
            .rows
            .iter()
            .map(|(k, t)| LedgerRow {
                key: *k,
                totals: *t,
            })
            .collect();
        v.sort_by_key(|r| r.key);
        v
    }

    /// The total: the exact sum of every line.
    pub fn total(&self) -> Decimal {
        self.rows.iter().map(|(_, t)| t.amount).sum()
    }

    /// Totals grouped by any function of the key.
    pub fn group_by<K: Ord>(&self, f: impl Fn(&RowKey) -> K) -> BTreeMap<K, Totals> {
        let mut out: BTreeMap<K, Totals> = BTreeMap::new();
        for (k, t) in &self.rows {
            out.entry(f(k)).or_default().add(t);
        }
        out
    }

    /// Outbound messages priced (message lines).
    pub fn messages(&self) -> u64 {
        self.rows
            .iter()
            .filter(|(k, _)| k.kind == LineKind::Message)
            .map(|(_, t)| t.lines)
            .sum()
    }

    /// Business Agent usage lines: the data points of Meta's Business Agent Usage Insights a
    /// replay priced (each one row read).
    pub fn agent_usage_lines(&self) -> u64 {
        self.rows
            .iter()
            .filter(|(k, _)| k.kind == LineKind::AgentUsage)
            .map(|(_, t)| t.lines)
            .sum()
    }

    /// Messages (CBP: conversations) actually charged: billed message lines less those a
    /// free allowance covered.
    pub fn charged(&self) -> u64 {
        let billed: u64 = self.rows.iter().map(|(_, t)| t.billed).sum();
        let covered: i64 = self
            .rows
            .iter()
            .filter(|(k, _)| k.kind == LineKind::Allowance)
            .map(|(_, t)| t.quantity)
            .sum();
        billed.saturating_sub(covered.max(0) as u64)
    }

    /// Message lines priced with an estimated rate.
    pub fn estimated_rates_used(&self) -> u64 {
        self.rows.iter().map(|(_, t)| t.estimated).sum()
    }

    /// Messages by pricing type, with the items a free allowance covered counted as
    /// `free_tier` instead of `regular`.
    pub fn messages_by_pricing_type(&self) -> BTreeMap<PricingType, i64> {
        let mut out: BTreeMap<PricingType, i64> = BTreeMap::new();
        for (k, t) in &self.rows {
            match k.kind {
                LineKind::Message => *out.entry(k.pricing_type).or_default() += t.lines as i64,
                LineKind::Allowance => {
                    *out.entry(PricingType::FreeTier).or_default() += t.quantity;
                    *out.entry(PricingType::Regular).or_default() -= t.quantity;
                }
                // The message's line counted it as not delivered.
                LineKind::LateDelivery => {
                    *out.entry(k.pricing_type).or_default() += t.lines as i64;
                    *out.entry(PricingType::NotDelivered).or_default() -= t.lines as i64;
                }
                // Meta's usage of a period: replies, not message lines (see `agent_usage`).
                LineKind::TierDiscount | LineKind::AgentUsage => {}
            }
        }
        out
    }
}

/// `amount > 0`, without a full decimal comparison (this runs for every line).
fn is_positive(amount: Decimal) -> bool {
    amount.is_sign_positive() && !amount.is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::category::PricingModel;

    fn line(amount: Decimal) -> Charge {
        let date = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        Charge {
            kind: LineKind::Message,
            time_ms: 0,
            date,
            business: BusinessId(0),
            waba: BusinessId(0),
            contact: None,
            position: 0,
            message_id: None,
            offer: None,
            status: None,
            model: PricingModel::Pmp,
            category: Category::Marketing,
            pricing_type: PricingType::Regular,
            market: MarketId(0),
            country: Country::parse("BR").unwrap(),
            rate: Some(amount),
            amount,
            quantity: 1,
            currency: Currency::USD,
            conversation: None,
            provenance: None,
            card: date,
            rule: None,
            flags: Default::default(),
            verdict: None,
            tokens: None,
        }
    }

    #[test]
    fn amounts_that_cannot_add_up_exactly_are_refused_not_rounded() {
        let mut l = Ledger::new(Currency::USD);
        assert_eq!(MAX_EXACT_SUM, Decimal::from(1_000_000_000_000_000_000u64));
        let half = MAX_EXACT_SUM / Decimal::TWO;
        l.add(&line(Decimal::new(625, 4)));
        l.add(&line(half));
        assert_eq!(l.overflow(), Ok(()));
        // A second half takes the sum of absolute amounts past the bound; so would a
        // negative one, even though the net would fit: every group must add up too.
        l.add(&line(-half - Decimal::ONE));
        let e = l.overflow().unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "amounts too large to add up exactly: a message line of {} USD on 2026-11-02 \
                 would take the sum of the run's amounts past 10^18, where decimals would be \
                 lost",
                -half - Decimal::ONE
            )
        );
        // The refused line is not in the ledger; what is there still adds up.
        assert_eq!(l.total(), half + Decimal::new(625, 4));
        assert_eq!(l.rows()[0].totals.lines, 2);
        // A merge carries the overflow.
        let mut whole = Ledger::new(Currency::USD);
        whole.merge(&l);
        assert_eq!(whole.overflow(), Err(e));
    }
}

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
    /// Adds another group's totals.
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
#[derive(Clone, Debug)]
pub struct Ledger {
    /// Currency of every amount.
    pub currency: Currency,
    /// The rows, in the order their keys first appeared.
    rows: Vec<(RowKey, Totals)>,
    /// Where each key's row is.
    index: FxHashMap<RowKey, usize>,
    /// The row a key of each [`recent_slot`] was last added to, + 1 (0: none yet): the
    /// lines of a day fall on a few dozen keys, found here without hashing the whole key.
    recent: [usize; RECENT_SLOTS],
}

const RECENT_SLOTS: usize = 64;

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

    /// Adds a line.
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
        self.row(key).add(totals);
    }

    /// Adds every row of another ledger (for runs split over threads).
    pub fn merge(&mut self, other: &Ledger) {
        for (k, t) in &other.rows {
            self.row(*k).add(t);
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

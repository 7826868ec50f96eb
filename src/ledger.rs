//! The Ledger: totals of the charge lines, kept as aggregates so that memory does not grow
//! with the number of messages. Analytics are group-bys over [`LedgerRow`]s, available as typed
//! rows and as a polars `DataFrame`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::charge::{Charge, LineKind};
use crate::event::BusinessId;
use crate::money::Currency;
use crate::pricing::category::{Category, PricingType, Provenance};
use crate::pricing::market::{MarketId, MarketNames};
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
    /// Message lines billed (amount > 0).
    pub billed: u64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
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
    rows: FxHashMap<RowKey, Totals>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new(currency: Currency) -> Ledger {
        Ledger {
            currency,
            rows: FxHashMap::default(),
        }
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
        let t = self.rows.entry(key).or_default();
        t.lines += 1;
        t.quantity += c.quantity;
        t.amount += c.amount;
        if c.kind == LineKind::Message {
            if c.provenance == Some(Provenance::Estimated) && c.amount > Decimal::ZERO {
                t.estimated += 1;
            }
            if c.amount > Decimal::ZERO {
                t.billed += 1;
            }
        }
    }

    /// Adds every row of another ledger (for runs split over threads).
    pub fn merge(&mut self, other: &Ledger) {
        for (k, t) in &other.rows {
            self.rows.entry(*k).or_default().add(t);
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
        self.rows.values().map(|t| t.amount).sum()
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

    /// Messages (CBP: conversations) actually charged: billed message lines less those a
    /// free allowance covered.
    pub fn charged(&self) -> u64 {
        let billed: u64 = self.rows.values().map(|t| t.billed).sum();
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
        self.rows.values().map(|t| t.estimated).sum()
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
                LineKind::TierDiscount => {}
            }
        }
        out
    }

    /// The ledger as a polars `DataFrame`: one row per group, amounts as exact decimals.
    pub fn to_dataframe(&self, names: &MarketNames) -> PolarsResult<DataFrame> {
        let rows = self.rows();
        let scale = rows
            .iter()
            .map(|r| r.totals.amount.scale())
            .max()
            .unwrap_or(4)
            .max(4);
        let amounts: Vec<i128> = rows
            .iter()
            .map(|r| {
                let mut a = r.totals.amount;
                a.rescale(scale);
                a.mantissa()
            })
            .collect();
        let amount = Int128Chunked::from_vec("amount".into(), amounts)
            .into_decimal(38, scale as usize)?
            .into_series();
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let days: Vec<i32> = rows
            .iter()
            .map(|r| (r.key.date - epoch).num_days() as i32)
            .collect();
        let date = Int32Chunked::from_vec("date".into(), days)
            .into_series()
            .cast(&DataType::Date)?;
        let text = |name: &str, f: &dyn Fn(&LedgerRow) -> String| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
        };
        DataFrame::new_infer_height(vec![
            date.into(),
            text("month", &|r| {
                format!("{:04}-{:02}", r.key.date.year(), r.key.date.month())
            }),
            text("business", &|r| r.key.business.name()),
            text("market", &|r| names.name(r.key.market).to_string()),
            text("country", &|r| r.key.country.to_string()),
            text("category", &|r| r.key.category.to_string()),
            text("pricing_type", &|r| r.key.pricing_type.to_string()),
            text("line_kind", &|r| r.key.kind.as_str().to_string()),
            text("currency", &|_| self.currency.to_string()),
            Column::new(
                "lines".into(),
                rows.iter().map(|r| r.totals.lines).collect::<Vec<u64>>(),
            ),
            Column::new(
                "quantity".into(),
                rows.iter().map(|r| r.totals.quantity).collect::<Vec<i64>>(),
            ),
            Column::new(
                "billed".into(),
                rows.iter().map(|r| r.totals.billed).collect::<Vec<u64>>(),
            ),
            Column::new(
                "estimated".into(),
                rows.iter()
                    .map(|r| r.totals.estimated)
                    .collect::<Vec<u64>>(),
            ),
            amount.into(),
        ])
    }
}

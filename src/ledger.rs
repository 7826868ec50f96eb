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

/// An amount read back from a frame, whose decimals were padded to a common scale: trailing
/// zeros trimmed, but at least the four decimals of a list rate (`0.0625`, `1.2500`).
fn written_scale(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 4 && !d.is_zero() {
        d.rescale(4);
    }
    d
}

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
        if c.kind == LineKind::Message {
            if c.provenance == Some(Provenance::Estimated) && is_positive(c.amount) {
                t.estimated += 1;
            }
            if is_positive(c.amount) {
                t.billed += 1;
            }
        }
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
                LineKind::TierDiscount => {}
            }
        }
        out
    }

    /// Reads back a ledger written by [`Ledger::to_dataframe`] (e.g. from `ledger.parquet`).
    /// Market names unknown to `names` are added to it. An empty frame gives an empty ledger
    /// in USD (set [`Ledger::currency`] if you know better).
    pub fn from_dataframe(df: &DataFrame, names: &mut MarketNames) -> PolarsResult<Ledger> {
        let bad = |what: String| PolarsError::ComputeError(what.into());
        let text = |name: &str| -> PolarsResult<Vec<String>> {
            let c = df.column(name)?.cast(&DataType::String)?;
            let s = c.str()?;
            s.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.map(str::to_string)
                        .ok_or_else(|| bad(format!("ledger row {}: {name} is empty", i + 1)))
                })
                .collect()
        };
        let unsigned = |name: &str| -> PolarsResult<Vec<u64>> {
            let c = df.column(name)?.cast(&DataType::UInt64)?;
            Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
        };
        let date_col = df.column("date")?.cast(&DataType::Date)?;
        let days: Vec<Option<i32>> = date_col.date()?.physical().iter().collect();
        let amount_col = df.column("amount")?;
        let amounts: Vec<Decimal> = match amount_col.dtype() {
            DataType::Decimal(_, scale) => {
                let scale = *scale as u32;
                let d = amount_col.decimal()?;
                d.physical()
                    .iter()
                    .map(|v| Decimal::try_from_i128_with_scale(v.unwrap_or(0), scale))
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(format!("ledger amount: {e}")))?
            }
            _ => {
                let c = amount_col.cast(&DataType::String)?;
                c.str()?
                    .iter()
                    .map(|v| {
                        v.unwrap_or("0")
                            .parse::<Decimal>()
                            .map_err(|e| bad(format!("ledger amount: {e}")))
                    })
                    .collect::<PolarsResult<_>>()?
            }
        };
        let business = text("business")?;
        let market = text("market")?;
        let country = text("country")?;
        let category = text("category")?;
        let pricing_type = text("pricing_type")?;
        let kind = text("line_kind")?;
        let currency = text("currency")?;
        let lines = unsigned("lines")?;
        let billed = unsigned("billed")?;
        let estimated = unsigned("estimated")?;
        let quantity_col = df.column("quantity")?.cast(&DataType::Int64)?;
        let quantity: Vec<i64> = quantity_col.i64()?.iter().map(|v| v.unwrap_or(0)).collect();

        let mut ledger = Ledger::new(match currency.first() {
            Some(c) => c
                .parse()
                .map_err(|e| bad(format!("ledger currency: {e}")))?,
            None => "USD".parse().map_err(|e| bad(format!("{e}")))?,
        });
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let mut business_ids: BTreeMap<&str, BusinessId> = BTreeMap::new();
        for i in 0..df.height() {
            let row = i + 1;
            if currency[i] != ledger.currency.to_string() {
                return Err(bad(format!(
                    "ledger row {row}: currency {} differs from {}",
                    currency[i], ledger.currency
                )));
            }
            let date = days[i]
                .map(|d| epoch + chrono::Duration::days(i64::from(d)))
                .ok_or_else(|| bad(format!("ledger row {row}: no date")))?;
            let business = *business_ids
                .entry(business[i].as_str())
                .or_insert_with(|| BusinessId::intern(&business[i]));
            let key = RowKey {
                date,
                business,
                market: names.intern(&market[i]),
                country: Country::parse(&country[i])
                    .ok_or_else(|| bad(format!("ledger row {row}: country {:?}", country[i])))?,
                category: Category::parse(&category[i])
                    .ok_or_else(|| bad(format!("ledger row {row}: category {:?}", category[i])))?,
                pricing_type: PricingType::parse(&pricing_type[i]).ok_or_else(|| {
                    bad(format!(
                        "ledger row {row}: pricing type {:?}",
                        pricing_type[i]
                    ))
                })?,
                kind: LineKind::parse(&kind[i])
                    .ok_or_else(|| bad(format!("ledger row {row}: line kind {:?}", kind[i])))?,
            };
            ledger.row(key).add(&Totals {
                lines: lines[i],
                quantity: quantity[i],
                amount: written_scale(amounts[i]),
                estimated: estimated[i],
                billed: billed[i],
            });
        }
        Ok(ledger)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::RateBook;
    use crate::replay::{NoLines, ReplayOptions, Source, replay};

    #[test]
    fn dataframe_round_trips_through_parquet() {
        let book = RateBook::embedded().expect("embedded data");
        let log = include_str!("../data/sample_log.csv");
        let source = Source::Bytes("sample".into(), log.as_bytes().into());
        let outcome = replay(
            &book,
            &[source],
            ReplayOptions::default(),
            &mut NoLines,
            None,
        )
        .expect("sample replays");
        let ledger = outcome.ledger;
        assert!(ledger.rows().len() > 10);

        let mut df = ledger.to_dataframe(&book.names).expect("frame");
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut df)
            .expect("parquet written");
        let back = ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .expect("parquet read");

        // Read into a fresh set of names: markets are interned by name.
        let mut names = MarketNames::new();
        let read = Ledger::from_dataframe(&back, &mut names).expect("ledger read");
        assert_eq!(read.currency, ledger.currency);
        assert_eq!(read.total(), ledger.total());
        assert_eq!(read.total().to_string(), ledger.total().to_string());
        assert_eq!(read.messages(), ledger.messages());
        assert_eq!(read.charged(), ledger.charged());
        assert_eq!(read.estimated_rates_used(), ledger.estimated_rates_used());
        let name = |n: &MarketNames, r: &LedgerRow| n.name(r.key.market).to_string();
        let a: Vec<_> = ledger
            .rows()
            .iter()
            .map(|r| (name(&book.names, r), r.key.date, r.key.category, r.totals))
            .collect();
        let mut b: Vec<_> = read
            .rows()
            .iter()
            .map(|r| (name(&names, r), r.key.date, r.key.category, r.totals))
            .collect();
        let mut a = a;
        a.sort_by(|x, y| (&x.0, x.1, x.2).cmp(&(&y.0, y.1, y.2)));
        b.sort_by(|x, y| (&x.0, x.1, x.2).cmp(&(&y.0, y.1, y.2)));
        assert_eq!(a, b);
        // Read with the book's names (same market ids, so same row order), the frame of the
        // ledger read back is the frame written.
        let mut same = book.names.clone();
        let again = Ledger::from_dataframe(&back, &mut same).expect("ledger read");
        assert!(again.to_dataframe(&same).expect("frame").equals(&df));
    }

    #[test]
    fn bad_frames_are_errors() {
        let df =
            DataFrame::new_infer_height(vec![Column::new("date".into(), [1i32])]).expect("frame");
        assert!(Ledger::from_dataframe(&df, &mut MarketNames::new()).is_err());
    }
}

/// `amount > 0`, without a full decimal comparison (this runs for every line).
fn is_positive(amount: Decimal) -> bool {
    amount.is_sign_positive() && !amount.is_zero()
}

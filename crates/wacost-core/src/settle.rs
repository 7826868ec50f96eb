//! settle: what depends on a month's totals, per calendar month in the WABA's time zone.
//!
//! - Free allowances: CBP's first 1,000 service conversations per WABA per month
//!   (2023-06-01 to 2024-10-31) and the service allowance reported from 2026-10-01 (scope and
//!   size from the regime data). The earliest items of the month use the allowance first.
//! - Volume tiers (PMP, utility and authentication): a month's volume per business portfolio
//!   (here: WABA) and market is split over the bands of a loaded `Tier Pricing.csv`.
//!
//! Settlement never edits a message line: it adds adjustment lines, as an invoice does, so
//! the lines always add up to the total. It accepts charges in any order and keeps only the
//! allowance's size of items per scope and month, plus one counter per month, market and
//! category.

use std::collections::{BTreeMap, BinaryHeap};

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::charge::{Charge, Flags, LineKind};
use crate::event::BusinessId;
use crate::money::Currency;
use crate::pricing::RateBook;
use crate::pricing::category::{Category, PricingModel, PricingType, Provenance};
use crate::pricing::market::MarketId;
use crate::pricing::phone::Country;
use crate::pricing::regime::AllowanceScope;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Item {
    time: i64,
    seq: u64,
    business: BusinessId,
    waba: BusinessId,
    market: MarketId,
    country: Country,
    rate: Decimal,
    model: PricingModel,
    card: NaiveDate,
    provenance: Option<Provenance>,
}

/// Who shares a free allowance (a business number or a WABA), the month (WABA time zone)
/// and the category it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AllowanceKey {
    /// The business number or WABA.
    pub scope: BusinessId,
    /// (year, month).
    pub month: (i32, u32),
    /// The category covered.
    pub category: Category,
}

/// The items free allowances cover. Meta: the month's earliest charged items use the
/// allowance first (CBP's first 1,000 service conversations per WABA; the reported service
/// allowance from 2026-10-01). Items are ordered by their own `Ord`, which must put the
/// earlier first (time, then order of arrival).
pub struct Allowances<T> {
    covered: FxHashMap<AllowanceKey, (u32, BinaryHeap<T>)>,
    seq: u64,
}

impl<T: Ord> Default for Allowances<T> {
    fn default() -> Self {
        Allowances {
            covered: FxHashMap::default(),
            seq: 0,
        }
    }
}

impl<T: Ord> Allowances<T> {
    /// Offers a charged line: when the regime in force on its date has an allowance for its
    /// category, the item `make(n)` (n: the order of arrival) is kept if it is among the
    /// allowance's earliest of its month so far.
    pub fn offer(&mut self, book: &RateBook, c: &Charge, make: impl FnOnce(u64) -> T) {
        let Ok(regime) = book.regime_at(c.date) else {
            return;
        };
        let Some(a) = regime
            .allowance
            .as_ref()
            .filter(|a| a.category == c.category)
        else {
            return;
        };
        let scope = match a.scope {
            AllowanceScope::Waba => c.waba,
            AllowanceScope::BusinessNumber => c.business,
        };
        let key = AllowanceKey {
            scope,
            month: (c.date.year(), c.date.month()),
            category: c.category,
        };
        self.seq += 1;
        let item = make(self.seq);
        let (size, heap) = self
            .covered
            .entry(key)
            .or_insert_with(|| (a.size, BinaryHeap::new()));
        // Keep the `size` earliest items: a max-heap whose top is the latest kept.
        if (heap.len() as u32) < *size {
            heap.push(item);
        } else if heap.peek().is_some_and(|top| item < *top) {
            heap.pop();
            heap.push(item);
        }
    }

    /// The covered items of each allowance, allowances in key order.
    pub fn into_covered(self) -> Vec<(AllowanceKey, Vec<T>)> {
        let mut all: Vec<(AllowanceKey, Vec<T>)> = self
            .covered
            .into_iter()
            .map(|(k, (_, heap))| (k, heap.into_vec()))
            .collect();
        all.sort_by_key(|(k, _)| *k);
        all
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct VolumeKey {
    waba: BusinessId,
    month: (i32, u32),
    market: MarketId,
    category: Category,
    rate: Decimal,
    country_hint: Country,
    card: NaiveDate,
}

/// Monthly settlement of a run.
pub struct Settlement<'a> {
    book: &'a RateBook,
    currency: Currency,
    timezone: Tz,
    allowances: Allowances<Item>,
    volumes: FxHashMap<VolumeKey, u64>,
    tier_candidates: u64,
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
            tier_candidates: 0,
        }
    }

    /// Takes a message line.
    pub fn observe(&mut self, c: &Charge) {
        if !c.billable() {
            return;
        }
        let month = (c.date.year(), c.date.month());
        self.allowances.offer(self.book, c, |seq| Item {
            time: c.time,
            seq,
            business: c.business,
            waba: c.waba,
            market: c.market,
            country: c.country,
            rate: c.amount,
            model: c.model,
            card: c.card,
            provenance: c.provenance,
        });
        let tiered = matches!(
            c.category,
            Category::Utility | Category::Authentication | Category::AuthenticationInternational
        );
        if c.model == PricingModel::Pmp && tiered {
            self.tier_candidates += 1;
            *self
                .volumes
                .entry(VolumeKey {
                    waba: c.waba,
                    month,
                    market: c.market,
                    category: c.category,
                    rate: c.amount,
                    country_hint: c.country,
                    card: c.card,
                })
                .or_default() += 1;
        }
    }

    /// The adjustment lines, in a stable order, and notes for the summary.
    pub fn finish(mut self) -> (Vec<Charge>, SettlementNotes) {
        let mut notes = SettlementNotes::default();
        let mut lines = Vec::new();
        for (key, items) in std::mem::take(&mut self.allowances).into_covered() {
            let mut groups: BTreeMap<(BusinessId, MarketId, Country, Decimal), (i64, Item)> =
                BTreeMap::new();
            for item in items {
                let g = groups
                    .entry((item.business, item.market, item.country, item.rate))
                    .or_insert((0, item));
                g.0 += 1;
            }
            for ((business, market, country, rate), (count, item)) in groups {
                notes.allowance_items += count;
                lines.push(adjustment(
                    LineKind::Allowance,
                    self.month_start(key.month),
                    business,
                    item.waba,
                    key.category,
                    PricingType::FreeTier,
                    market,
                    country,
                    Some(rate),
                    -(rate * Decimal::from(count)),
                    count,
                    self.currency,
                    item.model,
                    item.card,
                    item.provenance,
                ));
            }
        }
        let mut volumes: Vec<_> = std::mem::take(&mut self.volumes).into_iter().collect();
        volumes.sort_by_key(|(k, _)| *k);
        for (key, count) in volumes {
            let first_day = NaiveDate::from_ymd_opt(key.month.0, key.month.1, 1);
            let tiers = first_day.and_then(|d| self.book.tiers_at(self.currency, d));
            let Some(tiers) = tiers else {
                notes.list_rate_messages += count;
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
            lines.push(adjustment(
                LineKind::TierDiscount,
                self.month_start(key.month),
                key.waba,
                key.waba,
                key.category,
                PricingType::Regular,
                key.market,
                key.country_hint,
                Some(key.rate),
                delta,
                discounted,
                self.currency,
                PricingModel::Pmp,
                key.card,
                Some(Provenance::Published),
            ));
        }
        (lines, notes)
    }

    fn month_start(&self, (y, m): (i32, u32)) -> (i64, NaiveDate) {
        let date = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
        let t = date
            .and_hms_opt(0, 0, 0)
            .and_then(|dt| self.timezone.from_local_datetime(&dt).earliest())
            .map_or(0, |d| d.timestamp());
        (t, date)
    }
}

#[allow(clippy::too_many_arguments)]
fn adjustment(
    kind: LineKind,
    (time, date): (i64, NaiveDate),
    business: BusinessId,
    waba: BusinessId,
    category: Category,
    pricing_type: PricingType,
    market: MarketId,
    country: Country,
    rate: Option<Decimal>,
    amount: Decimal,
    quantity: i64,
    currency: Currency,
    model: PricingModel,
    card: NaiveDate,
    provenance: Option<Provenance>,
) -> Charge {
    Charge {
        kind,
        time,
        date,
        business,
        waba,
        contact: None,
        message_id: None,
        offer: None,
        status: None,
        model,
        category,
        pricing_type,
        market,
        country,
        rate,
        amount,
        quantity,
        currency,
        conversation: None,
        provenance,
        card,
        rule: None,
        flags: Flags::default(),
        verdict: None,
    }
}

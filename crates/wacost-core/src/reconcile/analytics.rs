//! Our volumes and costs per period × country × category × type, next to Meta's analytics.
//!
//! What one unit is follows the analytics edge:
//!
//! - `pricing_analytics` (PMP): each **delivered** message line priced under PMP is one unit
//!   of its country, category and pricing type; its cost is the line's amount (list rate).
//! - `conversation_analytics` (CBP): each delivered CBP line that **opened** a conversation is
//!   one unit, and so is the first free-entry-point line of each 72 h free entry point window
//!   (Meta counts the window as one conversation); lines inside a conversation add nothing.
//!
//! - `business_agent_insights` (Meta Business Agent, from 2026-08-01): each delivered Business
//!   Agent reply line (category `business_agent`, charged per token) is one unit, its cost the
//!   line's amount; a line of Business Agent usage read from an insights file counts its
//!   quantity (the point's `billable_messages`). Meta's `cost` per period is compared with
//!   wacost's Business Agent charges of the same period; no other line counts.
//!
//! A free allowance (CBP's first 1,000 service conversations per WABA and month; the reported
//! PMP service allowance from 2026-10) moves the earliest charged units of the month, as
//! settlement does, to type `free_tier` at cost 0.
//!
//! Units are matched to Meta's data points by instant (`start ≤ time < end`), so Meta's day
//! boundaries (the time zone of the request) are used as they are. A dimension Meta's answer
//! lacks (no `country`, say) is summed over. Volumes must match exactly; costs within the
//! [`Tolerance`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use rustc_hash::FxHashMap;

use crate::calendar::{local_date, local_midnight};
use crate::charge::{Charge, LineKind};
use crate::event::BusinessId;
use crate::pricing::RateBook;
use crate::pricing::category::{Category, PricingModel, PricingType};
use crate::pricing::phone::{ContactNumber, Country};
use crate::read::meta_analytics::{Analytics, AnalyticsKind};
use crate::settle::Allowances;

/// How far our cost may be from Meta's and still agree.
///
/// Meta documents analytics costs as approximate (they are rounded and computed before
/// invoice adjustments), while our costs are exact sums of list rates. A cell's costs agree
/// when `|ours − Meta's| ≤ max(absolute, relative × Meta's)`. Volumes are counts and must
/// match exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
    /// A fraction of Meta's cost (0.01 = 1 %).
    pub relative: Decimal,
    /// An amount in the currency, for small cells (a cent: Meta's costs are rounded).
    pub absolute: Decimal,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            relative: dec!(0.01),
            absolute: dec!(0.01),
        }
    }
}

impl Tolerance {
    /// The largest difference allowed against Meta's cost `meta`.
    pub fn allowed(&self, meta: Decimal) -> Decimal {
        (self.relative * meta.abs()).max(self.absolute)
    }

    /// In words, for the output.
    pub fn describe(&self) -> String {
        format!(
            "volumes exact; costs within max({}, {} % of Meta's cost): Meta documents analytics \
             costs as approximate (rounded, before invoice adjustments), ours are exact sums of \
             list rates",
            self.absolute.normalize(),
            (self.relative * dec!(100)).normalize()
        )
    }
}

/// Our unit's cell inside one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct CellKey {
    period: usize,
    country: Country,
    category: Category,
    pricing_type: PricingType,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Figures {
    volume: u64,
    cost: Decimal,
}

/// A charged unit that a monthly allowance may cover (in settlement's order: see
/// [`Allowances`]).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    cell: Option<CellKey>,
    amount: Decimal,
}

/// Collects our units as lines arrive (see the [module docs](self)).
pub(crate) struct Units<'a> {
    book: &'a RateBook,
    kind: AnalyticsKind,
    periods: Vec<(i64, i64)>,
    cells: BTreeMap<CellKey, Figures>,
    fep_started: FxHashMap<(BusinessId, ContactNumber), i64>,
    allowance: Allowances<Candidate>,
    outside: u64,
    other_model: u64,
}

impl<'a> Units<'a> {
    pub(crate) fn new(book: &'a RateBook, analytics: &Analytics) -> Units<'a> {
        let mut periods: Vec<(i64, i64)> =
            analytics.points.iter().map(|p| (p.start, p.end)).collect();
        periods.sort();
        periods.dedup();
        Units {
            book,
            kind: analytics.kind,
            periods,
            cells: BTreeMap::new(),
            fep_started: FxHashMap::default(),
            allowance: Allowances::default(),
            outside: 0,
            other_model: 0,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.cells.clear();
        self.fep_started.clear();
        self.allowance = Allowances::default();
        self.outside = 0;
        self.other_model = 0;
    }

    fn period_of(&self, t: i64) -> Option<usize> {
        let i = self.periods.partition_point(|(s, _)| *s <= t);
        let i = i.checked_sub(1)?;
        (t < self.periods[i].1).then_some(i)
    }

    /// Takes a ledger line.
    pub(crate) fn line(&mut self, c: &Charge) {
        if self.kind == AnalyticsKind::BusinessAgent {
            self.agent_line(c);
            return;
        }
        if c.kind != LineKind::Message || !c.status.is_some_and(|s| s.delivered()) {
            return;
        }
        let wanted = match self.kind {
            AnalyticsKind::Pricing | AnalyticsKind::BusinessAgent => PricingModel::Pmp,
            AnalyticsKind::Conversation => PricingModel::Cbp,
        };
        let mut cell = None;
        if c.model != wanted {
            self.other_model += 1;
        } else if self.kind == AnalyticsKind::Pricing || self.opens_conversation(c) {
            // Meta's data points start and end on whole seconds.
            match self.period_of(c.time_ms.div_euclid(1000)) {
                Some(period) => {
                    let k = CellKey {
                        period,
                        country: c.country,
                        category: c.category,
                        pricing_type: c.pricing_type,
                    };
                    let f = self.cells.entry(k).or_default();
                    f.volume += 1;
                    f.cost += c.amount;
                    cell = Some(k);
                }
                None => self.outside += 1,
            }
        }
        // Settlement's rule: the month's earliest charged items use the allowance first.
        if c.amount > Decimal::ZERO {
            self.allowance.offer(
                self.book,
                c,
                Candidate {
                    cell,
                    amount: c.amount,
                },
            );
        }
    }

    /// A line against `business_agent_insights`: Business Agent replies delivered and
    /// charged, and Business Agent usage lines (their quantity); nothing else.
    fn agent_line(&mut self, c: &Charge) {
        let delivered = c.status.is_some_and(|s| s.delivered());
        let units = match c.kind {
            LineKind::AgentUsage => c.quantity.max(0) as u64,
            LineKind::Message | LineKind::LateDelivery
                if delivered && c.pricing_type != PricingType::NotDelivered =>
            {
                1
            }
            _ => return,
        };
        if c.category != Category::BusinessAgent {
            return;
        }
        match self.period_of(c.time_ms.div_euclid(1000)) {
            Some(period) => {
                let k = CellKey {
                    period,
                    country: c.country,
                    category: c.category,
                    pricing_type: PricingType::Regular,
                };
                let f = self.cells.entry(k).or_default();
                f.volume += units;
                f.cost = f.cost.checked_add(c.amount).unwrap_or(f.cost);
            }
            None => self.outside += units,
        }
    }

    /// CBP: whether a delivered line counts as a conversation.
    fn opens_conversation(&mut self, c: &Charge) -> bool {
        match c.pricing_type {
            PricingType::FreeEntryPoint => {
                let Some(contact) = c.contact else {
                    return false;
                };
                let hours = i64::from(self.book.regimes.windows.free_entry_point_hours);
                let start = self
                    .fep_started
                    .entry((c.business, contact))
                    .or_insert(i64::MIN);
                if *start == i64::MIN
                    || c.time_ms >= start.saturating_add(hours * crate::classify::HOUR_MS)
                {
                    *start = c.time_ms;
                    true
                } else {
                    false
                }
            }
            PricingType::InConversation | PricingType::NotDelivered => false,
            _ => c.conversation.is_some(),
        }
    }

    /// Compares with Meta's data points.
    pub(crate) fn compare(
        mut self,
        analytics: &Analytics,
        tolerance: Tolerance,
        timezone: Tz,
        allowance_items: i64,
    ) -> AnalyticsComparison {
        let mut notes = Vec::new();
        // Move the units the allowances cover to free_tier at cost 0.
        let mut covered = 0i64;
        for (_, items) in std::mem::take(&mut self.allowance).into_covered() {
            for item in items {
                covered += 1;
                let Some(k) = item.cell else { continue };
                if let Some(f) = self.cells.get_mut(&k) {
                    f.volume -= 1;
                    f.cost -= item.amount;
                }
                let free = CellKey {
                    pricing_type: PricingType::FreeTier,
                    ..k
                };
                self.cells.entry(free).or_default().volume += 1;
            }
        }
        self.cells.retain(|_, f| f.volume > 0 || !f.cost.is_zero());
        if covered > 0 {
            notes.push(format!(
                "{} covered by a monthly free allowance counted as free_tier at cost 0 (the \
                 month's earliest first, as settlement does)",
                super::count(covered as u64, self.kind.unit())
            ));
        }
        // Business Agent replies are never covered by an allowance: nothing to check.
        if covered != allowance_items && self.kind != AnalyticsKind::BusinessAgent {
            notes.push(format!(
                "settlement covered {allowance_items} items with free allowances but the \
                 comparison found {covered}: free_tier figures may be off"
            ));
        }
        // Meta's cells: points with one key summed (pages, tiers and phone numbers).
        type MetaKey = (
            usize,
            Option<Country>,
            Option<Category>,
            Option<PricingType>,
        );
        let mut meta: BTreeMap<MetaKey, (u64, Option<Decimal>)> = BTreeMap::new();
        for p in &analytics.points {
            let period = self
                .periods
                .binary_search(&(p.start, p.end))
                .unwrap_or_default();
            let e = meta
                .entry((period, p.country, p.category, p.pricing_type))
                .or_insert((0, Some(Decimal::ZERO)));
            e.0 = e.0.saturating_add(p.volume);
            // Each cost is at most 10^15 (see the reader): a sum past Decimal's range is no
            // bill, and is shown as unknown rather than wrapped.
            e.1 = match (e.1, p.cost) {
                (Some(a), Some(b)) => a.checked_add(b),
                _ => None,
            };
        }
        let mut covered_cells = vec![false; self.cells.len()];
        let mut rows = Vec::new();
        for (&(period, country, category, pricing_type), &(volume, cost)) in &meta {
            let mut ours = Figures::default();
            for (i, (k, f)) in self.cells.iter().enumerate() {
                if k.period == period
                    && country.is_none_or(|c| c == k.country)
                    && category.is_none_or(|c| c == k.category)
                    && pricing_type.is_none_or(|t| t == k.pricing_type)
                {
                    ours.volume += f.volume;
                    ours.cost += f.cost;
                    covered_cells[i] = true;
                }
            }
            rows.push(self.row(
                period,
                (country, category, pricing_type),
                ours,
                (volume, cost),
                tolerance,
                timezone,
            ));
        }
        // Our cells no data point of Meta's covers: Meta reported none there.
        let uncovered: Vec<(CellKey, Figures)> = self
            .cells
            .iter()
            .zip(&covered_cells)
            .filter(|(_, c)| !**c)
            .map(|((k, f), _)| (*k, *f))
            .collect();
        for (k, f) in uncovered {
            rows.push(self.row(
                k.period,
                (Some(k.country), Some(k.category), Some(k.pricing_type)),
                f,
                (0, Some(Decimal::ZERO)),
                tolerance,
                timezone,
            ));
        }
        rows.sort_by(|a, b| {
            (a.start, a.country, a.category, a.pricing_type).cmp(&(
                b.start,
                b.country,
                b.category,
                b.pricing_type,
            ))
        });
        if self.outside > 0 {
            notes.push(format!(
                "{} of the log outside the analytics periods: not compared",
                super::count(self.outside, &format!("delivered {}", self.kind.unit()))
            ));
        }
        if self.other_model > 0 {
            notes.push(format!(
                "{} priced under the other pricing model ({}): not compared with {}",
                super::count(self.other_model, "delivered message"),
                match self.kind {
                    AnalyticsKind::Pricing | AnalyticsKind::BusinessAgent => {
                        "CBP, before 2025-07-01"
                    }
                    AnalyticsKind::Conversation => "PMP, from 2025-07-01",
                },
                self.kind.as_str()
            ));
        }
        if analytics.points.iter().any(|p| p.phone_number.is_some()) {
            notes.push(
                "Meta's data points are per phone number; they are summed: the log should hold \
                 every number of the WABA"
                    .to_string(),
            );
        }
        let agreeing = rows.iter().filter(|r| r.agrees()).count() as u64;
        AnalyticsComparison {
            file: analytics.file.clone(),
            kind: analytics.kind,
            tolerance,
            compared: rows.len() as u64,
            agreeing,
            rows,
            notes,
        }
    }

    fn row(
        &self,
        period: usize,
        (country, category, pricing_type): (Option<Country>, Option<Category>, Option<PricingType>),
        ours: Figures,
        (meta_volume, meta_cost): (u64, Option<Decimal>),
        tolerance: Tolerance,
        timezone: Tz,
    ) -> CellComparison {
        let (start, end) = self.periods.get(period).copied().unwrap_or_default();
        let allowed = meta_cost.map(|m| tolerance.allowed(m));
        CellComparison {
            start,
            end,
            period: period_label(start, end, timezone),
            country,
            category,
            pricing_type,
            our_volume: ours.volume,
            meta_volume,
            our_cost: ours.cost.normalize(),
            meta_cost: meta_cost.map(|c| c.normalize()),
            allowed: allowed.map(|a| a.normalize()),
        }
    }
}

/// A period in words: a date when it is one local day in `tz`, a month when it is one local
/// month, else its UTC instants.
pub fn period_label(start: i64, end: i64, tz: Tz) -> String {
    let (sd, ed) = (local_date(tz, start), local_date(tz, end));
    if local_midnight(tz, sd) == start && local_midnight(tz, ed) == end {
        if sd.succ_opt() == Some(ed) {
            return sd.to_string();
        }
        if sd.day() == 1
            && ed.day() == 1
            && sd.checked_add_months(chrono::Months::new(1)) == Some(ed)
        {
            return sd.format("%Y-%m").to_string();
        }
        return format!("{sd}..{}", ed.pred_opt().unwrap_or(ed));
    }
    let utc = |t: i64| {
        DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|| t.to_string())
    };
    format!("{}/{}", utc(start), utc(end))
}

/// One cell of the comparison: a period, and the country, category and type Meta split by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellComparison {
    /// Start of the period (Unix seconds).
    pub start: i64,
    /// End of the period (exclusive).
    pub end: i64,
    /// The period in words (`2026-02-02`, `2026-02`, or UTC instants).
    pub period: String,
    /// Country (`None`: Meta's answer is not split by country; ours summed).
    pub country: Option<Country>,
    /// Category (`None`: summed).
    pub category: Option<Category>,
    /// Pricing or conversation type (`None`: summed).
    pub pricing_type: Option<PricingType>,
    /// Our messages (or conversations).
    pub our_volume: u64,
    /// Meta's.
    pub meta_volume: u64,
    /// Our cost (list rates).
    pub our_cost: Decimal,
    /// Meta's approximate cost (`None`: the answer has none).
    pub meta_cost: Option<Decimal>,
    /// The largest cost difference that still agrees.
    pub allowed: Option<Decimal>,
}

impl CellComparison {
    /// Volumes equal.
    pub fn volume_agrees(&self) -> bool {
        self.our_volume == self.meta_volume
    }

    /// Costs within tolerance (or Meta gave none).
    pub fn cost_agrees(&self) -> bool {
        match (self.meta_cost, self.allowed) {
            (Some(m), Some(a)) => (self.our_cost - m).abs() <= a,
            _ => true,
        }
    }

    /// Both agree.
    pub fn agrees(&self) -> bool {
        self.volume_agrees() && self.cost_agrees()
    }
}

/// The whole analytics comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyticsComparison {
    /// The analytics file.
    pub file: String,
    /// Which edge.
    pub kind: AnalyticsKind,
    /// The tolerance used.
    pub tolerance: Tolerance,
    /// Every cell, ours or Meta's, in period order.
    pub rows: Vec<CellComparison>,
    /// Cells compared.
    pub compared: u64,
    /// Cells that agree.
    pub agreeing: u64,
    /// What was left out or assumed.
    pub notes: Vec<String>,
}

impl AnalyticsComparison {
    /// Agreeing cells / cells; `None` when there is no cell.
    pub fn agreement(&self) -> Option<f64> {
        (self.compared > 0).then(|| self.agreeing as f64 / self.compared as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_has_a_floor() {
        let t = Tolerance::default();
        assert_eq!(t.allowed(dec!(0.125)), dec!(0.01));
        assert_eq!(t.allowed(dec!(250)), dec!(2.50));
        assert!(
            t.describe()
                .starts_with("volumes exact; costs within max(0.01, 1 % of Meta's cost)")
        );
    }

    #[test]
    fn periods_in_words() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        // 2025-06-06 00:00 PDT .. 2025-06-07 00:00 PDT.
        assert_eq!(period_label(1_749_193_200, 1_749_279_600, la), "2025-06-06");
        assert_eq!(
            period_label(1_749_193_200, 1_749_279_600, chrono_tz::UTC),
            "2025-06-06T07:00:00Z/2025-06-07T07:00:00Z"
        );
        // 2026-02-01 .. 2026-03-01 UTC.
        assert_eq!(
            period_label(1_769_904_000, 1_772_323_200, chrono_tz::UTC),
            "2026-02"
        );
        assert_eq!(
            period_label(1_769_904_000, 1_770_076_800, chrono_tz::UTC),
            "2026-02-01..2026-02-02"
        );
    }
}

//! Providers (BSPs): what each charges on top of, or besides, Meta's fees, and the bill a
//! replayed log would get under each.
//!
//! A provider's fee schedule is data (`data/providers.toml`, documented at its top) built from
//! a few primitives:
//!
//! - a monthly fee per business number, per account or per seat;
//! - a fee per message, by direction and final status, with `from`/`to` dates;
//! - a percentage markup on Meta's fee by category (or none: Meta's fee at cost);
//! - a fee per monthly active contact or per active conversation;
//! - an included quota (the first N units of a fee item each month are free);
//! - the provider's currency.
//!
//! [`Provider::bill`] turns a [`Ledger`] (Meta's fees) and [`Usage`] (message counts by
//! month) into a [`ProviderBill`] with one line per fee item and month; [`compare`] bills
//! several providers and puts them in one currency with an [`FxTable`]. Money is
//! [`Decimal`] throughout; amounts in the file are read from their text, never as floats.
//!
//! ```
//! use rust_decimal_macros::dec;
//! use wacost_core::fx::FxTable;
//! use wacost_core::ledger::Ledger;
//! use wacost_core::money::Currency;
//! use wacost_core::providers::{BillOptions, Providers};
//! use wacost_core::usage::{MonthUsage, Usage};
//!
//! let providers = Providers::embedded();
//! let twilio = providers.get("twilio").unwrap();
//! // February 2026: 10 messages in, 20 out (all delivered), no Meta fees.
//! let mut usage = Usage::new();
//! usage.insert((2026, 2), MonthUsage {
//!     inbound: 10,
//!     outbound_by_status: [0, 0, 20, 0],
//!     ..Default::default()
//! });
//! let fx = FxTable::embedded();
//! let bill = twilio
//!     .bill(&Ledger::new(Currency::USD), &usage, &BillOptions::new(&fx))
//!     .unwrap();
//! // 30 messages × USD 0.005; no failed message, so no failed-message fee.
//! assert_eq!(bill.provider_fees, dec!(0.150));
//! assert_eq!(bill.months[0].lines[1].basis, "30 messages not failed × USD 0.005");
//! assert_eq!(bill.total, dec!(0.150));
//! assert_eq!(bill.per_message, Some(dec!(0.0075)));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::fx::{FxError, FxTable, round_converted};
use crate::ledger::Ledger;
use crate::money::{Currency, Money};
use crate::pricing::category::Category;
use crate::pricing::{DataError, DataSource};
use crate::usage::{MonthUsage, Usage};

const EMBEDDED_PROVIDERS: &str = include_str!("../../../data/providers.toml");

/// Decimals of an effective cost per message (rounded half-even).
pub const PER_MESSAGE_DECIMALS: u32 = 6;

/// How sure a figure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// The provider's own pricing page or help centre.
    Published,
    /// An aggregator, a blog or a reseller quoting it.
    Secondary,
    /// A user's report or a competitor's claim, unverified.
    Reported,
    /// Our estimate.
    Estimated,
}

impl Confidence {
    /// `published`, `secondary`, `reported` or `estimated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Published => "published",
            Confidence::Secondary => "secondary",
            Confidence::Reported => "reported",
            Confidence::Estimated => "estimated",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a fee counts each calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    /// One per month: a subscription.
    Account,
    /// Each business number with traffic in the month (or [`BillOptions::numbers`]).
    Number,
    /// Each seat ([`BillOptions::seats`]).
    Seat,
    /// Each message matching the fee's direction and status.
    Message,
    /// Each contact with a message either way in the month.
    ActiveContact,
    /// Each (contact, day) with a free-form message from the business.
    ActiveConversation,
}

/// Which messages a per-message fee counts, by direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionFilter {
    /// Inbound and outbound.
    #[default]
    Any,
    /// Messages from users.
    Inbound,
    /// Messages from the business.
    Outbound,
}

/// Which outbound messages a per-message fee counts, by final status. Inbound messages have
/// no status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Every status.
    #[default]
    Any,
    /// Ended failed.
    Failed,
    /// Accepted, never known delivered.
    Sent,
    /// Delivered or read.
    Delivered,
    /// Read.
    Read,
    /// Every status but failed.
    NotFailed,
}

impl StatusFilter {
    /// Outbound messages of a month with a matching final status.
    fn outbound(self, u: &MonthUsage) -> u64 {
        let [failed, sent, delivered, read] = u.outbound_by_status;
        match self {
            StatusFilter::Any => failed + sent + delivered + read,
            StatusFilter::Failed => failed,
            StatusFilter::Sent => sent,
            StatusFilter::Delivered => delivered + read,
            StatusFilter::Read => read,
            StatusFilter::NotFailed => sent + delivered + read,
        }
    }

    /// Whether inbound messages can be counted with this filter.
    fn admits_inbound(self) -> bool {
        matches!(self, StatusFilter::Any | StatusFilter::NotFailed)
    }
}

/// One fee item of a provider.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// The label on the bill.
    pub item: String,
    /// What is counted.
    pub per: Per,
    /// Price of one unit, in the provider's currency.
    #[serde(deserialize_with = "exact")]
    pub amount: Decimal,
    /// `per = "message"`: which direction.
    #[serde(default)]
    pub direction: Option<DirectionFilter>,
    /// `per = "message"`: which final status of outbound messages.
    #[serde(default)]
    pub status: Option<StatusFilter>,
    /// Units free each month.
    #[serde(default)]
    pub included: u64,
    /// First day the fee applies (inclusive).
    #[serde(default, deserialize_with = "optional_date")]
    pub from: Option<NaiveDate>,
    /// Last day the fee applies (inclusive).
    #[serde(default, deserialize_with = "optional_date")]
    pub to: Option<NaiveDate>,
    /// Where this figure comes from, when not the provider's source.
    #[serde(default)]
    pub source: String,
    /// How sure this figure is, when not the provider's confidence.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// What a reader must know.
    #[serde(default)]
    pub notes: String,
}

impl Fee {
    /// Units of a month this fee counts, before the included quota.
    ///
    /// ```
    /// use wacost_core::providers::Providers;
    /// use wacost_core::usage::MonthUsage;
    /// let p = Providers::embedded();
    /// let twilio = p.get("twilio").unwrap();
    /// let month = MonthUsage { inbound: 10, outbound_by_status: [3, 0, 20, 0], ..Default::default() };
    /// assert_eq!(twilio.fees[0].units(&month, 1, None), 30); // not failed, either way
    /// assert_eq!(twilio.fees[1].units(&month, 1, None), 3); // failed
    /// ```
    pub fn units(&self, month: &MonthUsage, seats: u64, numbers: Option<u64>) -> u64 {
        match self.per {
            Per::Account => 1,
            Per::Number => numbers.unwrap_or(month.businesses.len() as u64),
            Per::Seat => seats,
            Per::ActiveContact => month.active_contacts,
            Per::ActiveConversation => month.service_days,
            Per::Message => {
                let status = self.status.unwrap_or_default();
                let direction = self.direction.unwrap_or_default();
                let inbound = if direction != DirectionFilter::Outbound && status.admits_inbound() {
                    month.inbound
                } else {
                    0
                };
                let outbound = if direction != DirectionFilter::Inbound {
                    status.outbound(month)
                } else {
                    0
                };
                inbound + outbound
            }
        }
    }

    /// The unit's name, singular and plural.
    fn unit_names(&self) -> (String, String) {
        let (one, many) = match self.per {
            Per::Account => ("account", "accounts"),
            Per::Number => ("number", "numbers"),
            Per::Seat => ("seat", "seats"),
            Per::ActiveContact => ("active contact", "active contacts"),
            Per::ActiveConversation => ("active conversation", "active conversations"),
            Per::Message => {
                let status = match self.status.unwrap_or_default() {
                    StatusFilter::Any => "",
                    StatusFilter::Failed => "failed ",
                    StatusFilter::Sent => "sent (undelivered) ",
                    StatusFilter::Delivered => "delivered ",
                    StatusFilter::Read => "read ",
                    StatusFilter::NotFailed => "",
                };
                let direction = match self.direction.unwrap_or_default() {
                    DirectionFilter::Any => "",
                    DirectionFilter::Inbound => "inbound ",
                    DirectionFilter::Outbound => "outbound ",
                };
                let tail = if self.status == Some(StatusFilter::NotFailed) {
                    " not failed"
                } else {
                    ""
                };
                return (
                    format!("{status}{direction}message{tail}"),
                    format!("{status}{direction}messages{tail}"),
                );
            }
        };
        (one.to_string(), many.to_string())
    }
}

/// A percentage added to Meta's fees.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Markup {
    /// The label on the bill (default: `markup on Meta's <category> fees`).
    #[serde(default)]
    pub item: String,
    /// The category marked up, `None` for all.
    #[serde(deserialize_with = "category_or_all")]
    pub category: Option<Category>,
    /// Percent: 6 for +6 %.
    #[serde(deserialize_with = "exact")]
    pub percent: Decimal,
    /// First day (inclusive).
    #[serde(default, deserialize_with = "optional_date")]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    #[serde(default, deserialize_with = "optional_date")]
    pub to: Option<NaiveDate>,
    /// Where this figure comes from, when not the provider's source.
    #[serde(default)]
    pub source: String,
    /// How sure this figure is, when not the provider's confidence.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// What a reader must know.
    #[serde(default)]
    pub notes: String,
}

impl Markup {
    /// The label on the bill.
    pub fn label(&self) -> String {
        if !self.item.is_empty() {
            return self.item.clone();
        }
        match self.category {
            Some(c) => format!("markup on Meta's {c} fees"),
            None => "markup on Meta's fees".to_string(),
        }
    }

    fn in_force(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.to.is_none_or(|t| date <= t)
    }
}

/// A provider's fee schedule, with its source.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// The key (`--providers`).
    pub name: String,
    /// Where the figures come from.
    pub source: String,
    /// When the source was dated or read.
    pub as_of: String,
    /// Currency of the provider's fees (and of its bill).
    pub currency: Currency,
    /// How sure the figures are.
    pub confidence: Confidence,
    /// What a reader must know.
    #[serde(default)]
    pub notes: String,
    /// Fee items.
    #[serde(default, rename = "fee")]
    pub fees: Vec<Fee>,
    /// Markups on Meta's fees (none: Meta's fees at cost).
    #[serde(default, rename = "markup")]
    pub markups: Vec<Markup>,
    /// The file it was read from.
    #[serde(skip)]
    pub origin: String,
}

/// Options of a bill that are not in the log.
#[derive(Clone, Copy, Debug)]
pub struct BillOptions<'a> {
    /// Seats (users, agents) for per-seat fees.
    pub seats: u64,
    /// Business numbers billed each month, instead of those with traffic in the log.
    pub numbers: Option<u64>,
    /// Exchange rates, to put Meta's fees in the provider's currency.
    pub fx: &'a FxTable,
}

impl<'a> BillOptions<'a> {
    /// One seat, numbers from the log.
    pub fn new(fx: &'a FxTable) -> BillOptions<'a> {
        BillOptions {
            seats: 1,
            numbers: None,
            fx,
        }
    }
}

/// What a bill line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Meta's fees, passed through.
    MetaFees,
    /// A percentage on Meta's fees.
    Markup,
    /// One of the provider's own fee items.
    Fee,
}

/// One line of a month's bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillLine {
    /// What it is.
    pub kind: ItemKind,
    /// The label.
    pub item: String,
    /// How it was computed: `1,234 messages × USD 0.005`.
    pub basis: String,
    /// Units charged (after the included quota), for fee lines.
    pub quantity: Option<u64>,
    /// The amount in the provider's currency.
    pub amount: Decimal,
    /// The amount in the currency it arises in (Meta's fees and markups: the card's
    /// currency), exact.
    pub original: Money,
}

/// One month of a bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthBill {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// The lines: Meta's fees, markups, then fee items in file order.
    pub lines: Vec<BillLine>,
    /// Meta's fees, in the provider's currency.
    pub meta_fees: Decimal,
    /// Markups and fee items.
    pub provider_fees: Decimal,
    /// Both.
    pub total: Decimal,
}

impl MonthBill {
    /// `2026-02`.
    pub fn label(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// The last day of the month: the day its amounts are converted on.
    pub fn last_day(&self) -> NaiveDate {
        month_bounds(self.year, self.month).1
    }
}

/// What a log would cost with one provider, in the provider's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderBill {
    /// The provider's name.
    pub provider: String,
    /// Currency of every amount but [`BillLine::original`].
    pub currency: Currency,
    /// Months with traffic, in order.
    pub months: Vec<MonthBill>,
    /// Meta's fees.
    pub meta_fees: Decimal,
    /// Markups and the provider's fee items.
    pub provider_fees: Decimal,
    /// Both.
    pub total: Decimal,
    /// Outbound messages (any final status).
    pub outbound: u64,
    /// `total / outbound`, rounded half-even to [`PER_MESSAGE_DECIMALS`]; `None` without
    /// outbound messages.
    pub per_message: Option<Decimal>,
    /// What a reader must know: fees counted over a whole month they cover only in part.
    pub notes: Vec<String>,
}

impl Provider {
    /// Bills a log: Meta's fees from the ledger (converted to the provider's currency at each
    /// month's last day when the card's currency differs, rounded half-even to 6 decimals),
    /// markups on them, and every fee item, for each month with traffic.
    ///
    /// ```
    /// use rust_decimal_macros::dec;
    /// use wacost_core::fx::FxTable;
    /// use wacost_core::ledger::Ledger;
    /// use wacost_core::money::Currency;
    /// use wacost_core::providers::{BillOptions, Providers};
    /// use wacost_core::usage::{MonthUsage, Usage};
    ///
    /// let p = Providers::embedded();
    /// let mut usage = Usage::new();
    /// usage.insert((2026, 3), MonthUsage::default());
    /// let fx = FxTable::embedded();
    /// let options = BillOptions { numbers: Some(2), ..BillOptions::new(&fx) };
    /// let bill = p.get("360dialog-regular").unwrap()
    ///     .bill(&Ledger::new(Currency::USD), &usage, &options).unwrap();
    /// assert_eq!(bill.total, dec!(50)); // 2 numbers × USD 25
    /// assert_eq!(bill.months[0].lines[1].basis, "2 numbers × USD 25");
    /// ```
    pub fn bill(
        &self,
        ledger: &Ledger,
        usage: &Usage,
        options: &BillOptions,
    ) -> Result<ProviderBill, FxError> {
        let meta_by_month = ledger.group_by(|k| (k.date.year(), k.date.month()));
        let meta_by_day = if self.markups.is_empty() {
            BTreeMap::new()
        } else {
            ledger.group_by(|k| (k.date, k.category))
        };
        let months: BTreeSet<(i32, u32)> = usage
            .keys()
            .copied()
            .chain(meta_by_month.keys().copied())
            .collect();
        let card = ledger.currency;
        let mut notes = Vec::new();
        let mut bill = ProviderBill {
            provider: self.name.clone(),
            currency: self.currency,
            months: Vec::new(),
            meta_fees: Decimal::ZERO,
            provider_fees: Decimal::ZERO,
            total: Decimal::ZERO,
            outbound: 0,
            per_message: None,
            notes: Vec::new(),
        };
        let empty = MonthUsage::default();
        for (year, month) in months {
            let (first, last) = month_bounds(year, month);
            let u = usage.get(&(year, month)).unwrap_or(&empty);
            bill.outbound += u.outbound();
            let mut lines = Vec::new();

            // Meta's fees, at cost.
            let meta = meta_by_month
                .get(&(year, month))
                .copied()
                .unwrap_or_default();
            let (amount, conversion) = self.to_own(meta.amount, card, last, options.fx)?;
            let billed = plural(meta.billed, "charged message", "charged messages");
            lines.push(BillLine {
                kind: ItemKind::MetaFees,
                item: "Meta fees".to_string(),
                basis: match conversion {
                    None => format!("Meta's rate card at cost, {billed}"),
                    Some(rate) => format!("{card} {} at {rate}, {billed}", meta.amount),
                },
                quantity: Some(meta.billed),
                amount,
                original: Money::new(meta.amount, card),
            });

            // Markups on Meta's fees, by day.
            for m in &self.markups {
                let days = first
                    .iter_days()
                    .take_while(|d| *d <= last)
                    .filter(|d| m.in_force(*d))
                    .count() as u32;
                if days == 0 {
                    continue;
                }
                let mut base = Decimal::ZERO;
                for ((date, category), t) in meta_by_day.range((first, Category::Marketing)..) {
                    if *date > last {
                        break;
                    }
                    if m.in_force(*date) && m.category.is_none_or(|c| c == *category) {
                        base += t.amount;
                    }
                }
                let original = (base * m.percent / Decimal::ONE_HUNDRED).normalize();
                let (amount, conversion) = self.to_own(original, card, last, options.fx)?;
                let what = match m.category {
                    Some(c) => format!("{c} fees"),
                    None => "fees".to_string(),
                };
                let mut basis = format!("{} % of {card} {base} Meta {what}", m.percent);
                if let Some(rate) = conversion {
                    basis.push_str(&format!(" = {card} {original} at {rate}"));
                }
                if days < last.day() {
                    basis.push_str(&format!(" (days {})", window_text(m.from, m.to)));
                }
                lines.push(BillLine {
                    kind: ItemKind::Markup,
                    item: m.label(),
                    basis,
                    quantity: None,
                    amount,
                    original: Money::new(original, card),
                });
            }

            // The provider's own fee items.
            for f in &self.fees {
                let starts_late = f.from.is_some_and(|d| d > first);
                let ends_early = f.to.is_some_and(|d| d < last);
                if f.from.is_some_and(|d| d > last) || f.to.is_some_and(|d| d < first) {
                    continue;
                }
                let units = f.units(u, options.seats, options.numbers);
                let charged = units.saturating_sub(f.included);
                let amount = Decimal::from(charged) * f.amount;
                let (one, many) = f.unit_names();
                let price = format!("{} {}", self.currency, f.amount);
                let mut basis = if f.included > 0 {
                    format!(
                        "{} − {} included = {} × {price}",
                        plural(units, &one, &many),
                        group(f.included),
                        group(charged)
                    )
                } else {
                    format!("{} × {price}", plural(units, &one, &many))
                };
                if starts_late || ends_early {
                    let note = format!(
                        "{} \"{}\" is in force {} only: usage is counted by month, so the whole \
                         of {year:04}-{month:02} is counted",
                        self.name,
                        f.item,
                        window_text(f.from, f.to)
                    );
                    basis.push_str(&format!(
                        " (in force {}, whole month counted)",
                        window_text(f.from, f.to)
                    ));
                    notes.push(note);
                }
                lines.push(BillLine {
                    kind: ItemKind::Fee,
                    item: f.item.clone(),
                    basis,
                    quantity: Some(charged),
                    amount,
                    original: Money::new(amount, self.currency),
                });
            }

            let meta_fees: Decimal = lines
                .iter()
                .filter(|l| l.kind == ItemKind::MetaFees)
                .map(|l| l.amount)
                .sum();
            let provider_fees: Decimal = lines
                .iter()
                .filter(|l| l.kind != ItemKind::MetaFees)
                .map(|l| l.amount)
                .sum();
            bill.meta_fees += meta_fees;
            bill.provider_fees += provider_fees;
            bill.months.push(MonthBill {
                year,
                month,
                lines,
                meta_fees,
                provider_fees,
                total: meta_fees + provider_fees,
            });
        }
        bill.total = bill.meta_fees + bill.provider_fees;
        bill.per_message = per_message(bill.total, bill.outbound);
        bill.notes = notes;
        Ok(bill)
    }

    /// An amount of `from` in the provider's currency on `date`, and the rate used if any.
    fn to_own(
        &self,
        amount: Decimal,
        from: Currency,
        date: NaiveDate,
        fx: &FxTable,
    ) -> Result<(Decimal, Option<String>), FxError> {
        if from == self.currency {
            return Ok((amount, None));
        }
        let rate = fx.rate(from, self.currency, date)?;
        let converted = round_converted(fx.convert(amount, from, self.currency, date)?);
        Ok((converted, Some(rate.to_string())))
    }

    /// The provider's notes, then each fee item's and markup's (`item: note`).
    pub fn all_notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.notes.is_empty() {
            out.push(self.notes.clone());
        }
        for f in &self.fees {
            if !f.notes.is_empty() {
                out.push(format!("{}: {}", f.item, f.notes));
            }
        }
        for m in &self.markups {
            if !m.notes.is_empty() {
                out.push(format!("{}: {}", m.label(), m.notes));
            }
        }
        out
    }

    fn validate(&self, origin: &DataSource, line: usize) -> Result<(), DataError> {
        let err =
            |reason: String| origin.error(line, format!("provider {:?}: {reason}", self.name));
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(err(
                "name must be letters, digits, '-', '_' or '.' (it is a --providers key)".into(),
            ));
        }
        for f in &self.fees {
            let what = format!("fee {:?}", f.item);
            if f.amount < Decimal::ZERO {
                return Err(err(format!("{what}: amount {} is negative", f.amount)));
            }
            if f.per != Per::Message && (f.direction.is_some() || f.status.is_some()) {
                return Err(err(format!(
                    "{what}: direction and status apply only to per = \"message\" fees"
                )));
            }
            let status = f.status.unwrap_or_default();
            let direction = f.direction.unwrap_or_default();
            if direction == DirectionFilter::Inbound && status != StatusFilter::Any {
                return Err(err(format!(
                    "{what}: inbound messages have no final status: remove status or set \
                     direction = \"outbound\""
                )));
            }
            if direction == DirectionFilter::Any && !status.admits_inbound() {
                return Err(err(format!(
                    "{what}: status {:?} counts outbound messages only: set direction = \
                     \"outbound\"",
                    status
                )));
            }
            check_window(f.from, f.to).map_err(|e| err(format!("{what}: {e}")))?;
        }
        for m in &self.markups {
            if m.percent < -Decimal::ONE_HUNDRED {
                return Err(err(format!(
                    "markup {:?}: percent {} is below -100",
                    m.label(),
                    m.percent
                )));
            }
            check_window(m.from, m.to).map_err(|e| err(format!("markup {:?}: {e}", m.label())))?;
        }
        Ok(())
    }
}

fn check_window(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), String> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => Err(format!("to {t} is before from {f}")),
        _ => Ok(()),
    }
}

fn window_text(from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
    match (from, to) {
        (Some(f), Some(t)) => format!("{f} to {t}"),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("to {t}"),
        (None, None) => "always".to_string(),
    }
}

/// First and last day of a month.
fn month_bounds(year: i32, month: u32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let last = next.and_then(|d| d.pred_opt()).unwrap_or(first);
    (first, last)
}

fn per_message(total: Decimal, outbound: u64) -> Option<Decimal> {
    (outbound > 0).then(|| {
        (total / Decimal::from(outbound))
            .round_dp_with_strategy(PER_MESSAGE_DECIMALS, RoundingStrategy::MidpointNearestEven)
    })
}

/// `1,234`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group(n), if n == 1 { one } else { many })
}

/// Every provider known: the embedded defaults and the user's files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Providers {
    list: Vec<Provider>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    #[serde(default)]
    provider: Vec<toml::Spanned<Provider>>,
}

/// A provider name that is not in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no provider {name:?}; known providers: {known}")]
pub struct UnknownProvider {
    /// The name asked for.
    pub name: String,
    /// The names known, comma-separated.
    pub known: String,
}

impl Providers {
    /// The embedded `data/providers.toml`.
    pub fn embedded() -> Providers {
        Providers::parse(
            EMBEDDED_PROVIDERS,
            &DataSource::embedded("embedded:data/providers.toml"),
        )
        .expect("the embedded providers file is valid")
    }

    /// Reads a providers file (format at the top of `data/providers.toml`).
    pub fn parse(text: &str, origin: &DataSource) -> Result<Providers, DataError> {
        let line_at = |offset: usize| {
            text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        };
        let file: ProvidersFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_at(s.start)).unwrap_or(1);
            origin.error(line, e.message().to_string())
        })?;
        let mut list: Vec<Provider> = Vec::with_capacity(file.provider.len());
        for spanned in file.provider {
            let line = line_at(spanned.span().start);
            let mut p = spanned.into_inner();
            p.validate(origin, line)?;
            if list.iter().any(|q| q.name.eq_ignore_ascii_case(&p.name)) {
                return Err(origin.error(
                    line,
                    format!("a second provider named {:?} in this file", p.name),
                ));
            }
            p.origin = origin.name.clone();
            list.push(p);
        }
        Ok(Providers { list })
    }

    /// Adds another file's providers: a provider of the same name (any case) is replaced in
    /// place, a new one is added at the end.
    pub fn merge(&mut self, other: Providers) {
        for p in other.list {
            match self
                .list
                .iter_mut()
                .find(|q| q.name.eq_ignore_ascii_case(&p.name))
            {
                Some(slot) => *slot = p,
                None => self.list.push(p),
            }
        }
    }

    /// Every provider, in file order.
    pub fn all(&self) -> &[Provider] {
        &self.list
    }

    /// A provider by name, any case.
    pub fn get(&self, name: &str) -> Option<&Provider> {
        let name = name.trim();
        self.list.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The providers named, in that order (every provider for an empty list).
    pub fn select(&self, names: &[String]) -> Result<Vec<&Provider>, UnknownProvider> {
        if names.is_empty() {
            return Ok(self.list.iter().collect());
        }
        let mut out: Vec<&Provider> = Vec::new();
        for n in names {
            let p = self.get(n).ok_or_else(|| UnknownProvider {
                name: n.trim().to_string(),
                known: self
                    .list
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            if !out.iter().any(|q| q.name == p.name) {
                out.push(p);
            }
        }
        Ok(out)
    }
}

/// One provider in a comparison, in the comparison's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComparedProvider {
    /// The provider's name.
    pub provider: String,
    /// Meta's fees.
    pub meta_fees: Decimal,
    /// Markups and the provider's fee items.
    pub provider_fees: Decimal,
    /// Both.
    pub total: Decimal,
    /// `total / outbound messages`, rounded half-even to [`PER_MESSAGE_DECIMALS`].
    pub per_message: Option<Decimal>,
    /// 1 for the cheapest; equal totals share a rank.
    pub rank: usize,
    /// Where the figures come from.
    pub source: String,
    /// When.
    pub as_of: String,
    /// How sure.
    pub confidence: Confidence,
    /// What a reader must know: the provider's notes, then each fee item's and markup's.
    pub notes: Vec<String>,
    /// The bill in the provider's own currency.
    pub bill: ProviderBill,
}

/// Several providers' bills for one log, in one currency, cheapest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The reporting currency.
    pub currency: Currency,
    /// One row per provider, cheapest first.
    pub rows: Vec<ComparedProvider>,
    /// Exchange rates used, and approximations.
    pub notes: Vec<String>,
}

/// Bills a log under each provider and converts every bill to `currency`: each line from the
/// currency it arises in (Meta's fees and markups from the card's currency, fee items from
/// the provider's), at its month's last day, so nothing is converted twice. Lines are
/// converted exactly; Meta's fees and the provider's fees are then rounded half-even to
/// [`CONVERTED_DECIMALS`](crate::fx::CONVERTED_DECIMALS) decimals (amounts with fewer decimals
/// are unchanged), and the total is their sum.
///
/// ```
/// use rust_decimal_macros::dec;
/// use wacost_core::fx::FxTable;
/// use wacost_core::ledger::Ledger;
/// use wacost_core::money::Currency;
/// use wacost_core::providers::{compare, BillOptions, Providers};
/// use wacost_core::usage::{MonthUsage, Usage};
///
/// let all = Providers::embedded();
/// let chosen = all.select(&["twilio".into(), "meta".into()]).unwrap();
/// let mut usage = Usage::new();
/// usage.insert((2026, 2), MonthUsage { outbound_by_status: [0, 0, 100, 0], ..Default::default() });
/// let fx = FxTable::embedded();
/// let c = compare(&chosen, &Ledger::new(Currency::USD), &usage, &BillOptions::new(&fx), Currency::EUR)
///     .unwrap();
/// assert_eq!(c.rows[0].provider, "meta");
/// assert_eq!(c.rows[1].total, dec!(0.414)); // 100 × USD 0.005 × 0.828
/// ```
pub fn compare(
    providers: &[&Provider],
    ledger: &Ledger,
    usage: &Usage,
    options: &BillOptions,
    currency: Currency,
) -> Result<Comparison, FxError> {
    let mut rows = Vec::with_capacity(providers.len());
    let mut rates: BTreeSet<String> = BTreeSet::new();
    let mut notes: Vec<String> = Vec::new();
    for p in providers {
        let bill = p.bill(ledger, usage, options)?;
        let mut meta_fees = Decimal::ZERO;
        let mut provider_fees = Decimal::ZERO;
        for m in &bill.months {
            let day = m.last_day();
            for l in &m.lines {
                let from = l.original.currency;
                if from != currency && !l.original.amount.is_zero() {
                    let rate = options.fx.rate(from, currency, day)?;
                    for r in rate.rows() {
                        rates.insert(format!(
                            "1 {} = {} {} from {} ({})",
                            r.from, r.rate, r.to, r.date, r.source
                        ));
                    }
                }
                let amount = options.fx.convert(l.original.amount, from, currency, day)?;
                if l.kind == ItemKind::MetaFees {
                    meta_fees += amount;
                } else {
                    provider_fees += amount;
                }
            }
        }
        notes.extend(bill.notes.iter().cloned());
        // Lines were converted exactly; the figures are rounded once, at the end.
        let meta_fees = round_converted(meta_fees);
        let provider_fees = round_converted(provider_fees);
        let total = meta_fees + provider_fees;
        rows.push(ComparedProvider {
            provider: p.name.clone(),
            meta_fees,
            provider_fees,
            total,
            per_message: per_message(total, bill.outbound),
            rank: 0,
            source: p.source.clone(),
            as_of: p.as_of.clone(),
            confidence: p.confidence,
            notes: p.all_notes(),
            bill,
        });
    }
    rows.sort_by(|a, b| {
        a.total
            .cmp(&b.total)
            .then_with(|| a.provider.cmp(&b.provider))
    });
    for i in 0..rows.len() {
        rows[i].rank = if i > 0 && rows[i].total == rows[i - 1].total {
            rows[i - 1].rank
        } else {
            i + 1
        };
    }
    let mut all_notes: Vec<String> = rates
        .into_iter()
        .map(|r| format!("exchange rate used: {r}"))
        .collect();
    all_notes.extend(notes);
    Ok(Comparison {
        currency,
        rows,
        notes: all_notes,
    })
}

/// Reads an exact decimal: a string (`"0.005"`) or a whole number. A TOML float is refused:
/// it was already rounded to binary by the parser.
fn exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Decimal;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a decimal number in quotes, such as \"0.005\"")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Decimal, E> {
            s.trim()
                .parse::<Decimal>()
                .map_err(|_| E::custom(format!("{s:?} is not a decimal number")))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            Err(E::custom(format!(
                "write {v} in quotes (\"{v}\"): a TOML float is binary, not an exact decimal"
            )))
        }
    }
    d.deserialize_any(V)
}

/// Reads a date: `"2026-01-01"` or a TOML date.
fn optional_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    struct V;
    fn parse<E: de::Error>(s: &str) -> Result<NaiveDate, E> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| E::custom(format!("date {s:?}: use YYYY-MM-DD")))
    }
    impl<'de> Visitor<'de> for V {
        type Value = NaiveDate;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a date, YYYY-MM-DD")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<NaiveDate, E> {
            parse(s)
        }
        // A TOML date arrives as a one-entry map holding its text.
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NaiveDate, A::Error> {
            let mut date = None;
            while let Some((_, v)) = map.next_entry::<String, String>()? {
                date = Some(parse::<A::Error>(&v)?);
            }
            date.ok_or_else(|| de::Error::custom("a date, YYYY-MM-DD"))
        }
    }
    d.deserialize_any(V).map(Some)
}

/// Reads a category, or `all` (`None`).
fn category_or_all<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Category>, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    s.parse::<Category>()
        .map(Some)
        .map_err(|e| de::Error::custom(format!("{e}, or all")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charge::{Charge, LineKind};
    use crate::event::BusinessId;
    use crate::pricing::category::{PricingModel, PricingType};
    use crate::pricing::market::MarketId;
    use crate::pricing::phone::Country;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn parse(text: &str) -> Providers {
        Providers::parse(text, &DataSource::embedded("test.toml")).unwrap()
    }

    fn parse_err(text: &str) -> DataError {
        Providers::parse(text, &DataSource::embedded("test.toml")).unwrap_err()
    }

    fn month(inbound: u64, by_status: [u64; 4]) -> MonthUsage {
        MonthUsage {
            inbound,
            outbound_by_status: by_status,
            ..Default::default()
        }
    }

    fn usage(months: &[((i32, u32), MonthUsage)]) -> Usage {
        months.iter().cloned().collect()
    }

    /// A ledger with one message line per (date, category, amount).
    fn ledger(lines: &[(&str, Category, Decimal)]) -> Ledger {
        let mut l = Ledger::new(Currency::USD);
        for (date, category, amount) in lines {
            l.add(&charge(d(date), *category, *amount));
        }
        l
    }

    fn charge(date: NaiveDate, category: Category, amount: Decimal) -> Charge {
        Charge {
            kind: LineKind::Message,
            time: 0,
            date,
            business: BusinessId(0),
            waba: BusinessId(0),
            contact: None,
            position: 0,
            message_id: None,
            offer: None,
            status: None,
            model: PricingModel::Pmp,
            category,
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
        }
    }

    fn fee_line<'a>(bill: &'a ProviderBill, month: usize, item: &str) -> &'a BillLine {
        bill.months[month]
            .lines
            .iter()
            .find(|l| l.item == item)
            .unwrap_or_else(|| panic!("no line {item:?} in {:?}", bill.months[month].lines))
    }

    fn bill(p: &Provider, ledger: &Ledger, usage: &Usage) -> ProviderBill {
        let fx = FxTable::embedded();
        p.bill(ledger, usage, &BillOptions::new(&fx)).unwrap()
    }

    #[test]
    fn embedded_file_has_the_providers_with_sources() {
        let p = Providers::embedded();
        for name in [
            "meta",
            "twilio",
            "360dialog-regular",
            "360dialog-premium",
            "gupshup",
            "callbell",
        ] {
            let x = p.get(name).unwrap_or_else(|| panic!("{name}"));
            assert!(!x.source.is_empty() && !x.as_of.is_empty(), "{name}");
        }
        assert!(p.get("meta").unwrap().fees.is_empty());
        assert_eq!(p.get("TWILIO").unwrap().name, "twilio");
    }

    #[test]
    fn twilio_per_message_fee() {
        let p = Providers::embedded();
        let twilio = p.get("twilio").unwrap();
        // 10 inbound + 20 outbound (delivered/read) = 30 × 0.005 = 0.150.
        let u = usage(&[((2026, 2), month(10, [0, 5, 10, 5]))]);
        let b = bill(twilio, &Ledger::new(Currency::USD), &u);
        let l = fee_line(&b, 0, "Twilio per-message fee");
        assert_eq!(l.amount, dec!(0.150));
        assert_eq!(l.quantity, Some(30));
        assert_eq!(l.basis, "30 messages not failed × USD 0.005");
        assert_eq!(
            fee_line(&b, 0, "failed message processing fee").amount,
            dec!(0)
        );
        assert_eq!(b.provider_fees, dec!(0.150));
        assert_eq!(b.meta_fees, dec!(0));
        assert_eq!(b.outbound, 20);
        assert_eq!(b.per_message, Some(dec!(0.0075)));
    }

    #[test]
    fn twilio_failed_message_fee_only_from_2024_09_30() {
        let p = Providers::embedded();
        let twilio = p.get("twilio").unwrap();
        // Each month: 4 failed, 6 delivered, 2 inbound.
        let m = month(2, [4, 0, 6, 0]);
        let u = usage(&[
            ((2024, 8), m.clone()),
            ((2024, 9), m.clone()),
            ((2024, 10), m),
        ]);
        let b = bill(twilio, &Ledger::new(Currency::USD), &u);
        // August: no failed fee at all; 8 messages × 0.005 = 0.040.
        assert!(
            b.months[0]
                .lines
                .iter()
                .all(|l| l.item != "failed message processing fee")
        );
        assert_eq!(b.months[0].total, dec!(0.040));
        // September: in force from the 30th; the month's count is used, with a note.
        let sep = fee_line(&b, 1, "failed message processing fee");
        assert_eq!(sep.amount, dec!(0.004));
        assert!(sep.basis.contains("whole month counted"), "{}", sep.basis);
        assert_eq!(b.notes.len(), 1, "{:?}", b.notes);
        // October: 4 × 0.001 = 0.004, plus 8 × 0.005 = 0.040.
        let oct = fee_line(&b, 2, "failed message processing fee");
        assert_eq!(oct.amount, dec!(0.004));
        assert_eq!(oct.basis, "4 failed outbound messages × USD 0.001");
        assert_eq!(b.months[2].total, dec!(0.044));
        assert_eq!(b.total, dec!(0.128));
    }

    #[test]
    fn dialog360_licence_per_number_per_month() {
        let p = Providers::embedded();
        let regular = p.get("360dialog-regular").unwrap();
        let two = MonthUsage {
            businesses: [BusinessId(1), BusinessId(2)].into_iter().collect(),
            ..Default::default()
        };
        let u = usage(&[((2026, 1), two.clone()), ((2026, 2), two)]);
        let b = bill(regular, &Ledger::new(Currency::USD), &u);
        // 2 numbers × 25 = 50 per month.
        assert_eq!(b.months[0].provider_fees, dec!(50));
        assert_eq!(b.months[1].provider_fees, dec!(50));
        assert_eq!(b.total, dec!(100));
        assert_eq!(
            fee_line(&b, 0, "Regular licence").basis,
            "2 numbers × USD 25"
        );
        // --numbers overrides the log; Premium is 49.
        let fx = FxTable::embedded();
        let options = BillOptions {
            numbers: Some(3),
            ..BillOptions::new(&fx)
        };
        let premium = p.get("360dialog-premium").unwrap();
        let b = premium
            .bill(&Ledger::new(Currency::USD), &u, &options)
            .unwrap();
        assert_eq!(b.total, dec!(294)); // 3 × 49 × 2 months
    }

    #[test]
    fn gupshup_marketing_markup_from_2026_01_01() {
        let p = Providers::embedded();
        let gupshup = p.get("gupshup").unwrap();
        let l = ledger(&[
            ("2025-12-31", Category::Marketing, dec!(1.00)),
            ("2026-01-01", Category::Marketing, dec!(0.0625)),
            ("2026-01-20", Category::Marketing, dec!(0.0625)),
            ("2026-01-20", Category::Utility, dec!(0.0080)),
        ]);
        let u = usage(&[
            ((2025, 12), month(0, [0, 0, 1, 0])),
            ((2026, 1), month(1, [0, 0, 3, 0])),
        ]);
        let b = bill(gupshup, &l, &u);
        // December: no markup; 1 message × 0.001.
        assert!(
            b.months[0]
                .lines
                .iter()
                .all(|line| line.kind != ItemKind::Markup)
        );
        assert_eq!(b.months[0].meta_fees, dec!(1.00));
        assert_eq!(b.months[0].provider_fees, dec!(0.001));
        // January: 6 % of the marketing fees 0.125 = 0.0075; utility not marked up.
        let m = fee_line(&b, 1, "markup on Meta's marketing fees");
        assert_eq!(m.amount, dec!(0.0075));
        assert_eq!(m.basis, "6 % of USD 0.1250 Meta marketing fees");
        assert_eq!(b.months[1].meta_fees, dec!(0.1330));
        // 4 messages × 0.001 + 0.0075.
        assert_eq!(b.months[1].provider_fees, dec!(0.0115));
        assert_eq!(b.total, dec!(1.1455)); // 1.001 + 0.1330 + 0.0115
    }

    #[test]
    fn markup_starts_on_the_exact_day() {
        let p = parse(
            "[[provider]]\nname = \"x\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"USD\"\n\
             confidence = \"estimated\"\n[[provider.markup]]\ncategory = \"all\"\npercent = \"10\"\n\
             from = 2026-01-15\nto = \"2026-01-20\"\n",
        );
        let l = ledger(&[
            ("2026-01-14", Category::Utility, dec!(1)),
            ("2026-01-15", Category::Utility, dec!(2)),
            ("2026-01-20", Category::Marketing, dec!(3)),
            ("2026-01-21", Category::Marketing, dec!(4)),
        ]);
        let b = bill(&p.all()[0], &l, &Usage::new());
        let m = fee_line(&b, 0, "markup on Meta's fees");
        assert_eq!(m.amount, dec!(0.5)); // 10 % of 2 + 3
        assert!(
            m.basis.ends_with("(days 2026-01-15 to 2026-01-20)"),
            "{}",
            m.basis
        );
    }

    #[test]
    fn callbell_per_active_conversation() {
        let p = Providers::embedded();
        let callbell = p.get("callbell").unwrap();
        let m = MonthUsage {
            service_days: 45,
            active_contacts: 30,
            free_form: 80,
            outbound_by_status: [0, 0, 60, 40],
            ..Default::default()
        };
        let b = bill(
            callbell,
            &ledger(&[("2026-03-02", Category::Utility, dec!(0.04))]),
            &usage(&[((2026, 3), m)]),
        );
        let l = fee_line(&b, 0, "active conversation fee");
        // 45 × 0.01 = 0.45.
        assert_eq!(l.amount, dec!(0.45));
        assert_eq!(l.basis, "45 active conversations × USD 0.01");
        assert_eq!(b.total, dec!(0.49));
        assert_eq!(b.per_message, Some(dec!(0.0049)));
    }

    #[test]
    fn included_quota_and_other_units() {
        let p = parse(
            r#"
[[provider]]
name = "contract"
source = "our contract"
as_of = "2026-01"
currency = "USD"
confidence = "published"

[[provider.fee]]
item = "platform"
per = "account"
amount = "19"

[[provider.fee]]
item = "extra numbers"
per = "number"
amount = 19
included = 1

[[provider.fee]]
item = "seats"
per = "seat"
amount = "12.50"

[[provider.fee]]
item = "MAC"
per = "active_contact"
amount = "0.05"
included = 200

[[provider.fee]]
item = "outbound delivered"
per = "message"
direction = "outbound"
status = "delivered"
amount = "0.002"
included = 1000
"#,
        );
        let c = &p.all()[0];
        let m = MonthUsage {
            inbound: 500,
            outbound_by_status: [10, 20, 700, 500],
            active_contacts: 1234,
            businesses: [BusinessId(7), BusinessId(8), BusinessId(9)]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let fx = FxTable::embedded();
        let options = BillOptions {
            seats: 3,
            ..BillOptions::new(&fx)
        };
        let b = c
            .bill(
                &Ledger::new(Currency::USD),
                &usage(&[((2026, 4), m)]),
                &options,
            )
            .unwrap();
        assert_eq!(fee_line(&b, 0, "platform").amount, dec!(19));
        // 3 numbers − 1 included = 2 × 19.
        let n = fee_line(&b, 0, "extra numbers");
        assert_eq!(n.amount, dec!(38));
        assert_eq!(n.basis, "3 numbers − 1 included = 2 × USD 19");
        assert_eq!(fee_line(&b, 0, "seats").amount, dec!(37.50));
        // 1,234 − 200 = 1,034 × 0.05 = 51.70.
        let mac = fee_line(&b, 0, "MAC");
        assert_eq!(mac.amount, dec!(51.70));
        assert_eq!(
            mac.basis,
            "1,234 active contacts − 200 included = 1,034 × USD 0.05"
        );
        // Delivered or read: 1,200 − 1,000 = 200 × 0.002 = 0.4.
        let msg = fee_line(&b, 0, "outbound delivered");
        assert_eq!(msg.amount, dec!(0.400));
        // A quota larger than the count charges nothing.
        let small = MonthUsage {
            outbound_by_status: [0, 0, 10, 0],
            ..Default::default()
        };
        let b = c
            .bill(
                &Ledger::new(Currency::USD),
                &usage(&[((2026, 5), small)]),
                &options,
            )
            .unwrap();
        assert_eq!(fee_line(&b, 0, "outbound delivered").amount, dec!(0));
        assert_eq!(fee_line(&b, 0, "extra numbers").quantity, Some(0));
        assert_eq!(b.total, dec!(56.50)); // 19 + 37.50
    }

    #[test]
    fn fees_with_an_end_date() {
        let p = parse(
            "[[provider]]\nname = \"x\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"USD\"\n\
             confidence = \"estimated\"\n[[provider.fee]]\nitem = \"old\"\nper = \"account\"\n\
             amount = 5\nto = \"2026-01-31\"\n",
        );
        let u = usage(&[
            ((2026, 1), MonthUsage::default()),
            ((2026, 2), MonthUsage::default()),
        ]);
        let b = bill(&p.all()[0], &Ledger::new(Currency::USD), &u);
        assert_eq!(b.months[0].total, dec!(5));
        assert_eq!(b.months[1].total, dec!(0));
        assert!(b.notes.is_empty());
    }

    #[test]
    fn meta_fees_converted_to_the_provider_currency() {
        let p = parse(
            "[[provider]]\nname = \"eu\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"EUR\"\n\
             confidence = \"estimated\"\n[[provider.fee]]\nitem = \"licence\"\nper = \"account\"\n\
             amount = 25\n",
        );
        let l = ledger(&[("2026-07-10", Category::Marketing, dec!(10))]);
        let u = usage(&[((2026, 7), month(0, [0, 0, 1, 0]))]);
        let b = bill(&p.all()[0], &l, &u);
        let meta = fee_line(&b, 0, "Meta fees");
        // USD 10 × 0.828 = EUR 8.28 (rate of 2026-07-01, month end 2026-07-31).
        assert_eq!(meta.amount, dec!(8.28));
        assert_eq!(meta.original, Money::new(dec!(10), Currency::USD));
        assert_eq!(
            meta.basis,
            "USD 10 at 1 USD = 0.828 EUR (2026-07-01), 1 charged message"
        );
        assert_eq!(b.total, dec!(33.28));
        // Compared in USD, the Meta line is taken from its USD original: no round trip.
        let fx = FxTable::embedded();
        let c = compare(
            &[&p.all()[0]],
            &l,
            &u,
            &BillOptions::new(&fx),
            Currency::USD,
        )
        .unwrap();
        assert_eq!(c.rows[0].meta_fees, dec!(10));
        // EUR 25 / 0.828 = 30.193236714... -> 30.193237.
        assert_eq!(c.rows[0].provider_fees, dec!(30.193237));
        assert!(
            c.notes[0].starts_with("exchange rate used: 1 USD = 0.828 EUR"),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn missing_fx_rate_is_an_error() {
        let p = parse(
            "[[provider]]\nname = \"br\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"BRL\"\n\
             confidence = \"estimated\"\n",
        );
        let l = ledger(&[("2026-02-10", Category::Marketing, dec!(1))]);
        let fx = FxTable::embedded();
        let err = p.all()[0]
            .bill(&l, &Usage::new(), &BillOptions::new(&fx))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("from USD to BRL on or before 2026-02-28"),
            "{err}"
        );
    }

    #[test]
    fn compare_ranks_cheapest_first() {
        let p = Providers::embedded();
        let chosen = p
            .select(&[
                "twilio".into(),
                "gupshup".into(),
                "meta".into(),
                "360dialog-regular".into(),
            ])
            .unwrap();
        let l = ledger(&[("2026-02-02", Category::Marketing, dec!(0.0625))]);
        let mut m = month(10, [0, 0, 20, 0]);
        m.businesses.insert(BusinessId(3));
        let u = usage(&[((2026, 2), m)]);
        let fx = FxTable::embedded();
        let c = compare(&chosen, &l, &u, &BillOptions::new(&fx), Currency::USD).unwrap();
        let order: Vec<(&str, Decimal, usize)> = c
            .rows
            .iter()
            .map(|r| (r.provider.as_str(), r.total, r.rank))
            .collect();
        assert_eq!(
            order,
            vec![
                ("meta", dec!(0.0625), 1),
                // 30 × 0.001 + 6 % of 0.0625 (0.00375) + 0.0625
                ("gupshup", dec!(0.09625), 2),
                ("twilio", dec!(0.2125), 3),
                ("360dialog-regular", dec!(25.0625), 4),
            ]
        );
        assert_eq!(c.rows[1].per_message, Some(dec!(0.004812)));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let err = p.select(&["nope".into()]).unwrap_err();
        assert!(
            err.to_string().contains("known providers: meta, twilio"),
            "{err}"
        );
    }

    #[test]
    fn user_file_adds_and_overrides_by_name() {
        let mut p = Providers::embedded();
        let n = p.all().len();
        p.merge(parse(
            "[[provider]]\nname = \"Twilio\"\nsource = \"our contract\"\nas_of = \"2026-09\"\n\
             currency = \"USD\"\nconfidence = \"published\"\n[[provider.fee]]\nitem = \"negotiated\"\n\
             per = \"message\"\namount = \"0.003\"\n\n[[provider]]\nname = \"acme\"\nsource = \"s\"\n\
             as_of = \"a\"\ncurrency = \"USD\"\nconfidence = \"reported\"\n",
        ));
        assert_eq!(p.all().len(), n + 1);
        let t = p.get("twilio").unwrap();
        assert_eq!(t.source, "our contract");
        assert_eq!(t.fees.len(), 1);
        assert_eq!(p.all()[1].name, "Twilio", "replaced in place");
        assert_eq!(p.all().last().unwrap().name, "acme");
    }

    #[test]
    fn bad_files_say_where_and_why() {
        let head = "[[provider]]\nname = \"x\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"USD\"\nconfidence = \"published\"\n";
        // A float amount.
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"message\"\namount = 0.005\n"
        ));
        assert_eq!(e.line, 10, "{e}");
        assert!(e.reason.contains("in quotes"), "{e}");
        // An unknown field.
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"message\"\namount = \"1\"\ncolour = \"red\"\n"
        ));
        assert!(e.to_string().starts_with("test.toml:11:"), "{e}");
        assert!(e.reason.contains("colour"), "{e}");
        // An unknown unit.
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"minute\"\namount = \"1\"\n"
        ));
        assert_eq!(e.line, 9, "{e}");
        // A status on inbound messages; a failed status without direction.
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"message\"\namount = \"1\"\ndirection = \"inbound\"\nstatus = \"failed\"\n"
        ));
        assert_eq!(e.line, 1, "{e}");
        assert!(
            e.reason.contains("inbound messages have no final status"),
            "{e}"
        );
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"message\"\namount = \"1\"\nstatus = \"failed\"\n"
        ));
        assert!(e.reason.contains("direction = \"outbound\""), "{e}");
        // Direction on a monthly fee; dates the wrong way round; a bad category; duplicates.
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"seat\"\namount = \"1\"\ndirection = \"any\"\n"
        ));
        assert!(e.reason.contains("only to per = \"message\""), "{e}");
        let e = parse_err(&format!(
            "{head}[[provider.fee]]\nitem = \"f\"\nper = \"seat\"\namount = \"1\"\nfrom = \"2026-02-01\"\nto = \"2026-01-01\"\n"
        ));
        assert!(e.reason.contains("before from"), "{e}");
        let e = parse_err(&format!(
            "{head}[[provider.markup]]\ncategory = \"promo\"\npercent = \"6\"\n"
        ));
        assert!(e.reason.contains("unknown category"), "{e}");
        let e = parse_err(&format!("{head}\n{head}"));
        assert_eq!(e.line, 8, "{e}");
        assert!(e.reason.contains("second provider"), "{e}");
        let e = parse_err(
            "[[provider]]\nname = \"a,b\"\nsource = \"s\"\nas_of = \"a\"\ncurrency = \"USD\"\nconfidence = \"published\"\n",
        );
        assert!(e.reason.contains("--providers key"), "{e}");
    }
}

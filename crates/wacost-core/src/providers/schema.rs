//! The fee schedule file (`data/providers.toml`, documented at its top): the types a
//! provider's schedule is read into with serde, and the checks a schedule must pass.
//!
//! Amounts are read from their text (`"0.005"`) or as whole numbers, never as TOML floats;
//! dates are `YYYY-MM-DD`; a markup names a pricing category or `all`.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::money::Currency;
use crate::pricing::category::Category;
use crate::pricing::{DataError, DataSource};

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
    /// Each business number with traffic in the month (or [`BillOptions::numbers`](super::BillOptions::numbers)).
    Number,
    /// Each seat ([`BillOptions::seats`](super::BillOptions::seats)).
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
    /// Whether inbound messages can be counted with this filter.
    pub(super) fn admits_inbound(self) -> bool {
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

    /// Whether the markup applies on a day.
    pub(super) fn in_force(&self, date: NaiveDate) -> bool {
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

impl Provider {
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

    /// Checks what serde cannot: a usable name, fees that are not negative, filters that fit
    /// the unit, dates in order. `line` is where the provider starts in `origin`.
    pub(super) fn validate(&self, origin: &DataSource, line: usize) -> Result<(), DataError> {
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
            // Sums of fees stay exact (see MAX_INPUT_AMOUNT).
            if f.amount > crate::money::MAX_INPUT_AMOUNT {
                return Err(err(format!(
                    "{what}: amount {} is over 10^15: not a fee",
                    f.amount
                )));
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
            // A markup multiplies Meta's fees: bounded so that the product cannot overflow.
            if m.percent > Decimal::from(1_000_000) {
                return Err(err(format!(
                    "markup {:?}: percent {} is over 1000000",
                    m.label(),
                    m.percent
                )));
            }
            check_window(m.from, m.to).map_err(|e| err(format!("markup {:?}: {e}", m.label())))?;
        }
        Ok(())
    }
}

/// `from` must not be after `to`.
fn check_window(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), String> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => Err(format!("to {t} is before from {f}")),
        _ => Ok(()),
    }
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

//! A provider's bill for a log: Meta's fees (from the [`Ledger`]), the provider's markups on
//! them, and its own fee items counted on the log's [`Usage`], month by month, in the
//! provider's currency. Every line says how it was computed (`1,234 messages × USD 0.005`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::schema::{DirectionFilter, Fee, Markup, Per, Provider, StatusFilter};
use crate::fx::{FxError, FxTable, round_converted};
use crate::ledger::{Ledger, Totals};
use crate::money::{Currency, Money};
use crate::pricing::category::Category;
use crate::usage::{MonthUsage, Usage};

/// Decimals of an effective cost per message (rounded half-even).
pub const PER_MESSAGE_DECIMALS: u32 = 6;

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
    /// A month of `lines`, with its Meta fees, provider fees and total.
    fn new(year: i32, month: u32, lines: Vec<BillLine>) -> MonthBill {
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
        MonthBill {
            year,
            month,
            lines,
            meta_fees,
            provider_fees,
            total: meta_fees + provider_fees,
        }
    }

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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
        let empty = MonthUsage::default();
        let mut bills = Vec::with_capacity(months.len());
        let mut notes = Vec::new();
        let mut outbound = 0;
        for (year, month) in months {
            let days = month_bounds(year, month);
            let u = usage.get(&(year, month)).unwrap_or(&empty);
            outbound += u.outbound();
            let meta = meta_by_month
                .get(&(year, month))
                .copied()
                .unwrap_or_default();
            let mut lines = vec![self.meta_line(&meta, card, days.1, options.fx)?];
            for m in &self.markups {
                lines.extend(self.markup_line(m, &meta_by_day, card, days, options.fx)?);
            }
            for f in &self.fees {
                if let Some((line, note)) = self.fee_line(f, u, options, days) {
                    lines.push(line);
                    notes.extend(note);
                }
            }
            bills.push(MonthBill::new(year, month, lines));
        }
        let meta_fees: Decimal = bills.iter().map(|m| m.meta_fees).sum();
        let provider_fees: Decimal = bills.iter().map(|m| m.provider_fees).sum();
        let total = meta_fees + provider_fees;
        Ok(ProviderBill {
            provider: self.name.clone(),
            currency: self.currency,
            months: bills,
            meta_fees,
            provider_fees,
            total,
            outbound,
            per_message: per_message(total, outbound),
            notes,
        })
    }

    /// Meta's fees of a month, at cost, in the provider's currency on the month's `last` day.
    fn meta_line(
        &self,
        meta: &Totals,
        card: Currency,
        last: NaiveDate,
        fx: &FxTable,
    ) -> Result<BillLine, FxError> {
        let (amount, conversion) = self.to_own(meta.amount, card, last, fx)?;
        let billed = plural(meta.billed, "charged message", "charged messages");
        Ok(BillLine {
            kind: ItemKind::MetaFees,
            item: "Meta fees".to_string(),
            basis: match conversion {
                None => format!("Meta's rate card at cost, {billed}"),
                Some(rate) => format!("{card} {} at {rate}, {billed}", meta.amount),
            },
            quantity: Some(meta.billed),
            amount,
            original: Money::new(meta.amount, card),
        })
    }

    /// A markup on the Meta fees of the month's `days` (first, last) on which it is in force,
    /// or nothing if it is in force on none of them.
    fn markup_line(
        &self,
        m: &Markup,
        meta_by_day: &BTreeMap<(NaiveDate, Category), Totals>,
        card: Currency,
        (first, last): (NaiveDate, NaiveDate),
        fx: &FxTable,
    ) -> Result<Option<BillLine>, FxError> {
        let days = first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter(|d| m.in_force(*d))
            .count() as u32;
        if days == 0 {
            return Ok(None);
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
        let (amount, conversion) = self.to_own(original, card, last, fx)?;
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
        Ok(Some(BillLine {
            kind: ItemKind::Markup,
            item: m.label(),
            basis,
            quantity: None,
            amount,
            original: Money::new(original, card),
        }))
    }

    /// One of the provider's fee items for the month `days` (first, last), with a note when
    /// the fee is in force for part of the month only (usage is counted by month, so the
    /// whole month is counted); nothing if it is not in force at all.
    fn fee_line(
        &self,
        f: &Fee,
        u: &MonthUsage,
        options: &BillOptions,
        (first, last): (NaiveDate, NaiveDate),
    ) -> Option<(BillLine, Option<String>)> {
        if f.from.is_some_and(|d| d > last) || f.to.is_some_and(|d| d < first) {
            return None;
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
        let mut note = None;
        if f.from.is_some_and(|d| d > first) || f.to.is_some_and(|d| d < last) {
            let window = window_text(f.from, f.to);
            basis.push_str(&format!(" (in force {window}, whole month counted)"));
            note = Some(format!(
                "{} \"{}\" is in force {window} only: usage is counted by month, so the whole \
                 of {:04}-{:02} is counted",
                self.name,
                f.item,
                first.year(),
                first.month()
            ));
        }
        let line = BillLine {
            kind: ItemKind::Fee,
            item: f.item.clone(),
            basis,
            quantity: Some(charged),
            amount,
            original: Money::new(amount, self.currency),
        };
        Some((line, note))
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
}

/// When a dated item is in force, in words.
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

/// The effective cost per outbound message, rounded half-even to [`PER_MESSAGE_DECIMALS`].
pub(super) fn per_message(total: Decimal, outbound: u64) -> Option<Decimal> {
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

/// `1 message`, `1,234 messages`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group(n), if n == 1 { one } else { many })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::charge::{Charge, LineKind};
    use crate::event::BusinessId;
    use crate::pricing::category::{PricingModel, PricingType};
    use crate::pricing::market::MarketId;
    use crate::pricing::phone::Country;
    use crate::providers::registry::tests::parse;
    use crate::providers::{Providers, compare};
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub(in crate::providers) fn month(inbound: u64, by_status: [u64; 4]) -> MonthUsage {
        MonthUsage {
            inbound,
            outbound_by_status: by_status,
            ..Default::default()
        }
    }

    pub(in crate::providers) fn usage(months: &[((i32, u32), MonthUsage)]) -> Usage {
        months.iter().cloned().collect()
    }

    /// A ledger with one message line per (date, category, amount).
    pub(in crate::providers) fn ledger(lines: &[(&str, Category, Decimal)]) -> Ledger {
        let mut l = Ledger::new(Currency::USD);
        for (date, category, amount) in lines {
            l.add(&charge(d(date), *category, *amount));
        }
        l
    }

    fn charge(date: NaiveDate, category: Category, amount: Decimal) -> Charge {
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
            tokens: None,
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
        // One month without Meta fees.
        let month_bill = |m: MonthUsage| {
            c.bill(
                &Ledger::new(Currency::USD),
                &usage(&[((2026, 4), m)]),
                &options,
            )
            .unwrap()
        };
        let b = month_bill(m);
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
        let b = month_bill(small);
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
}

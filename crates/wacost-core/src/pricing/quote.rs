//! The price of one delivered message, with the rule that decided it: what `wacost quote`
//! prints, and a worked example of everything else wacost does.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;

use super::category::{Category, PricingModel, PricingType, Provenance};
use super::phone::{ContactNumber, Country};
use super::rules::{Situation, decide};
use super::{BusinessProfile, PricingError, RateBook};
use crate::calendar;
use crate::event::MessageKind;
use crate::money::Currency;
use crate::table::Table;

/// What to quote.
#[derive(Clone, Copy, Debug)]
pub struct QuoteRequest {
    /// The recipient.
    pub to: ContactNumber,
    /// `service` quotes a free-form message; the others a template of that category.
    pub category: Category,
    /// When the message is sent.
    pub at: DateTime<Utc>,
    /// The WABA's time zone (card and rule dates are 00:00 there).
    pub timezone: Tz,
    /// Whether the user wrote within the last 24 h.
    pub in_service_window: bool,
    /// Whether a free entry point window is open.
    pub in_free_entry_point: bool,
    /// The card currency.
    pub currency: Currency,
    /// The business, for authentication-international.
    pub profile: BusinessProfile,
}

/// A quoted price and everything that decided it.
#[derive(Clone, Debug, Serialize)]
pub struct Quote {
    /// The recipient, E.164.
    pub to: String,
    /// Recipient country.
    pub country: Country,
    /// Recipient market on that date.
    pub market: String,
    /// The date in the WABA's time zone.
    pub date: NaiveDate,
    /// The regime in force.
    pub regime: String,
    /// Its pricing model.
    pub pricing_model: PricingModel,
    /// Meta's pricing type.
    pub pricing_type: PricingType,
    /// The category charged (authentication_international where it applies).
    pub pricing_category: Category,
    /// Whether Meta charges it.
    pub billable: bool,
    /// The list rate of the cell used, if the card has one.
    pub rate: Option<Decimal>,
    /// What this message costs.
    pub amount: Decimal,
    /// Currency.
    pub currency: Currency,
    /// The card used: its effective date.
    pub card_effective: NaiveDate,
    /// Where the card came from.
    pub card_origin: String,
    /// How sure we are of the rate.
    pub provenance: Option<Provenance>,
    /// The rate's source.
    pub source: Option<String>,
    /// The rule that decided, in words.
    pub rule: String,
    /// Anything the reader should know (allowances, fallbacks, estimates).
    pub notes: Vec<String>,
}

/// Prices one message. The situation is what the user states: whether the service window or
/// a free entry point window is open. Under CBP the message is assumed to open a new
/// conversation of its category (no conversation open).
pub fn quote(book: &RateBook, req: &QuoteRequest) -> Result<Quote, PricingError> {
    let date = calendar::local_date(req.timezone, req.at.timestamp());
    let regime = book.regime_at(date)?;
    let card = book.card_at(req.currency, date)?;
    let (country, market) = book.place(req.to, date);
    let sent = MessageKind::for_category(req.category);
    let situation = Situation {
        in_service_window: req.in_service_window,
        in_free_entry_point: req.in_free_entry_point,
        conversation_open_same: false,
        conversation_open_any: false,
        delivered: true,
    };
    let decision = decide(regime, sent, situation);
    let mut notes = Vec::new();
    let mut category = book.charged_category(decision.category, &req.profile, country, date);
    if req.category == Category::AuthenticationInternational
        && category != Category::AuthenticationInternational
    {
        notes.push(format!(
            "authentication-international asked for, but it applies only to eligible businesses \
             located outside {country} (--business-country, --auth-international-eligible), \
             for recipients in listed countries"
        ));
    }
    let mut rate = None;
    let mut provenance = None;
    let mut source = None;
    let mut amount = Decimal::ZERO;
    match book.cell(card, market, category) {
        Some((cell, used)) => {
            let fallback = used != category;
            if fallback {
                notes.push(format!(
                    "no authentication-international rate for {} on this card: the \
                     authentication rate is used (estimated)",
                    book.names.name(market)
                ));
                category = used;
            }
            rate = Some(cell.rate);
            provenance = Some(if fallback {
                Provenance::Estimated
            } else {
                cell.provenance
            });
            source = Some(card.source_text(&cell.source).to_string());
            if !cell.note.is_empty() {
                notes.push(cell.note.clone());
            }
            if decision.charged {
                amount = cell.rate;
            }
        }
        None if decision.charged => notes.push(format!(
            "the {} card of {} has no {} rate for {}: priced at 0 and flagged",
            card.currency,
            card.effective,
            category,
            book.names.name(market)
        )),
        None => {}
    }
    if let Some(a) = &regime.allowance {
        if a.category == category && decision.charged {
            let unit = match regime.model {
                PricingModel::Cbp => "conversations",
                PricingModel::Pmp => "messages",
            };
            notes.push(format!(
                "the first {} {} {unit} per {} each month are free ({}); this quote is the \
                 list rate after the allowance",
                a.size,
                a.category,
                a.scope.as_str().replace('_', " "),
                a.confidence
            ));
        }
    }
    if decision.charged
        && matches!(
            category,
            Category::Utility | Category::Authentication | Category::AuthenticationInternational
        )
        && regime.model == PricingModel::Pmp
    {
        match book.tiers_at(req.currency, date) {
            None => notes.push(
                "list rate: no volume-tier card loaded, so monthly volume discounts are not \
                 applied"
                    .to_string(),
            ),
            Some(_) => notes.push(
                "list rate: volume-tier discounts depend on the month's volume and are \
                 applied by replay, not by a single quote"
                    .to_string(),
            ),
        }
    }
    if regime.model == PricingModel::Cbp && decision.opens_conversation.is_some() {
        notes.push("assumes no conversation of this category is open".to_string());
    }
    if let Some(until) = book.known_until(req.currency)
        && date >= until
    {
        notes.push(format!(
            "{date} is after the data wacost knows: priced with the {} card of {}, the newest; \
             Meta may change rates on any quarter start from {until}",
            card.currency, card.effective
        ));
    }
    Ok(Quote {
        to: req.to.e164(),
        country,
        market: book.names.name(market).to_string(),
        date,
        regime: regime.name.clone(),
        pricing_model: regime.model,
        pricing_type: decision.pricing_type,
        pricing_category: category,
        billable: decision.charged,
        rate,
        amount,
        currency: card.currency,
        card_effective: card.effective,
        card_origin: card.origin.clone(),
        provenance,
        source,
        rule: decision.rule.to_string(),
        notes,
    })
}
impl Quote {
    /// The quote for a terminal: the amount, where and when, the rule that decided it and
    /// the rate with its provenance (what `wacost quote` and `wacost demo` print).
    pub fn to_text(&self) -> String {
        let mut s = format!("{} {}\n", self.currency, self.amount);
        s.push_str(&format!(
            "  {} in {} ({}), {} ({}, {}), pricing type {}\n",
            self.to,
            self.market,
            self.country,
            self.date,
            self.regime,
            self.pricing_model,
            self.pricing_type
        ));
        s.push_str(&format!("  rule: {}\n", self.rule));
        if let Some(rate) = self.rate {
            s.push_str(&format!(
                "  rate: {} {} {} per {}, {}, card of {} ({})\n",
                self.pricing_category,
                rate,
                self.currency,
                if self.pricing_model == PricingModel::Cbp {
                    "conversation"
                } else {
                    "message"
                },
                self.provenance.map(|p| p.to_string()).unwrap_or_default(),
                self.card_effective,
                self.source.as_deref().unwrap_or("")
            ));
        }
        for n in &self.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
        s
    }

    /// The quote as CSV: a header and one row.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut t = Table::new([
            "to",
            "country",
            "market",
            "date",
            "regime",
            "pricing_model",
            "pricing_type",
            "pricing_category",
            "billable",
            "rate",
            "amount",
            "currency",
            "provenance",
            "card_effective",
            "rule",
        ]);
        t.row([
            self.to.clone(),
            self.country.to_string(),
            self.market.clone(),
            self.date.to_string(),
            self.regime.clone(),
            self.pricing_model.to_string(),
            self.pricing_type.to_string(),
            self.pricing_category.to_string(),
            self.billable.to_string(),
            self.rate.map(|r| r.to_string()).unwrap_or_default(),
            self.amount.to_string(),
            self.currency.to_string(),
            self.provenance.map(|p| p.to_string()).unwrap_or_default(),
            self.card_effective.to_string(),
            self.rule.clone(),
        ]);
        t.to_csv()
    }
}

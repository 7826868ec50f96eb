//! The price of one delivered message, with the rule that decided it: what `wacost quote`
//! prints, and a worked example of everything else wacost does.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;

use super::category::{Category, PricingModel, PricingType, Provenance};
use super::phone::{ContactNumber, Country};
use super::price::{MessagePrice, price_message};
use super::rules::{Situation, decide};
use super::{BusinessProfile, PricingError, RateBook};
use crate::calendar;
use crate::event::{Details, MessageKind, TemplateId};
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
    /// The business: authentication-international, the service exemption.
    pub profile: BusinessProfile,
    /// A Business Agent reply's tokens (`business_agent`; default: the regime's).
    pub tokens: Option<u32>,
    /// A marketing template's name, for its Marketing Messages API max price.
    pub template: Option<TemplateId>,
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
    /// A Business Agent reply's tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u32>,
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
    quote_message(book, req, MessageKind::for_category(req.category))
}

/// [`quote`] for a message of a given kind, where the category alone does not say it: a
/// reaction ([`MessageKind::Reaction`], priced in `service` but always free), with
/// `req.category` its category.
pub fn quote_message(
    book: &RateBook,
    req: &QuoteRequest,
    sent: MessageKind,
) -> Result<Quote, PricingError> {
    let date = calendar::local_date(req.timezone, req.at.timestamp());
    let regime = book.regime_at(date)?;
    let card = book.card_at(req.currency, date)?;
    let (country, market) = book.place(req.to, date);
    let service_exempt = req.profile.service_exempt
        && regime
            .service_exemption
            .as_ref()
            .is_some_and(|e| e.applies(regime.from, date));
    let situation = Situation {
        in_service_window: req.in_service_window,
        in_free_entry_point: req.in_free_entry_point,
        conversation_open_same: false,
        conversation_open_any: false,
        delivered: true,
        service_exempt,
    };
    let decision = decide(regime, sent, situation);
    let details = Details {
        tokens: req.tokens,
        template: req.template,
        ..Details::NONE
    };
    let priced = price_message(
        book,
        regime,
        card,
        &decision,
        sent,
        &details,
        market,
        country,
        &req.profile,
        date,
    );
    let mut notes = Vec::new();
    let category = priced.category;
    if req.category == Category::AuthenticationInternational
        && category != Category::AuthenticationInternational
        && !priced.auth_international_fallback
    {
        notes.push(format!(
            "authentication-international asked for, but it applies only to eligible businesses \
             located outside {country} (--business-country, --auth-international-eligible), \
             for recipients in listed countries"
        ));
    }
    if priced.auth_international_fallback {
        notes.push(format!(
            "no authentication-international rate for {} on this card: the \
             authentication rate is used (estimated)",
            book.names.name(market)
        ));
    }
    let mut source = None;
    let reaction = sent == MessageKind::Reaction;
    if reaction {
        // No card cell prices a reaction: the rule's source is the quote's.
        let rule = regime.reactions.as_ref();
        let (confidence, text) = match rule {
            Some(r) => (r.confidence.as_str(), r.source.as_str()),
            None => ("reported", "Meta: reactions are always free"),
        };
        source = Some(text.to_string());
        notes.push(format!(
            "a reaction is always free and does not count toward the monthly free tier \
             ({confidence}: {text})"
        ));
    } else if let Some(cell) = priced.cell {
        source = Some(card.source_text(&cell.source).to_string());
        if !cell.note.is_empty() {
            notes.push(cell.note.clone());
        }
    }
    if priced.missing_rate {
        notes.push(format!(
            "the {} card of {} has no {} rate for {}: priced at 0 and flagged",
            card.currency,
            card.effective,
            category,
            book.names.name(market)
        ));
    }
    notes.extend(rule_notes(regime, &decision, &priced, req, date));
    let (rate, provenance, amount) = match reaction {
        // Written with the four decimals of card rates.
        true => (None, None, Decimal::new(0, 4)),
        false => (priced.rate, priced.provenance, priced.amount),
    };
    if let Some(a) = &regime.allowance {
        if a.covers(category) && (decision.charged || decision.exempt) {
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
        tokens: priced.tokens,
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
/// What a reader must know about the rules of 2026 behind a quote: the Business Agent's
/// token price and default, a group message's recipients, the exemption, the max price, the
/// free entry point window's assumed length.
fn rule_notes(
    regime: &super::regime::Regime,
    decision: &super::rules::Decision,
    priced: &MessagePrice<'_>,
    req: &QuoteRequest,
    date: NaiveDate,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(agent), Some(rate), Some(tokens)) = (
        regime.business_agent.as_ref(),
        priced.token_rate,
        priced.tokens,
    ) {
        notes.push(format!(
            "{tokens} tokens{} at {} {} per million tokens ({}{}), prompt and response \
             together; {}",
            if priced.default_tokens {
                " (the regime's default for a reply of unknown size: --tokens N to quote another)"
            } else {
                ""
            },
            rate.per_million_tokens,
            rate.currency,
            rate.provenance,
            if rate.note.is_empty() {
                String::new()
            } else {
                format!(": {}", rate.note)
            },
            agent.source
        ));
        if let Some([low, high]) = agent.typical_tokens {
            notes.push(format!(
                "Meta's typical reply: {low}-{high} tokens, {}-{} {}",
                super::regime::BusinessAgentRule::price(rate, low).normalize(),
                super::regime::BusinessAgentRule::price(rate, high).normalize(),
                rate.currency
            ));
        }
    } else if req.category == Category::BusinessAgent {
        notes.push(format!(
            "Meta bills Business Agent replies per token from 2026-08-01; on {date} (rules {}) \
             a reply is priced as a free-form message",
            regime.name
        ));
    }
    if req.category.is_group() {
        notes.push(
            "a group message is charged once per delivered recipient, at the rate of each \
             recipient's market; the group's customer service window is assumed open"
                .to_string(),
        );
    }
    if decision.exempt {
        if let Some(e) = &regime.service_exemption {
            notes.push(format!(
                "exempt government or non-profit: service messages free beyond the monthly \
                 free tier until {} ({}: {})",
                e.until, e.confidence, e.source
            ));
        }
    }
    if priced.max_price {
        notes.push(
            "priced at the template's Marketing Messages API max price: an upper bound, Meta \
             charges it or less"
                .to_string(),
        );
    }
    if priced.max_price_other_currency {
        notes.push(
            "the template's max price is in another currency than the card: the card's rate \
             is used"
                .to_string(),
        );
    }
    let w = regime.windows;
    if req.in_free_entry_point && w.free_entry_point_longest_hours() > w.free_entry_point_hours {
        notes.push(format!(
            "free entry point windows are assumed to last {} h; Meta says a window from an ad \
             may last up to {} h ({}): a status webhook's conversation.expiration_timestamp \
             gives the real end",
            w.free_entry_point_hours,
            w.free_entry_point_longest_hours(),
            regime.windows_confidence
        ));
    }
    notes
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
            // A Business Agent reply is priced by the regime's token rate, not by a card cell.
            let from = if self.pricing_category == Category::BusinessAgent {
                format!("token rate of the {} rules", self.regime)
            } else {
                format!("card of {}", self.card_effective)
            };
            let source = self
                .source
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  rate: {} {} {} per {}, {}, {from}{source}\n",
                self.pricing_category,
                rate,
                self.currency,
                if self.pricing_model == PricingModel::Cbp {
                    "conversation"
                } else {
                    "message"
                },
                self.provenance.map(|p| p.to_string()).unwrap_or_default(),
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
